//! Command opcodes understood by the ROM bootloaders and the flasher stub.

/// One request opcode. Opcodes 0x02..=0x14 belong to the ROM; 0xD0.. are stub additions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    FlashBegin = 0x02,
    FlashData = 0x03,
    FlashEnd = 0x04,
    MemBegin = 0x05,
    MemEnd = 0x06,
    MemData = 0x07,
    Sync = 0x08,
    WriteReg = 0x09,
    ReadReg = 0x0A,
    SpiSetParams = 0x0B,
    SpiAttach = 0x0D,
    ReadFlashSlow = 0x0E,
    ChangeBaudrate = 0x0F,
    FlashDeflBegin = 0x10,
    FlashDeflData = 0x11,
    FlashDeflEnd = 0x12,
    SpiFlashMd5 = 0x13,
    GetSecurityInfo = 0x14,
    EraseFlash = 0xD0,
    EraseRegion = 0xD1,
    ReadFlash = 0xD2,
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

    /// Whether the request carries a data checksum in its header.
    pub fn has_checksum(self) -> bool {
        matches!(
            self,
            Opcode::MemData | Opcode::FlashData | Opcode::FlashDeflData
        )
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
