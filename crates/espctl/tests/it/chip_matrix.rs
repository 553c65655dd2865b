//! The referee on every newer virtual chip: esptool 5.6.0 against `espctl virtual
//! --chip <chip>` over `socket://` (its default reset, which a socket cannot do), with
//! its flasher stub and with `--no-stub`. Each run's output must name the chip, its
//! features, crystal and MAC as esptool decodes them from the device's registers, and
//! the device's flash file must hold what esptool wrote.
//!
//! One test per chip, so the chips run in parallel; small files keep each under a few
//! seconds of esptool start-up time.

use crate::ESPCTL;
use crate::chip_matrix_facts::{Expected, check_patched_image, expected, image_for};
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, assert_erased, assert_flash_holds};

/// Bytes of the data file written after the image.
const DATA_LEN: usize = 8192;
const DATA_AT: usize = 0x10000;

struct Bench {
    dev: Device,
    env: WorkDir,
    facts: Expected,
}

impl Bench {
    fn start(chip: &str, flash_size: &str) -> Bench {
        Bench {
            dev: ESPCTL.device(chip, Link::Socket, flash_size),
            env: ESPCTL.workdir(Stubs::None),
            facts: expected(chip),
        }
    }

    fn esptool(&self, stub: bool, args: &[&str]) -> Run {
        let mut all = vec!["--chip", &self.dev.chip, "--port", &self.dev.port];
        if !stub {
            all.push("--no-stub");
        }
        all.extend(args);
        self.env.esptool(&all)
    }

    /// A run that identified the chip, through the stub or the ROM.
    #[track_caller]
    fn connected(&self, run: Run, stub: bool) -> Run {
        let run = run.ok();
        self.facts.check_identity(&run, &self.dev.mac_text());
        if stub {
            run.has("Stub flasher running.");
        } else {
            run.lacks("Uploading stub flasher");
        }
        run
    }
}

/// Every command of the list, through the stub or the ROM.
fn commands(b: &Bench, stub: bool) {
    let name = b.facts.chip.name;
    if stub {
        b.connected(b.esptool(stub, &["chip-id"]), stub)
            .says(&format!(
                "WARNING: {name} has no chip ID. Reading MAC address instead."
            ));
    } else {
        b.connected(b.esptool(stub, &["read-mac"]), stub);
    }
    b.connected(b.esptool(stub, &["flash-id"]), stub)
        .has("Manufacturer: 5e")
        .has("Device: 4016")
        .has("Detected flash size: 4MB");

    let image = image_for(b.facts.chip);
    let data = espctl_testkit::noise(DATA_LEN, 11);
    let image_file = b.env.write("image.bin", &image);
    let data_file = b.env.write("data.bin", &data);
    let (image_s, data_s) = (
        image_file.display().to_string(),
        data_file.display().to_string(),
    );
    let at = format!("0x{DATA_AT:x}");
    let run = b.connected(
        b.esptool(
            stub,
            &[
                "write-flash",
                "-fs",
                "detect",
                &b.facts.boot_offset(),
                &image_s,
                &at,
                &data_s,
            ],
        ),
        stub,
    );
    run.says("Auto-detected flash size: 4MB");
    assert_eq!(run.count("Hash of data verified."), 2, "{run}");
    let flash = b.dev.flash();
    check_patched_image(b.facts.chip, &flash, &image);
    assert_flash_holds(&flash, DATA_AT, &data, "data");

    b.connected(b.esptool(stub, &["verify-flash", &at, &data_s]), stub)
        .says("Verification successful (digest matched).");

    let out = b.env.path("read.bin");
    b.connected(
        b.esptool(
            stub,
            &[
                "read-flash",
                &at,
                &DATA_LEN.to_string(),
                &out.display().to_string(),
            ],
        ),
        stub,
    )
    .says(&format!("Read {DATA_LEN} bytes from 0x{DATA_AT:08x}"));
    assert_eq!(std::fs::read(&out).unwrap(), data);

    b.connected(b.esptool(stub, &["erase-region", &at, "0x1000"]), stub)
        .says("Flash memory region erased successfully");
    let flash = b.dev.flash();
    assert_erased(&flash, DATA_AT..DATA_AT + 0x1000, "erased region");
    assert_flash_holds(&flash, DATA_AT + 0x1000, &data[0x1000..], "data after it");

    let run = b.esptool(stub, &["erase-flash"]);
    if stub {
        b.connected(run, stub)
            .says("Flash memory erased successfully");
        assert_erased(&b.dev.flash(), 0..4 << 20, "the whole flash");
    } else {
        // The ROMs have no ERASE_FLASH; esptool refuses (espctl erases with FLASH_BEGIN).
        run.exits(2).says(&format!(
            "{name} ROM does not support function erase_flash."
        ));
    }
}

fn matrix(chip: &str) {
    for stub in [true, false] {
        let bench = Bench::start(chip, "4MB");
        commands(&bench, stub);
    }
}

#[test]
fn esptool_on_esp32s2() {
    matrix("esp32s2");
}

#[test]
fn esptool_on_esp32s3() {
    matrix("esp32s3");
}

#[test]
fn esptool_on_esp32c2() {
    matrix("esp32c2");
}

#[test]
fn esptool_on_esp32c3() {
    matrix("esp32c3");
}

#[test]
fn esptool_on_esp32c5() {
    matrix("esp32c5");
}

#[test]
fn esptool_on_esp32c6() {
    matrix("esp32c6");
}

#[test]
fn esptool_on_esp32h2() {
    matrix("esp32h2");
}

#[test]
fn esptool_on_esp32p4() {
    matrix("esp32p4");
}

/// A 32 MB flash on the S3: beyond 16 MB esptool's stub writes and reads with 4-byte
/// addresses.
#[test]
fn esptool_writes_past_16mb_on_an_esp32s3() {
    let b = Bench::start("esp32s3", "32MB");
    let data = espctl_testkit::noise(4096, 3);
    let file = b.env.write("high.bin", &data);
    let run = b.connected(
        b.esptool(
            true,
            &["write-flash", "0x1800000", &file.display().to_string()],
        ),
        true,
    );
    run.says("Hash of data verified.");
    assert_flash_holds(&b.dev.flash(), 0x180_0000, &data, "past 16MB");
    let out = b.env.path("back.bin");
    b.connected(
        b.esptool(
            true,
            &[
                "read-flash",
                "0x1800000",
                "4096",
                &out.display().to_string(),
            ],
        ),
        true,
    );
    assert_eq!(std::fs::read(out).unwrap(), data);
}
