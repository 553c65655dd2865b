//! The flash chip's registers: `read-flash-status`, `write-flash-status`,
//! `read-flash-sfdp`; and `get-security-info`. Lines as esptool prints them.

use super::connect::{Target, with_device};
use crate::console::say;
use crate::fatal::Fatal;
use crate::render::json::security::SecurityInfoJson;
use espctl_flasher::spi::{StatusBytes, StatusWrite};
use espctl_protocol::reply::SecurityInfo;

/// `read-flash-status`.
#[derive(Debug, Clone, Copy)]
pub struct StatusRead {
    /// How many registers.
    pub bytes: StatusBytes,
}

/// `read-flash-sfdp`.
#[derive(Debug, Clone, Copy)]
pub struct SfdpRead {
    /// Address in the SFDP table.
    pub addr: u32,
    /// 1 to 4 bytes.
    pub bytes: u8,
}

/// `read-flash-status`.
pub fn read_flash_status(target: &Target, cmd: StatusRead) -> Result<(), Fatal> {
    with_device(target, |d| {
        let status = d.flasher.read_flash_status(cmd.bytes)?;
        say!("Flash memory status: {status:#06x}");
        Ok(())
    })
}

/// `write-flash-status`: the value before, the one written, the value after (what the
/// chip kept: bits it does not have, or ignored, read back unchanged).
pub fn write_flash_status(target: &Target, cmd: StatusWrite) -> Result<(), Fatal> {
    with_device(target, |d| {
        let f = &mut d.flasher;
        let digits = usize::from(cmd.bytes.get()) * 2;
        let value = cmd.value & cmd.bytes.mask();
        let before = f.read_flash_status(cmd.bytes)?;
        say!("Initial flash memory status: 0x{before:0digits$x}");
        say!("Setting flash memory status: 0x{value:0digits$x}");
        f.write_flash_status(cmd)?;
        let after = f.read_flash_status(cmd.bytes)?;
        say!("After flash memory status:   0x{after:0digits$x}");
        Ok(())
    })
}

/// `read-flash-sfdp`: the flash ID lines, then the bytes.
pub fn read_flash_sfdp(target: &Target, cmd: SfdpRead) -> Result<(), Fatal> {
    with_device(target, |d| {
        let f = &mut d.flasher;
        let id = f.flash_id()?;
        say!("Manufacturer: {:02x}", id.manufacturer());
        say!("Device: {:04x}", id.device());
        match id.size() {
            Some(size) => say!("Detected flash size: {size}"),
            None => say!("Detected flash size: Unknown"),
        }
        let mut sfdp = f.read_sfdp(cmd.addr, u32::from(cmd.bytes) * 8)?;
        let end = u64::from(cmd.addr) + u64::from(cmd.bytes) - 1;
        let mut line = format!("Flash memory SFDP[{}..{end}]: ", cmd.addr);
        for _ in 0..cmd.bytes {
            line.push_str(&format!("{:#04x} ", sfdp & 0xFF));
            sfdp >>= 8;
        }
        say!("{line}");
        Ok(())
    })
}

/// `get-security-info`.
pub fn get_security_info(target: &Target) -> Result<(), Fatal> {
    let result = with_device(target, |d| match d.flasher.security_info()? {
        Some(info) => {
            print_security_info(&info, d.flasher.chip());
            Ok(super::chip::json_device(d).map(|device| SecurityInfoJson::new(device, &info)))
        }
        None => Err(Fatal(
            "The chip's security information has an unknown length.".into(),
        )),
    })?;
    super::chip::print_json("get-security-info", result)
}

/// Flag bits of GET_SECURITY_INFO (the same on every ROM, esptool says).
pub(crate) use espctl_chips::security_fields::flag::SECURE_BOOT_EN;
use espctl_chips::security_fields::flag::{
    DIS_DOWNLOAD_DCACHE, DIS_DOWNLOAD_ICACHE, DIS_USB, HARD_DIS_JTAG,
    SECURE_BOOT_AGGRESSIVE_REVOKE, SECURE_BOOT_KEY_REVOKE0, SOFT_DIS_JTAG,
};

/// Key blocks BLOCK_KEY0..5 (esptool `EFUSE_MAX_KEY` is 5 on every chip that reports
/// key purposes).
const KEY_BLOCKS: usize = 6;

fn print_security_info(info: &SecurityInfo, chip: &espctl_chips::Chip) {
    let title = "Security Information:";
    say!("{title}");
    say!("{}", "=".repeat(title.len()));
    say!("Flags: {:#010x} ({:#b})", info.flags, info.flags);
    let names = chip.security_fields.map_or(&[][..], |f| f.key_purposes);
    if !names.is_empty() {
        // As esptool prints them: the seven bytes as a Python tuple, then the purpose of
        // each of the six key blocks by name.
        let bytes: Vec<String> = info.key_purposes.iter().map(u8::to_string).collect();
        say!("Key Purposes: ({})", bytes.join(", "));
        let blocks: Vec<String> = info.key_purposes[..KEY_BLOCKS]
            .iter()
            .enumerate()
            .map(|(n, p)| {
                let name = names
                    .iter()
                    .find(|(v, _)| v == p)
                    .map_or("UNKNOWN", |x| x.1);
                format!("BLOCK_KEY{n} - {name}")
            })
            .collect();
        say!("  {}", blocks.join("\n  "));
    }
    if let (Some(id), Some(api)) = (info.chip_id, info.api_version) {
        say!("Chip ID: {id}");
        say!("API Version: {api}");
    }
    let flag = |bit: u32| info.flags & bit != 0;
    if flag(SECURE_BOOT_EN) {
        say!("Secure Boot: Enabled");
        if flag(SECURE_BOOT_AGGRESSIVE_REVOKE) {
            say!("Secure Boot Aggressive key revocation: Enabled");
        }
        let revoked: Vec<usize> = (0..3)
            .filter(|&i| flag(SECURE_BOOT_KEY_REVOKE0 << i))
            .collect();
        if !revoked.is_empty() {
            say!("Secure Boot Key Revocation Status:\n");
            for i in revoked {
                // esptool writes a tab, which its console expands to 8 spaces.
                say!("        Secure Boot Key{i} is Revoked\n");
            }
        }
    } else {
        say!("Secure Boot: Disabled");
    }
    let enabled = !info.flash_crypt_cnt.count_ones().is_multiple_of(2);
    say!(
        "Flash Encryption: {}",
        if enabled { "Enabled" } else { "Disabled" }
    );
    say!(
        "SPI Boot Crypt Count (SPI_BOOT_CRYPT_CNT): {:#x}",
        info.flash_crypt_cnt
    );
    if flag(DIS_DOWNLOAD_DCACHE) {
        say!("Dcache in UART download mode: Disabled");
    }
    if flag(DIS_DOWNLOAD_ICACHE) {
        say!("Icache in UART download mode: Disabled");
    }
    if flag(HARD_DIS_JTAG) {
        say!("JTAG: Permanently Disabled");
    } else if flag(SOFT_DIS_JTAG) {
        say!("JTAG: Software Access Disabled");
    }
    if flag(DIS_USB) {
        say!("USB Access: Disabled");
    }
}
