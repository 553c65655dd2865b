//! What the ROM and the stub compute the same way: SYNC's eight replies, register
//! writes, MD5 of flash, security info.

use crate::soc::Soc;
use espctl_chips::Registers;
use espctl_chips::security_fields::SecurityFields;
use espctl_protocol::command::RegWrite;
use espctl_protocol::reply::SecurityInfo;
use espctl_protocol::{SYNC_REPLY_COUNT, StatusLength};
use md5::{Digest, Md5};
use std::time::Duration;

/// SYNC is answered eight times; this sends the first seven, the caller's usual reply
/// is the eighth.
pub fn sync_replies(soc: &mut Soc, op: u8, value: u32, status_len: StatusLength) {
    for _ in 1..SYNC_REPLY_COUNT {
        soc.uart.reply_ok(op, value, Vec::new(), status_len);
    }
}

/// WRITE_REG: each write waits its `delay_us` first (the stub's `stub_lib_delay_us`).
pub fn write_registers(soc: &mut Soc, writes: &[RegWrite]) {
    for w in writes {
        soc.meter.cpu(Duration::from_micros(u64::from(w.delay_us)));
        soc.write_reg(w.addr, w.value, w.mask);
    }
}

/// MD5 of a flash range (the caller checked it against the flash size it knows; the
/// chip wraps beyond its end). Takes the chip's MD5 time, reading included.
pub fn flash_md5(soc: &mut Soc, addr: u32, size: u32) -> [u8; 16] {
    let data = soc.flash.array.read_untimed(addr, size);
    soc.meter.md5(size);
    Md5::digest(&data).into()
}

/// GET_SECURITY_INFO's answer: the flags, SPI_BOOT_CRYPT_CNT and key purposes the
/// chip's security eFuses hold (all clear on a chip without them in the chip data),
/// then the chip ID and API version, which the ESP32-S2 ROM leaves out (12 bytes).
pub fn security_info(soc: &Soc) -> Vec<u8> {
    let with_id = soc.chip.rom.security_info_chip_id;
    let report = soc
        .chip
        .security_fields
        .map(|f| f.report(&security_registers(soc, f)))
        .unwrap_or_default();
    SecurityInfo {
        flags: report.flags,
        flash_crypt_cnt: report.flash_crypt_cnt,
        key_purposes: report.key_purposes,
        chip_id: with_id.then(|| soc.chip.image_chip_id.map_or(0, u32::from)),
        api_version: with_id.then_some(0),
    }
    .encode()
}

/// Whether ENABLE_SECURITY_DOWNLOAD is burnt: the ROM runs Secure Download Mode.
pub fn secure_download(soc: &Soc) -> bool {
    soc.chip
        .security_fields
        .is_some_and(|f| f.secure_download(&security_registers(soc, f)))
}

/// The eFuse words the security fields are read from, as burnt.
fn security_registers(soc: &Soc, fields: &SecurityFields) -> Registers {
    fields
        .registers()
        .into_iter()
        .map(|reg| (reg, soc.memory.read(reg)))
        .collect()
}
