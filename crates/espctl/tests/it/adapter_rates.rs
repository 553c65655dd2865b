//! The fast default rate follows the serial adapter: the fastest rate the USB bridge
//! (known from its USB IDs) and the chip's UART divider both carry, confirmed with a
//! SYNC, the next lower one when it fails. The virtual port models the bridge
//! (`adapter=`), a line that garbles above a rate (`max-baud=`), and the chip's divider.

use crate::{ESPCTL, firmware};
use espctl_testkit::{Link, Stubs, WorkDir};

/// Writes the firmware through `options` added to a fresh in-process `chip`; returns
/// the output after checking the flash holds the firmware.
fn write_through(env: &WorkDir, chip: &str, options: &str) -> espctl_testkit::Run {
    let fw = firmware();
    env.write("fw.bin", &fw);
    let dev = ESPCTL.device(chip, Link::InProcess, "4MB");
    let port = format!("{}&{options}", dev.port);
    let out = env
        .espctl(&["--port", &port, "write_flash", "0x10000", "fw.bin"])
        .ok();
    out.has("Hash of data verified.");
    assert!(dev.flash()[0x10000..0x10000 + fw.len()] == fw[..], "{out}");
    out
}

/// The rates espctl asked the chip for, in order.
fn rates_tried(out: &espctl_testkit::Run) -> Vec<u32> {
    out.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Changing baud rate to "))
        .filter_map(|l| l.trim_end_matches("...").parse().ok())
        .collect()
}

#[test]
fn the_bridge_sets_the_rate_on_an_esp32() {
    let env = ESPCTL.workdir(Stubs::Installed);
    for (adapter, name, max) in [
        ("cp2102n", "CP2102N", 3_000_000),
        ("ft232r", "FT232R", 3_000_000),
        ("ch340", "CH340", 2_000_000),
        ("cp210x", "CP210x", 921_600),
    ] {
        let out = write_through(&env, "esp32", &format!("adapter={adapter}"));
        out.has(&format!("Serial adapter: {name} (up to {max} baud)."));
        assert_eq!(rates_tried(&out), [max], "{adapter}: {out}");
        let change = out.line_index(&format!("Changing baud rate to {max}..."));
        assert_eq!(out.line_index("Changed."), change + 1, "{out}");
    }
}

#[test]
fn the_same_adapter_by_its_usb_ids() {
    let env = ESPCTL.workdir(Stubs::Installed);
    // 1A86:7523 is the CH340.
    let out = write_through(&env, "esp32", "adapter=1a86:7523");
    assert_eq!(rates_tried(&out), [2_000_000], "{out}");
}

#[test]
fn an_unknown_adapter_keeps_921600() {
    let env = ESPCTL.workdir(Stubs::Installed);
    for options in ["adapter=1234:5678", "flash-size=4MB"] {
        let out = write_through(&env, "esp32", options);
        assert_eq!(rates_tried(&out), [921_600], "{out}");
        assert!(!out.stdout.contains("Serial adapter:"), "{out}");
    }
}

#[test]
fn a_rate_the_chip_divider_misses_is_not_tried() {
    let env = ESPCTL.workdir(Stubs::Installed);
    // An FT232H carries 12 Mbaud; the chips' UARTs top out at 5 Mbaud. The ESP32's
    // 80 MHz clock divides to 5 Mbaud exactly; the ESP8266's 52 MHz integer divider
    // gives 5.2 Mbaud (4% off) or 4 Mbaud exactly.
    for (chip, rate) in [("esp32", 5_000_000), ("esp8266", 4_000_000)] {
        let out = write_through(&env, chip, "adapter=ft232h");
        out.has("Serial adapter: FT232H (up to 12000000 baud).");
        assert_eq!(rates_tried(&out), [rate], "{chip}: {out}");
        assert!(!out.stderr.contains("No reply"), "{out}");
    }

    // Asked for 5 Mbaud anyway, the ESP8266's divider garbles the line.
    env.write("fw.bin", &firmware());
    let dev = ESPCTL.device("esp8266", Link::InProcess, "4MB");
    let port = format!("{}&adapter=ft232h", dev.port);
    let out = env.espctl(&[
        "--port",
        &port,
        "-b",
        "5000000",
        "write_flash",
        "0x0",
        "fw.bin",
    ]);
    let line = out.fatal();
    assert!(
        line.contains("stopped answering after switching to 5000000 baud"),
        "{line}"
    );
}

#[test]
fn a_rate_that_fails_steps_down_to_the_next() {
    let env = ESPCTL.workdir(Stubs::Installed);
    for chip in ["esp32", "esp8266"] {
        // A CP2102N on a line that garbles above 2 Mbaud (a long cable).
        let out = write_through(&env, chip, "adapter=cp2102n&max-baud=2000000");
        assert_eq!(rates_tried(&out), [3_000_000, 2_000_000], "{chip}: {out}");
        assert!(
            out.stderr
                .contains("WARNING: No reply at 3000000 baud; trying 2000000 baud."),
            "{out}"
        );
        let lines: Vec<&str> = out.stdout.lines().collect();
        let change = out.line_index("Changing baud rate to 2000000...");
        assert_eq!(lines[change + 1], "Changed.", "{out}");
    }
}
