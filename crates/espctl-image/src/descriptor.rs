//! Descriptors ESP-IDF embeds in images: `esp_app_desc_t` at the start of the first
//! DROM segment of an app, `esp_bootloader_desc_t` at the start of a bootloader's DRAM.

/// `esp_app_desc_t.magic_word`.
pub const APP_DESC_MAGIC: u32 = 0xABCD_5432;
/// Length of `esp_app_desc_t` in bytes.
pub const APP_DESC_LEN: usize = 256;
/// `esp_bootloader_desc_t.magic_byte`.
pub const BOOTLOADER_DESC_MAGIC: u8 = 0x50;
/// Length of `esp_bootloader_desc_t` in bytes.
pub const BOOTLOADER_DESC_LEN: usize = 80;

/// The application description of an ESP-IDF app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDescriptor {
    /// Bytes 4..8: the app's security version, for Secure Boot anti-rollback.
    pub secure_version: u32,
    /// Bytes 16..48: the app version string (`PROJECT_VER`).
    pub version: String,
    /// Bytes 48..80: the project name.
    pub project_name: String,
    /// Bytes 80..96: compile time (`__TIME__`).
    pub time: String,
    /// Bytes 96..112: compile date (`__DATE__`).
    pub date: String,
    /// Bytes 112..144: the ESP-IDF version the app was built with.
    pub idf_ver: String,
    /// Bytes 144..176: SHA-256 of the app's ELF file (elf2image writes it there).
    pub app_elf_sha256: [u8; 32],
    /// Bytes 176..178: minimum eFuse block revision, major * 100 + minor.
    pub min_efuse_blk_rev_full: u16,
    /// Bytes 178..180: maximum eFuse block revision, major * 100 + minor.
    pub max_efuse_blk_rev_full: u16,
    /// Byte 180: log2 of the flash MMU page size; 0 when the app does not say (before
    /// IDF 5.4).
    pub mmu_page_size_log2: u8,
}

/// The bootloader description of an ESP-IDF bootloader (IDF 5.2 and later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootloaderDescriptor {
    /// Bytes 4..8: the bootloader version (`CONFIG_BOOTLOADER_PROJECT_VER`).
    pub version: u32,
    /// Bytes 8..40: the ESP-IDF version the bootloader was built with.
    pub idf_ver: String,
    /// Bytes 40..64: compile date and time.
    pub date_time: String,
}

/// Text of a fixed-size string field: every NUL removed, invalid UTF-8 replaced.
fn text(field: &[u8]) -> String {
    String::from_utf8_lossy(field).replace('\0', "")
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

impl AppDescriptor {
    /// Parses the descriptor at the start of `data`; `None` without the magic word or
    /// when fewer than 256 bytes are there.
    pub fn parse(data: &[u8]) -> Option<AppDescriptor> {
        let b = data.get(..APP_DESC_LEN)?;
        if u32_at(b, 0) != APP_DESC_MAGIC {
            return None;
        }
        Some(AppDescriptor {
            secure_version: u32_at(b, 4),
            version: text(&b[16..48]),
            project_name: text(&b[48..80]),
            time: text(&b[80..96]),
            date: text(&b[96..112]),
            idf_ver: text(&b[112..144]),
            app_elf_sha256: b[144..176].try_into().expect("32 bytes"),
            min_efuse_blk_rev_full: u16::from_le_bytes([b[176], b[177]]),
            max_efuse_blk_rev_full: u16::from_le_bytes([b[178], b[179]]),
            mmu_page_size_log2: b[180],
        })
    }

    /// The MMU page size the app was built for, in KB as esptool reckons it
    /// (`2^n // 1024`, so 0 below 1 KB); `None` when the app does not say.
    pub fn mmu_page_size_kb(&self) -> Option<u128> {
        (self.mmu_page_size_log2 != 0).then(|| {
            1u128
                .checked_shl(self.mmu_page_size_log2 as u32)
                .map_or(u128::MAX, |size| size / 1024)
        })
    }
}

impl BootloaderDescriptor {
    /// Parses the descriptor at the start of `data`; `None` without the magic byte or
    /// when fewer than 80 bytes are there.
    pub fn parse(data: &[u8]) -> Option<BootloaderDescriptor> {
        let b = data.get(..BOOTLOADER_DESC_LEN)?;
        if b[0] != BOOTLOADER_DESC_MAGIC {
            return None;
        }
        Some(BootloaderDescriptor {
            version: u32_at(b, 4),
            idf_ver: text(&b[8..40]),
            date_time: text(&b[40..64]),
        })
    }
}
