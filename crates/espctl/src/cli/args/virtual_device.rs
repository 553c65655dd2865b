//! `espctl virtual`: values are checked when lowered, so bad input gets one line.

/// `espctl virtual`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("transport").required(true).args(["listen", "pty", "rfc2217", "ota"]))]
pub struct VirtualArgs {
    /// Flash size (a power of two: 512KB, 1MB, 4MB, 16MB, ...) [default: 4MB, 1MB with
    /// --ota]
    #[arg(long)]
    pub flash_size: Option<String>,
    /// Image file that mirrors the flash (created blank if missing); every write lands
    /// in it at once
    #[arg(long, value_name = "PATH")]
    pub flash_file: Option<std::path::PathBuf>,
    /// MAC address in the eFuses, like 18:fe:34:a1:b2:c3 (default: a fixed one per chip)
    #[arg(long)]
    pub mac: Option<String>,
    /// JEDEC ID the flash chip reports (RDID, manufacturer in the low byte), like
    /// 0x16405e; default: a Zbit part of the flash size
    #[arg(long, value_name = "ID")]
    pub jedec_id: Option<String>,
    /// Security eFuses burnt, comma-separated, named as espefuse names them. ESP32:
    /// secure-boot (ABS_DONE_0), secure-boot-v2 (ABS_DONE_1), flash-crypt-cnt=N,
    /// flash-crypt-config=N, disable-dl-encrypt, disable-dl-decrypt, disable-dl-cache,
    /// rd-dis=N, revision=v1.0 (default: all clear, v3.0). ESP32-S2/S3/C2/C3/C5/C6/H2/P4:
    /// the chip's own BLOCK0 fields, e.g. secure-boot-en, spi-boot-crypt-cnt=N,
    /// enable-security-download (Secure Download Mode), dis-download-manual-encrypt,
    /// secure-boot-key-revoke0, soft-dis-jtag=N, dis-pad-jtag,
    /// key-purpose-0=XTS_AES_128_KEY (or a number), force-use-key-manager-key=N (C5, P4)
    #[arg(long, value_name = "FIELD[=VALUE],...")]
    pub efuse: Vec<String>,
    /// ESP32: the flash encryption key burnt into eFuse BLOCK1, a 32-byte key file as
    /// `espefuse burn-key flash_encryption` and `espsecure --keyfile` take it (default:
    /// blank, which the encryption engine uses as an all-zero key)
    #[arg(long, value_name = "KEYFILE")]
    pub flash_encryption_key: Option<std::path::PathBuf>,
    /// Listen on this address (port 0 picks a free one); clients open socket://ADDR.
    /// Each new connection finds the chip freshly reset into download mode
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// With --listen: keep the chip's state from one connection to the next instead of
    /// resetting it into download mode
    #[arg(long, requires = "listen")]
    pub keep_state: bool,
    /// Serve on a new pseudo-terminal; clients open its path. Reset the chip between
    /// clients with `kill -USR1` (download mode) or `kill -USR2` (run the flash)
    #[arg(long)]
    pub pty: bool,
    /// Serve RFC 2217 on this address (port 0 picks a free one); clients open
    /// rfc2217://ADDR. The board powers up running its flash; the clients' DTR and RTS
    /// drive its auto-reset circuit
    #[arg(long, value_name = "ADDR")]
    pub rfc2217: Option<String>,
    /// With --rfc2217: pass each DTR/RTS change to the board as it comes instead of
    /// running the reset sequences with local timing (as `espctl serve-port` does)
    #[arg(long, requires = "rfc2217")]
    pub relay_lines: bool,
    /// A board without the auto-reset circuit (ESP-01 style): DTR and RTS reach
    /// nothing and GPIO0 stays at this level, so the chip starts in its loader (low) or
    /// runs its flash (high) and no client can reset it
    #[arg(long, value_name = "LEVEL", value_parser = ["low", "high"])]
    pub gpio0: Option<String>,
    /// How long the board's EN takes to rise after a reset before the chip latches
    /// GPIO0, in milliseconds (default 2; a big capacitor on EN makes it longer, up to
    /// 1000)
    #[arg(long, value_name = "MS", conflicts_with = "gpio0")]
    pub en_rise_ms: Option<u64>,
    /// Talk through the chip's USB-Serial/JTAG port instead of UART0 (ESP32-C3, C5, C6,
    /// H2, S3, P4): no baud rate on the wire, reset by its own DTR/RTS sequence (use
    /// `--before usb-reset` with esptool), the port stays while the chip resets
    #[arg(long, conflicts_with_all = ["usb_otg", "gpio0"])]
    pub usb_jtag: bool,
    /// Talk through the ROM's USB-OTG CDC port (ESP32-S2, S3, P4): no baud rate on the
    /// wire; the port is gone while the chip resets (use `--after watchdog-reset`)
    #[arg(long, conflicts_with = "gpio0")]
    pub usb_otg: bool,
    /// `instant` answers at once; `realistic` sends bytes at the baud rate and answers
    /// after the time the flash and the chip's CPU would take
    #[arg(long, default_value = "instant", value_name = "MODEL")]
    pub timing: String,
    /// When stopped (SIGTERM, SIGINT, SIGHUP), write what the device did to this file as
    /// JSON: bytes each way, wire time, busy time, and the session's lower bound
    #[arg(long, value_name = "PATH")]
    pub stats_file: Option<std::path::PathBuf>,
    /// The ArduinoOTA device (`--ota ADDR` and its options).
    #[command(flatten)]
    pub ota: super::virtual_ota::VirtualOtaArgs,
}
