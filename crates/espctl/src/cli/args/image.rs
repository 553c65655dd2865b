//! Arguments of the host-only image commands: image-info, elf2image, merge-bin.

use super::super::choices;
use super::super::values::parse_int;
use espctl_chips::{FlashFreq, FlashMode, FlashSize};
use std::path::PathBuf;

/// `image-info`.
#[derive(Debug, clap::Args)]
pub struct ImageInfoArgs {
    /// Image file (binary, or Intel HEX: each region is reported)
    pub filename: PathBuf,
    /// ESP8266: also say whether the image can be updated over the air (ESP8266 Arduino
    /// layout of --flash-size and --fs-size), in one step or two
    #[arg(long, requires = "flash_size")]
    pub ota_check: bool,
    /// With --ota-check: the flash size of the layout (512KB, 1MB, 4MB, ...)
    #[arg(long)]
    pub flash_size: Option<String>,
    /// With --ota-check: the file system size of the layout (default: none)
    #[arg(long, default_value = "0")]
    pub fs_size: String,
}

/// `elf2image`.
#[derive(Debug, clap::Args)]
pub struct Elf2ImageArgs {
    /// ELF file
    pub filename: PathBuf,
    /// Output file name, or file name prefix for ESP8266 v1 images
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    /// ESP8266 image version
    #[arg(short = 'e', long, default_value = "1", value_parser = ["1", "2", "3"])]
    pub version: String,
    /// Minimal chip revision (deprecated: use --min-rev-full)
    #[arg(short = 'r', long, default_value_t = 0, hide = true, value_parser = clap::value_parser!(u8))]
    pub min_rev: u8,
    /// Minimal chip revision (major * 100 + minor)
    #[arg(long, default_value_t = 0)]
    pub min_rev_full: u16,
    /// Maximal chip revision (major * 100 + minor)
    #[arg(long, default_value_t = 65535)]
    pub max_rev_full: u16,
    /// Pad the image so that once signed it ends on a 64KB boundary (Secure Boot v1)
    #[arg(long)]
    pub secure_pad: bool,
    /// Pad the image so the signature sector starts at the next 64KB block (Secure Boot v2)
    #[arg(long)]
    pub secure_pad_v2: bool,
    /// Insert the SHA-256 of the ELF file at this offset of the image
    #[arg(long, value_parser = parse_int)]
    pub elf_sha256_offset: Option<u32>,
    /// Do not append a SHA-256 digest of the image (ignored for the ESP8266)
    #[arg(long)]
    pub dont_append_digest: bool,
    /// Build the image from ELF segments instead of sections
    #[arg(long)]
    pub use_segments: bool,
    /// Flash MMU page size
    #[arg(long, value_parser = ["64KB", "32KB", "16KB", "8KB"])]
    pub flash_mmu_page_size: Option<String>,
    /// Pad the image with 0xFF to a multiple of this size (KB or MB suffix)
    #[arg(long, alias = "fill-flash-size")]
    pub pad_to_size: Option<String>,
    /// Put RAM segments first and count only them in the header (implies
    /// --dont-append-digest)
    #[arg(long)]
    pub ram_only_header: bool,
    /// SPI flash mode
    #[arg(long, default_value = "qio", env = "ESPTOOL_FM")]
    pub flash_mode: FlashMode,
    /// SPI flash size
    #[arg(long, default_value = "1MB", env = "ESPTOOL_FS")]
    pub flash_size: FlashSize,
    /// SPI flash frequency (default: the chip's default, encoded as 0)
    #[arg(long, env = "ESPTOOL_FF")]
    pub flash_freq: Option<FlashFreq>,
}

/// `merge-bin`.
#[derive(Debug, clap::Args)]
pub struct MergeBinArgs {
    /// Pairs of flash address and file name
    #[arg(required = true, value_name = "ADDRESS FILENAME")]
    pub addr_filename: Vec<String>,
    /// Output file name
    #[arg(short = 'o', long, required = true)]
    pub output: String,
    /// Format of the output file
    #[arg(short = 'f', long, default_value = "raw", value_parser = ["raw", "uf2", "hex"])]
    pub format: String,
    /// UF2: payload bytes per 512-byte block (4-aligned)
    #[arg(long, value_parser = chunk_size)]
    pub chunk_size: Option<usize>,
    /// UF2: leave out the MD5 of each block
    #[arg(long)]
    pub md5_disable: bool,
    /// Raw: flash offset the output file will be written to
    #[arg(short = 't', long, default_value = "0", value_parser = parse_int)]
    pub target_offset: u32,
    /// Raw: pad the output with 0xFF up to this flash size (v4: --fill-flash-size)
    #[arg(long, alias = "fill-flash-size", value_parser = ["256KB", "512KB", "1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB"])]
    pub pad_to_size: Option<String>,
    /// -fm: flash mode to set in the bootloader image
    #[arg(long, default_value = "keep", env = "ESPTOOL_FM", value_parser = choices::flash_mode())]
    pub flash_mode: String,
    /// -fs: flash size to set in the bootloader image
    #[arg(long, default_value = "keep", env = "ESPTOOL_FS", value_parser = choices::image_flash_size())]
    pub flash_size: String,
    /// -ff: flash frequency to set in the bootloader image
    #[arg(long, default_value = "keep", env = "ESPTOOL_FF", value_parser = choices::flash_freq())]
    pub flash_freq: String,
}

/// A UF2 chunk size: 4-byte aligned.
fn chunk_size(s: &str) -> Result<usize, String> {
    let n = parse_int(s)? as usize;
    if n & 3 != 0 {
        return Err("Chunk size should be a 4-byte aligned number.".into());
    }
    Ok(n)
}
