//! parse(write(image)) == image for every format, over generated images.

use espctl_image::ihex::HexData;
use espctl_image::partition::{Partition, PartitionTable};
use espctl_image::{
    CommonHeader, Esp32Image, Esp8266Image, Esp8266V2Image, ExtendedHeader, Segment,
};
use proptest::collection::vec;
use proptest::prelude::*;

fn header() -> impl Strategy<Value = CommonHeader> {
    (any::<u8>(), any::<u8>(), any::<u32>()).prop_map(|(flash_mode, flash_size_freq, entry)| {
        CommonHeader {
            flash_mode,
            flash_size_freq,
            entry,
        }
    })
}

fn segment() -> impl Strategy<Value = Segment> {
    (any::<u32>(), vec(any::<u8>(), 0..64)).prop_map(|(addr, data)| Segment::new(addr, data))
}

fn extended() -> impl Strategy<Value = ExtendedHeader> {
    (
        any::<u8>(),
        any::<[u8; 3]>(),
        any::<u16>(),
        any::<u8>(),
        any::<u16>(),
        any::<u16>(),
        any::<[u8; 4]>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                wp_pin,
                drive,
                chip_id,
                min_rev,
                min_rev_full,
                max_rev_full,
                reserved,
                hash_appended,
            )| {
                ExtendedHeader {
                    wp_pin,
                    drive,
                    chip_id,
                    min_rev,
                    min_rev_full,
                    max_rev_full,
                    reserved,
                    hash_appended,
                }
            },
        )
}

proptest! {
    #[test]
    fn esp32_images_round_trip(header in header(), extended in extended(), segments in vec(segment(), 0..=16), checksum in any::<u8>(), digest in any::<[u8; 32]>()) {
        let image = Esp32Image { header, extended, segments, checksum, digest: extended.hash_appended.then_some(digest) };
        let bytes = image.write();
        prop_assert_eq!(bytes.len(), image.data_length() + if extended.hash_appended { 32 } else { 0 });
        let parsed = Esp32Image::parse(&bytes).unwrap();
        prop_assert_eq!(parsed.len, bytes.len());
        prop_assert_eq!(parsed.image, image);
    }

    #[test]
    fn sealed_esp32_images_verify(header in header(), segments in vec(segment(), 0..=16)) {
        let mut image = Esp32Image { header, extended: ExtendedHeader::new(5), segments, checksum: 0, digest: None };
        image.seal();
        let parsed = Esp32Image::parse(&image.write()).unwrap().image;
        prop_assert_eq!(parsed.checksum, parsed.calculate_checksum());
        prop_assert_eq!(parsed.digest, Some(parsed.calculate_digest()));
    }

    #[test]
    fn esp8266_images_round_trip(header in header(), segments in vec(segment(), 0..=16), checksum in any::<u8>()) {
        let image = Esp8266Image { header, segments, checksum };
        let bytes = image.write();
        prop_assert_eq!(bytes.len() % 16, 0);
        prop_assert_eq!(Esp8266Image::parse(&bytes).unwrap().image, image);
    }

    #[test]
    fn esp8266_v2_images_round_trip(first in header(), irom in segment(), header in header(), segments in vec(segment(), 0..=15), checksum in any::<u8>(), crc in any::<Option<u32>>()) {
        let image = Esp8266V2Image { first_header: first, first_count: 4, irom, image: Esp8266Image { header, segments, checksum }, crc };
        prop_assert_eq!(Esp8266V2Image::parse(&image.write()).unwrap().image, image);
    }

    #[test]
    fn partition_tables_round_trip(entries in vec((any::<u8>(), any::<u8>(), any::<u32>(), any::<u32>(), "[a-z0-9_]{1,15}", any::<u32>()), 0..20), md5 in any::<bool>()) {
        let partitions = entries.into_iter().map(|(kind, subtype, offset, size, name, flags)| {
            let mut n = [0u8; 16];
            n[..name.len()].copy_from_slice(name.as_bytes());
            Partition { kind, subtype, offset, size, name: n, flags }
        }).collect();
        let table = PartitionTable { partitions, md5 };
        prop_assert_eq!(PartitionTable::parse(&table.write_padded()).unwrap(), table);
    }

    #[test]
    fn intel_hex_regions_hold_exactly_what_was_inserted(blocks in vec((0u32..0x300, vec(any::<u8>(), 1..40)), 1..12)) {
        // Against a map of every byte: inserts that touch a set byte fail and change
        // nothing; the regions are the runs of set bytes.
        let mut hex = HexData::new();
        let mut model = std::collections::BTreeMap::new();
        for (addr, data) in blocks {
            let clash = (0..data.len() as u32).any(|i| model.contains_key(&(addr + i)));
            prop_assert_eq!(hex.insert(addr, &data).is_err(), clash);
            if !clash {
                for (i, b) in data.iter().enumerate() {
                    model.insert(addr + i as u32, *b);
                }
            }
        }
        let mut runs: Vec<(u32, Vec<u8>)> = Vec::new();
        for (a, b) in model {
            match runs.last_mut() {
                Some((start, bytes)) if *start + bytes.len() as u32 == a => bytes.push(b),
                _ => runs.push((a, vec![b])),
            }
        }
        prop_assert_eq!(hex.regions(), runs);
    }

    #[test]
    fn intel_hex_round_trips(blocks in vec((0u32..0x40_0000, vec(any::<u8>(), 1..100)), 1..8)) {
        let mut hex = HexData::new();
        for (addr, data) in blocks {
            let _ = hex.insert(addr, &data);
        }
        prop_assert_eq!(HexData::parse(hex.to_hex().as_bytes()).unwrap(), hex);
    }
}

#[test]
fn fixture_images_round_trip_byte_for_byte() {
    for name in [
        "bootloader_esp32_v5_2.bin",
        "bootloader_esp32c3.bin",
        "esp_idf_blink_esp32s2.bin",
        "bootloader_esp32.bin",
    ] {
        let data = std::fs::read(espctl_testkit::fixture(&format!("images/{name}"))).unwrap();
        let parsed = Esp32Image::parse(&data).unwrap();
        assert_eq!(parsed.image.write(), data[..parsed.len], "{name}");
    }
    let data = std::fs::read(espctl_testkit::fixture("images/bootloader_esp8266.bin")).unwrap();
    let parsed = Esp8266Image::parse(&data).unwrap();
    assert_eq!(parsed.image.write(), data[..parsed.len]);
    // This one has a non-zero byte in the padding before its checksum: the model keeps
    // the content, not the padding.
    let data = std::fs::read(espctl_testkit::fixture("images/not_4_byte_aligned.bin")).unwrap();
    let parsed = Esp8266Image::parse(&data).unwrap().image;
    assert_eq!(Esp8266Image::parse(&parsed.write()).unwrap().image, parsed);
    let table = std::fs::read(espctl_testkit::fixture("images/partitions_singleapp.bin")).unwrap();
    let parsed = PartitionTable::parse(&table).unwrap();
    assert_eq!(parsed.partitions.len(), 3);
    assert_eq!(parsed.partitions[0].name(), "factory");
    assert_eq!(parsed.partitions[0].offset, 0x10000);
    assert_eq!(parsed.write(), table);
}
