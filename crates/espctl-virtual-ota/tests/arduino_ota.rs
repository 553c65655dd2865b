//! The ArduinoOTA responder, driven by a host written here with the wire types: the
//! exchanges espota.py does not make (SHA-256 challenge, malformed answers, a host that
//! stalls or is not listening) and the latency model.

use espctl_ota::wire::{
    AuthAnswer, AuthScheme, Challenge, Invitation, UpdateTarget, UpdaterError, client_nonce,
};
use espctl_virtual_ota::{DeviceEvent, OtaDevice, OtaDeviceOptions, RECEIVE_WINDOW};
use md5::{Digest, Md5};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

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
    // Same flash mode (DIO) and size (1MB) as the built-in firmware.
    out[..4].copy_from_slice(&[0xE9, 1, 2, 0x20]);
    out
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn start(options: OtaDeviceOptions) -> (OtaDevice, Receiver<DeviceEvent>) {
    let (tx, rx) = channel();
    let device = OtaDevice::start_with_events(
        OtaDeviceOptions {
            reboot_time: Duration::from_millis(50),
            ..options
        },
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    (device, rx)
}

/// Waits for the first event `wanted` accepts; panics with those seen on the way.
#[track_caller]
fn wait_for(events: &Receiver<DeviceEvent>, wanted: impl Fn(&DeviceEvent) -> bool) -> DeviceEvent {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    while let Ok(e) = events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if wanted(&e) {
            return e;
        }
        seen.push(e.to_string());
    }
    panic!("the event did not come; seen: {seen:#?}")
}

/// The host's side: a TCP listener for the device and the UDP socket it talks from.
struct Host {
    udp: UdpSocket,
    listener: TcpListener,
    device: SocketAddr,
}

impl Host {
    fn new(device: SocketAddr) -> Host {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        udp.set_read_timeout(Some(WAIT)).unwrap();
        Host {
            udp,
            listener: TcpListener::bind("127.0.0.1:0").unwrap(),
            device,
        }
    }

    fn invite(&self, data: &[u8]) -> Invitation {
        let invitation = Invitation {
            target: UpdateTarget::Firmware,
            host_port: self.listener.local_addr().unwrap().port(),
            size: data.len() as u32,
            md5: md5_hex(data),
        };
        self.send(&invitation.encode());
        invitation
    }

    fn send(&self, datagram: &[u8]) {
        self.udp.send_to(datagram, self.device).unwrap();
    }

    fn answer(&self) -> String {
        let mut buf = [0u8; 200];
        let n = self.udp.recv(&mut buf).expect("an answer from the device");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Whether the device stays silent for a while.
    fn silent(&self) -> bool {
        self.udp
            .set_read_timeout(Some(Duration::from_millis(400)))
            .unwrap();
        let mut buf = [0u8; 200];
        let silent = self.udp.recv(&mut buf).is_err();
        self.udp.set_read_timeout(Some(WAIT)).unwrap();
        silent
    }

    fn accept(&self) -> TcpStream {
        let (stream, _) = self.listener.accept().unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream
    }
}

/// Sends `data` as espota does (1460 bytes, then one read of the counts) and returns all
/// the device sent until it closed.
fn lock_step(stream: &mut TcpStream, data: &[u8]) -> String {
    let mut replies = Vec::new();
    let mut buf = [0u8; 64];
    for chunk in data.chunks(1460) {
        stream.write_all(chunk).unwrap();
        let n = stream.read(&mut buf).unwrap();
        replies.extend_from_slice(&buf[..n]);
    }
    stream.read_to_end(&mut replies).unwrap();
    String::from_utf8(replies).unwrap()
}

#[test]
fn sha256_challenge_then_update() {
    let (device, events) = start(OtaDeviceOptions {
        password: Some("pw".into()),
        auth_scheme: AuthScheme::Sha256,
        ..OtaDeviceOptions::default()
    });
    let host = Host::new(device.ota_addr());
    let new = image(100_000, 1);
    let invitation = host.invite(&new);
    let challenge = Challenge::parse(host.answer().as_bytes()).unwrap();
    assert_eq!(challenge.nonce.len(), 64);
    assert_eq!(challenge.scheme(), Some(AuthScheme::Sha256));
    let cnonce = client_nonce(
        AuthScheme::Sha256,
        "new.bin",
        invitation.size,
        &invitation.md5,
        "127.0.0.1",
    );
    host.send(&AuthAnswer::new(AuthScheme::Sha256, "pw", &challenge, cnonce).encode());
    assert_eq!(host.answer(), "OK");
    let mut stream = host.accept();
    let replies = lock_step(&mut stream, &new);
    assert!(replies.ends_with("OK"), "{replies}");
    // Counts, with nothing between them, before the OK.
    let counts = replies.trim_end_matches("OK");
    assert!(
        !counts.is_empty() && counts.bytes().all(|b| b.is_ascii_digit()),
        "{replies}"
    );
    wait_for(&events, |e| {
        matches!(e, DeviceEvent::Running { len: 100_000 })
    });
    assert_eq!(&device.flash()[..new.len()], &new[..]);
    assert_eq!(device.running_image(), new);
}

#[test]
fn malformed_answers_send_the_device_back_to_idle_silently() {
    let (device, events) = start(OtaDeviceOptions {
        password: Some("pw".into()),
        ..OtaDeviceOptions::default()
    });
    let host = Host::new(device.ota_addr());
    let new = image(5000, 2);
    // Not command 200.
    host.invite(&new);
    assert!(host.answer().starts_with("AUTH "));
    host.send(format!("0 {} {}\n", "a".repeat(32), "b".repeat(32)).as_bytes());
    assert!(host.silent());
    // A client nonce of the wrong length.
    host.invite(&new);
    assert!(host.answer().starts_with("AUTH "));
    host.send(format!("200 {} {}\n", "a".repeat(31), "b".repeat(32)).as_bytes());
    assert!(host.silent());
    // Idle again: a new invitation is challenged, a wrong response refused.
    host.invite(&new);
    let challenge = Challenge::parse(host.answer().as_bytes()).unwrap();
    assert_eq!(challenge.nonce.len(), 32);
    host.send(&AuthAnswer::new(AuthScheme::Md5, "wrong", &challenge, "c".repeat(32)).encode());
    assert_eq!(host.answer(), "Authentication Failed");
    wait_for(&events, |e| matches!(e, DeviceEvent::AuthFailed { .. }));
}

#[test]
fn commands_other_than_flash_and_fs_are_ignored() {
    let (device, _events) = start(OtaDeviceOptions::default());
    let host = Host::new(device.ota_addr());
    host.send(format!("5 1234 100 {}\n", "a".repeat(32)).as_bytes());
    host.send(format!("200 1234 100 {}\n", "a".repeat(32)).as_bytes());
    host.send(b"0 1234 100 short\n");
    assert!(host.silent());
}

#[test]
fn refusals_come_back_on_udp() {
    let (device, events) = start(OtaDeviceOptions::default());
    let host = Host::new(device.ota_addr());
    // 800KB cannot sit beside the 300KB built-in image below 0xFB000.
    host.invite(&image(800 * 1024, 3));
    assert_eq!(host.answer(), "ERR: ERROR[4]: Not Enough Space\n");
    let refused = wait_for(&events, |e| matches!(e, DeviceEvent::Refused { .. }));
    assert_eq!(
        refused.to_string(),
        "update refused: ERROR[4]: Not Enough Space"
    );
}

#[test]
fn a_stalled_host_gets_the_stream_timeout() {
    let (device, events) = start(OtaDeviceOptions::default());
    let host = Host::new(device.ota_addr());
    let new = image(20_000, 4);
    host.invite(&new);
    assert_eq!(host.answer(), "OK");
    let mut stream = host.accept();
    stream.write_all(&new[..1000]).unwrap();
    let mut replies = String::new();
    stream.read_to_string(&mut replies).unwrap();
    assert_eq!(replies, "1000ERROR[6]: Stream Read Timeout\n");
    let failed = wait_for(&events, |e| matches!(e, DeviceEvent::UpdateFailed { .. }));
    assert!(
        matches!(failed, DeviceEvent::UpdateFailed { received: 1000, size: 20_000, ref error } if error.code == UpdaterError::STREAM)
    );
    // Idle again.
    host.invite(&new);
    assert_eq!(host.answer(), "OK");
}

#[test]
fn no_listener_no_update() {
    let (device, events) = start(OtaDeviceOptions::default());
    let host = Host::new(device.ota_addr());
    let new = image(20_000, 5);
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let invitation = Invitation {
        target: UpdateTarget::Firmware,
        host_port: port,
        size: new.len() as u32,
        md5: md5_hex(&new),
    };
    host.send(&invitation.encode());
    assert_eq!(host.answer(), "OK");
    wait_for(&events, |e| matches!(e, DeviceEvent::ConnectFailed { .. }));
    host.invite(&new);
    assert_eq!(host.answer(), "OK", "idle again");
}

#[test]
fn a_wrong_md5_fails_at_the_end() {
    let (device, events) = start(OtaDeviceOptions::default());
    let host = Host::new(device.ota_addr());
    let new = image(10_000, 6);
    let mut invitation = Invitation {
        target: UpdateTarget::Firmware,
        host_port: host.listener.local_addr().unwrap().port(),
        size: new.len() as u32,
        md5: md5_hex(b"another image"),
    };
    host.send(&invitation.encode());
    assert_eq!(host.answer(), "OK");
    let replies = lock_step(&mut host.accept(), &new);
    assert!(replies.ends_with("ERROR[7]: MD5 Failed\n"), "{replies}");
    wait_for(&events, |e| matches!(e, DeviceEvent::UpdateFailed { .. }));
    assert_eq!(device.running_image(), OtaDeviceOptions::default().firmware);
    invitation.md5 = md5_hex(&new);
    host.send(&invitation.encode());
    assert_eq!(host.answer(), "OK", "idle again");
}

/// One RTT per chunk for a lock-step host; a streaming host is held to the receive window
/// per RTT.
#[test]
fn round_trip_time_and_receive_window() {
    let rtt = Duration::from_millis(100);
    let (device, events) = start(OtaDeviceOptions {
        rtt,
        ..OtaDeviceOptions::default()
    });
    let host = Host::new(device.ota_addr());
    // Lock-step: 10 chunks take at least 10 RTTs, plus the invitation's.
    let new = image(10 * 1460, 7);
    let asked = Instant::now();
    host.invite(&new);
    assert_eq!(host.answer(), "OK");
    assert!(asked.elapsed() >= rtt, "the answer takes a round trip");
    let mut stream = host.accept();
    let sending = Instant::now();
    let replies = lock_step(&mut stream, &new);
    assert!(replies.ends_with("OK"), "{replies}");
    let lock_step_time = sending.elapsed();
    assert!(lock_step_time >= 10 * rtt, "{lock_step_time:?}");
    wait_for(&events, |e| matches!(e, DeviceEvent::Running { .. }));

    // Streaming 12 windows: the device can take no more than one window per RTT, so
    // the last byte arrives no earlier than 11 RTTs (plus the half of the first).
    let new = image(12 * RECEIVE_WINDOW as usize, 8);
    host.invite(&new);
    assert_eq!(host.answer(), "OK");
    let mut stream = host.accept();
    let sending = Instant::now();
    stream.write_all(&new).unwrap();
    let mut replies = String::new();
    stream.read_to_string(&mut replies).unwrap();
    assert!(replies.ends_with("OK"), "{replies}");
    // The final OK waits a second after the last count.
    let streaming = sending.elapsed() - Duration::from_secs(1);
    assert!(streaming >= 11 * rtt, "{streaming:?}");
    assert!(streaming < 20 * rtt, "not lock-step: {streaming:?}");
}
