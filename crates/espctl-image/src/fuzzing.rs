//! One entry point that feeds arbitrary bytes through everything in this crate that reads
//! a file: image-info's whole path (binary or Intel HEX), every image parser, header
//! patching, ELF reading and elf2image, merge-bin in each format, partition tables. Used
//! by the cargo-fuzz target in `fuzz/` and by the bounded randomized test on stable.
//! Whatever the input, nothing may panic, and what parses must write back the same.

use espctl_chips::{CHIPS, Chip, FlashFreq, FlashMode, FlashSize};

use crate::elf::Elf;
use crate::elf2image::{Elf2ImageOptions, Esp8266Version, SecurePad, elf2image};
use crate::firmware::{FirmwareImage, detect_chip};
use crate::ihex::{HexData, regions_if_hex};
use crate::info::file_info;
use crate::merge::{Format, Input, merge, sort_and_check_overlap};
use crate::partition::PartitionTable;
use crate::patch::{FlashParamsRequest, Setting, patch_flash_params};
use crate::{Esp32Image, Esp8266Image, Esp8266V2Image, Message};

/// Runs `data` through every reader of the crate.
pub fn exercise(data: &[u8]) {
    let mut sink = |_: Message| {};
    images(data, &mut sink);
    hex_and_tables(data);
    elf(data, &mut sink);
    merges(data, &mut sink);
}

fn chip(name: &str) -> &'static Chip {
    Chip::by_arg_name(name).expect("a known chip")
}

fn dio_4mb_40m() -> FlashParamsRequest {
    FlashParamsRequest {
        mode: Setting::Set(FlashMode::Dio),
        size: Setting::Set(FlashSize::Mb4),
        freq: Setting::Set(FlashFreq::F40m),
    }
}

/// image-info (auto and with a chip), the image parsers and header patching.
fn images(data: &[u8], sink: &mut dyn FnMut(Message)) {
    let _ = detect_chip(data);
    let _ = file_info(data, None, sink);
    for chip in CHIPS.iter().copied().step_by(3) {
        let _ = FirmwareImage::parse(chip, data);
        let _ = file_info(data, Some(chip), sink);
        let _ = patch_flash_params(chip, chip.bootloader_offset, data, &dio_4mb_40m());
    }
    if let Ok(p) = Esp32Image::parse(data)
        && p.image.digest.is_some() == p.image.extended.hash_appended
    {
        let again = Esp32Image::parse(&p.image.write()).expect("a written image parses");
        assert_eq!(again.image, p.image, "ESP32 image round trip");
    }
    if let Ok(p) = Esp8266Image::parse(data) {
        let again = Esp8266Image::parse(&p.image.write()).expect("a written image parses");
        assert_eq!(again.image, p.image, "ESP8266 image round trip");
    }
    if let Ok(p) = Esp8266V2Image::parse(data) {
        let again = Esp8266V2Image::parse(&p.image.write()).expect("a written image parses");
        assert_eq!(again.image, p.image, "ESP8266 v2 image round trip");
    }
}

fn hex_and_tables(data: &[u8]) {
    if let Ok(hex) = HexData::parse(data) {
        assert_eq!(HexData::parse(hex.to_hex().as_bytes()).as_ref(), Ok(&hex));
        let regions = hex.regions();
        let total: usize = regions.iter().map(|(_, d)| d.len()).sum();
        assert!(
            regions.iter().all(|(_, d)| !d.is_empty()),
            "empty HEX region"
        );
        assert!(total > 0 || hex.is_empty());
    }
    if let Ok(table) = PartitionTable::parse(data) {
        assert_eq!(PartitionTable::parse(&table.write()).as_ref(), Ok(&table));
    }
}

/// ELF reading, and elf2image for each kind of image with options that change the
/// layout.
fn elf(data: &[u8], sink: &mut dyn FnMut(Message)) {
    let _ = Elf::parse(data, "Image", sink);
    let esp8266 = chip("esp8266");
    for version in [Esp8266Version::V1, Esp8266Version::V2, Esp8266Version::V3] {
        let options = Elf2ImageOptions {
            esp8266_version: version,
            ..Default::default()
        };
        let _ = elf2image(esp8266, data, &options, sink);
    }
    let variants = [
        Elf2ImageOptions::default(),
        Elf2ImageOptions {
            use_segments: true,
            ram_only_header: true,
            ..Default::default()
        },
        Elf2ImageOptions {
            secure_pad: Some(SecurePad::V1),
            elf_sha256_offset: Some(0x30),
            pad_to_size: Some(0x1000),
            ..Default::default()
        },
    ];
    for (name, options) in [
        ("esp32", &variants[0]),
        ("esp32", &variants[1]),
        ("esp32", &variants[2]),
        ("esp32c6", &variants[0]),
        ("esp32p4", &variants[1]),
    ] {
        let _ = elf2image(chip(name), data, options, sink);
    }
}

/// merge-bin with `data` (or its HEX regions) at the bootloader offset and again after
/// it, in each format, patching the header.
fn merges(data: &[u8], sink: &mut dyn FnMut(Message)) {
    let esp32 = chip("esp32");
    let regions = regions_if_hex(data).unwrap_or_default();
    let mut inputs: Vec<Input> = regions
        .into_iter()
        .map(|(addr, data)| Input {
            addr,
            name: "hex".into(),
            data,
        })
        .collect();
    inputs.push(Input {
        addr: esp32.bootloader_offset,
        name: "a".into(),
        data: data.to_vec(),
    });
    let Ok(inputs) = sort_and_check_overlap(inputs) else {
        return;
    };
    for format in [
        Format::Raw {
            target_offset: 0,
            pad_to_size: Some(0x2_0000),
        },
        Format::Hex,
        Format::Uf2 {
            chunk_size: None,
            md5: true,
        },
    ] {
        // A huge raw file is a test of memory, not of the code.
        if matches!(format, Format::Raw { .. })
            && inputs.as_slice().iter().any(|i| i.addr > 0x100_0000)
        {
            continue;
        }
        let _ = merge(esp32, &inputs, format, &dio_4mb_40m(), sink);
    }
}
