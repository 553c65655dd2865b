//! Error codes reported in the status bytes of a response.
//!
//! A response ends with a status byte (0 = success) and an error byte. The ROM reports
//! failure as status 1 with the error byte from [`RomError`]; the flasher stub puts its
//! [`StubError`] code in the first byte and 0 in the second.

/// The two status bytes at the end of a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Status {
    /// 0 on success; 1 for a ROM failure; the stub's error code for a stub failure.
    pub status: u8,
    /// The ROM's error code; 0 from the stub.
    pub error: u8,
}

impl Status {
    /// Success: `00 00`.
    pub const OK: Status = Status {
        status: 0,
        error: 0,
    };

    /// A ROM failure: status 1 and the ROM's error byte.
    pub fn rom(error: RomError) -> Status {
        Status {
            status: 1,
            error: error as u8,
        }
    }

    /// A stub failure: the stub's code, then 0.
    pub fn stub(error: StubError) -> Status {
        Status {
            status: error as u8,
            error: 0,
        }
    }

    /// Whether the command succeeded (status byte 0).
    pub fn is_ok(self) -> bool {
        self.status == 0
    }

    /// The two bytes as esptool prints them (`0105`).
    pub fn hex(self) -> String {
        format!("{:02x}{:02x}", self.status, self.error)
    }

    /// What the status means, as esptool describes it.
    pub fn meaning(self) -> &'static str {
        if self.status == 1
            && let Some(e) = RomError::from_u8(self.error)
        {
            return e.meaning();
        }
        if let Some(e) = StubError::from_u8(self.status) {
            return e.meaning();
        }
        "Unknown result"
    }
}

macro_rules! error_table {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $value:literal => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub enum $name {
            $(#[doc = $text] $variant = $value,)*
        }

        impl $name {
            /// The error with this code, if it is known.
            pub fn from_u8(value: u8) -> Option<$name> {
                match value {
                    $($value => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// esptool's description of the code.
            pub fn meaning(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }
    };
}

error_table! {
    /// Error byte of a ROM reply with status 1.
    RomError {
        Undefined = 0x00 => "Undefined errors",
        InvalidParameter = 0x01 => "The input parameter is invalid",
        Malloc = 0x02 => "Failed to malloc memory from system",
        SendFailed = 0x03 => "Failed to send out message",
        ReceiveFailed = 0x04 => "Failed to receive message",
        InvalidMessage = 0x05 => "The format of the received message is invalid",
        WrongResult = 0x06 => "Message is ok, but the running result is wrong",
        Checksum = 0x07 => "Checksum error",
        FlashWrite = 0x08 => "Flash write error",
        FlashRead = 0x09 => "Flash read error",
        FlashReadLength = 0x0A => "Flash read length error",
        Deflate = 0x0B => "Deflate failed error",
        DeflateAdler32 = 0x0C => "Deflate Adler32 error",
        DeflateParameter = 0x0D => "Deflate parameter error",
        RamBinarySize = 0x0E => "Invalid RAM binary size",
        RamBinaryAddress = 0x0F => "Invalid RAM binary address",
    }
}

error_table! {
    /// Code in the first status byte of a failed stub reply.
    StubError {
        BadDataLength = 0xC0 => "Bad data length",
        BadDataChecksum = 0xC1 => "Bad data checksum",
        BadBlocksize = 0xC2 => "Bad blocksize",
        InvalidCommand = 0xC3 => "Invalid command",
        SpiOperationFailed = 0xC4 => "Failed SPI operation",
        SpiUnlockFailed = 0xC5 => "Failed SPI unlock",
        NotInFlashMode = 0xC6 => "Not in flash mode",
        InflateError = 0xC7 => "Inflate error",
        NotEnoughData = 0xC8 => "Not enough data",
        TooMuchData = 0xC9 => "Too much data",
        NotImplemented = 0xFF => "Command not implemented",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_rom_and_stub_failures() {
        let rom = Status::rom(RomError::InvalidMessage);
        assert_eq!(rom.hex(), "0105");
        assert_eq!(
            rom.meaning(),
            "The format of the received message is invalid"
        );
        let stub = Status::stub(StubError::BadDataChecksum);
        assert_eq!(stub.hex(), "c100");
        assert_eq!(stub.meaning(), "Bad data checksum");
        assert!(Status::OK.is_ok());
        assert!(!stub.is_ok());
    }
}
