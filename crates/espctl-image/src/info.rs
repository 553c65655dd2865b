//! image-info: what esptool 5.6.0 reports about an image, line by line.

use espctl_chips::{CHIPS, Chip, FlashMode};
use sha2::{Digest, Sha256};

use crate::descriptor::{AppDescriptor, BootloaderDescriptor};
use crate::firmware::{FirmwareImage, check_magic, detect_chip};
use crate::ihex::regions_if_hex;
use crate::summary::{descriptors, shown_segments};
use crate::{ImageError, Message};

/// Reports on a file as esptool's image-info does: an Intel HEX file region by region
/// (a single region as a plain image), anything else as one binary image. `chip` is
/// `None` for `--chip auto`.
pub fn file_info(
    data: &[u8],
    chip: Option<&'static Chip>,
    out: &mut dyn FnMut(Message),
) -> Result<(), ImageError> {
    match regions_if_hex(data) {
        Some(regions) if regions.len() == 1 => image_info(&regions[0].1, chip, out),
        Some(regions) => merged_image_info(&regions, chip, out),
        None => image_info(data, chip, out),
    }
}

/// Reports on one image. `chip` is `None` for `--chip auto` (detected from the header).
/// Lines go to `out` as they are produced, so a failure leaves the lines before it.
pub fn image_info(
    data: &[u8],
    chip: Option<&'static Chip>,
    out: &mut dyn FnMut(Message),
) -> Result<(), ImageError> {
    let detected = match chip {
        None => detect_chip(data)?,
        Some(c) => {
            check_magic(data)?;
            c
        }
    };
    out(Message::Print(format!("Image size: {} bytes", data.len())));
    if chip.is_none() {
        out(Message::Print(format!(
            "Detected image type: {}",
            detected.name
        )));
    }
    report(detected, data, out)
}

/// Reports on each region of a merged (Intel HEX) file. After the first image, the
/// chip detected there is used for the rest, as esptool does.
pub fn merged_image_info(
    regions: &[(u32, Vec<u8>)],
    mut chip: Option<&'static Chip>,
    out: &mut dyn FnMut(Message),
) -> Result<(), ImageError> {
    out(Message::Print(
        "Merged binary image detected. Processing each file individually.".into(),
    ));
    for (i, (addr, data)) in regions.iter().enumerate() {
        let n = regions.len();
        let line = format!(
            "Processing file {}/{n}, offset: {addr:#x}, size: {} bytes",
            i + 1,
            data.len()
        );
        out(Message::Print(String::new()));
        out(Message::Print("=".repeat(line.len())));
        out(Message::Print(line.clone()));
        out(Message::Print("=".repeat(line.len())));
        let detected = match chip {
            None => detect_chip(data),
            Some(c) => check_magic(data).map(|_| c),
        };
        let detected = match detected {
            Ok(c) => c,
            Err(e) => {
                out(Message::Error(format!(
                    "Error processing file {}/{n}: {e}",
                    i + 1
                )));
                out(Message::Error(
                    "Probably not a valid firmware image (e.g. partition table).".into(),
                ));
                continue;
            }
        };
        if i == 0 && chip.is_none() {
            out(Message::Print(format!(
                "Detected image type: {}",
                detected.name
            )));
            chip = Some(detected);
        }
        report(detected, data, out)?;
    }
    Ok(())
}

fn heading(out: &mut dyn FnMut(Message), text: &str) {
    out(Message::Print(text.to_string()));
    out(Message::Print("=".repeat(text.len())));
}

fn report(chip: &Chip, data: &[u8], out: &mut dyn FnMut(Message)) -> Result<(), ImageError> {
    let parsed = FirmwareImage::parse_with_warnings(chip, data, &mut |w| out(Message::Warning(w)))?;
    let image = &parsed.image;
    let header = image.header();
    let print = |out: &mut dyn FnMut(Message), s: String| out(Message::Print(s));

    print(out, String::new());
    heading(out, &format!("{} Image Header", chip.name));
    print(out, format!("Image version: {}", image.version()));
    print(
        out,
        if header.entry != 0 {
            format!("Entry point: {:#8x}", header.entry)
        } else {
            "Entry point not set".into()
        },
    );
    let segments = image.segments();
    print(out, format!("Segments: {}", segments.len()));
    let size_bits = header.flash_size_freq & 0xF0;
    match chip.flash_size_from_code(size_bits) {
        Some(s) => print(out, format!("Flash size: {s}")),
        None => out(Message::Warning(format!(
            "Invalid flash size ({size_bits:#02x})"
        ))),
    }
    let freq_bits = header.flash_size_freq & 0x0F;
    match chip.flash_freq_from_code(freq_bits) {
        Some(f) => print(out, format!("Flash freq: {f}")),
        None => out(Message::Warning(format!(
            "Invalid flash frequency ({freq_bits:#02x})"
        ))),
    }
    match FlashMode::from_code(header.flash_mode) {
        Some(m) => print(out, format!("Flash mode: {}", m.name().to_uppercase())),
        None => out(Message::Warning(format!(
            "Invalid flash mode ({})",
            header.flash_mode
        ))),
    }

    if let FirmwareImage::Esp32(i) = image {
        let e = &i.extended;
        print(out, String::new());
        heading(out, &format!("{} Extended Image Header", chip.name));
        let disabled = if e.wp_pin == crate::esp32::WP_PIN_DISABLED {
            " (disabled)"
        } else {
            ""
        };
        print(out, format!("WP pin: {:#02x}{disabled}", e.wp_pin));
        let [clk, q, d, cs, hd, wp] = e.drive_strengths();
        print(
            out,
            format!(
                "Flash pins drive settings: clk_drv: {clk:#02x}, q_drv: {q:#02x}, d_drv: {d:#02x}, cs0_drv: {cs:#02x}, hd_drv: {hd:#02x}, wp_drv: {wp:#02x}"
            ),
        );
        let name = CHIPS
            .iter()
            .find(|c| c.image_chip_id == Some(e.chip_id))
            .map_or("Unknown ID", |c| c.name);
        print(out, format!("Chip ID: {} ({name})", e.chip_id));
        print(
            out,
            format!(
                "Minimal chip revision: v{}.{}, (legacy min_rev = {})",
                e.min_rev_full / 100,
                e.min_rev_full % 100,
                e.min_rev
            ),
        );
        print(
            out,
            format!(
                "Maximal chip revision: v{}.{}",
                e.max_rev_full / 100,
                e.max_rev_full % 100
            ),
        );
    }
    print(out, String::new());

    heading(out, "Segments Information");
    print(
        out,
        format!(
            "{:>7}  {:>7}  {:>10}  {:>10}  {:10}",
            "Segment", "Length", "Load addr", "File offs", "Memory types"
        ),
    );
    print(
        out,
        format!(
            "{}  {}  {}  {}  {}",
            "-".repeat(7),
            "-".repeat(7),
            "-".repeat(10),
            "-".repeat(10),
            "-".repeat(12)
        ),
    );
    let shown = shown_segments(chip, image);
    let (app_desc, bootloader_desc) = descriptors(&shown);
    for (idx, s) in shown.iter().enumerate() {
        print(
            out,
            format!(
                "{idx:7}  {:#07x}  {:#010x}  {:#010x}  {}",
                s.segment.data.len(),
                s.addr,
                parsed.offsets[idx],
                s.types.join(", ")
            ),
        );
    }
    print(out, String::new());

    heading(out, &format!("{} Image Footer", chip.name));
    let stored = image.stored_checksum();
    let calculated = image.calculate_checksum();
    print(
        out,
        if stored == calculated {
            format!("Checksum: {stored:#04x} (valid)")
        } else {
            format!("Checksum: {stored:#04x} (invalid - calculated {calculated:#04x})")
        },
    );
    if let FirmwareImage::Esp32(i) = image
        && i.extended.hash_appended
    {
        let digest: [u8; 32] = Sha256::digest(&data[..i.data_length()]).into();
        let valid = i.digest == Some(digest);
        print(
            out,
            format!(
                "Validation hash: {} ({})",
                hex(&digest),
                if valid { "valid" } else { "invalid" }
            ),
        );
    }

    if let Some(seg) = app_desc {
        if let Some(a) = AppDescriptor::parse(seg) {
            print(out, String::new());
            heading(out, "Application Information");
            print(out, format!("Project name: {}", a.project_name));
            print(out, format!("App version: {}", a.version));
            print(out, format!("Compile time: {} {}", a.date, a.time));
            print(out, format!("ELF file SHA256: {}", hex(&a.app_elf_sha256)));
            print(out, format!("ESP-IDF: {}", a.idf_ver));
            let rev = |v: u16| format!("{}.{}", v / 100, v % 100);
            print(
                out,
                format!(
                    "Minimal eFuse block revision: {}",
                    rev(a.min_efuse_blk_rev_full)
                ),
            );
            print(
                out,
                format!(
                    "Maximal eFuse block revision: {}",
                    rev(a.max_efuse_blk_rev_full)
                ),
            );
            if let Some(kb) = a.mmu_page_size_kb() {
                print(out, format!("MMU page size: {kb} KB"));
            }
            print(out, format!("Secure version: {}", a.secure_version));
        }
    } else if let Some(seg) = bootloader_desc
        && let Some(b) = BootloaderDescriptor::parse(seg)
    {
        print(out, String::new());
        heading(out, "Bootloader Information");
        print(out, format!("Bootloader version: {}", b.version));
        print(out, format!("ESP-IDF: {}", b.idf_ver));
        print(out, format!("Compile time: {}", b.date_time));
    }
    Ok(())
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
