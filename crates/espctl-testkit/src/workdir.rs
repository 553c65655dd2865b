//! [`Espctl`], the binary under test, and [`WorkDir`], the folder a test runs it (and
//! esptool) in.

use crate::run::{RUN_TIMEOUT, Run, run_command};
use crate::{Device, DeviceOptions, Link};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The espctl binary under test. Cargo tells only espctl's own integration tests where
/// it is, so the test binary names it once:
/// `static ESPCTL: Espctl = Espctl::at(env!("CARGO_BIN_EXE_espctl"));`
#[derive(Debug, Clone, Copy)]
pub struct Espctl {
    path: &'static str,
}

impl Espctl {
    /// The binary at `path` (`env!("CARGO_BIN_EXE_espctl")`).
    pub const fn at(path: &'static str) -> Espctl {
        Espctl { path }
    }

    /// Where the binary is.
    pub fn path(&self) -> &'static Path {
        Path::new(self.path)
    }

    /// A fresh working folder with a data directory holding the flasher stubs or not.
    pub fn workdir(&self, stubs: Stubs) -> WorkDir {
        WorkDir::new(*self, stubs)
    }

    /// A virtual device of `chip` with `flash_size` flash (`4MB`, `512KB`), reached over
    /// `link`, with the chip's usual test MAC.
    pub fn device(&self, chip: &str, link: Link, flash_size: &str) -> Device {
        self.device_options(chip, link)
            .flash_size(flash_size)
            .start()
    }

    /// A virtual device with other options (MAC, `espctl virtual` arguments, the
    /// default flash size).
    pub fn device_options(&self, chip: &str, link: Link) -> DeviceOptions {
        DeviceOptions::new(*self, chip, link)
    }
}

/// Whether a [`WorkDir`]'s data directory holds the flasher stubs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stubs {
    /// The stubs `scripts/test` imported ([`stub_data_dir`](crate::stub_data_dir)).
    Installed,
    /// An empty data directory of the test's own: espctl talks to the ROM and obtains
    /// no stub by itself (`ESPCTL_OFFLINE=1`, `ESPCTL_PYTHON=none`; a test may set
    /// them otherwise with [`WorkDir::with_var`]).
    None,
}

/// Variables a run does not inherit from the test's environment (scripts/test exports
/// some; a developer's shell may set others): everything that starts with these.
const NOT_INHERITED: [&str; 2] = ["ESPTOOL_", "ESPCTL_"];

/// A temporary working folder and a data directory, where a test runs espctl and
/// esptool: each run starts in the folder with `ESPCTL_DATA_DIR` set to the data
/// directory, `NO_COLOR=1`, `COLUMNS=200`, no `ESPTOOL_*` or other `ESPCTL_*` variable
/// but the ones set with [`WorkDir::with_var`], and [`RUN_TIMEOUT`].
pub struct WorkDir {
    espctl: Espctl,
    dir: tempfile::TempDir,
    data_dir: PathBuf,
    _own_data_dir: Option<tempfile::TempDir>,
    vars: Vec<(String, String)>,
    track_files: bool,
    timeout: Duration,
}

impl WorkDir {
    fn new(espctl: Espctl, stubs: Stubs) -> WorkDir {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (data_dir, own, vars) = match stubs {
            Stubs::Installed => (crate::stub_data_dir(), None, Vec::new()),
            Stubs::None => {
                let own = tempfile::tempdir().expect("temporary data folder");
                let no_auto_stub = vec![
                    ("ESPCTL_OFFLINE".to_string(), "1".to_string()),
                    ("ESPCTL_PYTHON".to_string(), "none".to_string()),
                ];
                (own.path().to_path_buf(), Some(own), no_auto_stub)
            }
        };
        WorkDir {
            espctl,
            dir,
            data_dir,
            _own_data_dir: own,
            vars,
            track_files: false,
            timeout: RUN_TIMEOUT,
        }
    }

    /// Sets `name` for every run.
    pub fn with_var(mut self, name: &str, value: &str) -> WorkDir {
        self.vars.push((name.to_string(), value.to_string()));
        self
    }

    /// Records in [`Run::files`] the files each run creates or changes in the folder.
    pub fn tracking_files(mut self) -> WorkDir {
        self.track_files = true;
        self
    }

    /// The working folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The data directory (`ESPCTL_DATA_DIR`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// `name` in the working folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `data` to the file `name` in the folder; returns its path.
    pub fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, data).unwrap_or_else(|e| panic!("write {name}: {e}"));
        path
    }

    /// The bytes of the file `name` in the folder.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// Runs espctl.
    pub fn espctl(&self, args: &[&str]) -> Run {
        self.run(self.espctl.path(), args)
    }

    /// Runs the referee, esptool 5.6.0.
    pub fn esptool(&self, args: &[&str]) -> Run {
        self.run(&crate::esptool(), args)
    }

    /// Runs `program`.
    pub fn run(&self, program: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(self.dir.path());
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if NOT_INHERITED.iter().any(|p| name.starts_with(p)) {
                cmd.env_remove(&*name);
            }
        }
        cmd.env("ESPCTL_DATA_DIR", &self.data_dir)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "200");
        for (name, value) in &self.vars {
            cmd.env(name, value);
        }
        if !self.track_files {
            return run_command(&mut cmd, self.timeout);
        }
        let before = self.snapshot();
        let mut run = run_command(&mut cmd, self.timeout);
        run.files = self.snapshot();
        run.files
            .retain(|name, data| before.get(name) != Some(data));
        run
    }

    /// Every file in the folder, by name.
    fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(self.dir.path()).expect("list the working folder") {
            let entry = entry.expect("list the working folder");
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                files.insert(
                    entry.file_name().to_string_lossy().into_owned(),
                    std::fs::read(entry.path()).expect("read a file of the working folder"),
                );
            }
        }
        files
    }
}
