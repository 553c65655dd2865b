//! What the ROM and stub personalities share: how a command ends for the chip, and the
//! small computations both answer with.

use crate::soc::Soc;
use md5::{Digest, Md5};

/// What the chip does after a command has been answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Stay,
    /// MEM_END jumped to the uploaded flasher stub: it greets with `OHAI` and takes over.
    StartStub,
    /// MEM_END jumped to other uploaded code: the chip runs it and leaves the loader.
    RunRam,
    /// "Run user code" (ROM FLASH_END with flag 1, stub RUN_USER_CODE): the program in
    /// flash starts without a reset of the straps.
    RunFlash,
    /// "Reboot" (FLASH_END / FLASH_DEFL_END with flag 0): a software reset. The straps
    /// stay latched, so a chip reset into download mode comes back to the ROM loader.
    SoftwareReset,
}

/// MD5 of a flash range, or `None` when the range is outside the flash. Takes the
/// chip's MD5 time (reading included).
pub fn flash_md5(soc: &mut Soc, addr: u32, size: u32) -> Option<[u8; 16]> {
    let data = soc
        .flash
        .array
        .contents()
        .get(addr as usize..addr as usize + size as usize)?;
    soc.meter.md5(size);
    Some(Md5::digest(data).into())
}

/// GET_SECURITY_INFO's 20-byte answer for a chip with nothing enabled: flags, flash
/// crypt count, seven key purposes, chip ID, API version.
pub fn security_info(soc: &Soc) -> Vec<u8> {
    let mut out = Vec::with_capacity(20);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(0);
    out.extend_from_slice(&[0; 7]);
    let chip_id = soc.chip.image_chip_id.map_or(0, u32::from);
    out.extend_from_slice(&chip_id.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out
}
