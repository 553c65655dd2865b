//! `merge-bin -o OUT ADDR FILE...`: one raw, Intel HEX or UF2 file from several inputs.

use crate::console::say;
use crate::fatal::Fatal;
use crate::files::{read_input, write_output};
use crate::render::print_message;
use espctl_chips::Chip;
use espctl_image::FlashParamsRequest;
use espctl_image::ihex::regions_if_hex;
use espctl_image::merge::{Format, Input, merge, sort_and_check_overlap};
use std::path::{Path, PathBuf};

/// `merge-bin`.
#[derive(Debug, Clone)]
pub struct MergeBin {
    /// The chip the bootloader image is for.
    pub chip: &'static Chip,
    /// Address and file name of each input (Intel HEX inputs bring their addresses).
    pub inputs: Vec<(u32, String)>,
    /// The file to write.
    pub output: PathBuf,
    /// Raw, Intel HEX or UF2.
    pub format: Format,
    /// The flash offset the output is meant for (`-t`), named in the closing line.
    pub target_offset: u32,
    /// Header values for the bootloader image.
    pub header: FlashParamsRequest,
}

/// `merge-bin`.
pub fn merge_bin(cmd: MergeBin) -> Result<(), Fatal> {
    let mut inputs = Vec::new();
    for (addr, name) in &cmd.inputs {
        let data = read_input(Path::new(name))?;
        // An Intel HEX input brings its own addresses, one input per region.
        match regions_if_hex(&data) {
            Some(regions) => inputs.extend(regions.into_iter().map(|(a, d)| Input {
                addr: a,
                name: name.clone(),
                data: d,
            })),
            None => inputs.push(Input {
                addr: *addr,
                name: name.clone(),
                data,
            }),
        }
    }
    let inputs = sort_and_check_overlap(inputs)?;
    let file = merge(
        cmd.chip,
        &inputs,
        cmd.format,
        &cmd.header,
        &mut print_message,
    )?;
    write_output(&cmd.output, &file)?;
    let ready = match cmd.format {
        Format::Uf2 { .. } => "ready to be flashed with any ESP USB Bridge".to_string(),
        _ => format!("ready to flash to offset {:#x}", cmd.target_offset),
    };
    say!(
        "Wrote {:#x} bytes to file '{}', {ready}.",
        file.len(),
        cmd.output.display()
    );
    Ok(())
}
