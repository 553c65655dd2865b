//! Lowering of the commands that need no device: image commands, flash layouts and the
//! virtual device.

use super::args::backup::LayoutArgs;
use super::args::image::{Elf2ImageArgs, ImageInfoArgs, MergeBinArgs};
use super::args::virtual_device::VirtualArgs;
use super::lower::pairs;
use super::values::{chip_arg, parse_size, required_chip, setting};
use crate::commands::Work;
use crate::commands::elf2image::Elf2Image;
use crate::commands::image_info::OtaCheck;
use crate::commands::merge_bin::MergeBin;
use crate::commands::virtual_device::{Serve, VirtualDevice};
use crate::fatal::Fatal;
use espctl_chips::{Chip, FlashFreq, FlashMode, FlashSize};
use espctl_flasher::FlashParamsRequest;
use espctl_image::elf2image::{Elf2ImageOptions, Esp8266Version, SecurePad};
use espctl_image::merge::Format;
use espctl_virtual::{DeviceConfig, parse_mac};

/// The ESP8266 layouts are the Arduino core's: only for `--chip esp8266` (or `auto`).
fn esp8266_only(chip: &str, what: &str) -> Result<(), Fatal> {
    match chip_arg(chip)? {
        Some(c) if c.kind != espctl_chips::ChipKind::Esp8266 => Err(Fatal(format!(
            "{what} knows the ESP8266 Arduino core's flash layouts only; use --chip esp8266."
        ))),
        _ => Ok(()),
    }
}

pub(super) fn layout(chip: &str, args: &LayoutArgs) -> Result<Work, Fatal> {
    esp8266_only(chip, "layout")?;
    Ok(Work::Layout {
        flash: flash_size_name(&args.flash_size)?,
        fs: layout_bytes(&args.fs_size)?,
    })
}

pub(super) fn ota_check(chip: &str, args: &ImageInfoArgs) -> Result<Option<OtaCheck>, Fatal> {
    if !args.ota_check {
        return Ok(None);
    }
    esp8266_only(chip, "--ota-check")?;
    let flash = args
        .flash_size
        .as_deref()
        .expect("clap requires --flash-size");
    Ok(Some(OtaCheck {
        flash: flash_size_name(flash)?,
        fs: layout_bytes(&args.fs_size)?,
    }))
}

/// A flash size name (`1MB`, `4MB`, `8m`).
fn flash_size_name(s: &str) -> Result<FlashSize, Fatal> {
    espctl_chips::size_syntax::flash_size_name(s).map_err(|e| Fatal(e.to_string()))
}

/// A file system size: `0`, `64KB`, `1MB`, a byte count.
fn layout_bytes(s: &str) -> Result<u32, Fatal> {
    espctl_chips::size_syntax::flash_bytes(s).map_err(|e| Fatal(e.to_string()))
}

pub(super) fn elf2image(chip: &str, args: &Elf2ImageArgs) -> Result<Elf2Image, Fatal> {
    let chip = required_chip(chip)?;
    let size = |s: &Option<String>| s.as_deref().map(parse_size).transpose().map_err(Fatal);
    let options = Elf2ImageOptions {
        esp8266_version: match args.version.as_str() {
            "2" => Esp8266Version::V2,
            "3" => Esp8266Version::V3,
            _ => Esp8266Version::V1,
        },
        flash_mode: args.flash_mode,
        flash_size: args.flash_size,
        flash_freq: args.flash_freq,
        min_rev: args.min_rev,
        min_rev_full: args.min_rev_full,
        max_rev_full: args.max_rev_full,
        secure_pad: if args.secure_pad_v2 {
            Some(SecurePad::V2)
        } else if args.secure_pad {
            Some(SecurePad::V1)
        } else {
            None
        },
        append_digest: !args.dont_append_digest,
        elf_sha256_offset: args.elf_sha256_offset,
        use_segments: args.use_segments,
        mmu_page_size: size(&args.flash_mmu_page_size)?,
        pad_to_size: size(&args.pad_to_size)?,
        ram_only_header: args.ram_only_header,
    };
    Ok(Elf2Image {
        chip,
        input: args.filename.clone(),
        output: args.output.clone(),
        options,
    })
}

pub(super) fn merge_bin(chip: &str, args: &MergeBinArgs) -> Result<MergeBin, Fatal> {
    let inputs = pairs(&args.addr_filename)?;
    let header = FlashParamsRequest {
        mode: setting::<FlashMode>(&args.flash_mode)?,
        size: setting::<FlashSize>(&args.flash_size)?,
        freq: setting::<FlashFreq>(&args.flash_freq)?,
    };
    let chip: &'static Chip = required_chip(chip)?;
    let format = match args.format.as_str() {
        "hex" => Format::Hex,
        "uf2" => Format::Uf2 {
            chunk_size: args.chunk_size,
            md5: !args.md5_disable,
        },
        _ => Format::Raw {
            target_offset: args.target_offset,
            pad_to_size: args
                .pad_to_size
                .as_deref()
                .map(parse_size)
                .transpose()
                .map_err(Fatal)?,
        },
    };
    Ok(MergeBin {
        chip,
        inputs,
        output: args.output.clone().into(),
        format,
        target_offset: args.target_offset,
        header,
    })
}

pub(super) fn virtual_device(chip: &str, args: &VirtualArgs) -> Result<VirtualDevice, Fatal> {
    let chip = Chip::by_arg_name(chip)
        .filter(|c| c.typical_part().is_some())
        .ok_or_else(|| {
            Fatal(format!(
                "unknown chip '{chip}'; use --chip esp8266 or --chip esp32"
            ))
        })?;
    let flash_size = args.flash_size.as_deref().unwrap_or("4MB");
    let flash_size =
        espctl_chips::size_syntax::flash_bytes(flash_size).map_err(|e| Fatal(e.to_string()))?;
    let mut config = DeviceConfig::new(chip, flash_size);
    config.flash_file = args.flash_file.clone();
    config.timing = args.timing.parse().map_err(Fatal)?;
    if let Some(mac) = &args.mac {
        config.mac = Some(parse_mac(mac).map_err(Fatal)?);
    }
    if let Some(id) = &args.jedec_id {
        let digits = id.trim_start_matches("0x").trim_start_matches("0X");
        config.jedec_id = u32::from_str_radix(digits, 16).map_err(|_| {
            Fatal(format!(
                "'{id}' is not a JEDEC ID; write it in hex like 0x16405e"
            ))
        })?;
    }
    for list in &args.efuse {
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            config
                .efuse
                .set(item)
                .map_err(|e| Fatal(format!("--efuse: {e}")))?;
        }
    }
    if let Some(path) = &args.flash_encryption_key {
        config.flash_encryption_key = Some(read_key_file(path)?);
    }
    if let Some(ms) = args.en_rise_ms {
        config.board = espctl_virtual::Board::AutoReset {
            en_rise: std::time::Duration::from_millis(ms),
        };
    }
    if let Some(level) = &args.gpio0 {
        config.board = espctl_virtual::Board::NoCircuit {
            gpio0: level.parse().map_err(|e| Fatal(format!("--gpio0: {e}")))?,
        };
    }
    if args.usb_jtag {
        config.link = espctl_virtual::Link::UsbSerialJtag;
    } else if args.usb_otg {
        config.link = espctl_virtual::Link::UsbOtg;
    }
    config.validate().map_err(|e| Fatal(e.to_string()))?;
    let serve = match (&args.listen, &args.rfc2217) {
        (Some(addr), _) => Serve::Tcp {
            addr: addr.clone(),
            keep_state: args.keep_state,
        },
        (None, Some(addr)) => {
            // A board with its reset lines powers up like a real one: running the
            // flash, until a client resets it into the loader.
            config.start = espctl_virtual::StartMode::Flash;
            Serve::Rfc2217 {
                addr: addr.clone(),
                relay_lines: args.relay_lines,
            }
        }
        (None, None) => Serve::Pty,
    };
    Ok(VirtualDevice {
        config,
        serve,
        stats_file: args.stats_file.clone(),
    })
}

/// A 32-byte flash encryption key file.
fn read_key_file(path: &std::path::Path) -> Result<[u8; 32], Fatal> {
    let bytes = std::fs::read(path).map_err(|e| {
        Fatal(format!(
            "--flash-encryption-key: cannot read {}: {e}",
            path.display()
        ))
    })?;
    bytes.as_slice().try_into().map_err(|_| {
        Fatal(format!(
            "--flash-encryption-key: {} has {} bytes; a flash encryption key file has 32 (espsecure generate-flash-encryption-key makes one)",
            path.display(),
            bytes.len()
        ))
    })
}
