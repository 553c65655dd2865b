//! How a command ends for the chip, as both loaders (ROM and stub) report it to the
//! device.

use crate::uart::Rate;
use std::time::Duration;

/// What the chip does after a command has been answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Stay,
    /// MEM_END jumped to the uploaded flasher stub: it greets with `OHAI` and takes over.
    StartStub,
    /// MEM_END jumped to other uploaded code: the chip runs it and leaves the loader.
    RunRam,
    /// The ROM's "run user code" (FLASH_END with flag 1): the program in flash starts
    /// without a reset.
    RunFlash,
    /// The ROM's "reboot" (FLASH_END with flag 0): a software reset. The straps stay
    /// latched, so a chip reset into download mode comes back to the ROM loader.
    SoftwareReset,
    /// CHANGE_BAUDRATE: the UART switches once the reply is out.
    ChangeBaud(BaudSwitch),
}

/// A rate change after a reply: the loader waits `before` (and until its transmitter is
/// idle), switches, and waits `after` before it handles the next frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaudSwitch {
    pub rate: Rate,
    pub before: Duration,
    pub after: Duration,
}

/// Whether `[addr, addr + len)` lies inside a flash of `size` bytes.
pub fn in_flash(addr: u32, len: u32, size: u32) -> bool {
    u64::from(addr) + u64::from(len) <= u64::from(size)
}
