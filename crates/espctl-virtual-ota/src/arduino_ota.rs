//! The ArduinoOTA responder of the ESP8266 core (`libraries/ArduinoOTA/ArduinoOTA.cpp`;
//! reference sections 1.2-1.5): a UDP port that takes invitations, asks for the password
//! when there is one, runs `Update.begin`, then connects back to the host over TCP and
//! takes the image.
//!
//! As the core does it:
//! - Idle, the device reads invitations leniently and ignores anything else (commands
//!   other than 0 and 100 included).
//! - With a password it answers `AUTH <nonce>` (the scheme's hash of the time) and waits
//!   for the answer. An answer that is not command 200, or whose client nonce or response
//!   has the wrong length, sends it back to idle silently; a wrong response gets
//!   `Authentication Failed`.
//! - Then `Update.begin`: refused, the host gets `ERR: ` and the updater's error line;
//!   accepted, `OK`, and 100 ms later the device connects to the invitation's port at the
//!   address the invitation came from. Every UDP answer goes to the invitation's sender.
//! - It takes what has arrived (up to its 4KB buffer), writes it and answers the count in
//!   decimal with no delimiter; after a second without data it gives up (the core's loop
//!   keeps waiting until the host goes; the device ends the update as a fixed loop would).
//! - At the end, `Update.end` with the invitation's MD5: `OK`, close, `ESP.restart()`; or
//!   the error line and back to idle. The final word waits a second after the last count
//!   (the core's `delay(1000)`), so a host reading counts does not get both at once.
//! - The UDP port is closed while an update runs: what arrives meanwhile is lost.

use crate::events::DeviceEvent;
use crate::latency::{self, Link, ReadOutcome};
use crate::state::SharedDevice;
use crate::updater::Update;
use espctl_ota::wire::{
    AUTH_FAILED, AuthAnswer, AuthScheme, BEGIN_ERROR_PREFIX, Challenge, Invitation, OK,
    UpdaterError,
};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The Updater's buffer: the most one `Update.write` takes.
const BUFFER: usize = 4096;
/// How long the device waits for data before it gives up on the host.
const STREAM_TIMEOUT: Duration = Duration::from_secs(1);
/// Between `OK` on UDP and the connection.
const CONNECT_DELAY: Duration = Duration::from_millis(100);
/// Between the last count and the final word.
const FINAL_WORD_DELAY: Duration = Duration::from_secs(1);
/// How often the loop looks at the clock (reboots) and the stop flag.
const POLL: Duration = Duration::from_millis(50);

/// What the responder is configured with.
pub(crate) struct ArduinoOtaConfig {
    pub password: Option<String>,
    pub scheme: AuthScheme,
    pub rtt: Duration,
}

/// The responder's state between datagrams.
enum Waiting {
    Invitation,
    Auth {
        invitation: Invitation,
        from: SocketAddr,
        nonce: String,
    },
}

pub(crate) struct ArduinoOta {
    socket: UdpSocket,
    device: SharedDevice,
    /// What the device stores: the scheme's hash of the password.
    password_hash: Option<String>,
    scheme: AuthScheme,
    rtt: Duration,
    stop: Arc<AtomicBool>,
    booted: Instant,
}

impl ArduinoOta {
    pub(crate) fn new(
        socket: UdpSocket,
        device: SharedDevice,
        config: ArduinoOtaConfig,
        stop: Arc<AtomicBool>,
    ) -> ArduinoOta {
        ArduinoOta {
            socket,
            device,
            password_hash: config.password.map(|p| config.scheme.password_hash(&p)),
            scheme: config.scheme,
            rtt: config.rtt,
            stop,
            booted: Instant::now(),
        }
    }

    /// Serves until the stop flag is set.
    pub(crate) fn run(self) {
        let _ = self.socket.set_read_timeout(Some(POLL));
        let mut waiting = Waiting::Invitation;
        let mut buf = [0u8; 1460];
        while !self.stop.load(Ordering::SeqCst) {
            let received = self.socket.recv_from(&mut buf);
            let rebooting = {
                let mut dev = self.lock();
                dev.tick();
                dev.is_rebooting()
            };
            let Ok((n, from)) = received else { continue };
            if rebooting {
                // Nothing listens while the device reboots.
                waiting = Waiting::Invitation;
                continue;
            }
            waiting = self.on_datagram(waiting, &buf[..n], from);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, crate::state::DeviceState> {
        self.device.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn emit(&self, event: DeviceEvent) {
        self.lock().emit(event);
    }

    fn answer(&self, to: SocketAddr, data: &[u8]) {
        latency::answer(&self.socket, to, data, self.rtt);
    }

    fn on_datagram(&self, waiting: Waiting, datagram: &[u8], from: SocketAddr) -> Waiting {
        match waiting {
            Waiting::Invitation => {
                let Some(invitation) = Invitation::parse(datagram) else {
                    return Waiting::Invitation;
                };
                self.emit(DeviceEvent::Invitation {
                    from,
                    target: invitation.target,
                    size: invitation.size,
                    host_port: invitation.host_port,
                });
                if self.password_hash.is_none() {
                    self.run_update(&invitation, from);
                    return Waiting::Invitation;
                }
                // The core hashes `micros()` (a 32-bit count) for its nonce.
                let micros = self.booted.elapsed().as_micros() as u32;
                let nonce = self.scheme.hex(micros.to_string().as_bytes());
                self.answer(
                    from,
                    &Challenge {
                        nonce: nonce.clone(),
                    }
                    .encode(),
                );
                self.emit(DeviceEvent::AuthChallenge { to: from });
                Waiting::Auth {
                    invitation,
                    from,
                    nonce,
                }
            }
            Waiting::Auth {
                invitation,
                from,
                nonce,
            } => {
                let Some(answer) = AuthAnswer::parse(datagram) else {
                    return Waiting::Invitation;
                };
                let len = self.scheme.hex_len();
                if answer.cnonce.len() != len || answer.response.len() != len {
                    return Waiting::Invitation;
                }
                let stored = self.password_hash.as_deref().unwrap_or_default();
                let expected = self.scheme.response(stored, &nonce, &answer.cnonce);
                if !constant_time_eq(expected.as_bytes(), answer.response.as_bytes()) {
                    self.answer(from, AUTH_FAILED.as_bytes());
                    self.emit(DeviceEvent::AuthFailed { from });
                    return Waiting::Invitation;
                }
                self.emit(DeviceEvent::AuthOk);
                self.run_update(&invitation, from);
                Waiting::Invitation
            }
        }
    }

    /// `_runUpdate`: begin, connect back, take the image, end.
    fn run_update(&self, invitation: &Invitation, from: SocketAddr) {
        let (claim, begun) = {
            let mut dev = self.lock();
            match dev.try_claim() {
                Some(claim) => (
                    Some(claim),
                    Update::begin(&mut dev, invitation.size, invitation.target),
                ),
                // `Update.begin` returns false while another update runs, without an error
                // of its own.
                None => (None, Err(UpdaterError::esp8266(0, 0, 0))),
            }
        };
        let mut update = match begun {
            Ok(update) => update,
            Err(error) => {
                if claim.is_none() {
                    self.emit(DeviceEvent::Refused {
                        error: error.clone(),
                    });
                }
                let mut message = BEGIN_ERROR_PREFIX.to_string();
                message.push_str(&error.encode());
                self.answer(from, message.as_bytes());
                return;
            }
        };
        self.answer(from, OK.as_bytes());
        self.pause(CONNECT_DELAY);
        let host = SocketAddr::new(from.ip(), invitation.host_port);
        let mut link = match Link::connect(host, self.rtt) {
            Ok(link) => link,
            Err(e) => {
                self.emit(DeviceEvent::ConnectFailed {
                    to: host,
                    reason: e.to_string(),
                });
                return;
            }
        };
        let mut buf = vec![0u8; BUFFER];
        let mut host_gone = false;
        while !update.is_finished() {
            let want = BUFFER.min(update.remaining() as usize);
            match self.wait_for_data(&mut link, &mut buf[..want]) {
                ReadOutcome::Data(n) => {
                    let written = update.write(&mut self.lock(), &buf[..n]);
                    match written {
                        Ok(taken) => {
                            if link.send(taken.to_string().as_bytes()).is_err() {
                                host_gone = true;
                                break;
                            }
                        }
                        Err(error) => {
                            let _ = link.send(error.encode().as_bytes());
                            link.close();
                            return;
                        }
                    }
                }
                ReadOutcome::Closed => {
                    host_gone = true;
                    break;
                }
                ReadOutcome::TimedOut => {
                    let error = UpdaterError::esp8266(UpdaterError::STREAM, 0, 0);
                    let error = update.abort(&mut self.lock(), error);
                    let _ = link.send(error.encode().as_bytes());
                    link.close();
                    return;
                }
            }
        }
        let ended = update.end(&mut self.lock(), Some(&invitation.md5), false);
        match ended {
            Ok(()) => {
                self.pause(FINAL_WORD_DELAY);
                let _ = link.send(OK.as_bytes());
                link.close();
                drop(claim);
                self.lock().restart();
            }
            // Nobody to tell.
            Err(_) if host_gone => link.close(),
            Err(error) => {
                self.pause(FINAL_WORD_DELAY);
                let _ = link.send(error.encode().as_bytes());
                link.close();
            }
        }
    }

    /// Waits, dropping the datagrams that arrive meanwhile.
    fn pause(&self, time: Duration) {
        let until = Instant::now() + time;
        while Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
            self.drop_datagrams();
            std::thread::sleep(until.saturating_duration_since(Instant::now()).min(POLL));
        }
        self.drop_datagrams();
    }

    /// Waits up to the stream timeout for data, minding the stop flag.
    fn wait_for_data(&self, link: &mut Link, buf: &mut [u8]) -> ReadOutcome {
        let deadline = Instant::now() + STREAM_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stop.load(Ordering::SeqCst) {
                return ReadOutcome::TimedOut;
            }
            self.drop_datagrams();
            match link.read(buf, left.min(POLL * 2)) {
                ReadOutcome::TimedOut => continue,
                other => return other,
            }
        }
    }

    /// The core stops its UDP socket while an update runs: what arrives then is lost.
    fn drop_datagrams(&self) {
        let mut buf = [0u8; 1460];
        if self.socket.set_nonblocking(true).is_ok() {
            while self.socket.recv_from(&mut buf).is_ok() {}
            let _ = self.socket.set_nonblocking(false);
        }
    }
}

/// Compares without stopping at the first difference (`equalsConstantTime`).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
