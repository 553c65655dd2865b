//! Arguments of the commands that move flash data: write-flash, read-flash,
//! verify-flash, erase-flash, erase-region.

use super::super::choices;
use std::path::PathBuf;

/// `-fm`, `-ff`, `-fs`: the flash parameters write-flash and verify-flash put into the
/// bootloader header (and tell the loader).
#[derive(Debug, clap::Args)]
pub struct FlashParams {
    /// -fm: SPI flash mode for the bootloader header
    #[arg(long, default_value = "keep", env = "ESPTOOL_FM", value_parser = choices::flash_mode())]
    pub flash_mode: String,
    /// -ff: SPI flash frequency for the bootloader header
    #[arg(long, default_value = "keep", env = "ESPTOOL_FF", value_parser = choices::flash_freq())]
    pub flash_freq: String,
    /// -fs: SPI flash size (also the v4 megabit names 4m, 32m, ...)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FS", value_parser = choices::flash_size())]
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
    /// Apply flash encryption when writing data (required correct eFuse settings): the
    /// chip encrypts every file with the key in its eFuses
    #[arg(long)]
    pub encrypt: bool,
    /// Files to be encrypted during flashing: pairs of address and file name, written
    /// with the plain ones in address order
    #[arg(long, num_args = 1.., value_name = "ADDRESS FILENAME")]
    pub encrypt_files: Vec<String>,
    /// Ignore flash encryption eFuse settings: write encrypted even when the key or
    /// FLASH_CRYPT_CONFIG is not set up or a file is not aligned (each is still reported)
    #[arg(long, alias = "ignore-flash-encryption-efuse-setting")]
    pub ignore_flash_enc_efuse: bool,
    /// Compress data during transfer (default unless --no-stub is given)
    #[arg(short = 'z', long, conflicts_with = "no_compress")]
    pub compress: bool,
    /// Disable data compression during transfer
    #[arg(short = 'u', long)]
    pub no_compress: bool,
    #[command(flatten)]
    pub flash: FlashParams,
    #[command(flatten)]
    pub spi: super::flash_chip::SpiConnectionArg,
    /// Skip the safety checks: an image for another chip or chip revision at the
    /// bootloader offset, Secure Boot V1's bootloader region, plaintext onto a chip
    /// that encrypts (as esptool's --force)
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
    /// -fs: SPI flash size to tell the loader (keep: detect it)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FS", value_parser = choices::flash_size())]
    pub flash_size: String,
    #[command(flatten)]
    pub spi: super::flash_chip::SpiConnectionArg,
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
    #[command(flatten)]
    pub spi: super::flash_chip::SpiConnectionArg,
}

/// `erase-flash`.
#[derive(Debug, clap::Args)]
pub struct EraseFlashArgs {
    /// Erase even with flash encryption or Secure Boot enabled (refused otherwise, as
    /// by esptool)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub spi: super::flash_chip::SpiConnectionArg,
}

/// `erase-region`.
#[derive(Debug, clap::Args)]
pub struct EraseRegionArgs {
    /// Start address (a multiple of 4096)
    pub address: String,
    /// Number of bytes (a multiple of 4096), or ALL
    pub size: String,
    /// Erase even with flash encryption or Secure Boot enabled (refused otherwise, as
    /// by esptool)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub spi: super::flash_chip::SpiConnectionArg,
}
