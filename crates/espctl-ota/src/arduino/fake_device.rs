//! A scripted ArduinoOTA device on 127.0.0.1 for the client's unit tests: it answers
//! invitations and passwords, connects back, takes the image and says what it got. (The
//! faithful device, with an updater and a flash, is `espctl-virtual-ota`.)

use crate::wire::{self, AuthAnswer, AuthScheme, Challenge, Invitation, UpdaterError};
use md5::{Digest, Md5};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How the fake behaves.
#[derive(Debug, Clone)]
pub(crate) struct Script {
    /// What the device stores of its password (`setPassword` stores the scheme's hash;
    /// `setPasswordHash` whatever it is given).
    pub password_hash: Option<String>,
    pub scheme: AuthScheme,
    pub accepts_gzip: bool,
    /// `Update.begin` refuses with this.
    pub refuse: Option<UpdaterError>,
    pub connect_back: bool,
    /// Closes the connection once this many bytes arrived.
    pub close_after: Option<usize>,
    /// Sends byte counts while receiving (else only the verdict).
    pub acks: bool,
    /// Answers nothing at all.
    pub silent: bool,
    /// After a good update, answers nothing for this long (its restart)...
    pub restart: Duration,
    /// ...or never again.
    pub gone_after_update: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            password_hash: None,
            scheme: AuthScheme::Md5,
            accepts_gzip: true,
            refuse: None,
            connect_back: true,
            close_after: None,
            acks: true,
            silent: false,
            restart: Duration::ZERO,
            gone_after_update: false,
        }
    }
}

impl Script {
    pub fn with_password(scheme: AuthScheme, password: &str) -> Script {
        Script {
            password_hash: Some(scheme.password_hash(password)),
            scheme,
            ..Script::default()
        }
    }
}

/// What the fake saw.
#[derive(Debug, Default, Clone)]
pub(crate) struct Log {
    pub invitations: Vec<Invitation>,
    pub auth_failures: u32,
    /// Images taken whole with a matching MD5.
    pub updates: Vec<Vec<u8>>,
}

pub(crate) struct FakeDevice {
    pub addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeDevice {
    pub fn start(script: Script) -> FakeDevice {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (l, s) = (log.clone(), stop.clone());
        let thread = thread::spawn(move || serve(socket, script, l, s));
        FakeDevice {
            addr,
            log,
            stop,
            thread: Some(thread),
        }
    }

    pub fn log(&self) -> Log {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for FakeDevice {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(socket: UdpSocket, script: Script, log: Arc<Mutex<Log>>, stop: Arc<AtomicBool>) {
    let mut buf = [0u8; 1500];
    let mut nonces = 0u32;
    let mut away_until: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, host)) = socket.recv_from(&mut buf) else {
            continue;
        };
        if away_until.is_some_and(|t| Instant::now() < t) {
            continue;
        }
        let Some(invitation) = Invitation::parse(&buf[..n]) else {
            continue;
        };
        log.lock().unwrap().invitations.push(invitation.clone());
        if script.silent {
            continue;
        }
        if let Some(stored) = &script.password_hash {
            nonces += 1;
            let nonce = script.scheme.hex(format!("nonce{nonces}").as_bytes());
            socket
                .send_to(
                    &Challenge {
                        nonce: nonce.clone(),
                    }
                    .encode(),
                    host,
                )
                .unwrap();
            let answer = loop {
                match socket.recv_from(&mut buf) {
                    Ok((n, _)) => break AuthAnswer::parse(&buf[..n]),
                    Err(_) if stop.load(Ordering::Relaxed) => return,
                    Err(_) => {}
                }
            };
            let Some(answer) = answer else { continue };
            if script.scheme.response(stored, &nonce, &answer.cnonce) != answer.response {
                log.lock().unwrap().auth_failures += 1;
                socket.send_to(wire::AUTH_FAILED.as_bytes(), host).unwrap();
                continue;
            }
        }
        if let Some(error) = &script.refuse {
            let text = format!("{}{}", wire::BEGIN_ERROR_PREFIX, error.encode());
            socket.send_to(text.as_bytes(), host).unwrap();
            continue;
        }
        socket.send_to(wire::OK.as_bytes(), host).unwrap();
        if !script.connect_back {
            continue;
        }
        let back = SocketAddr::new(host.ip(), invitation.host_port);
        let Ok(conn) = TcpStream::connect(back) else {
            continue;
        };
        if let Some((image, mut conn)) = take_image(conn, &invitation, &script) {
            // Logged before the host hears OK.
            log.lock().unwrap().updates.push(image);
            away_until = Some(if script.gone_after_update {
                Instant::now() + Duration::from_secs(3600)
            } else {
                Instant::now() + script.restart
            });
            let _ = conn.write_all(wire::OK.as_bytes());
        }
    }
}

/// Receives one image as ArduinoOTA does; `Some` when it is whole and its MD5 matches
/// (the caller says `OK`).
fn take_image(
    mut conn: TcpStream,
    invitation: &Invitation,
    script: &Script,
) -> Option<(Vec<u8>, TcpStream)> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut image = Vec::new();
    let mut buf = vec![0u8; 4096];
    while image.len() < invitation.size as usize {
        let n = conn.read(&mut buf).ok().filter(|&n| n > 0)?;
        image.extend_from_slice(&buf[..n]);
        if image.len() == n && image.starts_with(&[0x1f, 0x8b]) && !script.accepts_gzip {
            let error = UpdaterError::esp8266(UpdaterError::MAGIC_BYTE, 0, 0);
            let _ = conn.write_all(error.encode().as_bytes());
            return None;
        }
        if script.close_after.is_some_and(|at| image.len() >= at) {
            return None;
        }
        if script.acks {
            conn.write_all(n.to_string().as_bytes()).ok()?;
        }
    }
    let md5: String = Md5::digest(&image)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if md5 != invitation.md5 {
        let error = UpdaterError::esp8266(UpdaterError::MD5, 0, 0);
        let _ = conn.write_all(error.encode().as_bytes());
        return None;
    }
    Some((image, conn))
}
