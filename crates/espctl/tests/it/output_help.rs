//! Output and help, side by side with esptool 5.6.0 on identical virtual devices: the
//! v4 spellings' deprecation notes, one compression note per file with its whole
//! sizes, `SHA digest in image updated.` from verify-flash, `version`, help with the
//! short forms and every value, "did you mean", errors naming options as typed, an
//! address past 4 GB, a missing `--diff-with` file and `-a soft-reset` where the chip
//! cannot. The progress bar on a terminal is in [`crate::progress_terminal`].

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, noise};
use std::path::Path;

/// esptool's `WARNING: Deprecated: ...` lines, in order.
fn deprecation_notes(run: &Run) -> Vec<String> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("WARNING: Deprecated:"))
        .map(str::to_string)
        .collect()
}

/// Runs `args` with esptool against `theirs` and with espctl against `ours`.
fn both(env: &WorkDir, theirs: &Device, ours: &Device, args: &[&str]) -> (Run, Run) {
    let with_port = |program: &Path, port: &str| {
        let mut all = vec!["--port", port];
        all.extend(args);
        env.run(program, &all)
    };
    (
        with_port(&espctl_testkit::esptool(), &theirs.port),
        with_port(ESPCTL.path(), &ours.port),
    )
}

#[test]
fn v4_spellings_print_esptools_deprecation_notes() {
    let env = ESPCTL.workdir(Stubs::None);
    env.write("one.bin", &noise(1024, 1));
    let args = [
        "--chip",
        "esp32",
        "merge_bin",
        "-o",
        "merged.bin",
        "--flash_mode",
        "dio",
        "--flash_size=4MB",
        "--fill-flash-size",
        "4MB",
        "0x0",
        "one.bin",
    ];
    let theirs = env.esptool(&args).ok();
    let ours = env.espctl(&args).ok();
    let notes = deprecation_notes(&theirs);
    assert_eq!(notes.len(), 4, "{theirs}");
    assert_eq!(deprecation_notes(&ours), notes, "{ours}");

    // On a device: the reset mode's note, then the command's.
    let (a, b) = (
        ESPCTL.device("esp32", Link::Socket, "4MB"),
        ESPCTL.device("esp32", Link::Socket, "4MB"),
    );
    let (theirs, ours) = both(
        &env,
        &a,
        &b,
        &["--no-stub", "--before", "no_reset", "read_mac"],
    );
    theirs.exits(0);
    ours.exits(0);
    let notes = deprecation_notes(&theirs);
    assert_eq!(notes.len(), 2, "{theirs}");
    assert_eq!(deprecation_notes(&ours), notes, "{ours}");

    // The v5 spellings get none.
    let ours = env.espctl(&[
        "--chip",
        "esp32",
        "merge-bin",
        "-o",
        "m.bin",
        "-fm",
        "dio",
        "0",
        "one.bin",
    ]);
    assert!(deprecation_notes(&ours.ok()).is_empty());
}

/// A file of `noise_len` incompressible bytes followed by `zeros` zero bytes.
fn file_of(noise_len: usize, zeros: usize) -> Vec<u8> {
    let mut data = noise(noise_len, 7);
    data.resize(noise_len + zeros, 0);
    data
}

#[test]
fn a_large_file_gets_one_note_with_its_whole_sizes() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let big = file_of(5 << 20, 0);
    let mixed = file_of(1 << 20, 2 << 20);
    env.write("big.bin", &big);
    env.write("mixed.bin", &mixed);
    let (a, b) = (
        ESPCTL.device("esp32", Link::Socket, "16MB"),
        ESPCTL.device("esp32", Link::Socket, "16MB"),
    );
    let (theirs, ours) = both(&env, &a, &b, &["write-flash", "0x100000", "big.bin"]);
    for run in [&theirs, &ours] {
        run.exits(0);
        assert_eq!(run.count("Cannot compress file 'big.bin'"), 1, "{run}");
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with("NOTE: Cannot compress file 'big.bin'")
                    && l.ends_with(">= uncompressed 5242880 bytes.")),
            "{run}"
        );
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with("Wrote 5242880 bytes at 0x00100000 in ")),
            "{run}"
        );
        assert!(
            !run.stdout.lines().any(|l| l.starts_with("Compressed ")),
            "{run}"
        );
    }
    espctl_testkit::assert_flash_holds(&b.flash(), 0x100000, &big, "big.bin");

    // Where the flash is blank, so that espctl writes the whole file too.
    let (theirs, ours) = both(&env, &a, &b, &["write-flash", "0x800000", "mixed.bin"]);
    for run in [&theirs, &ours] {
        run.exits(0);
        assert_eq!(run.count("Compressed 3145728 bytes to "), 1, "{run}");
        assert_eq!(run.count("Wrote 3145728 bytes ("), 1, "{run}");
        run.lacks("Cannot compress");
    }
    espctl_testkit::assert_flash_holds(&b.flash(), 0x800000, &mixed, "mixed.bin");
}

/// stdout lines starting with one of `starts`, in order.
fn lines_starting(run: &Run, starts: &[&str]) -> Vec<String> {
    run.stdout
        .lines()
        .filter(|l| starts.iter().any(|s| l.starts_with(s)))
        .map(str::to_string)
        .collect()
}

#[test]
fn verify_flash_says_the_sha_digest_was_updated_as_esptool_does() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let image = espctl_testkit::fixture_bytes("images/bootloader_esp32_v5_2.bin");
    env.write("boot.bin", &image);
    let (a, b) = (
        ESPCTL.device("esp32", Link::Socket, "4MB"),
        ESPCTL.device("esp32", Link::Socket, "4MB"),
    );
    let keys = [
        "Flash parameters set to",
        "SHA digest in image updated.",
        "Verification ",
    ];
    both(
        &env,
        &a,
        &b,
        &["write-flash", "-fm", "qio", "0x1000", "boot.bin"],
    );
    for args in [
        &["verify-flash", "-fm", "qio", "0x1000", "boot.bin"][..],
        &["verify-flash", "--flash-mode", "dio", "0x1000", "boot.bin"][..],
        &["verify-flash", "0x1000", "boot.bin"][..],
    ] {
        let (theirs, ours) = both(&env, &a, &b, args);
        assert_eq!(ours.code, theirs.code, "{args:?}\n{theirs}\n{ours}");
        let expected = lines_starting(&theirs, &keys);
        assert_eq!(lines_starting(&ours, &keys), expected, "{args:?}\n{ours}");
        let updated = args.len() > 3;
        assert_eq!(
            expected.iter().any(|l| l == "SHA digest in image updated."),
            updated,
            "{theirs}"
        );
    }
}

#[test]
fn version_prints_as_esptool_prints_it() {
    let env = ESPCTL.workdir(Stubs::None);
    let theirs = env.esptool(&["version"]).ok();
    let ours = env.espctl(&["version"]).ok();
    let shape = |run: &Run, name: &str| {
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{run}");
        assert_eq!(lines[0], format!("{name} v{}", lines[1]), "{run}");
        assert!(
            lines[1].split('.').all(|n| n.parse::<u32>().is_ok()),
            "{run}"
        );
        lines[1].to_string()
    };
    assert_eq!(shape(&theirs, "esptool"), "5.6.0");
    // espctl's own name and version, not esptool's.
    assert_eq!(shape(&ours, "espctl"), env!("CARGO_PKG_VERSION"));
}

/// esptool 5.6.0's values of each option, all of which espctl's help must list.
const VALUE_LISTS: &[(&str, &[&str])] = &[
    ("--flash-mode", &["keep", "qio", "qout", "dio", "dout"]),
    (
        "--flash-freq",
        &[
            "keep", "80m", "64m", "60m", "48m", "40m", "32m", "30m", "26m", "24m", "20m", "16m",
            "15m", "12m",
        ],
    ),
    (
        "--flash-size",
        &[
            "detect", "keep", "256KB", "512KB", "1MB", "2MB", "2MB-c1", "4MB", "4MB-c1", "8MB",
            "16MB", "32MB", "64MB", "128MB",
        ],
    ),
];

/// The `[possible values: ...]` clap prints for the option on `line` (and the lines
/// after it, up to the next option).
fn possible_values(help: &str, option: &str) -> Vec<String> {
    let start = help
        .find(&format!("{option} <"))
        .unwrap_or_else(|| panic!("help has no {option}:\n{help}"));
    let rest = &help[start..];
    let end = rest[2..].find("\n  -").map_or(rest.len(), |e| e + 2);
    let text = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(at) = text.find("[possible values: ") else {
        panic!("{option} lists no values: {text}");
    };
    let list = &text[at + "[possible values: ".len()..];
    list[..list.find(']').expect("closing bracket")]
        .split(", ")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_shows_the_short_forms_and_every_value() {
    let env = ESPCTL.workdir(Stubs::None);
    for command in ["write-flash", "verify-flash"] {
        let help = env.espctl(&[command, "--help"]).ok().stdout;
        for (option, values) in VALUE_LISTS {
            assert_eq!(
                possible_values(&help, option),
                *values,
                "{command} {option}"
            );
        }
        for short in ["-fm", "-ff", "-fs"] {
            assert!(
                help.contains(&format!("{short}: ")),
                "{command}: no {short}\n{help}"
            );
        }
        if help.contains("--spi-connection") {
            assert!(help.contains("-sc"), "{command}: no -sc\n{help}");
        }
        // esptool's help lists the same values.
        let theirs = env.esptool(&[command, "--help"]).ok().stdout;
        for short in ["-fm", "-ff", "-fs"] {
            assert!(theirs.contains(short), "{theirs}");
        }
    }
    let help = env.espctl(&["--help"]).ok().stdout;
    let chips = possible_values(&help, "--chip");
    assert_eq!(chips[0], "auto");
    for chip in [
        "esp8266", "esp32", "esp32s2", "esp32s3", "esp32c3", "esp32c6", "esp32h2", "esp32p4",
    ] {
        assert!(chips.iter().any(|c| c == chip), "{chips:?}");
    }
    assert_eq!(
        possible_values(&help, "--before"),
        ["default-reset", "usb-reset", "no-reset", "no-reset-no-sync"]
    );
    let after = possible_values(&help, "--after");
    for mode in [
        "hard-reset",
        "soft-reset",
        "no-reset",
        "no-reset-stub",
        "watchdog-reset",
    ] {
        assert!(after.iter().any(|m| m == mode), "{after:?}");
    }
}

#[test]
fn mistyped_commands_and_options_get_a_suggestion_and_are_named_as_typed() {
    let env = ESPCTL.workdir(Stubs::None);
    env.write("f.bin", &noise(16, 2));
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["writeflash", "0", "f.bin"],
            &["'writeflash'", "Did you mean", "'write-flash'"],
        ),
        (
            &["--prot", "x", "read-mac"],
            &["'--prot'", "Did you mean '--port'?"],
        ),
        (
            &["write-flash", "--flash_mod", "dio", "0", "f.bin"],
            &["'--flash_mod'", "Did you mean '--flash-mode'?"],
        ),
        (
            &["write-flash", "-fm", "qqq", "0", "f.bin"],
            &["'qqq'", "'-fm ", "keep, qio, qout, dio, dout"],
        ),
        (
            &["write-flash", "--flash_size", "5MB", "0", "f.bin"],
            &["'5MB'", "'--flash_size ", "2MB-c1"],
        ),
    ];
    for (args, needles) in cases {
        let theirs = env.esptool(args);
        theirs.exits(2);
        let line = env.espctl(args).fatal();
        for needle in *needles {
            assert!(line.contains(needle), "{args:?}: {line}");
        }
        // esptool names it as typed too (in its box).
        theirs.says(needles[0]);
    }
}

#[test]
fn an_address_past_4gb_will_not_fit_as_in_esptool() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("one.bin", &noise(1024, 3));
    let (a, b) = (
        ESPCTL.device("esp32", Link::Socket, "4MB"),
        ESPCTL.device("esp32", Link::Socket, "4MB"),
    );
    let (theirs, ours) = both(&env, &a, &b, &["write-flash", "0x100000000", "one.bin"]);
    theirs.exits(2);
    let line = ours.fatal();
    assert!(
        line.contains("will not fit in 4194304 bytes of flash"),
        "{line}"
    );
    assert!(theirs.stderr.lines().any(|l| l == line), "{theirs}\n{line}");
    espctl_testkit::assert_erased(&b.flash(), 0..4 << 20, "after the refused write");
}

#[test]
fn a_missing_diff_with_file_is_an_error() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("new.bin", &noise(4096, 4));
    let (a, b) = (
        ESPCTL.device("esp32", Link::Socket, "4MB"),
        ESPCTL.device("esp32", Link::Socket, "4MB"),
    );
    let args = [
        "write-flash",
        "0x10000",
        "new.bin",
        "--diff-with",
        "old.bin",
    ];
    let (theirs, ours) = both(&env, &a, &b, &args);
    theirs.exits(2).says("'old.bin' does not exist");
    let line = ours.fatal();
    assert!(
        line.contains("'--diff-with'") && line.contains("'old.bin' does not exist"),
        "{line}"
    );
    ours.lacks("Connecting");
    espctl_testkit::assert_erased(&b.flash(), 0..4 << 20, "after the refused write");
    // 'skip' and files that exist are fine.
    env.write("old.bin", &noise(4096, 5));
    let (theirs, ours) = both(&env, &a, &b, &args);
    theirs.exits(0);
    ours.exits(0);
}

#[test]
fn soft_reset_where_the_chip_cannot_is_an_error_as_in_esptool() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("f.bin", &noise(4096, 6));
    let write: &[&str] = &["write-flash", "0x10000", "f.bin"];
    for (chip, no_stub, command, code) in [
        // The ESP32 flasher stub cannot run the application: esptool refuses (espctl
        // too, although it reads the MAC through the ROM).
        ("esp32", false, &["read-mac"][..], 2),
        ("esp32", false, write, 2),
        // The ROM can ("run user code" once the flash is attached), and the ESP8266's
        // stub can.
        ("esp32", true, write, 0),
        ("esp8266", false, &["read-mac"][..], 0),
        ("esp8266", false, write, 0),
    ] {
        let (a, b) = (
            ESPCTL.device(chip, Link::Socket, "4MB"),
            ESPCTL.device(chip, Link::Socket, "4MB"),
        );
        let mut args: Vec<&str> = if no_stub { vec!["--no-stub"] } else { vec![] };
        args.extend(["-a", "soft-reset"]);
        args.extend(command);
        let (theirs, ours) = both(&env, &a, &b, &args);
        theirs.exits(code).has("Soft resetting...");
        ours.exits(code).has("Soft resetting...");
        if code != 0 {
            let line = ours.fatal();
            assert!(theirs.stderr.lines().any(|l| l == line), "{theirs}\n{line}");
        }
    }
}
