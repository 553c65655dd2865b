//! `merge-bin -o OUT ADDR FILE...`: one raw, Intel HEX or UF2 file from several inputs.

use crate::console::say;
use std::path::Path;

use espctl_chips::{FlashFreq, FlashMode, FlashSize};
use espctl_image::ihex::regions_if_hex;
use espctl_image::merge::{Format, Input, merge, sort_and_check_overlap};
use espctl_image::{FlashParamsRequest, Setting};

use super::output::{parse_int, print, read_input, required_chip, write_output};
use crate::fatal::Fatal;

#[derive(Debug, clap::Args)]
pub struct Args {
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
    /// Flash mode to set in the bootloader image (or keep)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FM")]
    pub flash_mode: String,
    /// Flash size to set in the bootloader image (or keep)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FS")]
    pub flash_size: String,
    /// Flash frequency to set in the bootloader image (or keep)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FF")]
    pub flash_freq: String,
}

fn chunk_size(s: &str) -> Result<usize, String> {
    let n = parse_int(s)? as usize;
    if n & 3 != 0 {
        return Err("Chunk size should be a 4-byte aligned number.".into());
    }
    Ok(n)
}

fn setting<T: std::str::FromStr<Err: ToString>>(s: &str) -> Result<Setting<T>, Fatal> {
    if s == "keep" {
        Ok(Setting::Keep)
    } else {
        s.parse()
            .map(Setting::Set)
            .map_err(|e: T::Err| Fatal(e.to_string()))
    }
}

pub fn run(chip: &str, args: Args) -> Result<(), Fatal> {
    if !args.addr_filename.len().is_multiple_of(2) {
        return Err(Fatal(
            "Must be pairs of an address and the binary filename to write there.".into(),
        ));
    }
    let request = FlashParamsRequest {
        mode: setting::<FlashMode>(&args.flash_mode)?,
        size: setting::<FlashSize>(&args.flash_size)?,
        freq: setting::<FlashFreq>(&args.flash_freq)?,
    };
    let mut inputs = Vec::new();
    for pair in args.addr_filename.chunks(2) {
        let addr = parse_int(&pair[0])
            .map_err(|_| Fatal(format!("Address \"{}\" must be a number.", pair[0])))?;
        let data = read_input(Path::new(&pair[1]))?;
        // An Intel HEX input brings its own addresses, one input per region.
        match regions_if_hex(&data) {
            Some(regions) => inputs.extend(regions.into_iter().map(|(a, d)| Input {
                addr: a,
                name: pair[1].clone(),
                data: d,
            })),
            None => inputs.push(Input {
                addr,
                name: pair[1].clone(),
                data,
            }),
        }
    }
    let fatal = |e: espctl_image::ImageError| Fatal(e.to_string());
    let inputs = sort_and_check_overlap(inputs).map_err(fatal)?;
    let chip = required_chip(chip)?;
    let target_offset = args.target_offset;
    let format = match args.format.as_str() {
        "hex" => Format::Hex,
        "uf2" => Format::Uf2 {
            chunk_size: args.chunk_size,
            md5: !args.md5_disable,
        },
        _ => Format::Raw {
            target_offset,
            pad_to_size: args
                .pad_to_size
                .as_deref()
                .map(super::output::parse_size)
                .transpose()
                .map_err(Fatal)?,
        },
    };
    let file = merge(chip, &inputs, format, &request, &mut print).map_err(fatal)?;
    write_output(Path::new(&args.output), &file)?;
    let ready = match format {
        Format::Uf2 { .. } => "ready to be flashed with any ESP USB Bridge".to_string(),
        _ => format!("ready to flash to offset {target_offset:#x}"),
    };
    say!(
        "Wrote {:#x} bytes to file '{}', {ready}.",
        file.len(),
        args.output
    );
    Ok(())
}
