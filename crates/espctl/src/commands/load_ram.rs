//! `load-ram IMAGE`: loads an application image's segments into RAM and runs it.

use super::device::{Global, connect, to_fatal};
use super::output::read_input;
use crate::console::say;
use crate::fatal::Fatal;
use espctl_image::FirmwareImage;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Application image whose segments all load into RAM
    pub filename: PathBuf,
}

pub fn run(g: &Global, args: Args) -> Result<(), Fatal> {
    let data = read_input(&args.filename)?;
    let mut device = connect(g)?;
    let chip = device.session.chip();
    let parsed = FirmwareImage::parse(chip, &data).map_err(|e| {
        Fatal(format!(
            "'{}' is not a {} image: {e}",
            args.filename.display(),
            chip.name
        ))
    })?;
    let image = parsed.image;
    let segments: Vec<(u32, Vec<u8>)> = image
        .segments()
        .into_iter()
        .map(|s| (s.addr, s.data.clone()))
        .collect();
    let entry = image.header().entry;
    let name = args.filename.display();
    say!("Loading '{name}' to RAM...");
    device
        .session
        .load_ram(&segments, entry)
        .map_err(to_fatal)?;
    say!(
        "Loaded {} segments from '{name}' to RAM, executing at {entry:#010x}.",
        segments.len()
    );
    // The chip runs the loaded code now: no reset.
    say!();
    say!("Exiting immediately.");
    Ok(())
}
