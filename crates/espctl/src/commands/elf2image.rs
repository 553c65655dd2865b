//! `elf2image ELF`: an image from an ELF file, with esptool's options, output names and
//! lines.

use crate::fatal::Fatal;
use crate::files::{read_input, write_outputs};
use crate::render::print_message;
use espctl_chips::Chip;
use espctl_image::elf2image::{Elf2ImageOptions, Elf2ImageOutput, elf2image as build};
use std::path::{Path, PathBuf};

/// `elf2image`.
#[derive(Debug, Clone)]
pub struct Elf2Image {
    /// The chip the image is for.
    pub chip: &'static Chip,
    /// The ELF file.
    pub input: PathBuf,
    /// Output file name (or name prefix for ESP8266 v1 images); `None` derives it from
    /// the input's name.
    pub output: Option<String>,
    /// How to build the image.
    pub options: Elf2ImageOptions,
}

/// `path` without its extension, as Python's `os.path.splitext(path)[0]`.
fn without_extension(path: &str) -> &str {
    match Path::new(path).extension() {
        Some(ext) => &path[..path.len() - ext.len() - 1],
        None => path,
    }
}

/// `elf2image`.
pub fn elf2image(cmd: Elf2Image) -> Result<(), Fatal> {
    let elf = read_input(&cmd.input)?;
    let output = build(cmd.chip, &elf, &cmd.options, &mut print_message)?;
    let input = cmd.input.to_string_lossy().into_owned();
    let files = match output {
        // A file for the IROM bytes, named after their flash offset, and one for the rest.
        Elf2ImageOutput::Esp8266V1 { irom, main } => {
            let prefix = cmd.output.unwrap_or_else(|| format!("{input}-"));
            let mut files = Vec::new();
            if let Some((offset, data)) = irom {
                files.push((format!("{prefix}{offset:#07x}.bin").into(), data));
            }
            files.push((format!("{prefix}{:#07x}.bin", 0).into(), main));
            files
        }
        Elf2ImageOutput::Esp8266V2 { image, irom_offset } => {
            let name = cmd
                .output
                .unwrap_or_else(|| format!("{}-{irom_offset:#07x}.bin", without_extension(&input)));
            vec![(name.into(), image)]
        }
        Elf2ImageOutput::Single(image) => {
            let name = cmd
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
