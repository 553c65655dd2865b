//! `espctl virtual --ota` for the tests: [`OtaDevice`] starts the virtual ArduinoOTA
//! device on 127.0.0.1 with its flash mirrored in a file of its own, reads the services
//! it prints on stdout, and follows the events it prints on stderr.

use crate::Espctl;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// How long a test waits for a line from the device.
const WAIT: Duration = Duration::from_secs(30);

/// A running `espctl virtual --ota`; stopped on drop.
pub struct OtaDevice {
    child: Child,
    /// The ArduinoOTA UDP address (`ota ADDR` on stdout).
    pub addr: SocketAddr,
    /// The file mirroring its flash.
    pub flash_file: PathBuf,
    stdout: Receiver<String>,
    services: Vec<String>,
    stderr: Receiver<String>,
    events: Vec<String>,
    /// Events before this one have been waited for.
    cursor: usize,
    _dir: tempfile::TempDir,
}

impl Espctl {
    /// Starts `espctl virtual --ota 127.0.0.1:0 --flash-file F ARGS` and waits until it
    /// listens.
    pub fn ota_device(&self, args: &[&str]) -> OtaDevice {
        OtaDevice::start(self, None, args)
    }

    /// [`Espctl::ota_device`] inside the network namespace `netns` (`ip netns exec`).
    pub fn ota_device_in_netns(&self, netns: &str, args: &[&str]) -> OtaDevice {
        OtaDevice::start(self, Some(netns), args)
    }
}

/// Sends each line of `stream` to a channel, from a thread of its own.
fn lines_of(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl OtaDevice {
    fn start(espctl: &Espctl, netns: Option<&str>, args: &[&str]) -> OtaDevice {
        let dir = tempfile::tempdir().expect("temporary folder");
        let flash_file = dir.path().join("flash.bin");
        let mut command = match netns {
            Some(netns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", netns]).arg(espctl.path());
                c
            }
            None => Command::new(espctl.path()),
        };
        let mut child = command
            .args(["virtual", "--ota", "127.0.0.1:0", "--flash-file"])
            .arg(&flash_file)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start espctl virtual --ota");
        let stdout = lines_of(child.stdout.take().expect("piped stdout"));
        let stderr = lines_of(child.stderr.take().expect("piped stderr"));
        let mut device = OtaDevice {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            flash_file,
            stdout,
            services: Vec::new(),
            stderr,
            events: Vec::new(),
            cursor: 0,
            _dir: dir,
        };
        let ota = device.service("ota");
        device.addr = ota
            .parse()
            .unwrap_or_else(|_| panic!("`ota {ota}` is not an address"));
        device
    }

    /// The ArduinoOTA UDP port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The whole flash.
    pub fn flash(&self) -> Vec<u8> {
        std::fs::read(&self.flash_file).expect("read the flash file")
    }

    /// What the device printed for `name` on stdout (`ota 127.0.0.1:PORT` gives
    /// `127.0.0.1:PORT`), waiting for it.
    pub fn service(&mut self, name: &str) -> String {
        let find = |lines: &[String]| {
            lines.iter().find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(' '))
                    .map(|v| v.trim().to_string())
            })
        };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(value) = find(&self.services) {
                return value;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => self.services.push(line),
                Err(_) => {
                    self.collect_events();
                    panic!(
                        "espctl virtual --ota printed no `{name}` line; stdout: {:?}, stderr: {:?}",
                        self.services, self.events
                    )
                }
            }
        }
    }

    /// Waits for the next event line (after the ones waited for before) that contains
    /// `text`, and returns it. Panics with every line seen if it does not come.
    pub fn wait_for_event(&mut self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(i) = self.events[self.cursor..]
                .iter()
                .position(|l| l.contains(text))
            {
                self.cursor += i + 1;
                return self.events[self.cursor - 1].clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => self.events.push(line),
                Err(_) => panic!(
                    "espctl virtual --ota did not report `{text}`; its stderr: {:#?}",
                    self.events
                ),
            }
        }
    }

    /// Every event line so far.
    pub fn events(&mut self) -> Vec<String> {
        self.collect_events();
        self.events.clone()
    }

    fn collect_events(&mut self) {
        while let Ok(line) = self.stderr.try_recv() {
            self.events.push(line);
        }
    }
}

impl Drop for OtaDevice {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
