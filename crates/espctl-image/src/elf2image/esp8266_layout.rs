//! ESP8266 v1 and v2 images: the ROM (v1) or a software bootloader (v2) loads the RAM
//! segments; the IROM section is a raw file of its own (v1) or the first part of the
//! image (v2).

use espctl_chips::{Chip, FLASH_SECTOR_SIZE};

use super::Elf2ImageOutput;
use super::sections::split_irom;
use super::writer::Writer;
use crate::checksum::{self, CHECKSUM_SEED};
use crate::elf::ElfSection;
use crate::esp8266::V2_SEGMENT_COUNT;
use crate::segment::{CommonHeader, IMAGE_MAGIC, IMAGE_V2_MAGIC, append_checksum};
use crate::{ImageError, pad_to};

/// Header, RAM segments, checksum: the part of both versions the ROM reads.
fn write_ram_image(
    w: &mut Writer,
    header: CommonHeader,
    segments: &[ElfSection],
) -> Result<(), ImageError> {
    header.write(IMAGE_MAGIC, segments.len() as u8, &mut w.out);
    let mut sum = CHECKSUM_SEED;
    for s in segments {
        sum = w.segment_sum(s.addr, &s.data, "", sum)?;
    }
    append_checksum(&mut w.out, sum);
    Ok(())
}

/// v1: the RAM image, and the IROM bytes with their offset in flash.
pub(super) fn v1(
    chip: &Chip,
    mut w: Writer,
    header: CommonHeader,
    sections: Vec<ElfSection>,
) -> Result<Elf2ImageOutput, ImageError> {
    let (irom, normal) = split_irom(chip, sections)?;
    write_ram_image(&mut w, header, &normal)?;
    Ok(Elf2ImageOutput::Esp8266V1 {
        irom: irom.map(|s| (s.addr - chip.image.irom.start, s.data)),
        main: w.out,
    })
}

/// v2: a first header, the IROM section at load address 0 (padded to 16 bytes), the RAM
/// image, then a CRC of all that.
pub(super) fn v2(
    chip: &Chip,
    mut w: Writer,
    header: CommonHeader,
    sections: Vec<ElfSection>,
) -> Result<Elf2ImageOutput, ImageError> {
    let (irom, normal) = split_irom(chip, sections)?;
    header.write(IMAGE_V2_MAGIC, V2_SEGMENT_COUNT, &mut w.out);
    let irom_offset = irom.as_ref().map_or(0, |s| s.addr - chip.image.irom.start);
    if let Some(irom) = irom {
        let mut data = irom.data;
        pad_to(&mut data, 16, 0);
        w.segment(0, &data, "")?;
    }
    write_ram_image(&mut w, header, &normal)?;
    let crc = checksum::esp8266_crc32(&w.out);
    w.out.extend(crc.to_le_bytes());
    Ok(Elf2ImageOutput::Esp8266V2 {
        image: w.out,
        irom_offset: irom_offset & !(FLASH_SECTOR_SIZE - 1),
    })
}
