//! What a chip's firmware images look like: memory map, flash-mapped ranges, MMU page
//! sizes, the UF2 family. Read by `espctl-image` (elf2image, image-info, merge-bin).

/// One named range of a chip's address space (esptool's `MEMORY_MAP`). Ranges overlap:
/// an address can be `DRAM` and `BYTE_ACCESSIBLE` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryRegion {
    /// First address.
    pub start: u32,
    /// One past the last address.
    pub end: u32,
    /// esptool's name for it (`DRAM`, `IROM`).
    pub name: &'static str,
}

impl MemoryRegion {
    /// The region `[start, end)` called `name`.
    pub const fn new(start: u32, end: u32, name: &'static str) -> MemoryRegion {
        MemoryRegion { start, end, name }
    }
}

/// A half-open address range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrRange {
    /// First address.
    pub start: u32,
    /// One past the last address.
    pub end: u32,
}

impl AddrRange {
    /// The range `[start, end)`.
    pub const fn new(start: u32, end: u32) -> AddrRange {
        AddrRange { start, end }
    }

    /// Whether `addr` is in the range.
    pub fn contains(&self, addr: u32) -> bool {
        self.start <= addr && addr < self.end
    }
}

/// The image layout a chip's ROM boots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// 8-byte header only; IROM lives in a separate file (v1) or in a v2 "irom" image.
    Esp8266,
    /// 8-byte header plus a 16-byte extended header (chip id, revisions, digest flag);
    /// flash-mapped segments sit at MMU-page-aligned file offsets.
    Esp32,
}

/// Image facts of one chip.
#[derive(Debug, Clone, Copy)]
pub struct ImageFacts {
    /// The header layout.
    pub format: ImageFormat,
    /// Named ranges, in esptool's order (image-info lists every match in this order).
    pub memory_map: &'static [MemoryRegion],
    /// Flash-mapped instruction range (ESP8266: the IROM window at 0x40200000).
    pub irom: AddrRange,
    /// Flash-mapped data range (none on the ESP8266).
    pub drom: Option<AddrRange>,
    /// Default flash MMU page size, the alignment of flash-mapped segments (0 on ESP8266).
    pub mmu_page_size: u32,
    /// Page sizes the app can choose; empty where the page size is fixed.
    pub mmu_page_sizes: &'static [u32],
    /// UF2 family id used by merge-bin `--format uf2`.
    pub uf2_family_id: u32,
    /// Secure Boot v1 padding (`--secure-pad`) exists only on the ESP32.
    pub secure_boot_v1: bool,
    /// ESP32 only: flash segments are padded to end at least 0x24 bytes past an MMU page
    /// boundary (old ESP-IDF bootloaders left the last page unmapped otherwise).
    pub pad_flash_segment_tail: bool,
}

impl ImageFacts {
    /// Whether `addr` is mapped from flash (IROM or DROM).
    pub fn is_flash_addr(&self, addr: u32) -> bool {
        self.irom.contains(addr) || self.drom.is_some_and(|d| d.contains(addr))
    }

    /// Names of every memory region that contains `addr`, in memory-map order.
    pub fn memory_types(&self, addr: u32) -> Vec<&'static str> {
        self.memory_map
            .iter()
            .filter(|r| r.start <= addr && addr < r.end)
            .map(|r| r.name)
            .collect()
    }
}
