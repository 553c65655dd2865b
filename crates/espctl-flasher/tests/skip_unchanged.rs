//! Writing only what changed: against the virtual device (ESP8266 and ESP32 with the
//! stub, ESP32 ROM), counting the commands the host sends and the flash work done, and
//! checking the flash ends exactly as a full write leaves it.

use espctl_chips::Chip;
use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_flasher::stub::StubStore;
use espctl_flasher::{
    Before, ConnectOptions, Event, EventSink, FlashFile, LoaderKind, Session, WriteOptions,
};
use espctl_protocol::Opcode;
use espctl_virtual::DeviceConfig;
use espctl_virtual_port::{LineTap, VirtualChip, Wiring};
use std::sync::{Arc, Mutex};

/// Every command the host sent: opcode and payload.
type Sent = Arc<Mutex<Vec<(u8, Vec<u8>)>>>;

/// Records every command the host sends.
struct Recorder {
    sent: Sent,
}

impl LineTap for Recorder {
    fn host_frame(&mut self, frame: &[u8]) -> Option<Vec<u8>> {
        if frame.len() >= 8 && frame[0] == 0 {
            self.sent
                .lock()
                .unwrap()
                .push((frame[1], frame[8..].to_vec()));
        }
        None
    }
}

/// A virtual chip that keeps its flash across sessions.
struct TestChip {
    chip: &'static Chip,
    device: VirtualChip,
}

/// What one session did.
struct Run {
    sent: Vec<(u8, Vec<u8>)>,
    events: Vec<Event>,
}

impl Run {
    fn count(&self, op: Opcode) -> usize {
        self.sent.iter().filter(|(o, _)| *o == op as u8).count()
    }

    /// `(offset, size)` of every FLASH_BEGIN and FLASH_DEFL_BEGIN.
    fn begins(&self) -> Vec<(u32, u32)> {
        self.sent
            .iter()
            .filter(|(o, _)| *o == Opcode::FlashBegin as u8 || *o == Opcode::FlashDeflBegin as u8)
            .map(|(_, d)| (word(d, 3), word(d, 0)))
            .filter(|&(_, size)| size > 0)
            .collect()
    }

    fn data_blocks(&self) -> usize {
        self.count(Opcode::FlashData) + self.count(Opcode::FlashDeflData)
    }

    fn has(&self, f: impl Fn(&Event) -> bool) -> bool {
        self.events.iter().any(f)
    }
}

fn word(d: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(d[4 * i..4 * i + 4].try_into().unwrap())
}

impl TestChip {
    fn new(chip: &'static Chip) -> TestChip {
        TestChip {
            chip,
            device: VirtualChip::new(DeviceConfig::new(chip, 4 << 20)).unwrap(),
        }
    }

    fn flash(&self) -> Vec<u8> {
        self.device.device().flash().to_vec()
    }

    fn programmed(&self) -> u64 {
        self.device.device().work().flash.bytes_programmed
    }

    /// Connects (with the stub when `stub`), writes `files` and leaves the chip in its
    /// loader for the next session.
    fn write(&self, stub: bool, files: Vec<FlashFile>, opts: &WriteOptions) -> Run {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let t = self
            .device
            .port(115_200)
            .wired(Wiring {
                reset_lines: false,
                ..Wiring::default()
            })
            .tapped(Recorder { sent: sent.clone() });
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        let events: EventSink = Arc::new(move |e| l.lock().unwrap().push(e));
        let options = ConnectOptions::default()
            .before(Before::NoReset)
            .attempts(1)
            .chip(Some(self.chip));
        let mut s = Session::connect(Box::new(t), &options, events).unwrap();
        if stub && s.loader().kind() == LoaderKind::Rom {
            let image = StubStore::in_data_dir(espctl_testkit::stub_data_dir())
                .load(self.chip)
                .unwrap()
                .expect("stub installed");
            s.run_stub(Some(&image)).unwrap();
        }
        sent.lock().unwrap().clear();
        s.write_flash(files, opts).unwrap();
        let sent = std::mem::take(&mut *sent.lock().unwrap());
        let events = std::mem::take(&mut *log.lock().unwrap());
        Run { sent, events }
    }
}

/// Firmware-like data: compressible but not trivially.
fn data(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if i % 3 == 0 {
                (x >> 24) as u8
            } else {
                (i / 7) as u8
            }
        })
        .collect()
}

fn file(addr: u32, bytes: &[u8]) -> Vec<FlashFile> {
    vec![FlashFile::new(
        addr,
        bytes.to_vec(),
        Some("app.bin".to_string()),
    )]
}

/// The loaders that can hash flash.
const CASES: [(&Chip, bool); 3] = [(&ESP8266, true), (&ESP32, true), (&ESP32, false)];

#[test]
fn an_unchanged_file_is_verified_not_written() {
    for (chip, stub) in CASES {
        let c = TestChip::new(chip);
        let app = data(200_000, 3);
        let first = c.write(stub, file(0x10000, &app), &WriteOptions::default());
        assert!(first.data_blocks() > 0);
        let programmed = c.programmed();

        let again = c.write(stub, file(0x10000, &app), &WriteOptions::default());
        assert_eq!(again.data_blocks(), 0, "{} stub={stub}", chip.name);
        assert_eq!(again.begins(), []);
        assert_eq!(c.programmed(), programmed, "nothing was programmed");
        assert!(again.has(|e| matches!(e, Event::FlashUnchanged { addr: 0x10000, .. })));
        // The chunk MD5s were the verification: no separate one.
        assert!(!again.has(|e| matches!(e, Event::Verifying)));
        // 200000 bytes from 0x10000: four 64KB-aligned chunks, one MD5 each.
        assert_eq!(again.count(Opcode::SpiFlashMd5), 4);
    }
}

#[test]
fn one_changed_sector_is_all_that_is_rewritten() {
    for (chip, stub) in CASES {
        let c = TestChip::new(chip);
        let reference = TestChip::new(chip);
        let old = data(300_000, 5);
        let mut new = old.clone();
        new[0x23456] ^= 0xA5; // in the sector at 0x10000 + 0x23000
        c.write(stub, file(0x10000, &old), &WriteOptions::default());
        reference.write(stub, file(0x10000, &old), &WriteOptions::default());

        let run = c.write(stub, file(0x10000, &new), &WriteOptions::default());
        assert_eq!(
            run.begins(),
            [(0x33000, 0x1000)],
            "{} stub={stub}",
            chip.name
        );
        assert!(run.has(|e| matches!(e, Event::ChangedSectorsFound)));
        assert!(run.has(|e| matches!(
            e,
            Event::Reflashing {
                addr: 0x33000,
                sectors: 1
            }
        )));
        assert!(run.has(|e| matches!(e, Event::Verified)));

        let full = reference.write(
            stub,
            file(0x10000, &new),
            &WriteOptions::default().skip_unchanged(false),
        );
        assert!(full.data_blocks() > run.data_blocks());
        assert!(c.flash() == reference.flash(), "{} stub={stub}", chip.name);
    }
}

#[test]
fn unaligned_files_over_old_data_end_as_a_full_write_leaves_them() {
    for (chip, stub) in CASES {
        let c = TestChip::new(chip);
        let reference = TestChip::new(chip);
        // Old data under and around the file, then a file that starts and ends inside
        // sectors: the rest of those sectors must end up erased, as a full write does.
        let old = data(0x40000, 9);
        for d in [&c, &reference] {
            d.write(stub, file(0, &old), &WriteOptions::default());
        }
        let mut new = old[0x1100..0x30176].to_vec();
        new[0x10010 - 0x1100] ^= 0x5A;
        let run = c.write(stub, file(0x1100, &new), &WriteOptions::default());
        let full = reference.write(
            stub,
            file(0x1100, &new),
            &WriteOptions::default().skip_unchanged(false),
        );
        assert!(c.flash() == reference.flash(), "{} stub={stub}", chip.name);
        // First sector (erased head), the changed one, and the last (erased tail).
        let starts: Vec<u32> = run.begins().iter().map(|b| b.0).collect();
        let first = if stub { 0x1100 } else { 0x1000 };
        assert_eq!(
            starts,
            [first, 0x10000, 0x30000],
            "{} stub={stub}",
            chip.name
        );
        assert!(full.data_blocks() > run.data_blocks());
        // Once more: now nothing changes.
        let again = c.write(stub, file(0x1100, &new), &WriteOptions::default());
        assert_eq!(again.data_blocks(), 0);
        assert!(c.flash() == reference.flash());
    }
}

#[test]
fn no_skip_writes_everything_and_the_esp8266_rom_never_compares() {
    let c = TestChip::new(&ESP32);
    let app = data(100_000, 7);
    let first = c.write(true, file(0x10000, &app), &WriteOptions::default());
    let full = c.write(
        true,
        file(0x10000, &app),
        &WriteOptions::default().skip_unchanged(false),
    );
    assert_eq!(full.data_blocks(), first.data_blocks());
    assert_eq!(full.begins(), [(0x10000, 100_000)]);
    assert!(!full.has(|e| matches!(e, Event::ComparingFlash { .. })));

    // The ESP8266 ROM cannot hash flash: a plain full write, as esptool does.
    let c = TestChip::new(&ESP8266);
    c.write(false, file(0x10000, &app), &WriteOptions::default());
    let again = c.write(false, file(0x10000, &app), &WriteOptions::default());
    assert_eq!(again.count(Opcode::SpiFlashMd5), 0);
    assert_eq!(again.count(Opcode::FlashData), 100_000usize.div_ceil(0x400));
}

#[test]
fn a_blank_flash_is_written_whole_after_one_md5() {
    for (chip, stub) in CASES {
        let c = TestChip::new(chip);
        let app = data(1 << 20, 11);
        let run = c.write(stub, file(0x10000, &app), &WriteOptions::default());
        // One chunk is hashed; it is blank, so the rest is written without asking,
        // in one piece, and then verified as a whole.
        assert_eq!(
            run.count(Opcode::SpiFlashMd5),
            2,
            "{} stub={stub}",
            chip.name
        );
        assert_eq!(run.begins(), [(0x10000, 1 << 20)]);
        assert!(!run.has(|e| matches!(e, Event::ChangedSectorsFound)));
        assert!(run.has(|e| matches!(e, Event::Verified)));
        assert!(c.flash()[0x10000..0x110000] == app[..]);
    }
}

#[test]
fn large_files_go_in_bounded_compressed_sessions() {
    let c = TestChip::new(&ESP32);
    let app = data(2_500_000, 13);
    let run = c.write(true, file(0x1000, &app), &WriteOptions::default());
    let begins = run.begins();
    assert_eq!(begins.len(), 3);
    assert_eq!(begins[0].0, 0x1000);
    let mut end = 0x1000;
    for (offset, size) in &begins {
        assert_eq!(*offset, end);
        assert!(*size <= 1 << 20);
        end = offset + size;
    }
    assert_eq!(end, 0x1000 + 2_500_000);
    assert!(c.flash()[0x1000..0x1000 + app.len()] == app[..]);
    assert!(run.has(|e| matches!(e, Event::Verified)));
}

#[test]
fn the_esp32_rom_reflashes_compressed_too() {
    let c = TestChip::new(&ESP32);
    let reference = TestChip::new(&ESP32);
    let compressed = WriteOptions::default().compress(Some(true));
    // Runs of equal bytes: compressible even in a single sector.
    let old: Vec<u8> = (0..150_000u32).map(|i| (i / 64) as u8).collect();
    let mut new = old.clone();
    new[0x5000] ^= 1;
    for d in [&c, &reference] {
        d.write(false, file(0x20000, &old), &compressed);
    }
    let run = c.write(false, file(0x20000, &new), &compressed);
    assert_eq!(run.begins(), [(0x25000, 0x1000)]);
    assert_eq!(run.count(Opcode::FlashDeflData), 1);
    reference.write(
        false,
        file(0x20000, &new),
        &compressed.clone().skip_unchanged(false),
    );
    assert!(c.flash() == reference.flash());
}
