//! esptool's configuration file (`[esptool]` in esptool.cfg, setup.cfg or tox.ini):
//! found where esptool 5.6.0 finds it, announced with its line, its values used as
//! defaults that options override; checked against esptool run in the same folder.

use crate::ESPCTL;
use espctl_testkit::{Run, Stubs, WorkDir};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

const LOADED: &str = "Loaded custom configuration from ";

/// A working folder whose runs see `home` as the user's home folder (so the tester's own
/// configuration stays out of it).
fn workdir(home: &Path) -> WorkDir {
    ESPCTL
        .workdir(Stubs::None)
        .with_var("HOME", &home.display().to_string())
}

/// The "Loaded custom configuration" line of a run, if it printed one.
fn loaded_line(run: &Run) -> Option<String> {
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with(LOADED))
        .collect();
    assert!(lines.len() <= 1, "more than one loaded line:\n{run}");
    lines.first().map(|l| l.to_string())
}

/// Runs `version` with espctl and esptool; both must agree on the file used.
fn same_file(env: &WorkDir) -> Option<String> {
    let ours = env.espctl(&["version"]).ok();
    let theirs = env.esptool(&["version"]).ok();
    assert_eq!(loaded_line(&ours), loaded_line(&theirs), "{ours}\n{theirs}");
    loaded_line(&ours)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_loaded_line_and_warnings_are_esptools() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    env.write(
        "esptool.cfg",
        b"[esptool]\nconnect_attempts = 3\nzeta = 1\nAlpha: 2\n",
    );
    let ours = env.espctl(&["version"]).ok();
    let theirs = env.esptool(&["version"]).ok();
    let expected = format!("{LOADED}{}", env.path("esptool.cfg").display());
    ours.has(&expected);
    theirs.has(&expected);
    let warning = "WARNING: Ignoring unknown config options: alpha, zeta";
    assert!(ours.stderr.lines().any(|l| l == warning), "{ours}");
    assert!(theirs.stderr.lines().any(|l| l == warning), "{theirs}");

    // Named by ESPTOOL_CFGFILE (relative to the working folder), with esptool's suffix.
    env.write("mine.ini", b"[esptool]\nconnect_attempts = 2\n");
    let env = env.with_var("ESPTOOL_CFGFILE", "mine.ini");
    let line = same_file(&env).expect("a loaded line");
    assert_eq!(
        line,
        format!(
            "{LOADED}{} (set with ESPTOOL_CFGFILE)",
            env.path("mine.ini").display()
        )
    );
}

#[test]
fn searched_where_esptool_searches() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    assert_eq!(same_file(&env), None);
    let user_dir = home.path().join(".config").join("esptool");

    write(&home.path().join("tox.ini"), "[esptool]\ntimeout = 4\n");
    let at_home = same_file(&env).expect("home's tox.ini");
    assert!(at_home.ends_with("tox.ini"), "{at_home}");

    write(&user_dir.join("setup.cfg"), "[esptool]\ntimeout = 4\n");
    let in_user_dir = same_file(&env).expect("the user folder's setup.cfg");
    assert!(in_user_dir.contains(".config"), "{in_user_dir}");

    // Files of the working folder without the section do not count.
    env.write("setup.cfg", b"[flake8]\nmax-line-length = 88\n");
    env.write("tox.ini", b"[tox]\nenvlist = py311\n");
    assert_eq!(same_file(&env), Some(in_user_dir));

    env.write(
        "tox.ini",
        b"[tox]\nenvlist = py311\n\n[esptool]\ntimeout = 4\n",
    );
    assert_eq!(
        same_file(&env),
        Some(format!("{LOADED}{}", env.path("tox.ini").display()))
    );
    env.write("esptool.cfg", b"[esptool]\ntimeout = 4\n");
    assert_eq!(
        same_file(&env),
        Some(format!("{LOADED}{}", env.path("esptool.cfg").display()))
    );

    // ESPTOOL_CFGFILE first; missing or without the section, the search goes on.
    let own = home.path().join("elsewhere.cfg");
    write(&own, "[esptool]\ntimeout = 4\n");
    let named = workdir(home.path()).with_var("ESPTOOL_CFGFILE", &own.display().to_string());
    let line = same_file(&named).expect("the named file");
    assert!(line.contains("elsewhere.cfg"), "{line}");
    write(&own, "[other]\ntimeout = 4\n");
    assert!(same_file(&named).unwrap().contains(".config"));
}

#[test]
fn files_without_the_section_are_ignored() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    env.write(
        "setup.cfg",
        b"[metadata]\nname = app\n\n[flake8]\nignore = E501\n",
    );
    env.write("esptool.cfg", b"[esptool_other]\nconnect_attempts = abc\n");
    assert_eq!(same_file(&env), None);
    env.espctl(&["version"]).ok().lacks("WARNING");
}

/// A TCP port that accepts `n` connections and never says a word.
fn silent_listener(n: usize) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("socket://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<_> = l.incoming().take(n).collect();
        std::thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    url
}

#[test]
fn values_esptool_cannot_read_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    env.write("esptool.cfg", b"[esptool]\nconnect_attempts = abc\n");
    let line = env.espctl(&["version"]).fatal();
    assert!(
        line.contains("'abc' for connect_attempts")
            && line.contains(&env.path("esptool.cfg").display().to_string()),
        "{line}"
    );
    // esptool stops too (with a Python traceback).
    let theirs = env.esptool(&["version"]);
    assert_ne!(theirs.code, 0, "{theirs}");
    assert!(theirs.stderr.contains("'abc'"), "{theirs}");

    env.write("esptool.cfg", b"[esptool]\nreset_delay = soon\n");
    assert!(env.espctl(&["version"]).fatal().contains("reset_delay"));

    // A reset sequence is checked when a connection uses it, with esptool's words.
    env.write("esptool.cfg", b"[esptool]\ncustom_reset_sequence = D0|X1\n");
    env.espctl(&["version"]).ok();
    let url = silent_listener(2);
    let ours = env.espctl(&["--port", &url, "chip-id"]);
    let theirs = env.esptool(&["--port", &url, "chip-id"]);
    let expected = "ERROR: A fatal error occurred: Invalid custom reset sequence option format: Invalid custom reset sequence step 'X1': Unknown reset sequence command: 'X1'.";
    assert_eq!(ours.fatal(), expected);
    assert!(theirs.stderr.lines().any(|l| l == expected), "{theirs}");
}

/// `Connecting...` and one dot per failed SYNC.
fn dots(run: &Run, n: usize) {
    let line = format!("Connecting...{}\n", ".".repeat(n));
    assert!(run.stdout.contains(&line), "expected {n} dots:\n{run}");
}

#[test]
fn connect_attempts_from_the_file_give_up_as_fast_as_esptool() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    env.write("esptool.cfg", b"[esptool]\nconnect_attempts = 1\n");
    let url = silent_listener(4);
    let theirs = {
        let url = url.clone();
        let env = workdir(home.path());
        env.write("esptool.cfg", b"[esptool]\nconnect_attempts = 1\n");
        std::thread::spawn(move || env.esptool(&["--port", &url, "chip-id"]))
    };
    let ours = env.espctl(&["--port", &url, "chip-id"]);
    let theirs = theirs.join().unwrap();
    ours.fatal();
    assert!(
        theirs.stderr.contains("No serial data received."),
        "{theirs}"
    );
    // One attempt of 5 SYNCs (0.75 s) instead of the default 7 (about 5.3 s).
    dots(&ours, 5);
    let (a, b) = (ours.elapsed.as_secs_f64(), theirs.elapsed.as_secs_f64());
    assert!(
        a < 2.5 && (a - b).abs() < 1.5,
        "espctl took {a:.1} s, esptool {b:.1} s"
    );

    // The option and its environment variable still win over the file.
    dots(
        &env.espctl(&["--port", &url, "--connect-attempts", "2", "chip-id"]),
        10,
    );
    let by_env = workdir(home.path()).with_var("ESPTOOL_CONNECT_ATTEMPTS", "2");
    by_env.write("esptool.cfg", b"[esptool]\nconnect_attempts = 1\n");
    dots(&by_env.espctl(&["--port", &url, "chip-id"]), 10);
}

#[test]
fn sync_timeout_from_the_file_lengthens_each_sync() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    env.write(
        "esptool.cfg",
        b"[esptool]\nconnect_attempts = 1\nsync_timeout = 0.5\n",
    );
    let url = silent_listener(2);
    let ours = env.espctl(&["--port", &url, "chip-id"]);
    let theirs = env.esptool(&["--port", &url, "chip-id"]);
    ours.fatal();
    dots(&ours, 5);
    // 5 SYNCs waiting 0.5 s each (0.1 s each without the key).
    let (a, b) = (ours.elapsed.as_secs_f64(), theirs.elapsed.as_secs_f64());
    assert!(
        (2.4..4.5).contains(&a) && b > 2.4 && (a - b).abs() < 1.5,
        "espctl took {a:.1} s, esptool {b:.1} s"
    );
}

#[test]
fn custom_reset_sequence_replaces_the_reset() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    // The virtual chip boots its flash unless GPIO0 is low when EN rises.
    let port = "virtual:esp32?start=flash";
    env.espctl(&["--port", port, "chip-id"]).ok();
    // Only EN pulsed: the chip boots its application, every attempt.
    env.write(
        "esptool.cfg",
        b"[esptool]\nconnect_attempts = 2\ncustom_reset_sequence = R1|W0.1|R0\n",
    );
    let line = env.espctl(&["--port", port, "chip-id"]).fatal();
    assert!(line.contains("Wrong boot mode detected (0x13)!"), "{line}");
    // esptool's classic sequence, written out: download mode.
    env.write(
        "esptool.cfg",
        b"[esptool]\ncustom_reset_sequence = D0|R1|W0.1|D1|R0|W0.05|D0\n",
    );
    env.espctl(&["--port", port, "chip-id"])
        .ok()
        .has("Connected to ESP32 on virtual:esp32?start=flash:");
}

#[test]
fn chip_erase_timeout_from_the_file_bounds_erase_flash() {
    let home = tempfile::tempdir().unwrap();
    let env = ESPCTL
        .workdir(Stubs::Installed)
        .with_var("HOME", &home.path().display().to_string());
    // A realistic flash chip takes 10 s to erase; the file allows 1 s.
    env.write("esptool.cfg", b"[esptool]\nchip_erase_timeout = 1\n");
    let device = || {
        ESPCTL
            .device_options("esp32", espctl_testkit::Link::Socket)
            .server_args(&["--timing", "realistic"])
            .start()
    };
    let (ours_dev, theirs_dev) = (device(), device());
    let theirs = {
        let env = ESPCTL
            .workdir(Stubs::Installed)
            .with_var("HOME", &home.path().display().to_string());
        env.write("esptool.cfg", b"[esptool]\nchip_erase_timeout = 1\n");
        let port = theirs_dev.port.clone();
        std::thread::spawn(move || env.esptool(&["--port", &port, "erase-flash"]))
    };
    let ours = env.espctl(&["--port", &ours_dev.port, "erase-flash"]);
    let theirs = theirs.join().unwrap();
    // Both give up on the erase after the file's second, as on a real timeout.
    let stopped = "Serial data stream stopped: Possible serial noise or corruption.";
    assert!(ours.fatal().contains(stopped), "{ours}");
    theirs.exits(2).says(stopped);
    // max_timeout caps every wait, the chip erase's too.
    env.write(
        "esptool.cfg",
        b"[esptool]\nchip_erase_timeout = 60\nmax_timeout = 1\n",
    );
    let capped = env.espctl(&["--port", &device().port, "erase-flash"]);
    assert!(capped.fatal().contains(stopped), "{capped}");
    for run in [&ours, &theirs, &capped] {
        run.has("Erasing flash memory (this may take a while)...");
        assert!(run.elapsed < Duration::from_secs(7), "{run}");
    }
}

#[test]
fn custom_hard_reset_sequence_replaces_the_hard_reset() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    env.write(
        "esptool.cfg",
        b"[esptool]\ncustom_hard_reset_sequence = R1|W0.1|R0\n",
    );
    let dev = ESPCTL.device("esp32", espctl_testkit::Link::Socket, "4MB");
    let ours = env.espctl(&["--port", &dev.port, "read-mac"]).ok();
    let theirs = env.esptool(&["--port", &dev.port, "read-mac"]).ok();
    for run in [&ours, &theirs] {
        run.has("Custom reset sequence executed: R1|W0.1|R0")
            .lacks("Hard resetting via RTS pin...");
    }
    // On a port with reset lines too.
    env.espctl(&["--port", "virtual:esp32", "read-mac"])
        .ok()
        .has("Custom reset sequence executed: R1|W0.1|R0");
}

/// The retry line of a run: esptool's `Retrying failed connection` and its dots.
fn retry_line(run: &Run) -> Option<String> {
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("Retrying failed connection"))
        .collect();
    assert!(lines.len() <= 1, "more than one retry line:\n{run}");
    lines.first().map(|l| l.to_string())
}

#[test]
fn open_port_attempts_retry_a_missing_port_as_esptool_does() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    let missing = env.path("no-such-port").display().to_string();
    let args = ["--port", missing.as_str(), "--chip", "esp32", "chip-id"];
    // 21 attempts: a dot after the 10th and the 20th failure, then the 21st fails.
    env.write("esptool.cfg", b"[esptool]\nopen_port_attempts = 21\n");
    let ours = env.espctl(&args);
    let theirs = env.esptool(&args);
    let line = ours.fatal();
    assert!(
        line.contains(&format!("Could not open {missing}")),
        "{line}"
    );
    theirs.exits(2).says(&format!("Could not open {missing}"));
    for run in [&ours, &theirs] {
        run.has(&format!("Serial port {missing}:"));
        assert_eq!(
            retry_line(run).as_deref(),
            Some("Retrying failed connection.."),
            "{run}"
        );
    }

    // The environment variable wins over the file, as in esptool: 12 attempts, one dot.
    let by_env = workdir(home.path()).with_var("ESPTOOL_OPEN_PORT_ATTEMPTS", "12");
    by_env.write("esptool.cfg", b"[esptool]\nopen_port_attempts = 21\n");
    let run = by_env.espctl(&args);
    run.fatal();
    assert_eq!(
        retry_line(&run).as_deref(),
        Some("Retrying failed connection.")
    );

    // Without the chip named the key is not used; both say so and open once.
    let warning = "WARNING: The ESPTOOL_OPEN_PORT_ATTEMPTS (open_port_attempts) option can only be used with --port and --chip arguments.";
    let args = ["--port", missing.as_str(), "chip-id"];
    for run in [&env.espctl(&args), &env.esptool(&args)] {
        assert!(run.stderr.lines().any(|l| l == warning), "{run}");
        assert_eq!(retry_line(run), None, "{run}");
    }
}

#[test]
fn timeout_from_the_file_is_the_wait_of_each_command() {
    let home = tempfile::tempdir().unwrap();
    let env = workdir(home.path());
    env.write("esptool.cfg", b"[esptool]\ntimeout = 7\n");
    let dev = ESPCTL.device("esp32", espctl_testkit::Link::Socket, "4MB");
    let args = ["--port", dev.port.as_str(), "--trace", "read-mac"];
    let ours = env.espctl(&args).ok();
    let theirs = env.esptool(&args).ok();
    for run in [&ours, &theirs] {
        let waits: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.contains("--- Cmd READ_REG (0x0a)"))
            .map(|l| l.split(" | ").nth(3).unwrap_or(l))
            .collect();
        assert!(!waits.is_empty(), "{run}");
        assert!(waits.iter().all(|w| *w == "timeout 7.000"), "{waits:?}");
    }
}
