//! The chip's hardware as both personalities see it: the register space, the SPI flash
//! controller, the flash chip, the strapping latch and UART0's transmit side.

use crate::flash_chip::FlashChip;
use crate::memory::Memory;
use crate::spi::SpiController;
use espctl_chips::{BootMode, CHIP_DETECT_MAGIC_REG, Chip, TypicalPart};
use espctl_protocol::packet::Response;
use espctl_protocol::status::Status;
use espctl_protocol::{StatusLength, slip};
use std::collections::VecDeque;

/// The rate a ROM assumes before anyone tells it otherwise.
pub const DEFAULT_BAUD: u32 = 115_200;

/// UART0 as the host sees it.
#[derive(Debug, Default)]
pub struct Uart {
    tx: VecDeque<u8>,
    /// The chip's UART rate. `None` while the ROM is auto-detecting (it follows the host);
    /// set by CHANGE_BAUDRATE and when the stub takes over the UART.
    pub baud: Option<u32>,
    /// The host's rate, if the transport tells us (in-process transport); `None` for
    /// sockets and ptys, which have no rate, so no mismatch is modelled there.
    pub host_baud: Option<u32>,
}

impl Uart {
    /// The rate the chip transmits at now.
    pub fn device_baud(&self) -> u32 {
        self.baud.or(self.host_baud).unwrap_or(DEFAULT_BAUD)
    }

    /// Whether the host listens at a rate other than `rate`.
    pub fn mismatched(&self, rate: u32) -> bool {
        self.host_baud.is_some_and(|host| host != rate)
    }

    /// Queues bytes sent at `rate`. A host listening at another rate receives garbage:
    /// modelled as bytes with the top bit set that are never SLIP delimiters.
    pub fn send_at(&mut self, rate: u32, bytes: &[u8]) {
        if self.mismatched(rate) {
            self.tx.extend(bytes.iter().map(|b| 0x80 | (b & 0x3F)));
        } else {
            self.tx.extend(bytes);
        }
    }

    /// Sends one SLIP frame at the current rate.
    pub fn send_frame(&mut self, payload: &[u8]) {
        let framed = slip::encode(payload);
        self.send_at(self.device_baud(), &framed);
    }

    pub fn reply(&mut self, response: &Response, status_len: StatusLength) {
        self.send_frame(&response.encode(status_len));
    }

    pub fn reply_ok(&mut self, op: u8, value: u32, data: Vec<u8>, status_len: StatusLength) {
        self.reply(&Response::ok(op, value, data), status_len);
    }

    pub fn reply_failed(&mut self, op: u8, status: Status, status_len: StatusLength) {
        self.reply(&Response::failed(op, status), status_len);
    }

    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.tx.len());
        for (slot, b) in buf.iter_mut().zip(self.tx.drain(..n)) {
            *slot = b;
        }
        n
    }

    pub fn pending(&self) -> usize {
        self.tx.len()
    }
}

#[derive(Debug)]
pub struct Soc {
    pub chip: &'static Chip,
    pub part: &'static TypicalPart,
    pub memory: Memory,
    pub spi: SpiController,
    pub flash: FlashChip,
    pub uart: Uart,
    /// GPIO0 as latched at the last reset.
    pub strap: BootMode,
}

impl Soc {
    pub fn new(
        chip: &'static Chip,
        part: &'static TypicalPart,
        flash: FlashChip,
        mac: [u8; 6],
    ) -> Soc {
        let mut memory = Memory::new();
        // Mask ROM word the hosts read to tell the chips apart.
        memory.fix(CHIP_DETECT_MAGIC_REG, chip.magic_values[0]);
        // eFuse / OTP read registers of a typical part with this MAC: read-only.
        for (addr, value) in (chip.identity.registers_for_mac)(mac) {
            memory.fix(addr, value);
        }
        Soc {
            chip,
            part,
            memory,
            spi: SpiController::new(chip.spi),
            flash,
            uart: Uart::default(),
            strap: BootMode::Download,
        }
    }

    pub fn read_reg(&self, addr: u32) -> u32 {
        if self.spi.owns(addr) {
            return self.spi.read(addr);
        }
        if addr & !3 == self.chip.uart_clkdiv_reg {
            // The divider the ROM set up for the rate it detected, from the crystal.
            return self
                .chip
                .clkdiv_for(self.part.xtal_mhz, self.uart.device_baud());
        }
        if let Some(strap) = self.part.strap
            && addr & !3 == strap.addr
        {
            return match self.strap {
                BootMode::Flash => strap.flash_boot,
                BootMode::Download => strap.download_boot,
            };
        }
        self.memory.read(addr)
    }

    pub fn write_reg(&mut self, addr: u32, value: u32, mask: u32) {
        if self.spi.owns(addr) {
            self.spi.write(addr, value, mask, &mut self.flash);
        } else {
            self.memory.write(addr, value, mask);
        }
    }
}
