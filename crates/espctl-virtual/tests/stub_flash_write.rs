//! The flasher stub writing flash: FLASH_BEGIN erasing as the write goes, FLASH_DATA and
//! FLASH_DEFL_DATA blocks (what it checks, what it trusts, when errors show), and
//! writes that run past the end of the chip.

mod common;

use common::{Host, begin, raw_block, stub};
use espctl_chips::BootMode;
use espctl_protocol::command::{FlashBegin, SpiParams};
use espctl_protocol::{Command, checksum};
use flate2::{Compression, write::ZlibEncoder};
use md5::{Digest, Md5};
use std::io::Write;
use std::time::Duration;

fn compress(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// Data that compresses to about a third.
fn pattern(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| ((i / 7) ^ (i.wrapping_mul(2_654_435_761) >> 29)) as u8)
        .collect()
}

/// Writes `data` at `offset` compressed, as esptool does (exact block count).
fn write_compressed(h: &mut Host, offset: u32, data: &[u8], block: usize) {
    let z = compress(data);
    let blocks = z.len().div_ceil(block) as u32;
    let a = h.command(&Command::FlashDeflBegin(FlashBegin {
        size: data.len() as u32,
        blocks,
        block_size: block as u32,
        offset,
        encrypted: Some(0),
    }));
    assert_eq!(a.body, [0, 0]);
    for (seq, chunk) in z.chunks(block).enumerate() {
        let a = h.command(&Command::FlashDeflData {
            seq: seq as u32,
            data: chunk.to_vec(),
        });
        assert_eq!(a.body, [0, 0], "block {seq}");
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
    let before = h.dev.work().flash;
    assert_eq!(
        before.sectors_erased + before.blocks_erased,
        0,
        "blank flash"
    );

    let data: Vec<u8> = (0..0x9000u32).map(|i| (i / 7) as u8).collect();
    write_compressed(&mut h, 0x8000, &data, 0x400);
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
    // 0x8000..0x10000 read blank and were skipped; the first dirty sector, 0x10000, is
    // the only one erased (the region ends there: a sector, not a block).
    let work = h.dev.work().flash;
    assert_eq!(
        (work.sectors_erased, work.blocks_erased),
        (1, 0),
        "{work:?}"
    );
}

#[test]
fn compressed_data_reaches_flash_in_32k_pieces() {
    let mut h = stub(true);
    let data = pattern(100_000);
    let z = compress(&data);
    let blocks = z.len().div_ceil(0x400) as u32;
    h.command(&Command::FlashDeflBegin(FlashBegin {
        size: data.len() as u32,
        blocks,
        block_size: 0x400,
        offset: 0,
        encrypted: Some(0),
    }));
    let mut seen = Vec::new();
    for (seq, chunk) in z.chunks(0x400).enumerate() {
        h.command(&Command::FlashDeflData {
            seq: seq as u32,
            data: chunk.to_vec(),
        });
        seen.push(h.dev.work().flash.bytes_programmed);
    }
    // The dictionary is written when it fills (32 KB) and when the stream ends.
    let last = seen.pop().unwrap();
    assert_eq!(last, data.len() as u64);
    assert!(seen.iter().all(|n| n % 0x8000 == 0), "{seen:?}");
    assert!(seen.contains(&0x8000) && seen.contains(&0x1_8000));
    assert_eq!(&h.dev.flash()[..data.len()], &data[..]);
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
    // The failed FLASH_END left the write going.
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
fn writes_past_the_chip_inside_the_announced_size_wrap_around() {
    let mut h = stub(true);
    // The client claims 8 MB on a 4 MB chip; the stub believes it.
    h.command(&Command::SpiSetParams(SpiParams::for_size(8 << 20)));
    h.command(&begin(Command::FlashBegin, 0x1000, 1, 0x40_1000));
    let mut block = vec![0x5A; 0x1000];
    block.resize(0x4000, 0xFF);
    assert_eq!(
        h.command(&Command::FlashData {
            seq: 0,
            data: block
        })
        .body,
        [0, 0]
    );
    assert_eq!(h.command(&Command::FlashEnd { reboot: false }).body, [0, 0]);
    assert!(h.dev.flash()[0x1000..0x2000].iter().all(|&b| b == 0x5A));
    assert!(h.dev.work().flash.wrapped_accesses > 0);
}

#[test]
fn the_stub_ignores_seq_and_block_size_of_flash_data() {
    let mut h = stub(true);
    h.command(&Command::FlashBegin(FlashBegin {
        size: 0x2000,
        blocks: 2,
        block_size: 0x1000,
        offset: 0x2_0000,
        encrypted: Some(0),
    }));
    // Block "1" first: it lands where the write stands, at the start.
    for (seq, fill) in [(1, 0xA1), (0, 0xB0)] {
        let a = h.command(&Command::FlashData {
            seq,
            data: vec![fill; 0x1000],
        });
        assert_eq!(a.body, [0, 0]);
    }
    assert_eq!(h.command(&Command::FlashEnd { reboot: false }).body, [0, 0]);
    assert_eq!(h.dev.flash()[0x2_0000], 0xA1);
    assert_eq!(h.dev.flash()[0x2_1000], 0xB0);
}

#[test]
fn a_compressed_stream_must_start_with_seq_zero() {
    // Only seq 0 has the zlib header parsed (`TINFL_FLAG_PARSE_ZLIB_HEADER`).
    let mut h = stub(false);
    let data = pattern(0x2000);
    let z = compress(&data);
    h.command(&Command::FlashDeflBegin(FlashBegin {
        size: data.len() as u32,
        blocks: 1,
        block_size: 0x4000,
        offset: 0,
        encrypted: Some(0),
    }));
    let a = h.command(&Command::FlashDeflData { seq: 1, data: z });
    assert_eq!(a.body, [0, 0]);
    assert_eq!(
        h.command(&Command::FlashDeflEnd { reboot: false }).body,
        [0xC7, 0]
    );
}

#[test]
fn announcing_too_few_compressed_blocks_fails_to_inflate() {
    // tinfl is told more input follows only while `blocks * block_size` bytes announced
    // at FLASH_DEFL_BEGIN are not used up.
    let mut h = stub(true);
    let data = pattern(0x8000);
    let z = compress(&data);
    assert!(z.len() > 0x800);
    h.command(&Command::FlashDeflBegin(FlashBegin {
        size: data.len() as u32,
        blocks: 1,
        block_size: 0x400,
        offset: 0,
        encrypted: Some(0),
    }));
    let a = h.command(&Command::FlashDeflData {
        seq: 0,
        data: z[..0x400].to_vec(),
    });
    assert_eq!(a.body, [0, 0]);
    let a = h.command(&Command::FlashDeflData {
        seq: 1,
        data: z[0x400..0x800].to_vec(),
    });
    assert_eq!(a.body, [0xC7, 0], "the first block already failed");
}

#[test]
fn the_stub_trusts_the_declared_length_of_a_compressed_block() {
    // `s_flash_defl_data` never compares the header's length with the frame: it
    // checksums and inflates the declared bytes.
    let mut h = stub(false);
    let data = pattern(0x1000);
    let z = compress(&data);
    h.command(&Command::FlashDeflBegin(FlashBegin {
        size: data.len() as u32,
        blocks: 1,
        block_size: 0x4000,
        offset: 0,
        encrypted: Some(0),
    }));
    // Declares 0x20 bytes, carries the whole stream: accepted, only 0x20 inflated.
    let sum = u32::from(checksum(&z[..0x20]));
    let req = raw_block(0x11, 0, 0x20, &z, sum);
    assert_eq!(h.status_of(&req, 2), [0, 0]);
    assert_eq!(
        h.command(&Command::FlashDeflEnd { reboot: false }).body,
        [0xC0, 0],
        "not every announced byte was written"
    );
}

#[test]
fn flash_data_is_accepted_in_a_compressed_write() {
    let mut h = stub(true);
    h.command(&begin(Command::FlashDeflBegin, 0x1000, 1, 0x3000));
    let a = h.command(&Command::FlashData {
        seq: 0,
        data: vec![0x42; 0x1000],
    });
    assert_eq!(a.body, [0, 0]);
    assert_eq!(
        h.command(&Command::FlashDeflEnd { reboot: false }).body,
        [0, 0]
    );
    assert!(h.dev.flash()[0x3000..0x4000].iter().all(|&b| b == 0x42));
}

#[test]
fn inflating_past_the_announced_size_fails_late_or_hangs() {
    // Inside the erased region the surplus is written and FLASH_END fails (the
    // remaining count wrapped below zero).
    let mut h = stub(false);
    let data = pattern(0x1000);
    let z = compress(&data);
    h.command(&Command::FlashDeflBegin(FlashBegin {
        size: 0x800,
        blocks: 1,
        block_size: 0x4000,
        offset: 0,
        encrypted: Some(0),
    }));
    let a = h.command(&Command::FlashDeflData { seq: 0, data: z });
    assert_eq!(a.body, [0, 0]);
    assert_eq!(
        h.command(&Command::FlashDeflEnd { reboot: false }).body,
        [0xC0, 0]
    );
    assert_eq!(&h.dev.flash()[..0x1000], &data[..]);
    // Past the erased region the stub waits for an erase that never comes.
    let data = pattern(0x3000);
    let z = compress(&data);
    h.command(&Command::FlashDeflBegin(FlashBegin {
        size: 0x800,
        blocks: 1,
        block_size: 0x4000,
        offset: 0x1_0000,
        encrypted: Some(0),
    }));
    let a = h.command(&Command::FlashDeflData { seq: 0, data: z });
    assert_eq!(a.body, [0, 0]);
    h.send(&Command::Sync);
    assert!(h.raw().is_empty(), "hung");
    h.dev.reset(BootMode::Download);
    h.raw();
    h.send(&Command::Sync);
    assert_eq!(h.answers().len(), 8, "a reset helps");
}

/// An encrypted FLASH_BEGIN of `size` bytes at `offset`, then one block of zeros.
fn encrypted_write(h: &mut Host, offset: u32, size: u32) {
    let a = h.command(&Command::FlashBegin(FlashBegin {
        size,
        blocks: 1,
        block_size: 0x1000,
        offset,
        encrypted: Some(1),
    }));
    assert_eq!(a.body, [0, 0]);
    let a = h.command(&Command::FlashData {
        seq: 0,
        data: vec![0; 0x1000],
    });
    assert_eq!(a.body, [0, 0]);
}

#[test]
fn encrypted_writes_fail_after_the_reply_where_they_cannot_be_done() {
    // ESP8266: no flash encryption (`STUB_LIB_ERR_NOT_SUPPORTED`).
    let mut h = stub(false);
    encrypted_write(&mut h, 0x1_0000, 0x1000);
    assert_eq!(h.command(&Command::ReadReg { addr: 0 }).body, [0xC4, 0]);
    assert_eq!(h.dev.flash()[0x1_0000], 0xFF);
    // ESP32: the engine encrypts whole 32-byte rows; half a row fails.
    let mut h = stub(true);
    encrypted_write(&mut h, 0x1_0010, 0x20);
    assert_eq!(h.command(&Command::ReadReg { addr: 0 }).body, [0xC4, 0]);
    assert!(h.dev.flash()[0x1_0000..0x1_1000].iter().all(|&b| b == 0xFF));
}

#[test]
fn encrypted_writes_go_through_the_blank_key_on_an_esp32() {
    let mut h = stub(true);
    encrypted_write(&mut h, 0x1_0000, 0x1000);
    assert_eq!(h.command(&Command::FlashEnd { reboot: false }).body, [0, 0]);
    let flash = h.dev.flash();
    let written = &flash[0x1_0000..0x1_1000];
    // Blank eFuses: an all-zero key no address tweaks, so every block of zeros becomes
    // the same ciphertext, which is not the plain text.
    let first = &written[..16];
    assert_ne!(first, [0u8; 16]);
    assert!(
        written.chunks(16).all(|b| b == first),
        "one key for all rows"
    );
}

#[test]
fn flash_begin_answers_after_one_erase_step_and_the_erase_runs_on() {
    let mut h = stub(true);
    // Dirty 64 KB at 0x10000.
    h.command(&begin(Command::FlashBegin, 0x1_0000, 4, 0x1_0000));
    for seq in 0..4 {
        h.command(&Command::FlashData {
            seq,
            data: vec![0; 0x4000],
        });
    }
    h.command(&Command::FlashEnd { reboot: false });
    // FLASH_BEGIN over it: a blank check of one sector, a block erase started, the
    // answer. The 150 ms of the erase come later (before the first write).
    let waited = h.dev.work().link.chip_wait;
    let a = h.command(&begin(Command::FlashBegin, 0x1_0000, 4, 0x1_0000));
    assert_eq!(a.body, [0, 0]);
    let begin_wait = h.dev.work().link.chip_wait - waited;
    assert!(begin_wait < Duration::from_millis(5), "{begin_wait:?}");
    assert_eq!(h.dev.work().flash.blocks_erased, 1);
}
