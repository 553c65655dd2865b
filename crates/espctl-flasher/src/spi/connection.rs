//! esptool's `--spi-connection`: which pins the loader routes to the flash when it is
//! attached, instead of the default ones (ESP32 only; the ESP8266's are fixed).

use crate::error::Result;
use crate::event::Event;
use crate::loader::AttachMethod;
use crate::session::Session;
use espctl_chips::flash_pins::{self, ATTACH_HSPI, ATTACH_SPI, FlashPins};
use espctl_protocol::Command;

/// The flash connection asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpiConnection {
    /// The dedicated SPI flash pins (SPI_ATTACH 0).
    Spi,
    /// The HSPI pins (SPI_ATTACH 1; ESP32 only).
    Hspi,
    /// Five GPIOs: CLK, Q, D, HD, CS (ESP32 only).
    Pins(FlashPins),
}

impl std::fmt::Display for SpiConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpiConnection::Spi => f.write_str("SPI"),
            SpiConnection::Hspi => f.write_str("HSPI"),
            SpiConnection::Pins([clk, q, d, hd, cs]) => {
                write!(f, "CLK:{clk}, Q:{q}, D:{d}, HD:{hd}, CS:{cs}")
            }
        }
    }
}

/// A flash connection or supply setting the chip cannot make.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpiSetupError {
    /// Custom pins or HSPI on a chip whose flash pins are fixed.
    #[error("{what} is not supported by {chip}.")]
    NotSupported {
        /// "Setting custom --spi-connection pins", "Using --spi-connection HSPI".
        what: &'static str,
        /// The chip's name.
        chip: &'static str,
    },
    /// A pin the chip cannot route.
    #[error("SPI Pin numbers must be in the range 0-29, 32, or 33.")]
    BadPin,
}

impl Session {
    /// Attaches the flash on `connection` from now on (at the next attach, which every
    /// flash operation makes; call before the first one).
    pub fn use_spi_connection(&mut self, connection: SpiConnection) -> Result<()> {
        let value = match connection {
            SpiConnection::Spi => ATTACH_SPI,
            SpiConnection::Hspi if self.chip.kind == espctl_chips::ChipKind::Esp32 => ATTACH_HSPI,
            SpiConnection::Hspi => return Err(self.not_supported("Using --spi-connection HSPI")),
            SpiConnection::Pins(pins) => {
                if !flash_pins::custom_pins_supported(self.chip) {
                    return Err(self.not_supported("Setting custom --spi-connection pins"));
                }
                if !pins.iter().all(|&p| flash_pins::valid_esp32_pin(p)) {
                    return Err(SpiSetupError::BadPin.into());
                }
                flash_pins::pack(pins)
            }
        };
        self.flash.connection = Some((connection, value));
        self.flash.attached = false;
        Ok(())
    }

    fn not_supported(&self, what: &'static str) -> crate::Error {
        SpiSetupError::NotSupported {
            what,
            chip: self.chip.name,
        }
        .into()
    }

    /// SPI_ATTACH for the connection asked for, to the ROM or the stub (the ESP8266 ROM
    /// has no SPI_ATTACH: an empty FLASH_BEGIN attaches its fixed pins).
    pub(crate) fn attach_chosen(&mut self, connection: SpiConnection, value: u32) -> Result<()> {
        self.emit(Event::AttachingChosenPins {
            connection: connection.to_string(),
        });
        if self.loader.attach_method() == AttachMethod::EmptyFlashBegin {
            let block = self.loader.flash_block_size();
            return self
                .flash_begin_raw(0, 0, block, 0, self.limits.timeout)
                .map(|_| ());
        }
        let rom_form = self.loader.attach_method() == AttachMethod::SpiAttach;
        self.check_retried(
            "configure SPI flash pins",
            &Command::SpiAttach {
                config: value,
                rom_form,
            },
            0,
            self.limits.timeout,
        )?;
        Ok(())
    }
}
