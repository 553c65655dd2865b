//! Helpers for the differential tests: run esptool and espctl on the same input in
//! separate temporary folders and compare what they print and write.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod elf;

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Every file in the working folder after the run, by name.
    pub files: BTreeMap<String, Vec<u8>>,
}

pub fn espctl() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_espctl"))
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            files.insert(
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    files
}

/// Runs `program args` in a fresh folder holding copies of `inputs` (by file name).
pub fn run_in(program: &Path, args: &[&str], inputs: &[(&str, &[u8])]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in inputs {
        std::fs::write(dir.path().join(name), data).unwrap();
    }
    let before = snapshot(dir.path());
    let out = Command::new(program)
        .args(args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .env_remove("ESPTOOL_CHIP")
        .env_remove("ESPTOOL_FM")
        .env_remove("ESPTOOL_FS")
        .env_remove("ESPTOOL_FF")
        .output()
        .unwrap();
    let mut files = snapshot(dir.path());
    // Inputs that were not changed are not interesting.
    files.retain(|name, data| before.get(name) != Some(data));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        files,
    }
}

/// esptool's stdout without its version banner and without trailing blank lines (esptool
/// prints an empty line before a fatal error).
pub fn normalise(stdout: &str, banner: bool) -> String {
    let mut lines: Vec<&str> = stdout.lines().collect();
    if banner && lines.first().is_some_and(|l| l.starts_with("esptool v")) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// Runs both tools and asserts the same exit code, output lines and written files.
pub fn compare(label: &str, args: &[&str], inputs: &[(&str, &[u8])]) -> Run {
    let theirs = run_in(&espctl_testkit::esptool(), args, inputs);
    let ours = run_in(&espctl(), args, inputs);
    assert!(
        !theirs.stderr.contains("Traceback"),
        "{label}: esptool crashed, pick another case:\n{}",
        theirs.stderr
    );
    assert_eq!(
        ours.code, theirs.code,
        "{label}: exit code\nours: {}\ntheirs: {}",
        ours.stderr, theirs.stderr
    );
    assert_eq!(
        normalise(&ours.stdout, false),
        normalise(&theirs.stdout, true),
        "{label}: stdout"
    );
    assert_eq!(ours.stderr, theirs.stderr, "{label}: stderr");
    assert_eq!(
        ours.files.keys().collect::<Vec<_>>(),
        theirs.files.keys().collect::<Vec<_>>(),
        "{label}: files written"
    );
    for (name, data) in &theirs.files {
        assert!(ours.files[name] == *data, "{label}: {name} differs");
    }
    ours
}

/// Every file of a fixture folder, sorted by name.
pub fn fixture_files(folder: &str) -> Vec<(String, Vec<u8>)> {
    let dir = espctl_testkit::fixtures().join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}
