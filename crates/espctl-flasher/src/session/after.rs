//! Leaving the chip as the caller asks (`--after`): reset it into its application, start
//! the application from the loader, or leave the loader (or the stub) running.

use super::Session;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::link::{self, After, Answer};
use crate::loader::SoftReset;
use espctl_protocol::Command;
use espctl_transport::{LineError, TransportKind};

impl Session {
    /// Does what `after` asks once the work is done.
    pub fn finish(&mut self, after: After) -> Result<()> {
        match after {
            After::HardReset
                if self.native_usb() == Some(super::NativeUsb::Otg) && self.has_rtc_watchdog() =>
            {
                // As esptool on a USB-OTG port: the port goes away with the reset, the
                // watchdog does it without a reset line.
                self.watchdog_reset()
            }
            After::HardReset => self.hard_reset(),
            After::SoftReset => {
                self.emit(Event::SoftResetting);
                match self.loader.soft_reset() {
                    SoftReset::FlashEnd => self.run_user_code(),
                    // The stub starts the application without replying.
                    SoftReset::RunUserCode => {
                        self.conn
                            .send(&Command::RunUserCode, self.limits.timeout, Answer::None)
                    }
                    SoftReset::Unsupported => Err(Error::SoftResetUnsupported),
                }
            }
            After::NoReset => {
                self.emit(Event::StayingInBootloader);
                if self.loader.leaves_with_reboot_request() {
                    // As esptool: FLASH_END with reboot, which the legacy stub answers by
                    // resetting into the ROM loader. esp-flasher-stub (v1.1.0) answers
                    // and stays, so the stub is what the next connection finds.
                    let block = self.loader.flash_block_size();
                    self.flash_begin_raw(0, 0, block, 0, self.limits.timeout)?;
                    self.flash_end(true, self.limits.timeout)?;
                }
                Ok(())
            }
            After::NoResetStub => {
                self.emit(Event::StayingInStub);
                Ok(())
            }
            After::WatchdogReset if self.has_rtc_watchdog() => self.watchdog_reset(),
            After::WatchdogReset => {
                // Only the ESP32-S2, S3 and C3 have the RTC watchdog reset esptool uses.
                self.emit(Event::WatchdogUnsupported { chip: self.chip });
                self.hard_reset()
            }
        }
    }

    /// Starts the application in flash (esptool's `run`): an empty FLASH_BEGIN, then
    /// FLASH_END asking to run user code.
    pub fn run_user_code(&mut self) -> Result<()> {
        let block = self.loader.flash_block_size();
        self.flash_begin_raw(0, 0, block, 0, self.limits.timeout)?;
        self.flash_end(false, self.limits.timeout)
    }

    fn hard_reset(&mut self) -> Result<()> {
        let custom = self.custom_hard_reset.clone();
        let done = match &custom {
            Some(sequence) => sequence.run(self.conn.transport()),
            None => {
                self.emit(Event::HardResetting);
                link::hard_reset(self.conn.transport())
            }
        };
        if let Some(sequence) = custom
            && !matches!(done, Err(LineError::Io(_)))
        {
            // esptool says so after running it.
            self.emit(Event::CustomHardReset {
                sequence: sequence.text().to_string(),
            });
        }
        match done {
            Ok(()) => Ok(()),
            Err(LineError::Unsupported) => {
                if self.conn.transport().kind() != TransportKind::Socket {
                    self.lines_unsupported();
                }
                Ok(())
            }
            Err(LineError::Io(source)) => Err(Error::Io {
                port: self.port_name().to_string(),
                source,
            }),
        }
    }

    /// Reports that the port has no reset lines, once.
    fn lines_unsupported(&mut self) {
        if !self.lines_warned {
            self.lines_warned = true;
            self.emit(Event::ResetLinesUnsupported {
                port: self.port_name().to_string(),
            });
        }
    }
}
