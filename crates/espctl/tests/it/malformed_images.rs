//! Malformed inputs: one clear line on stderr, exit code 2, no panic, no output file.

use crate::{ESPCTL, run_in};
use espctl_testkit::elf::{self, Section};
use espctl_testkit::{Run, Stubs};

fn assert_clean_failure(label: &str, run: &Run, expected: &str) {
    assert_eq!(run.code, 2, "{label}: exit code; stderr: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{label}: {}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{label}: one line expected: {}", run.stderr);
    assert!(
        lines[0].starts_with("ERROR: A fatal error occurred: ") && lines[0].contains(expected),
        "{label}: {}",
        lines[0]
    );
    assert!(
        run.files.is_empty(),
        "{label}: wrote {:?}",
        run.files.keys()
    );
}

fn espctl(args: &[&str], inputs: &[(&str, &[u8])]) -> Run {
    run_in(ESPCTL.path(), args, inputs)
}

#[test]
fn truncated_headers_are_reported() {
    for (label, data, expected) in [
        ("3 bytes", &[0xE9u8, 0x01, 0x02][..], "truncated"),
        (
            "esp32 header without extended header",
            &[
                0xE9, 0x01, 0x02, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ][..],
            "truncated",
        ),
        ("not an image", b"hello world", "invalid magic number: 0x68"),
        ("empty", b"", "Image is empty."),
    ] {
        let run = espctl(&["image-info", "x.bin"], &[("x.bin", data)]);
        assert_clean_failure(label, &run, expected);
    }
    let run = espctl(
        &["--chip", "esp32", "image-info", "x.bin"],
        &[("x.bin", &[0xE9, 1, 2, 0x20, 0, 0, 0, 0, 0xEE])],
    );
    assert_clean_failure("explicit chip", &run, "truncated");
}

#[test]
fn a_segment_count_beyond_the_file_is_reported() {
    // ESP32 header announcing 3 segments, holding one.
    let mut data = vec![0xE9, 3, 2, 0x20, 0, 0, 0x08, 0x40];
    data.extend([0xEE, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0]);
    data.extend(0x4008_0000u32.to_le_bytes());
    data.extend(4u32.to_le_bytes());
    data.extend([1, 2, 3, 4]);
    let run = espctl(&["image-info", "x.bin"], &[("x.bin", &data)]);
    assert_clean_failure("count", &run, "truncated");
    // A segment longer than the file.
    let mut long = data.clone();
    long[1] = 1;
    long[28..32].copy_from_slice(&0x1000u32.to_le_bytes());
    let run = espctl(&["image-info", "x.bin"], &[("x.bin", &long)]);
    assert_clean_failure(
        "length",
        &run,
        "End of file reading segment 0x40080000, length 4096",
    );
    // A segment count over 16.
    let mut many = vec![0xE9, 17, 2, 0x20, 0, 0, 0x08, 0x40];
    many.extend([0xEE, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0]);
    for _ in 0..17 {
        many.extend([0; 8]);
    }
    many.resize(many.len() + 16, 0);
    let run = espctl(&["image-info", "x.bin"], &[("x.bin", &many)]);
    assert_clean_failure("17 segments", &run, "Invalid segment count 17 (max 16)");
}

#[test]
fn elf_files_of_the_wrong_kind_are_reported() {
    let x86 = elf::build(
        0x3E,
        0x1000,
        &[Section {
            name: ".text",
            addr: 0x1000,
            kind: elf::PROGBITS,
            data: vec![0x90; 16],
        }],
    );
    let run = espctl(
        &["--chip", "esp32", "elf2image", "x86.elf"],
        &[("x86.elf", &x86)],
    );
    assert_clean_failure(
        "x86",
        &run,
        "does not appear to be an Xtensa or an RISCV ELF image. (e_machine = 0x003e)",
    );
    // esptool says the same.
    let theirs = run_in(
        &espctl_testkit::esptool(),
        &["--chip", "esp32", "elf2image", "x86.elf"],
        &[("x86.elf", &x86)],
    );
    assert_eq!(theirs.stderr, run.stderr);

    let run = espctl(
        &["--chip", "esp32", "elf2image", "short.elf"],
        &[("short.elf", b"\x7fELF\x01\x01")],
    );
    assert_clean_failure("short", &run, "does not have a valid ELF header");
    let run = espctl(
        &["--chip", "esp32", "elf2image", "text.elf"],
        &[("text.elf", &[b'x'; 64])],
    );
    assert_clean_failure("not elf", &run, "has invalid ELF magic header");

    let mut cut = elf::build(
        elf::XTENSA,
        0x4008_0000,
        &[Section {
            name: ".iram0.text",
            addr: 0x4008_0000,
            kind: elf::PROGBITS,
            data: vec![1; 64],
        }],
    );
    cut.truncate(cut.len() - 20);
    let run = espctl(
        &["--chip", "esp32", "elf2image", "cut.elf"],
        &[("cut.elf", &cut)],
    );
    assert_clean_failure("truncated section headers", &run, "Truncated ELF image?");
}

#[test]
fn an_elf_without_loadable_sections_is_reported() {
    // Deliberately stricter than esptool, which writes an image with no segments.
    let empty = elf::build(
        elf::RISCV,
        0x4080_0000,
        &[Section {
            name: ".bss",
            addr: 0x4080_0000,
            kind: elf::NOBITS,
            data: vec![0; 64],
        }],
    );
    let run = espctl(
        &["--chip", "esp32c3", "elf2image", "empty.elf"],
        &[("empty.elf", &empty)],
    );
    assert_clean_failure("no sections", &run, "ELF file has no loadable sections");
    assert_eq!(run.stdout, "Creating ESP32-C3 image...\n");
}

#[test]
fn overlapping_merge_inputs_are_reported() {
    let a = vec![0xAA; 0x1800];
    let b = vec![0xBB; 16];
    let run = espctl(
        &[
            "--chip",
            "esp32",
            "merge-bin",
            "-o",
            "out.bin",
            "0x0",
            "a.bin",
            "0x1000",
            "b.bin",
        ],
        &[("a.bin", &a), ("b.bin", &b)],
    );
    assert_clean_failure(
        "overlap",
        &run,
        "Detected overlap at address: 0x1000 for file: b.bin.",
    );
    // Same sector counts as overlap, as with esptool.
    let run = espctl(
        &[
            "--chip",
            "esp32",
            "merge-bin",
            "-o",
            "out.bin",
            "0x2000",
            "b.bin",
            "0x2100",
            "b.bin",
        ],
        &[("b.bin", &b)],
    );
    assert_clean_failure("same sector", &run, "Detected overlap at address: 0x2100");
    let theirs = run_in(
        &espctl_testkit::esptool(),
        &[
            "--chip",
            "esp32",
            "merge-bin",
            "-o",
            "out.bin",
            "0x0",
            "a.bin",
            "0x1000",
            "b.bin",
        ],
        &[("a.bin", &a), ("b.bin", &b)],
    );
    assert_eq!(theirs.code, 2);
}

#[test]
fn bad_requests_are_reported() {
    let boot = espctl_testkit::fixture_bytes("images/bootloader_esp32.bin");
    let run = espctl(
        &[
            "--chip",
            "esp32",
            "merge-bin",
            "-o",
            "o.bin",
            "-fs",
            "512KB",
            "0x1000",
            "b.bin",
        ],
        &[("b.bin", &boot)],
    );
    assert_clean_failure(
        "size",
        &run,
        "Flash size '512KB' is not supported by this chip type. Supported sizes: 1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB, 128MB",
    );
    let run = espctl(
        &["merge-bin", "-o", "o.bin", "0x1000", "b.bin"],
        &[("b.bin", &boot)],
    );
    assert_clean_failure("chip", &run, "Specify the --chip argument");
    let run = espctl(
        &[
            "--chip",
            "esp32",
            "merge-bin",
            "-o",
            "o.bin",
            "-t",
            "0x2000",
            "0x1000",
            "b.bin",
        ],
        &[("b.bin", &boot)],
    );
    assert_clean_failure(
        "target offset",
        &run,
        "Output data target offset is 0x2000. Input data offset 0x1000 is before this.",
    );
    let run = espctl(&["--chip", "esp32", "image-info", "missing.bin"], &[]);
    assert_clean_failure("missing", &run, "missing.bin");
}

#[test]
fn a_failed_write_leaves_no_output_behind() {
    // ESP8266 v1 writes two files: when the second cannot be written, the first goes too.
    let env = ESPCTL.workdir(Stubs::None);
    env.write(
        "app.elf",
        &espctl_testkit::fixture_bytes("elf/esp8266-nonossdkv12-example.elf"),
    );
    // A folder where the RAM image file should go.
    std::fs::create_dir(env.path("out-0x00000.bin")).unwrap();
    let elf2image = ["--chip", "esp8266", "elf2image", "-o", "out-", "app.elf"];
    let run = env.espctl(&elf2image);
    let line = run.fatal();
    assert!(line.contains("Cannot write 'out-0x00000.bin'"), "{run}");
    let mut left: Vec<String> = std::fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["app.elf", "out-0x00000.bin"]);
    // Without the obstacle both files are written (so the IROM file above was removed).
    std::fs::remove_dir(env.path("out-0x00000.bin")).unwrap();
    env.espctl(&elf2image).ok();
    assert_eq!(std::fs::read_dir(env.dir()).unwrap().count(), 3);
}

#[test]
fn a_raw_merge_larger_than_any_flash_is_refused() {
    // A mistyped address: esptool would write a 256 MB file of 0xFF; espctl says why not.
    let a = vec![0xAA; 16];
    let args = |format: &'static str| {
        vec![
            "--chip",
            "esp32",
            "merge-bin",
            "-o",
            "out.bin",
            "-f",
            format,
            "0x0",
            "a.bin",
            "0x10000000",
            "b.bin",
        ]
    };
    let inputs: &[(&str, &[u8])] = &[("a.bin", &a), ("b.bin", &a)];
    let run = espctl(&args("raw"), inputs);
    assert_clean_failure(
        "raw",
        &run,
        "The merged file would be 0x10000010 bytes, more than the largest flash (128MB)",
    );
    // Intel HEX has no padding: the same layout is fine.
    let run = espctl(&args("hex"), inputs);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.files.contains_key("out.bin"));
}
