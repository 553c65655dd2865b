//! The SPI flash bus as the chips' SPI controllers drive it (esptool-protocol §4.5): the
//! user-command register bits and the flash chips' command opcodes. The client runs
//! flash commands through these registers; the virtual device executes them.

/// USR register bit: the user command has a command phase.
pub const USR_COMMAND: u32 = 1 << 31;
/// USR register bit: the user command has an address phase.
pub const USR_ADDR: u32 = 1 << 30;
/// USR register bit: the user command has dummy cycles.
pub const USR_DUMMY: u32 = 1 << 29;
/// USR register bit: the user command reads data (MISO phase) into W0…
pub const USR_MISO: u32 = 1 << 28;
/// USR register bit: the user command writes data (MOSI phase) from W0…
pub const USR_MOSI: u32 = 1 << 27;
/// USR1: address length in bits minus one, from bit 26.
pub const USR1_ADDR_LEN_SHIFT: u32 = 26;
/// USR2: command length in bits minus one, from bit 28; the command byte in the low bits.
pub const USR2_COMMAND_LEN_SHIFT: u32 = 28;
/// The ESP8266 has no data-length registers: USR1 holds the MOSI and MISO lengths in
/// bits minus one, 9 bits each; the MOSI length starts here.
pub const ESP8266_MOSI_BITLEN_SHIFT: u32 = 17;
/// ESP8266 USR1: where the MISO length (bits minus one) starts.
pub const ESP8266_MISO_BITLEN_SHIFT: u32 = 8;
/// ESP8266 USR1: the 9 bits of one of those lengths.
pub const ESP8266_BITLEN_MASK: u32 = 0x1FF;

/// Registers of the SPI controller that drives the flash chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpiRegisters {
    /// Address of the controller's first register (CMD).
    pub base: u32,
    /// Offset of USR: which phases the user command has.
    pub usr_offset: u32,
    /// Offset of USR1: the address length (and on the ESP8266 the data lengths).
    pub usr1_offset: u32,
    /// Offset of USR2: the command byte and its length.
    pub usr2_offset: u32,
    /// Data-length registers exist on the ESP32 family; the ESP8266 keeps the lengths in USR1.
    pub mosi_dlen_offset: Option<u32>,
    /// Offset of MISO_DLEN, the read length in bits minus one (not on the ESP8266).
    pub miso_dlen_offset: Option<u32>,
    /// Offset of W0, the first of the 16 data words.
    pub w0_offset: u32,
    /// Whether the address register holds the address in its top bits (ESP8266, ESP32).
    pub addr_msb_aligned: bool,
}

impl SpiRegisters {
    /// The CMD register sits at the base; writing bit 18 (USR) runs the user command.
    pub const CMD_USR: u32 = 1 << 18;
    /// The ADDR register follows CMD on every chip.
    pub const ADDR_OFFSET: u32 = 0x04;

    /// Address of CMD.
    pub fn cmd(&self) -> u32 {
        self.base
    }
    /// Address of ADDR, the flash address of the user command.
    pub fn addr(&self) -> u32 {
        self.base + Self::ADDR_OFFSET
    }
    /// Address of USR.
    pub fn usr(&self) -> u32 {
        self.base + self.usr_offset
    }
    /// Address of USR1.
    pub fn usr1(&self) -> u32 {
        self.base + self.usr1_offset
    }
    /// Address of USR2.
    pub fn usr2(&self) -> u32 {
        self.base + self.usr2_offset
    }
    /// Address of MOSI_DLEN, where the chip has it.
    pub fn mosi_dlen(&self) -> Option<u32> {
        self.mosi_dlen_offset.map(|o| self.base + o)
    }
    /// Address of MISO_DLEN, where the chip has it.
    pub fn miso_dlen(&self) -> Option<u32> {
        self.miso_dlen_offset.map(|o| self.base + o)
    }
    /// Address of W0.
    pub fn w0(&self) -> u32 {
        self.base + self.w0_offset
    }
}

/// Commands of SPI NOR flash chips (JEDEC common set).
pub mod opcode {
    /// Write status register 1 (with a second byte: register 2 too, on many chips).
    pub const WRSR: u8 = 0x01;
    /// Program up to 256 bytes within one page.
    pub const PAGE_PROGRAM: u8 = 0x02;
    /// Read data (no dummy cycles).
    pub const READ: u8 = 0x03;
    /// Write disable.
    pub const WRDI: u8 = 0x04;
    /// Read status register 1 (bit 0: busy, bit 1: write enabled).
    pub const RDSR: u8 = 0x05;
    /// Write enable: needed before every program, erase or status write.
    pub const WREN: u8 = 0x06;
    /// Write status register 3.
    pub const WRSR3: u8 = 0x11;
    /// Read status register 3.
    pub const RDSR3: u8 = 0x15;
    /// Erase the 4 KB sector holding the address.
    pub const SECTOR_ERASE: u8 = 0x20;
    /// Write status register 2.
    pub const WRSR2: u8 = 0x31;
    /// Read status register 2.
    pub const RDSR2: u8 = 0x35;
    /// Write enable for a volatile status register write.
    pub const VOLATILE_SR_WREN: u8 = 0x50;
    /// Erase the 32 KB block holding the address.
    pub const BLOCK_ERASE_32K: u8 = 0x52;
    /// Read the SFDP parameter table.
    pub const RDSFDP: u8 = 0x5A;
    /// Erase the whole chip (the alternative opcode).
    pub const CHIP_ERASE_60: u8 = 0x60;
    /// Arm a software reset.
    pub const RESET_ENABLE: u8 = 0x66;
    /// Software reset (after RESET_ENABLE).
    pub const RESET: u8 = 0x99;
    /// Read the JEDEC ID: manufacturer, memory type, capacity.
    pub const RDID: u8 = 0x9F;
    /// Leave deep power-down.
    pub const RELEASE_POWER_DOWN: u8 = 0xAB;
    /// Enter deep power-down.
    pub const POWER_DOWN: u8 = 0xB9;
    /// Erase the whole chip.
    pub const CHIP_ERASE: u8 = 0xC7;
    /// Erase the 64 KB block holding the address.
    pub const BLOCK_ERASE: u8 = 0xD8;
}
