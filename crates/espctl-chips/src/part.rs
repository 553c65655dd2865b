//! A typical part of a chip as the virtual device models it: its crystal, an example MAC,
//! the strapping register and what the ROM prints when the chip comes out of reset.
//!
//! These are facts about real boards (the ROM boot messages are printed by the mask ROM,
//! the crystal is the one Espressif modules carry), kept apart from [`Chip`] so a chip
//! without a virtual model needs no entry.

use crate::{Chip, ChipKind, part_esp_rom};

/// Why the chip (re)started, as the ROM reports it in its first boot line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetCause {
    /// Power applied.
    PowerOn,
    /// The EN (CHIP_PU / RST) pin was pulled low and released.
    ResetPin,
    /// Software asked for a restart (the loader's "reboot", a stub leaving).
    Software,
}

/// Where the ROM goes after reset, chosen by the strapping pins (GPIO0 on the ESP8266, ESP32, S2, S3 and P4; GPIO9 on the C and H series).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootMode {
    /// GPIO0 high: boot the program in flash.
    Flash,
    /// GPIO0 low: the serial download mode (the ROM loader).
    Download,
}

/// What the ROM prints on UART0 right after reset.
#[derive(Debug, Clone, Copy)]
pub struct BootLog {
    /// Rate of the boot messages. The ESP8266 ROM prints at 74880 baud (115200 scaled by
    /// its 26 MHz crystal against the 40 MHz the ROM assumes); the ESP32 at 115200.
    pub baud: u32,
    /// The text for one reset, with the ROM's `\r\n` line ends.
    pub render: fn(ResetCause, BootMode) -> String,
}

/// The latched strapping pins as a register (ESP32 `GPIO_STRAP`): the value the ROM prints
/// as `boot:0x13` (flash) or `boot:0x3` (download).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrapRegister {
    /// Register address.
    pub addr: u32,
    /// Its value when the chip booted from flash.
    pub flash_boot: u32,
    /// Its value when the chip booted into download mode (GPIO0 low).
    pub download_boot: u32,
}

/// How the flasher stub (esp-flasher-stub v1.1.0 with esp-stub-lib) clocks UART0 and
/// computes the divider for CHANGE_BAUDRATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StubUartClock {
    /// The stub keeps the ROM's clock and scales the divider it finds: `div * 115200 /
    /// baud`, as if the line ran at 115200 (esp-stub-lib `target/esp8266/src/uart.c`). A
    /// line at another rate, or a second change, ends up at the wrong rate.
    ScaleCurrentDivider,
    /// The stub switches the bus to the PLL at start and programs the divider from that
    /// clock, with 4 fractional bits: `(clock << 4) / baud` (ESP32: 80 MHz APB, stub
    /// `main.c` clock boost and esp-stub-lib `target/esp32/src/uart.c`).
    Pll {
        /// The UART clock after the switch, in Hz.
        clock_hz: u32,
    },
}

/// A typical part of one chip.
#[derive(Debug, Clone, Copy)]
pub struct TypicalPart {
    /// The chip the part is of.
    pub kind: ChipKind,
    /// Crystal of the common modules (ESP-12: 26 MHz; ESP32-WROOM: 40 MHz).
    pub xtal_mhz: u32,
    /// A MAC with the chip's usual Espressif OUI, for a device given none.
    pub example_mac: [u8; 6],
    /// The strapping register the ROM reports, where a host can read it.
    pub strap: Option<StrapRegister>,
    /// What the ROM prints on the UART at reset.
    pub boot_log: BootLog,
}

/// Typical parts of the chips the virtual device can be.
static TYPICAL_PARTS: &[&TypicalPart] = &[
    &ESP8266_PART,
    &ESP32_PART,
    &part_esp_rom::ESP32S2_PART,
    &part_esp_rom::ESP32S3_PART,
    &part_esp_rom::ESP32C3_PART,
    &part_esp_rom::ESP32C2_PART,
    &part_esp_rom::ESP32C6_PART,
    &part_esp_rom::ESP32H2_PART,
    &part_esp_rom::ESP32C5_PART,
    &part_esp_rom::ESP32P4_PART,
];

impl Chip {
    /// The typical part of this chip, if the virtual device models it.
    pub fn typical_part(&self) -> Option<&'static TypicalPart> {
        TYPICAL_PARTS.iter().copied().find(|p| p.kind == self.kind)
    }
}

/// An ESP8266EX on an ESP-12 module.
static ESP8266_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp8266,
    xtal_mhz: 26,
    example_mac: [0x18, 0xFE, 0x34, 0xA1, 0xB2, 0xC3],
    strap: None,
    boot_log: BootLog {
        baud: 74_880,
        render: esp8266_boot_log,
    },
};

/// ESP8266: `ets Jan  8 2013,rst cause:2, boot mode:(3,6)`. The first boot-mode number is
/// the strapping of GPIO15/GPIO0/GPIO2 (3 = flash, 1 = UART download), the second the
/// ROM's flash/SDIO selection. Cause 1 is power-on, 2 the reset pin (also printed after a
/// software restart).
fn esp8266_boot_log(cause: ResetCause, mode: BootMode) -> String {
    let cause = match cause {
        ResetCause::PowerOn => 1,
        ResetCause::ResetPin | ResetCause::Software => 2,
    };
    let mode = match mode {
        BootMode::Flash => "3,6",
        BootMode::Download => "1,7",
    };
    format!("\r\n ets Jan  8 2013,rst cause:{cause}, boot mode:({mode})\r\n\r\n")
}

/// An ESP32-D0WD-V3 on an ESP32-WROOM module.
static ESP32_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32,
    xtal_mhz: 40,
    example_mac: [0x24, 0x0A, 0xC4, 0xA1, 0xB2, 0xC3],
    strap: Some(StrapRegister {
        addr: crate::esp32::GPIO_STRAP,
        flash_boot: 0x13,
        download_boot: 0x03,
    }),
    boot_log: BootLog {
        baud: 115_200,
        render: esp32_boot_log,
    },
};

/// ESP32: `rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)`. The EN pin is the
/// chip's power-on reset, so it reports 0x1 too; a software restart of the CPU is 0xc.
/// In download mode the ROM adds `waiting for download`, which esptool looks for.
fn esp32_boot_log(cause: ResetCause, mode: BootMode) -> String {
    let cause = match cause {
        ResetCause::PowerOn | ResetCause::ResetPin => "0x1 (POWERON_RESET)",
        ResetCause::Software => "0xc (SW_CPU_RESET)",
    };
    let boot = match mode {
        BootMode::Flash => "0x13 (SPI_FAST_FLASH_BOOT)\r\n",
        BootMode::Download => {
            "0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n"
        }
    };
    format!("ets Jun  8 2016 00:22:57\r\n\r\nrst:{cause},boot:{boot}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Registers, esp32::ESP32, esp8266::ESP8266};

    #[test]
    fn boot_logs_read_like_the_rom() {
        let p = ESP8266.typical_part().unwrap();
        assert_eq!(
            (p.boot_log.render)(ResetCause::ResetPin, BootMode::Flash),
            "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n"
        );
        assert!((p.boot_log.render)(ResetCause::ResetPin, BootMode::Download).contains("(1,7)"));
        let p = ESP32.typical_part().unwrap();
        let download = (p.boot_log.render)(ResetCause::PowerOn, BootMode::Download);
        assert!(download.contains(
            "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n"
        ));
        assert!(
            (p.boot_log.render)(ResetCause::PowerOn, BootMode::Flash)
                .contains("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)")
        );
    }

    #[test]
    fn every_family_rom_prints_its_banner_and_download_wait() {
        for part in &TYPICAL_PARTS[2..] {
            let download = (part.boot_log.render)(ResetCause::PowerOn, BootMode::Download);
            assert!(download.starts_with("ESP-ROM:"), "{download}");
            assert!(download.contains("rst:0x1 (POWERON),boot:0x"), "{download}");
            assert!(
                download.ends_with(")\r\nwaiting for download\r\n"),
                "{download}"
            );
            let flash = (part.boot_log.render)(ResetCause::Software, BootMode::Flash);
            assert!(flash.ends_with(" (SPI_FAST_FLASH_BOOT)\r\n"), "{flash}");
            // The strapping register holds what the log prints.
            let strap = part.strap.unwrap();
            assert!(download.contains(&format!("boot:0x{:x} ", strap.download_boot)));
            assert!(flash.contains(&format!("boot:0x{:x} ", strap.flash_boot)));
        }
        let c3 = crate::esp32c3::ESP32C3.typical_part().unwrap();
        assert_eq!(
            (c3.boot_log.render)(ResetCause::ResetPin, BootMode::Download),
            "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n\
             rst:0x1 (POWERON),boot:0x7 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n"
        );
    }

    #[test]
    fn example_parts_describe_themselves_consistently() {
        for part in TYPICAL_PARTS {
            let chip = crate::CHIPS.iter().find(|c| c.kind == part.kind).unwrap();
            let regs: Registers = (chip.identity.registers_for_mac)(part.example_mac)
                .into_iter()
                .collect();
            assert_eq!((chip.identity.mac)(&regs), Ok(part.example_mac));
            match chip.fixed_crystal_mhz {
                Some(mhz) => assert_eq!(mhz, part.xtal_mhz, "{}", chip.name),
                None => {
                    let div = chip.clkdiv_for(part.xtal_mhz, 115_200);
                    assert_eq!(chip.crystal_mhz(div, 115_200).1, part.xtal_mhz);
                }
            }
        }
    }
}
