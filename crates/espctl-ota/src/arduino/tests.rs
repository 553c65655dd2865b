//! The client against the scripted fake device on 127.0.0.1.

use super::fake_device::{FakeDevice, Script};
use super::*;
use crate::wire::{self, AuthScheme, UpdateTarget};
use espctl_image::esp8266_flash_map::arduino_layout;
use std::io::Read;

/// Bytes that do not compress.
fn noise(len: usize) -> Vec<u8> {
    let mut x = 0x2545_f491u32;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 11) as u8
        })
        .collect()
}

/// An ESP8266 application image (magic 0xE9, one segment) that compresses well.
fn esp8266_image(len: usize) -> Vec<u8> {
    let mut d = vec![0xe9, 1, 2, 0x20, 0, 0, 0x10, 0x40, 0, 0, 0x10, 0x40];
    d.extend(((len - 16) as u32).to_le_bytes());
    d.extend((0..len - 16).map(|i| b"ArduinoOTA"[i % 10] ^ (i / 4096) as u8));
    d
}

fn options(device: &FakeDevice) -> UploadOptions {
    let mut o = UploadOptions::new(device.addr);
    o.host_ip = Some("127.0.0.1".parse().unwrap());
    o.invite_timeout = Duration::from_secs(3);
    o.connect_timeout = Duration::from_secs(3);
    o.result_timeout = Duration::from_secs(10);
    o
}

fn run(options: &UploadOptions, image: &Image) -> (Result<UploadReport, OtaError>, Vec<Event>) {
    let mut events = Vec::new();
    let result = upload(options, image, |e| events.push(e));
    (result, events)
}

#[test]
fn the_image_streams_without_waiting_for_acknowledgements() {
    // A device that acknowledges nothing until the end: espota.py's lock-step would
    // wait for the first acknowledgement forever.
    let device = FakeDevice::start(Script {
        acks: false,
        ..Script::default()
    });
    let image = Image::from_bytes("data.bin", noise(300_000));
    let (result, events) = run(&options(&device), &image);
    let report = result.unwrap();
    assert!(
        device.log().updates == [image.data.clone()],
        "the device got the image"
    );
    let step = &report.steps[0];
    assert_eq!(
        (step.size, step.sent, step.compressed, step.auth),
        (300_000, 300_000, false, None)
    );
    assert_eq!(
        events.first(),
        Some(&Event::Inviting {
            attempt: 1,
            device: device.addr
        })
    );
    assert!(events.contains(&Event::Accepted));
    assert!(events.contains(&Event::Progress {
        sent: 300_000,
        total: 300_000
    }));
    assert!(matches!(
        events.last(),
        Some(Event::Finished { sent: 300_000, .. })
    ));
    let invitation = &device.log().invitations[0];
    assert_eq!(
        (invitation.target, invitation.size),
        (UpdateTarget::Firmware, 300_000)
    );
}

#[test]
fn esp8266_images_go_out_gzipped_and_raw_when_the_device_refuses_gzip() {
    let image = Image::from_bytes("fw.bin", esp8266_image(200_000));
    let device = FakeDevice::start(Script::default());
    let (result, events) = run(&options(&device), &image);
    let step = result.unwrap().steps.remove(0);
    assert!(step.compressed && step.sent < step.size / 2, "{step:?}");
    let got = device.log().updates.remove(0);
    assert_eq!(got.len() as u64, step.sent);
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&got[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, image.data);
    assert!(events.contains(&Event::Compressed {
        raw: step.size,
        sent: step.sent
    }));

    let old = FakeDevice::start(Script {
        accepts_gzip: false,
        ..Script::default()
    });
    let (result, events) = run(&options(&old), &image);
    let step = result.unwrap().steps.remove(0);
    assert!(!step.compressed && step.sent == step.size);
    assert!(
        old.log().updates == [image.data.clone()],
        "the device got the raw image"
    );
    assert!(events.contains(&Event::RetryingUncompressed));
    let sizes: Vec<u32> = old.log().invitations.iter().map(|i| i.size).collect();
    assert_eq!(sizes.len(), 2);
    assert!(sizes[0] < sizes[1] && sizes[1] == 200_000, "{sizes:?}");

    let mut never = options(&device);
    never.compress = Compress::Never;
    let (result, _) = run(&never, &image);
    assert!(!result.unwrap().steps[0].compressed);
}

#[test]
fn passwords_of_both_schemes() {
    let image = Image::from_bytes("fw.bin", noise(10_000));
    for scheme in [AuthScheme::Md5, AuthScheme::Sha256] {
        let device = FakeDevice::start(Script::with_password(scheme, "s3cret"));
        let mut o = options(&device);
        o.password = Some("s3cret".into());
        let (result, events) = run(&o, &image);
        assert_eq!(result.unwrap().steps[0].auth, Some(scheme));
        assert!(events.contains(&Event::Authenticating { scheme }));

        o.password = Some("wrong".into());
        let (result, _) = run(&o, &image);
        let err = result.unwrap_err();
        assert!(matches!(err, OtaError::WrongPassword { .. }), "{err}");
        assert_eq!(err.hint(), Some(Hint::CheckPassword));

        o.password = None;
        let err = run(&o, &image).0.unwrap_err();
        assert!(matches!(err, OtaError::PasswordNeeded { .. }), "{err}");
        assert_eq!(device.log().updates.len(), 1);
    }
}

#[test]
fn a_sha256_device_holding_an_md5_hash_takes_the_second_answer() {
    // setPasswordHash(md5(password)) on arduino-esp32 3.3: espota.py retries with it.
    let device = FakeDevice::start(Script {
        password_hash: Some(AuthScheme::Md5.password_hash("pw")),
        scheme: AuthScheme::Sha256,
        ..Script::default()
    });
    let mut o = options(&device);
    o.password = Some("pw".into());
    let (result, events) = run(&o, &Image::from_bytes("fw.bin", noise(5000)));
    assert_eq!(result.unwrap().steps[0].auth, Some(AuthScheme::Sha256));
    assert!(events.contains(&Event::RetryingWithMd5Hash));
    assert_eq!(device.log().auth_failures, 1);
    assert_eq!(device.log().invitations.len(), 2);
}

#[test]
fn refusals_before_the_transfer_keep_the_updater_error() {
    let device = FakeDevice::start(Script {
        refuse: Some(wire::UpdaterError::esp8266(wire::UpdaterError::SPACE, 0, 0)),
        ..Script::default()
    });
    let err = run(&options(&device), &Image::from_bytes("fw.bin", noise(5000)))
        .0
        .unwrap_err();
    assert!(
        matches!(&err, OtaError::Refused { error } if error.code == 4),
        "{err}"
    );
    assert_eq!(err.hint(), Some(Hint::TwoStepOrGzip));
    assert!(err.to_string().contains("Not Enough Space"), "{err}");
}

#[test]
fn a_silent_device_is_invited_every_second_until_the_timeout() {
    let device = FakeDevice::start(Script {
        silent: true,
        ..Script::default()
    });
    let mut o = options(&device);
    o.invite_timeout = Duration::from_millis(2500);
    let started = Instant::now();
    let (result, events) = run(&o, &Image::from_bytes("fw.bin", noise(100)));
    let err = result.unwrap_err();
    assert!(
        matches!(err, OtaError::NoAnswer { attempts: 3, .. }),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_millis(2500));
    assert_eq!(device.log().invitations.len(), 3);
    assert!(events.contains(&Event::Inviting {
        attempt: 3,
        device: device.addr
    }));
}

#[test]
fn a_device_that_never_connects_back_names_the_port() {
    let device = FakeDevice::start(Script {
        connect_back: false,
        ..Script::default()
    });
    let mut o = options(&device);
    o.connect_timeout = Duration::from_millis(500);
    let err = run(&o, &Image::from_bytes("fw.bin", noise(100)))
        .0
        .unwrap_err();
    let port = device.log().invitations[0].host_port;
    assert!(
        matches!(err, OtaError::NoConnectBack { port: p, .. } if p == port),
        "{err}"
    );
    assert_eq!(err.hint(), Some(Hint::OpenPort(port)));
}

#[test]
fn a_device_that_closes_mid_transfer_is_reported_with_the_bytes_sent() {
    let device = FakeDevice::start(Script {
        close_after: Some(64 * 1024),
        ..Script::default()
    });
    let total = 8 << 20;
    let err = run(
        &options(&device),
        &Image::from_bytes("big.bin", noise(total)),
    )
    .0
    .unwrap_err();
    match err {
        OtaError::ClosedMidTransfer { sent, total: t } => {
            assert!(sent < t && t == total as u64, "{sent} of {t}")
        }
        other => panic!("{other}"),
    }
    assert!(device.log().updates.is_empty());
}

#[test]
fn the_preflight_refuses_before_anything_is_sent() {
    let device = FakeDevice::start(Script::default());
    let layout = arduino_layout(1 << 20, 0).unwrap();
    let mut o = options(&device);
    o.preflight = Some(Preflight {
        layout: layout.clone(),
        running: None,
    });
    let too_big = Image::from_bytes("fw.bin", noise(layout.max_ota_image() as usize + 8192));
    let err = run(&o, &too_big).0.unwrap_err();
    assert!(
        matches!(
            err,
            OtaError::Preflight(PreflightError::NeedsTwoStep { .. })
        ),
        "{err}"
    );
    assert_eq!(err.hint(), Some(Hint::TwoStepOrGzip));
    assert!(device.log().invitations.is_empty());
}

#[test]
fn a_two_step_update_waits_for_the_restarted_device() {
    let device = FakeDevice::start(Script {
        restart: Duration::from_millis(1500),
        ..Script::default()
    });
    let layout = arduino_layout(1 << 20, 0).unwrap();
    let core = Image::from_bytes("core.bin", noise(300_000));
    let full = Image::from_bytes("full.bin", noise(layout.max_ota_image() as usize + 50_000));
    let mut o = options(&device);
    o.preflight = Some(Preflight {
        layout,
        running: None,
    });
    o.via = Some(core.clone());
    let (result, events) = run(&o, &full);
    let report = result.unwrap();
    assert_eq!(report.steps.len(), 2);
    assert!(
        device.log().updates == [core.data.clone(), full.data.clone()],
        "core, then full"
    );
    let waiting = events
        .iter()
        .position(|e| *e == Event::WaitingForDevice)
        .unwrap();
    let reinvited = events[waiting..]
        .iter()
        .filter(|e| matches!(e, Event::Inviting { .. }))
        .count();
    assert!(
        reinvited >= 2,
        "the restarting device needed more than one invitation"
    );

    // Alone, the full image is refused before anything is sent.
    o.via = None;
    let err = run(&o, &full).0.unwrap_err();
    assert_eq!(err.hint(), Some(Hint::TwoStepOrGzip));
}

#[test]
fn a_device_that_does_not_come_back_fails_the_second_step() {
    let device = FakeDevice::start(Script {
        gone_after_update: true,
        ..Script::default()
    });
    let mut o = options(&device);
    o.via = Some(Image::from_bytes("core.bin", noise(1000)));
    o.return_timeout = Duration::from_millis(1500);
    let err = run(&o, &Image::from_bytes("full.bin", noise(2000)))
        .0
        .unwrap_err();
    match &err {
        OtaError::Step {
            step: 2, source, ..
        } => assert!(matches!(**source, OtaError::NotBack { .. }), "{err}"),
        other => panic!("{other}"),
    }
}
