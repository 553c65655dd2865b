//! What the reliability tests share (crates/espctl-flasher/tests/link_faults.rs and the
//! CLI's poor-line tests): the flash a transfer must leave alone, and the settings
//! `scripts/soak` turns up.

/// A whole flash of `len` bytes with no 0xFF byte: around the range an operation works
/// on, a stray erase shows as well as a stray write.
pub fn surroundings(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// [`surroundings`] of `flash_len` bytes with `app` at `at`: a flash as it should be.
pub fn flash_with(flash_len: usize, at: usize, app: &[u8]) -> Vec<u8> {
    let mut flash = surroundings(flash_len);
    flash[at..at + app.len()].copy_from_slice(app);
    flash
}

/// Whether `flash` holds `app` at `at` and is untouched everywhere else.
pub fn holds_only(flash: &[u8], at: usize, app: &[u8]) -> bool {
    flash == flash_with(flash.len(), at, app)
}

/// A number from the environment (`ESPCTL_SOAK_CYCLES`...), or `default` when it is
/// not set or not a number.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
