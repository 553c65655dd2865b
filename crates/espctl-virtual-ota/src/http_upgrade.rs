//! ESPurna's web upgrade (`ota_web.cpp` on ESPAsyncWebServer): `POST /upgrade` with the
//! image as a `multipart/form-data` file, behind the web UI's login (user `admin`, the
//! device's password; ESPurna asks for Digest, the server takes Basic too).
//!
//! As ESPurna does: the multipart body hides the image's size, so the update begins
//! with all the room there is (`(getFreeSketchSpace() - 0x1000) & ~0xFFF`) and ends
//! with `Update.end(evenIfRemaining = true)`. The file's first piece is checked before
//! anything is written (`otaVerifyHeader`: gzip, or 0xE9 and a declared flash size the
//! chip has); refusals answer at once, `400` with ESPurna's text; updater failures
//! answer `500` with the updater's `ERROR[n]: text`; success answers `200 OK`, then the
//! device restarts. The answer to a refused upload goes out before the body has
//! arrived (as ESPAsyncWebServer's), and the rest of the body is read and dropped.

use crate::error::OtaDeviceError;
use crate::events::DeviceEvent;
use crate::state::{BusyClaim, DeviceState, SharedDevice, magic_flash_chip_size};
use crate::updater::Update;
use espctl_ota::http::auth::authorization_matches;
use espctl_ota::http::multipart::{MultipartEvent, MultipartParser, boundary_of};
use espctl_ota::http::{Head, random_hex, read_head};
use espctl_ota::terminal::lines::NO_MAGIC_BYTE;
use espctl_ota::wire::{UpdateTarget, UpdaterError};
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// The web UI's user name (ESPurna's `WEB_USERNAME`).
pub const WEB_USER: &str = "admin";
/// The path of the upgrade form.
pub const UPGRADE_PATH: &str = "/upgrade";
/// What ESPAsyncWebServer hands the upload callback at a time: one TCP segment.
const PIECE: usize = 1460;
/// How much of a refused body is read and dropped before closing.
const MAX_DRAIN: u64 = 16 << 20;

/// The login the web server asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpAuth {
    /// `WWW-Authenticate: Basic`.
    Basic,
    /// `WWW-Authenticate: Digest` with `qop="auth"` (what ESPurna asks for).
    #[default]
    Digest,
}

/// The running web server.
#[derive(Debug)]
pub(crate) struct WebServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What the web server needs to know.
#[derive(Debug, Clone)]
pub(crate) struct WebSettings {
    /// The login's realm (ESPurna: the host name).
    pub realm: String,
    /// The admin password; `None`: no login.
    pub password: Option<String>,
    /// The challenge sent.
    pub auth: HttpAuth,
}

impl WebServer {
    /// Listens on `listen` and serves until dropped.
    pub(crate) fn start(
        listen: SocketAddr,
        device: SharedDevice,
        settings: WebSettings,
    ) -> Result<WebServer, OtaDeviceError> {
        let bind_error = |source| OtaDeviceError::Bind {
            service: "the web upgrade",
            addr: listen,
            source,
        };
        let listener = TcpListener::bind(listen).map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        // `Update.hasError()` outlives a request: an empty form is answered with it.
        let last_error = Arc::new(Mutex::new(None));
        let thread = std::thread::Builder::new()
            .name("ota-web".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    lock(&device).tick();
                    match listener.accept() {
                        Ok((stream, peer)) => {
                            let job = Request {
                                device: device.clone(),
                                settings: settings.clone(),
                                last_error: last_error.clone(),
                                peer,
                            };
                            std::thread::spawn(move || job.serve(stream));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            })
            .map_err(bind_error)?;
        Ok(WebServer {
            address,
            stop,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock(device: &SharedDevice) -> MutexGuard<'_, DeviceState> {
    device.lock().unwrap_or_else(|e| e.into_inner())
}

/// ESPurna's `otaVerifyHeader`: at least 4 bytes; gzip passes (the unpacker decides
/// later); else magic 0xE9 and a declared flash size the chip has (unknown codes pass).
pub(crate) fn espurna_header_ok(first: &[u8], real_flash_size: u32) -> bool {
    match first {
        [0x1F, 0x8B, _, _, ..] => true,
        [0xE9, _, _, byte3, ..] => {
            let declared = magic_flash_chip_size(*byte3);
            declared == 0 || declared <= real_flash_size
        }
        _ => false,
    }
}

/// One connection.
struct Request {
    device: SharedDevice,
    settings: WebSettings,
    last_error: Arc<Mutex<Option<UpdaterError>>>,
    peer: SocketAddr,
}

/// An update under way for one request (the claim keeps others out meanwhile).
struct Upload {
    update: Update,
    _claim: BusyClaim,
}

/// How a form ended.
enum Outcome {
    /// An answer went out already (a refusal).
    Answered,
    /// The image is stored: answer `OK`, then restart.
    Stored,
    /// `Update.end` or the transfer failed: answer with the updater's error.
    Failed,
    /// No file in the request.
    NoFile,
}

impl Request {
    fn serve(self, stream: TcpStream) {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
        if lock(&self.device).is_rebooting() {
            return; // nothing answers while the device reboots
        }
        let mut reader = BufReader::new(&stream);
        let Ok(head) = read_head(&mut reader) else {
            return;
        };
        let (method, target, _) = head.start_parts().unwrap_or(("", "", ""));
        let path = target.split('?').next().unwrap_or("");
        let length = head.content_length().unwrap_or(0);
        self.emit(DeviceEvent::WebRequest {
            from: self.peer,
            method: method.to_string(),
            path: path.to_string(),
        });
        let mut body = reader.take(length);
        if method != "POST" || path != UPGRADE_PATH {
            respond(&stream, 404, "Not Found", &[], "");
            drain(&mut body);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        if !self.logged_in(&head) {
            self.emit(DeviceEvent::WebUnauthorized {
                from: self.peer,
                tried: head.header("authorization").is_some(),
            });
            respond(
                &stream,
                401,
                "Unauthorized",
                &[("WWW-Authenticate", self.challenge())],
                "",
            );
            drain(&mut body);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        let outcome = match head.header("content-type").and_then(boundary_of) {
            Some(boundary) => self.upload(&mut body, &boundary, &stream),
            None => Outcome::NoFile,
        };
        let restart = matches!(outcome, Outcome::Stored);
        match outcome {
            Outcome::Answered => {}
            // `onUpgrade`: `OK` unless the updater has an error (then that, still 200).
            Outcome::Stored | Outcome::NoFile | Outcome::Failed => {
                let text = match &*self.last_error.lock().unwrap_or_else(|e| e.into_inner()) {
                    Some(error) => error.encode(),
                    None => espctl_ota::wire::OK.to_string(),
                };
                respond(&stream, 200, "OK", &[], &text);
            }
        }
        drain(&mut body);
        let _ = stream.shutdown(Shutdown::Both);
        if restart {
            lock(&self.device).restart();
        }
    }

    fn emit(&self, event: DeviceEvent) {
        lock(&self.device).emit(event);
    }

    fn logged_in(&self, head: &Head) -> bool {
        let Some(password) = &self.settings.password else {
            return true;
        };
        head.header("authorization").is_some_and(|a| {
            authorization_matches(a, WEB_USER, password, &self.settings.realm, "POST")
        })
    }

    fn challenge(&self) -> String {
        let realm = &self.settings.realm;
        match self.settings.auth {
            HttpAuth::Basic => format!("Basic realm=\"{realm}\""),
            HttpAuth::Digest => format!(
                "Digest realm=\"{realm}\", qop=\"auth\", nonce=\"{}\", opaque=\"{}\"",
                random_hex(32),
                random_hex(32)
            ),
        }
    }

    /// `onFile` for each piece of the form.
    fn upload(&self, body: &mut impl Read, boundary: &str, stream: &TcpStream) -> Outcome {
        let mut parser = MultipartParser::new(boundary);
        let mut upload: Option<Upload> = None;
        let mut first = true;
        let mut buf = [0u8; PIECE];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let Ok(events) = parser.push(&buf[..n]) else {
                break;
            };
            for event in events {
                let MultipartEvent::FileData { data, last } = event else {
                    continue;
                };
                if first {
                    first = false;
                    match self.begin(&data, last) {
                        Ok(u) => upload = Some(u),
                        Err((status, text)) => {
                            self.emit(DeviceEvent::WebRefused {
                                status,
                                text: text.trim_end().to_string(),
                            });
                            respond(stream, status, reason(status), &[], &text);
                            return Outcome::Answered;
                        }
                    }
                }
                let Some(current) = upload.as_mut() else {
                    continue;
                };
                if let Err(error) = self.write(current, &data) {
                    self.set_error(Some(error.clone()));
                    respond(stream, 500, reason(500), &[], &error.encode());
                    return Outcome::Answered;
                }
                if last && let Some(Upload { update, .. }) = upload.take() {
                    let mut dev = lock(&self.device);
                    // otaFinalize(index + len, ..., evenIfRemaining = true).
                    let result = update.end(&mut dev, None, true);
                    drop(dev);
                    let stored = result.is_ok();
                    self.set_error(result.err());
                    return if stored {
                        Outcome::Stored
                    } else {
                        Outcome::Failed
                    };
                }
            }
        }
        // The body ended before the file did: the update is abandoned.
        if let Some(Upload { update, .. }) = upload {
            let error = UpdaterError::esp8266(UpdaterError::STREAM, 0, 0);
            let mut dev = lock(&self.device);
            update.abort(&mut dev, error.clone());
            drop(dev);
            self.set_error(Some(error));
            return Outcome::Failed;
        }
        Outcome::NoFile
    }

    /// The checks on the file's first piece, then `Update.begin`.
    fn begin(&self, first: &[u8], last: bool) -> Result<Upload, (u16, String)> {
        let mut dev = lock(&self.device);
        let Some(claim) = dev.try_claim() else {
            return Err((400, "ERROR: Upgrade in progress".into()));
        };
        if last || first.is_empty() {
            return Err((400, "ERROR: Invalid request".into()));
        }
        if !espurna_header_ok(first, dev.flash_size()) {
            return Err((400, format!("ERROR: {NO_MAGIC_BYTE}")));
        }
        let room = dev.free_sketch_space().saturating_sub(0x1000) & !0xFFF;
        match Update::begin(&mut dev, room, UpdateTarget::Firmware) {
            Ok(update) => {
                drop(dev);
                self.set_error(None);
                Ok(Upload {
                    update,
                    _claim: claim,
                })
            }
            Err(error) => {
                drop(dev);
                self.set_error(Some(error.clone()));
                Err((500, error.encode()))
            }
        }
    }

    fn write(&self, upload: &mut Upload, data: &[u8]) -> Result<(), UpdaterError> {
        let mut dev = lock(&self.device);
        upload.update.write(&mut dev, data).map(|_| ())
    }

    fn set_error(&self, error: Option<UpdaterError>) {
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = error;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Internal Server Error",
    }
}

/// An answer as ESPurna's `sendResponse` builds it (`Connection: close`).
fn respond(
    mut stream: &TcpStream,
    status: u16,
    reason: &str,
    extra: &[(&str, String)],
    body: &str,
) {
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if status != 401 && status != 404 {
        head.push_str("X-XSS-Protection: 1; mode=block\r\nX-Content-Type-Options: nosniff\r\nX-Frame-Options: deny\r\n");
    }
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}

/// Reads what is left of the body (bounded), so closing does not reset the connection
/// under the client's feet.
fn drain(body: &mut impl Read) {
    let _ = io::copy(&mut body.take(MAX_DRAIN), &mut io::sink());
}
