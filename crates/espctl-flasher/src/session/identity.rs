//! Registers and what they say about the chip: READ_REG / WRITE_REG, the chip's
//! description, crystal and MAC.

use super::{ChipInfo, Session};
use crate::error::Result;
use crate::loader::CrystalSource;
use espctl_chips::{IdentityError, Registers};
use espctl_protocol::Command;
use espctl_protocol::command::RegWrite;

impl Session {
    /// Reads the 32-bit word at `addr` (READ_REG).
    pub fn read_reg(&mut self, addr: u32) -> Result<u32> {
        let (value, _) = self.check_retried(
            "read target memory",
            &Command::ReadReg { addr },
            0,
            self.limits.timeout,
        )?;
        Ok(value)
    }

    /// Writes several registers with one WRITE_REG (applied in order).
    pub fn write_regs(&mut self, writes: Vec<RegWrite>) -> Result<()> {
        self.check_retried(
            "write target memory",
            &Command::WriteReg(writes),
            0,
            self.limits.timeout,
        )?;
        Ok(())
    }

    /// Writes the bits of `value` selected by `mask` at `addr`.
    pub fn write_reg(&mut self, addr: u32, value: u32, mask: u32) -> Result<()> {
        self.write_regs(vec![RegWrite {
            addr,
            value,
            mask,
            delay_us: 0,
        }])
    }

    pub(crate) fn read_registers(&mut self, addrs: &[u32]) -> Result<Registers> {
        let mut regs = Registers::new();
        for &addr in addrs {
            if !regs.iter().any(|(a, _)| a == addr) {
                regs.set(addr, self.read_reg(addr)?);
            }
        }
        Ok(regs)
    }

    /// Reads the identity eFuses and the UART divider: name, features, crystal, MAC.
    pub fn chip_info(&mut self) -> Result<ChipInfo> {
        let chip = self.chip;
        if self.secure_download {
            // Nothing can be read: esptool names the chip only.
            return Ok(ChipInfo {
                description: chip.name.to_string(),
                features: Vec::new(),
                crystal_mhz: chip.fixed_crystal_mhz.unwrap_or(40),
                crystal_odd_estimate: None,
                mac: Err(IdentityError::SecureDownloadMode),
                mac_ext: None,
                chip_id: None,
                secure_download: true,
            });
        }
        let regs = self.read_registers(chip.identity.registers)?;
        let d = (chip.identity.describe)(&regs);
        let (crystal_mhz, crystal_odd_estimate) = self.crystal()?;
        Ok(ChipInfo {
            description: d.name,
            features: d.features,
            crystal_mhz,
            crystal_odd_estimate,
            mac: (chip.identity.mac)(&regs),
            mac_ext: chip.identity.mac_ext.map(|ext| ext(&regs)),
            chip_id: chip.identity.chip_id.map(|f| f(&regs)),
            secure_download: false,
        })
    }

    /// The crystal frequency, normalised, and the raw estimate when it is far off.
    pub(super) fn crystal(&mut self) -> Result<(u32, Option<f64>)> {
        // Chips made with one crystal only: esptool reports it without reading anything.
        if let Some(mhz) = self.chip.fixed_crystal_mhz {
            return Ok((mhz, None));
        }
        if self.loader.crystal_source() == CrystalSource::RomRecord
            && let Some(rom) = self.chip.rom_crystal_hz
        {
            let regs = self.read_registers(rom.registers)?;
            let mhz = (rom.decode)(&regs) / 1e6;
            return Ok((if mhz > 33.0 { 40 } else { 26 }, None));
        }
        let div = self.read_reg(self.chip.uart_clkdiv_reg)?;
        let (estimate, normalised) = self.chip.crystal_mhz(div, self.baud());
        let odd = ((normalised as f64) - estimate).abs() > 1.0;
        Ok((normalised, odd.then_some(estimate)))
    }

    /// The MAC address (ESP8266: may fail with "Unknown OUI").
    pub fn mac(&mut self) -> Result<std::result::Result<[u8; 6], IdentityError>> {
        let regs = self.read_registers(self.chip.identity.registers)?;
        Ok((self.chip.identity.mac)(&regs))
    }

    /// The MAC extension of chips with an IEEE 802.15.4 radio (`None` elsewhere).
    pub fn mac_ext(&mut self) -> Result<Option<[u8; 2]>> {
        let Some(ext) = self.chip.identity.mac_ext else {
            return Ok(None);
        };
        let regs = self.read_registers(self.chip.identity.registers)?;
        Ok(Some(ext(&regs)))
    }
}
