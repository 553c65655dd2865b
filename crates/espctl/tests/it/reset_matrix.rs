//! espctl's resets on the model of the board, through in-process `virtual:` ports: the
//! default sequence and its longer-delay retry, `--before no-reset`, esptool's
//! `custom_reset_sequence` (right and wrong), and a board without the auto-reset
//! circuit (`gpio0=`). A wrong sequence must fail, and the failure must say what the
//! chip printed. The strategies one by one and `--after` are in `reset_matrix_model`;
//! esptool against the same model is in `reset_matrix_esptool`.

use crate::ESPCTL;
use espctl_testkit::{Run, Stubs, WorkDir};
use std::path::Path;

/// A working folder whose runs see `home` as the user's home (no configuration of the
/// tester's own) and `cfg` as esptool.cfg, if any.
fn workdir(home: &Path, cfg: Option<&str>) -> WorkDir {
    let env = ESPCTL
        .workdir(Stubs::None)
        .with_var("HOME", &home.display().to_string());
    if let Some(text) = cfg {
        env.write("esptool.cfg", format!("[esptool]\n{text}\n").as_bytes());
    }
    env
}

/// How many SYNCs failed before the run connected or gave up.
fn failed_syncs(run: &Run) -> usize {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Connecting..."))
        .unwrap_or_else(|| panic!("no Connecting line:\n{run}"));
    line.len() - "Connecting...".len()
}

fn connects(run: &Run, port: &str) {
    let chip = if port.contains("esp32") {
        "ESP32"
    } else {
        "ESP8266"
    };
    run.has(&format!("Connected to {chip} on {port}:"));
}

#[test]
fn the_default_reset_enters_the_loader_of_a_running_app() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path(), None);
    for chip in ["esp8266", "esp32"] {
        let port = format!("virtual:{chip}?start=flash");
        let run = env.espctl(&["--port", &port, "chip-id"]).ok();
        connects(&run, &port);
        assert_eq!(failed_syncs(&run), 0, "the first reset works:\n{run}");
    }
}

#[test]
fn no_reset_works_only_where_the_loader_already_runs() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path(), Some("connect_attempts = 1"));
    let port = "virtual:esp32?start=download";
    connects(
        &env.espctl(&["--port", port, "--before", "no-reset", "chip-id"])
            .ok(),
        port,
    );
    // The application runs and nobody reset it: it prints nothing, answers nothing.
    let line = env
        .espctl(&[
            "--port",
            "virtual:esp32?start=flash",
            "--before",
            "no-reset",
            "chip-id",
        ])
        .fatal();
    assert!(
        line.contains("Failed to connect to Espressif device: No serial data received. For"),
        "{line}"
    );
}

#[test]
fn a_slow_board_needs_the_longer_delay_retry() {
    let home = tempfile::tempdir().unwrap();
    // EN rises 200 ms after release: GPIO0, released 50 ms after EN, is high again by
    // then; the retry holds it 550 ms.
    let port = "virtual:esp32?start=flash&en-rise-ms=200";
    let env = workdir(home.path(), None);
    let run = env.espctl(&["--port", port, "chip-id"]).ok();
    connects(&run, port);
    assert_eq!(failed_syncs(&run), 5, "one failed attempt first:\n{run}");
    // Without the retry the chip boots its flash, and the boot log says so.
    let one = workdir(home.path(), Some("connect_attempts = 1"));
    let line = one.espctl(&["--port", port, "chip-id"]).fatal();
    assert!(line.contains("Wrong boot mode detected (0x13)!"), "{line}");
    // A board slower than the retry fails every attempt.
    let slower = "virtual:esp32?start=flash&en-rise-ms=600";
    let line = env.espctl(&["--port", slower, "chip-id"]).fatal();
    assert!(line.contains("Wrong boot mode detected (0x13)!"), "{line}");
    // reset_delay in the file lengthens the first attempt too.
    let delayed = workdir(home.path(), Some("connect_attempts = 1\nreset_delay = 0.3"));
    connects(&delayed.espctl(&["--port", port, "chip-id"]).ok(), port);
}

/// Custom sequences that must fail to enter the loader, and what espctl says for each
/// chip: the ESP32's boot log is readable at 115200, the ESP8266's (74880 baud) is not.
const WRONG: [(&str, &str, &str, &str); 4] = [
    (
        "GPIO0 released before EN rises",
        "D0|R1|W0.1|D1|W0.05|D0|R0",
        "Wrong boot mode detected (0x13)!",
        "after a reset this is usually the boot log of a chip that booted its flash",
    ),
    (
        "DTR and RTS swapped",
        "R0|D1|W0.1|R1|D0|W0.05|R0",
        "Wrong boot mode detected (0x13)!",
        "after a reset this is usually the boot log of a chip that booted its flash",
    ),
    (
        "GPIO0 pulled low only after EN rose",
        "D0|R1|W0.1|D1",
        "Wrong boot mode detected (0x13)!",
        "after a reset this is usually the boot log of a chip that booted its flash",
    ),
    (
        "EN never released",
        "D0|R1|W0.1",
        "Not even a boot log came after resetting through DTR/RTS",
        "Not even a boot log came after resetting through DTR/RTS",
    ),
];

#[test]
fn a_wrong_custom_sequence_fails_and_says_why() {
    let home = tempfile::tempdir().unwrap();
    for (name, sequence, esp32_says, esp8266_says) in WRONG {
        let env = workdir(
            home.path(),
            Some(&format!(
                "connect_attempts = 2\ncustom_reset_sequence = {sequence}"
            )),
        );
        for (chip, says) in [("esp32", esp32_says), ("esp8266", esp8266_says)] {
            let port = format!("virtual:{chip}?start=flash");
            let line = env.espctl(&["--port", &port, "chip-id"]).fatal();
            assert!(line.contains(says), "{name} on the {chip}: {line}");
        }
    }
}

#[test]
fn a_right_custom_sequence_enters_the_loader() {
    let home = tempfile::tempdir().unwrap();
    for sequence in ["D0|R1|W0.1|D1|R0|W0.05|D0", "U0,1|W0.1|U1,0|W0.05|U0,0"] {
        let env = workdir(
            home.path(),
            Some(&format!(
                "connect_attempts = 1\ncustom_reset_sequence = {sequence}"
            )),
        );
        for chip in ["esp8266", "esp32"] {
            let port = format!("virtual:{chip}?start=flash");
            let run = env.espctl(&["--port", &port, "chip-id"]).ok();
            connects(&run, &port);
        }
    }
}

#[test]
fn a_board_without_the_circuit_follows_its_gpio0() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path(), Some("connect_attempts = 2"));
    // GPIO0 held low at power-up: the loader waits, whatever DTR/RTS do.
    let low = "virtual:esp8266?gpio0=low";
    connects(&env.espctl(&["--port", low, "chip-id"]).ok(), low);
    connects(
        &env.espctl(&["--port", low, "--before", "no-reset", "chip-id"])
            .ok(),
        low,
    );
    // GPIO0 high: the application runs and the resets reach nothing.
    let line = env
        .espctl(&["--port", "virtual:esp8266?gpio0=high", "chip-id"])
        .fatal();
    assert!(
        line.contains("No serial data received. Not even a boot log came after resetting through DTR/RTS: on a board without the auto-reset circuit (ESP-01 style) hold GPIO0 low while powering it up"),
        "{line}"
    );
    // The same board with the auto-reset circuit connects.
    let wired = "virtual:esp8266?start=flash";
    connects(&env.espctl(&["--port", wired, "chip-id"]).ok(), wired);
    // A bad level is one clear line.
    let line = env
        .espctl(&["--port", "virtual:esp8266?gpio0=floating", "chip-id"])
        .fatal();
    assert!(line.contains("use low or high"), "{line}");
}
