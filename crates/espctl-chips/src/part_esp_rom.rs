//! Typical parts of the chips after the ESP32, whose ROMs print an `ESP-ROM:` banner.
//!
//! Every one of these ROMs prints the same three lines at reset: its ROM name, its build
//! date, and `rst:<cause>,boot:<strapping> (<boot mode>)`; in download mode it adds
//! `waiting for download`, which esptool looks for. The strings are as real chips print
//! them in public boot logs (espressif/esp-idf, esphome and espflash issue threads); the
//! values marked "(inferred)" were not seen in a log and follow the chip's neighbours.

use crate::ChipKind;
use crate::part::{BootLog, BootMode, ResetCause, StrapRegister, TypicalPart};

/// What one ROM prints at reset.
struct Banner {
    /// After `ESP-ROM:`.
    rom: &'static str,
    /// After `Build:`.
    build: &'static str,
    /// The strapping value printed when booting from flash.
    flash_boot: u32,
    /// The strapping value and mode name printed in download mode.
    download_boot: u32,
    download_name: &'static str,
    /// The cause printed after a software restart.
    software_reset: &'static str,
}

impl Banner {
    fn render(&self, cause: ResetCause, mode: BootMode) -> String {
        let cause = match cause {
            // The EN pin resets the whole chip like power-on does.
            ResetCause::PowerOn | ResetCause::ResetPin => "0x1 (POWERON)",
            ResetCause::Software => self.software_reset,
        };
        let boot = match mode {
            BootMode::Flash => format!("0x{:x} (SPI_FAST_FLASH_BOOT)\r\n", self.flash_boot),
            BootMode::Download => format!(
                "0x{:x} ({})\r\nwaiting for download\r\n",
                self.download_boot, self.download_name
            ),
        };
        format!(
            "ESP-ROM:{}\r\nBuild:{}\r\nrst:{cause},boot:{boot}",
            self.rom, self.build
        )
    }

    /// The strapping register at `addr` holding what this banner prints.
    const fn strap(&self, addr: u32) -> Option<StrapRegister> {
        Some(StrapRegister {
            addr,
            flash_boot: self.flash_boot,
            download_boot: self.download_boot,
        })
    }
}

/// GPIO_STRAP of the P4 (esptool `GPIO_STRAP_REG`).
const GPIO_STRAP_P4: u32 = 0x500E_0038;
/// GPIO_STRAP of the S3, C3 and C2 (GPIO block at 0x6000_4000).
const GPIO_STRAP_6000_4000: u32 = crate::esp32s3::GPIO_STRAP;
/// GPIO_STRAP of the C6, H2 and C5 (GPIO block at 0x6009_1000).
const GPIO_STRAP_6009_1000: u32 = 0x6009_1038;

/// The chips before the C6 name a software restart `RTC_SW_CPU_RST`, later ones
/// `SW_CPU_HPSYS` (inferred for the C5, H2 and P4).
const RTC_SW_CPU_RST: &str = "0xc (RTC_SW_CPU_RST)";
const SW_CPU_HPSYS: &str = "0xc (SW_CPU_HPSYS)";

/// ESP32-S2 (esptool: GPIO_STRAP_REG 0x3F40_4038, bit 3 clear in download mode).
/// Download value (inferred).
const S2: Banner = Banner {
    rom: "esp32s2-rc4-20191025",
    build: "Oct 25 2019",
    flash_boot: 0x8,
    download_boot: 0x0,
    download_name: "DOWNLOAD(USB/UART0/1)",
    software_reset: RTC_SW_CPU_RST,
};
/// ESP32-S3: `rst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0))` (vcc-gnd/YD-ESP32-S3#2).
const S3: Banner = Banner {
    rom: "esp32s3-20210327",
    build: "Mar 27 2021",
    flash_boot: 0x8,
    download_boot: 0x0,
    download_name: "DOWNLOAD(USB/UART0)",
    software_reset: RTC_SW_CPU_RST,
};
/// ESP32-C3: `boot:0xc (SPI_FAST_FLASH_BOOT)` (esp-rs/esp-idf-template#27),
/// `boot:0x7 (DOWNLOAD(USB/UART0/1))` (richonguzman/LoRa_APRS_Tracker#365).
const C3: Banner = Banner {
    rom: "esp32c3-api1-20210207",
    build: "Feb  7 2021",
    flash_boot: 0xc,
    download_boot: 0x7,
    download_name: "DOWNLOAD(USB/UART0/1)",
    software_reset: RTC_SW_CPU_RST,
};
/// ESP32-C2 (sold as ESP8684): banner and flash boot from wildekek/rdtech-esphome#10;
/// download value (inferred: no USB on the C2).
const C2: Banner = Banner {
    rom: "esp8684-api2-20220127",
    build: "Jan 27 2022",
    flash_boot: 0xc,
    download_boot: 0x4,
    download_name: "DOWNLOAD(UART0)",
    software_reset: RTC_SW_CPU_RST,
};
/// ESP32-C6: `boot:0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))` (esp-rs/espflash#556).
const C6: Banner = Banner {
    rom: "esp32c6-20220919",
    build: "Sep 19 2022",
    flash_boot: 0xc,
    download_boot: 0x4,
    download_name: "DOWNLOAD(USB/UART0/SDIO_FEI_FEO)",
    software_reset: SW_CPU_HPSYS,
};
/// ESP32-H2: `boot:0x1c (SPI_FAST_FLASH_BOOT)` (espressif/esp-zigbee-sdk#454); download
/// value (inferred).
const H2: Banner = Banner {
    rom: "esp32h2-20221101",
    build: "Nov  1 2022",
    flash_boot: 0x1c,
    download_boot: 0x14,
    download_name: "DOWNLOAD(USB/UART0)",
    software_reset: SW_CPU_HPSYS,
};
/// ESP32-C5: `ESP-ROM:esp32c5-eco2-20250121`, `boot:0x18 (SPI_FAST_FLASH_BOOT)`
/// (C5Lab/projectZero#13); download value (inferred).
const C5: Banner = Banner {
    rom: "esp32c5-eco2-20250121",
    build: "Jan 21 2025",
    flash_boot: 0x18,
    download_boot: 0x10,
    download_name: "DOWNLOAD(USB/UART0/SDIO_FEI_FEO)",
    software_reset: SW_CPU_HPSYS,
};
/// ESP32-P4: `ESP-ROM:esp32p4-eco2-20240710`, `boot:0x10f (SPI_FAST_FLASH_BOOT)`
/// (esphome/esp-web-tools#676); esptool: GPIO_STRAP_REG 0x500E_0038, bit 3 clear in
/// download mode. Download value (inferred).
const P4: Banner = Banner {
    rom: "esp32p4-eco2-20240710",
    build: "Jul 10 2024",
    flash_boot: 0x10f,
    download_boot: 0x107,
    download_name: "DOWNLOAD(USB/UART0)",
    software_reset: SW_CPU_HPSYS,
};

fn s2_log(c: ResetCause, m: BootMode) -> String {
    S2.render(c, m)
}
fn s3_log(c: ResetCause, m: BootMode) -> String {
    S3.render(c, m)
}
fn c3_log(c: ResetCause, m: BootMode) -> String {
    C3.render(c, m)
}
fn c2_log(c: ResetCause, m: BootMode) -> String {
    C2.render(c, m)
}
fn c6_log(c: ResetCause, m: BootMode) -> String {
    C6.render(c, m)
}
fn h2_log(c: ResetCause, m: BootMode) -> String {
    H2.render(c, m)
}
fn c5_log(c: ResetCause, m: BootMode) -> String {
    C5.render(c, m)
}
fn p4_log(c: ResetCause, m: BootMode) -> String {
    P4.render(c, m)
}

/// Every one of these ROMs prints at 115200 baud.
const fn log(render: fn(ResetCause, BootMode) -> String) -> BootLog {
    BootLog {
        baud: 115_200,
        render,
    }
}

/// An ESP32-S2 on an ESP32-S2-WROOM module (40 MHz crystal).
pub static ESP32S2_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32s2,
    xtal_mhz: 40,
    example_mac: [0x7C, 0xDF, 0xA1, 0xA1, 0xB2, 0xC3],
    strap: S2.strap(crate::esp32s2::GPIO_STRAP),
    boot_log: log(s2_log),
};

/// An ESP32-S3 on an ESP32-S3-WROOM-1 module (40 MHz crystal).
pub static ESP32S3_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32s3,
    xtal_mhz: 40,
    example_mac: [0xF4, 0x12, 0xFA, 0xA1, 0xB2, 0xC3],
    strap: S3.strap(GPIO_STRAP_6000_4000),
    boot_log: log(s3_log),
};

/// An ESP32-C3 on an ESP32-C3-MINI-1 module (40 MHz crystal).
pub static ESP32C3_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32c3,
    xtal_mhz: 40,
    example_mac: [0x34, 0x85, 0x18, 0xA1, 0xB2, 0xC3],
    strap: C3.strap(GPIO_STRAP_6000_4000),
    boot_log: log(c3_log),
};

/// An ESP32-C2 (ESP8684) on an ESP8684-WROOM module: a 26 MHz crystal, which its ROM
/// takes for 40 MHz when it sets a baud rate ([`crate::RomFacts::baud_crystal_mhz`]).
pub static ESP32C2_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32c2,
    xtal_mhz: 26,
    example_mac: [0x08, 0x3A, 0x8D, 0xA1, 0xB2, 0xC3],
    strap: C2.strap(GPIO_STRAP_6000_4000),
    boot_log: log(c2_log),
};

/// An ESP32-C6 on an ESP32-C6-WROOM-1 module (40 MHz crystal).
pub static ESP32C6_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32c6,
    xtal_mhz: 40,
    example_mac: [0x40, 0x4C, 0xCA, 0xA1, 0xB2, 0xC3],
    strap: C6.strap(GPIO_STRAP_6009_1000),
    boot_log: log(c6_log),
};

/// An ESP32-H2 on an ESP32-H2-MINI-1 module (32 MHz crystal).
pub static ESP32H2_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32h2,
    xtal_mhz: 32,
    example_mac: [0x74, 0x4D, 0xBD, 0xA1, 0xB2, 0xC3],
    strap: H2.strap(GPIO_STRAP_6009_1000),
    boot_log: log(h2_log),
};

/// An ESP32-C5 on an ESP32-C5-WROOM-1 module: 48 MHz, the only crystal in mass
/// production (esptool `ESP32C5ROM.change_baud`).
pub static ESP32C5_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32c5,
    xtal_mhz: 48,
    example_mac: [0x3C, 0xDC, 0x75, 0xA1, 0xB2, 0xC3],
    strap: C5.strap(GPIO_STRAP_6009_1000),
    boot_log: log(c5_log),
};

/// An ESP32-P4 on an ESP32-P4-Function-EV board (40 MHz crystal).
pub static ESP32P4_PART: TypicalPart = TypicalPart {
    kind: ChipKind::Esp32p4,
    xtal_mhz: 40,
    example_mac: [0x30, 0xED, 0xA0, 0xA1, 0xB2, 0xC3],
    strap: P4.strap(GPIO_STRAP_P4),
    boot_log: log(p4_log),
};
