//! `write-flash ADDR FILE [ADDR FILE...]`: everything is checked (files readable,
//! addresses aligned, no overlaps) before connecting; sizes and header values are
//! checked against the chip before anything is written.

use super::chip::{json_device, print_json};
use super::connect::{Target, with_device};
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::{read_flash_files, read_input};
use crate::render::json::flash::{InputFile, Timing, WriteJson};
use espctl_flasher::WriteOptions;
use espctl_flasher::flash::plan::check_layout;
use espctl_flasher::flash::write::Esp8266Areas;
use std::path::PathBuf;
use std::time::Instant;

/// `write-flash`.
#[derive(Debug, Clone)]
pub struct WriteFlash {
    /// Address and file name of each file (Intel HEX files bring their own addresses).
    pub files: Vec<(u32, String)>,
    /// Have the chip encrypt all of `files` (`--encrypt`).
    pub encrypt: bool,
    /// More files, each encrypted by the chip (`--encrypt-files`).
    pub encrypt_files: Vec<(u32, String)>,
    /// How to write.
    pub options: WriteOptions,
    /// Show progress.
    pub progress: bool,
    /// esptool's `--diff-with` files were given (not needed: espctl compares with the
    /// chip).
    pub diff_with_given: bool,
    /// ESP8266: an init data file to put where the SDK reads it.
    pub esp8266_init_data: Option<PathBuf>,
    /// ESP8266: blank the SDK's system parameters.
    pub esp8266_blank: bool,
}

/// `write-flash`.
pub fn write_flash(target: &Target, cmd: WriteFlash) -> Result<(), Fatal> {
    let mut files: Vec<_> = read_flash_files(&cmd.files)?
        .into_iter()
        .map(|f| f.encrypted(cmd.encrypt))
        .collect();
    if !cmd.encrypt_files.is_empty() {
        // As esptool: plain and encrypted files are written in address order.
        let encrypted = read_flash_files(&cmd.encrypt_files)?;
        files.extend(encrypted.into_iter().map(|f| f.encrypted(true)));
        files.sort_by_key(|f| f.addr);
    }
    check_layout(&files)?;
    let areas = Esp8266Areas {
        init_data: cmd
            .esp8266_init_data
            .as_deref()
            .map(read_input)
            .transpose()?,
        blank: cmd.esp8266_blank,
    };
    let options = cmd.options.esp8266_areas(areas);
    if cmd.diff_with_given {
        say!(
            "NOTE: espctl compares the files with the chip's flash itself; --diff-with files are not needed and were not read."
        );
    }
    let json = crate::console::json();
    let given: Vec<InputFile> = if json {
        files.iter().map(InputFile::new).collect()
    } else {
        Vec::new()
    };
    let started = Instant::now();
    let result = with_device(target, |d| {
        // Under --json stdout carries only the JSON: no progress bar there.
        d.renderer.show_progress(cmd.progress && !json);
        let writing = Instant::now();
        let report = d.flasher.write_flash(files, &options)?;
        let timing = Timing::since(writing);
        Ok(json_device(d).map(|device| WriteJson::new(device, &given, &report, timing)))
    })?;
    print_json("write-flash", Timing::total(result, started))
}
