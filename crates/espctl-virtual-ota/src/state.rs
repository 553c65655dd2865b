//! The device's state, shared by its services: the NOR flash (erase sets 0xFF, programming
//! can only clear bits; mirrored in a file when asked), the Arduino core's layout, the
//! running image, the eboot command a finished update leaves, and whether an update or a
//! reboot is under way.

use crate::error::OtaDeviceError;
use crate::events::{DeviceEvent, Events};
use crate::options::OtaDeviceOptions;
use espctl_image::esp8266_flash_map::{ArduinoLayout, arduino_layout};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The flash sector: the unit of erasing and of the Updater's space rules.
pub const SECTOR: u32 = 4096;

/// `n` rounded up to whole sectors (in 64 bits: sizes come from the network).
pub fn round_up_sector(n: u32) -> u64 {
    u64::from(n).div_ceil(u64::from(SECTOR)) * u64::from(SECTOR)
}

/// The device state as its services share it.
pub type SharedDevice = Arc<Mutex<DeviceState>>;

/// What `Update.end` leaves for the boot loader (eboot's `ACTION_COPY_RAW`: copy `len`
/// bytes from `from` to 0x0 at the next boot, inflating them when they are gzip).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EbootCopy {
    /// The staging address.
    pub from: u32,
    /// Bytes staged.
    pub len: u32,
}

/// The flash size an image header declares (byte 3, high nibble), as the core's
/// `ESP.magicFlashChipSize` reads it; 0 for codes it does not know.
pub fn magic_flash_chip_size(header_byte3: u8) -> u32 {
    const KB: u32 = 1024;
    match header_byte3 >> 4 {
        0x0 => 512 * KB,
        0x1 => 256 * KB,
        0x2 => 1024 * KB,
        0x3 => 2048 * KB,
        0x4 => 4096 * KB,
        0x8 => 8192 * KB,
        0x9 => 16384 * KB,
        _ => 0,
    }
}

/// One update at a time: held while an update runs; dropping it frees the device.
#[derive(Debug)]
pub struct BusyClaim(Arc<AtomicBool>);

impl Drop for BusyClaim {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

#[derive(Debug)]
struct FlashFile {
    path: PathBuf,
    file: File,
}

/// The ESP8266 as its services see it.
#[derive(Debug)]
pub struct DeviceState {
    flash: Vec<u8>,
    file: Option<FlashFile>,
    layout: ArduinoLayout,
    accepts_gzip: bool,
    running_len: u32,
    pending_copy: Option<EbootCopy>,
    busy: Arc<AtomicBool>,
    rebooting_until: Option<Instant>,
    reboot_time: Duration,
    boots: u32,
    events: Events,
}

impl DeviceState {
    /// The device of `options`: its flash from `options.flash_file` when that holds a
    /// whole flash (else erased), with `options.firmware` programmed at 0x0 and running.
    pub fn new(options: &OtaDeviceOptions, events: Events) -> Result<DeviceState, OtaDeviceError> {
        let layout = arduino_layout(options.flash_size, options.fs_size)
            .map_err(|e| OtaDeviceError::Layout(e.to_string()))?;
        let firmware_len = u32::try_from(options.firmware.len()).unwrap_or(u32::MAX);
        if round_up_sector(firmware_len) > u64::from(layout.ota_limit) {
            return Err(OtaDeviceError::FirmwareTooLarge {
                len: options.firmware.len(),
                limit: layout.ota_limit,
            });
        }
        let (flash, file) = match &options.flash_file {
            Some(path) => open_flash_file(path, options.flash_size)?,
            None => (vec![0xFF; options.flash_size as usize], None),
        };
        let mut dev = DeviceState {
            flash,
            file,
            layout,
            accepts_gzip: options.accepts_gzip,
            running_len: firmware_len,
            pending_copy: None,
            busy: Arc::new(AtomicBool::new(false)),
            rebooting_until: None,
            reboot_time: options.reboot_time,
            boots: 1,
            events,
        };
        dev.write_image_at_zero(&options.firmware)
            .map_err(|source| OtaDeviceError::FlashFile {
                path: dev.flash_file_path().unwrap_or_default(),
                source,
            })?;
        Ok(dev)
    }

    /// The whole flash.
    pub fn flash(&self) -> &[u8] {
        &self.flash
    }

    /// The chip's flash size in bytes.
    pub fn flash_size(&self) -> u32 {
        self.flash.len() as u32
    }

    /// The Arduino core's layout of this flash and file system.
    pub fn layout(&self) -> &ArduinoLayout {
        &self.layout
    }

    /// The file mirroring the flash, if any.
    pub fn flash_file_path(&self) -> Option<PathBuf> {
        self.file.as_ref().map(|f| f.path.clone())
    }

    /// Whether the core takes gzip images (core 2.7 on).
    pub fn accepts_gzip(&self) -> bool {
        self.accepts_gzip
    }

    /// The running image's length, counted from 0x0 (eboot's sector included).
    pub fn running_len(&self) -> u32 {
        self.running_len
    }

    /// The running image.
    pub fn running_image(&self) -> &[u8] {
        &self.flash[..self.running_len as usize]
    }

    /// The flash size the running image's header declares (`ESP.getFlashChipSize()`);
    /// 0 when there is no image header at 0x0.
    pub fn declared_flash_size(&self) -> u32 {
        match self.flash.get(..4) {
            Some([0xE9, _, _, byte3]) => magic_flash_chip_size(*byte3),
            _ => 0,
        }
    }

    /// The flash mode the device runs in (byte 2 of the header at 0x0).
    pub fn flash_mode(&self) -> u8 {
        self.flash[2]
    }

    /// `ESP.getFreeSketchSpace()`: from the running image's end (rounded up to a sector)
    /// to where a staged image must end.
    pub fn free_sketch_space(&self) -> u32 {
        u64::from(self.layout.ota_limit).saturating_sub(round_up_sector(self.running_len)) as u32
    }

    /// The copy eboot will make at the next boot, if an update left one.
    pub fn pending_copy(&self) -> Option<EbootCopy> {
        self.pending_copy
    }

    pub(crate) fn set_pending_copy(&mut self, copy: EbootCopy) {
        self.pending_copy = Some(copy);
    }

    /// How many times the device has booted (1 after power-up).
    pub fn boots(&self) -> u32 {
        self.boots
    }

    /// Reports `event` to the device's event callback.
    pub fn emit(&self, event: DeviceEvent) {
        self.events.emit(event);
    }

    /// Whether an update is running.
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::SeqCst)
    }

    /// Claims the device for one update; `None` when another one runs (ESPurna answers
    /// "ERROR: Upgrade in progress"). The claim ends when dropped, lock or no lock.
    pub fn try_claim(&self) -> Option<BusyClaim> {
        self.busy
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| BusyClaim(self.busy.clone()))
    }

    /// Whether the device is rebooting (nothing answers then).
    pub fn is_rebooting(&self) -> bool {
        self.rebooting_until.is_some()
    }

    /// `ESP.restart()`: the device is away for the reboot time; then eboot applies a
    /// pending copy and the new image runs (see [`DeviceState::tick`]).
    pub fn restart(&mut self) {
        self.emit(DeviceEvent::Rebooting);
        self.rebooting_until = Some(Instant::now() + self.reboot_time);
        if self.reboot_time.is_zero() {
            self.boot();
        }
    }

    /// Lets time pass: a reboot whose time is up completes. The device's services call
    /// it at least every 50 ms.
    pub fn tick(&mut self) {
        if self.rebooting_until.is_some_and(|t| Instant::now() >= t) {
            self.boot();
        }
    }

    /// The boot after a restart: eboot's copy, then the image at 0x0 runs.
    fn boot(&mut self) {
        self.rebooting_until = None;
        self.boots += 1;
        if let Some(copy) = self.pending_copy.take() {
            match self.apply_copy(copy) {
                Ok(written) => {
                    self.emit(DeviceEvent::BootCopy {
                        from: copy.from,
                        staged: copy.len,
                        written,
                    });
                    self.running_len = written;
                }
                Err(reason) => self.emit(DeviceEvent::BootCopyFailed { reason }),
            }
        }
        self.emit(DeviceEvent::Running {
            len: self.running_len,
        });
    }

    /// eboot's copy: the staged bytes, inflated when they are gzip (eboot of core 2.7
    /// on), erased and programmed at 0x0. Returns the bytes written.
    fn apply_copy(&mut self, copy: EbootCopy) -> Result<u32, String> {
        let start = copy.from as usize;
        let staged = self
            .flash
            .get(start..start + copy.len as usize)
            .ok_or_else(|| format!("the staged image at {:#x} runs past the flash", copy.from))?
            .to_vec();
        let image = if staged.starts_with(&[0x1F, 0x8B]) {
            let mut inflated = Vec::new();
            flate2::read::GzDecoder::new(staged.as_slice())
                .read_to_end(&mut inflated)
                .map_err(|e| format!("the gzip image does not inflate: {e}"))?;
            inflated
        } else {
            staged
        };
        if image.len() > self.flash.len() {
            return Err(format!(
                "the image inflates to {} bytes, more than the flash",
                image.len()
            ));
        }
        self.write_image_at_zero(&image)
            .map_err(|e| format!("flash file: {e}"))?;
        Ok(image.len() as u32)
    }

    /// Erases the sectors `image` needs from 0x0 and programs it.
    fn write_image_at_zero(&mut self, image: &[u8]) -> io::Result<()> {
        let mut at = 0;
        while (at as usize) < image.len() {
            self.erase_sector(at)?;
            at += SECTOR;
        }
        self.program(0, image)
    }

    /// Erases the sector holding `addr` (sets it to 0xFF).
    pub fn erase_sector(&mut self, addr: u32) -> io::Result<()> {
        let start = (addr / SECTOR * SECTOR) as usize;
        let end = (start + SECTOR as usize).min(self.flash.len());
        if start >= end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("erase at {addr:#x} is past the flash"),
            ));
        }
        self.flash[start..end].fill(0xFF);
        self.write_through(start, end)
    }

    /// Programs `data` at `addr`: NOR programming only clears bits.
    pub fn program(&mut self, addr: u32, data: &[u8]) -> io::Result<()> {
        let start = addr as usize;
        let end = start + data.len();
        let target = self.flash.get_mut(start..end).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "write of {} bytes at {addr:#x} is past the flash",
                    data.len()
                ),
            )
        })?;
        target.iter_mut().zip(data).for_each(|(f, d)| *f &= d);
        self.write_through(start, end)
    }

    fn write_through(&mut self, start: usize, end: usize) -> io::Result<()> {
        let Some(backing) = &mut self.file else {
            return Ok(());
        };
        backing.file.seek(SeekFrom::Start(start as u64))?;
        backing.file.write_all(&self.flash[start..end])
    }
}

/// An existing file of exactly `size` bytes is the flash; a missing or empty one is
/// created erased.
fn open_flash_file(path: &Path, size: u32) -> Result<(Vec<u8>, Option<FlashFile>), OtaDeviceError> {
    let file_error = |source| OtaDeviceError::FlashFile {
        path: path.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(file_error)?;
    let len = file.metadata().map_err(file_error)?.len();
    let mut flash = vec![0xFF; size as usize];
    if len == 0 {
        file.write_all(&flash).map_err(file_error)?;
    } else if len == u64::from(size) {
        file.read_exact(&mut flash).map_err(file_error)?;
    } else {
        return Err(OtaDeviceError::FlashFileSize {
            path: path.to_path_buf(),
            len,
            flash_size: size,
        });
    }
    let backing = FlashFile {
        path: path.to_path_buf(),
        file,
    };
    Ok((flash, Some(backing)))
}
