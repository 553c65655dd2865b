//! Changing the line's baud rate: CHANGE_BAUDRATE, the host follows, and a SYNC at the
//! new rate proves both ends agree before anything else is sent. When the new rate does
//! not work (an adapter that cannot do it, a long cable), the host goes back to the old
//! rate; if the chip is not there either, it is lost until a reset.

use super::Session;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::link::{Answer, SYNC_TIMEOUT};
use crate::loader::{Ability, BaudRequest, LoaderKind};
use espctl_chips::StubUartClock;
use espctl_protocol::{Command, Opcode, SYNC_REPLY_COUNT};

/// How long a loader takes to switch its UART after answering CHANGE_BAUDRATE, with a
/// little margin.
const BAUD_SWITCH_TIME: std::time::Duration = std::time::Duration::from_millis(12);

/// SYNCs tried at a new rate before it counts as not working.
const CONFIRM_SYNCS: usize = 3;

/// How a baud rate change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaudChange {
    /// Both ends talk at the new rate.
    Changed,
    /// The loader cannot change its rate (ESP8266 ROM): nothing was done.
    Unsupported,
    /// The port refused the rate: nothing was sent to the chip.
    HostRefused,
    /// Nothing answered at the new rate, but the chip still answers at the old one,
    /// which the line uses again.
    KeptOld,
}

impl Session {
    /// Switches the line to `baud` and confirms it with a SYNC (8 replies). Fails with
    /// [`Error::BaudLost`] when the chip answers at neither rate afterwards.
    pub fn change_baud(&mut self, baud: u32) -> Result<BaudChange> {
        if !self.loader.can(Ability::ChangeBaud) {
            self.emit(Event::BaudUnchanged { baud: self.baud() });
            return Ok(BaudChange::Unsupported);
        }
        if let Some(usb) = self.native_usb() {
            // No baud rate on the wire: the rate would only reprogram UART0.
            self.emit(Event::BaudNotOnWire {
                port: usb.name(),
                baud: self.baud(),
            });
            return Ok(BaudChange::Unsupported);
        }
        let old = self.baud();
        // The port must take the rate before the chip is told to switch.
        let port = self.port_name().to_string();
        let io = |source| Error::Io {
            port: port.clone(),
            source,
        };
        if self.conn.transport().set_baud(baud).is_err() {
            return Ok(BaudChange::HostRefused);
        }
        self.conn.transport().set_baud(old).map_err(io)?;

        self.emit(Event::BaudChanging { baud });
        let (value, old_word) = match self.loader.baud_request(baud, old) {
            BaudRequest::Words { new, old } => (new, old),
            BaudRequest::ScaledByRomCrystal => (self.rom_baud_value(baud)?, 0),
            BaudRequest::ScaledByAssumedCrystal { assumed_mhz } => {
                let (crystal_mhz, _) = self.crystal()?;
                (baud * assumed_mhz / crystal_mhz, 0)
            }
        };
        let value = self.scaled_divider_request(baud)?.unwrap_or(value);
        self.conn.check(
            "change baud rate",
            &Command::ChangeBaudrate {
                new_baud: value,
                old_baud: old_word,
            },
            0,
            self.limits.timeout,
        )?;
        self.emit(Event::BaudChanged { baud });
        // The loader switches once its reply is out: the stub waits 5 ms, lets its
        // transmitter drain, switches, waits 5 ms more (esp-stub-lib's UART code). What
        // the host sends before that is garbage to it, so wait that long rather than lose
        // a SYNC to it (esptool sleeps 50 ms and flushes).
        self.conn.transport().set_baud(baud).map_err(io)?;
        self.conn.transport().pause(BAUD_SWITCH_TIME);
        if self.confirm_sync()? {
            return Ok(BaudChange::Changed);
        }
        self.conn.transport().set_baud(old).map_err(io)?;
        if self.confirm_sync()? {
            self.emit(Event::BaudFellBack {
                tried: baud,
                baud: old,
            });
            return Ok(BaudChange::KeptOld);
        }
        Err(Error::BaudLost { baud, old })
    }

    /// For a stub that scales the divider it finds (ESP8266), the value that lands
    /// nearest `baud`, worked back from that divider; `None` for other loaders.
    fn scaled_divider_request(&mut self, baud: u32) -> Result<Option<u32>> {
        let clock = match self.chip.stub_uart {
            Some(clock @ StubUartClock::ScaleCurrentDivider)
                if self.loader.kind() == LoaderKind::Stub =>
            {
                clock
            }
            _ => return Ok(None),
        };
        let current_div = self.read_reg(self.chip.uart_clkdiv_reg)? & 0xF_FFFF;
        let (crystal_mhz, _) = self.crystal()?;
        let bus_hz = u64::from(crystal_mhz) * 1_000_000 * u64::from(self.chip.xtal_clk_divider);
        Ok(Some(clock.request_for(baud, bus_hz, current_div)))
    }

    /// SYNC until all 8 replies come back, a few times.
    fn confirm_sync(&mut self) -> Result<bool> {
        for _ in 0..CONFIRM_SYNCS {
            self.conn.flush_input()?;
            self.conn
                .send(&Command::Sync, SYNC_TIMEOUT, Answer::Expected)?;
            let mut replies = 0;
            while replies < SYNC_REPLY_COUNT {
                match self.conn.wait_reply(Opcode::Sync, SYNC_TIMEOUT) {
                    Ok(_) => replies += 1,
                    Err(e @ (Error::Io { .. } | Error::WriteTimeout { .. })) => return Err(e),
                    Err(_) => break,
                }
            }
            if replies == SYNC_REPLY_COUNT {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The value the ROM needs to end up at `baud`: ROMs that derive the UART clock
    /// from their own crystal measurement (ESP32) get a value scaled by its error.
    fn rom_baud_value(&mut self, baud: u32) -> Result<u32> {
        let Some(rom) = self.chip.rom_crystal_hz else {
            return Err(Error::Internal(
                "a ROM without a crystal record scales its baud rate",
            ));
        };
        let regs = self.read_registers(rom.registers)?;
        let measured = (rom.decode)(&regs);
        let nominal = if measured > 33e6 { 40e6 } else { 26e6 };
        Ok((baud as f64 * measured / nominal).floor() as u32)
    }
}
