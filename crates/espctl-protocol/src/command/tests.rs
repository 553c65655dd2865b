use super::*;
use crate::packet::Request;

fn round_trip(cmd: Command) {
    let req = cmd.to_request();
    let bytes = req.encode();
    let back = Command::from_request(&Request::decode(&bytes).unwrap()).unwrap();
    assert_eq!(back, cmd);
}

#[test]
fn every_command_round_trips() {
    let begin = FlashBegin {
        size: 0x2000,
        blocks: 8,
        block_size: 0x400,
        offset: 0x1000,
        encrypted: None,
    };
    for cmd in [
        Command::FlashBegin(begin),
        Command::FlashBegin(FlashBegin {
            encrypted: Some(0),
            ..begin
        }),
        Command::FlashData {
            seq: 3,
            data: vec![0xAA; 0x400],
        },
        Command::FlashEnd { reboot: false },
        Command::FlashEnd { reboot: true },
        Command::MemBegin {
            size: 100,
            blocks: 1,
            block_size: 0x1800,
            addr: 0x4010_C500,
        },
        Command::MemData {
            seq: 0,
            data: vec![1, 2, 3, 4],
        },
        Command::MemEnd {
            execute: true,
            entry: 0x4010_C504,
        },
        Command::Sync,
        Command::WriteReg(vec![RegWrite {
            addr: 0x6000_0200,
            value: 1 << 18,
            mask: 0xFFFF_FFFF,
            delay_us: 0,
        }]),
        Command::ReadReg { addr: 0x4000_1000 },
        Command::SpiSetParams(SpiParams::for_size(4 << 20)),
        Command::SpiAttach {
            config: 0,
            rom_form: true,
        },
        Command::SpiAttach {
            config: 0,
            rom_form: false,
        },
        Command::ReadFlashSlow { offset: 0, len: 64 },
        Command::ChangeBaudrate {
            new_baud: 921_600,
            old_baud: 115_200,
        },
        Command::FlashDeflBegin(begin),
        Command::FlashDeflData {
            seq: 0,
            data: vec![0x78, 0xDA, 1, 2],
        },
        Command::FlashDeflEnd { reboot: false },
        Command::SpiFlashMd5 {
            addr: 0x1000,
            size: 7888,
        },
        Command::GetSecurityInfo,
        Command::EraseFlash,
        Command::EraseRegion {
            offset: 0x1000,
            size: 0x2000,
        },
        Command::ReadFlash {
            offset: 0,
            len: 0x1000,
            packet_size: 0x1000,
            max_in_flight: 64,
        },
        Command::RunUserCode,
    ] {
        round_trip(cmd);
    }
}

#[test]
fn sync_request_matches_captured_bytes() {
    // c0 00 08 24 00 00 00 00 00 07 07 12 20 55x32 c0
    let bytes = Command::Sync.to_request().encode();
    assert_eq!(
        &bytes[..12],
        &[0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]
    );
    assert_eq!(bytes.len(), 44);
    assert!(bytes[12..].iter().all(|&b| b == 0x55));
}

#[test]
fn data_block_carries_checksum_and_sub_header() {
    let req = Command::FlashData {
        seq: 2,
        data: vec![0x01, 0x02],
    }
    .to_request();
    assert_eq!(req.checksum, (0xEF ^ 0x03) as u32);
    assert_eq!(
        &req.data[..16],
        &[2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn device_rejects_bad_checksum_and_length() {
    let mut req = Command::MemData {
        seq: 0,
        data: vec![9, 9, 9],
    }
    .to_request();
    req.checksum ^= 1;
    assert!(matches!(
        Command::from_request(&req),
        Err(CommandError::Checksum { .. })
    ));
    req.checksum ^= 1;
    req.data[0] = 5;
    assert!(matches!(
        Command::from_request(&req),
        Err(CommandError::DataLength {
            declared: 5,
            actual: 3,
            ..
        })
    ));
    let short = Request {
        op: Opcode::ReadReg as u8,
        checksum: 0,
        data: vec![1, 2],
    };
    assert!(matches!(
        Command::from_request(&short),
        Err(CommandError::BadLength { .. })
    ));
    // Trailing bytes are as wrong as missing ones.
    let long = Request {
        op: Opcode::ReadReg as u8,
        checksum: 0,
        data: vec![0; 8],
    };
    assert!(matches!(
        Command::from_request(&long),
        Err(CommandError::BadLength { len: 8, .. })
    ));
    // The checksum is compared in all 32 bits.
    let mut req = Command::FlashData {
        seq: 0,
        data: vec![1, 2, 3],
    }
    .to_request();
    req.checksum |= 0x100;
    assert!(matches!(
        Command::from_request(&req),
        Err(CommandError::Checksum { .. })
    ));
    let unknown = Request {
        op: 0x77,
        checksum: 0,
        data: vec![],
    };
    assert_eq!(
        Command::from_request(&unknown),
        Err(CommandError::UnknownOpcode(0x77))
    );
}

#[test]
fn end_flags_follow_esptool() {
    // esptool sends int(not reboot) for FLASH_END and flag 1 for MEM_END without entry.
    assert_eq!(
        Command::FlashEnd { reboot: false }.to_request().data,
        vec![1, 0, 0, 0]
    );
    assert_eq!(
        Command::MemEnd {
            execute: false,
            entry: 0
        }
        .to_request()
        .data,
        vec![1, 0, 0, 0, 0, 0, 0, 0]
    );
}
