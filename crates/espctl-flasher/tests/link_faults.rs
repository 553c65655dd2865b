//! Transfers over a poor line: 1 MB writes and reads through a line that flips, drops
//! and doubles bytes, goes quiet, or loses its cable for a while. An operation may fail,
//! but never report success with wrong data; and the library should finish what it can.
//!
//! The cycles here are few and seeded (the same every run). `scripts/soak` runs many
//! more with fresh seeds and prints the figures (`ESPCTL_SOAK_CYCLES`, `ESPCTL_SOAK_SEED`).

use espctl_chips::Chip;
use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_flasher::stub::StubStore;
use espctl_flasher::transport::{OpenError, PortOpener, Transport};
use espctl_flasher::{
    After, ConnectPlan, Error, FlashFile, Flasher, Need, PortSpec, StubSource, WriteOptions,
    ignore_events,
};
use espctl_testkit::soak;
use espctl_virtual::DeviceConfig;
use espctl_virtual_port::{ByteFaults, Cut, Faults, VirtualChip};
use std::time::Duration;

const MB: usize = 1 << 20;
const APP: u32 = 0x10000;

/// Opens ports on one chip through one faulty line; refuses while the cable is out.
struct FaultyLine {
    chip: VirtualChip,
    faults: Faults,
}

impl PortOpener for FaultyLine {
    fn open(&self, name: &str, baud: u32) -> Option<Result<Box<dyn Transport>, OpenError>> {
        if self.faults.is_down() {
            return Some(Err(OpenError::new(name, "No such file or directory")));
        }
        Some(Ok(Box::new(
            self.chip.port(baud).named(name).faulty(self.faults.clone()),
        )))
    }
}

/// How one operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Success, and the data is right.
    Correct,
    /// An error was reported (nothing claimed).
    Failed,
    /// Success was reported over wrong data: the one outcome that must never happen.
    SilentlyWrong,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Write,
    Read,
}

fn plan(after: After) -> ConnectPlan {
    ConnectPlan::new(Need::FlashData)
        .after(after)
        .stub(StubSource::Store(StubStore::in_data_dir(
            espctl_testkit::stub_data_dir(),
        )))
}

/// One 1 MB operation on a fresh chip through a line with `faults` (and `cut`, armed
/// once connected).
fn cycle(kind: &'static Chip, op: Op, faults: Faults, cut: Option<Cut>, seed: u32) -> Outcome {
    // Flash outside the operation holds a pattern, so a stray erase shows as well as a
    // stray write.
    let flash_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(flash_file.path(), soak::surroundings(FLASH_SIZE)).unwrap();
    let mut config = DeviceConfig::new(kind, FLASH_SIZE as u32);
    config.flash_file = Some(flash_file.path().to_path_buf());
    let chip = VirtualChip::new(config).unwrap();
    let old = espctl_testkit::noise(MB, seed ^ 0x5A5A);
    let new = espctl_testkit::noise(MB, seed);
    {
        // The chip starts with other data where the operation works.
        let mut clean = Flasher::open(
            &PortSpec::named("clean").with_opener(FaultyLine {
                chip: chip.clone(),
                faults: Faults::new(0),
            }),
            &plan(After::NoResetStub),
            ignore_events(),
        )
        .unwrap();
        clean
            .write_flash(
                vec![FlashFile::new(APP, old.clone(), None)],
                &WriteOptions::default(),
            )
            .unwrap();
        clean.finish().unwrap();
    }
    let port = PortSpec::named("poor").with_opener(FaultyLine {
        chip: chip.clone(),
        faults: faults.clone(),
    });
    let events: espctl_flasher::EventSink = if std::env::var_os("ESPCTL_SOAK_VERBOSE").is_some() {
        std::sync::Arc::new(|e: espctl_flasher::Event| match e {
            espctl_flasher::Event::Reconnecting { .. }
            | espctl_flasher::Event::Healing { .. }
            | espctl_flasher::Event::ReadResuming { .. } => eprintln!("  {e:?}"),
            _ => {}
        })
    } else {
        ignore_events()
    };
    let result = Flasher::open(&port, &plan(After::NoReset), events).and_then(|mut f| {
        if let Some(cut) = cut {
            faults.clone().cut(cut);
        }
        let outcome = match op {
            Op::Write => f
                .write_flash(
                    vec![FlashFile::new(APP, new.clone(), None)],
                    &WriteOptions::default(),
                )
                .map(|_| None),
            Op::Read => f.read_flash(APP, MB as u32).map(Some),
        };
        f.abandon();
        outcome
    });
    match (op, result) {
        (_, Err(e)) => {
            if std::env::var_os("ESPCTL_SOAK_VERBOSE").is_some() {
                eprintln!("{op:?} failed: {e}");
            }
            Outcome::Failed
        }
        (Op::Write, Ok(_)) => {
            if flash_holds(&chip, &new) {
                Outcome::Correct
            } else {
                Outcome::SilentlyWrong
            }
        }
        (Op::Read, Ok(data)) => {
            if data.as_deref() == Some(&old[..]) && flash_holds(&chip, &old) {
                Outcome::Correct
            } else {
                Outcome::SilentlyWrong
            }
        }
    }
}

const FLASH_SIZE: usize = 4 << 20;

/// Whether the whole flash is `app` at [`APP`] and untouched everywhere else: a transfer
/// must not write or erase anywhere else.
fn flash_holds(chip: &VirtualChip, app: &[u8]) -> bool {
    soak::holds_only(chip.device().flash(), APP as usize, app)
}

/// Runs `cycles` operations with faults from `make(seed)`; returns the outcomes.
fn run(kind: &'static Chip, op: Op, cycles: u32, make: impl Fn(u64) -> Faults) -> Vec<Outcome> {
    run_with_cut(kind, op, cycles, make, |_| None)
}

/// [`run`], with a cut armed once connected, from `cut(seed)`.
fn run_with_cut(
    kind: &'static Chip,
    op: Op,
    cycles: u32,
    make: impl Fn(u64) -> Faults,
    cut: impl Fn(u64) -> Option<Cut>,
) -> Vec<Outcome> {
    let base: u64 = soak::setting("ESPCTL_SOAK_SEED", 1);
    (0..cycles)
        .map(|i| {
            let seed = base.wrapping_mul(1000).wrapping_add(i as u64);
            cycle(kind, op, make(seed), cut(seed), seed as u32)
        })
        .collect()
}

fn cycles(ci: u32) -> u32 {
    soak::setting("ESPCTL_SOAK_CYCLES", ci)
}

/// Prints and checks: never silently wrong, and at least `min_correct` of them right.
#[track_caller]
fn judge(what: &str, outcomes: &[Outcome], min_correct: f64) {
    let n = outcomes.len() as f64;
    let correct = outcomes.iter().filter(|o| **o == Outcome::Correct).count();
    let wrong = outcomes
        .iter()
        .filter(|o| **o == Outcome::SilentlyWrong)
        .count();
    println!(
        "{what}: {correct}/{} correct, {} failed, {wrong} silently wrong",
        outcomes.len(),
        outcomes.len() - correct - wrong
    );
    assert_eq!(wrong, 0, "{what}: success reported over wrong data");
    assert!(
        correct as f64 >= min_correct * n,
        "{what}: only {correct} of {} correct",
        outcomes.len()
    );
}

#[test]
fn writes_heal_over_flipped_bits() {
    for (rate, min) in [(1e-5, 1.0), (1e-4, 0.9)] {
        for kind in [&ESP32, &ESP8266] {
            let to_chip = run(kind, Op::Write, cycles(3), |s| {
                Faults::new(s).to_chip(ByteFaults::flips(rate))
            });
            judge(
                &format!("{} write, {rate} flips to chip", kind.name),
                &to_chip,
                min,
            );
            let to_host = run(kind, Op::Write, cycles(3), |s| {
                Faults::new(s).to_host(ByteFaults::flips(rate))
            });
            judge(
                &format!("{} write, {rate} flips to host", kind.name),
                &to_host,
                min,
            );
        }
    }
}

#[test]
fn reads_resume_over_flipped_bits() {
    for (rate, min) in [(1e-5, 1.0), (1e-4, 0.9)] {
        for kind in [&ESP32, &ESP8266] {
            let to_host = run(kind, Op::Read, cycles(3), |s| {
                Faults::new(s).to_host(ByteFaults::flips(rate))
            });
            judge(
                &format!("{} read, {rate} flips to host", kind.name),
                &to_host,
                min,
            );
            let to_chip = run(kind, Op::Read, cycles(3), |s| {
                Faults::new(s).to_chip(ByteFaults::flips(rate))
            });
            judge(
                &format!("{} read, {rate} flips to chip", kind.name),
                &to_chip,
                min,
            );
        }
    }
}

#[test]
fn lost_doubled_and_late_bytes_never_go_unnoticed() {
    let lossy = ByteFaults {
        drop: 2e-5,
        duplicate: 2e-5,
        stall: 1e-3,
        ..ByteFaults::default()
    };
    for op in [Op::Write, Op::Read] {
        let outcomes = run(&ESP32, op, cycles(3), |s| {
            Faults::new(s).to_chip(lossy).to_host(lossy)
        });
        judge(
            &format!("ESP32 {op:?}, lost/doubled/late bytes"),
            &outcomes,
            0.9,
        );
    }
}

#[test]
fn a_pulled_cable_is_reconnected() {
    // The cable stays out for up to this long: short here, up to 5 s under scripts/soak.
    let longest_ms: u64 = soak::setting("ESPCTL_SOAK_CUT_MAX_MS", 300);
    // A 1 MB write sends about 1 MB, a read about 2 KB of acknowledgements.
    for (op, bytes) in [(Op::Write, 900_000), (Op::Read, 2_000)] {
        let outcomes = run_with_cut(&ESP32, op, cycles(2), Faults::new, |s| {
            Some(Cut {
                after_host_bytes: 100 + s * 7919 % bytes,
                down_for: Duration::from_millis(longest_ms - s * 104_729 % (longest_ms / 2 + 1)),
                power_cycle: true,
            })
        });
        judge(
            &format!(
                "ESP32 {op:?}, cable pulled for {:.1}..{:.1} s",
                (longest_ms - longest_ms / 2) as f64 / 1000.0,
                longest_ms as f64 / 1000.0
            ),
            &outcomes,
            0.95,
        );
    }
}

/// A cut that outlasts the reconnect window ends the operation with an error that says
/// so.
#[test]
fn a_cable_that_stays_out_is_reported() {
    let faults = Faults::new(3).cut(Cut {
        after_host_bytes: 200_000,
        down_for: Duration::from_secs(3600),
        power_cycle: false,
    });
    let chip = VirtualChip::new(DeviceConfig::new(&ESP32, 4 << 20)).unwrap();
    let port = PortSpec::named("poor").with_opener(FaultyLine {
        chip: chip.clone(),
        faults: faults.clone(),
    });
    let plan = plan(After::NoReset).reconnect_timeout(Duration::from_millis(500));
    let mut f = Flasher::open(&port, &plan, ignore_events()).unwrap();
    let err = f
        .write_flash(
            vec![FlashFile::new(APP, espctl_testkit::noise(MB, 1), None)],
            &WriteOptions::default(),
        )
        .unwrap_err();
    f.abandon();
    assert!(matches!(err, Error::LinkLost { .. }), "{err}");
}
