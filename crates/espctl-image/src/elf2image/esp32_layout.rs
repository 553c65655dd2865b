//! The ESP32-family layout (also the body of ESP8266 v3 images): flash-mapped segments
//! sit at file offsets congruent to their address modulo the MMU page, the gaps filled
//! with RAM segments (split as needed) or zero padding segments.

use std::collections::VecDeque;

use espctl_chips::Chip;
use sha2::{Digest, Sha256};

use super::SecurePad;
use super::writer::Writer;
use crate::ImageError;
use crate::checksum::CHECKSUM_SEED;
use crate::elf::ElfSection;
use crate::esp32::ExtendedHeader;
use crate::segment::{CommonHeader, IMAGE_MAGIC, SEGMENT_HEADER_LEN, append_checksum};

/// How an ESP32-family image is laid out.
pub(super) struct Layout<'a> {
    pub chip: &'a Chip,
    /// Flash MMU page size.
    pub page: u32,
    pub append_digest: bool,
    pub secure_pad: Option<SecurePad>,
    /// Only the RAM segments are counted in the header (the ROM skips the rest).
    pub ram_only_header: bool,
}

/// Sorts `sections` by address and splits them into flash-mapped and RAM ones.
fn flash_and_ram(
    sections: Vec<ElfSection>,
    is_flash: &dyn Fn(u32) -> bool,
) -> (Vec<ElfSection>, Vec<ElfSection>) {
    let mut sorted = sections;
    sorted.sort_by_key(|s| s.addr);
    sorted.into_iter().partition(|s| is_flash(s.addr))
}

/// Moves the section called `name` to the front.
fn to_front(sections: &mut Vec<ElfSection>, name: &str) {
    if let Some(i) = sections.iter().position(|s| s.name == name) {
        let s = sections.remove(i);
        sections.insert(0, s);
    }
}

/// An ESP32-family image: header, extended header, segments, checksum and the digest.
pub(super) fn write(
    mut w: Writer,
    header: CommonHeader,
    extended: ExtendedHeader,
    sections: Vec<ElfSection>,
    layout: &Layout,
    is_flash: &dyn Fn(u32) -> bool,
) -> Result<Vec<u8>, ImageError> {
    let page = layout.page as i64;
    header.write(IMAGE_MAGIC, 0, &mut w.out);
    extended.write(&mut w.out);
    let (mut flash, mut ram) = flash_and_ram(sections, is_flash);
    // The app descriptor must be the first flash segment, the bootloader descriptor the
    // first RAM segment (so that it lands at offset 0x20).
    to_front(&mut flash, ".flash.appdesc");
    to_front(&mut ram, ".dram0.bootdesc");
    check_pages(&flash, layout.page)?;

    let mut sum = CHECKSUM_SEED;
    let mut count: usize = 0;
    let ram_count = ram.len();
    if layout.ram_only_header {
        for s in &ram {
            sum = w.segment_sum(s.addr, &s.data, &s.name, sum)?;
            count += 1;
        }
        append_checksum(&mut w.out, sum);
        flash.reverse();
        // The image is flashed at the bootloader offset: the flash segments are placed
        // for that.
        let offset = layout.chip.bootloader_offset as i64;
        for s in &flash {
            let mut pad =
                (s.addr as i64 - w.pos() as i64 - 2 * SEGMENT_HEADER_LEN as i64).rem_euclid(page);
            if pad < offset {
                pad += page;
            }
            pad -= offset;
            w.segment(0, &vec![0; pad.max(0) as usize], &s.name)?;
            count += 1;
            flash_segment(&mut w, s, layout)?;
            count += 1;
        }
    } else {
        let mut flash = VecDeque::from(flash);
        while let Some(s) = flash.front() {
            let pad = alignment_needed(s.addr, w.pos(), page);
            if pad > 0 {
                let name = s.name.clone();
                if !ram.is_empty() && pad > SEGMENT_HEADER_LEN {
                    // Fill the gap with the start of the first RAM segment.
                    let first = &mut ram[0];
                    let take = pad.min(first.data.len());
                    let part: Vec<u8> = first.data.drain(..take).collect();
                    let addr = first.addr;
                    first.addr = first.addr.wrapping_add(take as u32);
                    if first.data.is_empty() {
                        ram.remove(0);
                    }
                    sum = w.segment_sum(addr, &part, &name, sum)?;
                } else {
                    sum = w.segment_sum(0, &vec![0; pad], &name, sum)?;
                }
                count += 1;
            } else {
                let s = flash.pop_front().expect("front exists");
                sum ^= flash_segment(&mut w, &s, layout)?;
                count += 1;
            }
        }
        for s in &ram {
            sum = w.segment_sum(s.addr, &s.data, &s.name, sum)?;
            count += 1;
        }
    }

    if let Some(pad) = layout.secure_pad {
        if !layout.append_digest {
            return Err(ImageError::SecurePadWithoutDigest);
        }
        let align_past = (w.pos() as i64 + SEGMENT_HEADER_LEN as i64) % page;
        // Room after the 16-byte aligned checksum for what signing appends.
        let after_checksum = match pad {
            SecurePad::V1 => 32 + 4 + 64 + 12,
            SecurePad::V2 => 32,
        };
        let len = (page - align_past - 16 - after_checksum).rem_euclid(page);
        sum = w.segment_sum(0, &vec![0; len as usize], "", sum)?;
        count += 1;
    }
    if !layout.ram_only_header {
        append_checksum(&mut w.out, sum);
    }
    w.out[1] = if layout.ram_only_header {
        ram_count as u8
    } else {
        count as u8
    };
    if layout.append_digest {
        let digest = Sha256::digest(&w.out);
        w.out.extend(digest);
    }
    Ok(w.out)
}

/// An ESP8266 v3 image: flash segments first (`.flash.rodata` minus its first 8 bytes),
/// then RAM segments, the checksum and always a digest. No extended header.
pub(super) fn esp8266_v3(
    mut w: Writer,
    header: CommonHeader,
    sections: Vec<ElfSection>,
    page: u32,
    is_flash: &dyn Fn(u32) -> bool,
) -> Result<Vec<u8>, ImageError> {
    header.write(IMAGE_MAGIC, 0, &mut w.out);
    let sections = sections
        .into_iter()
        .filter(|s| !s.data.is_empty())
        .collect();
    let (mut flash, ram) = flash_and_ram(sections, is_flash);
    check_pages(&flash, page)?;
    let mut sum = CHECKSUM_SEED;
    let mut count = 0u8;
    for s in flash.iter_mut() {
        if s.name == ".flash.rodata" {
            s.data.drain(..8.min(s.data.len()));
        }
        sum = w.segment_sum(s.addr, &s.data, "", sum)?;
        count += 1;
    }
    for s in &ram {
        sum = w.segment_sum(s.addr, &s.data, "", sum)?;
        count += 1;
    }
    append_checksum(&mut w.out, sum);
    w.out[1] = count;
    let digest = Sha256::digest(&w.out);
    w.out.extend(digest);
    Ok(w.out)
}

/// Writes a flash-mapped segment. Where the chip needs it (the ESP32) the segment first
/// grows to end at least 0x24 bytes past an MMU page boundary: old ESP-IDF bootloaders
/// left the last page unmapped otherwise.
fn flash_segment(w: &mut Writer, s: &ElfSection, layout: &Layout) -> Result<u8, ImageError> {
    let mut data = s.data.clone();
    if layout.chip.image.pad_flash_segment_tail {
        let end = w.pos() + data.len() + SEGMENT_HEADER_LEN;
        let rem = end % layout.page as usize;
        if rem < 0x24 {
            data.resize(data.len() + 0x24 - rem, 0);
        }
    }
    w.segment(s.addr, &data, &s.name)
}

/// Padding needed before a flash segment at `addr` when the file is at `pos`, so that
/// its data lands at a file offset congruent to `addr` modulo the page. Accounts for the
/// padding segment's own header.
fn alignment_needed(addr: u32, pos: usize, page: i64) -> usize {
    let align_past = (addr as i64 % page) - SEGMENT_HEADER_LEN as i64;
    let mut pad = (page - (pos as i64 % page)) + align_past;
    if pad == 0 || pad == page {
        return 0;
    }
    pad -= SEGMENT_HEADER_LEN as i64;
    if pad < 0 {
        pad += page;
    }
    pad as usize
}

/// Two flash sections in one MMU page cannot both be mapped.
fn check_pages(flash: &[ElfSection], page: u32) -> Result<(), ImageError> {
    for pair in flash.windows(2) {
        if pair[1].addr / page == pair[0].addr / page {
            return Err(ImageError::SameFlashPage {
                addr: pair[1].addr,
                previous: pair[0].addr,
                page_kb: page / 1024,
            });
        }
    }
    Ok(())
}
