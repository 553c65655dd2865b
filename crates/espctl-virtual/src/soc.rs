//! The chip's hardware as both personalities see it: the register space, the SPI flash
//! controller, the flash chip, the strapping latch and UART0 ([`crate::uart`]).

use crate::flash_chip::FlashChip;
use crate::memory::Memory;
use crate::spi::SpiController;
use crate::timing::WorkMeter;
use crate::uart::{Rate, Uart};
use espctl_chips::{BootMode, CHIP_DETECT_MAGIC_REG, Chip, TypicalPart};

#[derive(Debug)]
pub struct Soc {
    pub chip: &'static Chip,
    pub part: &'static TypicalPart,
    pub memory: Memory,
    pub spi: SpiController,
    pub flash: FlashChip,
    pub uart: Uart,
    /// The chip's busy time: flash work, MD5, inflating.
    pub meter: WorkMeter,
    /// GPIO0 as latched at the last reset.
    pub strap: BootMode,
}

impl Soc {
    pub fn new(
        chip: &'static Chip,
        part: &'static TypicalPart,
        flash: FlashChip,
        mac: [u8; 6],
        meter: WorkMeter,
    ) -> Soc {
        let mut memory = Memory::new();
        // Mask ROM word the hosts read to tell the chips apart.
        memory.fix(CHIP_DETECT_MAGIC_REG, chip.magic_values[0]);
        // The UART's read-only version date, which older hosts read to tell the chips apart.
        if let Some(date) = chip.uart_date_value {
            memory.fix(chip.uart_date_reg, date);
        }
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
            uart: Uart::new(meter.clone()),
            meter,
            strap: BootMode::Download,
        }
    }

    /// Sets eFuse bits as `(register, value, mask)` over the typical part's words; they
    /// stay read-only.
    pub fn burn_efuses(&mut self, bits: &[(u32, u32, u32)]) {
        for &(addr, value, mask) in bits {
            let word = self.memory.read(addr) & !mask | value & mask;
            self.memory.fix(addr, word);
        }
    }

    pub fn read_reg(&self, addr: u32) -> u32 {
        if self.spi.owns(addr) {
            return self.spi.read(addr);
        }
        if crate::flash_crypt::key_hidden(self, addr) {
            // RD_DIS hides the key block from software (the engine still uses it).
            return 0;
        }
        if addr & !3 == self.chip.uart_clkdiv_reg {
            // The divider as programmed: by the ROM for the rate it detected (from the
            // crystal), by CHANGE_BAUDRATE, or by the stub (ESP32: from the 80 MHz APB
            // clock, so it no longer tells the crystal).
            return self.uart_rate_now().clkdiv;
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

    /// The bus clock UART0 runs from in the ROM: the crystal, doubled on the ESP8266.
    pub fn uart_bus_hz(&self) -> u64 {
        u64::from(self.part.xtal_mhz) * 1_000_000 * u64::from(self.chip.xtal_clk_divider)
    }

    /// The crystal frequency the ROM believes in, for chips whose ROM measures it
    /// (ESP32), decoded from the registers it left its measurement in.
    pub fn rom_crystal_estimate_hz(&self) -> Option<u64> {
        let value = self.chip.rom_crystal_hz?;
        let regs = value
            .registers
            .iter()
            .map(|&addr| (addr, self.memory.read(addr)))
            .collect();
        Some((value.decode)(&regs) as u64 * u64::from(self.chip.xtal_clk_divider))
    }

    /// The UART's rate and divider now; while the ROM follows the host, the divider it
    /// detected for the host's rate.
    pub fn uart_rate_now(&self) -> Rate {
        self.uart.rate().unwrap_or_else(|| {
            let baud = self.uart.device_baud();
            Rate {
                baud,
                clkdiv: self.chip.clkdiv_for(self.part.xtal_mhz, baud),
            }
        })
    }

    pub fn write_reg(&mut self, addr: u32, value: u32, mask: u32) {
        if self.spi.owns(addr) {
            self.spi.write(addr, value, mask, &mut self.flash);
        } else {
            self.memory.write(addr, value, mask);
            crate::spi_pins::after_register_write(self, addr);
        }
    }
}
