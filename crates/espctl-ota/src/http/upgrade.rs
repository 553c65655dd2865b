//! ESPurna's web upgrade: the image posted as the `upgrade` field of a
//! `multipart/form-data` form to `/upgrade`, behind the web UI's login (user `admin`,
//! the admin password; ESPurna asks for Digest, ESPAsyncWebServer also takes Basic).
//!
//! First an empty `POST` learns whether a login is needed and which (ESPurna answers
//! `401` with the challenge before looking at the body), then an empty `POST` with the
//! login checks the password, so a wrong password or address fails before the image is
//! sent. Then the upload; the answer is `200 OK` with body
//! `OK`, `400` with ESPurna's own text (`ERROR: No magic byte / invalid flash config`,
//! `ERROR: Upgrade in progress`, `ERROR: Invalid request`), or `500` with the updater's
//! `ERROR[n]: text` line.

use super::auth::{Challenge, ChallengeError};
use super::multipart::{MultipartFile, UPGRADE_FIELD};
use super::{Response, UpgradeHint, Url, connect, random_hex, read_response};
use crate::wire::UpdaterError;
use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Bytes per write while uploading (one progress step).
const CHUNK: usize = 4096;

/// A web upgrade to do.
#[derive(Debug, Clone)]
pub struct WebUpgrade {
    /// `http://HOST[:PORT]/upgrade`.
    pub url: Url,
    /// The login name (ESPurna: `admin`).
    pub user: String,
    /// The password, when the device wants one.
    pub password: Option<String>,
    /// The name the file is posted under.
    pub file_name: String,
    /// How long to wait for the connection.
    pub connect_timeout: Duration,
    /// How long one read or write may block (the device writes flash as it reads).
    pub io_timeout: Duration,
}

/// What the upgrade reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebEvent {
    /// Connected to the device's web server.
    Connected {
        /// The address that answered.
        address: SocketAddr,
    },
    /// The device wants a login of this scheme.
    LoginRequired {
        /// `Basic` or `Digest`.
        scheme: &'static str,
        /// The realm (ESPurna: the device's host name).
        realm: String,
    },
    /// The upload begins: this many bytes of image.
    UploadStarted {
        /// The image size.
        total: u64,
    },
    /// Image bytes sent so far.
    Progress {
        /// Sent.
        sent: u64,
        /// Of.
        total: u64,
    },
    /// Everything is sent; the device checks the image and answers.
    Uploaded,
}

/// Why the web upgrade failed.
#[derive(Debug, thiserror::Error)]
pub enum WebUpgradeError {
    /// Nothing answered at the address.
    #[error("cannot reach {url}: {source}")]
    Connect {
        /// The address.
        url: String,
        /// The system's reason.
        source: io::Error,
    },
    /// The connection broke or the answer was not HTTP.
    #[error("{url}: {during}: {source}")]
    Io {
        /// The address.
        url: String,
        /// What was going on.
        during: &'static str,
        /// The system's reason.
        source: io::Error,
    },
    /// The server has no upload form at that path.
    #[error("{url} answered {status}: there is no web upgrade at this address")]
    NotFound {
        /// The address.
        url: String,
        /// The status (404, 405).
        status: u16,
    },
    /// A login is needed and no password was given.
    #[error("the device wants a password ({scheme} login, realm '{realm}')")]
    PasswordNeeded {
        /// `Basic` or `Digest`.
        scheme: &'static str,
        /// The realm.
        realm: String,
    },
    /// The device refused the login.
    #[error("the device refused the password for user '{user}'")]
    WrongPassword {
        /// The user name sent.
        user: String,
    },
    /// The login challenge could not be answered.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
    /// ESPurna refused the upload with its own message (`400`).
    #[error("the device refused the image: {message}")]
    Refused {
        /// The device's text.
        message: String,
    },
    /// The updater failed (`500`, `ERROR[n]: text`).
    #[error("the device's updater failed: {0}")]
    Updater(UpdaterError),
    /// Any other answer.
    #[error("the device answered {status}: {text:?}")]
    Unexpected {
        /// The status.
        status: u16,
        /// The body.
        text: String,
    },
}

impl WebUpgradeError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<UpgradeHint> {
        Some(match self {
            WebUpgradeError::Connect { .. } | WebUpgradeError::NotFound { .. } => {
                UpgradeHint::CheckAddress
            }
            WebUpgradeError::Io { .. } => UpgradeHint::Retry,
            WebUpgradeError::PasswordNeeded { .. } => UpgradeHint::GivePassword,
            WebUpgradeError::WrongPassword { .. } => UpgradeHint::CheckPassword,
            WebUpgradeError::Challenge(_) | WebUpgradeError::Unexpected { .. } => return None,
            WebUpgradeError::Refused { message } if message.contains("in progress") => {
                UpgradeHint::Retry
            }
            WebUpgradeError::Refused { .. } => UpgradeHint::CheckImage,
            WebUpgradeError::Updater(e) if e.code == UpdaterError::SPACE => UpgradeHint::TwoStep,
            WebUpgradeError::Updater(e) if e.code == UpdaterError::STREAM => UpgradeHint::Retry,
            WebUpgradeError::Updater(_) => UpgradeHint::CheckImage,
        })
    }
}

/// Uploads `image` as ESPurna's web page does; `Ok` when the device answered `OK` (it
/// then reboots into the new image).
pub fn web_upgrade(
    job: &WebUpgrade,
    image: &[u8],
    on_event: &mut dyn FnMut(WebEvent),
) -> Result<(), WebUpgradeError> {
    let mut stream = open(job, on_event)?;
    let sent = stream.write_all(request_head(job, None, "text/plain", 0).as_bytes());
    let probe = answer_of(job, &stream, sent)?;
    let challenge = match probe.status {
        401 => {
            let challenge = Challenge::pick(probe.head.headers_named("www-authenticate"))?;
            let realm = match &challenge {
                Challenge::Basic { realm } => realm.clone(),
                Challenge::Digest(d) => d.realm.clone(),
            };
            on_event(WebEvent::LoginRequired {
                scheme: challenge.scheme(),
                realm: realm.clone(),
            });
            if job.password.is_none() {
                return Err(WebUpgradeError::PasswordNeeded {
                    scheme: challenge.scheme(),
                    realm,
                });
            }
            Some(challenge)
        }
        404 | 405 => {
            return Err(WebUpgradeError::NotFound {
                url: job.url.to_string(),
                status: probe.status,
            });
        }
        200..=299 => None,
        status => {
            return Err(WebUpgradeError::Unexpected {
                status,
                text: probe.text(),
            });
        }
    };
    let answer = |c: &Challenge| {
        let password = job.password.as_deref().unwrap_or_default();
        c.answer(&job.user, password, "POST", &job.url.path, &random_hex(32))
    };
    if let Some(challenge) = &challenge {
        // The login alone, with an empty form (ESPurna answers it `OK` and does nothing
        // else): a wrong password fails before the image is sent.
        let mut stream = open(job, on_event)?;
        let head = request_head(job, Some(&answer(challenge)), "text/plain", 0);
        let sent = stream.write_all(head.as_bytes());
        if answer_of(job, &stream, sent)?.status == 401 {
            return Err(WebUpgradeError::WrongPassword {
                user: job.user.clone(),
            });
        }
    }
    let authorization = challenge.as_ref().map(answer);
    let form = MultipartFile::new(
        UPGRADE_FIELD,
        &job.file_name,
        &format!("espctl{}", random_hex(24)),
    );
    let total = image.len() as u64;
    let mut stream = open(job, on_event)?;
    let sent = (|| {
        let head = request_head(
            job,
            authorization.as_deref(),
            &form.content_type(),
            form.content_length(total),
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(form.head())?;
        on_event(WebEvent::UploadStarted { total });
        let mut sent = 0u64;
        for chunk in image.chunks(CHUNK) {
            stream.write_all(chunk)?;
            sent += chunk.len() as u64;
            on_event(WebEvent::Progress { sent, total });
            // ESPurna answers a refused first piece at once: stop sending then.
            if answered_early(&stream) {
                return Ok(());
            }
        }
        stream.write_all(form.tail())?;
        on_event(WebEvent::Uploaded);
        Ok(())
    })();
    verdict(job, answer_of(job, &stream, sent)?)
}

/// What the device's answer to the upload means.
fn verdict(job: &WebUpgrade, response: Response) -> Result<(), WebUpgradeError> {
    let text = response.text();
    match response.status {
        200 if text == crate::wire::OK => Ok(()),
        401 => Err(WebUpgradeError::WrongPassword {
            user: job.user.clone(),
        }),
        404 | 405 => Err(WebUpgradeError::NotFound {
            url: job.url.to_string(),
            status: response.status,
        }),
        400 => Err(WebUpgradeError::Refused {
            message: text.strip_prefix("ERROR: ").unwrap_or(&text).to_string(),
        }),
        200 | 500 if text.starts_with("ERROR[") => Err(WebUpgradeError::Updater(
            UpdaterError::parse(&text).unwrap_or(UpdaterError { code: 0, text }),
        )),
        status => Err(WebUpgradeError::Unexpected { status, text }),
    }
}

/// A fresh connection for one request (the ESP web servers close after each answer).
fn open(
    job: &WebUpgrade,
    on_event: &mut dyn FnMut(WebEvent),
) -> Result<TcpStream, WebUpgradeError> {
    let (stream, address) =
        connect(&job.url.host, job.url.port, job.connect_timeout).map_err(|source| {
            WebUpgradeError::Connect {
                url: job.url.to_string(),
                source,
            }
        })?;
    on_event(WebEvent::Connected { address });
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(job.io_timeout));
    let _ = stream.set_write_timeout(Some(job.io_timeout));
    Ok(stream)
}

/// The answer to a request whose sending ended with `sent`. When sending broke because
/// the device answered and closed early, its answer still counts.
fn answer_of(
    job: &WebUpgrade,
    stream: &TcpStream,
    sent: io::Result<()>,
) -> Result<Response, WebUpgradeError> {
    match read_response(&mut BufReader::new(stream)) {
        Ok(response) => Ok(response),
        Err(read_error) => Err(WebUpgradeError::Io {
            url: job.url.to_string(),
            during: if sent.is_err() {
                "the device closed the connection during the upload"
            } else {
                "reading the answer"
            },
            source: sent.err().unwrap_or(read_error),
        }),
    }
}

fn request_head(
    job: &WebUpgrade,
    authorization: Option<&str>,
    content_type: &str,
    length: u64,
) -> String {
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: espctl/{}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n",
        job.url.path,
        job.url.authority(),
        env!("CARGO_PKG_VERSION"),
    );
    if let Some(value) = authorization {
        head.push_str(&format!("Authorization: {value}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Whether the device already sent something (an answer before the end of the body).
fn answered_early(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let answered = matches!(stream.peek(&mut [0u8; 1]), Ok(n) if n > 0);
    let _ = stream.set_nonblocking(false);
    answered
}
