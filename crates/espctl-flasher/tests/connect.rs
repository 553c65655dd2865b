//! The library against the virtual device, through a transport that can model board
//! faults: resets through the auto-reset circuit, boot-log explanations when syncing
//! fails, reusing a running stub, the `--after` modes, progress events.

use espctl_chips::Chip;
use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_flasher::stub::StubStore;
use espctl_flasher::{
    After, Before, ConnectOptions, Error, Event, EventSink, FlashFile, LoaderKind, Operation,
    Session, WriteOptions,
};
use espctl_virtual::{DeviceConfig, DeviceState, StartMode};
use espctl_virtual_port::{LineTap, VirtualChip, VirtualPort, Wiring};
use std::sync::{Arc, Mutex};

/// How the board between the host and the chip is wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Board {
    /// The usual auto-reset circuit.
    AutoReset,
    /// GPIO0 is not connected to DTR: a reset always boots the flash.
    Io0Floating,
    /// The host's TX line is broken: the chip prints, but never hears the host.
    HostTxDead,
    /// A noisy line that damages one data byte of the third READ_FLASH_SLOW reply (the
    /// frame stays well formed: SLIP has no checksum to notice).
    CorruptsThirdSlowRead,
}

/// Damages one data byte of the third READ_FLASH_SLOW reply.
#[derive(Default)]
struct CorruptThirdSlowRead {
    slow_reads: usize,
}

impl LineTap for CorruptThirdSlowRead {
    fn chip_frame(&mut self, frame: &mut Vec<u8>) {
        if frame.len() > 20 && frame[0] == 1 && frame[1] == 0x0E {
            self.slow_reads += 1;
            if self.slow_reads == 3 {
                frame[8 + 10] ^= 0x01;
            }
        }
    }
}

fn virtual_chip(chip: &'static Chip, start: StartMode) -> VirtualChip {
    let mut config = DeviceConfig::new(chip, 4 << 20);
    config.start = start;
    VirtualChip::new(config).unwrap()
}

/// A host session on `chip` through `board`.
fn port(chip: &VirtualChip, board: Board) -> Box<VirtualPort> {
    let port = chip.port(115_200);
    Box::new(match board {
        Board::AutoReset => port,
        Board::Io0Floating => port.wired(Wiring {
            io0_wired: false,
            ..Wiring::default()
        }),
        Board::HostTxDead => port.wired(Wiring {
            host_tx: false,
            ..Wiring::default()
        }),
        Board::CorruptsThirdSlowRead => port.tapped(CorruptThirdSlowRead::default()),
    })
}

/// Collects events for inspection.
fn recorder() -> (EventSink, Arc<Mutex<Vec<Event>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    (Arc::new(move |e| l.lock().unwrap().push(e)), log)
}

fn options(before: Before, attempts: u32) -> ConnectOptions {
    ConnectOptions::default().before(before).attempts(attempts)
}

fn stub_for(chip: &Chip) -> espctl_flasher::stub::StubImage {
    StubStore::in_data_dir(espctl_testkit::stub_data_dir())
        .load(chip)
        .unwrap()
        .expect("stub installed")
}

#[test]
fn resets_a_running_chip_into_its_bootloader() {
    for chip in [&ESP8266, &ESP32] {
        let probe = virtual_chip(chip, StartMode::Flash);
        // Without a reset the application does not answer.
        let (events, _) = recorder();
        let err = Session::connect(
            port(&probe, Board::AutoReset),
            &options(Before::NoReset, 1),
            events,
        )
        .err()
        .unwrap();
        assert!(
            err.to_string()
                .starts_with("Failed to connect to Espressif device: No serial data received."),
            "{err}"
        );
        let (events, log) = recorder();
        let s = Session::connect(
            port(&probe, Board::AutoReset),
            &options(Before::DefaultReset, 7),
            events,
        )
        .unwrap();
        assert_eq!(s.chip().name, chip.name);
        assert_eq!(probe.settled_state(), DeviceState::RomLoader);
        let log = log.lock().unwrap();
        assert!(matches!(log.last(), Some(Event::ChipDetected { .. })));
        assert!(
            !log.iter()
                .any(|e| matches!(e, Event::ResetLinesUnsupported { .. }))
        );
    }
}

#[test]
fn explains_a_chip_that_boots_the_flash_instead_of_download_mode() {
    let t = port(&virtual_chip(&ESP32, StartMode::Flash), Board::Io0Floating);
    let (events, log) = recorder();
    let err = Session::connect(t, &options(Before::DefaultReset, 2), events)
        .err()
        .unwrap();
    assert!(
        err.to_string().starts_with(
            "Failed to connect to Espressif device: Wrong boot mode detected (0x13)! The chip needs to be in download mode"
        ),
        "{err}"
    );
    let dots = log
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, Event::SyncFailed))
        .count();
    assert_eq!(dots, 10, "5 syncs per attempt");

    // The ESP8266 prints its boot log at 74880 baud: at 115200 it is noise.
    let t = port(
        &virtual_chip(&ESP8266, StartMode::Flash),
        Board::Io0Floating,
    );
    let (events, _) = recorder();
    let err = Session::connect(t, &options(Before::DefaultReset, 1), events)
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("Possible serial noise or corruption.")
            && err.to_string().contains("not bootloader replies"),
        "{err}"
    );
}

#[test]
fn explains_download_mode_without_sync() {
    let t = port(&virtual_chip(&ESP32, StartMode::Flash), Board::HostTxDead);
    let (events, _) = recorder();
    let err = Session::connect(t, &options(Before::DefaultReset, 1), events)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains(
            "Download mode successfully detected, but getting no sync reply: The serial TX path seems to be down."
        ),
        "{err}"
    );
}

#[test]
fn reuses_a_running_stub_and_leaves_it_as_told() {
    let probe = virtual_chip(&ESP32, StartMode::Download);
    let stub = stub_for(&ESP32);

    let (events, _) = recorder();
    let mut s = Session::connect(
        port(&probe, Board::AutoReset),
        &options(Before::NoReset, 1),
        events,
    )
    .unwrap();
    assert_eq!(s.loader().kind(), LoaderKind::Rom);
    assert!(s.run_stub(Some(&stub)).unwrap());
    s.finish(After::NoResetStub).unwrap();
    assert_eq!(probe.settled_state(), DeviceState::Stub);

    // The next session finds the stub answering SYNC with 0: no upload.
    let (events, log) = recorder();
    let mut s = Session::connect(
        port(&probe, Board::AutoReset),
        &options(Before::NoReset, 1),
        events,
    )
    .unwrap();
    assert_eq!(s.loader().kind(), LoaderKind::Stub);
    assert!(s.run_stub(None).unwrap());
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::StubAlreadyRunning))
    );
    // --after no-reset sends FLASH_END with the reboot flag, which esp-flasher-stub
    // v1.1.0 answers and ignores (command_handler.c: "// TODO: Implement reboot"): the
    // stub stays, and the next session finds it again.
    s.finish(After::NoReset).unwrap();
    assert_eq!(probe.settled_state(), DeviceState::Stub);
    let (events, _) = recorder();
    let s = Session::connect(
        port(&probe, Board::AutoReset),
        &options(Before::NoReset, 1),
        events,
    )
    .unwrap();
    assert_eq!(s.loader().kind(), LoaderKind::Stub);

    // --after hard-reset pulses EN: the chip runs its flash.
    let (events, _) = recorder();
    let mut s = Session::connect(
        port(&probe, Board::AutoReset),
        &options(Before::DefaultReset, 1),
        events,
    )
    .unwrap();
    s.finish(After::HardReset).unwrap();
    assert_eq!(probe.settled_state(), DeviceState::RunningFlash);
}

#[test]
fn write_progress_events_add_up() {
    let probe = virtual_chip(&ESP8266, StartMode::Download);
    let (events, log) = recorder();
    let mut s = Session::connect(
        port(&probe, Board::AutoReset),
        &options(Before::DefaultReset, 1),
        events,
    )
    .unwrap();
    s.run_stub(Some(&stub_for(&ESP8266))).unwrap();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    s.write_flash(
        vec![FlashFile::new(0x20000, data.clone(), None)],
        &WriteOptions::default(),
    )
    .unwrap();
    assert_eq!(
        &probe.device().flash()[0x20000..0x20000 + data.len()],
        &data[..]
    );
    let log = log.lock().unwrap();
    let progress: Vec<(u64, u64)> = log
        .iter()
        .filter_map(|e| match e {
            Event::Progress {
                op: Operation::Write,
                done,
                total,
                ..
            } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0));
    let (done, total) = *progress.last().unwrap();
    assert_eq!(done, total);
    assert!(log.iter().any(|e| matches!(e, Event::Verified)));
    assert!(log.iter().any(|e| matches!(e, Event::Compressed { .. })));
}

#[test]
fn a_wrong_chip_argument_is_refused() {
    let t = port(
        &virtual_chip(&ESP8266, StartMode::Download),
        Board::AutoReset,
    );
    let (events, _) = recorder();
    let err = Session::connect(
        t,
        &ConnectOptions::default()
            .before(Before::NoReset)
            .attempts(1)
            .chip(Some(&ESP32)),
        events,
    )
    .err()
    .unwrap();
    assert!(matches!(
        err,
        Error::WrongChip {
            detected: "ESP8266",
            expected: "ESP32"
        }
    ));
}

/// Reads through the ROM (64 bytes per command, nothing on the wire to catch damage) are
/// checked against the flash MD5 the ROM computes: damage is caught, never a wrong
/// backup, and the damaged piece is read again (the data comes back right, and the
/// session says a read was resumed).
#[test]
fn rom_reads_are_checked_against_the_flash_md5() {
    let data: Vec<u8> = (0..4096u32).map(|i| (i * 13 % 256) as u8).collect();
    for (board, damaged) in [
        (Board::AutoReset, false),
        (Board::CorruptsThirdSlowRead, true),
    ] {
        let t = port(&virtual_chip(&ESP32, StartMode::Download), board);
        let (events, _) = recorder();
        let mut s = Session::connect(t, &options(Before::NoReset, 1), events).unwrap();
        s.write_flash(
            vec![FlashFile::new(0x8000, data.clone(), None)],
            &WriteOptions::default(),
        )
        .unwrap();
        let read = s.read_flash(0x8000, data.len() as u32).unwrap();
        assert!(read == data);
        assert_eq!(s.link_stats().reads_resumed, u32::from(damaged));
    }
}
