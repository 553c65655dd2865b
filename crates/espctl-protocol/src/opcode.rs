//! Command opcodes understood by the ROM bootloaders and the flasher stub.

/// One request opcode. Opcodes 0x02..=0x14 belong to the ROM; 0xD0.. are stub additions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    /// Erase a flash region and start a write.
    FlashBegin = 0x02,
    /// One block of a flash write.
    FlashData = 0x03,
    /// End a flash write; optionally run the program in flash.
    FlashEnd = 0x04,
    /// Start an upload to RAM.
    MemBegin = 0x05,
    /// End a RAM upload; optionally jump to its entry point.
    MemEnd = 0x06,
    /// One block of a RAM upload.
    MemData = 0x07,
    /// The handshake that lets the loader find the baud rate.
    Sync = 0x08,
    /// Masked register writes.
    WriteReg = 0x09,
    /// Read one register.
    ReadReg = 0x0A,
    /// Tell the loader the flash chip's geometry and size.
    SpiSetParams = 0x0B,
    /// Connect the SPI flash (pins, mode).
    SpiAttach = 0x0D,
    /// Read 64 bytes of flash through the ROM.
    ReadFlashSlow = 0x0E,
    /// Switch the UART to another rate.
    ChangeBaudrate = 0x0F,
    /// Start a write of zlib-compressed data.
    FlashDeflBegin = 0x10,
    /// The next piece of the zlib stream.
    FlashDeflData = 0x11,
    /// End a compressed write.
    FlashDeflEnd = 0x12,
    /// MD5 of a flash region.
    SpiFlashMd5 = 0x13,
    /// Secure boot and flash encryption state, chip ID.
    GetSecurityInfo = 0x14,
    /// Erase the whole flash (stub).
    EraseFlash = 0xD0,
    /// Erase whole sectors (stub).
    EraseRegion = 0xD1,
    /// Stream a flash region to the host (stub).
    ReadFlash = 0xD2,
    /// Leave the stub and run the program in flash (stub).
    RunUserCode = 0xD3,
}

impl Opcode {
    /// Every opcode this crate knows, in numeric order.
    pub const ALL: [Opcode; 22] = [
        Opcode::FlashBegin,
        Opcode::FlashData,
        Opcode::FlashEnd,
        Opcode::MemBegin,
        Opcode::MemEnd,
        Opcode::MemData,
        Opcode::Sync,
        Opcode::WriteReg,
        Opcode::ReadReg,
        Opcode::SpiSetParams,
        Opcode::SpiAttach,
        Opcode::ReadFlashSlow,
        Opcode::ChangeBaudrate,
        Opcode::FlashDeflBegin,
        Opcode::FlashDeflData,
        Opcode::FlashDeflEnd,
        Opcode::SpiFlashMd5,
        Opcode::GetSecurityInfo,
        Opcode::EraseFlash,
        Opcode::EraseRegion,
        Opcode::ReadFlash,
        Opcode::RunUserCode,
    ];

    /// The opcode with this number, if it is known.
    pub fn from_u8(value: u8) -> Option<Opcode> {
        Opcode::ALL.into_iter().find(|op| *op as u8 == value)
    }

    /// The name esptool uses for this command (as in its `--trace` output).
    pub fn name(self) -> &'static str {
        match self {
            Opcode::FlashBegin => "FLASH_BEGIN",
            Opcode::FlashData => "FLASH_DATA",
            Opcode::FlashEnd => "FLASH_END",
            Opcode::MemBegin => "MEM_BEGIN",
            Opcode::MemEnd => "MEM_END",
            Opcode::MemData => "MEM_DATA",
            Opcode::Sync => "SYNC",
            Opcode::WriteReg => "WRITE_REG",
            Opcode::ReadReg => "READ_REG",
            Opcode::SpiSetParams => "SPI_SET_PARAMS",
            Opcode::SpiAttach => "SPI_ATTACH",
            Opcode::ReadFlashSlow => "READ_FLASH_SLOW",
            Opcode::ChangeBaudrate => "CHANGE_BAUDRATE",
            Opcode::FlashDeflBegin => "FLASH_DEFL_BEGIN",
            Opcode::FlashDeflData => "FLASH_DEFL_DATA",
            Opcode::FlashDeflEnd => "FLASH_DEFL_END",
            Opcode::SpiFlashMd5 => "SPI_FLASH_MD5",
            Opcode::GetSecurityInfo => "GET_SECURITY_INFO",
            Opcode::EraseFlash => "ERASE_FLASH",
            Opcode::EraseRegion => "ERASE_REGION",
            Opcode::ReadFlash => "READ_FLASH",
            Opcode::RunUserCode => "RUN_USER_CODE",
        }
    }
}

impl std::fmt::Display for Opcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (0x{:02x})", self.name(), *self as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_opcode() {
        for op in Opcode::ALL {
            assert_eq!(Opcode::from_u8(op as u8), Some(op));
        }
        assert_eq!(Opcode::from_u8(0x01), None);
        assert_eq!(Opcode::from_u8(0xD4), None);
    }

    #[test]
    fn displays_like_esptool_trace() {
        assert_eq!(Opcode::ReadReg.to_string(), "READ_REG (0x0a)");
    }
}
