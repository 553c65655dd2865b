//! The SPI flash chip behind the ESP: making it reachable (attach), its JEDEC ID and
//! size, the geometry the loader is told, and its supply voltage.
//!
//! Every flash operation attaches the flash first if that was not done yet, so a caller
//! never has to remember it.

use crate::error::Result;
use crate::event::Event;
use crate::loader::{Ability, AttachMethod};
use crate::session::Session;
use espctl_chips::spi_flash::opcode::{RESET, RESET_ENABLE};
use espctl_chips::{FlashSize, FlashVoltage};
use espctl_protocol::Command;
use espctl_protocol::command::SpiParams;
use std::time::Duration;

/// "SFDP" read as a little-endian word from SFDP address 0.
const SFDP_SIGNATURE: u32 = 0x5044_4653;
/// RDID answers that mean no flash chip is talking.
const BAD_FLASH_IDS: [u32; 3] = [0xFF_FFFF, 0x00_0000, 0xFF_FF3F];
/// XMC flash chips sometimes fail to start; esptool runs a recovery sequence.
const XMC_VENDOR: u32 = 0x20;

/// What RDID says about the flash chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashId {
    /// The 24-bit JEDEC ID: manufacturer in the low byte, then memory type, capacity.
    pub raw: u32,
}

impl FlashId {
    /// The JEDEC manufacturer code (`5e`: Zbit, `ef`: Winbond).
    pub fn manufacturer(self) -> u8 {
        self.raw as u8
    }

    /// Memory type and capacity bytes, as esptool prints them (`4016`).
    pub fn device(self) -> u16 {
        (((self.raw >> 8) & 0xFF) << 8 | ((self.raw >> 16) & 0xFF)) as u16
    }

    /// The size the capacity byte encodes, if it is a known one.
    pub fn size(self) -> Option<FlashSize> {
        FlashSize::bytes_from_jedec(self.raw).and_then(FlashSize::from_bytes)
    }
}

/// The flash size a command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlashSizeArg {
    /// Leave image headers alone; tell the loader the detected size.
    #[default]
    Keep,
    /// Use the size RDID reports (4MB if it cannot tell).
    Detect,
    /// This size.
    Size(FlashSize),
}

impl Session {
    /// Attaches the flash unless that was done since the loader started.
    pub fn ensure_flash_attached(&mut self) -> Result<()> {
        if !self.flash.attached {
            self.attach_flash()?;
        }
        Ok(())
    }

    /// Makes the flash usable: the ROM needs SPI_ATTACH (the ESP8266 ROM an empty
    /// FLASH_BEGIN instead); then the flash chip is checked and reset as esptool does.
    fn attach_flash(&mut self) -> Result<()> {
        self.flash.attached = true;
        self.flash.id = None;
        if let Some((connection, value)) = self.flash.connection {
            self.attach_chosen(connection, value)?;
            return self.check_flash_chip();
        }
        match self.loader.attach_method() {
            AttachMethod::Attached => {}
            AttachMethod::SpiAttach => {
                let pads = match self.chip.efuse_spi_pads {
                    Some(p) => {
                        let regs = self.read_registers(p.registers)?;
                        (p.decode)(&regs)
                    }
                    None => [0; 5],
                };
                let custom = pads != [0; 5];
                self.emit(Event::AttachingFlash {
                    pads: custom.then_some(pads),
                });
                let [clk, q, d, hd, cs] = pads.map(u32::from);
                let config = hd << 24 | cs << 18 | d << 12 | q << 6 | clk;
                self.check_retried(
                    "configure SPI flash pins",
                    &Command::SpiAttach {
                        config,
                        rom_form: true,
                    },
                    0,
                    self.limits.timeout,
                )?;
            }
            AttachMethod::EmptyFlashBegin => {
                self.emit(Event::AttachingFlash { pads: None });
                let block = self.loader.flash_block_size();
                self.flash_begin_raw(0, 0, block, 0, self.limits.timeout)?;
            }
        }
        self.check_flash_chip()
    }

    /// After the attach: wakes an XMC chip, checks the flash answers, resets it.
    fn check_flash_chip(&mut self) -> Result<()> {
        if self.secure_download {
            // No SPI register access in Secure Download Mode; esptool skips all of it.
            return Ok(());
        }
        self.xmc_startup()?;
        let id = self.known_flash_id()?;
        if BAD_FLASH_IDS.contains(&id.raw) && self.read_sfdp(0, 32)? != SFDP_SIGNATURE {
            self.emit(Event::FlashNotResponding);
            if self.flash.connection.is_some() {
                self.emit(Event::ChosenPinsMayBeBusy);
            }
        }
        // Puts the flash chip in a clean state after an application used it.
        self.simple_spi(RESET_ENABLE)?;
        self.simple_spi(RESET)?;
        // The flash ignores commands for tRST after a reset (30 µs on common parts;
        // esptool waits 1 ms).
        self.conn.transport().pause(Duration::from_millis(1));
        Ok(())
    }

    /// The flash chip's JEDEC ID (read once, then remembered).
    pub fn flash_id(&mut self) -> Result<FlashId> {
        self.ensure_flash_attached()?;
        self.known_flash_id()
    }

    /// The JEDEC ID, read now if it was not yet.
    fn known_flash_id(&mut self) -> Result<FlashId> {
        if let Some(raw) = self.flash.id {
            return Ok(FlashId { raw });
        }
        let raw = self.read_rdid()?;
        self.flash.id = Some(raw);
        Ok(FlashId { raw })
    }

    /// The flash size RDID reports, if it is a known code.
    pub fn detect_flash_size(&mut self) -> Result<Option<FlashSize>> {
        if self.secure_download {
            // RDID needs the SPI registers, which Secure Download Mode does not give.
            self.ensure_flash_attached()?;
            return Ok(None);
        }
        Ok(self.flash_id()?.size())
    }

    /// XMC flash chips may come up in a deep power-down state: detect and wake them.
    fn xmc_startup(&mut self) -> Result<()> {
        let id = self.known_flash_id()?;
        if id.raw & 0xFF != XMC_VENDOR && !BAD_FLASH_IDS.contains(&id.raw) {
            return Ok(()); // another vendor answered RDID normally
        }
        if is_strict_xmc(id) {
            return Ok(());
        }
        // The SFDP manufacturer byte tells an XMC chip that failed to start.
        if self.read_sfdp(0x10, 8)? != XMC_VENDOR {
            return Ok(());
        }
        for opcode in [0xB9, 0x79, 0xFF] {
            self.simple_spi(opcode)?;
        }
        // Leaving deep power-down takes tRES1 (up to a few ms on XMC parts).
        self.conn.transport().pause(Duration::from_millis(2));
        self.simple_spi(0xAB)?;
        self.flash.id = None;
        Ok(())
    }

    /// Tells the loader the flash geometry, where it takes it (not the ESP8266 ROM).
    pub fn set_flash_size(&mut self, bytes: u32) -> Result<()> {
        if !self.loader.can(Ability::SetFlashParams) {
            return Ok(());
        }
        self.check_retried(
            "set SPI params",
            &Command::SpiSetParams(SpiParams::for_size(bytes)),
            0,
            self.limits.timeout,
        )?;
        Ok(())
    }

    /// "Configuring flash size...": works out the size to use for `arg`, tells the
    /// loader, and returns the size (`None` for `keep` when it cannot be detected).
    pub fn configure_flash_size(&mut self, arg: FlashSizeArg) -> Result<Option<FlashSize>> {
        self.ensure_flash_attached()?;
        self.emit(Event::ConfiguringFlashSize);
        let size = match arg {
            FlashSizeArg::Detect if self.secure_download => {
                return Err(crate::error::SecureDownloadRefusal::DetectFlashSize.into());
            }
            FlashSizeArg::Detect => match self.detect_flash_size()? {
                Some(size) => {
                    self.emit(Event::FlashSizeDetected { size });
                    Some(size)
                }
                None => {
                    self.emit(Event::FlashSizeDefaulted);
                    Some(FlashSize::Mb4)
                }
            },
            FlashSizeArg::Keep => {
                let size = self.detect_flash_size()?;
                if self.loader.warns_about_kept_size() {
                    self.emit(Event::FlashSizeKeepNote);
                }
                size
            }
            FlashSizeArg::Size(size) => Some(size),
        };
        if let Some(size) = size {
            self.set_flash_size(size.bytes())?;
            let four_byte_addresses = self.loader.kind() == crate::loader::LoaderKind::Stub
                && self.chip.stub_flash_32bit_addr;
            if size.bytes() > 16 << 20 && !four_byte_addresses {
                self.emit(Event::FlashOver16MbNote);
            }
        }
        Ok(size)
    }

    /// The flash supply voltage, on chips that report it (ESP32).
    pub fn flash_voltage(&mut self) -> Result<Option<FlashVoltage>> {
        let Some(v) = self.chip.flash_voltage else {
            return Ok(None);
        };
        let regs = self.read_registers(v.registers)?;
        Ok(Some((v.decode)(&regs)))
    }
}

/// RDID values of XMC chips that started correctly.
fn is_strict_xmc(id: FlashId) -> bool {
    if id.raw & 0xFF != XMC_VENDOR {
        return false;
    }
    let memory_type = (id.raw >> 8) & 0xFF;
    let capacity = (id.raw >> 16) & 0xFF;
    match memory_type {
        0x40 => (0x13..=0x20).contains(&capacity),
        0x41 => (0x17..=0x20).contains(&capacity),
        0x50 => (0x15..=0x16).contains(&capacity),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_id_prints_like_esptool() {
        // ESP-12 module flash: "Manufacturer: 5e", "Device: 4016", 4MB.
        let id = FlashId { raw: 0x16405E };
        assert_eq!(format!("{:02x}", id.manufacturer()), "5e");
        assert_eq!(format!("{:04x}", id.device()), "4016");
        assert_eq!(id.size(), Some(FlashSize::Mb4));
        assert_eq!(FlashId { raw: 0xFFFFFF }.size(), None);
    }

    #[test]
    fn recognises_started_xmc_chips() {
        assert!(is_strict_xmc(FlashId { raw: 0x164020 }));
        assert!(!is_strict_xmc(FlashId { raw: 0x16405E }));
        assert!(!is_strict_xmc(FlashId { raw: 0x124020 }));
    }
}
