//! `virtual:esp8266` / `virtual:esp32` ports: a simulated chip inside this process.

/// Opens a virtual device from `spec` (`esp8266?flash-size=1MB&...`).
pub fn open(spec: &str, _baud: u32) -> Result<Box<dyn espctl_flasher::Transport>, String> {
    Err(format!(
        "virtual:{spec}: the virtual device is not available in this build yet"
    ))
}
