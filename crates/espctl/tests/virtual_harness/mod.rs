//! Runs `espctl virtual` as a child process and the referee esptool against it.
#![allow(dead_code)]

use espctl_testkit::VirtualServer;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

/// How long one esptool run may take before the test gives up on it.
const ESPTOOL_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Pty,
}

/// A running `espctl virtual`, killed on drop.
pub struct Virtual {
    server: VirtualServer,
    pub chip: &'static str,
    pub transport: Transport,
    /// What esptool's `--port` gets.
    pub address: String,
    pub flash_file: PathBuf,
    pub dir: tempfile::TempDir,
}

/// One finished esptool run.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    /// stdout then stderr.
    pub text: String,
    pub args: Vec<String>,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert!(
            self.status.success(),
            "esptool {:?} failed:\n{}",
            self.args,
            self.text
        );
        self
    }

    /// Exit code 2 (esptool's FatalError).
    pub fn fatal(&self) -> &Self {
        assert_eq!(
            self.status.code(),
            Some(2),
            "esptool {:?} should fail:\n{}",
            self.args,
            self.text
        );
        self
    }

    pub fn says(&self, needle: &str) -> &Self {
        assert!(
            self.text.contains(needle),
            "esptool {:?} output lacks {needle:?}:\n{}",
            self.args,
            self.text
        );
        self
    }

    pub fn lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.text.contains(needle),
            "esptool {:?} output has {needle:?}:\n{}",
            self.args,
            self.text
        );
        self
    }

    pub fn count(&self, needle: &str) -> usize {
        self.text.matches(needle).count()
    }
}

pub fn espctl() -> &'static str {
    env!("CARGO_BIN_EXE_espctl")
}

impl Virtual {
    /// Starts `espctl virtual --chip CHIP` with a flash file in a fresh temp dir.
    pub fn start(chip: &'static str, transport: Transport, extra: &[&str]) -> Virtual {
        let dir = tempfile::tempdir().unwrap();
        let flash_file = dir.path().join("flash.bin");
        let mut args: Vec<OsString> = ["virtual", "--chip", chip, "--flash-file"]
            .map(OsString::from)
            .to_vec();
        args.push(flash_file.clone().into());
        args.extend(extra.iter().map(OsString::from));
        match transport {
            Transport::Tcp => args.extend(["--listen", "127.0.0.1:0"].map(OsString::from)),
            Transport::Pty => args.push("--pty".into()),
        };
        let server = VirtualServer::start(Path::new(espctl()), &args);
        Virtual {
            chip,
            transport,
            address: server.address.clone(),
            server,
            flash_file,
            dir,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn flash(&self) -> Vec<u8> {
        std::fs::read(&self.flash_file).unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.server.child.id()
    }

    /// Presses BOOT and EN (SIGUSR1) and waits until the device confirms the reset.
    pub fn reset_into_download(&mut self) {
        while self.server.stderr.try_recv().is_ok() {}
        let status = Command::new("kill")
            .args(["-USR1", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let line = self
            .server
            .stderr
            .recv_timeout(Duration::from_secs(20))
            .expect("espctl virtual confirms the reset");
        assert!(line.contains("reset into download mode"), "{line}");
    }

    /// Runs esptool with `--chip` and `--port` (and `--no-stub` when `stub` is false).
    pub fn esptool(&self, stub: bool, args: &[&str]) -> Run {
        let mut all: Vec<String> = vec![
            "--chip".into(),
            self.chip.into(),
            "--port".into(),
            self.address.clone(),
        ];
        if !stub {
            all.push("--no-stub".into());
        }
        all.extend(args.iter().map(|s| s.to_string()));
        run_esptool(&all, self.dir.path())
    }
}

/// Runs the referee with `args` in `cwd`.
pub fn run_esptool(args: &[String], cwd: &Path) -> Run {
    let child = Command::new(espctl_testkit::esptool())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "120")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start esptool");
    let pid = child.id();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(ESPTOOL_TIMEOUT) {
        Ok(out) => out.expect("esptool output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("esptool {args:?} did not finish in {ESPTOOL_TIMEOUT:?}");
        }
    };
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Run {
        status: output.status,
        text,
        args: args.to_vec(),
    }
}

pub fn fixture(name: &str) -> PathBuf {
    espctl_testkit::fixture(&format!("images/{name}"))
}

pub fn fixture_str(name: &str) -> String {
    fixture(name).display().to_string()
}

pub fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}
