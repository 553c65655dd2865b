//! ESPurna's web upgrade and terminal upgrade on the virtual device, driven by the
//! clients of `espctl-ota`: the refusals ESPurna answers with, and an image that arrives
//! whole running after the reboot.

use espctl_ota::http::{UpgradeHint, Url, WebUpgrade, WebUpgradeError, web_upgrade};
use espctl_ota::terminal::{TerminalUpgrade, TerminalUpgradeError, terminal_upgrade};
use espctl_ota::wire::UpdaterError;
use espctl_virtual_ota::{HttpAuth, OtaDevice, OtaDeviceOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "fibonacci";

/// An 0xE9 image declaring 1MB (DIO, the running image's mode) of `len` bytes of noise.
fn image(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    out[..4].copy_from_slice(&[0xE9, 1, 2, 0x20]);
    out
}

fn device(auth: HttpAuth) -> OtaDevice {
    OtaDevice::start(OtaDeviceOptions {
        password: Some(PASSWORD.into()),
        http: Some("127.0.0.1:0".parse().unwrap()),
        http_auth: auth,
        terminal: Some("127.0.0.1:0".parse().unwrap()),
        reboot_time: Duration::from_millis(50),
        ..OtaDeviceOptions::default()
    })
    .unwrap()
}

fn web_job(device: &OtaDevice, password: Option<&str>) -> WebUpgrade {
    WebUpgrade {
        url: Url::http(&format!("http://{}/upgrade", device.http_addr().unwrap())).unwrap(),
        user: "admin".into(),
        password: password.map(String::from),
        file_name: "fw.bin".into(),
        connect_timeout: Duration::from_secs(5),
        io_timeout: Duration::from_secs(10),
    }
}

fn terminal_job(device: &OtaDevice) -> TerminalUpgrade {
    TerminalUpgrade {
        terminal: Url::telnet(&format!("telnet://{}", device.telnet_addr().unwrap())).unwrap(),
        password: Some(PASSWORD.into()),
        announce_ip: None,
        serve_port: 0,
        file_name: "fw.bin".into(),
        connect_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(10),
    }
}

/// Waits until the device runs `image`.
fn assert_runs(device: &OtaDevice, image: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while device.running_image() != image {
        assert!(
            Instant::now() < deadline,
            "the device never ran the new image"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn both_logins_upload_and_the_image_runs_after_the_reboot() {
    for auth in [HttpAuth::Digest, HttpAuth::Basic] {
        let device = device(auth);
        let new = image(150_000, 3);
        let mut events = Vec::new();
        web_upgrade(&web_job(&device, Some(PASSWORD)), &new, &mut |e| {
            events.push(e)
        })
        .unwrap();
        assert_runs(&device, &new);
        let scheme = if auth == HttpAuth::Digest {
            "Digest"
        } else {
            "Basic"
        };
        assert!(events.iter().any(|e| matches!(e, espctl_ota::http::WebEvent::LoginRequired { scheme: s, realm } if *s == scheme && realm == "esp8266-a1b2c3")));
    }
}

#[test]
fn espurnas_refusals_come_back_as_they_are() {
    let device = device(HttpAuth::Digest);
    let before = device.flash();
    let job = web_job(&device, Some(PASSWORD));
    let refused = |image: &[u8]| match web_upgrade(&job, image, &mut |_| {}) {
        Err(WebUpgradeError::Refused { message }) => message,
        other => panic!("{other:?}"),
    };
    // The whole file in the first piece: ESPurna cannot tell it from a broken request.
    assert_eq!(refused(&image(100, 1)), "Invalid request");
    let mut junk = image(20_000, 2);
    junk[0] = 0x55;
    assert_eq!(refused(&junk), "No magic byte / invalid flash config");
    let mut too_big_flash = image(20_000, 2);
    too_big_flash[3] = 0x40; // declares 4MB on a 1MB chip
    assert_eq!(
        refused(&too_big_flash),
        "No magic byte / invalid flash config"
    );
    {
        let shared = device.device();
        let _claim = shared.lock().unwrap().try_claim().unwrap();
        let err = web_upgrade(&job, &image(20_000, 4), &mut |_| {}).unwrap_err();
        assert!(
            matches!(&err, WebUpgradeError::Refused { message } if message == "Upgrade in progress"),
            "{err:?}"
        );
        assert_eq!(err.hint(), Some(UpgradeHint::Retry));
    }
    assert_eq!(device.flash(), before);
}

#[test]
fn an_image_larger_than_the_free_space_gets_the_updaters_error() {
    let device = device(HttpAuth::Digest);
    // 1MB, no file system, a 300KB image running: (720896 - 4096) & ~0xFFF is the room.
    let err = web_upgrade(
        &web_job(&device, Some(PASSWORD)),
        &image(800_000, 5),
        &mut |_| {},
    )
    .unwrap_err();
    match &err {
        WebUpgradeError::Updater(e) => assert_eq!(e.code, UpdaterError::SPACE, "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.hint(), Some(UpgradeHint::TwoStep));
    // The device is free again.
    web_upgrade(
        &web_job(&device, Some(PASSWORD)),
        &image(100_000, 6),
        &mut |_| {},
    )
    .unwrap();
}

#[test]
fn wrong_and_missing_passwords_are_refused_and_nothing_is_written() {
    let device = device(HttpAuth::Digest);
    let before = device.flash();
    let err = web_upgrade(
        &web_job(&device, Some("wrong")),
        &image(300_000, 7),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, WebUpgradeError::WrongPassword { .. }),
        "{err:?}"
    );
    assert_eq!(err.hint(), Some(UpgradeHint::CheckPassword));
    let err = web_upgrade(&web_job(&device, None), &image(1000, 7), &mut |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            WebUpgradeError::PasswordNeeded {
                scheme: "Digest",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(device.flash(), before);
}

#[test]
fn the_terminal_downloads_and_flashes_the_served_image() {
    let device = device(HttpAuth::Digest);
    let new = image(200_000, 8);
    let mut lines = Vec::new();
    terminal_upgrade(&terminal_job(&device), Arc::new(new.clone()), &mut |e| {
        if let espctl_ota::terminal::TerminalEvent::DeviceLine(line) = e {
            lines.push(line);
        }
    })
    .unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[OTA] Success:  200000 bytes")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('[') && l.contains("] [OTA] Progress:")),
        "{lines:?}"
    );
    assert_runs(&device, &new);
}

#[test]
fn the_terminal_reports_what_went_wrong() {
    let device = device(HttpAuth::Digest);
    let before = device.flash();
    let mut junk = image(50_000, 9);
    junk[0] = 0;
    let err = terminal_upgrade(&terminal_job(&device), Arc::new(junk), &mut |_| {}).unwrap_err();
    match &err {
        TerminalUpgradeError::DownloadFailed { error, .. } => {
            assert_eq!(error.text, "No magic byte / invalid flash config")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.hint(), Some(UpgradeHint::CheckImage));
    let mut wrong = terminal_job(&device);
    wrong.password = Some("nope".into());
    let err = terminal_upgrade(&wrong, Arc::new(image(1000, 1)), &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, TerminalUpgradeError::WrongPassword),
        "{err:?}"
    );
    assert_eq!(device.flash(), before);
}
