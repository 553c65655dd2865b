//! Helpers for the device tests: run espctl (and esptool) against virtual devices,
//! in process (`virtual:` ports) or served by `espctl virtual` over a pty or TCP.

#![allow(dead_code)]

use espctl_testkit::VirtualServer;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub fn espctl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_espctl"))
}

/// What a command did.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Out {
    /// Panics with the whole output unless the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Out {
        assert_eq!(self.code, 0, "command failed:\n{self}");
        self
    }

    /// Panics unless the command failed with exit code 2 and exactly one error line;
    /// returns that line.
    #[track_caller]
    pub fn fatal(&self) -> String {
        assert_eq!(self.code, 2, "expected exit code 2:\n{self}");
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("ERROR:"))
            .collect();
        assert_eq!(errors.len(), 1, "expected one error line:\n{self}");
        assert!(
            self.stderr
                .lines()
                .all(|l| !l.trim().is_empty()
                    && (l.starts_with("ERROR:") || l.starts_with("WARNING:"))),
            "stderr has more than error and warning lines:\n{self}"
        );
        errors[0].to_string()
    }

    #[track_caller]
    pub fn has(&self, line: &str) -> &Out {
        assert!(
            self.stdout.lines().any(|l| l == line),
            "stdout has no line {line:?}:\n{self}"
        );
        self
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A working folder and a data directory (with or without the flasher stubs).
pub struct Env {
    pub dir: tempfile::TempDir,
    pub data_dir: PathBuf,
    pub stubs: bool,
    /// Extra environment for every run.
    pub vars: Vec<(String, String)>,
}

impl Env {
    pub fn new(stubs: bool) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = if stubs {
            espctl_testkit::stub_data_dir()
        } else {
            let empty = dir.path().join("empty-data");
            std::fs::create_dir_all(&empty).unwrap();
            empty
        };
        Env {
            dir,
            data_dir,
            stubs,
            vars: Vec::new(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// Runs espctl in the working folder.
    pub fn espctl(&self, args: &[&str]) -> Out {
        self.run(&espctl_bin(), args)
    }

    /// Runs a program (espctl or esptool) in the working folder.
    pub fn run(&self, program: &Path, args: &[&str]) -> Out {
        let start = Instant::now();
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("ESPCTL_DATA_DIR", &self.data_dir)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "200");
        for v in [
            "ESPTOOL_PORT",
            "ESPTOOL_CHIP",
            "ESPTOOL_BAUD",
            "ESPTOOL_BEFORE",
            "ESPTOOL_AFTER",
            "ESPTOOL_FM",
            "ESPTOOL_FS",
            "ESPTOOL_FF",
            "ESPTOOL_CONNECT_ATTEMPTS",
            "ESPCTL_PORT_SCAN_EXTRA",
            "ESPCTL_STUB_URL",
        ] {
            cmd.env_remove(v);
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: start.elapsed(),
        }
    }
}

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
}

/// A virtual device whose flash is mirrored in a file the test can read.
pub struct Target {
    pub port: String,
    pub flash_file: PathBuf,
    pub mac: [u8; 6],
    server: Option<VirtualServer>,
    _dir: tempfile::TempDir,
}

impl Target {
    /// A device of `chip` with `flash_size` flash (`4MB`, `512KB`), reached over `link`.
    pub fn start(chip: &str, link: Link, flash_size: &str) -> Target {
        Target::start_with(chip, link, flash_size, &[])
    }

    /// As [`Target::start`], with extra `espctl virtual` options (servers only).
    pub fn start_with(chip: &str, link: Link, flash_size: &str, extra: &[&str]) -> Target {
        let dir = tempfile::tempdir().unwrap();
        let flash_file = dir.path().join("flash.img");
        let mac = match chip {
            "esp8266" => [0x18, 0xFE, 0x34, 0x12, 0x34, 0x56],
            _ => [0x24, 0x0A, 0xC4, 0x65, 0x43, 0x21],
        };
        let mac_text = mac
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":");
        if link == Link::InProcess {
            let port = format!(
                "virtual:{chip}?flash-size={flash_size}&flash-file={}&mac={mac_text}",
                flash_file.display()
            );
            return Target {
                port,
                flash_file,
                mac,
                server: None,
                _dir: dir,
            };
        }
        let mut args: Vec<OsString> = ["virtual", "--chip", chip, "--flash-size", flash_size]
            .map(OsString::from)
            .to_vec();
        args.extend(["--flash-file".into(), flash_file.clone().into()]);
        args.extend(["--mac", &mac_text].map(OsString::from));
        match link {
            Link::Pty => args.push("--pty".into()),
            _ => args.extend(["--listen", "127.0.0.1:0"].map(OsString::from)),
        };
        args.extend(extra.iter().map(OsString::from));
        let server = VirtualServer::start(&espctl_bin(), &args);
        Target {
            port: server.address.clone(),
            flash_file,
            mac,
            server: Some(server),
            _dir: dir,
        }
    }

    pub fn flash(&self) -> Vec<u8> {
        std::fs::read(&self.flash_file).unwrap()
    }

    pub fn mac_text(&self) -> String {
        espctl_chips::format_mac(&self.mac)
    }
}

/// A firmware image for the seed workflows: a real ESP8266 application image.
pub fn firmware() -> Vec<u8> {
    std::fs::read(espctl_testkit::fixture("images/esp8266_deepsleep.bin")).unwrap()
}

/// Deterministic data of `len` bytes that does not compress well.
pub fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(12345) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 11) as u8
        })
        .collect()
}

/// The image as esptool would write it at the bootloader offset with `mode` and
/// `size_code` set in the header (ESP8266 images carry no SHA-256).
pub fn with_header(image: &[u8], mode: u8, size_code: u8) -> Vec<u8> {
    let mut out = image.to_vec();
    out[2] = mode;
    out[3] = size_code | (image[3] & 0x0F);
    out
}
