//! The header-patching API write-flash uses.

use espctl_chips::{
    FlashFreq, FlashMode, FlashSize, esp32::ESP32, esp32c3::ESP32C3, esp8266::ESP8266,
};
use espctl_image::patch::{ImageCheck, recognise};
use espctl_image::{
    Esp32Image, FlashParamsRequest, Message, PatchWarning, Setting, patch_flash_params,
};
use sha2::{Digest, Sha256};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(espctl_testkit::fixture(&format!("images/{name}"))).unwrap()
}

fn dio_4mb() -> FlashParamsRequest {
    FlashParamsRequest {
        mode: Setting::Set(FlashMode::Dio),
        size: Setting::Set(FlashSize::Mb4),
        freq: Setting::Keep,
    }
}

#[test]
fn patches_the_header_and_recomputes_the_digest() {
    let boot = fixture("bootloader_esp32_v5_2.bin");
    let mut merged = boot.clone();
    merged.extend([0xAB; 100]); // the rest of a merged binary survives
    let outcome = patch_flash_params(&ESP32, 0x1000, &merged, &dio_4mb()).unwrap();
    assert_eq!(outcome.flash_params, Some(0x0220));
    assert!(outcome.digest_updated);
    assert_eq!(outcome.warning, None);
    assert_eq!(&outcome.data[2..4], &[0x02, 0x20]);
    assert_eq!(&outcome.data[boot.len()..], &[0xAB; 100][..]);
    let image = Esp32Image::parse(&outcome.data).unwrap().image;
    let len = image.data_length();
    assert_eq!(
        image.digest.unwrap(),
        <[u8; 32]>::from(Sha256::digest(&outcome.data[..len]))
    );
    assert_eq!(
        outcome.messages(),
        [
            Message::Print("Flash parameters set to 0x0220.".into()),
            Message::Print("SHA digest in image updated.".into())
        ]
    );
}

#[test]
fn leaves_other_addresses_and_keep_alone() {
    let boot = fixture("bootloader_esp32c3.bin");
    for (addr, request) in [(0x1000, dio_4mb()), (0x0, FlashParamsRequest::default())] {
        let outcome = patch_flash_params(&ESP32C3, addr, &boot, &request).unwrap();
        assert_eq!(outcome.data, boot);
        assert!(outcome.messages().is_empty());
    }
    // Asking for what the image already has changes no byte, but the digest is redone
    // (and esptool says so).
    let request = FlashParamsRequest {
        mode: Setting::Set(FlashMode::Dio),
        size: Setting::Set(FlashSize::Mb2),
        freq: Setting::Set(FlashFreq::F40m),
    };
    let outcome = patch_flash_params(&ESP32C3, 0x0, &boot, &request).unwrap();
    assert_eq!(outcome.flash_params, None);
    assert!(outcome.digest_updated);
    assert_eq!(
        outcome.messages(),
        [Message::Print("SHA digest in image updated.".into())]
    );
    assert_eq!(outcome.data, boot);
}

#[test]
fn warns_about_files_that_are_not_images() {
    let kb = fixture("one_kb.bin");
    let outcome = patch_flash_params(&ESP32, 0x1000, &kb, &dio_4mb()).unwrap();
    assert_eq!(
        outcome.warning,
        Some(PatchWarning::NotAnImage { address: 0x1000 })
    );
    assert_eq!(
        outcome.warning.unwrap().to_string(),
        "Image file at 0x1000 doesn't look like an image file, so not changing any flash settings."
    );
    let broken = [0xE9, 3, 0, 0, 0, 0, 0, 0, 1, 2];
    let outcome = patch_flash_params(&ESP32, 0x1000, &broken, &dio_4mb()).unwrap();
    assert_eq!(
        outcome.warning,
        Some(PatchWarning::InvalidImage {
            address: 0x1000,
            chip: "ESP32"
        })
    );
    assert_eq!(outcome.data, broken);
    assert_eq!(recognise(&ESP32, &broken), ImageCheck::Invalid);
    assert_eq!(
        recognise(&ESP32, &fixture("bootloader_esp32.bin")),
        ImageCheck::Valid {
            hash_appended: false
        }
    );
}

#[test]
fn rejects_what_the_chip_cannot_do() {
    let boot = fixture("bootloader_esp8266.bin");
    let request = FlashParamsRequest {
        freq: Setting::Set(FlashFreq::F60m),
        ..Default::default()
    };
    let err = patch_flash_params(&ESP8266, 0, &boot, &request).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Flash frequency '60m' is not supported by this chip type. Supported frequencies: 80m, 40m, 26m, 20m"
    );
    let request = FlashParamsRequest {
        size: Setting::Set(FlashSize::Mb4C1),
        ..Default::default()
    };
    let outcome = patch_flash_params(&ESP8266, 0, &boot, &request).unwrap();
    assert_eq!(outcome.data[3], 0x60);
    assert!(!outcome.digest_updated);
}

/// What a client (the flasher) makes of an outcome when it calls `patch_flash_params`
/// itself: its own event type, built from the typed outcome without going through text.
#[derive(Debug, PartialEq, Eq)]
enum ClientEvent {
    Unchanged,
    Changed {
        params: Option<u16>,
        sha_updated: bool,
    },
    NotAnImage(PatchWarning),
}

fn client_patch(data: &[u8], mode: Option<FlashMode>, size: Option<FlashSize>) -> ClientEvent {
    let request = FlashParamsRequest {
        mode: mode.into(),
        size: size.into(),
        freq: None.into(),
    };
    let outcome = patch_flash_params(&ESP32, ESP32.bootloader_offset, data, &request).unwrap();
    match outcome.warning {
        Some(w) => ClientEvent::NotAnImage(w),
        None if outcome.changed() => ClientEvent::Changed {
            params: outcome.flash_params,
            sha_updated: outcome.digest_updated,
        },
        None => ClientEvent::Unchanged,
    }
}

#[test]
fn a_client_reads_the_outcome_without_text() {
    let with_digest = fixture("bootloader_esp32_v5_2.bin");
    assert_eq!(
        client_patch(&with_digest, Some(FlashMode::Dio), Some(FlashSize::Mb4)),
        ClientEvent::Changed {
            params: Some(0x0220),
            sha_updated: true
        }
    );
    // All `keep`: the file is not even looked at.
    assert_eq!(
        client_patch(&with_digest, None, None),
        ClientEvent::Unchanged
    );

    let without_digest = fixture("bootloader_esp32.bin");
    let current = without_digest[2];
    let mode = FlashMode::from_code(current).unwrap();
    assert_eq!(
        client_patch(&without_digest, Some(mode), None),
        ClientEvent::Unchanged
    );

    let event = client_patch(&fixture("one_kb.bin"), Some(FlashMode::Dio), None);
    let ClientEvent::NotAnImage(warning) = event else {
        panic!("{event:?}");
    };
    assert_eq!(warning.address(), 0x1000);
    let broken = PatchWarning::InvalidImage {
        address: 0x2000,
        chip: "ESP32",
    };
    assert_eq!(broken.address(), 0x2000);
}

#[test]
fn outcomes_and_errors_can_travel_in_a_client_error() {
    fn carried<T: std::error::Error + Send + Sync + 'static>(_: &T) {}
    fn plain_data<T: Clone + Eq + std::fmt::Debug + Send + Sync + 'static>() {}
    plain_data::<espctl_image::PatchOutcome>();
    plain_data::<PatchWarning>();
    plain_data::<espctl_image::ImageError>();

    let warning = PatchWarning::NotAnImage { address: 0x0 };
    carried(&warning);
    let err = patch_flash_params(
        &ESP8266,
        0,
        &fixture("bootloader_esp8266.bin"),
        &FlashParamsRequest {
            freq: Setting::Set(FlashFreq::F60m),
            ..Default::default()
        },
    )
    .unwrap_err();
    carried(&err);
    assert!(matches!(
        err,
        espctl_image::ImageError::UnsupportedFlashFreq { .. }
    ));
}

#[test]
fn an_optional_value_is_a_setting() {
    assert_eq!(
        Setting::from(Some(FlashMode::Qio)),
        Setting::Set(FlashMode::Qio)
    );
    assert_eq!(Setting::<FlashMode>::from(None), Setting::Keep);
}
