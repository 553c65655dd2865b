//! Raw commands on the SPI flash bus, run through the SPI controller's registers with
//! READ_REG / WRITE_REG (any loader can do that): RDID, SFDP reads, resets.

use crate::error::{Error, Result};
use crate::session::Session;
use espctl_chips::SpiRegisters;
use espctl_chips::spi_flash::opcode::{RDID, RDSFDP};
use espctl_chips::spi_flash::{
    ESP8266_MISO_BITLEN_SHIFT, ESP8266_MOSI_BITLEN_SHIFT, USR_ADDR, USR_COMMAND, USR_DUMMY,
    USR_MISO, USR_MOSI, USR1_ADDR_LEN_SHIFT, USR2_COMMAND_LEN_SHIFT,
};
use espctl_protocol::command::RegWrite;

/// One command on the SPI flash bus.
#[derive(Debug, Clone, Default)]
pub struct SpiCommand {
    /// The command byte.
    pub opcode: u8,
    /// Bytes sent after the command (at most 64).
    pub data: Vec<u8>,
    /// Bits read back (at most 32).
    pub read_bits: u32,
    /// Address and its length in bits.
    pub addr: Option<(u32, u32)>,
    /// Clock cycles between the address and the data read.
    pub dummy_bits: u32,
}

impl Session {
    /// Runs one SPI command through the controller registers and returns what was read.
    ///
    /// The set-up registers go in one WRITE_REG (the loader applies the entries in
    /// order), which keeps the number of round trips low.
    pub fn spi_command(&mut self, cmd: &SpiCommand) -> Result<u32> {
        if cmd.read_bits > 32 || cmd.data.len() > 64 {
            return Err(Error::SpiTooLong);
        }
        let spi = self.chip.spi;
        let (usr, usr2) = match self.flash.spi_saved {
            Some(saved) => saved,
            None => {
                let saved = (self.read_reg(spi.usr())?, self.read_reg(spi.usr2())?);
                self.flash.spi_saved = Some(saved);
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
        set(spi.cmd(), SpiRegisters::CMD_USR);
        self.write_regs(w)?;

        let mut done = false;
        for _ in 0..10 {
            if self.read_reg(spi.cmd())? & SpiRegisters::CMD_USR == 0 {
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

    /// A command with nothing sent or read but its opcode.
    pub(crate) fn simple_spi(&mut self, opcode: u8) -> Result<u32> {
        self.spi_command(&SpiCommand {
            opcode,
            ..SpiCommand::default()
        })
    }

    /// RDID: the flash chip's JEDEC ID (24 bits, manufacturer in the low byte).
    pub(crate) fn read_rdid(&mut self) -> Result<u32> {
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
}
