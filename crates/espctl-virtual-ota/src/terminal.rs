//! ESPurna's telnet terminal (`telnet.cpp`, `terminal.cpp`) with the `ota <url>`
//! command of its default OTA client (`ota_asynctcp.cpp`).
//!
//! Login: with a password the terminal prompts `Password: ` and compares what arrives
//! as a prefix (`Password (try again): ` when wrong). Commands are lines, their first
//! word case-insensitive; answers end with `+OK` or `-ERROR: text`. Debug lines go to
//! every logged-in client, stamped `[NNNNNN] `.
//!
//! The download ([`download`]) is a bare HTTP/1.1 GET over plain TCP: it skips the
//! answer's head whatever its status, checks the first bytes of the body as the web
//! upgrade does, begins the update with all the room there is, writes what arrives,
//! and finishes when the server closes (or after 5 s of silence, `setRxTimeout(5)`)
//! with `Update.end(evenIfRemaining = true)`; on success the device restarts.

use crate::error::OtaDeviceError;
use crate::events::DeviceEvent;
use crate::http_upgrade::espurna_header_ok;
use crate::state::{DeviceState, SharedDevice};
use crate::updater::Update;
use espctl_ota::http::Url;
use espctl_ota::terminal::lines::{
    OtaLine, PASSWORD_PROMPT, PASSWORD_RETRY, PASSWORD_WELCOME, timestamp,
};
use espctl_ota::wire::{UpdateTarget, UpdaterError};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The downloader's receive timeout (`client.setRxTimeout(5)`).
const RX_TIMEOUT: Duration = Duration::from_secs(5);
/// `otaProgress`: a line once more than this many bytes came since the last one.
const PROGRESS_EACH: u64 = 8192;
const POLL: Duration = Duration::from_millis(20);

/// The running terminal.
#[derive(Debug)]
pub(crate) struct TerminalServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What every client thread shares.
#[derive(Clone)]
struct Shared {
    device: SharedDevice,
    password: Option<String>,
    /// Logged-in clients: debug lines go to each.
    clients: Arc<Mutex<Vec<TcpStream>>>,
    /// The host of the download under way (`internal::client`).
    download: Arc<Mutex<Option<String>>>,
    started: Instant,
    stop: Arc<AtomicBool>,
}

impl TerminalServer {
    /// Listens on `listen` and serves until dropped.
    pub(crate) fn start(
        listen: SocketAddr,
        device: SharedDevice,
        password: Option<String>,
    ) -> Result<TerminalServer, OtaDeviceError> {
        let bind_error = |source| OtaDeviceError::Bind {
            service: "the terminal",
            addr: listen,
            source,
        };
        let listener = TcpListener::bind(listen).map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Shared {
            device,
            password: password.filter(|p| !p.is_empty()),
            clients: Arc::default(),
            download: Arc::default(),
            started: Instant::now(),
            stop: stop.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("ota-telnet".into())
            .spawn(move || {
                while !shared.stop.load(Ordering::Relaxed) {
                    lock(&shared.device).tick();
                    match listener.accept() {
                        Ok((stream, peer)) => {
                            let shared = shared.clone();
                            std::thread::spawn(move || shared.client(stream, peer));
                        }
                        Err(_) => std::thread::sleep(POLL),
                    }
                }
            })
            .map_err(bind_error)?;
        Ok(TerminalServer {
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

impl Drop for TerminalServer {
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

impl Shared {
    /// One telnet client, until it leaves, the device reboots or the server stops.
    fn client(self, mut stream: TcpStream, peer: SocketAddr) {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(POLL));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let boots = {
            let dev = lock(&self.device);
            if dev.is_rebooting() {
                return;
            }
            dev.boots()
        };
        lock(&self.device).emit(DeviceEvent::TerminalClient { from: peer });
        let mut logged_in = self.password.is_none();
        if logged_in {
            self.add_client(&stream);
        } else {
            let _ = stream.write_all(PASSWORD_PROMPT.as_bytes());
        }
        let mut line = Vec::new();
        let mut buf = [0u8; 512];
        loop {
            if self.stop.load(Ordering::Relaxed) || self.rebooted_since(boots) {
                break; // a reboot drops every connection
            }
            let data = match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => &buf[..n],
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(_) => break,
            };
            // `_telnetData`: negotiation is ignored, `close`/`quit` leave, then the login.
            if data.len() >= 2 && data[0] == 0xFF {
                continue;
            }
            if data.starts_with(b"close") || data.starts_with(b"quit") {
                break;
            }
            if !logged_in {
                let password = self.password.as_deref().unwrap_or_default();
                if data.starts_with(password.as_bytes()) {
                    logged_in = true;
                    let _ = stream.write_all(format!("{PASSWORD_WELCOME}\n").as_bytes());
                    self.add_client(&stream);
                } else {
                    lock(&self.device).emit(DeviceEvent::TerminalLoginFailed { from: peer });
                    let _ = stream.write_all(PASSWORD_RETRY.as_bytes());
                }
                continue;
            }
            for &b in data {
                if b == b'\n' {
                    let text = String::from_utf8_lossy(&line).trim().to_string();
                    line.clear();
                    if !text.is_empty() {
                        self.command(&text);
                    }
                } else {
                    line.push(b);
                }
            }
        }
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }

    fn rebooted_since(&self, boots: u32) -> bool {
        let dev = lock(&self.device);
        dev.is_rebooting() || dev.boots() != boots
    }

    fn add_client(&self, stream: &TcpStream) {
        if let Ok(copy) = stream.try_clone() {
            self.clients
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(copy);
        }
    }

    /// Writes to every logged-in client (dropping the ones that are gone).
    fn broadcast(&self, text: &str) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.retain_mut(|c| c.write_all(text.as_bytes()).is_ok());
    }

    /// A debug line, stamped.
    fn debug(&self, line: &OtaLine) {
        let stamp = timestamp(self.started.elapsed().as_millis());
        self.broadcast(&format!("{stamp}{}", line.render()));
    }

    /// One command line.
    fn command(&self, text: &str) {
        lock(&self.device).emit(DeviceEvent::TerminalCommand {
            line: text.to_string(),
        });
        let argv: Vec<&str> = text.split_whitespace().collect();
        let name = argv[0].to_ascii_uppercase();
        match name.as_str() {
            "OTA" if argv.len() != 2 => {
                self.broadcast(&OtaLine::CommandError("OTA <URL>".into()).render())
            }
            "OTA" => {
                self.start_download(argv[1]);
                self.broadcast(&OtaLine::CommandOk.render());
            }
            "HELP" | "COMMANDS" => {
                self.broadcast("Available commands:\n> COMMANDS\n> HELP\n> OTA\n> RESET\n");
                self.broadcast(&OtaLine::CommandOk.render());
            }
            "RESET" => {
                self.broadcast(&OtaLine::CommandOk.render());
                lock(&self.device).restart();
            }
            _ => self.broadcast(&OtaLine::CommandError("Command not found".into()).render()),
        }
    }

    /// `clientFromUrl`.
    fn start_download(&self, url: &str) {
        // ESPurna's asynctcp client without SSL: only http URLs can work.
        let Ok(url) = Url::http(url) else {
            self.debug(&OtaLine::UnsupportedProtocol);
            return;
        };
        {
            let mut current = self.download.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(host) = &*current {
                self.debug(&OtaLine::Busy(host.clone()));
                return;
            }
            *current = Some(url.host.clone());
        }
        self.debug(&OtaLine::Connecting(format!("{}:{}", url.host, url.port)));
        lock(&self.device).emit(DeviceEvent::TerminalDownload {
            url: url.to_string(),
        });
        let shared = self.clone();
        std::thread::spawn(move || {
            let restart = download(&shared, &url);
            // `onDisconnect`: an empty debug line, the finalize, then "Disconnected".
            shared.debug(&OtaLine::Disconnected);
            *shared.download.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if restart {
                lock(&shared.device).restart();
            }
        });
    }
}

/// The download and the update; `true` when the image is stored (restart next).
fn download(shared: &Shared, url: &Url) -> bool {
    let address = match espctl_ota::resolve_host(&url.host) {
        Ok(ip) => SocketAddr::new(ip, url.port),
        Err(_) => {
            shared.debug(&OtaLine::Failed(UpdaterError {
                code: 0,
                text: "DNS failed".into(),
            }));
            return false;
        }
    };
    let mut stream = match TcpStream::connect_timeout(&address, RX_TIMEOUT) {
        Ok(stream) => stream,
        Err(e) => {
            // ESPAsyncTCP's `errorToString` for what lwIP reports.
            let text = match e.kind() {
                std::io::ErrorKind::ConnectionRefused => "Connection reset",
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => "Timeout",
                _ => "Connection aborted",
            };
            shared.debug(&OtaLine::Failed(UpdaterError {
                code: 0,
                text: text.into(),
            }));
            return false;
        }
    };
    shared.debug(&OtaLine::Downloading(url.path.clone()));
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ESPurna\r\nConnection: close\r\n\r\n",
        url.path, url.host
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let _ = stream.set_read_timeout(Some(RX_TIMEOUT));
    let mut head: Option<Vec<u8>> = Some(Vec::new());
    let mut update: Option<(Update, crate::state::BusyClaim)> = None;
    let mut size = 0u64;
    let mut last_progress = 0u64;
    let mut buf = [0u8; 1460];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break, // the server closed, or 5 s of silence
            Ok(n) => n,
        };
        // The answer's head is skipped, whatever its status.
        let piece = match head.as_mut() {
            Some(seen) => {
                seen.extend_from_slice(&buf[..n]);
                let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let body = seen.split_off(end + 4);
                head = None;
                body
            }
            None => buf[..n].to_vec(),
        };
        if piece.is_empty() {
            continue;
        }
        let mut dev = lock(&shared.device);
        if size == 0 {
            if !espurna_header_ok(&piece, dev.flash_size()) {
                drop(dev);
                shared.debug(&OtaLine::Failed(UpdaterError {
                    code: 0,
                    text: espctl_ota::terminal::lines::NO_MAGIC_BYTE.into(),
                }));
                return false;
            }
            let Some(claim) = dev.try_claim() else {
                drop(dev);
                shared.debug(&OtaLine::Failed(UpdaterError {
                    code: 0,
                    text: "Upgrade in progress".into(),
                }));
                return false;
            };
            let room = dev.free_sketch_space().saturating_sub(0x1000) & !0xFFF;
            match Update::begin(&mut dev, room, UpdateTarget::Firmware) {
                Ok(u) => update = Some((u, claim)),
                Err(error) => {
                    drop(dev);
                    // Printed here and again by the finalize at the disconnect.
                    shared.debug(&OtaLine::Failed(error.clone()));
                    shared.debug(&OtaLine::Failed(error));
                    return false;
                }
            }
        }
        let Some((current, _)) = update.as_mut() else {
            return false;
        };
        if let Err(error) = current.write(&mut dev, &piece) {
            drop(dev);
            shared.debug(&OtaLine::Failed(error));
            return false;
        }
        drop(dev);
        size += piece.len() as u64;
        if size > PROGRESS_EACH && size - PROGRESS_EACH > last_progress {
            shared.debug(&OtaLine::Progress(size));
            last_progress = size;
        }
    }
    let Some((current, _claim)) = update else {
        return false;
    };
    let mut dev = lock(&shared.device);
    match current.end(&mut dev, None, true) {
        Ok(()) => {
            drop(dev);
            shared.debug(&OtaLine::Success(size));
            true
        }
        Err(error) => {
            drop(dev);
            shared.debug(&OtaLine::Failed(error));
            false
        }
    }
}
