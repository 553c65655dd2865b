//! The flasher stub personality (esp-flasher-stub v1.1.0, `src/command_handler.c`),
//! driven through the public `Device` API: what a well-behaved client sees, and what
//! happens to clients that misbehave the way real hardware punishes.

mod common;

use common::{begin, raw_block, stub};
use espctl_chips::BootMode;
use espctl_protocol::command::SpiParams;
use espctl_protocol::{Command, Request, checksum, slip};
use espctl_virtual::DeviceState;
use md5::{Digest, Md5};

/// The register an ESP8266 (ROM or stub) is recognised by, and its value there.
const MAGIC_REG: u32 = espctl_chips::CHIP_DETECT_MAGIC_REG;
const ESP8266_MAGIC: u32 = espctl_chips::esp8266::ESP8266.magic_values[0];

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
