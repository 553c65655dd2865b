//! The realistic timing model seen from a host: answers arrive when the wire and the
//! chip's work allow, and the device's lower bound adds up what it must.

mod common;

use common::Host;
use espctl_chips::{esp32::ESP32, esp8266::ESP8266};
use espctl_protocol::command::FlashBegin;
use espctl_protocol::{Command, slip};
use espctl_virtual::TimingMode;
use espctl_virtual::timing::byte_time;
use std::time::Duration;

fn realistic(chip: &'static espctl_chips::Chip) -> Host {
    let mut config = common::config(chip);
    config.timing = TimingMode::Realistic;
    Host::new(config)
}

/// Reads everything the device will send, moving the clock to each byte's arrival.
/// Returns the bytes and the time the last one arrived.
fn receive_all(h: &mut Host) -> (Vec<u8>, Duration) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Some(at) = h.dev.next_output_at() {
        let now = h.dev.now();
        if at > now {
            h.clock.advance(at - now);
        }
        let n = h.dev.read(&mut buf);
        out.extend_from_slice(&buf[..n]);
    }
    (out, h.dev.now())
}

/// Uploads a stand-in for the flasher stub (any code holding its greeting) and starts it.
fn start_stub(h: &mut Host) {
    let mut text = vec![0x36u8; 0x2000];
    text[0x1F00..0x1F04].copy_from_slice(b"OHAI");
    let addr = 0x4010_C500;
    h.send(&Command::MemBegin {
        size: text.len() as u32,
        blocks: 2,
        block_size: 0x1800,
        addr,
    });
    for (seq, block) in text.chunks(0x1800).enumerate() {
        receive_all(h);
        h.send(&Command::MemData {
            seq: seq as u32,
            data: block.to_vec(),
        });
    }
    receive_all(h);
    h.send(&Command::MemEnd {
        execute: true,
        entry: addr + 4,
    });
    let (bytes, _) = receive_all(h);
    assert_eq!(frames(&bytes).last().unwrap(), b"OHAI");
}

fn frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    slip::Decoder::new()
        .feed(bytes)
        .into_iter()
        .map(|f| f.unwrap())
        .collect()
}

#[test]
fn sync_answers_take_their_wire_time_and_not_a_moment_less() {
    let mut h = realistic(&ESP8266);
    let request = slip::encode(&Command::Sync.to_request().encode());
    h.dev.write(&request);
    // Nothing can be read before the request has crossed the line.
    assert_eq!(h.dev.read(&mut [0u8; 64]), 0);
    let (bytes, done) = receive_all(&mut h);
    assert_eq!(frames(&bytes).len(), 8);
    let bt = byte_time(115_200);
    assert_eq!(done, bt * (request.len() + bytes.len()) as u32);
    let link = h.dev.work().link;
    assert_eq!(link.chip_wait, Duration::ZERO);
    assert_eq!(link.lower_bound(), done);
}

#[test]
fn the_rom_answers_flash_begin_after_erasing() {
    let mut h = realistic(&ESP32);
    h.send(&Command::SpiAttach {
        config: 0,
        rom_form: true,
    });
    receive_all(&mut h);
    // Make the region dirty so that the erase is real work: 64 KB at a block boundary.
    h.send(&Command::FlashBegin(FlashBegin {
        size: 0x1_0000,
        blocks: 64,
        block_size: 0x400,
        offset: 0x1_0000,
        encrypted: None,
    }));
    let (_, before) = receive_all(&mut h);
    let wait_before = h.dev.work().link.chip_wait;
    assert_eq!(
        wait_before,
        Duration::from_millis(150),
        "one 64 KB block erase"
    );
    // The next command is answered at once: the ROM did its work before answering.
    h.send(&Command::ReadReg { addr: 0x4000_1000 });
    let (bytes, after) = receive_all(&mut h);
    assert_eq!(frames(&bytes).len(), 1);
    assert_eq!(h.dev.work().link.chip_wait, wait_before);
    assert!(after > before);
}

#[test]
fn the_stub_writes_a_block_while_the_next_arrives_and_md5_takes_a_second_per_mb() {
    let mut h = realistic(&ESP8266);
    start_stub(&mut h);
    let data = vec![0x5Au8; 0x4000 * 4];
    h.send(&Command::FlashBegin(FlashBegin {
        size: data.len() as u32,
        blocks: 4,
        block_size: 0x4000,
        offset: 0,
        encrypted: Some(0),
    }));
    receive_all(&mut h);
    let waited = h.dev.work().link.chip_wait;
    for (seq, block) in data.chunks(0x4000).enumerate() {
        h.send(&Command::FlashData {
            seq: seq as u32,
            data: block.to_vec(),
        });
        receive_all(&mut h);
    }
    // Each 16 KB block takes 1.4 s on the wire at 115200 and 45 ms to program: the
    // stub answers at once and the writes hide behind the next block's transfer.
    assert_eq!(h.dev.work().link.chip_wait, waited);
    h.send(&Command::FlashEnd { reboot: false });
    receive_all(&mut h);
    // FLASH_END waits for what is left of the last block's 64 page programs (0.7 ms
    // each) once its own 14 bytes have arrived.
    let last = h.dev.work().link.chip_wait - waited;
    let program = Duration::from_micros(700) * 64;
    assert!(
        last <= program + Duration::from_millis(2) && last >= program - byte_time(115_200) * 16,
        "{last:?}"
    );
    let before = h.dev.work().link.chip_wait;
    h.send(&Command::SpiFlashMd5 {
        addr: 0,
        size: 1_000_000,
    });
    receive_all(&mut h);
    assert_eq!(h.dev.work().link.chip_wait - before, Duration::from_secs(1));
    assert_eq!(&h.dev.flash()[..data.len()], &data[..]);
    assert_eq!(h.dev.work().link.frames_lost, 0);
}

#[test]
fn a_host_that_sends_three_blocks_at_once_loses_one() {
    // Flash full of data: each 16 KB block needs four sector erases (180 ms) before its
    // 45 ms of programming, longer than the 82 ms the next block takes on the wire at
    // 2 Mbaud.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flash.bin");
    std::fs::write(&path, vec![0u8; 4 << 20]).unwrap();
    let mut config = common::config(&ESP8266);
    config.timing = TimingMode::Realistic;
    config.flash_file = Some(path);
    let mut h = Host::new(config);
    start_stub(&mut h);
    h.send(&Command::ChangeBaudrate {
        new_baud: 2_000_000,
        old_baud: 115_200,
    });
    receive_all(&mut h);
    let mut wire = Vec::new();
    h.send(&Command::FlashBegin(FlashBegin {
        size: 0x4000 * 3,
        blocks: 3,
        block_size: 0x4000,
        offset: 0,
        encrypted: Some(0),
    }));
    receive_all(&mut h);
    for seq in 0..3u32 {
        let cmd = Command::FlashData {
            seq,
            data: vec![0u8; 0x4000],
        };
        wire.extend(slip::encode(&cmd.to_request().encode()));
    }
    h.dev.write(&wire);
    let (bytes, _) = receive_all(&mut h);
    let work = h.dev.work();
    // Two receive buffers: the third block arrives while the first is being written
    // and the second waits, so it is lost and never answered.
    assert_eq!(work.link.frames_lost, 1);
    assert_eq!(frames(&bytes).len(), 2);
}
