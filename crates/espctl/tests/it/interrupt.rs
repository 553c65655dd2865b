//! Ctrl-C (and SIGTERM) in the middle of device work, against devices that take their
//! real time: espctl stops between blocks, puts the rate back, runs the after-action,
//! says which flash ranges hold the new content, leaves no output file and exits as
//! esptool 5.6.0 does on Ctrl-C ("Aborted.", exit code 1), so the next run connects at
//! once.

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Stubs, WorkDir, noise};
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// esptool's last line after Ctrl-C (its exit code is [`CANCELLED_CODE`]).
const CANCELLED: &str = "Aborted.";
const CANCELLED_CODE: i32 = 1;

/// An ESP32 served over a pty (no reset lines: the chip stays in the stub) at the
/// speed of a real one, its flash erased.
fn slow_esp32() -> Device {
    ESPCTL
        .device_options("esp32", Link::Pty)
        .flash_size("4MB")
        .server_args(&["--timing", "realistic"])
        .start()
}

/// espctl running in the background, its stdout lines arriving on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(env: &WorkDir, args: &[&str]) -> Running {
        Running::start_program(ESPCTL.path(), env, args)
    }

    fn start_program(program: &Path, env: &WorkDir, args: &[&str]) -> Running {
        let mut child = Command::new(program)
            .args(args)
            .current_dir(env.dir())
            .env("ESPCTL_DATA_DIR", env.data_dir())
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stdout line containing `needle`.
    fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                let found = line.contains(needle);
                self.seen.push(line);
                if found {
                    return;
                }
            }
        }
        panic!("no line with {needle:?}:\n{}", self.seen.join("\n"));
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill has no memory effects; the child is ours and still running.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(sent, 0, "send signal {signal}");
    }

    /// Waits for the exit (within `limit`): the code, stdout and stderr.
    fn finish(mut self, limit: Duration) -> (i32, String, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < limit,
                "espctl still runs {limit:?} after the signal"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            self.seen.push(line);
        }
        (status.code().unwrap_or(-1), self.seen.join("\n"), stderr)
    }
}

/// `0x10000-0x4c000, 0x60000-0x61000` as ranges.
fn parse_ranges(list: &str) -> Vec<Range<usize>> {
    list.split(", ")
        .map(|r| {
            let (a, b) = r.split_once('-').unwrap_or_else(|| panic!("range {r:?}"));
            let hex = |s: &str| usize::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
            hex(a)..hex(b)
        })
        .collect()
}

/// The ranges espctl's "Interrupted: ..." line names as written and as not written.
fn reported_state(stderr: &str) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("Interrupted: "))
        .unwrap_or_else(|| panic!("no flash state:\n{stderr}"));
    let (written, rest) = match line.split_once(" written and verified, ") {
        Some((w, rest)) => (parse_ranges(w), rest),
        None => (Vec::new(), line),
    };
    let not_written = rest
        .split_once(" not written")
        .unwrap_or_else(|| panic!("no unwritten ranges in {line:?}"))
        .0;
    (written, parse_ranges(not_written))
}

/// The next run finds the chip at once, without a reset and with one.
fn connects_at_once(env: &WorkDir, dev: &Device) {
    for before in [&["--before", "no-reset"][..], &[]] {
        let mut args = vec!["--port", &dev.port];
        args.extend_from_slice(before);
        args.push("read-mac");
        let run = env.espctl(&args).ok();
        run.says(&dev.mac_text());
        assert!(
            run.elapsed < Duration::from_secs(10),
            "{before:?} took {:?}:\n{run}",
            run.elapsed
        );
    }
}

#[test]
fn ctrl_c_mid_write_stops_cleanly_and_says_what_the_flash_holds() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = slow_esp32();
    let image = noise(1_500_000, 10);
    env.write("app.bin", &image);
    let mut run = Running::start(
        &env,
        &["--port", &dev.port, "write-flash", "0x10000", "app.bin"],
    );
    run.wait_for("Writing at");
    std::thread::sleep(Duration::from_secs(2));
    run.signal(libc::SIGINT);
    let (code, stdout, stderr) = run.finish(Duration::from_secs(30));

    assert_eq!(
        code, CANCELLED_CODE,
        "esptool's exit code:\n{stdout}\n{stderr}"
    );
    assert_eq!(stderr.lines().last(), Some(CANCELLED), "{stderr}");
    assert!(
        stdout.contains("Hard resetting via RTS pin..."),
        "the after-action ran:\n{stdout}"
    );
    assert!(!stdout.contains("Hash of data verified"), "{stdout}");

    // What it says is what the flash holds.
    let (written, not_written) = reported_state(&stderr);
    let flash = dev.flash();
    let end = 0x10000 + image.len();
    assert!(
        !written.is_empty(),
        "some blocks went out before the stop: {stderr}"
    );
    assert!(!not_written.is_empty(), "the stop came early: {stderr}");
    let mut covered: Vec<_> = written.iter().chain(&not_written).cloned().collect();
    covered.sort_by_key(|r| r.start);
    assert_eq!(covered.first().unwrap().start, 0x10000);
    assert_eq!(covered.last().unwrap().end, end);
    for w in covered.windows(2) {
        assert_eq!(w[0].end, w[1].start, "the ranges cover the file: {stderr}");
    }
    for r in &written {
        assert!(
            flash[r.clone()] == image[r.start - 0x10000..r.end - 0x10000],
            "{r:x?} is said to be written"
        );
    }
    // The range after the last written byte does not hold the image yet.
    let last = not_written.last().unwrap();
    assert_ne!(
        flash[last.clone()],
        image[last.start - 0x10000..last.end - 0x10000],
        "{last:x?} is said not to be written"
    );

    connects_at_once(&env, &dev);
}

#[test]
fn ctrl_c_mid_read_leaves_no_file_and_the_chip_ready() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = slow_esp32();
    let mut run = Running::start(
        &env,
        &["--port", &dev.port, "read-flash", "0", "ALL", "out.bin"],
    );
    run.wait_for("Reading from");
    std::thread::sleep(Duration::from_secs(1));
    run.signal(libc::SIGINT);
    let (code, stdout, stderr) = run.finish(Duration::from_secs(30));

    assert_eq!(code, CANCELLED_CODE, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("Interrupted: the flash was not changed."),
        "{stderr}"
    );
    assert_eq!(stderr.lines().last(), Some(CANCELLED), "{stderr}");
    let files: Vec<_> = std::fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("out") || n.starts_with(".espctl-"))
        .collect();
    assert!(files.is_empty(), "left behind: {files:?}");

    connects_at_once(&env, &dev);
}

#[test]
fn sigterm_stops_too_and_a_second_signal_ends_at_once() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = slow_esp32();
    let mut run = Running::start(
        &env,
        &["--port", &dev.port, "read-flash", "0", "ALL", "out.bin"],
    );
    run.wait_for("Reading from");
    run.signal(libc::SIGTERM);
    run.signal(libc::SIGINT);
    let (code, stdout, stderr) = run.finish(Duration::from_secs(5));
    assert_eq!(code, CANCELLED_CODE, "{stdout}\n{stderr}");
    assert!(stderr.trim_end().ends_with(CANCELLED), "{stderr}");
    // The second signal cut the cleanup short: no rate change, no account of the flash.
    assert!(!stdout.contains("Changing baud rate to 115200"), "{stdout}");
    assert!(!stderr.contains("Interrupted:"), "{stderr}");
    assert!(!env.dir().join("out.bin").exists());
}

/// esptool 5.6.0, cut by Ctrl-C while it writes, ends with the same line and exit code.
#[test]
fn esptool_ends_a_cancelled_run_the_same_way() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = slow_esp32();
    env.write("app.bin", &noise(1_500_000, 11));
    let esptool = espctl_testkit::esptool();
    let mut run = Running::start_program(
        &esptool,
        &env,
        &["--port", &dev.port, "write-flash", "0x10000", "app.bin"],
    );
    run.wait_for("Compressed");
    std::thread::sleep(Duration::from_secs(2));
    run.signal(libc::SIGINT);
    let (code, stdout, stderr) = run.finish(Duration::from_secs(30));
    assert_eq!(code, CANCELLED_CODE, "{stdout}\n{stderr}");
    assert_eq!(stderr.lines().last(), Some(CANCELLED), "{stdout}\n{stderr}");
    // Its teardown ran the after-action too.
    assert!(stdout.contains("Hard resetting via RTS pin..."), "{stdout}");
}
