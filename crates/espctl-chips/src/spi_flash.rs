//! The SPI flash bus as the chips' SPI controllers drive it (esptool-protocol §4.5): the
//! user-command register bits and the flash chips' command opcodes. The client runs
//! flash commands through these registers; the virtual device executes them.

/// USR register: the phases a user command has.
pub const USR_COMMAND: u32 = 1 << 31;
pub const USR_ADDR: u32 = 1 << 30;
pub const USR_DUMMY: u32 = 1 << 29;
pub const USR_MISO: u32 = 1 << 28;
pub const USR_MOSI: u32 = 1 << 27;
/// USR1: address length in bits minus one, from bit 26.
pub const USR1_ADDR_LEN_SHIFT: u32 = 26;
/// USR2: command length in bits minus one, from bit 28; the command byte in the low bits.
pub const USR2_COMMAND_LEN_SHIFT: u32 = 28;
/// The ESP8266 has no data-length registers: USR1 holds the MOSI and MISO lengths in
/// bits minus one, 9 bits each.
pub const ESP8266_MOSI_BITLEN_SHIFT: u32 = 17;
pub const ESP8266_MISO_BITLEN_SHIFT: u32 = 8;
pub const ESP8266_BITLEN_MASK: u32 = 0x1FF;

/// Commands of SPI NOR flash chips (JEDEC common set).
pub mod opcode {
    pub const WRSR: u8 = 0x01;
    pub const PAGE_PROGRAM: u8 = 0x02;
    pub const READ: u8 = 0x03;
    pub const WRDI: u8 = 0x04;
    pub const RDSR: u8 = 0x05;
    pub const WREN: u8 = 0x06;
    pub const WRSR3: u8 = 0x11;
    pub const RDSR3: u8 = 0x15;
    pub const SECTOR_ERASE: u8 = 0x20;
    pub const WRSR2: u8 = 0x31;
    pub const RDSR2: u8 = 0x35;
    pub const VOLATILE_SR_WREN: u8 = 0x50;
    pub const BLOCK_ERASE_32K: u8 = 0x52;
    pub const RDSFDP: u8 = 0x5A;
    pub const CHIP_ERASE_60: u8 = 0x60;
    pub const RESET_ENABLE: u8 = 0x66;
    pub const RESET: u8 = 0x99;
    pub const RDID: u8 = 0x9F;
    pub const RELEASE_POWER_DOWN: u8 = 0xAB;
    pub const POWER_DOWN: u8 = 0xB9;
    pub const CHIP_ERASE: u8 = 0xC7;
    pub const BLOCK_ERASE: u8 = 0xD8;
}
