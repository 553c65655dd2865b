//! The progress bar on a terminal (a pty of a known size): it shows the speed and the
//! time left, fits the width, and the lines printed while it runs (the ROM's "Erasing
//! flash..." when a write begins) land on lines of their own above it.

use crate::ESPCTL;
use espctl_testkit::{Link, Stubs, noise};
use nix::pty::{Winsize, openpty};
use std::io::Read;
use std::process::{Command, Stdio};

/// Runs espctl with stdout and stderr on a pty `cols` columns wide; returns what it
/// wrote there and its exit code.
fn on_terminal(env: &espctl_testkit::WorkDir, cols: u16, args: &[&str]) -> (Vec<u8>, i32) {
    let size = Winsize {
        ws_row: 40,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(Some(&size), None).expect("openpty");
    let mut child = Command::new(ESPCTL.path())
        .args(args)
        .current_dir(env.dir())
        .env("ESPCTL_DATA_DIR", env.data_dir())
        .env("ESPCTL_OFFLINE", "1")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .stdout(Stdio::from(pty.slave.try_clone().expect("dup")))
        .stderr(Stdio::from(pty.slave))
        .spawn()
        .expect("start espctl");
    let mut master = std::fs::File::from(pty.master);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    // Linux ends the reads with EIO once the child has closed the pty.
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    let code = child.wait().expect("wait").code().unwrap_or(-1);
    (out, code)
}

/// The screen a terminal `cols` wide shows after `bytes` (text, CR, LF, and the cursor
/// moves and line clearing indicatif uses), and how often a bar ran past the width.
fn screen(bytes: &[u8], cols: usize) -> (Vec<String>, usize) {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col, mut wraps) = (0usize, 0usize, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => col = 0,
            '\n' => row += 1,
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                let mut arg = String::new();
                let mut command = ' ';
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        command = d;
                        break;
                    }
                    arg.push(d);
                }
                let n: usize = arg.parse().unwrap_or(1);
                match command {
                    'A' => row = row.saturating_sub(n),
                    'B' => row += n,
                    'K' => {
                        if let Some(line) = lines.get_mut(row) {
                            if arg == "2" {
                                line.clear();
                            } else {
                                line.truncate(col);
                            }
                        }
                    }
                    _ => {}
                }
            }
            c => {
                if col == cols {
                    let line: String = lines[row].iter().collect();
                    wraps += usize::from(line.starts_with("Writing at"));
                    row += 1;
                    col = 0;
                }
                while lines.len() <= row {
                    lines.push(Vec::new());
                }
                let line = &mut lines[row];
                while line.len() < col {
                    line.push(' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
        while lines.len() <= row {
            lines.push(Vec::new());
        }
    }
    let lines = lines
        .into_iter()
        .map(|l| l.into_iter().collect::<String>().trim_end().to_string())
        .collect();
    (lines, wraps)
}

#[test]
fn the_bar_shows_speed_and_time_left_fits_the_width_and_notes_stay_off_it() {
    let env = ESPCTL.workdir(Stubs::None);
    env.write("data.bin", &noise(48 * 1024, 9));
    for cols in [120u16, 72, 50] {
        let device = ESPCTL.device("esp32", Link::Socket, "4MB");
        // The ESP32 ROM erases when a write begins, while the bar is up.
        let args = [
            "--port",
            &device.port,
            "--no-stub",
            "write-flash",
            "0x10000",
            "data.bin",
        ];
        let (out, code) = on_terminal(&env, cols, &args);
        let (lines, wraps) = screen(&out, cols as usize);
        let shown = lines.join("\n");
        assert_eq!(code, 0, "{shown}");
        assert_eq!(wraps, 0, "a bar ran past {cols} columns:\n{shown}");
        let bars: Vec<&String> = lines.iter().filter(|l| l.contains("Writing at")).collect();
        assert_eq!(bars.len(), 1, "one bar line at {cols} columns:\n{shown}");
        let bar = bars[0];
        assert!(bar.contains("100%"), "{shown}");
        if cols >= 72 {
            assert!(bar.contains("/s, ") && bar.ends_with(" left"), "{bar}");
        }
        let at = |start: &str| {
            lines
                .iter()
                .position(|l| l.starts_with(start))
                .unwrap_or_else(|| panic!("no line {start:?} at {cols} columns:\n{shown}"))
        };
        let bar_at = at("Writing at");
        assert_eq!(lines[at("Erasing flash...")], "Erasing flash...");
        assert!(
            at("Erasing flash...") < bar_at && at("Took ") < bar_at,
            "{shown}"
        );
        assert!(at("Wrote 49152 bytes") == bar_at + 1, "{shown}");
    }
}
