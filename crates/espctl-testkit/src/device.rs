//! Virtual devices for the tests: in process (`virtual:` ports) or served by
//! `espctl virtual` over a pty or TCP ([`VirtualServer`]), with their flash mirrored in
//! a file the test reads.

use crate::Espctl;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How a test reaches a virtual device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// `virtual:CHIP?...`: the device runs inside each espctl process; its flash lives
    /// in a file between runs.
    InProcess,
    /// `espctl virtual --pty`: the pty path.
    Pty,
    /// `espctl virtual --listen 127.0.0.1:0`: `socket://127.0.0.1:N`.
    Socket,
    /// `espctl virtual --rfc2217 127.0.0.1:0`: `rfc2217://127.0.0.1:N`, DTR and RTS
    /// reaching the board's auto-reset circuit.
    Rfc2217,
}

/// The MAC a test device of `chip` has unless told otherwise.
pub fn test_mac(chip: &str) -> [u8; 6] {
    match chip {
        "esp8266" => [0x18, 0xFE, 0x34, 0x12, 0x34, 0x56],
        _ => [0x24, 0x0A, 0xC4, 0x65, 0x43, 0x21],
    }
}

/// `18:fe:34:12:34:56`, as esptool prints MACs.
pub fn mac_text(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// What a [`Device`] will be; from [`Espctl::device_options`].
pub struct DeviceOptions {
    espctl: Espctl,
    chip: String,
    link: Link,
    flash_size: Option<String>,
    mac: [u8; 6],
    server_args: Vec<String>,
    flash_contents: Option<Vec<u8>>,
}

impl DeviceOptions {
    pub(crate) fn new(espctl: Espctl, chip: &str, link: Link) -> DeviceOptions {
        DeviceOptions {
            espctl,
            chip: chip.to_string(),
            link,
            flash_size: None,
            mac: test_mac(chip),
            server_args: Vec::new(),
            flash_contents: None,
        }
    }

    /// `4MB`, `512KB`...; without it the device has `espctl virtual`'s default.
    pub fn flash_size(mut self, size: &str) -> DeviceOptions {
        self.flash_size = Some(size.to_string());
        self
    }

    /// The MAC in the device's eFuses.
    pub fn mac(mut self, mac: [u8; 6]) -> DeviceOptions {
        self.mac = mac;
        self
    }

    /// More `espctl virtual` arguments (`--keep-state`...); servers only.
    pub fn server_args(mut self, args: &[&str]) -> DeviceOptions {
        self.server_args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// What the flash holds at power-up (its whole size; without it, erased).
    pub fn flash_contents(mut self, contents: Vec<u8>) -> DeviceOptions {
        self.flash_contents = Some(contents);
        self
    }

    /// Creates the device (and starts its server, for a served link).
    pub fn start(self) -> Device {
        let dir = tempfile::tempdir().expect("temporary folder");
        let flash_file = dir.path().join("flash.bin");
        if let Some(contents) = &self.flash_contents {
            std::fs::write(&flash_file, contents).expect("write the flash file");
        }
        let mac = mac_text(&self.mac);
        if self.link == Link::InProcess {
            assert!(
                self.server_args.is_empty(),
                "server arguments for an in-process device"
            );
            let mut port = format!("virtual:{}?", self.chip);
            if let Some(size) = &self.flash_size {
                port.push_str(&format!("flash-size={size}&"));
            }
            port.push_str(&format!("flash-file={}&mac={mac}", flash_file.display()));
            return Device {
                chip: self.chip,
                link: self.link,
                port,
                flash_file,
                mac: self.mac,
                server: None,
                _dir: dir,
            };
        }
        let mut args: Vec<OsString> = ["virtual", "--chip", &self.chip, "--mac", &mac]
            .map(OsString::from)
            .to_vec();
        args.extend(["--flash-file".into(), flash_file.clone().into()]);
        if let Some(size) = &self.flash_size {
            args.extend(["--flash-size", size].map(OsString::from));
        }
        match self.link {
            Link::Pty => args.push("--pty".into()),
            Link::Rfc2217 => args.extend(["--rfc2217", "127.0.0.1:0"].map(OsString::from)),
            _ => args.extend(["--listen", "127.0.0.1:0"].map(OsString::from)),
        }
        args.extend(self.server_args.iter().map(OsString::from));
        let server = VirtualServer::start(self.espctl.path(), &args);
        Device {
            chip: self.chip,
            link: self.link,
            port: server.address.clone(),
            flash_file,
            mac: self.mac,
            server: Some(server),
            _dir: dir,
        }
    }
}

/// A virtual device whose flash is mirrored in a file the test can read; a server is
/// stopped on drop.
pub struct Device {
    /// `esp8266` or `esp32`.
    pub chip: String,
    /// How espctl reaches it.
    pub link: Link,
    /// What `--port` gets.
    pub port: String,
    /// The file mirroring its flash.
    pub flash_file: PathBuf,
    /// The MAC in its eFuses.
    pub mac: [u8; 6],
    server: Option<VirtualServer>,
    _dir: tempfile::TempDir,
}

impl Device {
    /// The whole flash.
    pub fn flash(&self) -> Vec<u8> {
        std::fs::read(&self.flash_file).expect("read the flash file")
    }

    /// The MAC as esptool prints it.
    pub fn mac_text(&self) -> String {
        mac_text(&self.mac)
    }

    /// Stops a served device at once, as if it were unplugged.
    pub fn stop(&mut self) {
        let server = self.server.as_mut().expect("only a served device can stop");
        let _ = server.child.kill();
        let _ = server.child.wait();
    }

    /// Presses BOOT and EN on a served device (SIGUSR1) and waits until the device
    /// confirms the reset: what the auto-reset circuit does on a real port, for a pty,
    /// which has no DTR/RTS.
    #[cfg(unix)]
    pub fn reset_into_download(&mut self) {
        let server = self
            .server
            .as_mut()
            .expect("only a served device can be reset by hand");
        while server.stderr.try_recv().is_ok() {}
        // SAFETY: kill has no memory effects; the server is our child and still running.
        let sent = unsafe { libc::kill(server.child.id() as libc::pid_t, libc::SIGUSR1) };
        assert_eq!(sent, 0, "signal espctl virtual");
        let line = server
            .stderr
            .recv_timeout(Duration::from_secs(20))
            .expect("espctl virtual confirms the reset");
        assert!(line.contains("reset into download mode"), "{line}");
    }
}

/// A running `espctl virtual` server: the child, the address it printed first (a pty
/// path or `socket://...`), and its stderr lines as they come.
pub struct VirtualServer {
    /// The `espctl virtual` process.
    pub child: std::process::Child,
    /// The first line it printed: what clients open (a pty path, `socket://...`,
    /// `rfc2217://...`), or a line naming it (`espctl serve-port`).
    pub address: String,
    /// Its stderr, line by line.
    pub stderr: std::sync::mpsc::Receiver<String>,
}

impl VirtualServer {
    /// Starts `espctl ARGS` (`virtual --chip ... --listen ...|--pty`) and waits for the
    /// address it prints.
    pub fn start(espctl: &Path, args: &[OsString]) -> VirtualServer {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        use std::sync::mpsc::channel;
        let mut child = Command::new(espctl)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start espctl virtual");
        let (line_tx, line_rx) = channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = line_tx.send(first);
            }
            for _ in lines {}
        });
        let (err_tx, err_rx) = channel();
        let stderr = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        match line_rx.recv_timeout(Duration::from_secs(20)) {
            Ok(address) => VirtualServer {
                child,
                address: address.trim().to_string(),
                stderr: err_rx,
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let errors: Vec<String> = err_rx.try_iter().collect();
                panic!("espctl virtual printed no address; stderr: {errors:?}")
            }
        }
    }
}

impl Drop for VirtualServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
