//! Arguments of the commands that move flash data: write-flash, read-flash,
//! verify-flash, erase-flash, erase-region.

use std::path::PathBuf;

/// `-fm`, `-ff`, `-fs`: the flash parameters write-flash and verify-flash put into the
/// bootloader header (and tell the loader).
#[derive(Debug, clap::Args)]
pub struct FlashParams {
    /// SPI flash mode for the bootloader header: keep, qio, qout, dio, dout
    #[arg(long, default_value = "keep", env = "ESPTOOL_FM")]
    pub flash_mode: String,
    /// SPI flash frequency for the bootloader header (keep, 80m, 40m, 26m, 20m, ...)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FF")]
    pub flash_freq: String,
    /// SPI flash size: keep, detect, 1MB, 4MB, ... (also the old 4m, 32m names)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FS")]
    pub flash_size: String,
}

/// `write-flash`.
#[derive(Debug, clap::Args)]
pub struct WriteFlashArgs {
    /// Pairs of flash address and file name
    #[arg(required = true, value_name = "ADDRESS FILENAME")]
    pub addr_filename: Vec<String>,
    /// Erase all regions of flash (not just write areas) before programming
    #[arg(short = 'e', long)]
    pub erase_all: bool,
    /// Suppress progress output
    #[arg(short = 'p', long)]
    pub no_progress: bool,
    /// Compress data during transfer (default unless --no-stub is given)
    #[arg(short = 'z', long, conflicts_with = "no_compress")]
    pub compress: bool,
    /// Disable data compression during transfer
    #[arg(short = 'u', long)]
    pub no_compress: bool,
    #[command(flatten)]
    pub flash: FlashParams,
    /// Accepted for esptool compatibility (espctl runs no security checks to skip)
    #[arg(long)]
    pub force: bool,
    /// Write every sector, even those that already hold the new data (by default the
    /// chip's MD5s of the flash are compared first and only changed sectors are written)
    #[arg(long, conflicts_with_all = ["skip_flashed", "diff_with"])]
    pub no_skip: bool,
    /// Skip data already in flash (esptool's option; espctl always does, by comparing
    /// the chip's MD5s of the flash with the files)
    #[arg(short = 's', long, conflicts_with_all = ["diff_with", "trust_flash_content"])]
    pub skip_flashed: bool,
    /// Files flashed before, for esptool's fast reflashing; espctl compares with the
    /// chip's own flash instead, so these are not needed and are not read
    #[arg(long, num_args = 1.., value_name = "FILE|skip")]
    pub diff_with: Vec<String>,
    /// esptool skips its MD5 check of unchanged files with this; espctl always checks
    /// (accepted for compatibility, requires --diff-with)
    #[arg(long, requires = "diff_with")]
    pub trust_flash_content: bool,
    /// ESP8266: also write this esp_init_data_default.bin where the SDK reads it (flash
    /// size - 0x4000, for the flash size the image at 0x0 declares after -fs)
    #[arg(long, value_name = "FILE")]
    pub esp8266_init_data: Option<PathBuf>,
    /// ESP8266: also blank the SDK's system parameters (a 4KB sector of 0xFF at flash
    /// size - 0x2000, for the declared flash size)
    #[arg(long)]
    pub esp8266_blank: bool,
}

/// `read-flash`.
#[derive(Debug, clap::Args)]
pub struct ReadFlashArgs {
    /// Start address
    pub address: String,
    /// Number of bytes (0x hex, or with a k or M suffix), or ALL for the whole flash
    pub size: String,
    /// File to write
    pub output: PathBuf,
    /// Suppress progress output
    #[arg(short = 'p', long)]
    pub no_progress: bool,
    /// SPI flash size to tell the loader: keep (detect), detect, or a size
    #[arg(long, default_value = "keep", env = "ESPTOOL_FS")]
    pub flash_size: String,
}

/// `verify-flash`.
#[derive(Debug, clap::Args)]
pub struct VerifyFlashArgs {
    /// Pairs of flash address and file name
    #[arg(required = true, value_name = "ADDRESS FILENAME")]
    pub addr_filename: Vec<String>,
    /// Show the differing bytes
    #[arg(short = 'd', long)]
    pub diff: bool,
    #[command(flatten)]
    pub flash: FlashParams,
}

/// `erase-flash`.
#[derive(Debug, clap::Args)]
pub struct EraseFlashArgs {
    /// Accepted for esptool compatibility (espctl runs no security checks to skip)
    #[arg(long)]
    pub force: bool,
}

/// `erase-region`.
#[derive(Debug, clap::Args)]
pub struct EraseRegionArgs {
    /// Start address (a multiple of 4096)
    pub address: String,
    /// Number of bytes (a multiple of 4096), or ALL
    pub size: String,
    /// Accepted for esptool compatibility
    #[arg(long)]
    pub force: bool,
}
