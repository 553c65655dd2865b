//! Running a program (espctl or the referee esptool) the way every test does, and
//! [`Run`], what it did.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one run may take before the test gives up on it (and kills it).
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// What one run of a program did.
#[derive(Debug, Clone)]
pub struct Run {
    /// The program's file name and its arguments, for messages.
    pub command: String,
    /// The exit code; -1 when a signal ended the process.
    pub code: i32,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// From start to exit.
    pub elapsed: Duration,
    /// The files the run created or changed in its working folder, by name; filled only
    /// by a [`WorkDir`](crate::WorkDir) that tracks files.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The largest resident set of the process itself (not of the test process, nor of
    /// other programs it runs), in bytes, sampled while it runs; `None` where the
    /// platform does not say (only Linux does).
    pub peak_rss: Option<u64>,
}

impl Run {
    /// Panics with the whole output unless the program exited with code 0.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "command failed:\n{self}");
        self
    }

    /// Panics unless the program failed with exit code 2 and printed exactly one error
    /// line, and nothing but error and warning lines, on stderr; returns that line.
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

    /// Panics unless the program exited with `code` (for the referee's errors, which
    /// may take more than one line: see [`Run::fatal`] for espctl's).
    #[track_caller]
    pub fn exits(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "expected exit code {code}:\n{self}");
        self
    }

    /// Panics unless stdout has a line equal to `line`.
    #[track_caller]
    pub fn has(&self, line: &str) -> &Run {
        assert!(
            self.stdout.lines().any(|l| l == line),
            "stdout has no line {line:?}:\n{self}"
        );
        self
    }

    /// Panics unless stdout or stderr contains `needle`.
    #[track_caller]
    pub fn says(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle) || self.stderr.contains(needle),
            "the output lacks {needle:?}:\n{self}"
        );
        self
    }

    /// Panics if stdout or stderr contains `needle`.
    #[track_caller]
    pub fn lacks(&self, needle: &str) -> &Run {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "the output has {needle:?}:\n{self}"
        );
        self
    }

    /// How often `needle` occurs in stdout and stderr.
    pub fn count(&self, needle: &str) -> usize {
        self.stdout.matches(needle).count() + self.stderr.matches(needle).count()
    }

    /// Index of the first stdout line equal to `line`; panics if there is none.
    #[track_caller]
    pub fn line_index(&self, line: &str) -> usize {
        self.stdout
            .lines()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("stdout has no line {line:?}:\n{self}"))
    }

    /// The lines (stdout, then stderr) that start with one of `prefixes`.
    pub fn lines_starting(&self, prefixes: &[&str]) -> Vec<String> {
        self.stdout
            .lines()
            .chain(self.stderr.lines())
            .filter(|l| prefixes.iter().any(|p| l.starts_with(p)))
            .map(str::to_string)
            .collect()
    }
}

/// esptool's run (`[0]`) and espctl's (`[1]`) print the same lines starting with
/// `prefixes`, and at least one; returns them.
#[track_caller]
pub fn same_lines(runs: &[Run; 2], prefixes: &[&str]) -> Vec<String> {
    let theirs = runs[0].lines_starting(prefixes);
    assert!(
        !theirs.is_empty(),
        "esptool printed none of {prefixes:?}:\n{}",
        runs[0]
    );
    assert_eq!(
        theirs,
        runs[1].lines_starting(prefixes),
        "espctl:\n{}",
        runs[1]
    );
    theirs
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\nexit code {} after {:.1} s\n--- stdout\n{}--- stderr\n{}",
            self.command,
            self.code,
            self.elapsed.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
}

/// Runs `cmd` with stdin closed and stdout and stderr captured; kills it and panics
/// after `timeout`. Every run of the tests goes through here.
pub fn run_command(cmd: &mut Command, timeout: Duration) -> Run {
    let command = describe(cmd);
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
    let stdout = collect(child.stdout.take().expect("piped stdout"));
    let stderr = collect(child.stderr.take().expect("piped stderr"));
    let (code, peak_rss) = match wait(child, timeout) {
        Some(exit) => exit,
        None => panic!(
            "{command} did not finish in {timeout:?} and was killed\n--- stdout\n{}--- stderr\n{}",
            text(stdout, true),
            text(stderr, true)
        ),
    };
    let elapsed = start.elapsed();
    Run {
        command,
        code,
        stdout: text(stdout, false),
        stderr: text(stderr, false),
        elapsed,
        files: BTreeMap::new(),
        peak_rss,
    }
}

fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let mut out = program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned();
    for arg in cmd.get_args() {
        out.push(' ');
        out.push_str(&arg.to_string_lossy());
    }
    out
}

/// The bytes of a pipe, read to its end by a thread of its own.
type Collected = mpsc::Receiver<Vec<u8>>;

fn collect(mut pipe: impl Read + Send + 'static) -> Collected {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = pipe.read_to_end(&mut out);
        let _ = tx.send(out);
    });
    rx
}

/// All of a pipe's text, or after a kill, what came within a second (a process the
/// killed one started may hold the pipe open).
fn text(collected: Collected, killed: bool) -> String {
    let bytes = if killed {
        collected.recv_timeout(Duration::from_secs(1))
    } else {
        collected
            .recv()
            .map_err(|_| mpsc::RecvTimeoutError::Disconnected)
    };
    String::from_utf8_lossy(&bytes.unwrap_or_default()).into_owned()
}

/// Waits for the child for at most `timeout`: its exit code and peak resident set, or
/// `None` after killing it.
fn wait(mut child: Child, timeout: Duration) -> Option<(i32, Option<u64>)> {
    let start = Instant::now();
    let mut peak = None;
    loop {
        // Before the exit, while the process still has its memory.
        if let Some(now) = peak_rss(child.id()) {
            peak = peak.max(Some(now));
        }
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return Some((status.code().unwrap_or(-1), peak));
        }
        let elapsed = start.elapsed();
        if elapsed > timeout {
            // Not reaped yet (try_wait said so), so the pid is still the child's.
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        // Quick answers for quick runs; at most 10 ms late otherwise.
        std::thread::sleep(
            (elapsed / 4).clamp(Duration::from_millis(1), Duration::from_millis(10)),
        );
    }
}

/// The high-water mark of the process's resident set (`VmHWM`), in bytes. Not the
/// `ru_maxrss` of `wait4`: a child started with vfork (as `Command` does) or fork counts
/// the test process's own peak in that, from the memory it had before its exec. The
/// peak is sampled while the process runs, so a rise in its last 10 ms goes unseen.
#[cfg(target_os = "linux")]
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(not(target_os = "linux"))]
fn peak_rss(_pid: u32) -> Option<u64> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> Run {
        run_command(Command::new("sh").args(["-c", script]), timeout)
    }

    fn exited(code: i32, stdout: &str, stderr: &str) -> Run {
        Run {
            command: "test".into(),
            code,
            stdout: stdout.into(),
            stderr: stderr.into(),
            elapsed: Duration::ZERO,
            files: BTreeMap::new(),
            peak_rss: None,
        }
    }

    #[test]
    fn a_run_keeps_code_output_time_and_memory() {
        let run = sh("echo out; echo err >&2; sleep 0.2; exit 3", RUN_TIMEOUT);
        assert_eq!(run.code, 3);
        assert_eq!(
            (run.stdout.as_str(), run.stderr.as_str()),
            ("out\n", "err\n")
        );
        assert!(run.elapsed >= Duration::from_millis(200), "{run}");
        if cfg!(target_os = "linux") {
            assert!(run.peak_rss.is_some_and(|m| m > 0), "{run:?}");
        }
        assert_eq!(
            run.command,
            "sh -c echo out; echo err >&2; sleep 0.2; exit 3"
        );
        assert_eq!(sh("kill -9 $$", RUN_TIMEOUT).code, -1);
    }

    #[test]
    #[should_panic(expected = "did not finish in 200ms and was killed")]
    fn a_run_that_hangs_is_killed() {
        sh("echo started; sleep 30", Duration::from_millis(200));
    }

    #[test]
    fn fatal_takes_one_error_line_and_warnings() {
        let run = exited(
            2,
            "",
            "WARNING: careful\nERROR: A fatal error occurred: no\n",
        );
        assert_eq!(run.fatal(), "ERROR: A fatal error occurred: no");
        for (code, stderr) in [
            (1, "ERROR: no\n"),
            (2, "ERROR: no\nERROR: again\n"),
            (2, "ERROR: no\nTraceback\n"),
            (2, "ERROR: no\n\n"),
            (2, ""),
        ] {
            let run = exited(code, "", stderr);
            assert!(panics(|| _ = run.fatal()), "{run}");
        }
    }

    fn panics(check: impl FnOnce()) -> bool {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).is_err()
    }

    #[test]
    fn output_checks_fail_when_they_should() {
        let run = exited(0, "one\ntwo three\n", "WARNING: four\n");
        run.has("one").says("three").says("four").lacks("five");
        assert_eq!(run.count("o"), 3);
        assert_eq!(run.line_index("two three"), 1);
        assert!(panics(|| _ = run.has("two")));
        assert!(panics(|| _ = run.says("five")));
        assert!(panics(|| _ = run.lacks("four")));
        assert!(panics(|| _ = run.exits(2)));
        assert!(panics(|| _ = run.line_index("three")));
        assert!(!panics(|| _ = run.clone().ok()));
        assert!(panics(|| _ = exited(1, "", "").ok()));
    }
}
