//! `virtual:` port names and the adapter model, at the byte level.

use espctl_protocol::{Command, slip};
use espctl_transport::{LineError, Transport};
use espctl_virtual_port::{LineTap, Wiring, open};
use std::time::Duration;

fn sync_frame() -> Vec<u8> {
    slip::encode(&Command::Sync.to_request().encode())
}

/// Frames the port delivers within a few read timeouts.
fn frames(port: &mut dyn Transport) -> Vec<Vec<u8>> {
    let mut decoder = slip::Decoder::new();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    for _ in 0..4 {
        let n = port.read(&mut buf, Duration::from_millis(50)).unwrap();
        out.extend(decoder.feed(&buf[..n]).into_iter().flatten());
    }
    out
}

#[test]
fn a_rom_answers_sync_eight_times() {
    let mut port = open("esp32", 115_200).unwrap();
    assert_eq!(port.name(), "virtual:esp32");
    port.write_all(&sync_frame()).unwrap();
    assert_eq!(frames(&mut port).len(), 8);
}

#[test]
fn bad_names_say_what_to_use() {
    for (spec, says) in [
        ("esp9999", "use virtual:esp8266 or virtual:esp32"),
        ("esp32?flash-size=3MB", "virtual:esp32?flash-size=3MB"),
        ("esp32?speed=fast", "unknown option 'speed'"),
        ("esp32?lines=some", "use none or dtr-rts"),
        ("esp8266?mac=zz", "virtual:esp8266?mac=zz"),
        ("esp32?max-baud=fast", "is not a number"),
    ] {
        let err = open(spec, 115_200).err().unwrap();
        assert!(err.contains(says), "{spec}: {err}");
        assert!(!err.contains('\n'), "{spec}: one line");
    }
}

#[test]
fn options_shape_the_chip_and_the_adapter() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flash.img");
    let spec = format!(
        "esp8266?flash-size=1MB&flash-file={}&lines=none",
        file.display()
    );
    let mut port = open(&spec, 115_200).unwrap();
    assert_eq!(port.chip().device().flash().len(), 1 << 20);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 1 << 20);
    assert!(matches!(port.set_dtr(true), Err(LineError::Unsupported)));
    assert!(matches!(
        port.set_dtr_rts(true, false),
        Err(LineError::Unsupported)
    ));
}

#[test]
fn above_the_adapters_rate_no_frame_survives() {
    let mut port = open("esp32?max-baud=460800", 115_200).unwrap();
    port.set_baud(921_600).unwrap();
    port.write_all(&sync_frame()).unwrap();
    assert!(frames(&mut port).is_empty());
    port.set_baud(460_800).unwrap();
    port.write_all(&sync_frame()).unwrap();
    assert_eq!(frames(&mut port).len(), 8);
}

#[test]
fn a_port_refuses_rates_above_its_limit() {
    let mut port = open("esp32", 115_200).unwrap().wired(Wiring {
        refuses_above: Some(460_800),
        ..Wiring::default()
    });
    assert!(port.set_baud(921_600).is_err());
    assert_eq!(port.baud(), 115_200);
    assert!(port.set_baud(460_800).is_ok());
}

#[test]
fn a_dead_tx_line_reaches_nothing() {
    let mut port = open("esp32", 115_200).unwrap().wired(Wiring {
        host_tx: false,
        ..Wiring::default()
    });
    port.write_all(&sync_frame()).unwrap();
    assert!(frames(&mut port).is_empty());
}

/// Answers SYNC once in the chip's place and marks every frame the chip sends.
struct AnswerAndMark;

impl LineTap for AnswerAndMark {
    fn host_frame(&mut self, frame: &[u8]) -> Option<Vec<u8>> {
        (frame[1] == 0x08).then(|| vec![1, 0x08, 0, 0, 0, 0, 0, 0, 0xAA, 0xAA])
    }
    fn chip_frame(&mut self, frame: &mut Vec<u8>) {
        frame.push(0x55);
    }
}

#[test]
fn a_tap_answers_for_the_chip_and_changes_its_replies() {
    let mut port = open("esp32", 115_200).unwrap().tapped(AnswerAndMark);
    port.write_all(&sync_frame()).unwrap();
    assert_eq!(
        frames(&mut port),
        vec![vec![1, 0x08, 0, 0, 0, 0, 0, 0, 0xAA, 0xAA]],
        "the chip never heard the SYNC"
    );
    // READ_REG reaches the chip; its reply comes back marked.
    let read = Command::ReadReg {
        addr: espctl_chips::CHIP_DETECT_MAGIC_REG,
    };
    port.write_all(&slip::encode(&read.to_request().encode()))
        .unwrap();
    let replies = frames(&mut port);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0][1], 0x0A);
    assert_eq!(replies[0].last(), Some(&0x55));
}
