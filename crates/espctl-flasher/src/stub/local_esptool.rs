//! Finding an esptool package already installed on this machine: the Python it runs
//! under is asked where the package is, and its folder is searched for the pinned stub
//! files (esptool 5.6.0 ships them in `targets/stub_flasher/2/`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one Python is given to answer.
const PYTHON_TIMEOUT: Duration = Duration::from_secs(10);

/// Prints the folder of the importable esptool package.
const WHERE_IS_ESPTOOL: &str = "import esptool, os; print(os.path.dirname(esptool.__file__))";

/// Which Pythons are asked for an installed esptool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonLookup {
    /// Ask these programs, in order (the first with esptool answers).
    Ask(Vec<OsString>),
    /// Do not look for an installed esptool.
    Off,
}

impl PythonLookup {
    /// `ESPCTL_PYTHON` when set (`none` turns the lookup off), else `python3` then
    /// `python` from `PATH`.
    pub fn from_env() -> PythonLookup {
        match std::env::var_os("ESPCTL_PYTHON").filter(|v| !v.is_empty()) {
            Some(v) if v == "none" => PythonLookup::Off,
            Some(v) => PythonLookup::Ask(vec![v]),
            None => PythonLookup::Ask(vec!["python3".into(), "python".into()]),
        }
    }
}

/// The folders of the esptool packages the Pythons of `lookup` import.
pub fn esptool_folders(lookup: &PythonLookup) -> Vec<PathBuf> {
    let PythonLookup::Ask(pythons) = lookup else {
        return Vec::new();
    };
    let mut folders: Vec<PathBuf> = Vec::new();
    for python in pythons {
        if let Some(dir) = ask(python)
            && dir.is_dir()
            && !folders.contains(&dir)
        {
            folders.push(dir);
        }
    }
    folders
}

/// What `python` says, or `None` when it is missing, fails or takes too long.
fn ask(python: &OsString) -> Option<PathBuf> {
    let mut child = Command::new(python)
        .args(["-c", WHERE_IS_ESPTOOL])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() < PYTHON_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| PathBuf::from(line))
}
