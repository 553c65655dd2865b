//! elf2image: an image from an ELF file, laid out byte for byte as esptool 5.6.0 does.

use espctl_chips::{Chip, FlashFreq, FlashMode, FlashSize, ImageFormat};
use sha2::{Digest, Sha256};

use crate::checksum::{self, CHECKSUM_SEED};
use crate::descriptor::AppDescriptor;
use crate::elf::{Elf, ElfSection};
use crate::esp32::ExtendedHeader;
use crate::patch::{flash_freq_code, flash_size_code};
use crate::segment::{
    CommonHeader, IMAGE_MAGIC, IMAGE_V2_MAGIC, MAX_SEGMENTS, SEGMENT_HEADER_LEN, append_checksum,
};
use crate::{ImageError, Message};

/// ESP8266 image version (`--version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Esp8266Version {
    /// RAM segments in one file, IROM raw in another.
    #[default]
    V1,
    /// One "irom" image with a CRC, for a software bootloader.
    V2,
    /// ESP32-like body without an extended header.
    V3,
}

/// Secure Boot padding (`--secure-pad` / `--secure-pad-v2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurePad {
    /// Room for digest, version, signature and 12 bytes (ESP32, Secure Boot v1).
    V1,
    /// Room for the digest; the signature sector starts at the next MMU page.
    V2,
}

/// Options of elf2image, defaults as esptool's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elf2ImageOptions {
    pub esp8266_version: Esp8266Version,
    pub flash_mode: FlashMode,
    pub flash_size: FlashSize,
    /// `None` encodes as 0 (each chip's default frequency).
    pub flash_freq: Option<FlashFreq>,
    pub min_rev: u8,
    pub min_rev_full: u16,
    pub max_rev_full: u16,
    pub secure_pad: Option<SecurePad>,
    pub append_digest: bool,
    /// Where to put the ELF's SHA-256 (0 or none: at 0xB0 when the app descriptor is in
    /// flash).
    pub elf_sha256_offset: Option<u32>,
    pub use_segments: bool,
    pub mmu_page_size: Option<u32>,
    /// Pad the image with 0xFF to a multiple of this many bytes.
    pub pad_to_size: Option<u32>,
    pub ram_only_header: bool,
}

impl Default for Elf2ImageOptions {
    fn default() -> Self {
        Elf2ImageOptions {
            esp8266_version: Esp8266Version::V1,
            flash_mode: FlashMode::Qio,
            flash_size: FlashSize::Mb1,
            flash_freq: None,
            min_rev: 0,
            min_rev_full: 0,
            max_rev_full: 0xFFFF,
            secure_pad: None,
            append_digest: true,
            elf_sha256_offset: None,
            use_segments: false,
            mmu_page_size: None,
            pad_to_size: None,
            ram_only_header: false,
        }
    }
}

/// The files elf2image produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elf2ImageOutput {
    /// ESP8266 v1: the IROM bytes (with their offset in flash) and the RAM image at 0.
    Esp8266V1 {
        irom: Option<(u32, Vec<u8>)>,
        main: Vec<u8>,
    },
    /// ESP8266 v2; `irom_offset` names the default output file.
    Esp8266V2 { image: Vec<u8>, irom_offset: u32 },
    /// ESP32 family and ESP8266 v3.
    Single(Vec<u8>),
}

/// Memory types of `addr` on `chip` (what decides whether two sections merge).
fn types(chip: &Chip, addr: u32) -> Vec<&'static str> {
    chip.image.memory_types(addr)
}

/// Converts an ELF file. Lines esptool prints go to `out` in order (some errors come
/// after `Successfully created ...`, as with esptool).
pub fn elf2image(
    chip: &Chip,
    elf_data: &[u8],
    options: &Elf2ImageOptions,
    out: &mut dyn FnMut(Message),
) -> Result<Elf2ImageOutput, ImageError> {
    let elf = Elf::parse(elf_data, "Image", out)?;
    out(Message::Print(format!("Creating {} image...", chip.name)));
    let esp8266 = chip.image.format == ImageFormat::Esp8266;
    let version = if esp8266 {
        Some(options.esp8266_version)
    } else {
        None
    };

    // Flash MMU page: the alignment of flash-mapped segments.
    let mut page = match version {
        Some(Esp8266Version::V1 | Esp8266Version::V2) => 0,
        // v3 images are laid out like ESP32 images, with 64 KB pages.
        Some(Esp8266Version::V3) => 0x1_0000,
        None => chip.image.mmu_page_size,
    };
    let configurable = if version.is_some() {
        &[][..]
    } else {
        chip.image.mmu_page_sizes
    };
    let mut set_page = |size: u32, out: &mut dyn FnMut(Message)| -> Result<(), ImageError> {
        if configurable.is_empty() && size != page {
            out(Message::Warning(if page != 0 {
                format!(
                    "Changing MMU page size is not supported on {}! Defaulting to {}KB.",
                    chip.name,
                    page / 1024
                )
            } else {
                String::new()
            }));
        } else if !configurable.is_empty() && !configurable.contains(&size) {
            return Err(ImageError::BadMmuPageSize {
                size,
                chip: chip.name,
                valid: configurable
                    .iter()
                    .map(|s| format!("{}KB", s / 1024))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        } else {
            page = size;
        }
        Ok(())
    };
    let is_flash = |addr: u32| match version {
        Some(Esp8266Version::V3) => addr > chip.image.irom.start,
        Some(_) => false,
        None => chip.image.is_flash_addr(addr),
    };
    if let Some(size) = options.mmu_page_size {
        set_page(size, out)?;
    } else if let Some(appdesc) = elf
        .sections
        .iter()
        .find(|s| s.name.contains(".flash.appdesc"))
        && is_flash(appdesc.addr)
        && !configurable.is_empty()
        && let Some(desc) = AppDescriptor::parse(&appdesc.data)
    {
        if let Some(size) = desc.mmu_page_size() {
            set_page(size.min(u32::MAX as u64) as u32, out)?;
        } else if let Some(&size) = configurable
            .iter()
            .rev()
            .find(|&&size| (appdesc.addr.wrapping_sub(24 + 8)) % size == 0)
        {
            set_page(size, out)?;
            out(Message::Print(format!(
                "MMU page size not specified, set to {} KB",
                size / 1024
            )));
        } else {
            out(Message::Warning(
                "App description segment is not aligned to MMU page size, probably linker script issue or wrong MMU page size. Try to set MMU page size parameter manually.".into(),
            ));
        }
    }

    // esptool builds v3 images with the ESP32's header encodings and memory map.
    let codes_chip: &Chip = if version == Some(Esp8266Version::V3) {
        &espctl_chips::esp32::ESP32
    } else {
        chip
    };
    let mut segments = if options.use_segments {
        elf.segments.clone()
    } else {
        elf.sections.clone()
    };
    let size_code = flash_size_code(codes_chip, options.flash_size)?;
    let freq_code = match options.flash_freq {
        None => 0,
        Some(f) => flash_freq_code(codes_chip, f)?,
    };
    let header = CommonHeader {
        flash_mode: options.flash_mode.code(),
        flash_size_freq: size_code.wrapping_add(freq_code),
        entry: elf.entry,
    };

    let elf_sha = match options.elf_sha256_offset {
        Some(offset) if offset != 0 => Some(offset),
        _ => segments
            .iter()
            .find(|s| s.name.contains(".flash.appdesc"))
            .filter(|s| is_flash(s.addr))
            .map(|_| 0xB0),
    }
    .map(|offset| (offset, elf.sha256));

    if options.ram_only_header {
        out(Message::Print(
            "Image has only RAM segments visible. ROM segments are hidden and SHA256 digest is not appended.".into(),
        ));
        segments.sort_by_key(|s| s.addr);
    }
    let before = segments.len();
    let segments = merge_adjacent(chip, segments, options.ram_only_header && !esp8266, out);
    if segments.len() != before {
        let delta = before - segments.len();
        out(Message::Print(format!(
            "Merged {delta} ELF section{}.",
            if delta > 1 { "s" } else { "" }
        )));
    }
    if segments.len() > MAX_SEGMENTS {
        return Err(ImageError::TooManySegments(segments.len()));
    }
    if segments.is_empty() {
        return Err(ImageError::NothingToLoad);
    }
    out(Message::Print(format!(
        "Successfully created {} image.",
        chip.name
    )));

    let mut w = Writer {
        out: Vec::new(),
        elf_sha,
    };
    match version {
        Some(Esp8266Version::V1) => {
            let (irom, normal) = split_irom(chip, segments)?;
            header.write(IMAGE_MAGIC, normal.len() as u8, &mut w.out);
            let mut sum = CHECKSUM_SEED;
            for s in &normal {
                sum = w.segment_sum(s.addr, &s.data, "", sum)?;
            }
            append_checksum(&mut w.out, sum);
            Ok(Elf2ImageOutput::Esp8266V1 {
                irom: irom.map(|s| (s.addr - chip.image.irom.start, s.data)),
                main: w.out,
            })
        }
        Some(Esp8266Version::V2) => {
            let (irom, normal) = split_irom(chip, segments)?;
            header.write(IMAGE_V2_MAGIC, crate::esp8266::V2_SEGMENT_COUNT, &mut w.out);
            let irom_offset = irom.as_ref().map_or(0, |s| s.addr - chip.image.irom.start);
            if let Some(irom) = irom {
                let mut data = irom.data;
                crate::pad_to(&mut data, 16, 0);
                w.segment(0, &data, "")?;
            }
            header.write(IMAGE_MAGIC, normal.len() as u8, &mut w.out);
            let mut sum = CHECKSUM_SEED;
            for s in &normal {
                sum = w.segment_sum(s.addr, &s.data, "", sum)?;
            }
            append_checksum(&mut w.out, sum);
            let crc = checksum::esp8266_crc32(&w.out);
            w.out.extend(crc.to_le_bytes());
            Ok(Elf2ImageOutput::Esp8266V2 {
                image: w.out,
                irom_offset: irom_offset & !(espctl_chips::FLASH_SECTOR_SIZE - 1),
            })
        }
        Some(Esp8266Version::V3) => {
            let mut image = w.esp8266_v3(header, segments, page, &is_flash)?;
            // v3 images always carry a digest (esptool ignores --dont-append-digest here).
            let digest = Sha256::digest(&image);
            image.extend(digest);
            Ok(Elf2ImageOutput::Single(image))
        }
        None => {
            let mut extended = ExtendedHeader::new(chip.image_chip_id.unwrap_or(0));
            extended.min_rev = options.min_rev;
            extended.min_rev_full = options.min_rev_full;
            extended.max_rev_full = options.max_rev_full;
            let append_digest = options.append_digest && !options.ram_only_header;
            extended.hash_appended = append_digest;
            let secure_pad = match options.secure_pad {
                Some(SecurePad::V1) if !chip.image.secure_boot_v1 => None,
                other => other,
            };
            let layout = Layout {
                chip,
                page,
                append_digest,
                secure_pad,
                ram_only_header: options.ram_only_header,
            };
            let mut image = w.esp32(header, extended, segments, &layout, &is_flash)?;
            if let Some(size) = options.pad_to_size.filter(|&s| s != 0) {
                let rem = image.len() % size as usize;
                if rem != 0 {
                    image.resize(image.len() + size as usize - rem, 0xFF);
                }
            }
            Ok(Elf2ImageOutput::Single(image))
        }
    }
}

/// Separates the ESP8266 IROM segment (there may be one) from the others.
fn split_irom(
    chip: &Chip,
    segments: Vec<ElfSection>,
) -> Result<(Option<ElfSection>, Vec<ElfSection>), ImageError> {
    let (irom, normal): (Vec<_>, Vec<_>) = segments
        .into_iter()
        .partition(|s| chip.image.irom.contains(s.addr));
    if irom.len() > 1 {
        return Err(ImageError::TooManyIromSegments(irom.len()));
    }
    Ok((irom.into_iter().next(), normal))
}

/// Merges each section into the one before it when it starts where that one ends and
/// both are in the same memory types. With `pad_for_alignment` (ESP32 `--ram-only-header`)
/// a gap that only exists for the next section's alignment is filled with zeros first.
fn merge_adjacent(
    chip: &Chip,
    mut segments: Vec<ElfSection>,
    pad_for_alignment: bool,
    out: &mut dyn FnMut(Message),
) -> Vec<ElfSection> {
    if segments.is_empty() {
        return segments;
    }
    let mut kept_after_first: Vec<ElfSection> = Vec::new();
    // Walk backwards so that a chain of adjacent sections collapses into its first one.
    for i in (1..segments.len()).rev() {
        let (head, tail) = segments.split_at_mut(i);
        let elem = &mut head[i - 1];
        let next = &tail[0];
        if pad_for_alignment {
            let end = elem.addr as u64 + elem.data.len() as u64;
            let align = next.align.max(1) as u64;
            let aligned = end.div_ceil(align) * align;
            if aligned != end && aligned == next.addr as u64 {
                out(Message::Note(format!(
                    "Inserting {} bytes padding between {} and {}",
                    aligned - end,
                    elem.name,
                    next.name
                )));
                elem.data.resize((aligned - elem.addr as u64) as usize, 0);
            }
        }
        let adjacent = next.addr as u64 == elem.addr as u64 + elem.data.len() as u64;
        if adjacent && types(chip, elem.addr) == types(chip, next.addr) {
            let data = next.data.clone();
            elem.data.extend(data);
        } else {
            kept_after_first.push(next.clone());
        }
    }
    kept_after_first.push(segments[0].clone());
    kept_after_first.reverse();
    kept_after_first
}

struct Layout<'a> {
    chip: &'a Chip,
    page: u32,
    append_digest: bool,
    secure_pad: Option<SecurePad>,
    ram_only_header: bool,
}

/// Writes segments, patching the ELF SHA-256 into the segment that covers its offset.
struct Writer {
    out: Vec<u8>,
    elf_sha: Option<(u32, [u8; 32])>,
}

impl Writer {
    fn pos(&self) -> usize {
        self.out.len()
    }

    /// Writes one segment; returns the XOR of its (patched) data, to fold into a checksum.
    fn segment(&mut self, addr: u32, data: &[u8], name: &str) -> Result<u8, ImageError> {
        let data = self.patch_elf_sha(data)?;
        if data.len() & 3 != 0 {
            return Err(ImageError::SegmentNotAligned {
                name: name.into(),
                length: data.len(),
            });
        }
        if data.len() >= 0x100_0000 {
            return Err(ImageError::SegmentTooLong {
                name: name.into(),
                length: data.len(),
            });
        }
        self.out.extend(addr.to_le_bytes());
        self.out.extend((data.len() as u32).to_le_bytes());
        self.out.extend(&data);
        Ok(checksum::xor(&data, 0))
    }

    /// Like [`Writer::segment`], folding the data into `sum`.
    fn segment_sum(
        &mut self,
        addr: u32,
        data: &[u8],
        name: &str,
        sum: u8,
    ) -> Result<u8, ImageError> {
        Ok(sum ^ self.segment(addr, data, name)?)
    }

    fn patch_elf_sha(&self, data: &[u8]) -> Result<Vec<u8>, ImageError> {
        let mut data = data.to_vec();
        let Some((offset, sha)) = self.elf_sha else {
            return Ok(data);
        };
        let pos = self.pos();
        let offset_usize = offset as usize;
        if offset_usize >= pos && offset_usize < pos + data.len() {
            let at = offset_usize - pos;
            // esptool compares the in-segment offset (header included) with the data
            // length: kept as is for identical results.
            if at < SEGMENT_HEADER_LEN || at + 32 > data.len() {
                return Err(ImageError::DigestOnBoundary {
                    offset,
                    file_pos: pos,
                    segment_size: data.len(),
                });
            }
            let at = at - SEGMENT_HEADER_LEN;
            if data[at..at + 32].iter().any(|&b| b != 0) {
                return Err(ImageError::DigestTargetNotZero(offset));
            }
            data[at..at + 32].copy_from_slice(&sha);
        }
        Ok(data)
    }

    /// ESP8266 v3: flash segments first (`.flash.rodata` minus its first 8 bytes), then
    /// RAM segments, checksum. The digest is added by the caller.
    fn esp8266_v3(
        &mut self,
        header: CommonHeader,
        segments: Vec<ElfSection>,
        page: u32,
        is_flash: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<u8>, ImageError> {
        header.write(IMAGE_MAGIC, 0, &mut self.out);
        let mut sorted = segments;
        sorted.sort_by_key(|s| s.addr);
        let (mut flash, ram): (Vec<_>, Vec<_>) = sorted
            .into_iter()
            .filter(|s| !s.data.is_empty())
            .partition(|s| is_flash(s.addr));
        check_pages(&flash, page)?;
        let mut sum = CHECKSUM_SEED;
        let mut count = 0u8;
        for s in flash.iter_mut() {
            if s.name == ".flash.rodata" {
                s.data.drain(..8.min(s.data.len()));
            }
            sum = self.segment_sum(s.addr, &s.data, "", sum)?;
            count += 1;
        }
        for s in &ram {
            sum = self.segment_sum(s.addr, &s.data, "", sum)?;
            count += 1;
        }
        append_checksum(&mut self.out, sum);
        self.out[1] = count;
        Ok(std::mem::take(&mut self.out))
    }

    /// The ESP32-family layout: flash-mapped segments at file offsets congruent to their
    /// address modulo the MMU page, the gaps filled with RAM segments (split as needed)
    /// or zero padding segments.
    fn esp32(
        &mut self,
        header: CommonHeader,
        extended: ExtendedHeader,
        segments: Vec<ElfSection>,
        layout: &Layout,
        is_flash: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<u8>, ImageError> {
        let page = layout.page as i64;
        header.write(IMAGE_MAGIC, 0, &mut self.out);
        extended.write(&mut self.out);
        let mut sorted = segments;
        sorted.sort_by_key(|s| s.addr);
        let (mut flash, mut ram): (Vec<_>, Vec<_>) =
            sorted.into_iter().partition(|s| is_flash(s.addr));
        // The app descriptor must be the first flash segment, the bootloader descriptor
        // the first RAM segment (so it lands at offset 0x20).
        if let Some(i) = flash.iter().position(|s| s.name == ".flash.appdesc") {
            let s = flash.remove(i);
            flash.insert(0, s);
        }
        if let Some(i) = ram.iter().position(|s| s.name == ".dram0.bootdesc") {
            let s = ram.remove(i);
            ram.insert(0, s);
        }
        check_pages(&flash, layout.page)?;

        let mut sum = CHECKSUM_SEED;
        let mut count: usize = 0;
        let ram_count = ram.len();
        if layout.ram_only_header {
            for s in &ram {
                sum = self.segment_sum(s.addr, &s.data, &s.name, sum)?;
                count += 1;
            }
            append_checksum(&mut self.out, sum);
            flash.reverse();
            let offset = layout.chip.bootloader_offset as i64;
            for s in &flash {
                let mut pad = (s.addr as i64 - self.pos() as i64 - 2 * SEGMENT_HEADER_LEN as i64)
                    .rem_euclid(page);
                if pad < offset {
                    pad += page;
                }
                pad -= offset;
                self.segment(0, &vec![0; pad.max(0) as usize], &s.name)?;
                count += 1;
                self.flash_segment(s, layout)?;
                count += 1;
            }
        } else {
            let mut flash = std::collections::VecDeque::from(flash);
            while let Some(s) = flash.front() {
                let pad = alignment_needed(s.addr, self.pos(), page);
                if pad > 0 {
                    let name = s.name.clone();
                    if !ram.is_empty() && pad > SEGMENT_HEADER_LEN {
                        let first = &mut ram[0];
                        let take = pad.min(first.data.len());
                        let part: Vec<u8> = first.data.drain(..take).collect();
                        let addr = first.addr;
                        first.addr = first.addr.wrapping_add(take as u32);
                        if first.data.is_empty() {
                            ram.remove(0);
                        }
                        sum = self.segment_sum(addr, &part, &name, sum)?;
                    } else {
                        sum = self.segment_sum(0, &vec![0; pad], &name, sum)?;
                    }
                    count += 1;
                } else {
                    let s = flash.pop_front().expect("front exists");
                    sum ^= self.flash_segment(&s, layout)?;
                    count += 1;
                }
            }
            for s in &ram {
                sum = self.segment_sum(s.addr, &s.data, &s.name, sum)?;
                count += 1;
            }
        }

        if let Some(pad) = layout.secure_pad {
            if !layout.append_digest {
                return Err(ImageError::SecurePadWithoutDigest);
            }
            let align_past = (self.pos() as i64 + SEGMENT_HEADER_LEN as i64) % page;
            let after_checksum = match pad {
                SecurePad::V1 => 32 + 4 + 64 + 12,
                SecurePad::V2 => 32,
            };
            let len = (page - align_past - 16 - after_checksum).rem_euclid(page);
            sum = self.segment_sum(0, &vec![0; len as usize], "", sum)?;
            count += 1;
        }
        if !layout.ram_only_header {
            append_checksum(&mut self.out, sum);
        }
        self.out[1] = if layout.ram_only_header {
            ram_count as u8
        } else {
            count as u8
        };
        if layout.append_digest {
            let digest = Sha256::digest(&self.out);
            self.out.extend(digest);
        }
        Ok(std::mem::take(&mut self.out))
    }

    /// Writes a flash-mapped segment. On the ESP32 it first grows the segment so it ends
    /// at least 0x24 bytes past an MMU page boundary.
    fn flash_segment(&mut self, s: &ElfSection, layout: &Layout) -> Result<u8, ImageError> {
        let mut data = s.data.clone();
        if layout.chip.image.pad_flash_segment_tail {
            let end = self.pos() + data.len() + SEGMENT_HEADER_LEN;
            let rem = end % layout.page as usize;
            if rem < 0x24 {
                data.resize(data.len() + 0x24 - rem, 0);
            }
        }
        self.segment(s.addr, &data, &s.name)
    }
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
