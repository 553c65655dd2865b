//! `elf2image ELF`: an image from an ELF file, with esptool's options, output names and
//! lines.

use std::path::{Path, PathBuf};

use espctl_chips::{FlashFreq, FlashMode, FlashSize};
use espctl_image::elf2image::{
    Elf2ImageOptions, Elf2ImageOutput, Esp8266Version, SecurePad, elf2image,
};

use super::output::{parse_int, parse_size, print, read_input, required_chip, write_outputs};
use crate::fatal::Fatal;

#[derive(Debug, clap::Args)]
pub struct Args {
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

/// `path` without its extension, as Python's `os.path.splitext(path)[0]`.
fn without_extension(path: &str) -> &str {
    match Path::new(path).extension() {
        Some(ext) => &path[..path.len() - ext.len() - 1],
        None => path,
    }
}

pub fn run(chip: &str, args: Args) -> Result<(), Fatal> {
    let chip = required_chip(chip)?;
    let elf = read_input(&args.filename)?;
    let options = Elf2ImageOptions {
        esp8266_version: match args.version.as_str() {
            "2" => Esp8266Version::V2,
            "3" => Esp8266Version::V3,
            _ => Esp8266Version::V1,
        },
        flash_mode: args.flash_mode,
        flash_size: args.flash_size,
        flash_freq: args.flash_freq,
        min_rev: args.min_rev,
        min_rev_full: args.min_rev_full,
        max_rev_full: args.max_rev_full,
        secure_pad: if args.secure_pad_v2 {
            Some(SecurePad::V2)
        } else if args.secure_pad {
            Some(SecurePad::V1)
        } else {
            None
        },
        append_digest: !args.dont_append_digest,
        elf_sha256_offset: args.elf_sha256_offset,
        use_segments: args.use_segments,
        mmu_page_size: match &args.flash_mmu_page_size {
            Some(s) => Some(parse_size(s).map_err(Fatal)?),
            None => None,
        },
        pad_to_size: match &args.pad_to_size {
            Some(s) => Some(parse_size(s).map_err(Fatal)?),
            None => None,
        },
        ram_only_header: args.ram_only_header,
    };
    let output = elf2image(chip, &elf, &options, &mut print).map_err(|e| Fatal(e.to_string()))?;
    let input = args.filename.to_string_lossy().into_owned();
    let files = match output {
        // A file for the IROM bytes, named after their flash offset, and one for the rest.
        Elf2ImageOutput::Esp8266V1 { irom, main } => {
            let prefix = args.output.unwrap_or_else(|| format!("{input}-"));
            let mut files = Vec::new();
            if let Some((offset, data)) = irom {
                files.push((format!("{prefix}{offset:#07x}.bin").into(), data));
            }
            files.push((format!("{prefix}{:#07x}.bin", 0).into(), main));
            files
        }
        Elf2ImageOutput::Esp8266V2 { image, irom_offset } => {
            let name = args
                .output
                .unwrap_or_else(|| format!("{}-{irom_offset:#07x}.bin", without_extension(&input)));
            vec![(name.into(), image)]
        }
        Elf2ImageOutput::Single(image) => {
            let name = args
                .output
                .unwrap_or_else(|| format!("{}.bin", without_extension(&input)));
            vec![(name.into(), image)]
        }
    };
    write_outputs(&files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_the_last_extension() {
        assert_eq!(without_extension("dir/app.elf"), "dir/app");
        assert_eq!(without_extension("a.tar.gz"), "a.tar");
        assert_eq!(without_extension("dir.d/app"), "dir.d/app");
    }
}
