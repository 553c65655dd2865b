//! esptool 5.6.0 and espctl against the same model of the board, over `rfc2217://`
//! served by `espctl virtual --rfc2217`: the default reset, a wrong custom sequence,
//! `--before no-reset` and `--after`, and the board without the auto-reset circuit.
//!
//! The server runs with `--relay-lines`, so each DTR/RTS change reaches the circuit as
//! the client sends it, stretched by the round trip every RFC 2217 command takes
//! (pyserial waits ≥ 50 ms for each answer): the client's own sequence decides, as on a
//! board plugged in locally. On the usual 2 ms EN that stretch makes esptool's sequence
//! boot the flash, while espctl pairs EN's release with GPIO0 low in one packet; the
//! other boards here have a slow EN (300 ms) where esptool's longer-delay retry and
//! espctl's work, and a wrong sequence still fails.

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Espctl,
    Esptool,
}

impl Tool {
    fn run(self, env: &WorkDir, args: &[&str]) -> Run {
        match self {
            Tool::Espctl => env.espctl(args),
            Tool::Esptool => env.esptool(args),
        }
    }
}

/// A working folder with `home` as the home folder and `cfg` in its esptool.cfg.
fn workdir(home: &Path, cfg: &str) -> WorkDir {
    let env = ESPCTL
        .workdir(Stubs::Installed)
        .with_var("HOME", &home.display().to_string());
    env.write("esptool.cfg", format!("[esptool]\n{cfg}\n").as_bytes());
    env
}

/// A served chip whose DTR/RTS reach the board as the client sends them.
fn served(chip: &str, board: &[&str]) -> Device {
    let mut args = vec!["--relay-lines"];
    args.extend(board);
    ESPCTL
        .device_options(chip, Link::Rfc2217)
        .server_args(&args)
        .start()
}

const SLOW_EN: [&str; 2] = ["--en-rise-ms", "300"];

fn connected(run: &Run) -> bool {
    run.code == 0 && run.stdout.contains("Connected to ")
}

/// Runs each tool's steps on a device of its own, both tools at once.
fn both(steps: impl Fn(Tool) + Send + Sync + Copy + 'static) {
    let theirs = std::thread::spawn(move || steps(Tool::Esptool));
    steps(Tool::Espctl);
    theirs.join().expect("esptool's steps");
}

#[test]
fn the_default_reset_and_after_modes_on_the_served_board() {
    both(|tool| {
        let home = tempfile::tempdir().unwrap();
        let env = workdir(home.path(), "connect_attempts = 2");
        let dev = served("esp8266", &SLOW_EN);
        let port = dev.port.as_str();
        let chip_id = |args: &[&str]| {
            let mut all = vec!["--port", port];
            all.extend(args);
            all.push("chip-id");
            tool.run(&env, &all)
        };
        // The default reset enters the loader; --after no-reset leaves it there.
        let run = chip_id(&["--after", "no-reset"]);
        assert!(connected(&run), "{tool:?}: {run}");
        run.has("Staying in bootloader.");
        let run = chip_id(&["--before", "no-reset"]);
        assert!(
            connected(&run),
            "{tool:?} finds the loader left running: {run}"
        );
        run.has("Hard resetting via RTS pin...");
        // That hard reset pulsed RTS. esptool never touched DTR in a no-reset run, and
        // the port opened with DTR asserted: with both asserted the circuit keeps EN
        // high, so the loader still runs. espctl releases DTR first: the application
        // starts.
        let run = chip_id(&["--before", "no-reset"]);
        match tool {
            Tool::Esptool => assert!(connected(&run), "{run}"),
            Tool::Espctl => {
                assert_eq!(run.code, 2, "{run}");
                run.says("No serial data received.");
            }
        }
        // After a default reset (which leaves DTR released) the hard reset works in
        // both: the application runs and answers nothing without a reset.
        let run = chip_id(&[]);
        assert!(connected(&run), "{tool:?}: {run}");
        run.has("Hard resetting via RTS pin...");
        let run = chip_id(&["--before", "no-reset"]);
        assert_eq!(run.code, 2, "{tool:?} after a hard reset: {run}");
        run.says("No serial data received.");
    });
}

/// Custom sequences on the slow board: the right one enters the loader, the wrong ones
/// must not, in espctl and in esptool alike.
const SEQUENCES: [(&str, bool); 4] = [
    ("D0|R1|W0.1|D1|R0|W0.5|D0", true),
    // GPIO0 released before EN rises.
    ("D0|R1|W0.1|D1|W0.5|D0|R0", false),
    // DTR and RTS swapped.
    ("R0|D1|W0.1|R1|D0|W0.5|R0", false),
    // EN never released: the chip stays in reset, silent.
    ("D0|R1|W0.1", false),
];

#[test]
fn a_wrong_custom_sequence_fails_in_both_tools() {
    both(|tool| {
        let home = tempfile::tempdir().unwrap();
        let dev = served("esp32", &SLOW_EN);
        for (sequence, enters) in SEQUENCES {
            let env = workdir(
                home.path(),
                &format!("connect_attempts = 1\ncustom_reset_sequence = {sequence}"),
            );
            let run = tool.run(&env, &["--port", &dev.port, "chip-id"]);
            assert_eq!(connected(&run), enters, "{tool:?} with {sequence}: {run}");
            if !enters {
                assert_eq!(run.code, 2, "{tool:?} with {sequence}: {run}");
            }
        }
    });
}

#[test]
fn espctl_says_why_a_wrong_sequence_failed() {
    let home = tempfile::tempdir().unwrap();
    let dev = served("esp32", &SLOW_EN);
    for (sequence, says) in [
        (
            "D0|R1|W0.1|D1|W0.5|D0|R0",
            "Wrong boot mode detected (0x13)!",
        ),
        (
            "R0|D1|W0.1|R1|D0|W0.5|R0",
            "Wrong boot mode detected (0x13)!",
        ),
        (
            "D0|R1|W0.1",
            "Not even a boot log came after resetting through DTR/RTS",
        ),
    ] {
        let env = workdir(
            home.path(),
            &format!("connect_attempts = 1\ncustom_reset_sequence = {sequence}"),
        );
        let line = env.espctl(&["--port", &dev.port, "chip-id"]).fatal();
        assert!(line.contains(says), "{sequence}: {line}");
    }
}

#[test]
fn on_the_usual_board_only_espctl_keeps_the_sequence_tight() {
    // 2 ms on EN: esptool's round trip between "EN released" and "GPIO0 low" is
    // longer, and the chip boots its flash; espctl sends both changes in one packet.
    both(|tool| {
        let home = tempfile::tempdir().unwrap();
        let env = workdir(home.path(), "connect_attempts = 2");
        let dev = served("esp32", &[]);
        let run = tool.run(&env, &["--port", &dev.port, "chip-id"]);
        match tool {
            Tool::Esptool => {
                assert_eq!(run.code, 2, "{tool:?}: {run}");
                run.says("Wrong boot mode detected (0x13)!");
            }
            Tool::Espctl => {
                assert!(connected(&run), "{tool:?}: {run}");
                run.has("MAC:                24:0a:c4:65:43:21");
            }
        }
    });
}

#[test]
fn a_board_without_the_circuit_over_rfc2217() {
    both(|tool| {
        let home = tempfile::tempdir().unwrap();
        let env = workdir(home.path(), "connect_attempts = 2");
        // GPIO0 held low at power-up: the loader, whatever the lines do.
        let low = served("esp8266", &["--gpio0", "low"]);
        let run = tool.run(&env, &["--port", &low.port, "chip-id"]);
        assert!(connected(&run), "{tool:?}: {run}");
        // GPIO0 high: the application runs and no sequence reaches EN.
        let high = served("esp8266", &["--gpio0", "high"]);
        let run = tool.run(&env, &["--port", &high.port, "chip-id"]);
        assert_eq!(run.code, 2, "{tool:?}: {run}");
        run.says("No serial data received.");
        if tool == Tool::Espctl {
            run.says("on a board without the auto-reset circuit (ESP-01 style) hold GPIO0 low while powering it up");
        }
    });
}
