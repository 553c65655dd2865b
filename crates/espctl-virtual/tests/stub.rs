//! The flasher stub personality, driven through the public `Device` API.

mod common;

use common::Host;
use espctl_protocol::command::{FlashBegin, SpiParams};
use espctl_protocol::{Command, Request, slip};
use espctl_virtual::DeviceState;
use flate2::{Compression, write::ZlibEncoder};
use md5::{Digest, Md5};
use std::io::Write;

fn stub(esp32: bool) -> Host {
    let mut h = if esp32 {
        Host::esp32()
    } else {
        Host::esp8266()
    };
    h.start_stub();
    assert_eq!(h.dev.state(), DeviceState::Stub);
    h
}

fn begin(cmd: fn(FlashBegin) -> Command, size: u32, blocks: u32, offset: u32) -> Command {
    cmd(FlashBegin {
        size,
        blocks,
        block_size: 0x4000,
        offset,
        encrypted: Some(0),
    })
}

fn compress(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

#[test]
fn stub_syncs_with_value_zero_and_two_status_bytes() {
    for esp32 in [false, true] {
        let mut h = stub(esp32);
        h.send(&Command::Sync);
        let a = h.answers();
        assert_eq!(a.len(), 8);
        assert!(a.iter().all(|r| r.value == 0 && r.body == [0, 0]));
        // Unknown opcodes: "invalid command"; plugin opcodes: "not implemented".
        h.send_request(&Request {
            op: 0x77,
            checksum: 0,
            data: vec![],
        });
        assert_eq!(h.answers()[0].body, [0xC3, 0x00]);
        h.send_request(&Request {
            op: 0xD5,
            checksum: 0,
            data: vec![],
        });
        assert_eq!(h.answers()[0].body, [0xFF, 0x00]);
        // The ESP8266 and ESP32 stubs have no security info (no ROM support).
        assert_eq!(h.command(&Command::GetSecurityInfo).body, [0xFF, 0x00]);
    }
}

#[test]
fn compressed_write_erases_just_in_time_and_md5_is_raw() {
    let mut h = stub(false);
    // Something old in the flash after the image: must survive.
    let a = h.command(&begin(Command::FlashBegin, 0x3000, 1, 0x1_0000));
    assert_eq!(a.body, [0, 0]);
    let mut old = vec![0x00u8; 0x3000];
    old.resize(0x4000, 0xFF);
    let a = h.command(&Command::FlashData { seq: 0, data: old });
    assert_eq!(a.body, [0, 0]);
    assert_eq!(h.command(&Command::FlashEnd { reboot: false }).body, [0, 0]);

    let data: Vec<u8> = (0..0x9000u32).map(|i| (i / 7) as u8).collect();
    let z = compress(&data);
    let blocks = z.len().div_ceil(0x400) as u32;
    let a = h.command(&Command::FlashDeflBegin(FlashBegin {
        size: data.len() as u32,
        blocks,
        block_size: 0x400,
        offset: 0x8000,
        encrypted: Some(0),
    }));
    assert_eq!(a.body, [0, 0]);
    for (seq, chunk) in z.chunks(0x400).enumerate() {
        let a = h.command(&Command::FlashDeflData {
            seq: seq as u32,
            data: chunk.to_vec(),
        });
        assert_eq!(a.body, [0, 0], "block {seq}");
    }
    assert_eq!(
        h.command(&Command::FlashDeflEnd { reboot: false }).body,
        [0, 0]
    );
    let flash = h.dev.flash();
    assert_eq!(&flash[0x8000..0x1_1000], &data[..]);
    assert!(
        flash[0x1_1000..0x1_3000].iter().all(|&b| b == 0),
        "old data after the image"
    );
    let a = h.command(&Command::SpiFlashMd5 {
        addr: 0x8000,
        size: data.len() as u32,
    });
    assert_eq!(a.data(2), Md5::digest(&data).as_slice());
    assert_eq!(a.status(2), [0, 0]);
    // Blank sectors in front of the first dirty one were not erased.
    let work = h.dev.work().flash;
    assert!(
        work.sectors_erased + work.blocks_erased * 16 <= 2,
        "{work:?}"
    );
}

#[test]
fn flash_end_wants_every_announced_byte() {
    let mut h = stub(true);
    h.command(&begin(Command::FlashBegin, 0x5000, 2, 0));
    h.command(&Command::FlashData {
        seq: 0,
        data: vec![1; 0x4000],
    });
    assert_eq!(
        h.command(&Command::FlashEnd { reboot: false }).body,
        [0xC0, 0]
    );
    // Not in flash mode any more? It still is: the write goes on.
    assert_eq!(
        h.command(&Command::FlashData {
            seq: 1,
            data: vec![2; 0x4000]
        })
        .body,
        [0, 0]
    );
    assert_eq!(h.command(&Command::FlashEnd { reboot: false }).body, [0, 0]);
    assert_eq!(h.dev.flash()[0x4FFF], 2);
    assert_eq!(
        h.dev.flash()[0x5000],
        0xFF,
        "padding beyond the size is dropped"
    );
    // Without a begin: "not in flash mode".
    assert_eq!(
        h.command(&Command::FlashEnd { reboot: false }).body,
        [0xC6, 0]
    );
    assert_eq!(
        h.command(&Command::FlashData {
            seq: 0,
            data: vec![0; 16]
        })
        .body,
        [0xC6, 0]
    );
}

#[test]
fn errors_after_the_reply_are_reported_by_the_next_command() {
    let mut h = stub(false);
    // Tell the stub the flash is bigger than it is... no: make it smaller, then write past it.
    h.command(&Command::SpiSetParams(SpiParams::for_size(1 << 20)));
    h.command(&begin(Command::FlashBegin, 0x4000, 1, 0xFF000));
    // The block is acknowledged before it is written; the write then fails.
    let a = h.command(&Command::FlashData {
        seq: 0,
        data: vec![0; 0x4000],
    });
    assert_eq!(a.body, [0, 0]);
    // The next command gets the error and is not executed.
    let a = h.command(&Command::ReadReg { addr: 0x4000_1000 });
    assert_eq!(
        (a.op, a.value, a.body.as_slice()),
        (0x0A, 0, &[0xC4u8, 0][..])
    );
    // After that, business as usual.
    assert_eq!(h.read_reg(0x4000_1000), 0xFFF0_C101);

    // Corrupt compressed data: the inflate error arrives one command late.
    h.command(&begin(Command::FlashDeflBegin, 0x1000, 1, 0));
    let a = h.command(&Command::FlashDeflData {
        seq: 0,
        data: vec![0x78, 0xDA, 0xFF, 0xFF, 0xFF, 0xFF],
    });
    assert_eq!(a.body, [0, 0]);
    let a = h.command(&Command::FlashDeflEnd { reboot: false });
    assert_eq!(a.body, [0xC7, 0]);
}

#[test]
fn bad_checksum_and_bad_lengths_get_stub_codes() {
    let mut h = stub(true);
    h.command(&begin(Command::FlashBegin, 0x4000, 1, 0));
    let mut req = Command::FlashData {
        seq: 0,
        data: vec![7; 0x4000],
    }
    .to_request();
    req.checksum ^= 1;
    h.send_request(&req);
    assert_eq!(h.answers()[0].body, [0xC1, 0]);
    assert!(h.dev.flash()[..0x4000].iter().all(|&b| b == 0xFF));
    h.send_request(&Request {
        op: 0x0A,
        checksum: 0,
        data: vec![0; 8],
    });
    assert_eq!(h.answers()[0].body, [0xC0, 0]);
    // The stub takes only the 4-byte SPI_ATTACH.
    let rom_form = Command::SpiAttach {
        config: 0,
        rom_form: true,
    };
    assert_eq!(h.command(&rom_form).body, [0xC0, 0]);
    let stub_form = Command::SpiAttach {
        config: 0,
        rom_form: false,
    };
    assert_eq!(h.command(&stub_form).body, [0, 0]);
    // A frame whose header length disagrees with its size.
    let mut frame = Command::ReadReg { addr: 0 }.to_request().encode();
    frame.push(0);
    h.dev.write(&slip::encode(&frame));
    assert_eq!(h.answers()[0].body, [0xC0, 0]);
}

#[test]
fn read_flash_streams_one_packet_per_ack_then_the_digest() {
    let mut h = stub(false);
    let data: Vec<u8> = (0..0x2800u32).map(|i| (i * 31) as u8).collect();
    h.command(&begin(Command::FlashBegin, data.len() as u32, 1, 0x2000));
    let mut block = data.clone();
    block.resize(0x4000, 0xFF);
    h.command(&Command::FlashData {
        seq: 0,
        data: block,
    });
    h.command(&Command::FlashEnd { reboot: false });

    h.send(&Command::ReadFlash {
        offset: 0x2000,
        len: data.len() as u32,
        packet_size: 0x1000,
        max_in_flight: 64,
    });
    let frames = h.frames();
    assert_eq!(
        frames.len(),
        2,
        "reply and exactly one packet before an ack"
    );
    assert_eq!(&frames[0][..2], &[1, 0xD2]);
    let mut got = frames[1].clone();
    assert_eq!(got.len(), 0x1000);
    while got.len() < data.len() {
        h.dev
            .write(&slip::encode(&(got.len() as u32).to_le_bytes()));
        let f = h.frames();
        assert_eq!(f.len(), 1);
        got.extend_from_slice(&f[0]);
    }
    assert_eq!(got, data);
    // The digest follows the last ack.
    assert!(h.frames().is_empty());
    h.dev
        .write(&slip::encode(&(got.len() as u32).to_le_bytes()));
    let f = h.frames();
    assert_eq!(f, vec![Md5::digest(&data).to_vec()]);
    // Commands work again.
    assert_eq!(h.read_reg(0x4000_1000), 0xFFF0_C101);
}

#[test]
fn read_flash_with_a_too_big_packet_fails_on_the_next_command() {
    let mut h = stub(true);
    let a = h.command(&Command::ReadFlash {
        offset: 0,
        len: 0x2000,
        packet_size: 0x2000,
        max_in_flight: 1,
    });
    assert_eq!(a.body, [0, 0]);
    assert_eq!(h.command(&Command::ReadReg { addr: 0 }).body, [0xC0, 0]);
}

#[test]
fn erase_commands() {
    let mut h = stub(false);
    h.command(&begin(Command::FlashBegin, 0x4000, 1, 0x1_0000));
    h.command(&Command::FlashData {
        seq: 0,
        data: vec![0; 0x4000],
    });
    h.command(&Command::FlashEnd { reboot: false });
    let a = h.command(&Command::EraseRegion {
        offset: 0x1_1000,
        size: 0x800,
    });
    assert_eq!(a.body, [0xC0, 0], "size not a sector multiple");
    let a = h.command(&Command::EraseRegion {
        offset: 0x1_1000,
        size: 0x2000,
    });
    assert_eq!(a.body, [0, 0]);
    let f = h.dev.flash();
    assert_eq!(f[0x1_0FFF], 0);
    assert!(f[0x1_1000..0x1_3000].iter().all(|&b| b == 0xFF));
    assert_eq!(f[0x1_3000], 0);
    assert_eq!(h.command(&Command::EraseFlash).body, [0, 0]);
    assert!(h.dev.flash().iter().all(|&b| b == 0xFF));
    assert_eq!(
        h.command(&Command::EraseRegion {
            offset: 0x40_0000,
            size: 0x1000
        })
        .body,
        [0xC4, 0]
    );
}

#[test]
fn leaving_the_stub() {
    // FLASH_END asking to reboot: answered, then the ROM loader is back.
    let mut h = stub(true);
    h.command(&begin(Command::FlashBegin, 0, 0, 0));
    h.send(&Command::FlashEnd { reboot: true });
    let raw = h.raw();
    assert!(String::from_utf8_lossy(&raw).contains("waiting for download"));
    assert_eq!(h.dev.state(), DeviceState::RomLoader);
    // RUN_USER_CODE: no answer, the program runs.
    let mut h = stub(false);
    h.send(&Command::RunUserCode);
    let raw = h.raw();
    assert!(!raw.contains(&0xC0), "no reply frame: {raw:02x?}");
    assert!(String::from_utf8_lossy(&raw).contains("boot mode:(3,6)"));
    assert_eq!(h.dev.state(), DeviceState::RunningFlash);
}

#[test]
fn baud_change_takes_effect_after_the_reply() {
    let mut h = stub(false);
    h.dev.set_baud(115_200);
    let a = h.command(&Command::ChangeBaudrate {
        new_baud: 921_600,
        old_baud: 115_200,
    });
    assert_eq!(a.body, [0, 0], "the reply comes at the old rate");
    // The host has not switched yet: the chip hears garbage and says nothing.
    h.send(&Command::ReadReg { addr: 0x4000_1000 });
    assert!(h.raw().is_empty());
    h.dev.set_baud(921_600);
    assert_eq!(h.read_reg(0x4000_1000), 0xFFF0_C101);
}

#[test]
fn ram_code_without_the_greeting_runs_silently() {
    let mut h = Host::esp32();
    h.command(&Command::MemBegin {
        size: 16,
        blocks: 1,
        block_size: 0x1800,
        addr: 0x4009_0000,
    });
    h.command(&Command::MemData {
        seq: 0,
        data: vec![0x36; 16],
    });
    h.send(&Command::MemEnd {
        execute: true,
        entry: 0x4009_0000,
    });
    let a = h.answers();
    assert_eq!(a.len(), 1, "MEM_END answered, no OHAI");
    assert_eq!(h.dev.state(), DeviceState::RunningRam);
    assert_eq!(h.dev.work().boots, 1);
}
