//! Which flash region a read or an erase covers: a size, or `ALL` of the flash RDID
//! reports, within esptool's limits (16MB, the detected size).

use crate::error::{Error, Result};
use crate::event::Event;
use crate::loader::LoaderKind;
use crate::session::Session;

/// The most a region may span, unless the stub uses 4-byte addresses (esptool cannot
/// address more through the other loaders).
const REGION_LIMIT: u64 = 16 << 20;

impl Session {
    /// The region of `size` bytes at `addr` (`None`: all of the detected flash), checked
    /// against the 16MB limit (where it applies) and the detected flash size. Returns
    /// its size.
    pub fn flash_region(&mut self, addr: u32, size: Option<u32>) -> Result<u32> {
        let size = self.resolve_size(size)?;
        let end = addr as u64 + size as u64;
        let four_byte_addresses =
            self.loader.kind() == LoaderKind::Stub && self.chip.stub_flash_32bit_addr;
        if end > REGION_LIMIT && !four_byte_addresses {
            return Err(Error::Beyond16Mb {
                addr,
                size,
                over: end - REGION_LIMIT,
            });
        }
        if let Some(detected) = self.detect_flash_size()?
            && end > detected.bytes() as u64
        {
            return Err(Error::BeyondDetected {
                addr,
                size,
                detected: detected.to_string(),
                over: end - detected.bytes() as u64,
            });
        }
        Ok(size)
    }

    /// `size`, or the detected flash size for `None` (as esptool's `ALL`).
    fn resolve_size(&mut self, size: Option<u32>) -> Result<u32> {
        let detected = self.detect_flash_size()?;
        match size {
            None => {
                let d = detected.ok_or(Error::FlashSizeUnknown)?;
                self.emit(Event::WholeFlash { size: d });
                Ok(d.bytes())
            }
            Some(n) => match detected {
                Some(d) if n > d.bytes() => Err(Error::SizeBeyondDetected {
                    size: n,
                    detected: d.bytes(),
                }),
                _ => Ok(n),
            },
        }
    }
}
