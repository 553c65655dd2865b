//! The SPI flash chip behind the ESP: raw SPI commands through the SPI controller's
//! registers (RDID, SFDP, reset), attaching the flash, and its size.

use crate::connection::DEFAULT_TIMEOUT;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::{LoaderKind, Session};
use espctl_chips::{FlashSize, FlashVoltage};
use espctl_protocol::Command;
use espctl_protocol::command::{RegWrite, SpiParams};
use std::time::Duration;

pub use espctl_chips::spi_flash::opcode::{RDID, RDSFDP};
use espctl_chips::spi_flash::opcode::{RESET, RESET_ENABLE};
use espctl_chips::spi_flash::{
    ESP8266_MISO_BITLEN_SHIFT, ESP8266_MOSI_BITLEN_SHIFT, USR_ADDR, USR_COMMAND, USR_DUMMY,
    USR_MISO, USR_MOSI, USR1_ADDR_LEN_SHIFT, USR2_COMMAND_LEN_SHIFT,
};

/// "SFDP" read as a little-endian word from SFDP address 0.
const SFDP_SIGNATURE: u32 = 0x5044_4653;
/// RDID answers that mean no flash chip is talking.
const BAD_FLASH_IDS: [u32; 3] = [0xFF_FFFF, 0x00_0000, 0xFF_FF3F];
/// XMC flash chips sometimes fail to start; esptool runs a recovery sequence.
const XMC_VENDOR: u32 = 0x20;

/// One command on the SPI flash bus.
#[derive(Debug, Clone, Default)]
pub struct SpiCommand {
    pub opcode: u8,
    /// Bytes sent after the command (at most 64).
    pub data: Vec<u8>,
    /// Bits read back (at most 32).
    pub read_bits: u32,
    /// Address and its length in bits.
    pub addr: Option<(u32, u32)>,
    pub dummy_bits: u32,
}

/// What RDID says about the flash chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashId {
    pub raw: u32,
}

impl FlashId {
    pub fn manufacturer(self) -> u8 {
        self.raw as u8
    }

    /// Memory type and capacity bytes, as esptool prints them (`4016`).
    pub fn device(self) -> u16 {
        (((self.raw >> 8) & 0xFF) << 8 | ((self.raw >> 16) & 0xFF)) as u16
    }

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
    Size(FlashSize),
}

impl Session {
    /// Runs one SPI command through the controller registers and returns what was read.
    ///
    /// The set-up registers go in one WRITE_REG (the loader applies the entries in
    /// order), which keeps the number of round trips low.
    pub fn spi_command(&mut self, cmd: &SpiCommand) -> Result<u32> {
        if cmd.read_bits > 32 || cmd.data.len() > 64 {
            return Err(Error::Invalid(
                "SPI commands read at most 32 bits and write at most 64 bytes".into(),
            ));
        }
        let spi = self.chip.spi;
        let (usr, usr2) = match self.spi_saved {
            Some(saved) => saved,
            None => {
                let saved = (self.read_reg(spi.usr())?, self.read_reg(spi.usr2())?);
                self.spi_saved = Some(saved);
                saved
            }
        };
        let data_bits = cmd.data.len() as u32 * 8;
        let addr_bits = cmd.addr.map_or(0, |(_, len)| len);
        let mut w = Vec::new();
        let mut set = |addr: u32, value: u32| {
            w.push(RegWrite {
                addr,
                value,
                mask: 0xFFFF_FFFF,
                delay_us: 0,
            })
        };
        let mut usr1 = 0;
        if cmd.dummy_bits > 0 {
            usr1 |= cmd.dummy_bits - 1;
        }
        if addr_bits > 0 {
            usr1 |= (addr_bits - 1) << USR1_ADDR_LEN_SHIFT;
        }
        match (spi.mosi_dlen(), spi.miso_dlen()) {
            (Some(mosi), Some(miso)) => {
                if data_bits > 0 {
                    set(mosi, data_bits - 1);
                }
                if cmd.read_bits > 0 {
                    set(miso, cmd.read_bits - 1);
                }
                if usr1 != 0 {
                    set(spi.usr1(), usr1);
                }
            }
            _ => {
                usr1 |= data_bits.saturating_sub(1) << ESP8266_MOSI_BITLEN_SHIFT;
                usr1 |= cmd.read_bits.saturating_sub(1) << ESP8266_MISO_BITLEN_SHIFT;
                set(spi.usr1(), usr1);
            }
        }
        let mut flags = USR_COMMAND;
        if cmd.read_bits > 0 {
            flags |= USR_MISO;
        }
        if data_bits > 0 {
            flags |= USR_MOSI;
        }
        if addr_bits > 0 {
            flags |= USR_ADDR;
        }
        if cmd.dummy_bits > 0 {
            flags |= USR_DUMMY;
        }
        set(spi.usr(), flags);
        set(spi.usr2(), 7 << USR2_COMMAND_LEN_SHIFT | cmd.opcode as u32);
        if let Some((addr, len)) = cmd.addr {
            let value = if spi.addr_msb_aligned {
                addr << (32 - len)
            } else {
                addr
            };
            set(spi.addr(), value);
        }
        if data_bits == 0 {
            // Clear W0 so a read returns only what the flash sent.
            set(spi.w0(), 0);
        } else {
            let mut padded = cmd.data.clone();
            padded.resize(cmd.data.len().div_ceil(4) * 4, 0);
            for (i, word) in padded.chunks(4).enumerate() {
                set(
                    spi.w0() + 4 * i as u32,
                    u32::from_le_bytes(word.try_into().unwrap()),
                );
            }
        }
        set(spi.cmd(), espctl_chips::SpiRegisters::CMD_USR);
        self.write_regs(w)?;

        let mut done = false;
        for _ in 0..10 {
            if self.read_reg(spi.cmd())? & espctl_chips::SpiRegisters::CMD_USR == 0 {
                done = true;
                break;
            }
        }
        if !done {
            return Err(Error::SpiTimeout {
                command: cmd.opcode,
            });
        }
        let result = if cmd.read_bits > 0 {
            self.read_reg(spi.w0())?
        } else {
            0
        };
        self.write_regs(vec![
            RegWrite {
                addr: spi.usr(),
                value: usr,
                mask: 0xFFFF_FFFF,
                delay_us: 0,
            },
            RegWrite {
                addr: spi.usr2(),
                value: usr2,
                mask: 0xFFFF_FFFF,
                delay_us: 0,
            },
        ])?;
        Ok(result)
    }

    fn simple_spi(&mut self, opcode: u8) -> Result<u32> {
        self.spi_command(&SpiCommand {
            opcode,
            ..SpiCommand::default()
        })
    }

    fn read_rdid(&mut self) -> Result<u32> {
        self.spi_command(&SpiCommand {
            opcode: RDID,
            read_bits: 24,
            ..SpiCommand::default()
        })
    }

    /// Reads `bits` (≤ 32) of the SFDP table at `addr`.
    pub fn read_sfdp(&mut self, addr: u32, bits: u32) -> Result<u32> {
        self.spi_command(&SpiCommand {
            opcode: RDSFDP,
            read_bits: bits,
            addr: Some((addr, 24)),
            dummy_bits: 8,
            ..SpiCommand::default()
        })
    }

    /// The flash chip's JEDEC ID (read once, then remembered).
    pub fn flash_id(&mut self) -> Result<FlashId> {
        if let Some(raw) = self.flash_id {
            return Ok(FlashId { raw });
        }
        let raw = self.read_rdid()?;
        self.flash_id = Some(raw);
        Ok(FlashId { raw })
    }

    /// The flash size RDID reports, if it is a known code.
    pub fn detect_flash_size(&mut self) -> Result<Option<FlashSize>> {
        Ok(self.flash_id()?.size())
    }

    /// Makes the flash usable: the ROM needs SPI_ATTACH (the ESP8266 ROM an empty
    /// FLASH_BEGIN instead); then the flash chip is checked and reset as esptool does.
    pub fn attach_flash(&mut self) -> Result<()> {
        if self.loader == LoaderKind::Rom {
            if self.chip.rom.spi_attach {
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
                self.conn.check(
                    "configure SPI flash pins",
                    &Command::SpiAttach {
                        config,
                        rom_form: true,
                    },
                    0,
                    DEFAULT_TIMEOUT,
                )?;
            } else {
                self.emit(Event::AttachingFlash { pads: None });
                // The ESP8266 ROM attaches the flash on FLASH_BEGIN.
                self.flash_begin_raw(0, 0, self.flash_write_size(), 0, DEFAULT_TIMEOUT)?;
            }
        }
        self.xmc_startup()?;
        let id = self.flash_id()?;
        if BAD_FLASH_IDS.contains(&id.raw) && self.read_sfdp(0, 32)? != SFDP_SIGNATURE {
            self.emit(Event::FlashNotResponding);
        }
        // Puts the flash chip in a clean state after an application used it.
        self.simple_spi(RESET_ENABLE)?;
        self.simple_spi(RESET)?;
        // The flash ignores commands for tRST after a reset (30 µs on common parts;
        // esptool waits 1 ms).
        self.conn.transport().pause(Duration::from_millis(1));
        Ok(())
    }

    /// XMC flash chips may come up in a deep power-down state: detect and wake them.
    fn xmc_startup(&mut self) -> Result<()> {
        let id = self.flash_id()?;
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
        self.flash_id = None;
        Ok(())
    }

    /// Tells the loader the flash geometry (not the ESP8266 ROM, which has no
    /// SPI_SET_PARAMS).
    pub fn set_flash_size(&mut self, bytes: u32) -> Result<()> {
        if self.loader == LoaderKind::Rom && !self.chip.rom.spi_set_params {
            return Ok(());
        }
        self.conn.check(
            "set SPI params",
            &Command::SpiSetParams(SpiParams::for_size(bytes)),
            0,
            DEFAULT_TIMEOUT,
        )?;
        Ok(())
    }

    /// "Configuring flash size...": works out the size to use for `arg`, tells the
    /// loader, and returns the size (`None` for `keep` when it cannot be detected).
    pub fn configure_flash_size(&mut self, arg: FlashSizeArg) -> Result<Option<FlashSize>> {
        self.emit(Event::ConfiguringFlashSize);
        let size = match arg {
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
                if self.loader == LoaderKind::Rom {
                    self.emit(Event::FlashSizeKeepNote);
                }
                size
            }
            FlashSizeArg::Size(size) => Some(size),
        };
        if let Some(size) = size {
            self.set_flash_size(size.bytes())?;
            if size.bytes() > 16 << 20 {
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
