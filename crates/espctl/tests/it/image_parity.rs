//! espctl against esptool 5.6.0 on every fixture image and ELF: same files, same lines,
//! same exit codes (image-info, elf2image, merge-bin in raw, HEX and UF2).

use crate::{ESPCTL, run_in};
use espctl_chips::{CHIPS, Chip, ImageFormat};
use espctl_testkit::elf::{self, Section};
use espctl_testkit::{Run, fixture_files};

fn image(name: &str) -> Vec<u8> {
    espctl_testkit::fixture_bytes(&format!("images/{name}"))
}

/// esptool's stdout without its version banner and without trailing blank lines (esptool
/// prints an empty line before a fatal error).
fn normalise(stdout: &str, banner: bool) -> String {
    let mut lines: Vec<&str> = stdout.lines().collect();
    if banner && lines.first().is_some_and(|l| l.starts_with("esptool v")) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// Runs both tools, each in a fresh folder holding `inputs`, and asserts the same exit
/// code, output lines and written files.
fn compare(label: &str, args: &[&str], inputs: &[(&str, &[u8])]) -> Run {
    let theirs = run_in(&espctl_testkit::esptool(), args, inputs);
    let ours = run_in(ESPCTL.path(), args, inputs);
    assert!(
        !theirs.stderr.contains("Traceback"),
        "{label}: esptool crashed, pick another case:\n{}",
        theirs.stderr
    );
    assert_eq!(
        ours.code, theirs.code,
        "{label}: exit code\nours: {}\ntheirs: {}",
        ours.stderr, theirs.stderr
    );
    assert_eq!(
        normalise(&ours.stdout, false),
        normalise(&theirs.stdout, true),
        "{label}: stdout"
    );
    assert_eq!(ours.stderr, theirs.stderr, "{label}: stderr");
    assert_eq!(
        ours.files.keys().collect::<Vec<_>>(),
        theirs.files.keys().collect::<Vec<_>>(),
        "{label}: files written"
    );
    for (name, data) in &theirs.files {
        assert!(ours.files[name] == *data, "{label}: {name} differs");
    }
    ours
}

#[test]
fn image_info_matches_for_every_fixture_image() {
    let images = fixture_files("images");
    assert!(images.len() >= 15, "expected the esptool test images");
    for (name, data) in &images {
        compare(name, &["image-info", name], &[(name, data)]);
    }
}

#[test]
fn image_info_with_an_explicit_chip_matches() {
    for (chip, name) in [
        ("esp32", "bootloader_esp32_v5_2.bin"),
        ("esp32c3", "bootloader_esp32c3.bin"),
        ("ESP32-S2", "esp_idf_blink_esp32s2.bin"),
        ("esp8266", "esp8266_deepsleep.bin"),
        ("esp8266", "not_4_byte_aligned.bin"),
        ("esp32s3", "esp32s3_header.bin"),
        ("esp32", "one_kb.bin"),
    ] {
        let data = image(name);
        compare(
            name,
            &["--chip", chip, "image-info", name],
            &[(name, &data)],
        );
    }
}

fn elf_cases(elf: &str, chip: &str, option_sets: &[&[&str]]) {
    let data = espctl_testkit::fixture_bytes(&format!("elf/{elf}"));
    for options in option_sets {
        let mut args = vec!["--chip", chip, "elf2image", elf];
        args.extend(*options);
        let label = format!("{chip} {elf} {options:?}");
        let run = compare(&label, &args, &[(elf, &data)]);
        // And what image-info says about every image produced.
        for (name, bytes) in &run.files {
            compare(
                &format!("image-info of {label}"),
                &["image-info", name],
                &[(name, bytes)],
            );
        }
    }
}

const ESP32_OPTIONS: &[&[&str]] = &[
    &[],
    &["--secure-pad"],
    &["--secure-pad-v2", "-fm", "dio", "-fs", "4MB", "-ff", "80m"],
    &[
        "--dont-append-digest",
        "--min-rev-full",
        "300",
        "--max-rev-full",
        "399",
        "-r",
        "3",
    ],
    &["--use-segments"],
    &["--ram-only-header"],
    &["--pad-to-size", "1MB", "-o", "out.bin"],
    &["--elf-sha256-offset", "0xb0"],
    &["--flash-mmu-page-size", "32KB", "--flash-size", "2MB"],
];

#[test]
fn elf2image_matches_for_the_esp32_app() {
    elf_cases("esp32-app-template.elf", "esp32", ESP32_OPTIONS);
}

#[test]
fn elf2image_matches_for_the_esp32_bootloader() {
    elf_cases("esp32-bootloader.elf", "esp32", ESP32_OPTIONS);
}

#[test]
fn elf2image_reports_too_many_sections_like_esptool() {
    elf_cases("esp32-too-many-sections.elf", "esp32", &[&[]]);
}

#[test]
fn elf2image_matches_for_the_esp32c6_app_descriptor() {
    elf_cases(
        "esp32c6-appdesc.elf",
        "esp32c6",
        &[
            &[],
            &["--flash-mmu-page-size", "32KB"],
            &["--flash-mmu-page-size", "8KB", "--use-segments"],
            &["-ff", "80m", "-fs", "16MB", "-fm", "dout"],
            &["--ram-only-header"],
            &["--secure-pad-v2"],
        ],
    );
}

const ESP8266_OPTIONS: &[&[&str]] = &[
    &[],
    &["--version", "2"],
    &["-e", "3"],
    &["-fm", "dout", "-fs", "4MB", "-ff", "40m"],
    &["-e", "2", "-fs", "2MB-c1", "-o", "app.bin"],
    &["-o", "prefix_"],
];

#[test]
fn elf2image_matches_for_the_esp8266_sdk_examples() {
    for (name, _) in fixture_files("elf") {
        if name.starts_with("esp8266") {
            elf_cases(&name, "esp8266", ESP8266_OPTIONS);
        }
    }
}

/// A synthetic ELF with a section in each kind of memory the chip has.
fn synthetic_elf(chip: &Chip) -> Vec<u8> {
    let region = |name: &str| {
        chip.image
            .memory_map
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.start)
    };
    let machine = match chip.arg_name {
        "esp8266" | "esp32" | "esp32s2" | "esp32s3" => elf::XTENSA,
        _ => elf::RISCV,
    };
    let mut sections = Vec::new();
    if let Some(dram) = region("DRAM") {
        // A bootloader descriptor after the data: elf2image moves it to the front.
        let mut bootdesc = vec![0x50, 0, 0, 0, 1, 0, 0, 0];
        bootdesc.extend(*b"v5.4-synthetic\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
        bootdesc.extend(*b"Jan  1 2025 00:00:00\0\0\0\0");
        bootdesc.resize(80, 0);
        sections.push(Section {
            name: ".dram0.bootdesc",
            addr: dram + 0x2000,
            kind: elf::PROGBITS,
            data: bootdesc,
        });
        sections.push(Section {
            name: ".dram0.data",
            addr: dram + 0x100,
            kind: elf::PROGBITS,
            data: elf::bytes(0x321, 1),
        });
        sections.push(Section {
            name: ".dram0.bss",
            addr: dram + 0x1000,
            kind: elf::NOBITS,
            data: vec![0; 64],
        });
    }
    if let Some(iram) = region("IRAM") {
        sections.push(Section {
            name: ".iram0.text",
            addr: iram + 0x200,
            kind: elf::PROGBITS,
            data: elf::bytes(0x1234, 2),
        });
        sections.push(Section {
            name: ".iram0.text2",
            addr: iram + 0x200 + 0x1234 + 2,
            kind: elf::PROGBITS,
            data: elf::bytes(0x40, 3),
        });
    }
    let irom = chip.image.irom.start;
    match chip.image.format {
        ImageFormat::Esp8266 => {
            sections.push(Section {
                name: ".irom0.text",
                addr: irom + 0x10000,
                kind: elf::PROGBITS,
                data: elf::bytes(0x2000, 4),
            });
        }
        ImageFormat::Esp32 => {
            let drom = chip.image.drom.map_or(irom, |d| d.start);
            let (rodata, text) = if drom == irom {
                (drom + 0x20, irom + 0x4_0020)
            } else {
                (drom + 0x20, irom + 0x20)
            };
            sections.push(Section {
                name: ".flash.rodata",
                addr: rodata,
                kind: elf::PROGBITS,
                data: elf::bytes(0x3000, 5),
            });
            sections.push(Section {
                name: ".flash.text",
                addr: text,
                kind: elf::PROGBITS,
                data: elf::bytes(0x5000, 6),
            });
        }
    }
    elf::build(machine, sections[0].addr, &sections)
}

/// elf2image of the synthetic ELF of every chip, and image-info of what it makes.
fn every_chip(option_sets: &[&[&str]]) {
    for chip in CHIPS {
        let data = synthetic_elf(chip);
        for options in option_sets {
            let mut args = vec!["--chip", chip.arg_name, "elf2image", "app.elf"];
            args.extend(*options);
            let label = format!("synthetic {} {options:?}", chip.arg_name);
            let run = compare(&label, &args, &[("app.elf", &data)]);
            assert!(!run.files.is_empty(), "{label}: no image written");
            for (name, bytes) in &run.files {
                compare(
                    &format!("image-info {label}"),
                    &["image-info", name],
                    &[(name, bytes)],
                );
            }
        }
    }
}

#[test]
fn elf2image_matches_on_every_chip() {
    every_chip(&[&[], &["-fm", "dio", "-fs", "8MB"]]);
}

#[test]
fn elf2image_layout_options_match_on_every_chip() {
    every_chip(&[
        &["--ram-only-header"],
        &["--secure-pad-v2", "--flash-mmu-page-size", "32KB"],
    ]);
}

fn merge_cases(chip: &str, inputs: &[(&str, &str)], option_sets: &[&[&str]]) {
    let files: Vec<(String, Vec<u8>)> = inputs
        .iter()
        .map(|(_, name)| (name.to_string(), image(name)))
        .collect();
    let file_refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    for format in ["raw", "hex", "uf2"] {
        for options in option_sets {
            let output = format!("merged.{format}");
            let mut args = vec![
                "--chip",
                chip,
                "merge-bin",
                "-o",
                &output,
                "--format",
                format,
            ];
            args.extend(*options);
            for (addr, name) in inputs {
                args.extend([*addr, *name]);
            }
            let label = format!("{chip} merge-bin {format} {options:?}");
            let run = compare(&label, &args, &file_refs);
            if format != "uf2" {
                let merged = &run.files[&output];
                compare(
                    &format!("image-info of {label}"),
                    &["image-info", &output],
                    &[(&output, merged)],
                );
            }
        }
    }
}

#[test]
fn merge_bin_matches_for_an_esp32_flash_layout() {
    merge_cases(
        "esp32",
        &[
            ("0x1000", "bootloader_esp32_v5_2.bin"),
            ("0x8000", "partitions_singleapp.bin"),
            ("0x10000", "fifty_kb.bin"),
        ],
        &[
            &[],
            &["-fm", "dio", "-fs", "4MB", "-ff", "80m"],
            &["--flash-size", "16MB"],
        ],
    );
}

#[test]
fn merge_bin_raw_and_uf2_options_match() {
    let boot = image("bootloader_esp32.bin");
    let kb = image("one_kb.bin");
    let inputs: &[(&str, &[u8])] = &[("boot.bin", &boot), ("kb.bin", &kb)];
    for options in [
        &["--target-offset", "0x1000", "--pad-to-size", "4MB"][..],
        &["-t", "0x1000", "-fm", "qout"][..],
        &["--format", "uf2", "--chunk-size", "256"][..],
        &["--format", "uf2", "--md5-disable", "-fs", "2MB"][..],
        &["--format", "uf2", "--md5-disable", "--chunk-size", "476"][..],
    ] {
        let mut args = vec!["--chip", "esp32", "merge-bin", "-o", "out.bin"];
        args.extend(options);
        args.extend(["0x1000", "boot.bin", "0x20000", "kb.bin"]);
        compare(&format!("esp32 {options:?}"), &args, inputs);
    }
}

#[test]
fn merge_bin_patches_headers_on_other_chips() {
    merge_cases(
        "esp32c3",
        &[
            ("0x0", "bootloader_esp32c3.bin"),
            ("0x8000", "partitions_singleapp.bin"),
        ],
        &[&["-fs", "4MB"], &["-fm", "qio", "-ff", "20m"]],
    );
    merge_cases(
        "esp8266",
        &[("0x0", "bootloader_esp8266.bin"), ("0x1000", "one_kb.bin")],
        &[
            &["-fm", "dio", "-fs", "1MB"],
            &["-fs", "4MB-c1", "-ff", "80m"],
        ],
    );
    merge_cases(
        "esp32s2",
        &[("0x1000", "esp_idf_blink_esp32s2.bin")],
        &[&["-fm", "dout", "-fs", "4MB"]],
    );
}

#[test]
fn merge_bin_warns_about_files_that_are_not_images() {
    // Not an image at the bootloader offset; a single input (HEX warns about that).
    merge_cases("esp32", &[("0x1000", "one_kb.bin")], &[&["-fm", "dio"]]);
    // Starts with the magic byte but is not a valid image of the chip.
    let broken: &[u8] = &[0xE9, 0x03, 0x02, 0x20, 0, 0, 0, 0, 1, 2, 3, 4];
    compare(
        "invalid image",
        &[
            "--chip",
            "esp32",
            "merge-bin",
            "-o",
            "out.bin",
            "-fm",
            "qio",
            "0x1000",
            "broken.bin",
        ],
        &[("broken.bin", broken)],
    );
}

#[test]
fn merged_hex_files_are_reported_region_by_region() {
    let boot = image("bootloader_esp32c3.bin");
    let table = image("partitions_singleapp.bin");
    let app = image("esp_idf_blink_esp32s2.bin");
    let inputs: &[(&str, &[u8])] = &[
        ("boot.bin", &boot),
        ("table.bin", &table),
        ("app.bin", &app),
    ];
    let run = compare(
        "hex",
        &[
            "--chip",
            "esp32c3",
            "merge-bin",
            "-f",
            "hex",
            "-o",
            "all.hex",
            "0x0",
            "boot.bin",
            "0x8000",
            "table.bin",
            "0x10000",
            "app.bin",
        ],
        inputs,
    );
    let hex = &run.files["all.hex"];
    compare(
        "merged hex",
        &["image-info", "all.hex"],
        &[("all.hex", hex)],
    );
    compare(
        "merged hex, chip",
        &["--chip", "esp32c3", "image-info", "all.hex"],
        &[("all.hex", hex)],
    );
    // A HEX input to merge-bin brings its own addresses.
    compare(
        "hex input",
        &[
            "--chip",
            "esp32c3",
            "merge-bin",
            "-o",
            "flat.bin",
            "0x0",
            "all.hex",
        ],
        &[("all.hex", hex)],
    );
}

#[test]
fn elf2image_matches_for_less_common_options() {
    // Page sizes a chip cannot use (a warning), both secure pads (v2 wins), a secure pad
    // without a digest (an error after "Successfully created"), digests on a segment
    // boundary or over data, and flash settings each chip encodes its own way.
    elf_cases(
        "esp32-bootloader.elf",
        "esp32",
        &[
            &["--flash-mmu-page-size", "16KB"],
            &["--secure-pad", "--secure-pad-v2"],
            &["--dont-append-digest", "--secure-pad-v2"],
            &["--ram-only-header", "--secure-pad-v2"],
            &["--use-segments", "--ram-only-header"],
            &["--pad-to-size", "64KB"],
            &["--elf-sha256-offset", "0x20"],
            &["--elf-sha256-offset", "0x30"],
            &["-ff", "26m", "-fs", "32MB", "-fm", "qout"],
            &["-ff", "48m"],
            &["-fs", "2MB-c1"],
        ],
    );
    elf_cases(
        "esp32c6-appdesc.elf",
        "esp32c6",
        &[
            &[
                "--flash-mmu-page-size",
                "64KB",
                "--elf-sha256-offset",
                "0xb0",
            ],
            &["--secure-pad"],
            &["--pad-to-size", "64KB"],
        ],
    );
    // The same app for chips with other memory maps and page-size choices.
    for chip in ["esp32h2", "esp32c61", "esp32c5", "esp32p4", "esp32c2"] {
        elf_cases("esp32c6-appdesc.elf", chip, &[&[], &["--ram-only-header"]]);
    }
    for (name, _) in fixture_files("elf") {
        if name.starts_with("esp8266") {
            elf_cases(
                &name,
                "esp8266",
                &[
                    // v3 images follow the ESP32's rules: its name is in the warning.
                    &["-e", "3", "--flash-mmu-page-size", "32KB"],
                    &["-e", "1", "--flash-mmu-page-size", "64KB"],
                    &["-e", "3", "--dont-append-digest", "--pad-to-size", "1MB"],
                    &["-e", "2", "--elf-sha256-offset", "0x40"],
                    &["-fs", "256KB", "-ff", "26m"],
                    &["-ff", "60m"],
                ],
            );
        }
    }
}

#[test]
fn esp8266_v3_images_merge_sections_by_the_esp32_memory_map() {
    // Adjacent sections on both sides of the end of the ESP8266's IRAM (0x40108000):
    // different memory on the ESP8266, one region ("IROM") in the ESP32's map, which
    // esptool uses for v3 images.
    let sections = [
        Section {
            name: ".iram0.text",
            addr: 0x4010_7F00,
            kind: elf::PROGBITS,
            data: elf::bytes(0x100, 1),
        },
        Section {
            name: ".iram0.more",
            addr: 0x4010_8000,
            kind: elf::PROGBITS,
            data: elf::bytes(0x40, 2),
        },
        Section {
            name: ".irom0.text",
            addr: 0x4021_0000,
            kind: elf::PROGBITS,
            data: elf::bytes(0x200, 3),
        },
    ];
    let data = elf::build(elf::XTENSA, 0x4010_7F00, &sections);
    for version in ["1", "2", "3"] {
        let run = compare(
            &format!("v{version}"),
            &["--chip", "esp8266", "elf2image", "-e", version, "app.elf"],
            &[("app.elf", &data)],
        );
        assert_eq!(
            run.stdout.contains("Merged 1 ELF section."),
            version == "3",
            "v{version}: {}",
            run.stdout
        );
    }
}

#[test]
fn image_info_keeps_the_warnings_before_a_failure() {
    // An ESP8266 image whose one segment is unusual and longer than the file: esptool
    // warns about the segment, then fails reading it.
    let mut v1 = vec![0xE9, 1, 0, 0x20, 0, 0, 0x10, 0x40];
    v1.extend(0x4010_0000u32.to_le_bytes());
    v1.extend(0x10_0000u32.to_le_bytes());
    // Not 0 or 1 at offset 23: not taken for an ESP32-family header.
    v1.extend([0xFF; 32]);
    // A v2 image with an unexpected segment count and a second header that is not one.
    let mut v2 = vec![0xEA, 3, 0, 0x20, 0, 0, 0x10, 0x40];
    v2.extend(0u32.to_le_bytes());
    v2.extend(4u32.to_le_bytes());
    v2.extend([1, 2, 3, 4]);
    v2.extend([0; 24]);
    for (label, data) in [("v1", &v1), ("v2", &v2)] {
        for chip in [&[][..], &["--chip", "esp8266"][..]] {
            let mut args = chip.to_vec();
            args.extend(["image-info", "x.bin"]);
            let run = compare(label, &args, &[("x.bin", data)]);
            assert_eq!(run.code, 2, "{label}");
            assert!(
                run.stderr.starts_with("WARNING: "),
                "{label}: {}",
                run.stderr
            );
        }
    }
}

/// The image esptool's elf2image makes of a fixture ELF (checked against espctl's).
fn built_app(chip: &str, elf: &str) -> Vec<u8> {
    let data = espctl_testkit::fixture_bytes(&format!("elf/{elf}"));
    let run = compare(
        &format!("{chip} app"),
        &["--chip", chip, "elf2image", "-o", "app.bin", elf],
        &[(elf, &data)],
    );
    run.files["app.bin"].clone()
}

#[test]
fn merge_bin_matches_for_esp_idf_flash_layouts() {
    // What `idf.py merge-bin` passes: bootloader, partition table and app at their
    // usual offsets, with a real app image.
    let table = image("partitions_singleapp.bin");
    for (chip, boot_addr, boot, app) in [
        (
            "esp32",
            "0x1000",
            image("bootloader_esp32_v5_2.bin"),
            built_app("esp32", "esp32-app-template.elf"),
        ),
        (
            "esp32c3",
            "0x0",
            image("bootloader_esp32c3.bin"),
            built_app("esp32c3", "esp32c6-appdesc.elf"),
        ),
    ] {
        let inputs: &[(&str, &[u8])] = &[
            ("bootloader.bin", &boot),
            ("partition-table.bin", &table),
            ("app.bin", &app),
        ];
        let layout = [
            boot_addr,
            "bootloader.bin",
            "0x8000",
            "partition-table.bin",
            "0x10000",
            "app.bin",
        ];
        let mut outputs = Vec::new();
        for (format, options) in [
            ("raw", &[][..]),
            ("raw", &["-fm", "dio", "-fs", "4MB", "-ff", "40m"][..]),
            ("raw", &["--pad-to-size", "4MB"][..]),
            ("hex", &["-fm", "dio", "-fs", "4MB", "-ff", "40m"][..]),
            ("uf2", &["-fm", "dio", "-fs", "4MB", "-ff", "40m"][..]),
        ] {
            let output = format!("merged.{format}");
            let mut args = vec!["--chip", chip, "merge-bin", "-o", &output, "-f", format];
            args.extend(options);
            args.extend(layout);
            let label = format!("{chip} {format} {options:?}");
            let merged = compare(&label, &args, inputs).files[&output].clone();
            if format != "uf2" {
                compare(
                    &format!("image-info of {label}"),
                    &["image-info", &output],
                    &[(&output, &merged)],
                );
            }
            outputs.push(merged);
        }
        // The HEX file converts back to the raw one (merge-bin reads HEX inputs).
        let back = compare(
            &format!("{chip} hex back to raw"),
            &[
                "--chip",
                chip,
                "merge-bin",
                "-o",
                "back.bin",
                "0x0",
                "merged.hex",
            ],
            &[("merged.hex", &outputs[3])],
        );
        assert!(
            back.files["back.bin"] == outputs[1],
            "{chip}: HEX round trip"
        );
    }
}

#[test]
fn pad_to_size_without_a_digest_pads_after_the_image() {
    // Deliberately different: esptool 5.6.0 pads from its file position after patching
    // the segment count (offset 2) when no digest follows, overwriting its own image
    // with 0xFF. espctl pads after the image, as with a digest.
    let data = espctl_testkit::fixture_bytes("elf/esp32c6-appdesc.elf");
    for no_digest in ["--dont-append-digest", "--ram-only-header"] {
        let args = [
            "--chip",
            "esp32c6",
            "elf2image",
            "-o",
            "app.bin",
            no_digest,
            "app.elf",
        ];
        let unpadded = compare(no_digest, &args, &[("app.elf", &data)]);
        let unpadded = &unpadded.files["app.bin"];
        let mut padded_args = args.to_vec();
        padded_args.extend(["--pad-to-size", "64KB"]);
        let inputs: &[(&str, &[u8])] = &[("app.elf", &data)];
        let ours = run_in(ESPCTL.path(), &padded_args, inputs);
        let theirs = run_in(&espctl_testkit::esptool(), &padded_args, inputs);
        assert_eq!((ours.code, theirs.code), (0, 0), "{no_digest}");
        let ours = &ours.files["app.bin"];
        assert_eq!(
            ours.len(),
            unpadded.len().next_multiple_of(0x1_0000),
            "{no_digest}"
        );
        assert_eq!(ours[..unpadded.len()], unpadded[..], "{no_digest}");
        assert!(
            ours[unpadded.len()..].iter().all(|&b| b == 0xFF),
            "{no_digest}"
        );
        assert_eq!(
            theirs.files["app.bin"][..4],
            [0xE9, unpadded[1], 0xFF, 0xFF],
            "{no_digest}: esptool's overwritten header"
        );
    }
}

/// One Intel HEX record.
fn hex_record(offset: u16, kind: u8, data: &[u8]) -> String {
    let mut bytes = vec![data.len() as u8];
    bytes.extend(offset.to_be_bytes());
    bytes.push(kind);
    bytes.extend(data);
    let sum = bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    bytes.push(sum.wrapping_neg());
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    format!(":{hex}\n")
}

#[test]
fn hex_files_are_read_as_esptool_reads_them() {
    let boot = image("bootloader_esp32c3.bin");
    let data: String = (0..boot.len().min(0x400))
        .step_by(16)
        .map(|i| hex_record(i as u16, 0, &boot[i..i + 16]))
        .collect();
    let eof = ":00000001FF\n";
    let cases = [
        // No data at all: a merged file of no regions.
        ("only an end record", eof.to_string()),
        // One region: reported as a plain image.
        (
            "one region",
            format!("{}{data}{eof}", hex_record(0, 4, &[0, 0])),
        ),
        // Records esptool's reader refuses: the file is taken as binary.
        (
            "address record at an offset",
            format!("{}{data}{eof}", hex_record(5, 4, &[0, 0])),
        ),
        (
            "two start addresses",
            format!(
                "{}{}{data}{eof}",
                hex_record(0, 5, &[0, 0, 0, 1]),
                hex_record(0, 5, &[0, 0, 0, 2])
            ),
        ),
        (
            "unknown record type",
            format!("{}{data}{eof}", hex_record(0, 6, &[])),
        ),
    ];
    for (label, text) in cases {
        let inputs: &[(&str, &[u8])] = &[("x.hex", text.as_bytes())];
        compare(label, &["image-info", "x.hex"], inputs);
        compare(
            label,
            &[
                "--chip",
                "esp32c3",
                "merge-bin",
                "-o",
                "o.bin",
                "0x1000",
                "x.hex",
            ],
            inputs,
        );
    }
}
