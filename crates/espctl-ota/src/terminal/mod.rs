//! ESPurna's upgrade from its terminal: `ota <url>` makes the device download an image
//! over plain HTTP and flash it. [`terminal_upgrade`] serves the image from a
//! short-lived [`ImageServer`] on the address the device reaches this computer at (the
//! local end of the telnet connection), logs in when the terminal asks for the
//! password, sends the command and follows the device's `[OTA]` lines to `Success`
//! (the device then reboots) or to the failure it reports.

pub mod lines;
mod telnet;

use crate::http::{ImageServer, ServeEvent, UpgradeHint, Url, encode_path_segment};
use crate::wire::UpdaterError;
use lines::{OtaLine, PASSWORD_PROMPT, PASSWORD_RETRY, PASSWORD_WELCOME};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use telnet::{Arrived, Telnet};

/// How long the terminal may stay silent after connecting before it counts as not
/// asking for a password (ESPurna prompts at once).
const PROMPT_WAIT: Duration = Duration::from_millis(1500);
/// One wait for the terminal while following the download.
const TICK: Duration = Duration::from_millis(50);

/// A terminal upgrade to do.
#[derive(Debug, Clone)]
pub struct TerminalUpgrade {
    /// `telnet://HOST[:PORT]`.
    pub terminal: Url,
    /// The terminal password (ESPurna: the admin password), if it asks for one.
    pub password: Option<String>,
    /// The address the device is told to download from (default: this computer's
    /// address on the telnet connection; name another for NAT or port forwarding).
    pub announce_ip: Option<IpAddr>,
    /// The port to serve on (0: any free one).
    pub serve_port: u16,
    /// The file name in the URL.
    pub file_name: String,
    /// How long to wait for the connection.
    pub connect_timeout: Duration,
    /// How long the device may stay silent (no line, no byte fetched) before giving up.
    pub idle_timeout: Duration,
}

/// What the upgrade reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalEvent {
    /// Connected to the terminal.
    Connected {
        /// Its address.
        terminal: SocketAddr,
    },
    /// The password was accepted.
    LoggedIn,
    /// The image is served here and the command is sent.
    Serving {
        /// The URL the device was told.
        url: String,
    },
    /// The device took the command (`+OK`).
    CommandAccepted,
    /// The device connected to the image server.
    DeviceFetching,
    /// Image bytes the device downloaded so far.
    Progress {
        /// Sent.
        sent: u64,
        /// Of.
        total: u64,
    },
    /// A terminal line of the device (every one, for a verbose front end).
    DeviceLine(String),
    /// The device stored the image and reboots.
    Stored {
        /// The size it reported.
        bytes: u64,
    },
}

/// Why the terminal upgrade failed.
#[derive(Debug, thiserror::Error)]
pub enum TerminalUpgradeError {
    /// Nothing answered at the address.
    #[error("cannot reach the terminal at {url}: {source}")]
    Connect {
        /// The address.
        url: String,
        /// The system's reason.
        source: io::Error,
    },
    /// The connection broke.
    #[error("the terminal connection broke: {0}")]
    Io(#[source] io::Error),
    /// The image server could not start.
    #[error("cannot serve the image on {address}: {source}")]
    Serve {
        /// Where.
        address: SocketAddr,
        /// The system's reason.
        source: io::Error,
    },
    /// The terminal asks for a password and none was given.
    #[error("the terminal asks for a password")]
    PasswordNeeded,
    /// The terminal refused the password.
    #[error("the terminal refused the password")]
    WrongPassword,
    /// The device refused the command (`-ERROR: ...`): not ESPurna, or no OTA client.
    #[error("the device refused the command: {0}")]
    CommandRefused(String),
    /// Another download is running on the device.
    #[error("the device is already downloading an image (from {0})")]
    Busy(String),
    /// The device could not download or store the image.
    #[error("the device could not download {url}: {error}")]
    DownloadFailed {
        /// The URL it was told.
        url: String,
        /// What it reported.
        error: UpdaterError,
    },
    /// The device never came for the image.
    #[error("the device did not download {url} within {seconds} s")]
    NotFetched {
        /// The URL it was told.
        url: String,
        /// How long it was given.
        seconds: u64,
    },
    /// The device went silent during the download.
    #[error("the device stopped answering after {sent} of {total} bytes")]
    Stalled {
        /// Bytes it fetched.
        sent: u64,
        /// Of.
        total: u64,
    },
    /// The device stored a different number of bytes than the image has.
    #[error("the device stored {stored} bytes but the image has {total}")]
    SizeMismatch {
        /// What it reported.
        stored: u64,
        /// The image size.
        total: u64,
    },
    /// The terminal closed before the device reported success.
    #[error("the device closed the terminal before reporting success")]
    Closed,
}

impl TerminalUpgradeError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<UpgradeHint> {
        Some(match self {
            TerminalUpgradeError::Connect { .. } | TerminalUpgradeError::CommandRefused(_) => {
                UpgradeHint::CheckAddress
            }
            TerminalUpgradeError::PasswordNeeded => UpgradeHint::GivePassword,
            TerminalUpgradeError::WrongPassword => UpgradeHint::CheckPassword,
            TerminalUpgradeError::NotFetched { .. } | TerminalUpgradeError::Serve { .. } => {
                UpgradeHint::CheckReachability
            }
            TerminalUpgradeError::DownloadFailed { error, .. } => match error.code {
                UpdaterError::SPACE => UpgradeHint::TwoStep,
                0 if error.text == lines::NO_MAGIC_BYTE => UpgradeHint::CheckImage,
                0 => UpgradeHint::CheckReachability,
                _ => UpgradeHint::CheckImage,
            },
            TerminalUpgradeError::Busy(_)
            | TerminalUpgradeError::Io(_)
            | TerminalUpgradeError::Stalled { .. }
            | TerminalUpgradeError::Closed => UpgradeHint::Retry,
            TerminalUpgradeError::SizeMismatch { .. } => return None,
        })
    }
}

/// Serves `image`, tells the device's terminal to fetch it, and follows the download;
/// `Ok` when the device reported storing the whole image (it then reboots).
pub fn terminal_upgrade(
    job: &TerminalUpgrade,
    image: Arc<Vec<u8>>,
    on_event: &mut dyn FnMut(TerminalEvent),
) -> Result<(), TerminalUpgradeError> {
    let (mut telnet, terminal) =
        Telnet::connect(&job.terminal.host, job.terminal.port, job.connect_timeout).map_err(
            |source| TerminalUpgradeError::Connect {
                url: job.terminal.to_string(),
                source,
            },
        )?;
    on_event(TerminalEvent::Connected { terminal });
    log_in(&mut telnet, job, on_event)?;

    let local = telnet.local_ip().map_err(TerminalUpgradeError::Io)?;
    let bind = SocketAddr::new(local, job.serve_port);
    let path = format!("/{}", encode_path_segment(&job.file_name));
    let server = ImageServer::start(bind, &path, image.clone()).map_err(|source| {
        TerminalUpgradeError::Serve {
            address: bind,
            source,
        }
    })?;
    let announced = SocketAddr::new(job.announce_ip.unwrap_or(local), server.address().port());
    let url = format!("http://{announced}{path}");
    on_event(TerminalEvent::Serving { url: url.clone() });
    telnet
        .send_line(&format!("ota {url}"))
        .map_err(TerminalUpgradeError::Io)?;
    follow(
        &mut telnet,
        &server,
        job,
        &url,
        image.len() as u64,
        on_event,
    )
}

/// Answers the password prompt, if the terminal shows one.
fn log_in(
    telnet: &mut Telnet,
    job: &TerminalUpgrade,
    on_event: &mut dyn FnMut(TerminalEvent),
) -> Result<(), TerminalUpgradeError> {
    let prompt = wait_for(telnet, PROMPT_WAIT, &[PASSWORD_PROMPT], on_event)?;
    if prompt.is_none() {
        return Ok(());
    }
    let password = job
        .password
        .as_deref()
        .ok_or(TerminalUpgradeError::PasswordNeeded)?;
    telnet.clear_partial();
    telnet
        .send_line(password)
        .map_err(TerminalUpgradeError::Io)?;
    match wait_for(
        telnet,
        Duration::from_secs(10),
        &[PASSWORD_WELCOME, PASSWORD_RETRY],
        on_event,
    )? {
        Some(PASSWORD_WELCOME) => {
            on_event(TerminalEvent::LoggedIn);
            Ok(())
        }
        Some(_) => Err(TerminalUpgradeError::WrongPassword),
        None => Err(TerminalUpgradeError::Closed),
    }
}

/// Reads until one of `texts` shows (in a line or the unfinished one); `None` when the
/// terminal stays silent for `wait`.
fn wait_for(
    telnet: &mut Telnet,
    wait: Duration,
    texts: &[&'static str],
    on_event: &mut dyn FnMut(TerminalEvent),
) -> Result<Option<&'static str>, TerminalUpgradeError> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        match telnet.read(left).map_err(TerminalUpgradeError::Io)? {
            Arrived::Text(text) => {
                for line in telnet.lines(&text) {
                    if let Some(found) = texts.iter().find(|t| line.contains(t.trim_end())) {
                        return Ok(Some(found));
                    }
                    on_event(TerminalEvent::DeviceLine(line));
                }
                if let Some(found) = texts
                    .iter()
                    .find(|t| telnet.partial().contains(t.trim_end()))
                {
                    return Ok(Some(found));
                }
            }
            Arrived::Nothing => return Ok(None),
            Arrived::Closed => return Err(TerminalUpgradeError::Closed),
        }
    }
}

/// Follows the device's lines and the server's sending to the end of the upgrade.
fn follow(
    telnet: &mut Telnet,
    server: &ImageServer,
    job: &TerminalUpgrade,
    url: &str,
    total: u64,
    on_event: &mut dyn FnMut(TerminalEvent),
) -> Result<(), TerminalUpgradeError> {
    let mut last_news = Instant::now();
    let mut sent = 0u64;
    let mut fetching = false;
    let mut failure: Option<UpdaterError> = None;
    let failed = |error: UpdaterError| TerminalUpgradeError::DownloadFailed {
        url: url.to_string(),
        error,
    };
    loop {
        for event in server.events().try_iter() {
            last_news = Instant::now();
            match event {
                ServeEvent::Sending { .. } if !fetching => {
                    fetching = true;
                    on_event(TerminalEvent::DeviceFetching);
                }
                ServeEvent::Sent { bytes, total } => {
                    sent = bytes;
                    on_event(TerminalEvent::Progress { sent: bytes, total });
                }
                _ => {}
            }
        }
        let text = match telnet.read(TICK).map_err(TerminalUpgradeError::Io)? {
            Arrived::Text(text) => text,
            Arrived::Nothing => {
                if last_news.elapsed() < job.idle_timeout {
                    continue;
                }
                return Err(if fetching {
                    TerminalUpgradeError::Stalled { sent, total }
                } else {
                    TerminalUpgradeError::NotFetched {
                        url: url.to_string(),
                        seconds: job.idle_timeout.as_secs(),
                    }
                });
            }
            Arrived::Closed => {
                return Err(failure.map(failed).unwrap_or(TerminalUpgradeError::Closed));
            }
        };
        last_news = Instant::now();
        for line in telnet.lines(&text) {
            on_event(TerminalEvent::DeviceLine(line.clone()));
            match OtaLine::parse(&line) {
                Some(OtaLine::CommandOk) => on_event(TerminalEvent::CommandAccepted),
                Some(OtaLine::CommandError(text)) => {
                    return Err(TerminalUpgradeError::CommandRefused(text));
                }
                Some(OtaLine::Busy(host)) => return Err(TerminalUpgradeError::Busy(host)),
                Some(OtaLine::UnsupportedProtocol) => {
                    return Err(failed(UpdaterError {
                        code: 0,
                        text: "unsupported protocol".into(),
                    }));
                }
                Some(OtaLine::ConnectionFailed) => {
                    return Err(failed(UpdaterError {
                        code: 0,
                        text: "connection failed".into(),
                    }));
                }
                Some(OtaLine::Failed(error)) => {
                    failure.get_or_insert(error);
                }
                Some(OtaLine::Success(stored)) => {
                    if stored != total {
                        return Err(TerminalUpgradeError::SizeMismatch { stored, total });
                    }
                    on_event(TerminalEvent::Stored { bytes: stored });
                    return Ok(());
                }
                Some(OtaLine::Disconnected) => {
                    return Err(failed(failure.take().unwrap_or(UpdaterError {
                        code: 0,
                        text: "the download ended without success".into(),
                    })));
                }
                Some(OtaLine::Connecting(_) | OtaLine::Downloading(_) | OtaLine::Progress(_))
                | None => {}
            }
        }
    }
}
