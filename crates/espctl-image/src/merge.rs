//! merge-bin: several files at their flash addresses into one raw, HEX or UF2 file.

use espctl_chips::{Chip, FLASH_SECTOR_SIZE};

use crate::ihex::HexData;
use crate::patch::{FlashParamsRequest, patch_flash_params};
use crate::uf2::{self, Uf2Options};
use crate::{ImageError, Message};

/// The largest flash any chip takes (128 MB): no raw file may be larger.
pub const MAX_RAW_SIZE: u64 = 128 << 20;

/// One input: where it goes, a name for messages, its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Flash address the file goes to (`merge-bin ADDRESS FILE`).
    pub addr: u32,
    /// The file name as given, for messages (`Adding 'NAME' at ...`, overlap errors).
    pub name: String,
    /// The file's bytes (one region of it for an Intel HEX input).
    pub data: Vec<u8>,
}

/// Output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `raw` (esptool's default): one binary, 0xFF between inputs; starts at
    /// `target_offset`, optionally padded to a size.
    Raw {
        /// `--target-offset`: the flash address of the file's first byte; no input may
        /// lie below it.
        target_offset: u32,
        /// `--pad-to-size` in bytes (a flash size such as `4MB`): the file is padded with
        /// 0xFF up to this flash address, so that it ends where such a flash ends.
        pad_to_size: Option<u32>,
    },
    /// `hex`: Intel HEX keeping the gaps between inputs (see [`crate::ihex`]).
    Hex,
    /// `uf2`: UF2 blocks for the chip's family ID (see [`crate::uf2`]).
    Uf2 {
        /// `--chunk-size`: payload bytes per block; `None` for the most that fits.
        chunk_size: Option<usize>,
        /// Whether each block carries the MD5 extension (esptool's default; off with
        /// `--md5-disable`).
        md5: bool,
    },
}

/// Inputs in address order, no two of them in the same flash sector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs(Vec<Input>);

impl Inputs {
    /// The inputs, lowest address first.
    pub fn as_slice(&self) -> &[Input] {
        &self.0
    }
}

/// Sorts the inputs by address and checks that no two touch the same flash sector
/// (esptool's rule: the sectors an input spans may not overlap those of the input
/// before it in address order).
pub fn sort_and_check_overlap(mut inputs: Vec<Input>) -> Result<Inputs, ImageError> {
    inputs.sort_by_key(|i| i.addr);
    let sector = FLASH_SECTOR_SIZE as i64;
    let mut end: i64 = 0;
    for i in &inputs {
        let start = i.addr as i64 & !(sector - 1);
        let last = ((i.addr as i64 + i.data.len() as i64 + sector - 1) & !(sector - 1)) - 1;
        if start < end {
            return Err(ImageError::Overlap {
                addr: i.addr,
                name: i.name.clone(),
            });
        }
        end = last;
    }
    Ok(Inputs(inputs))
}

/// Merges `inputs` into the bytes of the output file, patching the flash parameters of
/// the image at the bootloader offset. Lines go to `out`.
pub fn merge(
    chip: &Chip,
    inputs: &Inputs,
    format: Format,
    flash: &FlashParamsRequest,
    out: &mut dyn FnMut(Message),
) -> Result<Vec<u8>, ImageError> {
    let inputs = inputs.as_slice();
    let first = inputs.first().ok_or(ImageError::NoInput)?;
    if let Format::Raw {
        target_offset,
        pad_to_size,
    } = format
    {
        if first.addr < target_offset {
            return Err(ImageError::BeforeTargetOffset {
                target: target_offset,
                first: first.addr,
            });
        }
        // Deliberately stricter than esptool: a raw file larger than the largest flash
        // can never be flashed, and comes from a mistyped address.
        let end = inputs
            .iter()
            .map(|i| i.addr as u64 + i.data.len() as u64)
            .chain(pad_to_size.map(u64::from))
            .max()
            .unwrap_or(0);
        let size = end - target_offset as u64;
        if size > MAX_RAW_SIZE {
            return Err(ImageError::RawTooLarge { size });
        }
    }
    let patched = |input: &Input, out: &mut dyn FnMut(Message)| {
        let outcome = patch_flash_params(chip, input.addr, &input.data, flash)?;
        for m in outcome.messages() {
            out(m);
        }
        Ok::<_, ImageError>(outcome.data)
    };
    match format {
        Format::Raw {
            target_offset,
            pad_to_size,
        } => {
            out(Message::Hint(
                "Consider using --format hex to avoid flashing unused 0xFF padding between input regions.".into(),
            ));
            let mut file = Vec::new();
            let pad_to = |file: &mut Vec<u8>, addr: u32| {
                let want = (addr as i64 - target_offset as i64).max(0) as usize;
                if want > file.len() {
                    file.resize(want, 0xFF);
                }
            };
            for input in inputs {
                pad_to(&mut file, input.addr);
                file.extend(patched(input, out)?);
            }
            if let Some(size) = pad_to_size {
                pad_to(&mut file, size);
            }
            Ok(file)
        }
        Format::Hex => {
            if inputs.len() == 1 {
                out(Message::Warning(
                    "Only one input file specified, output may include additional padding if input file was previously merged. Please refer to the documentation for more information: https://docs.espressif.com/projects/esptool/en/latest/esptool/basic-commands.html#hex-output-format".into(),
                ));
            }
            let mut hex = HexData::new();
            for input in inputs {
                hex.insert(input.addr, &patched(input, out)?)?;
            }
            Ok(hex.to_hex().into_bytes())
        }
        Format::Uf2 { chunk_size, md5 } => {
            let options = Uf2Options {
                family_id: chip.image.uf2_family_id,
                chunk_size,
                md5,
            };
            uf2::check_chunk_size(&options)?;
            let mut file = Vec::new();
            for input in inputs {
                out(Message::Print(format!(
                    "Adding '{}' at {:#x}...",
                    input.name, input.addr
                )));
                uf2::add_file(&mut file, input.addr, &patched(input, out)?, &options);
            }
            Ok(file)
        }
    }
}
