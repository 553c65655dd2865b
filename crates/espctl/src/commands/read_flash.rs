//! `read-flash ADDR SIZE|ALL FILE`: the file appears only once all data has arrived and
//! its checksum matched (written next to it under a temporary name, then renamed).

use super::device::{Global, to_fatal, with_device};
use super::flash_args::{address, size_arg, size_or_all};
use super::output::write_output;
use crate::console::say;
use crate::fatal::Fatal;
use crate::render::speed;
use espctl_flasher::session::Session;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Start address
    pub address: String,
    /// Number of bytes (0x hex, or with a k or M suffix), or ALL for the whole flash
    pub size: String,
    /// File to write
    pub output: PathBuf,
    /// Suppress progress output
    #[arg(short = 'p', long)]
    pub no_progress: bool,
    /// SPI flash size to tell the loader: keep (detect), detect, or a size
    #[arg(long, default_value = "keep", env = "ESPTOOL_FS")]
    pub flash_size: String,
}

/// Checks a region against the 16MB limit and the detected flash size.
pub fn check_region(session: &mut Session, addr: u32, size: u32) -> Result<(), Fatal> {
    let end = addr as u64 + size as u64;
    if end > 16 << 20 {
        return Err(to_fatal(espctl_flasher::Error::Beyond16Mb {
            addr,
            size,
            over: end - (16 << 20),
        }));
    }
    if let Some(detected) = session.detect_flash_size().map_err(to_fatal)?
        && end > detected.bytes() as u64
    {
        return Err(to_fatal(espctl_flasher::Error::BeyondDetected {
            addr,
            size,
            detected: detected.to_string(),
            over: end - detected.bytes() as u64,
        }));
    }
    Ok(())
}

/// Resolves `SIZE|ALL` against the detected flash size, as esptool does.
pub fn resolve_size(session: &mut Session, size: Option<u32>) -> Result<u32, Fatal> {
    let detected = session.detect_flash_size().map_err(to_fatal)?;
    match size {
        None => {
            let d = detected.ok_or_else(|| to_fatal(espctl_flasher::Error::FlashSizeUnknown))?;
            say!("Detected flash size: {d}");
            Ok(d.bytes())
        }
        Some(n) => {
            if let Some(d) = detected
                && n > d.bytes()
            {
                return Err(Fatal(format!(
                    "Specified size {n:#x} is greater than detected flash size {:#x}.",
                    d.bytes()
                )));
            }
            Ok(n)
        }
    }
}

/// Refuses an output path that cannot be created, before anything is read.
pub fn check_output(path: &Path) -> Result<(), Fatal> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Fatal(format!(
            "Cannot write '{}': folder '{}' does not exist.",
            path.display(),
            dir.display()
        )));
    }
    if path.is_dir() {
        return Err(Fatal(format!(
            "Cannot write '{}': it is a folder.",
            path.display()
        )));
    }
    Ok(())
}

pub fn run(g: &Global, args: Args) -> Result<(), Fatal> {
    let addr = address(&args.address)?;
    let size = size_or_all(&args.size)?;
    let flash_size = size_arg(&args.flash_size)?;
    check_output(&args.output)?;
    with_device(g, |d| {
        d.renderer.show_progress(!args.no_progress);
        let s = &mut d.session;
        s.attach_flash().map_err(to_fatal)?;
        let size = resolve_size(s, size)?;
        check_region(s, addr, size)?;
        s.configure_flash_size(flash_size).map_err(to_fatal)?;
        let start = std::time::Instant::now();
        let data = s.read_flash(addr, size).map_err(to_fatal)?;
        let seconds = start.elapsed().as_secs_f64();
        write_output(&args.output, &data)?;
        say!(
            "Read {} bytes from {addr:#010x} in {seconds:.1} seconds{} to '{}'.",
            data.len(),
            speed(data.len(), seconds),
            args.output.display()
        );
        Ok(())
    })
}
