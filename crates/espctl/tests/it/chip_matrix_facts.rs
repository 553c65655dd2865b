//! What the chip matrices ([`super::chip_matrix`], [`super::chip_matrix_espctl`]) expect
//! of each virtual chip, and the image they write at its bootloader offset.

use espctl_chips::{Chip, FlashSize};
use espctl_image::{CommonHeader, Esp32Image, ExtendedHeader, Segment};
use espctl_testkit::Run;

/// The chips after the ESP32 the virtual device models.
pub const CHIPS: [&str; 8] = [
    "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c5", "esp32c6", "esp32h2", "esp32p4",
];

/// What esptool prints about a chip's typical part (the reference both clients must
/// print): `Chip type`, `Features`, `Crystal frequency`, and the MAC extension of chips
/// with an IEEE 802.15.4 radio (`ff:fe` burnt: esptool prints an EUI-64 for them).
pub struct Expected {
    pub chip: &'static Chip,
    pub chip_type: &'static str,
    pub features: &'static str,
    pub crystal: &'static str,
    pub mac_ext: Option<&'static str>,
}

pub fn expected(arg: &str) -> Expected {
    let (chip_type, features, crystal) = match arg {
        "esp32s2" => (
            "ESP32-S2 (revision v0.0)",
            "Wi-Fi, Single Core, 240MHz, No Embedded Flash, No Embedded PSRAM, ADC and temperature sensor calibration in BLK2 of eFuse V1",
            "40MHz",
        ),
        "esp32s3" => (
            "ESP32-S3 (QFN56) (revision v0.2)",
            "Wi-Fi, BT 5 (LE), Dual Core + LP Core, 240MHz",
            "40MHz",
        ),
        "esp32c2" => (
            "ESP32-C2 (revision v1.0)",
            "Wi-Fi, BT 5 (LE), Single Core, 120MHz",
            "26MHz",
        ),
        "esp32c3" => (
            "ESP32-C3 (QFN32) (revision v0.4)",
            "Wi-Fi, BT 5 (LE), Single Core, 160MHz",
            "40MHz",
        ),
        "esp32c5" => (
            "ESP32-C5N (revision v1.0)",
            "Wi-Fi 6 (dual-band), BT 5 (LE), IEEE802.15.4, Single Core + LP Core, 240MHz, No Embedded Flash, No Embedded PSRAM",
            "48MHz",
        ),
        "esp32c6" => (
            "ESP32-C6 (QFN40) (revision v0.1)",
            "Wi-Fi 6, BT 5 (LE), IEEE802.15.4, Single Core + LP Core, 160MHz, Unknown Embedded Flash",
            "40MHz",
        ),
        "esp32h2" => (
            "ESP32-H2 (revision v0.1)",
            "BT 5 (LE), IEEE802.15.4, Single Core, 96MHz, No Embedded Flash",
            "32MHz",
        ),
        "esp32p4" => (
            "ESP32-P4 (revision v1.0)",
            "Dual Core + LP Core, 400MHz",
            "40MHz",
        ),
        other => panic!("no expectations for {other}"),
    };
    let mac_ext = matches!(arg, "esp32c5" | "esp32c6" | "esp32h2").then_some("ff:fe");
    Expected {
        chip: Chip::by_arg_name(arg).expect("a known chip"),
        chip_type,
        features,
        crystal,
        mac_ext,
    }
}

impl Expected {
    /// Checks the identification block both clients print on connecting, and the MAC
    /// lines exactly as esptool prints them: `MAC: <base>`, or on chips with a MAC
    /// extension `MAC: <EUI-64>`, `BASE MAC: <base>`, `MAC_EXT: <ext>`.
    #[track_caller]
    pub fn check_identity(&self, run: &Run, mac: &str) {
        run.has(&format!("Chip type:          {}", self.chip_type))
            .has(&format!("Features:           {}", self.features))
            .has(&format!("Crystal frequency:  {}", self.crystal));
        let expected: Vec<String> = match self.mac_ext {
            None => vec![format!("MAC:                {mac}")],
            Some(ext) => vec![
                format!("MAC:                {}:{ext}:{}", &mac[..8], &mac[9..]),
                format!("BASE MAC:           {mac}"),
                format!("MAC_EXT:            {ext}"),
            ],
        };
        let printed: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| {
                ["MAC:", "BASE MAC:", "MAC_EXT:"]
                    .iter()
                    .any(|k| l.starts_with(k))
            })
            .collect();
        assert!(
            !printed.is_empty()
                && printed
                    .chunks(expected.len())
                    .all(|block| block == expected),
            "MAC lines {printed:#?}, expected (each time) {expected:#?}:\n{run}"
        );
    }

    /// The bootloader offset as a command-line argument.
    pub fn boot_offset(&self) -> String {
        format!("0x{:x}", self.chip.bootloader_offset)
    }
}

/// A small application image for `chip` (one DRAM segment, SHA-256 appended), as
/// elf2image would make it: DIO, 1 MB in the header.
pub fn image_for(chip: &Chip) -> Vec<u8> {
    let size = chip.flash_size_code(FlashSize::Mb1).expect("1MB code");
    // The chip's first frequency (the C2 and H2 have no 40 MHz).
    let freq = chip.flash_freqs[0].1;
    let dram = chip
        .image
        .memory_map
        .iter()
        .find(|r| r.name == "DRAM")
        .expect("a DRAM region");
    let mut image = Esp32Image {
        header: CommonHeader {
            flash_mode: 2,
            flash_size_freq: size | freq,
            entry: chip.image.irom.start + 0x20,
        },
        extended: ExtendedHeader::new(chip.image_chip_id.expect("an image chip id")),
        segments: vec![Segment::new(dram.start, espctl_testkit::noise(256, 7))],
        checksum: 0,
        digest: None,
    };
    image.seal();
    image.write()
}

/// Checks that `flash` holds `image` at the chip's bootloader offset with the header's
/// flash size set to what `-fs detect` found (4MB) and the digest updated to match.
#[track_caller]
pub fn check_patched_image(chip: &Chip, flash: &[u8], image: &[u8]) {
    let at = chip.bootloader_offset as usize;
    let written = &flash[at..at + image.len()];
    let size = chip.flash_size_code(FlashSize::Mb4).expect("4MB code");
    assert_eq!(written[3], size | (image[3] & 0x0F), "{}", chip.name);
    // Only the size nibble and the digest differ.
    let digest_at = image.len() - 32;
    assert_eq!(written[..3], image[..3]);
    assert_eq!(written[4..digest_at], image[4..digest_at]);
    let parsed = Esp32Image::parse(written).expect("the written image parses");
    let parsed = parsed.image;
    assert_eq!(
        parsed.digest,
        Some(parsed.calculate_digest()),
        "{}",
        chip.name
    );
}
