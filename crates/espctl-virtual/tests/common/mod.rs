//! A tiny host for driving a `Device` in tests: sends commands, collects answers.
#![allow(dead_code)]

use espctl_chips::{Chip, esp32::ESP32, esp8266::ESP8266};
use espctl_protocol::command::{DataBlock, FlashBegin};
use espctl_protocol::{Command, Request, slip};
use espctl_virtual::clock::ManualClock;
use espctl_virtual::{Device, DeviceConfig, DeviceState};
use std::sync::Arc;

pub struct Host {
    pub dev: Device,
    decoder: slip::Decoder,
    pub clock: ManualClock,
}

/// One decoded answer: opcode, value, body (data + status bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub op: u8,
    pub value: u32,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn status(&self, status_len: usize) -> &[u8] {
        &self.body[self.body.len() - status_len..]
    }
    pub fn data(&self, status_len: usize) -> &[u8] {
        &self.body[..self.body.len() - status_len]
    }
}

pub fn config(chip: &'static Chip) -> DeviceConfig {
    DeviceConfig::new(chip, 4 << 20)
}

impl Host {
    pub fn new(mut config: DeviceConfig) -> Host {
        let clock = ManualClock::new();
        config.clock = Some(Arc::new(clock.clone()));
        Host {
            dev: Device::new(config).unwrap(),
            decoder: slip::Decoder::new(),
            clock,
        }
    }

    pub fn esp8266() -> Host {
        Host::new(config(&ESP8266))
    }

    pub fn esp32() -> Host {
        Host::new(config(&ESP32))
    }

    pub fn send(&mut self, cmd: &Command) {
        self.send_request(&cmd.to_request());
    }

    pub fn send_request(&mut self, req: &Request) {
        self.dev.write(&slip::encode(&req.encode()));
    }

    /// Lets `ms` milliseconds pass on the host's side (a pause between commands).
    pub fn wait_ms(&mut self, ms: u64) {
        self.clock.advance(std::time::Duration::from_millis(ms));
    }

    /// Sends a request and returns its single answer's status bytes.
    pub fn status_of(&mut self, req: &Request, status_len: usize) -> Vec<u8> {
        self.send_request(req);
        let a = self.answers();
        assert_eq!(a.len(), 1, "one answer to op 0x{:02x}: {a:02x?}", req.op);
        a[0].status(status_len).to_vec()
    }

    /// Every byte the device has queued.
    pub fn raw(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = self.dev.read(&mut buf);
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    /// Every complete frame the device has sent.
    pub fn frames(&mut self) -> Vec<Vec<u8>> {
        let raw = self.raw();
        self.decoder
            .feed(&raw)
            .into_iter()
            .map(|f| f.expect("valid SLIP from the device"))
            .collect()
    }

    pub fn noise(&mut self) -> Vec<u8> {
        self.decoder.take_noise()
    }

    pub fn answers(&mut self) -> Vec<Answer> {
        self.frames()
            .into_iter()
            .map(|f| {
                assert!(f.len() >= 8, "short frame {f:02x?}");
                assert_eq!(f[0], 1, "direction");
                let len = u16::from_le_bytes([f[2], f[3]]) as usize;
                assert_eq!(len, f.len() - 8, "length field");
                Answer {
                    op: f[1],
                    value: u32::from_le_bytes(f[4..8].try_into().unwrap()),
                    body: f[8..].to_vec(),
                }
            })
            .collect()
    }

    /// Sends a command and returns its single answer.
    pub fn command(&mut self, cmd: &Command) -> Answer {
        self.send(cmd);
        let mut a = self.answers();
        assert_eq!(a.len(), 1, "one answer to {cmd:?}: {a:02x?}");
        a.remove(0)
    }

    /// Sends CHANGE_BAUDRATE with `value` from 115200, moves the host to `rate` and counts
    /// the answers to one command sent then (1 when the chip landed on `rate`).
    pub fn answers_after_baud_change(&mut self, value: u32, rate: u32) -> usize {
        self.dev.set_baud(115_200);
        let a = self.command(&Command::ChangeBaudrate {
            new_baud: value,
            old_baud: 0,
        });
        assert_eq!(a.body, [0, 0, 0, 0]);
        self.dev.set_baud(rate);
        self.wait_ms(50);
        self.send(&Command::ReadReg {
            addr: espctl_chips::CHIP_DETECT_MAGIC_REG,
        });
        self.frames().len()
    }

    pub fn read_reg(&mut self, addr: u32) -> u32 {
        let a = self.command(&Command::ReadReg { addr });
        assert_eq!(a.body[0], 0, "READ_REG 0x{addr:08x} failed");
        a.value
    }

    pub fn write_reg(&mut self, addr: u32, value: u32) {
        let a = self.command(&Command::WriteReg(vec![
            espctl_protocol::command::RegWrite {
                addr,
                value,
                mask: u32::MAX,
                delay_us: 0,
            },
        ]));
        assert_eq!(a.body[0], 0);
    }

    /// Uploads a fake stub (any code containing the greeting) and starts it.
    pub fn start_stub(&mut self) {
        let mut text = vec![0x36u8; 0x2000];
        text[0x1F00..0x1F04].copy_from_slice(b"OHAI");
        let addr = 0x4010_C500;
        let a = self.command(&Command::MemBegin {
            size: text.len() as u32,
            blocks: 2,
            block_size: 0x1800,
            addr,
        });
        assert_eq!(a.body[0], 0);
        for (seq, block) in text.chunks(0x1800).enumerate() {
            let a = self.command(&Command::MemData {
                seq: seq as u32,
                data: block.to_vec(),
            });
            assert_eq!(a.body[0], 0);
        }
        self.send(&Command::MemEnd {
            execute: true,
            entry: addr + 4,
        });
        let frames = self.frames();
        assert_eq!(frames.len(), 2, "MEM_END answer then OHAI: {frames:02x?}");
        assert_eq!(frames[0][1], 0x06);
        assert_eq!(frames[1], b"OHAI");
    }
}

/// A device whose flasher stub runs: an ESP32 or an ESP8266.
pub fn stub(esp32: bool) -> Host {
    let mut h = if esp32 {
        Host::esp32()
    } else {
        Host::esp8266()
    };
    h.start_stub();
    assert_eq!(h.dev.state(), DeviceState::Stub);
    h
}

/// Frames the device's receiver has lost so far.
pub fn frames_lost(h: &Host) -> u64 {
    h.dev.work().link.frames_lost
}

/// FLASH_BEGIN or FLASH_DEFL_BEGIN (`cmd`) of the stub's kind: 16 KB blocks, the
/// encrypted word present.
pub fn begin(cmd: fn(FlashBegin) -> Command, size: u32, blocks: u32, offset: u32) -> Command {
    cmd(FlashBegin {
        size,
        blocks,
        block_size: 0x4000,
        offset,
        encrypted: Some(0),
    })
}

/// A data block request whose header declares `declared` bytes, whatever it carries.
pub fn raw_block(op: u8, seq: u32, declared: u32, payload: &[u8], sum: u32) -> Request {
    let mut data = DataBlock::encode(seq, payload);
    // The sub-header's first word is the length it declares.
    data[..4].copy_from_slice(&declared.to_le_bytes());
    Request {
        op,
        checksum: sum,
        data,
    }
}

/// The 16-byte FLASH_BEGIN the ESP8266 and ESP32 ROMs take.
pub fn rom_begin(size: u32, blocks: u32, block_size: u32, offset: u32) -> Command {
    Command::FlashBegin(FlashBegin {
        size,
        blocks,
        block_size,
        offset,
        encrypted: None,
    })
}

/// Writes `data` at `offset` the way esptool does through a ROM.
pub fn rom_write(h: &mut Host, offset: u32, data: &[u8], erase_size: u32, status: &[u8]) {
    let blocks = data.len().div_ceil(0x400) as u32;
    assert_eq!(
        h.command(&rom_begin(erase_size, blocks, 0x400, offset))
            .body,
        status
    );
    for (seq, chunk) in data.chunks(0x400).enumerate() {
        let mut block = chunk.to_vec();
        block.resize(0x400, 0xFF);
        let a = h.command(&Command::FlashData {
            seq: seq as u32,
            data: block,
        });
        assert_eq!(a.body, status, "block {seq}");
    }
}

/// An ESP32 whose ROM has attached the flash (SPI_ATTACH in its 8-byte form).
pub fn attached_esp32() -> Host {
    let mut h = Host::esp32();
    h.command(&Command::SpiAttach {
        config: 0,
        rom_form: true,
    });
    h
}
