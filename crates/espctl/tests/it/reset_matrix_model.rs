//! Every reset strategy espctl has, run on the model of the board (espctl-virtual's
//! `reset.rs`) through the in-process virtual port, and the state the chip is left in:
//! the loader, its application, or held in reset. Each strategy also meets a board it
//! must fail on, so a strategy that "works" only because the model ignores it would
//! show. The CLI's side is in `reset_matrix`.

use espctl_chips::Chip;
use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_flasher::link::{CustomReset, DEFAULT_RESET_DELAY, EXTRA_RESET_DELAY, ResetStrategy};
use espctl_flasher::{After, Before, ConnectOptions, Session, ignore_events};
use espctl_virtual::{Board, DeviceConfig, DeviceState, Gpio0, StartMode};
use espctl_virtual_port::VirtualChip;
use std::time::Duration;

/// A chip running the image in its flash, on `board` (the folder holds its flash).
fn running_chip(chip: &'static Chip, board: Board) -> (VirtualChip, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flash.bin");
    let mut flash = vec![0xFF; 4 << 20];
    // The image magic where the ROM looks for it: the application prints when it starts.
    flash[chip.bootloader_offset as usize] = 0xE9;
    std::fs::write(&path, flash).unwrap();
    let mut config = DeviceConfig::new(chip, 4 << 20);
    config.start = StartMode::Flash;
    config.board = board;
    config.flash_file = Some(path);
    (VirtualChip::new(config).unwrap(), dir)
}

fn slow_en() -> Board {
    // A big capacitor on EN: the straps are latched 200 ms after EN is released.
    Board::AutoReset {
        en_rise: Duration::from_millis(200),
    }
}

/// Runs `strategy` on a session with `chip` and returns the state it leaves.
fn after_strategy(chip: &VirtualChip, strategy: ResetStrategy) -> DeviceState {
    let mut port = chip.port(115_200);
    strategy.run(&mut port).unwrap();
    chip.settled_state()
}

fn strategies() -> Vec<(&'static str, ResetStrategy)> {
    vec![
        (
            "classic",
            ResetStrategy::Classic {
                delay: DEFAULT_RESET_DELAY,
            },
        ),
        (
            "unix tight",
            ResetStrategy::UnixTight {
                delay: DEFAULT_RESET_DELAY,
            },
        ),
        (
            "classic, longer delay",
            ResetStrategy::Classic {
                delay: DEFAULT_RESET_DELAY + EXTRA_RESET_DELAY,
            },
        ),
        (
            "unix tight, longer delay",
            ResetStrategy::UnixTight {
                delay: DEFAULT_RESET_DELAY + EXTRA_RESET_DELAY,
            },
        ),
    ]
}

#[test]
fn every_default_strategy_enters_the_loader_of_a_running_chip() {
    for chip in [&ESP8266, &ESP32] {
        for (name, strategy) in strategies() {
            let (dev, _flash) = running_chip(chip, Board::default());
            assert_eq!(
                after_strategy(&dev, strategy),
                DeviceState::RomLoader,
                "{name} on the {}",
                chip.name
            );
        }
    }
}

#[test]
fn only_the_longer_delay_survives_a_slow_en() {
    for (name, strategy) in strategies() {
        let (dev, _flash) = running_chip(&ESP32, slow_en());
        let expected = if name.contains("longer") {
            DeviceState::RomLoader
        } else {
            // GPIO0 is released before the chip latches it: it boots its flash.
            DeviceState::RunningFlash
        };
        assert_eq!(after_strategy(&dev, strategy), expected, "{name}");
    }
}

#[test]
fn no_strategy_resets_a_board_without_the_circuit() {
    for gpio0 in [Gpio0::Low, Gpio0::High] {
        let board = Board::NoCircuit { gpio0 };
        for (name, strategy) in strategies() {
            let (dev, _flash) = running_chip(&ESP8266, board);
            let before = dev.device().work().boots;
            let state = after_strategy(&dev, strategy);
            assert_eq!(dev.device().work().boots, before, "{name}: no reset");
            let expected = match gpio0 {
                Gpio0::Low => DeviceState::RomLoader,
                Gpio0::High => DeviceState::RunningFlash,
            };
            assert_eq!(state, expected, "{name}, GPIO0 {gpio0}");
        }
    }
}

/// esptool's classic sequence written out, and what must go wrong with it.
const CUSTOM: [(&str, &str, DeviceState); 6] = [
    (
        "classic, written out",
        "D0|R1|W0.1|D1|R0|W0.05|D0",
        DeviceState::RomLoader,
    ),
    (
        "tight, with U",
        "U0,1|W0.1|U1,0|W0.05|U0,0",
        DeviceState::RomLoader,
    ),
    (
        "GPIO0 released before EN rises",
        "D0|R1|W0.1|D1|W0.05|D0|R0",
        DeviceState::RunningFlash,
    ),
    (
        "DTR and RTS swapped",
        "R0|D1|W0.1|R1|D0|W0.05|R0",
        DeviceState::RunningFlash,
    ),
    (
        "GPIO0 pulled low only after EN rose",
        "D0|R1|W0.1|D1",
        DeviceState::RunningFlash,
    ),
    ("EN never released", "D0|R1|W0.1", DeviceState::HeldInReset),
];

#[test]
fn custom_sequences_do_what_the_circuit_makes_of_them() {
    for chip in [&ESP8266, &ESP32] {
        for (name, text, expected) in CUSTOM {
            let (dev, _flash) = running_chip(chip, Board::default());
            let custom: CustomReset = text.parse().unwrap();
            let state = after_strategy(&dev, ResetStrategy::Custom(custom));
            assert_eq!(state, expected, "{name} ({text}) on the {}", chip.name);
        }
    }
}

/// What the chip prints from now on, as text.
fn output(chip: &VirtualChip) -> String {
    chip.advance(Duration::from_secs(1));
    let mut buf = vec![0; 4096];
    let n = chip.device().read(&mut buf);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn after_leaves_the_chip_as_asked() {
    let cases = [
        (&ESP8266, After::HardReset, DeviceState::RunningFlash, 1),
        (&ESP32, After::HardReset, DeviceState::RunningFlash, 1),
        // "Run user code": the loader jumps into the flash without a reset.
        (&ESP8266, After::SoftReset, DeviceState::RunningFlash, 0),
        (&ESP8266, After::NoReset, DeviceState::RomLoader, 0),
        (&ESP32, After::NoReset, DeviceState::RomLoader, 0),
    ];
    for (chip, after, state, resets) in cases {
        let (dev, _flash) = running_chip(chip, Board::default());
        let options = ConnectOptions::default()
            .before(Before::DefaultReset)
            .chip(Some(chip));
        let mut session =
            Session::connect(Box::new(dev.port(115_200)), &options, ignore_events()).unwrap();
        assert_eq!(dev.settled_state(), DeviceState::RomLoader);
        output(&dev);
        let boots = dev.device().work().boots;
        session.finish(after).unwrap();
        let what = format!("--after {after} on the {}", chip.name);
        assert_eq!(dev.settled_state(), state, "{what}");
        assert_eq!(dev.device().work().boots - boots, resets, "{what}");
        if after == After::SoftReset {
            // The application's line follows the loader's last reply, which the session
            // has read together with it.
            continue;
        }
        // The application prints once it runs (at 115200, readable on both chips).
        let printed = output(&dev);
        assert_eq!(
            printed.contains(&format!("virtual {}: the image at", chip.name)),
            state == DeviceState::RunningFlash,
            "{what}: {printed:?}"
        );
    }
}

#[test]
fn no_reset_finds_the_loader_only_where_it_already_runs() {
    for (start, connects) in [(StartMode::Download, true), (StartMode::Flash, false)] {
        let mut config = DeviceConfig::new(&ESP8266, 4 << 20);
        config.start = start;
        let dev = VirtualChip::new(config).unwrap();
        let options = ConnectOptions::default()
            .before(Before::NoReset)
            .attempts(2);
        let result = Session::connect(Box::new(dev.port(115_200)), &options, ignore_events());
        assert_eq!(result.is_ok(), connects, "{start:?}");
        assert_eq!(dev.device().work().boots, 1, "no reset but the power-up");
    }
}
