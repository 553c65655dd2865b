//! write-flash's arguments that need more than reading a value: `--diff-with` files
//! must exist (esptool reads them before connecting), and an address past 4 GB is
//! refused as esptool refuses it, once the flash size is known.

use super::values::parse_wide_int;
use crate::fatal::Fatal;
use std::path::Path;

/// A `--diff-with` file that does not exist is a usage error, as in esptool, even
/// though espctl compares with the chip's flash and does not read it.
pub(super) fn check_diff_with(files: &[String]) -> Result<(), Fatal> {
    match files
        .iter()
        .find(|f| *f != "skip" && !Path::new(f).exists())
    {
        Some(missing) => Err(Fatal(format!(
            "Invalid value for '--diff-with': File '{missing}' does not exist. Name the files flashed before (or 'skip'), or leave --diff-with out: espctl compares with the chip's flash itself."
        ))),
        None => Ok(()),
    }
}

/// The first `ADDR FILE` pair whose address is a number past the 32-bit address space.
pub(super) fn beyond_4gb(pairs: &[String]) -> Option<(u64, String)> {
    pairs.chunks(2).find_map(|pair| {
        let [addr, file] = pair else { return None };
        let wide = parse_wide_int(addr).ok()?;
        (wide > u64::from(u32::MAX)).then(|| (wide, file.clone()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_addresses_past_4gb() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            beyond_4gb(&args(&["0x1000", "a.bin", "0x100000000", "b.bin"])),
            Some((0x1_0000_0000, "b.bin".into()))
        );
        assert_eq!(beyond_4gb(&args(&["0xffffffff", "a.bin"])), None);
        assert_eq!(beyond_4gb(&args(&["zz", "a.bin"])), None);
        assert!(check_diff_with(&args(&["skip"])).is_ok());
        assert!(check_diff_with(&args(&["no/such/file.bin"])).is_err());
    }
}
