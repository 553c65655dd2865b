//! The UDP half of an upload: the invitation, sent again every second until the device
//! answers, and the password challenge. Answers come back to the port the invitation
//! left from, so one socket does both (reference §1.1).

use super::error::OtaError;
use super::event::Event;
use crate::wire::{self, AuthAnswer, AuthScheme, Challenge, Invitation, UpdaterError};
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// How often the invitation goes out while the device is silent.
const RESEND_EVERY: Duration = Duration::from_secs(1);

/// One invitation to make.
pub(crate) struct Invite<'a> {
    /// The device's UDP address.
    pub device: SocketAddr,
    /// What to send.
    pub invitation: Invitation,
    /// The password, if any.
    pub password: Option<&'a str>,
    /// The file name (part of the client nonce, as espota.py makes it).
    pub file_name: &'a str,
    /// How long to keep inviting, and how long to wait for the password's verdict.
    pub timeout: Duration,
}

/// A datagram from the device.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Ok,
    Challenge(Challenge),
    AuthFailed,
    Refused(UpdaterError),
    Other(String),
}

impl Answer {
    fn read(datagram: &[u8]) -> Answer {
        if let Some(challenge) = Challenge::parse(datagram) {
            return Answer::Challenge(challenge);
        }
        let text = String::from_utf8_lossy(datagram);
        let text = text.trim();
        if text == wire::OK {
            Answer::Ok
        } else if text == wire::AUTH_FAILED {
            Answer::AuthFailed
        } else if text.starts_with(wire::BEGIN_ERROR_PREFIX.trim_end()) {
            Answer::Refused(UpdaterError::parse(text).unwrap_or(UpdaterError {
                code: 0,
                text: text.to_string(),
            }))
        } else {
            Answer::Other(text.to_string())
        }
    }
}

/// Invites the device until it accepts; returns the scheme of the password challenge
/// when there was one.
pub(crate) fn invite(
    socket: &UdpSocket,
    invite: &Invite,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<AuthScheme>, OtaError> {
    let device = invite.device;
    let mut attempt = 0;
    // espota.py 3.3: a refused SHA-256 answer is tried once more with the MD5 hash of
    // the password, which a sketch given `setPasswordHash(md5)` holds (reference §1.3).
    let mut md5_hash = false;
    let mut deadline = Instant::now() + invite.timeout;
    'invite: loop {
        attempt += 1;
        on_event(Event::Inviting { attempt, device });
        send(socket, &invite.invitation.encode(), device)?;
        let resend_at = (Instant::now() + RESEND_EVERY).min(deadline);
        let Some(datagram) = receive(socket, device.ip(), resend_at)? else {
            if Instant::now() >= deadline {
                return Err(OtaError::NoAnswer {
                    device,
                    attempts: attempt,
                    waited: invite.timeout,
                });
            }
            continue;
        };
        let mut answer = Answer::read(&datagram);
        let mut scheme = None;
        let verdict_by = Instant::now() + invite.timeout;
        loop {
            match answer {
                Answer::Ok => return Ok(scheme),
                Answer::Refused(error) => return Err(OtaError::Refused { error }),
                Answer::Other(text) => return Err(OtaError::BadAnswer { text }),
                Answer::AuthFailed if scheme == Some(AuthScheme::Sha256) && !md5_hash => {
                    md5_hash = true;
                    on_event(Event::RetryingWithMd5Hash);
                    deadline = Instant::now() + invite.timeout;
                    continue 'invite;
                }
                Answer::AuthFailed => return Err(OtaError::WrongPassword { device }),
                // A later challenge (to a repeated invitation) replaces the first: the
                // device checks against its latest nonce.
                Answer::Challenge(challenge) => {
                    let password = invite.password.ok_or(OtaError::PasswordNeeded { device })?;
                    let this = challenge
                        .scheme()
                        .ok_or_else(|| OtaError::UnknownChallenge {
                            nonce: challenge.nonce.clone(),
                        })?;
                    if scheme.is_none() {
                        on_event(Event::Authenticating { scheme: this });
                    }
                    scheme = Some(this);
                    let reply = answer_for(this, password, md5_hash, &challenge, invite);
                    send(socket, &reply.encode(), device)?;
                }
            }
            let Some(datagram) = receive(socket, device.ip(), verdict_by)? else {
                return Err(OtaError::NoAuthAnswer {
                    device,
                    waited: invite.timeout,
                });
            };
            answer = Answer::read(&datagram);
        }
    }
}

/// The answer to `challenge`: with the scheme's own hash of the password, or with its
/// MD5 hash under the SHA-256 scheme.
fn answer_for(
    scheme: AuthScheme,
    password: &str,
    md5_hash: bool,
    challenge: &Challenge,
    invite: &Invite,
) -> AuthAnswer {
    let cnonce = wire::client_nonce(
        scheme,
        invite.file_name,
        invite.invitation.size,
        &invite.invitation.md5,
        &invite.device.ip().to_string(),
    );
    if md5_hash {
        let stored = AuthScheme::Md5.password_hash(password);
        let response = scheme.response(&stored, &challenge.nonce, &cnonce);
        AuthAnswer { cnonce, response }
    } else {
        AuthAnswer::new(scheme, password, challenge, cnonce)
    }
}

fn send(socket: &UdpSocket, datagram: &[u8], device: SocketAddr) -> Result<(), OtaError> {
    socket
        .send_to(datagram, device)
        .map(drop)
        .map_err(|source| OtaError::Network {
            doing: "sending to the device",
            source,
        })
}

/// The next datagram from `from` before `until`; others are dropped.
fn receive(socket: &UdpSocket, from: IpAddr, until: Instant) -> Result<Option<Vec<u8>>, OtaError> {
    let mut buf = [0u8; 1500];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        socket
            .set_read_timeout(Some(left))
            .map_err(|source| OtaError::Network {
                doing: "waiting for the device",
                source,
            })?;
        match socket.recv_from(&mut buf) {
            Ok((n, sender)) if sender.ip() == from => return Ok(Some(buf[..n].to_vec())),
            Ok(_) => {}
            // A closed port (a device that is restarting) reports as refused: keep waiting.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock
                        | ErrorKind::TimedOut
                        | ErrorKind::ConnectionRefused
                        | ErrorKind::Interrupted
                ) => {}
            Err(source) => {
                return Err(OtaError::Network {
                    doing: "waiting for the device",
                    source,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_the_device_sends_them() {
        assert_eq!(Answer::read(b"OK"), Answer::Ok);
        assert_eq!(Answer::read(b"Authentication Failed"), Answer::AuthFailed);
        assert!(matches!(
            Answer::read(format!("AUTH {}", "a".repeat(32)).as_bytes()),
            Answer::Challenge(_)
        ));
        assert_eq!(
            Answer::read(b"ERR: ERROR[4]: Not Enough Space\n"),
            Answer::Refused(UpdaterError::esp8266(UpdaterError::SPACE, 0, 0))
        );
        assert_eq!(Answer::read(b"hello"), Answer::Other("hello".into()));
    }
}
