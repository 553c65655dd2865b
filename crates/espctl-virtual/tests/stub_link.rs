//! The flasher stub's side of the serial line (esp-flasher-stub v1.1.0 on esp-stub-lib):
//! how it sets and changes the baud rate, when it greets, and what its two receive
//! buffers do with frames that come too fast, too long or out of step.

mod common;

use common::{Host, frames_lost, stub};
use espctl_chips::esp32::ESP32;
use espctl_protocol::command::{FlashBegin, RegWrite};
use espctl_protocol::{Command, slip};
use espctl_virtual::{DeviceState, TimingMode};
use std::time::Duration;

/// The register an ESP8266 (ROM or stub) is recognised by, and its value there.
const MAGIC_REG: u32 = espctl_chips::CHIP_DETECT_MAGIC_REG;
const ESP8266_MAGIC: u32 = espctl_chips::esp8266::ESP8266.magic_values[0];

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
    h.command(&Command::FlashBegin(FlashBegin {
        size: 0x8000,
        blocks: 2,
        block_size: 0x4000,
        offset: 0,
        encrypted: Some(0),
    }));
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
