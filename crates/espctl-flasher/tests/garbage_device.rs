//! A misbehaving device must never make espctl panic or hang: every operation against a
//! device that answers with random frames, random status bytes and random noise ends
//! with a result (mostly an error) in bounded time.

use espctl_chips::CHIPS;
use espctl_flasher::stub::StubImage;
use espctl_flasher::{
    After, Before, ConnectOptions, Error, FlashFile, FlashParamsRequest, FlashSizeArg, Session,
    WriteOptions, ignore_events,
};
use espctl_protocol::slip;
use espctl_testkit::{Behaviour, FakeLine};
use proptest::prelude::*;
use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

/// Magic register values and GET_SECURITY_INFO chip IDs the device sometimes uses, so
/// that detection succeeds often enough for the later operations to run.
const MAGICS: [u32; 3] = [0xFFF0_C101, 0x00F0_1D83, 0x0000_07C6];

/// Answers every request with frames that echo its opcode (so they are taken as the
/// reply) but carry random values, bodies and status bytes; sprinkles noise; and when
/// the host waits for more, repeats an answer to the last request.
struct LyingDevice {
    rng: u64,
    decoder: slip::Decoder,
    pending: VecDeque<u8>,
    last_op: u8,
}

impl LyingDevice {
    fn new(seed: u64) -> LyingDevice {
        LyingDevice {
            rng: seed | 1,
            decoder: slip::Decoder::new(),
            pending: VecDeque::new(),
            last_op: 0x08,
        }
    }

    fn next(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A byte that is zero half the time, so status bytes often say "success".
    fn byte(&mut self) -> u8 {
        if self.below(2) == 0 {
            0
        } else {
            self.next() as u8
        }
    }

    fn value(&mut self) -> u32 {
        match self.below(4) {
            0 => MAGICS[self.below(MAGICS.len() as u64) as usize],
            1 => self.below(40) as u32,
            _ => self.next() as u32,
        }
    }

    fn random_bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }

    /// Most replies are well formed (data of the length the command expects, then a
    /// success status) so that commands get far; the rest are random.
    fn body(&mut self, op: u8) -> Vec<u8> {
        if self.below(4) == 0 {
            let len = match self.below(6) {
                0 => 4096,
                1 => 16,
                2 => 22,
                _ => self.below(80) as usize,
            };
            return self.random_bytes(len);
        }
        let data_len = match op {
            0x13 => [16, 32][self.below(2) as usize],
            0x0E => 64,
            0x14 => 20,
            _ => 0,
        };
        let mut body = self.random_bytes(data_len);
        body.extend([0, 0, 0, 0]);
        body
    }

    fn reply(&mut self, op: u8) {
        let body = self.body(op);
        let mut frame = vec![1, op];
        frame.extend((body.len() as u16).to_le_bytes());
        frame.extend(self.value().to_le_bytes());
        frame.extend(body);
        if self.below(10) == 0 {
            let noise: Vec<u8> = (0..self.below(40)).map(|_| self.next() as u8).collect();
            self.pending.extend(noise);
        }
        self.pending.extend(slip::encode(&frame));
    }

    /// What follows a READ_FLASH reply or an acknowledgement: a 4 KB data frame, a
    /// short one, or a 16-byte digest.
    fn data_frame(&mut self) {
        let len = [4096, 16, 1000, 0][self.below(4) as usize];
        let frame = self.random_bytes(len);
        self.pending.extend(slip::encode(&frame));
    }
}

impl Behaviour for LyingDevice {
    fn heard(&mut self, data: &[u8]) {
        for frame in self.decoder.feed(data).into_iter().flatten() {
            if frame.len() < 8 || frame[0] != 0 {
                // READ_FLASH acknowledgement (or nonsense): more data.
                self.data_frame();
                continue;
            }
            let op = frame[1];
            self.last_op = op;
            let replies = if op == 0x08 { 8 } else { 1 };
            for _ in 0..replies {
                self.reply(op);
            }
            if op == 0xD2 {
                self.data_frame();
            }
        }
    }

    fn said(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            // The host waits for more: answer the last request again, or stream on.
            match self.last_op {
                0xD2 => self.data_frame(),
                op => self.reply(op),
            }
        }
        let n = buf.len().min(self.pending.len());
        for (slot, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }
}

/// Runs everything a command line can ask for; each step may fail, none may panic.
fn exercise(seed: u64, chip: Option<usize>, stub: bool) {
    let options = ConnectOptions::default()
        .attempts(1)
        .chip(chip.map(|i| CHIPS[i % CHIPS.len()]));
    let Ok(mut s) = Session::connect(
        Box::new(FakeLine::new(LyingDevice::new(seed))),
        &options,
        ignore_events(),
    ) else {
        return;
    };
    let _ = s.chip_info();
    let _ = s.mac();
    if stub {
        let image = StubImage {
            entry: 0x4010_0000,
            text: vec![0x55; 300],
            text_start: 0x4010_0000,
            data: vec![0xAA; 40],
            data_start: 0x3FFE_8000,
            bss_start: None,
        };
        let _ = s.run_stub(Some(&image));
    }
    let _ = s.change_baud(460_800);
    let _ = s.ensure_flash_attached();
    let _ = s.flash_id();
    let _ = s.configure_flash_size(FlashSizeArg::Detect);
    let _ = s.read_flash(0x1000, 5000);
    let _ = s.flash_md5(0, 4096);
    let _ = s.verify_files(
        vec![FlashFile::new(0, vec![0xE9; 64], None)],
        &FlashParamsRequest::default(),
    );
    let _ = s.erase_region(0x3000, 0x11000);
    let _ = s.write_flash(
        vec![FlashFile::new(0x2000, vec![7; 3000], None)],
        &WriteOptions::default(),
    );
    let _ = s.load_ram(&[(0x4010_8000, vec![1; 100])], 0x4010_8000);
    let _ = s.run_user_code();
    let _ = s.finish(After::NoReset);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_lying_device_never_panics(seed in any::<u64>(), chip in proptest::option::of(0usize..32), stub in any::<bool>()) {
        exercise(seed, chip, stub);
    }
}

/// A chip that runs its application and prints without pause (no download mode, reset
/// lines not wired): connecting fails after the usual attempts instead of waiting for
/// the printing to stop, and says what it saw.
#[test]
fn a_chattering_chip_fails_to_connect_in_bounded_time() {
    struct Chatter;
    impl Behaviour for Chatter {
        fn heard(&mut self, _data: &[u8]) {}
        fn said(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            std::thread::sleep(Duration::from_millis(2));
            let line = b"I (1234) app: sensor value 42\r\n";
            let n = buf.len().min(line.len());
            buf[..n].copy_from_slice(&line[..n]);
            Ok(n)
        }
    }
    let start = Instant::now();
    let options = ConnectOptions::default().attempts(2);
    let err = match Session::connect(
        Box::new(FakeLine::new(Chatter).without_reset_lines()),
        &options,
        ignore_events(),
    ) {
        Ok(_) => panic!("connected to a chip that only prints"),
        Err(e) => e,
    };
    // 2 attempts x 5 SYNCs x 0.1 s, and nothing near the 3 s reply timeout.
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(err, Error::ConnectFailed { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("Invalid head of packet (0x49): Possible serial noise or corruption."),
        "{err}"
    );
}

/// A device that opens a frame and never closes it cannot hold espctl for longer than it
/// takes to receive an impossibly long frame.
#[test]
fn an_endless_frame_is_cut_off() {
    /// Starts a frame after each command and never ends it.
    struct EndlessFrame {
        started: bool,
    }
    impl Behaviour for EndlessFrame {
        fn heard(&mut self, _data: &[u8]) {
            self.started = false;
        }
        fn said(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(0x55);
            if !self.started {
                self.started = true;
                buf[0] = slip::END;
            }
            Ok(buf.len())
        }
    }
    let start = Instant::now();
    let options = ConnectOptions::default()
        .before(Before::NoReset)
        .attempts(1);
    let err = match Session::connect(
        Box::new(FakeLine::new(EndlessFrame { started: false })),
        &options,
        ignore_events(),
    ) {
        Ok(_) => panic!("connected to a device that never ends its frame"),
        Err(e) => e,
    };
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(
        err.to_string().contains("in one packet without its end"),
        "{err}"
    );
}

/// A port that fails (the adapter was unplugged) ends connecting at once, even when told
/// to try forever (`--connect-attempts 0`), instead of spinning on the dead port.
#[test]
fn an_unplugged_port_ends_endless_connection_attempts() {
    struct Unplugged;
    impl Behaviour for Unplugged {
        fn heard(&mut self, _data: &[u8]) {}
        fn said(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "device disconnected",
            ))
        }
    }
    let options = ConnectOptions::default().attempts(0);
    let err = match Session::connect(
        Box::new(FakeLine::new(Unplugged)),
        &options,
        ignore_events(),
    ) {
        Ok(_) => panic!("connected through an unplugged port"),
        Err(e) => e,
    };
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("device disconnected"), "{err}");
}

/// A ROM that acknowledges everything and, after MEM_END, keeps repeating that reply
/// instead of starting the stub: the upload fails after a few replies, it does not wait
/// forever.
#[test]
fn a_stub_that_never_says_hello_is_reported() {
    struct Parrot {
        decoder: slip::Decoder,
        last_op: u8,
        pending: VecDeque<u8>,
    }
    impl Parrot {
        fn reply(&mut self) {
            let mut frame = vec![1, self.last_op, 4, 0];
            frame.extend(0x2012_0707u32.to_le_bytes());
            frame.extend([0, 0, 0, 0]);
            self.pending.extend(slip::encode(&frame));
        }
    }
    impl Behaviour for Parrot {
        fn heard(&mut self, data: &[u8]) {
            for frame in self.decoder.feed(data).into_iter().flatten() {
                if frame.len() >= 8 && frame[0] == 0 {
                    self.last_op = frame[1];
                    let replies = if self.last_op == 0x08 { 8 } else { 1 };
                    for _ in 0..replies {
                        self.reply();
                    }
                }
            }
        }
        fn said(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pending.is_empty() {
                self.reply();
            }
            let n = buf.len().min(self.pending.len());
            for (slot, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
                *slot = b;
            }
            Ok(n)
        }
    }
    let device = Parrot {
        decoder: slip::Decoder::new(),
        last_op: 0,
        pending: VecDeque::new(),
    };
    let options = ConnectOptions::default()
        .before(Before::NoReset)
        .attempts(1)
        .chip(Some(&espctl_chips::esp32::ESP32));
    let mut s =
        Session::connect(Box::new(FakeLine::new(device)), &options, ignore_events()).unwrap();
    let stub = StubImage {
        entry: 0x4009_0000,
        text: vec![0x55; 100],
        text_start: 0x4009_0000,
        data: Vec::new(),
        data_start: 0,
        bss_start: None,
    };
    let err = s.run_stub(Some(&stub)).unwrap_err();
    assert!(matches!(err, Error::StubStart(_)), "{err}");
}
