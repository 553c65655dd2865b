//! The SPI flash controller's user-command registers (esptool-protocol §4.5).
//!
//! A host sets USR (which phases), USR1 (address and dummy lengths; on the ESP8266 also
//! the data lengths), USR2 (command length and byte), ADDR, the data lengths (ESP32:
//! MOSI_DLEN / MISO_DLEN) and W0.., then writes bit 18 (USR) to CMD. The controller
//! clocks the transaction to the flash chip at once, stores what came back in W0..
//! (first byte in the lowest bits) and clears bit 18, which is what esptool polls for.

use crate::flash_chip::FlashChip;
use espctl_chips::SpiRegisters;
use std::collections::HashMap;

use espctl_chips::spi_flash::{
    ESP8266_BITLEN_MASK, ESP8266_MISO_BITLEN_SHIFT, ESP8266_MOSI_BITLEN_SHIFT, USR_ADDR,
    USR_COMMAND, USR_DUMMY, USR_MISO, USR_MOSI, USR1_ADDR_LEN_SHIFT,
};

/// The data buffer W0..W15.
const DATA_WORDS: u32 = 16;
/// Size of the register block the controller answers for.
const REGISTER_SPAN: u32 = 0x100;

/// Counts of commands run, for tests and a later timing model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpiWork {
    /// User commands run (writes of CMD_USR).
    pub commands: u64,
}

#[derive(Debug)]
pub struct SpiController {
    regs: SpiRegisters,
    values: HashMap<u32, u32>,
    work: SpiWork,
}

impl SpiController {
    pub fn new(regs: SpiRegisters) -> SpiController {
        SpiController {
            regs,
            values: HashMap::new(),
            work: SpiWork::default(),
        }
    }

    pub fn owns(&self, addr: u32) -> bool {
        (self.regs.base..self.regs.base + REGISTER_SPAN).contains(&addr)
    }

    pub fn read(&self, addr: u32) -> u32 {
        self.values.get(&(addr & !3)).copied().unwrap_or(0)
    }

    pub fn work(&self) -> SpiWork {
        self.work
    }

    /// A register write; writing CMD with the USR bit runs the user command.
    pub fn write(&mut self, addr: u32, value: u32, mask: u32, flash: &mut FlashChip) {
        let addr = addr & !3;
        let new = (self.read(addr) & !mask) | (value & mask);
        self.values.insert(addr, new);
        if addr == self.regs.cmd() && new & SpiRegisters::CMD_USR != 0 {
            self.run_user_command(flash);
            self.values.insert(addr, new & !SpiRegisters::CMD_USR);
        }
    }

    fn run_user_command(&mut self, flash: &mut FlashChip) {
        self.work.commands += 1;
        let usr = self.read(self.regs.usr());
        let usr1 = self.read(self.regs.usr1());
        let usr2 = self.read(self.regs.usr2());
        if usr & USR_COMMAND == 0 {
            return;
        }
        // USR2: command length in bits minus one from bit 28, the command in the low bits.
        let cmd = usr2 as u8;

        let (mosi_bits, miso_bits) = match (self.regs.mosi_dlen(), self.regs.miso_dlen()) {
            (Some(mosi), Some(miso)) => (self.read(mosi) + 1, self.read(miso) + 1),
            _ => (
                ((usr1 >> ESP8266_MOSI_BITLEN_SHIFT) & ESP8266_BITLEN_MASK) + 1,
                ((usr1 >> ESP8266_MISO_BITLEN_SHIFT) & ESP8266_BITLEN_MASK) + 1,
            ),
        };

        let addr = (usr & USR_ADDR != 0).then(|| {
            let addr_bits = (usr1 >> USR1_ADDR_LEN_SHIFT) + 1;
            let raw = self.read(self.regs.addr());
            if self.regs.addr_msb_aligned && addr_bits < 32 {
                raw >> (32 - addr_bits)
            } else {
                raw
            }
        });
        // Dummy cycles only delay the data phase; nothing to model.
        let _ = usr & USR_DUMMY;

        let mosi: Vec<u8> = if usr & USR_MOSI != 0 {
            let len = mosi_bits.div_ceil(8).min(DATA_WORDS * 4);
            (0..len)
                .map(|i| (self.read(self.regs.w0() + i / 4 * 4) >> (i % 4 * 8)) as u8)
                .collect()
        } else {
            Vec::new()
        };
        let miso_len = if usr & USR_MISO != 0 {
            miso_bits.div_ceil(8).min(DATA_WORDS * 4) as usize
        } else {
            0
        };

        let reply = flash.transact(cmd, addr, &mosi, miso_len);
        for (i, &b) in reply.iter().enumerate() {
            let reg = self.regs.w0() + (i as u32 / 4) * 4;
            let shift = (i as u32 % 4) * 8;
            let old = self.read(reg);
            self.values
                .insert(reg, (old & !(0xFF << shift)) | (u32::from(b) << shift));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flash_chip::opcode;
    use crate::nor::NorFlash;
    use espctl_chips::{esp32::ESP32, esp8266::ESP8266};

    /// Runs a command the way esptool's `run_spiflash_command` programs the registers.
    fn run(
        spi: &mut SpiController,
        flash: &mut FlashChip,
        esp8266: bool,
        cmd: u8,
        data: &[u8],
        read_bits: u32,
        addr: Option<u32>,
    ) -> u32 {
        let r = spi.regs;
        let all = u32::MAX;
        let data_bits = data.len() as u32 * 8;
        let (addr_len, dummy_len) = if addr.is_some() { (24, 8) } else { (0, 0) };
        let mut usr1 = 0;
        if dummy_len > 0 {
            usr1 |= dummy_len - 1;
        }
        if addr_len > 0 {
            usr1 |= (addr_len - 1) << 26;
        }
        if esp8266 {
            usr1 |= read_bits.saturating_sub(1) << 8 | data_bits.saturating_sub(1) << 17;
            spi.write(r.usr1(), usr1, all, flash);
        } else {
            if data_bits > 0 {
                spi.write(r.mosi_dlen().unwrap(), data_bits - 1, all, flash);
            }
            if read_bits > 0 {
                spi.write(r.miso_dlen().unwrap(), read_bits - 1, all, flash);
            }
            if usr1 != 0 {
                spi.write(r.usr1(), usr1, all, flash);
            }
        }
        let mut usr = USR_COMMAND;
        if read_bits > 0 {
            usr |= USR_MISO;
        }
        if data_bits > 0 {
            usr |= USR_MOSI;
        }
        if addr.is_some() {
            usr |= USR_ADDR | USR_DUMMY;
        }
        spi.write(r.usr(), usr, all, flash);
        spi.write(r.usr2(), 7 << 28 | u32::from(cmd), all, flash);
        if let Some(a) = addr {
            spi.write(r.addr(), a << (32 - addr_len), all, flash);
        }
        if data.is_empty() {
            spi.write(r.w0(), 0, all, flash);
        } else {
            let mut padded = data.to_vec();
            padded.resize(data.len().div_ceil(4) * 4, 0);
            for (i, w) in padded.chunks(4).enumerate() {
                let v = u32::from_le_bytes(w.try_into().unwrap());
                spi.write(r.w0() + 4 * i as u32, v, all, flash);
            }
        }
        spi.write(r.cmd(), SpiRegisters::CMD_USR, all, flash);
        assert_eq!(
            spi.read(r.cmd()) & SpiRegisters::CMD_USR,
            0,
            "USR bit clears"
        );
        spi.read(r.w0())
    }

    #[test]
    fn esptool_flash_id_sequence_works_on_both_register_layouts() {
        for (chip, esp8266) in [(&ESP8266, true), (&ESP32, false)] {
            let mut spi = SpiController::new(chip.spi);
            let mut flash = FlashChip::new(NorFlash::blank(4 << 20), 0x16405E);
            assert_eq!(
                run(&mut spi, &mut flash, esp8266, opcode::RDID, &[], 24, None),
                0x16405E
            );
            assert_eq!(
                run(
                    &mut spi,
                    &mut flash,
                    esp8266,
                    opcode::RDSFDP,
                    &[],
                    32,
                    Some(0)
                ),
                0x5044_4653
            );
            // Status: 8 bits each, WREN shows in SR1.
            run(&mut spi, &mut flash, esp8266, opcode::WREN, &[], 0, None);
            assert_eq!(
                run(&mut spi, &mut flash, esp8266, opcode::RDSR, &[], 8, None),
                0x02
            );
            run(
                &mut spi,
                &mut flash,
                esp8266,
                opcode::WRSR,
                &[0x00, 0x02],
                0,
                None,
            );
            assert_eq!(
                run(&mut spi, &mut flash, esp8266, opcode::RDSR2, &[], 8, None),
                0x02
            );
            assert_eq!(spi.work().commands, 6);
        }
    }

    #[test]
    fn only_its_register_block_belongs_to_the_controller() {
        let spi = SpiController::new(ESP32.spi);
        assert!(spi.owns(0x3FF4_2000));
        assert!(spi.owns(0x3FF4_20BC));
        assert!(!spi.owns(0x3FF4_0014));
    }
}
