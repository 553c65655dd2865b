//! Whether the flash chip is reachable: which pins the SPI controller drives, and the
//! flash supply.
//!
//! The ESP32 ROM in download mode leaves the flash pins alone until SPI_ATTACH; its
//! argument chooses them ([`espctl_chips::flash_pins`]). The flash answers only on the
//! pins it is wired to: those of the eFuse SPI pad configuration if burnt, else the SPI
//! pins. Wrong pins leave it unreachable (every read 0xFF, writes lost) until the next
//! attach. The flasher stub attaches the chip's own pins when it starts; a boot from
//! flash does too. The ESP8266's flash pins are fixed. VDD_SDIO forced off (esptool
//! `--override-vddsdio OFF`) unpowers the flash until the next reset.

use crate::soc::Soc;
use espctl_chips::flash_pins::{self, ESP32_SPI_PINS, FlashPins};
use espctl_chips::flash_supply::{ESP32_RTC_CNTL_SDIO_CONF, forced_off};
use espctl_chips::{BootMode, ChipKind, Registers};

/// After a reset: the ESP32 in download mode has not routed the flash pins yet.
pub fn on_boot(soc: &mut Soc, mode: BootMode) {
    if soc.chip.kind == ChipKind::Esp32 {
        // The reset clears the regulator override.
        soc.write_reg(ESP32_RTC_CNTL_SDIO_CONF, 0, !0);
    }
    let detached = soc.chip.kind == ChipKind::Esp32 && mode == BootMode::Download;
    soc.flash.array.set_connected(!detached);
}

/// SPI_ATTACH with `value` (ROM or stub).
pub fn attach(soc: &mut Soc, value: u32) {
    let reached = match flash_pins::selected(soc.chip, value) {
        Some(pins) => pins == wired_pins(soc),
        None => true,
    };
    soc.flash.array.set_connected(reached && powered(soc));
}

/// The stub's own attach when it starts: the chip's wired pins.
pub fn attach_own_pins(soc: &mut Soc) {
    let powered = powered(soc);
    soc.flash.array.set_connected(powered);
}

/// A register write that may switch the flash supply off.
pub fn after_register_write(soc: &mut Soc, addr: u32) {
    if addr == ESP32_RTC_CNTL_SDIO_CONF && soc.chip.kind == ChipKind::Esp32 && !powered(soc) {
        soc.flash.array.set_connected(false);
    }
}

fn powered(soc: &Soc) -> bool {
    soc.chip.kind != ChipKind::Esp32 || !forced_off(soc.read_reg(ESP32_RTC_CNTL_SDIO_CONF))
}

/// The pins the flash is wired to: the eFuse pad configuration, else the SPI pins.
fn wired_pins(soc: &Soc) -> FlashPins {
    let Some(pads) = soc.chip.efuse_spi_pads else {
        return ESP32_SPI_PINS;
    };
    let mut regs = Registers::new();
    for &r in pads.registers {
        regs.set(r, soc.read_reg(r));
    }
    match (pads.decode)(&regs) {
        [0, 0, 0, 0, 0] => ESP32_SPI_PINS,
        custom => custom,
    }
}
