//! esptool 5.6.0's safety checks before writing or erasing, and `--force`, side by side.
//! Each case runs esptool and espctl against two identical virtual devices (same chip,
//! eFuses burnt with `espctl virtual --efuse`, flash contents) and compares the exit
//! code, the line that explains the refusal and the flash afterwards: untouched after a
//! refusal, the same on both after a run that goes ahead.

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, noise};
use std::path::Path;

const FLASH: &str = "4MB";

/// One command line and what both tools must make of it.
struct Case {
    what: &'static str,
    chip: &'static str,
    /// `--efuse` of both devices ("" burns nothing).
    efuse: &'static str,
    /// The command after `--port P`.
    args: &'static [&'static str],
    /// The refusal both print (esptool's words up to its advice), or `None` when the
    /// command goes ahead.
    refusal: Option<&'static str>,
    /// A line both print whether or not they refuse (a note, a warning).
    both_say: Option<&'static str>,
}

/// Files the cases write: an ESP32-S3 image, ESP32 bootloaders asking for revisions.
fn inputs(env: &WorkDir) {
    for name in ["one_kb.bin", "esp32s3_header.bin"] {
        env.write(
            name,
            &espctl_testkit::fixture_bytes(&format!("images/{name}")),
        );
    }
    // bootloader_esp32_v5_2.bin with other revision fields in its extended header
    // (min_rev at byte 14, min_rev_full at 15, max_rev_full at 17).
    let bootloader = espctl_testkit::fixture_bytes("images/bootloader_esp32_v5_2.bin");
    let with = |min_rev: u8, min_full: u16, max_full: u16| {
        let mut b = bootloader.clone();
        b[14] = min_rev;
        b[15..17].copy_from_slice(&min_full.to_le_bytes());
        b[17..19].copy_from_slice(&max_full.to_le_bytes());
        b
    };
    env.write("min_rev_400.bin", &with(0, 400, 0xFFFF));
    env.write("min_rev_300.bin", &with(0, 300, 0xFFFF));
    env.write("max_rev_199.bin", &with(0, 0, 199));
    env.write("legacy_min_rev_4.bin", &with(4, 0, 0));
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            what: "an ESP32-S3 image at the ESP32 bootloader offset",
            chip: "esp32",
            efuse: "",
            args: &["write-flash", "0x1000", "esp32s3_header.bin"],
            refusal: Some("'esp32s3_header.bin' is not an ESP32 image."),
            both_say: None,
        },
        Case {
            what: "an image asking for revision v4.0",
            chip: "esp32",
            efuse: "",
            args: &["write-flash", "0x1000", "min_rev_400.bin"],
            refusal: Some(
                "'min_rev_400.bin' requires chip revision v4.0 or higher (this chip is revision v3.0).",
            ),
            both_say: None,
        },
        Case {
            what: "an image for revisions up to v1.99",
            chip: "esp32",
            efuse: "",
            args: &["write-flash", "0x1000", "max_rev_199.bin"],
            refusal: Some(
                "'max_rev_199.bin' requires chip revision v1.99 or lower (this chip is revision v3.0).",
            ),
            both_say: None,
        },
        Case {
            what: "an old image asking for major revision 4",
            chip: "esp32",
            efuse: "",
            args: &["write-flash", "0x1000", "legacy_min_rev_4.bin"],
            refusal: Some(
                "'legacy_min_rev_4.bin' requires chip revision 4 or higher (this chip is revision 3).",
            ),
            both_say: None,
        },
        Case {
            what: "a v3.0 image on a revision v1.0 chip",
            chip: "esp32",
            efuse: "revision=v1.0",
            args: &["write-flash", "0x1000", "min_rev_300.bin"],
            refusal: Some(
                "'min_rev_300.bin' requires chip revision v3.0 or higher (this chip is revision v1.0).",
            ),
            both_say: Some("Chip type:          ESP32-D0WD (revision v1.0)"),
        },
        Case {
            what: "Secure Boot V1 and the bootloader region",
            chip: "esp32",
            efuse: "secure-boot",
            args: &["write-flash", "0x1000", "one_kb.bin"],
            refusal: Some(
                "Secure Boot V1 detected, writing to flash regions < 0x8000 is disabled to protect the bootloader.",
            ),
            both_say: None,
        },
        Case {
            what: "plaintext onto a chip that encrypts and cannot in download mode",
            chip: "esp32",
            efuse: "flash-crypt-cnt=1,flash-crypt-config=0xf,disable-dl-encrypt",
            args: &["write-flash", "0x10000", "one_kb.bin"],
            refusal: Some(
                "Detected flash encryption enabled and download manual encrypt disabled.",
            ),
            both_say: None,
        },
        Case {
            what: "erase-flash with Secure Boot V1",
            chip: "esp32",
            efuse: "secure-boot",
            args: &["erase-flash"],
            refusal: Some(
                "Active security features detected, erasing flash is disabled as a safety measure.",
            ),
            both_say: None,
        },
        Case {
            what: "erase-region with flash encryption",
            chip: "esp32",
            efuse: "flash-crypt-cnt=1",
            args: &["erase-region", "0x10000", "0x2000"],
            refusal: Some(
                "Active security features detected, erasing flash is disabled as a safety measure.",
            ),
            both_say: None,
        },
        Case {
            what: "erase-flash with Secure Boot V2 on a v3.0 chip",
            chip: "esp32",
            efuse: "secure-boot-v2",
            args: &["erase-flash"],
            refusal: Some(
                "Active security features detected, erasing flash is disabled as a safety measure.",
            ),
            both_say: None,
        },
        Case {
            what: "write-flash --erase-all with flash encryption",
            chip: "esp32",
            efuse: "flash-crypt-cnt=1",
            args: &["write-flash", "-e", "0x10000", "one_kb.bin"],
            refusal: Some(
                "Active security features detected, erasing flash is disabled as a safety measure.",
            ),
            both_say: None,
        },
    ]
}

/// Commands the checks let through (and what they say on the way).
fn allowed() -> Vec<Case> {
    vec![
        Case {
            what: "an ESP32-S3 image away from the bootloader offset (a note)",
            chip: "esp32",
            efuse: "",
            args: &[
                "write-flash",
                "0x0",
                "esp32s3_header.bin",
                "0x1000",
                "one_kb.bin",
            ],
            refusal: None,
            both_say: Some("NOTE: 'esp32s3_header.bin' is not an ESP32 image"),
        },
        Case {
            what: "a revision v4.0 image away from the bootloader offset (a note)",
            chip: "esp32",
            efuse: "",
            args: &["write-flash", "0x10000", "min_rev_400.bin"],
            refusal: None,
            both_say: Some(
                "NOTE: 'min_rev_400.bin' requires chip revision v4.0 or higher (this chip is revision v3.0)",
            ),
        },
        Case {
            what: "Secure Boot V1 and an application above 0x8000",
            chip: "esp32",
            efuse: "secure-boot",
            args: &["write-flash", "-fm", "dio", "0x10000", "one_kb.bin"],
            refusal: None,
            both_say: Some(
                "WARNING: Security features enabled, so not changing any flash settings.",
            ),
        },
        Case {
            what: "Secure Boot V2 does not count before revision v3.0",
            chip: "esp32",
            efuse: "secure-boot-v2,revision=v1.0",
            args: &["erase-region", "0x10000", "0x1000"],
            refusal: None,
            both_say: None,
        },
        Case {
            what: "an even FLASH_CRYPT_CNT is flash encryption off",
            chip: "esp32",
            efuse: "flash-crypt-cnt=3,disable-dl-encrypt",
            args: &["write-flash", "0x10000", "one_kb.bin"],
            refusal: None,
            both_say: None,
        },
        Case {
            what: "the ESP8266 has no checks: an ESP32-S3 image at 0x0",
            chip: "esp8266",
            efuse: "",
            args: &["write-flash", "0x0", "esp32s3_header.bin"],
            refusal: None,
            both_say: None,
        },
    ]
}

/// A served device with noise in its flash and `efuse` burnt.
fn device(case: &Case) -> Device {
    let mut options = ESPCTL
        .device_options(case.chip, Link::Socket)
        .flash_size(FLASH)
        .flash_contents(noise(4 << 20, 23));
    if !case.efuse.is_empty() {
        options = options.server_args(&["--efuse", case.efuse]);
    }
    options.start()
}

/// `args` with `--force` after the command name.
fn forced(args: &[&'static str]) -> Vec<&'static str> {
    let mut all = vec![args[0], "--force"];
    all.extend(&args[1..]);
    all
}

/// esptool and espctl run `args` on twin devices of `case`.
fn both(env: &WorkDir, case: &Case, args: &[&str]) -> (Run, Device, Run, Device) {
    let theirs = device(case);
    let ours = device(case);
    let run = |program: &Path, d: &Device| {
        let mut all = vec!["--port", d.port.as_str()];
        all.extend(args);
        env.run(program, &all)
    };
    let t = run(&espctl_testkit::esptool(), &theirs);
    let o = run(ESPCTL.path(), &ours);
    (t, theirs, o, ours)
}

#[track_caller]
fn same_flash(case: &Case, theirs: &Device, ours: &Device) {
    let (a, b) = (theirs.flash(), ours.flash());
    if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
        panic!(
            "{}: flash differs at {i:#x}: esptool left {:#04x}, espctl {:#04x}",
            case.what, a[i], b[i]
        );
    }
}

#[test]
fn refusals_match_esptool_and_force_overrides_them() {
    let env = ESPCTL.workdir(Stubs::Installed);
    inputs(&env);
    let before = noise(4 << 20, 23);
    for case in cases() {
        let refusal = case.refusal.expect("a refused case");
        let (t, theirs, o, ours) = both(&env, &case, case.args);
        t.exits(2).says(refusal);
        let line = o.fatal();
        assert!(
            line.contains(refusal),
            "{}: espctl said {line:?}",
            case.what
        );
        assert!(
            line.contains("Use --force"),
            "{}: no hint in {line:?}",
            case.what
        );
        if let Some(text) = case.both_say {
            t.says(text);
            o.says(text);
        }
        assert!(
            theirs.flash() == before,
            "{}: esptool changed the flash",
            case.what
        );
        assert!(
            ours.flash() == before,
            "{}: espctl changed the flash",
            case.what
        );

        let args = forced(case.args);
        let (t, theirs, o, ours) = both(&env, &case, &args);
        assert_eq!(t.code, 0, "{}: esptool --force failed\n{t}", case.what);
        assert_eq!(o.code, 0, "{}: espctl --force failed\n{o}", case.what);
        o.lacks(refusal);
        same_flash(&case, &theirs, &ours);
        assert!(
            ours.flash() != before,
            "{}: --force wrote nothing",
            case.what
        );
    }
}

#[test]
fn what_the_checks_let_through_matches_esptool() {
    let env = ESPCTL.workdir(Stubs::Installed);
    inputs(&env);
    for case in allowed() {
        let (t, theirs, o, ours) = both(&env, &case, case.args);
        assert_eq!(t.code, 0, "{}: esptool failed\n{t}", case.what);
        assert_eq!(o.code, 0, "{}: espctl failed\n{o}", case.what);
        if let Some(text) = case.both_say {
            t.says(text);
            o.says(text);
        }
        same_flash(&case, &theirs, &ours);
    }
}

#[test]
fn esp8266_has_no_efuses_to_burn() {
    let env = ESPCTL.workdir(Stubs::None);
    let run = env.espctl(&[
        "virtual",
        "--chip",
        "esp8266",
        "--listen",
        "127.0.0.1:0",
        "--efuse",
        "secure-boot",
    ]);
    assert!(run.fatal().contains("--efuse is for the ESP32"), "{run}");
    let run = env.espctl(&[
        "virtual",
        "--chip",
        "esp32",
        "--listen",
        "127.0.0.1:0",
        "--efuse",
        "flash-crypt-cnt=200",
    ]);
    assert!(run.fatal().contains("flash-crypt-cnt=200"), "{run}");
}
