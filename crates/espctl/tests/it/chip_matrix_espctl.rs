//! espctl on every newer virtual chip: the commands of the esptool matrix
//! ([`super::chip_matrix`]) with the stub and with `--no-stub`, over the in-process
//! port (`virtual:<chip>`), `socket://` and a pty. The lines checked are the ones
//! esptool prints for the same command, and the flash file must hold what was written.

use crate::ESPCTL;
use crate::chip_matrix_facts::{CHIPS, Expected, check_patched_image, expected, image_for};
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, assert_erased, assert_flash_holds};

const DATA_LEN: usize = 8192;
const DATA_AT: usize = 0x10000;

struct Bench {
    dev: Device,
    env: WorkDir,
    facts: Expected,
    stub: bool,
}

impl Bench {
    fn espctl(&self, args: &[&str]) -> Run {
        let mut all = vec!["--port", &self.dev.port];
        if !self.stub {
            all.push("--no-stub");
        }
        all.extend(args);
        let run = self.env.espctl(&all).ok();
        if !self.stub {
            run.lacks("Uploading stub flasher");
        }
        run
    }

    /// A run that connected: on a pty with the stub left running by an earlier run the
    /// chip is not identified again.
    #[track_caller]
    fn identified(&self, run: &Run) {
        if !run.stdout.contains("Stub flasher is already running") {
            self.facts.check_identity(run, &self.dev.mac_text());
        }
    }
}

fn commands(b: &Bench) {
    let run = b.espctl(&["chip-id"]);
    b.identified(&run);
    run.says(&format!(
        "WARNING: {} has no chip ID. Reading MAC address instead.",
        b.facts.chip.name
    ))
    .says(&b.dev.mac_text());
    let run = b.espctl(&["read-mac"]);
    b.identified(&run);
    let run = b.espctl(&["flash-id"]);
    b.identified(&run);
    run.has("Manufacturer: 5e")
        .has("Device: 4016")
        .has("Detected flash size: 4MB");

    let image = image_for(b.facts.chip);
    let data = espctl_testkit::noise(DATA_LEN, 13);
    b.env.write("image.bin", &image);
    b.env.write("data.bin", &data);
    let at = format!("0x{DATA_AT:x}");
    let boot = b.facts.boot_offset();
    let run = b.espctl(&[
        "write-flash",
        "-fs",
        "detect",
        &boot,
        "image.bin",
        &at,
        "data.bin",
    ]);
    b.identified(&run);
    assert_eq!(run.count("Hash of data verified."), 2, "{run}");
    if b.stub {
        run.says("Stub flasher");
    }
    let flash = b.dev.flash();
    check_patched_image(b.facts.chip, &flash, &image);
    assert_flash_holds(&flash, DATA_AT, &data, "data");

    b.espctl(&["verify-flash", &at, "data.bin"])
        .says("Verification successful (digest matched).");
    b.espctl(&["read-flash", &at, &DATA_LEN.to_string(), "back.bin"])
        .says(&format!("Read {DATA_LEN} bytes from 0x{DATA_AT:08x}"));
    assert_eq!(b.env.read("back.bin"), data);

    b.espctl(&["erase-region", &at, "0x1000"])
        .says("Flash memory region erased successfully");
    let flash = b.dev.flash();
    assert_erased(&flash, DATA_AT..DATA_AT + 0x1000, "erased region");
    assert_flash_holds(&flash, DATA_AT + 0x1000, &data[0x1000..], "data after it");

    // Without the stub espctl erases the whole flash with FLASH_BEGIN (esptool refuses).
    b.espctl(&["erase-flash"])
        .says("Flash memory erased successfully");
    assert_erased(&b.dev.flash(), 0..4 << 20, "the whole flash");
}

fn matrix(chip: &str) {
    for link in [Link::InProcess, Link::Socket, Link::Pty] {
        for stub in [true, false] {
            let bench = Bench {
                dev: ESPCTL.device(chip, link, "4MB"),
                env: ESPCTL.workdir(if stub { Stubs::Installed } else { Stubs::None }),
                facts: expected(chip),
                stub,
            };
            commands(&bench);
        }
    }
}

/// Every chip in its own thread: the runs are short, the chips independent.
#[test]
fn espctl_on_every_newer_chip() {
    let threads: Vec<_> = CHIPS
        .iter()
        .map(|chip| (chip, std::thread::spawn(move || matrix(chip))))
        .collect();
    let failed: Vec<&str> = threads
        .into_iter()
        .filter_map(|(chip, t)| t.join().is_err().then_some(*chip))
        .collect();
    assert!(failed.is_empty(), "espctl failed on {failed:?}");
}

/// A 32 MB flash on the S3 through the in-process port: written and read back past
/// 16 MB.
#[test]
fn espctl_writes_past_16mb_on_an_esp32s3() {
    let dev = ESPCTL.device("esp32s3", Link::InProcess, "32MB");
    let env = ESPCTL.workdir(Stubs::Installed);
    let data = espctl_testkit::noise(4096, 5);
    env.write("high.bin", &data);
    env.espctl(&["--port", &dev.port, "write-flash", "0x1800000", "high.bin"])
        .ok()
        .says("Hash of data verified.");
    assert_flash_holds(&dev.flash(), 0x180_0000, &data, "past 16MB");
    env.espctl(&[
        "--port",
        &dev.port,
        "read-flash",
        "0x1800000",
        "4096",
        "back.bin",
    ])
    .ok();
    assert_eq!(env.read("back.bin"), data);
}

/// The ESP32-C2 ROM sets rates for a 40 MHz crystal on a 26 MHz part: espctl scales
/// the rate it asks for, as esptool does, and the line works at the new rate.
#[test]
fn espctl_raises_the_baud_rate_of_a_26mhz_esp32c2_rom() {
    let dev = ESPCTL.device("esp32c2", Link::InProcess, "4MB");
    let env = ESPCTL.workdir(Stubs::None);
    let run = env
        .espctl(&[
            "--port",
            &dev.port,
            "--no-stub",
            "-b",
            "460800",
            "read-flash",
            "0",
            "0x1000",
            "back.bin",
        ])
        .ok();
    run.has("Crystal frequency:  26MHz")
        .says("Changed.")
        .lacks("No reply at 460800 baud");
    assert_eq!(env.read("back.bin"), dev.flash()[..0x1000]);
}
