//! Runs `espctl virtual` as a child process and the referee esptool against it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
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
    child: Child,
    pub chip: &'static str,
    pub transport: Transport,
    /// What esptool's `--port` gets.
    pub address: String,
    pub flash_file: PathBuf,
    stderr: Receiver<String>,
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
        let mut cmd = Command::new(espctl());
        cmd.args(["virtual", "--chip", chip, "--flash-file"])
            .arg(&flash_file)
            .args(extra);
        match transport {
            Transport::Tcp => cmd.args(["--listen", "127.0.0.1:0"]),
            Transport::Pty => cmd.arg("--pty"),
        };
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start espctl virtual");
        let (line_tx, line_rx) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = line_tx.send(first);
            }
            for _ in lines {}
        });
        let (err_tx, err_rx) = channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let address = line_rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                let errors: Vec<String> = err_rx.try_iter().collect();
                panic!("espctl virtual printed no address; stderr: {errors:?}")
            });
        Virtual {
            child,
            chip,
            transport,
            address,
            flash_file,
            stderr: err_rx,
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
        self.child.id()
    }

    /// Presses BOOT and EN (SIGUSR1) and waits until the device confirms the reset.
    pub fn reset_into_download(&mut self) {
        while self.stderr.try_recv().is_ok() {}
        let status = Command::new("kill")
            .args(["-USR1", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let line = self
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

impl Drop for Virtual {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

/// Asserts that `flash[addr..]` starts with `expected`, naming the first difference.
pub fn assert_flash_holds(flash: &[u8], addr: usize, expected: &[u8], what: &str) {
    let got = &flash[addr..addr + expected.len()];
    if let Some(i) = got.iter().zip(expected).position(|(a, b)| a != b) {
        panic!(
            "{what}: flash at 0x{:x} holds 0x{:02x}, expected 0x{:02x}",
            addr + i,
            got[i],
            expected[i]
        );
    }
}

pub fn assert_erased(flash: &[u8], range: std::ops::Range<usize>, what: &str) {
    if let Some(i) = flash[range.clone()].iter().position(|&b| b != 0xFF) {
        panic!(
            "{what}: flash at 0x{:x} is 0x{:02x}, not erased",
            range.start + i,
            flash[range.start + i]
        );
    }
}
