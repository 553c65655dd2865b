//! Shared pieces of the host-only image commands: chip choice, numbers, sizes, printing
//! library messages, writing output files safely.

use crate::console::{say, warning};
use std::io::Write;
use std::path::{Path, PathBuf};

use espctl_chips::{CHIPS, Chip};
use espctl_image::Message;

use crate::fatal::Fatal;

/// Prints a library line where esptool prints it.
pub fn print(message: Message) {
    match message {
        Message::Print(s) => say!("{s}"),
        Message::Hint(s) => say!("HINT: {s}"),
        Message::Note(s) => say!("NOTE: {s}"),
        Message::Warning(s) => warning!("{s}"),
        Message::Error(s) => eprintln!("ERROR: {s}"),
    }
}

/// The chip named by `--chip`; `None` for `auto`.
pub fn chip_arg(name: &str) -> Result<Option<&'static Chip>, Fatal> {
    if name.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    Chip::by_arg_name(name).map(Some).ok_or_else(|| {
        Fatal(format!(
            "Invalid chip choice: '{name}' (choose from {}).",
            chip_list()
        ))
    })
}

/// The chip named by `--chip`, which this command needs.
pub fn required_chip(name: &str) -> Result<&'static Chip, Fatal> {
    chip_arg(name)?.ok_or_else(|| {
        Fatal(format!(
            "Specify the --chip argument (choose from {}).",
            chip_list()
        ))
    })
}

fn chip_list() -> String {
    CHIPS
        .iter()
        .map(|c| c.arg_name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// An integer as esptool reads it: decimal, `0x` hex, `0o` octal or `0b` binary.
pub fn parse_int(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let (digits, radix) = match t.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => (&t[2..], 16),
        Some("0o") => (&t[2..], 8),
        Some("0b") => (&t[2..], 2),
        _ => (t, 10),
    };
    u32::from_str_radix(&digits.replace('_', ""), radix)
        .map_err(|_| format!("'{s}' is not a number (use decimal or 0x hex)"))
}

/// A size with a `KB` or `MB` suffix (`64KB`, `4MB`), in bytes.
pub fn parse_size(s: &str) -> Result<u32, String> {
    let bad = || format!("Unknown size {s}: use a number with a KB or MB suffix, like 4MB");
    let (number, unit) = if let Some(i) = s.find("MB") {
        (&s[..i], 1 << 20)
    } else if let Some(i) = s.find("KB") {
        (&s[..i], 1 << 10)
    } else {
        return Err(bad());
    };
    number
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(bad)
}

/// Reads an input file; the error says which file and why.
pub fn read_input(path: &Path) -> Result<Vec<u8>, Fatal> {
    std::fs::read(path).map_err(|e| Fatal(format!("Cannot read '{}': {e}", path.display())))
}

/// Writes `data` to `path` through a temporary file in the same folder, renamed into
/// place once complete, so a failure (or a full disk) never leaves a half-written
/// output; the temporary file is removed on failure.
pub fn write_output(path: &Path, data: &[u8]) -> Result<(), Fatal> {
    let fail = |e: std::io::Error| Fatal(format!("Cannot write '{}': {e}", path.display()));
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".espctl-")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(data).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Writes several files, each as [`write_output`] does; if one cannot be written, the
/// ones already written are removed again.
pub fn write_outputs(files: &[(PathBuf, Vec<u8>)]) -> Result<(), Fatal> {
    for (i, (path, data)) in files.iter().enumerate() {
        if let Err(e) = write_output(path, data) {
            for (written, _) in &files[..i] {
                let _ = std::fs::remove_file(written);
            }
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_sizes() {
        assert_eq!(parse_int("0x1000"), Ok(0x1000));
        assert_eq!(parse_int("4096"), Ok(4096));
        assert!(parse_int("0xZZ").is_err());
        assert_eq!(parse_size("4MB"), Ok(4 << 20));
        assert_eq!(parse_size("64KB"), Ok(64 << 10));
        assert!(parse_size("64").is_err());
    }
}
