//! The flasher stub personality (esp-flasher-stub v1.1.0, `src/command_handler.c`),
//! driven through the public `Device` API: what a well-behaved client sees, and what
//! happens to clients that misbehave the way real hardware punishes.

mod common;

use common::Host;
use espctl_chips::BootMode;
use espctl_chips::esp32::ESP32;
use espctl_protocol::command::{FlashBegin, RegWrite, SpiParams};
use espctl_protocol::{Command, Request, checksum, slip};
use espctl_virtual::{DeviceState, TimingMode};
use flate2::{Compression, write::ZlibEncoder};
use md5::{Digest, Md5};
use std::io::Write;
use std::time::Duration;

const MAGIC_REG: u32 = 0x4000_1000;
const ESP8266_MAGIC: u32 = 0xFFF0_C101;

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

/// Data that compresses to about a third.
fn pattern(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| ((i / 7) ^ (i.wrapping_mul(2_654_435_761) >> 29)) as u8)
        .collect()
}

/// A data block request whose header declares `declared` bytes, whatever it carries.
fn raw_block(op: u8, seq: u32, declared: u32, payload: &[u8], sum: u32) -> Request {
    let mut data = Vec::new();
    for w in [declared, seq, 0, 0] {
        data.extend_from_slice(&w.to_le_bytes());
    }
    data.extend_from_slice(payload);
    Request {
        op,
        checksum: sum,
        data,
    }
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

fn frames_lost(h: &Host) -> u64 {
    h.dev.work().link.frames_lost
}

#[test]
fn stub_syncs_with_value_zero_and_two_status_bytes() {
    for esp32 in [false, true] {
        let mut h = stub(esp32);
        h.send(&Command::Sync);
        let a = h.answers();
        assert_eq!(a.len(), 8);
        assert!(a.iter().all(|r| r.value == 0 && r.body == [0, 0]));
        // Unknown opcodes: "invalid command"; the plugin table (0xD5..=0xEF,
        // plugin_table.h): "not implemented".
        for (op, code) in [(0x77, 0xC3), (0xD4, 0xC3), (0xD5, 0xFF), (0xEF, 0xFF)] {
            let req = Request {
                op,
                checksum: 0,
                data: vec![],
            };
            assert_eq!(h.status_of(&req, 2), [code, 0x00], "op 0x{op:02x}");
        }
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
fn errors_after_the_reply_are_reported_by_the_next_command() {
    let mut h = stub(false);
    // Tell the stub the flash is 1 MB, then write across that end.
    h.command(&Command::SpiSetParams(SpiParams::for_size(1 << 20)));
    h.command(&begin(Command::FlashBegin, 0x4000, 1, 0xFF000));
    // The block is acknowledged before it is written; the write then fails.
    let a = h.command(&Command::FlashData {
        seq: 0,
        data: vec![0; 0x4000],
    });
    assert_eq!(a.body, [0, 0]);
    // The next command gets the error and is not executed.
    let a = h.command(&Command::ReadReg { addr: MAGIC_REG });
    assert_eq!(
        (a.op, a.value, a.body.as_slice()),
        (0x0A, 0, &[0xC4u8, 0][..])
    );
    // After that, business as usual.
    assert_eq!(h.read_reg(MAGIC_REG), ESP8266_MAGIC);

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
    assert_eq!(h.status_of(&req, 2), [0xC1, 0]);
    // The stub compares the whole 32-bit field (`s_validate_checksum`): a right low
    // byte with anything above it is a bad checksum too.
    req.checksum ^= 1;
    req.checksum |= 0x0100_0000;
    assert_eq!(h.status_of(&req, 2), [0xC1, 0]);
    assert!(h.dev.flash()[..0x4000].iter().all(|&b| b == 0xFF));
    // Exact payload sizes (commands.h): READ_REG with 8 bytes is a bad length.
    let long = Request {
        op: 0x0A,
        checksum: 0,
        data: vec![0; 8],
    };
    assert_eq!(h.status_of(&long, 2), [0xC0, 0]);
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
    // Short data blocks: FLASH_DATA "not enough data", FLASH_DEFL_DATA "bad length".
    for (op, code) in [(0x03, 0xC8), (0x11, 0xC0), (0x07, 0xC8), (0x09, 0xC8)] {
        let req = Request {
            op,
            checksum: 0,
            data: vec![0; 12],
        };
        assert_eq!(h.status_of(&req, 2), [code, 0], "op 0x{op:02x}");
    }
    // A block longer than its header says: "too much data".
    let req = raw_block(0x03, 0, 4, &[1; 8], u32::from(checksum(&[1; 8])));
    assert_eq!(h.status_of(&req, 2), [0xC9, 0]);
}

#[test]
fn lengths_are_checked_before_the_state_and_flash_begin_has_two_forms() {
    let mut h = stub(true);
    // FLASH_END outside a write: a wrong length is reported first, then the state.
    let end = |len: usize| Request {
        op: 0x04,
        checksum: 0,
        data: vec![0; len],
    };
    assert_eq!(h.status_of(&end(8), 2), [0xC0, 0]);
    assert_eq!(h.status_of(&end(4), 2), [0xC6, 0]);
    // The same for MEM_END.
    let mem_end = |len: usize| Request {
        op: 0x06,
        checksum: 0,
        data: vec![0; len],
    };
    assert_eq!(h.status_of(&mem_end(4), 2), [0xC0, 0]);
    assert_eq!(h.status_of(&mem_end(8), 2), [0xC6, 0]);
    // FLASH_BEGIN takes 16 bytes (no encrypted word) and 20; nothing else.
    for (len, code) in [(12, 0xC0), (16, 0), (20, 0), (24, 0xC0)] {
        let mut data = Vec::new();
        for w in [0x1000u32, 1, 0x4000, 0, 0, 0] {
            data.extend_from_slice(&w.to_le_bytes());
        }
        data.truncate(len);
        let req = Request {
            op: 0x02,
            checksum: 0,
            data,
        };
        assert_eq!(h.status_of(&req, 2), [code, 0], "{len} bytes");
    }
    // SPI_SET_PARAMS wants its six words exactly.
    let mut params = Command::SpiSetParams(SpiParams::for_size(4 << 20)).to_request();
    assert_eq!(h.status_of(&params, 2), [0, 0]);
    params.data.push(0);
    assert_eq!(h.status_of(&params, 2), [0xC0, 0]);
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
    assert_eq!(h.read_reg(MAGIC_REG), ESP8266_MAGIC);
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
fn read_flash_with_packet_size_zero_sends_empty_frames_forever() {
    let mut h = stub(false);
    let a = h.command(&Command::ReadFlash {
        offset: 0,
        len: 0x100,
        packet_size: 0,
        max_in_flight: 1,
    });
    assert_eq!(a.body, [0, 0]);
    // The packet already sent with the reply was empty.
    for _ in 0..3 {
        h.dev.write(&slip::encode(&0u32.to_le_bytes()));
        assert_eq!(h.raw(), [0xC0, 0xC0], "another empty packet");
    }
    // Only a frame that is not an acknowledgement ends it: the digest of nothing.
    h.send(&Command::Sync);
    assert_eq!(h.frames(), vec![Md5::digest(b"").to_vec()]);
}

#[test]
fn erase_commands_and_addresses_that_wrap_around_the_chip() {
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
    assert_eq!(h.dev.work().flash.wrapped_accesses, 0);
    // ERASE_REGION is not checked against the flash size: the address reaches the chip
    // as `addr & 0xFFFFFF`, and a 4 MB chip ignores the bits above 22. Erasing "4 MB +
    // 0x10000" erases 0x10000.
    let a = h.command(&Command::EraseRegion {
        offset: 0x41_0000,
        size: 0x1000,
    });
    assert_eq!(a.body, [0, 0]);
    assert_eq!(h.dev.flash()[0x1_0000], 0xFF);
    assert_eq!(h.dev.work().flash.wrapped_accesses, 1);
    assert_eq!(h.command(&Command::EraseFlash).body, [0, 0]);
    assert!(h.dev.flash().iter().all(|&b| b == 0xFF));
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
fn the_stub_stays_after_flash_end_with_reboot_and_run_user_code() {
    // v1.1.0 `s_flash_end`: "If reboot flag is set ... // TODO: Implement reboot".
    let mut h = stub(true);
    h.command(&begin(Command::FlashBegin, 0, 0, 0));
    assert_eq!(h.command(&Command::FlashEnd { reboot: true }).body, [0, 0]);
    assert_eq!(h.dev.state(), DeviceState::Stub);
    h.send(&Command::Sync);
    assert!(h.answers().iter().all(|a| a.value == 0), "still the stub");
    // RUN_USER_CODE: "This command does not send response", and nothing happens.
    let mut h = stub(false);
    h.send(&Command::RunUserCode);
    assert!(h.raw().is_empty(), "no reply");
    assert_eq!(h.dev.state(), DeviceState::Stub);
    assert_eq!(h.read_reg(MAGIC_REG), ESP8266_MAGIC);
    // Only a reset leaves the stub.
    h.dev.reset(BootMode::Download);
    assert_eq!(h.dev.state(), DeviceState::RomLoader);
}

#[test]
fn esp8266_stub_switches_after_its_pause_and_scales_the_divider_it_finds() {
    let mut h = stub(false);
    h.dev.set_baud(115_200);
    let a = h.command(&Command::ChangeBaudrate {
        new_baud: 921_600,
        old_baud: 115_200,
    });
    assert_eq!(a.body, [0, 0], "the reply comes at the old rate");
    // The stub waits 5 ms, switches, waits 5 ms (esp-stub-lib uart.c). A host that
    // switches and talks at once is heard at the old rate: garbage, no answer.
    h.dev.set_baud(921_600);
    let lost = frames_lost(&h);
    h.send(&Command::ReadReg { addr: MAGIC_REG });
    assert!(h.raw().is_empty());
    assert!(frames_lost(&h) > lost);
    // 10 ms later it listens at 52 MHz / (451 * 115200 / 921600) = 928571 baud.
    h.wait_ms(10);
    assert_eq!(h.read_reg(MAGIC_REG), ESP8266_MAGIC);
    // A second change: the ESP8266 stub scales the divider it finds as if the line ran
    // at 115200 (target/esp8266/src/uart.c): 56 * 115200 / 460800 = 14, 3.7 Mbaud.
    let a = h.command(&Command::ChangeBaudrate {
        new_baud: 460_800,
        old_baud: 921_600,
    });
    assert_eq!(a.body, [0, 0]);
    h.dev.set_baud(460_800);
    h.wait_ms(50);
    h.send(&Command::ReadReg { addr: MAGIC_REG });
    assert!(h.frames().is_empty(), "the chip is not at 460800");
}

#[test]
fn esp32_stub_runs_the_uart_from_80_mhz_and_changes_rate_twice() {
    let mut h = stub(true);
    h.dev.set_baud(115_200);
    // The stub moved the UART to the 80 MHz APB clock: the divider no longer tells the
    // crystal (esptool stops reading it once the stub runs).
    let clkdiv = h.read_reg(ESP32.uart_clkdiv_reg);
    assert_eq!(clkdiv & 0xF_FFFF, 80_000_000 / 115_200);
    for (new, old) in [(921_600, 115_200), (460_800, 921_600)] {
        let a = h.command(&Command::ChangeBaudrate {
            new_baud: new,
            old_baud: old,
        });
        assert_eq!(a.body, [0, 0]);
        h.dev.set_baud(new);
        h.wait_ms(50);
        assert_eq!(
            h.read_reg(ESP32.uart_clkdiv_reg) & 0xF_FFFF,
            80_000_000 / new
        );
    }
}

#[test]
fn pipelined_frames_beyond_the_second_buffer_are_lost() {
    let mut h = stub(false);
    // Three requests without waiting: the stub takes ERASE_FLASH (10 s) and receives
    // READ_REG into its second buffer; SYNC finds no buffer (frame_buffer.c).
    let mut burst = Vec::new();
    for cmd in [
        Command::EraseFlash,
        Command::ReadReg { addr: MAGIC_REG },
        Command::Sync,
    ] {
        burst.extend(slip::encode(&cmd.to_request().encode()));
    }
    let lost = frames_lost(&h);
    h.dev.write(&burst);
    let ops: Vec<u8> = h.answers().iter().map(|a| a.op).collect();
    assert_eq!(ops, [0xD0, 0x0A], "SYNC was lost");
    assert_eq!(frames_lost(&h), lost + 1);
    // Asked again after the answers, it works.
    h.send(&Command::Sync);
    assert_eq!(h.answers().len(), 8);
}

#[test]
fn a_lost_frame_can_leave_the_receiver_out_of_step_until_a_lone_c0() {
    let mut h = stub(false);
    // ERASE_REGION keeps the stub busy 45 ms; READ_REG waits in the second buffer; a
    // long WRITE_REG starts while no buffer is armed and is ignored, but its closing C0
    // arrives after the stub took READ_REG and opens a frame (slip.c). SYNC's first C0
    // then closes that frame empty, and SYNC is ignored too.
    let writes: Vec<RegWrite> = (0..40)
        .map(|i| RegWrite {
            addr: 0x3FFE_8000 + 4 * i,
            value: i,
            mask: u32::MAX,
            delay_us: 0,
        })
        .collect();
    let mut burst = Vec::new();
    for cmd in [
        Command::EraseRegion {
            offset: 0x1_0000,
            size: 0x1000,
        },
        Command::ReadReg { addr: MAGIC_REG },
        Command::WriteReg(writes),
        Command::Sync,
    ] {
        burst.extend(slip::encode(&cmd.to_request().encode()));
    }
    let lost = frames_lost(&h);
    h.dev.write(&burst);
    let ops: Vec<u8> = h.answers().iter().map(|a| a.op).collect();
    assert_eq!(ops, [0xD1, 0x0A]);
    assert_eq!(frames_lost(&h), lost + 2);
    h.wait_ms(100);
    h.send(&Command::Sync);
    assert!(h.answers().is_empty(), "still out of step");
    // A lone C0 closes the open (empty) frame; the next frame comes through.
    h.dev.write(&[0xC0]);
    h.send(&Command::Sync);
    assert_eq!(h.answers().len(), 8);
}

#[test]
fn frames_longer_than_the_stub_buffer_are_dropped_without_an_answer() {
    let mut h = stub(true);
    h.command(&begin(Command::FlashBegin, 0x8000, 2, 0));
    // 16 + 0x4100 bytes of payload: more than 8 + 0x4000 + 0xFF (frame_buffer.h).
    h.send(&Command::FlashData {
        seq: 0,
        data: vec![0x11; 0x4100],
    });
    assert!(h.raw().is_empty());
    assert!(h.dev.flash()[..0x4100].iter().all(|&b| b == 0xFF));
    // The dropped frame's closing C0 opened a frame: the next one is lost too.
    h.send(&Command::ReadReg { addr: MAGIC_REG });
    assert!(h.raw().is_empty());
    h.dev.write(&[0xC0]);
    assert_eq!(
        h.command(&Command::ReadReg { addr: MAGIC_REG }).body,
        [0, 0]
    );
}

#[test]
fn a_double_c0_before_a_frame_loses_it() {
    // slip.c: `C0 C0` is a zero-length frame that sends the receiver back to "no frame";
    // the payload that follows is ignored until the next C0.
    let mut h = stub(false);
    let mut bytes = vec![0xC0];
    bytes.extend(slip::encode(
        &Command::ReadReg { addr: MAGIC_REG }.to_request().encode(),
    ));
    h.dev.write(&bytes);
    assert!(h.raw().is_empty());
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

#[test]
fn encrypted_writes_fail_after_the_reply() {
    // ESP8266: the library refuses (`STUB_LIB_ERR_NOT_SUPPORTED`); ESP32: the device has
    // no flash encryption engine and refuses rather than write plain text.
    for esp32 in [false, true] {
        let mut h = stub(esp32);
        let a = h.command(&Command::FlashBegin(FlashBegin {
            size: 0x1000,
            blocks: 1,
            block_size: 0x1000,
            offset: 0x1_0000,
            encrypted: Some(1),
        }));
        assert_eq!(a.body, [0, 0]);
        let a = h.command(&Command::FlashData {
            seq: 0,
            data: vec![0; 0x1000],
        });
        assert_eq!(a.body, [0, 0]);
        assert_eq!(h.command(&Command::ReadReg { addr: 0 }).body, [0xC4, 0]);
        assert_eq!(h.dev.flash()[0x1_0000], 0xFF);
    }
}

#[test]
fn mem_data_is_copied_one_block_after_the_other() {
    // `s_mem_data`: no checksum, no seq; each block follows the previous one.
    let mut h = stub(false);
    let addr = 0x3FFE_8000;
    h.command(&Command::MemBegin {
        size: 8,
        blocks: 2,
        block_size: 4,
        addr,
    });
    for (seq, bytes) in [(1, [1, 2, 3, 4]), (0, [5, 6, 7, 8])] {
        let mut req = Command::MemData {
            seq,
            data: bytes.to_vec(),
        }
        .to_request();
        req.checksum = 0x1234;
        assert_eq!(h.status_of(&req, 2), [0, 0]);
    }
    assert_eq!(h.read_reg(addr), 0x0403_0201);
    assert_eq!(h.read_reg(addr + 4), 0x0807_0605);
    // More than announced: "too much data".
    let a = h.command(&Command::MemData {
        seq: 2,
        data: vec![0; 4],
    });
    assert_eq!(a.body, [0xC9, 0]);
    h.send(&Command::MemEnd {
        execute: false,
        entry: 0,
    });
    assert_eq!(h.answers()[0].body, [0, 0]);
    assert_eq!(
        h.command(&Command::MemEnd {
            execute: false,
            entry: 0
        })
        .body,
        [0xC6, 0]
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

#[test]
fn ohai_comes_at_least_10_ms_after_the_mem_end_answer() {
    let mut config = common::config(&espctl_chips::esp8266::ESP8266);
    config.timing = TimingMode::Realistic;
    let mut h = Host::new(config);
    let mut text = vec![0x36u8; 0x100];
    text[0x80..0x84].copy_from_slice(b"OHAI");
    let addr = 0x4010_C500;
    for cmd in [
        Command::MemBegin {
            size: 0x100,
            blocks: 1,
            block_size: 0x100,
            addr,
        },
        Command::MemData {
            seq: 0,
            data: text.clone(),
        },
        Command::MemEnd {
            execute: true,
            entry: addr,
        },
    ] {
        h.send(&cmd);
        // Take each byte when it arrives.
        let mut arrivals = Vec::new();
        while let Some(at) = h.dev.next_output_at() {
            let now = h.dev.now();
            if at > now {
                h.clock.advance(at - now);
            }
            let mut b = [0u8];
            if h.dev.read(&mut b) == 1 {
                arrivals.push((h.dev.now(), b[0]));
            }
        }
        if cmd.opcode() as u8 == 0x06 {
            // The answer's closing C0, then OHAI's opening C0.
            let ends: Vec<Duration> = arrivals
                .iter()
                .filter(|(_, b)| *b == 0xC0)
                .map(|(t, _)| *t)
                .collect();
            assert_eq!(ends.len(), 4, "answer and OHAI");
            let gap = ends[2] - ends[1];
            assert!(gap >= Duration::from_millis(10), "{gap:?}");
        }
    }
    assert_eq!(h.dev.state(), DeviceState::Stub);
}
