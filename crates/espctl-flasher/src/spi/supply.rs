//! esptool's `--override-vddsdio`: the ESP32's flash supply regulator forced to 1.8 V,
//! 1.9 V or off (one register write, lasting until the next reset).

use crate::error::Result;
use crate::event::Event;
use crate::session::Session;
use crate::spi::SpiSetupError;
use espctl_chips::flash_supply::{self, VddSdio};

impl Session {
    /// Sets the flash supply regulator (ESP32 only).
    pub fn override_vddsdio(&mut self, voltage: VddSdio) -> Result<()> {
        let Some((reg, value)) = flash_supply::override_write(self.chip, voltage) else {
            return Err(SpiSetupError::NotSupported {
                what: "Overriding VDDSDIO",
                chip: self.chip.name,
            }
            .into());
        };
        self.write_reg(reg, value, 0xFFFF_FFFF)?;
        self.emit(Event::VddSdioSet {
            voltage: voltage.name(),
        });
        Ok(())
    }
}
