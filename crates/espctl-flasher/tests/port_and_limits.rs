//! The settings esptool takes from its configuration file, as library options: the
//! wait for a command's reply and for compressed blocks ([`OperationLimits`]), and the
//! attempts at opening a named port ([`PortSpec::open_attempts`]).

use espctl_chips::esp32::ESP32;
use espctl_flasher::session::OperationLimits;
use espctl_flasher::stub::StubStore;
use espctl_flasher::transport::{LineError, OpenError, PortOpener, Transport, TransportKind};
use espctl_flasher::{
    After, ConnectOptions, ConnectPlan, Error, Event, EventSink, FlashFile, Flasher, Need,
    PortSpec, ROM_BAUD, Session, StubSource, Trace, WriteOptions,
};
use espctl_virtual::DeviceConfig;
use espctl_virtual_port::VirtualChip;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A port to a chip that goes silent when told: writes vanish, reads bring nothing.
struct Muted {
    inner: Box<dyn Transport>,
    mute: Arc<AtomicBool>,
}

impl Muted {
    fn muted(&self) -> bool {
        self.mute.load(Ordering::SeqCst)
    }
}

impl Transport for Muted {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn kind(&self) -> TransportKind {
        self.inner.kind()
    }
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if self.muted() {
            return Ok(());
        }
        self.inner.write_all(data)
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        if self.muted() {
            return Ok(0);
        }
        self.inner.read(buf, timeout)
    }
    fn clear_input(&mut self) -> io::Result<()> {
        self.inner.clear_input()
    }
    fn baud(&self) -> u32 {
        self.inner.baud()
    }
    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        self.inner.set_baud(baud)
    }
    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        self.inner.set_dtr(asserted)
    }
    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        self.inner.set_rts(asserted)
    }
    fn pause(&mut self, duration: Duration) {
        self.inner.pause(duration)
    }
}

/// The name and wait of every command sent, in order.
type Waits = Arc<Mutex<Vec<(&'static str, f64)>>>;

/// Events that keep the name and wait of every command sent.
fn command_waits() -> (EventSink, Waits) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    let sink: EventSink = Arc::new(move |e| {
        if let Event::Trace(Trace::Command {
            name, timeout_secs, ..
        }) = e
        {
            keep.lock().unwrap().push((name, timeout_secs));
        }
    });
    (sink, seen)
}

#[test]
fn a_chip_that_stops_answering_is_waited_for_the_timeout_set() {
    let device = VirtualChip::new(DeviceConfig::new(&ESP32, 4 << 20)).unwrap();
    let mute = Arc::new(AtomicBool::new(false));
    let port = Muted {
        inner: Box::new(device.port(ROM_BAUD).named("chip")),
        mute: mute.clone(),
    };
    let (events, waits) = command_waits();
    let limits = OperationLimits::default().timeout(Duration::from_millis(1250));
    let options = ConnectOptions::default()
        .chip(Some(&ESP32))
        .trace(true)
        .limits(limits);
    let mut session = Session::connect(Box::new(port), &options, events).unwrap();
    session.read_reg(0x3FF5_A004).unwrap();
    let before = waits.lock().unwrap().len();
    mute.store(true, Ordering::SeqCst);
    // The chip stays silent: the read, and the SYNCs that try to get the link back,
    // each wait their own time, then the read gives up.
    let err = session.read_reg(0x3FF5_A004).unwrap_err();
    assert!(matches!(err, Error::NoResync), "{err}");
    let waits = waits.lock().unwrap();
    let unanswered = &waits[before..];
    assert_eq!(unanswered.first(), Some(&("READ_REG", 1.25)), "{waits:?}");
    let reads: Vec<f64> = waits
        .iter()
        .filter(|(name, _)| *name == "READ_REG")
        .map(|(_, t)| *t)
        .collect();
    assert!(reads.len() >= 3, "{waits:?}");
    assert!(reads.iter().all(|t| *t == 1.25), "{waits:?}");
    // SYNC keeps its own wait.
    assert!(waits.iter().any(|(name, t)| *name == "SYNC" && *t == 0.1));
}

/// The waits of the FLASH_DEFL_DATA blocks of one stub write with `limits`.
fn compressed_block_waits(limits: OperationLimits) -> Vec<f64> {
    let device = VirtualChip::new(DeviceConfig::new(&ESP32, 4 << 20)).unwrap();
    let chip = device.clone();
    let port = PortSpec::named("chip").with_opener(Opener(move |name: &str, baud| {
        Ok(Box::new(chip.port(baud).named(name)) as Box<dyn Transport>)
    }));
    let plan = ConnectPlan::new(Need::FlashData)
        .stub(StubSource::Store(StubStore::in_data_dir(
            espctl_testkit::stub_data_dir(),
        )))
        .after(After::NoReset)
        .connect(ConnectOptions::default().trace(true).limits(limits));
    let (events, waits) = command_waits();
    let mut flasher = Flasher::open(&port, &plan, events).unwrap();
    // Half the entropy of noise: it compresses, to blocks that inflate to about twice
    // their size.
    let image: Vec<u8> = espctl_testkit::noise(200_000, 3)
        .iter()
        .map(|b| b & 0x0F)
        .collect();
    let mut options = WriteOptions::default();
    options.compress = Some(true);
    flasher
        .write_flash(vec![FlashFile::new(0x10000, image, None)], &options)
        .unwrap();
    flasher.finish().unwrap();
    let waits = waits.lock().unwrap();
    waits
        .iter()
        .filter(|(name, _)| *name == "FLASH_DEFL_DATA")
        .map(|(_, t)| *t)
        .collect()
}

#[test]
fn compressed_blocks_wait_the_erase_write_time_per_mb_set() {
    let usual = compressed_block_waits(OperationLimits::default());
    let slow = compressed_block_waits(OperationLimits::default().erase_write_per_mb(100.0));
    assert_eq!(usual.len(), slow.len());
    assert!(usual.len() >= 3, "{usual:?}");
    // The stub acknowledges a block before writing it: the first reply is quick.
    assert_eq!((usual[0], slow[0]), (3.0, 3.0));
    for (u, s) in usual.iter().zip(&slow).skip(1) {
        // Each block erases at least 128 KB besides what it writes: above the floor.
        assert!(*u > 3.0, "{usual:?}");
        assert!(
            (s / u - 2.5).abs() < 1e-6,
            "{u} s at 40 s/MB, {s} s at 100 s/MB"
        );
    }
}

/// Opens ports through a closure.
struct Opener<F>(F);

impl<F> PortOpener for Opener<F>
where
    F: Fn(&str, u32) -> Result<Box<dyn Transport>, OpenError> + Send + Sync,
{
    fn open(&self, name: &str, baud: u32) -> Option<Result<Box<dyn Transport>, OpenError>> {
        Some((self.0)(name, baud))
    }
}

/// A port that is missing for its first `missing` opens (`usize::MAX`: always), then
/// leads to a chip; and the count of opens.
fn appearing_after(missing: usize) -> (PortSpec, Arc<AtomicUsize>) {
    let device = VirtualChip::new(DeviceConfig::new(&ESP32, 4 << 20)).unwrap();
    let opens = Arc::new(AtomicUsize::new(0));
    let count = opens.clone();
    let port = PortSpec::named("/dev/ttyACM0").with_opener(Opener(move |name: &str, baud| {
        if count.fetch_add(1, Ordering::SeqCst) < missing {
            return Err(OpenError::new(name, "No such file or directory"));
        }
        Ok(Box::new(device.port(baud).named(name)) as Box<dyn Transport>)
    }));
    (port, opens)
}

/// Opens `port` for register work (the chip named or not); returns the outcome and the
/// attempts reported as failed.
fn open(port: &PortSpec, chip_named: bool) -> (Result<Flasher, Error>, Vec<u32>, bool) {
    let retries = Arc::new(Mutex::new(Vec::new()));
    let ignored = Arc::new(AtomicBool::new(false));
    let (keep, flag) = (retries.clone(), ignored.clone());
    let events: EventSink = Arc::new(move |e| match e {
        Event::OpenRetry { attempt, error, .. } => {
            assert!(matches!(*error, Error::Open(_)), "{error}");
            keep.lock().unwrap().push(attempt);
        }
        Event::OpenAttemptsIgnored => flag.store(true, Ordering::SeqCst),
        _ => {}
    });
    let chip = chip_named.then_some(&ESP32);
    let plan = ConnectPlan::new(Need::Registers)
        .stub(StubSource::Disabled)
        .connect(ConnectOptions::default().chip(chip));
    let result = Flasher::open(port, &plan, events);
    let retries = retries.lock().unwrap().clone();
    (result, retries, ignored.load(Ordering::SeqCst))
}

#[test]
fn a_port_that_appears_late_is_opened_on_a_later_attempt() {
    let (port, opens) = appearing_after(2);
    let (result, retries, ignored) = open(&port.open_attempts(5), true);
    assert!(result.is_ok(), "{:?}", result.err());
    assert_eq!(retries, [1, 2]);
    assert_eq!(opens.load(Ordering::SeqCst), 3);
    assert!(!ignored);

    // 0: until it opens.
    let (port, opens) = appearing_after(4);
    let (result, retries, _) = open(&port.open_attempts(0), true);
    assert!(result.is_ok());
    assert_eq!(retries, [1, 2, 3, 4]);
    assert_eq!(opens.load(Ordering::SeqCst), 5);
}

#[test]
fn a_port_that_never_appears_fails_after_the_attempts_set() {
    let (port, opens) = appearing_after(usize::MAX);
    let (result, retries, _) = open(&port.open_attempts(3), true);
    let err = result.err().expect("never opened");
    assert!(matches!(err, Error::Open(_)), "{err}");
    assert_eq!(retries, [1, 2]);
    assert_eq!(opens.load(Ordering::SeqCst), 3);

    // As esptool: without the chip named, the attempts are not used, and that is said.
    let (port, opens) = appearing_after(usize::MAX);
    let (result, retries, ignored) = open(&port.open_attempts(3), false);
    assert!(matches!(result.err(), Some(Error::Open(_))));
    assert!(retries.is_empty());
    assert!(ignored);
    assert_eq!(opens.load(Ordering::SeqCst), 1);
}
