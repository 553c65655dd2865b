//! `load-ram IMAGE`: loads an application image's segments into RAM and runs it.

use super::connect::{Device, Target, open};
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::read_input;
use espctl_image::FirmwareImage;
use std::path::Path;

/// `load-ram`. The chip is left as it is, whatever happens: it runs the loaded code,
/// or is still in its loader when loading failed (as esptool leaves it).
pub fn load_ram(target: &Target, image: &Path) -> Result<(), Fatal> {
    let data = read_input(image)?;
    let mut device = open(target)?;
    let result = load(&mut device, image, &data);
    device.flasher.abandon();
    result?;
    say!();
    say!("Exiting immediately.");
    Ok(())
}

fn load(device: &mut Device, image: &Path, data: &[u8]) -> Result<(), Fatal> {
    let chip = device.flasher.chip();
    let parsed = FirmwareImage::parse(chip, data).map_err(|e| {
        Fatal(format!(
            "'{}' is not a {} image: {e}",
            image.display(),
            chip.name
        ))
    })?;
    let segments: Vec<(u32, Vec<u8>)> = parsed
        .image
        .segments()
        .into_iter()
        .map(|s| (s.addr, s.data.clone()))
        .collect();
    let entry = parsed.image.header().entry;
    let name = image.display();
    say!("Loading '{name}' to RAM...");
    device.flasher.load_ram(&segments, entry)?;
    say!(
        "Loaded {} segments from '{name}' to RAM, executing at {entry:#010x}.",
        segments.len()
    );
    Ok(())
}
