//! Lowering of the flash chip commands (flash-id, read/write-flash-status,
//! read-flash-sfdp) and of the options every device command may carry for the flash:
//! `-sc/--spi-connection` and `--override-vddsdio`.

use super::Command;
use super::args::flash_chip::{ReadFlashSfdpArgs, WriteFlashStatusArgs};
use crate::commands::DeviceWork;
use crate::commands::flash_status::{SfdpRead, StatusRead};
use crate::fatal::Fatal;
use espctl_chips::flash_supply::VddSdio;
use espctl_flasher::spi::{SpiConnection, StatusBytes, StatusWrite};

/// The `-sc` given to the command, if it takes one and it was given.
pub fn spi_connection(command: &Command) -> Option<SpiConnection> {
    let arg = match command {
        Command::WriteFlash(a) => &a.spi,
        Command::ReadFlash(a) => &a.spi,
        Command::VerifyFlash(a) => &a.spi,
        Command::EraseFlash(a) => &a.spi,
        Command::EraseRegion(a) => &a.spi,
        Command::FlashId(a) => &a.spi,
        Command::ReadFlashStatus(a) => &a.spi,
        Command::WriteFlashStatus(a) => &a.spi,
        Command::ReadFlashSfdp(a) => &a.spi,
        _ => return None,
    };
    arg.spi_connection
}

/// `--override-vddsdio` (clap allowed only esptool's choices).
pub fn vddsdio(value: Option<&str>) -> Option<VddSdio> {
    value.and_then(VddSdio::parse)
}

/// `read-flash-status`.
pub fn read_status(bytes: u8) -> DeviceWork {
    DeviceWork::ReadFlashStatus(StatusRead {
        bytes: StatusBytes::new(bytes).expect("clap allows 1-3"),
    })
}

/// `write-flash-status`.
pub fn write_status(args: &WriteFlashStatusArgs) -> DeviceWork {
    DeviceWork::WriteFlashStatus(StatusWrite {
        value: args.value,
        bytes: StatusBytes::new(args.bytes.get()).expect("clap allows 1-3"),
        non_volatile: args.non_volatile,
    })
}

/// `read-flash-sfdp`: 1 to 4 bytes (checked before connecting; esptool checks after).
pub fn read_sfdp(args: &ReadFlashSfdpArgs) -> Result<DeviceWork, Fatal> {
    if !(1..=4).contains(&args.bytes) {
        return Err(Fatal(
            "Invalid number of bytes to read from SFDP (1-4).".to_string(),
        ));
    }
    Ok(DeviceWork::ReadFlashSfdp(SfdpRead {
        addr: args.address,
        bytes: args.bytes as u8,
    }))
}
