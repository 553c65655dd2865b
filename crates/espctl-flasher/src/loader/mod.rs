//! Which program answers on the chip: the bootloader in mask ROM, or the flasher stub
//! uploaded into RAM. Both speak the same protocol but differ in what they can do and in
//! how; each answers those questions itself ([`RomLoader`], [`StubLoader`]) and the rest
//! of the library only asks (as esptool's `StubMixin` overrides its ROM classes).

mod rom;
mod stub;

pub use rom::RomLoader;
pub use stub::StubLoader;

use espctl_chips::Chip;
use std::fmt::Debug;

/// Which kind of loader runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoaderKind {
    /// The bootloader in mask ROM.
    Rom,
    /// The flasher stub espctl uploaded (or found running).
    Stub,
}

/// Something a loader may or may not be able to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ability {
    /// Take compressed data (FLASH_DEFL_*).
    CompressedWrite,
    /// Read flash back (the stub streams it; some ROMs send 64 bytes per command).
    ReadFlash,
    /// Compute the MD5 of a flash region (SPI_FLASH_MD5).
    HashFlash,
    /// Switch the UART to another rate (CHANGE_BAUDRATE).
    ChangeBaud,
    /// Be told the flash geometry (SPI_SET_PARAMS).
    SetFlashParams,
}

/// What the ROM loader of a chip lacks compared with the stub; a front end explains
/// these when no stub is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limitation {
    /// Writes go uncompressed, so they take longer.
    SlowerWrites,
    /// Flash can be read only 64 bytes per command.
    SlowReads,
    /// Flash cannot be read at all.
    NoReads,
    /// Written data cannot be verified (no MD5).
    NoVerify,
    /// The line stays at 115200 baud.
    FixedBaud,
}

/// How a loader reads flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMethod {
    /// READ_FLASH: a stream of 4KB frames acknowledged by the host, then an MD5.
    Streamed,
    /// READ_FLASH_SLOW: 64 bytes per command and nothing on the wire to catch damage,
    /// so the result is compared with the loader's MD5 of the same range.
    SlowChecked,
    /// Cannot read flash.
    Unsupported,
}

/// How a loader erases flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EraseMethod {
    /// ERASE_FLASH and ERASE_REGION.
    Commands,
    /// FLASH_BEGIN without data, which erases the region it announces.
    FlashBegin,
}

/// What a loader needs before the flash can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachMethod {
    /// Nothing: the flash is attached already.
    Attached,
    /// SPI_ATTACH with the pins the eFuses select.
    SpiAttach,
    /// An empty FLASH_BEGIN (the ESP8266 ROM attaches the flash there).
    EmptyFlashBegin,
}

/// How a loader restarts the application without a reset line (`--after soft-reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoftReset {
    /// An empty FLASH_BEGIN, then FLASH_END asking to run the application.
    FlashEnd,
    /// RUN_USER_CODE, which the stub obeys without a reply.
    RunUserCode,
    /// Cannot.
    Unsupported,
}

/// What to send in CHANGE_BAUDRATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaudRequest {
    /// These two words as they are.
    Words {
        /// The first word: the rate asked for, as the loader needs it.
        new: u32,
        /// The second word: the rate now (0 for a ROM).
        old: u32,
    },
    /// The rate scaled by the error of the ROM's own crystal measurement (read from the
    /// chip first); the second word is 0.
    ScaledByRomCrystal,
    /// The rate scaled by the crystal the ROM assumes over the real one (ESP32-C2: 40
    /// MHz assumed, esptool `ESP32C2ROM.change_baud`); the second word is 0.
    ScaledByAssumedCrystal {
        /// The crystal the ROM computes its divider for, in MHz.
        assumed_mhz: u32,
    },
}

/// Where the crystal frequency is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrystalSource {
    /// The UART divider against the line's rate.
    UartDivider,
    /// The measurement the ROM recorded (the stub runs the bus from the PLL, so the
    /// divider no longer tells).
    RomRecord,
}

/// The answers that tell the ROM loader and the flasher stub apart.
pub trait Loader: Debug + Send + Sync {
    /// Which kind it is.
    fn kind(&self) -> LoaderKind;

    /// The chip it runs on.
    fn chip(&self) -> &'static Chip;

    /// How messages name it: `ESP8266 ROM`, `The ESP32 flasher stub`.
    fn name(&self) -> String;

    /// Whether it can do `ability`.
    fn can(&self, ability: Ability) -> bool;

    /// What it lacks compared with the stub (nothing for the stub).
    fn limitations(&self) -> Vec<Limitation>;

    /// Data bytes per FLASH_DATA / FLASH_DEFL_DATA block.
    fn flash_block_size(&self) -> u32;

    /// The fifth FLASH_BEGIN word ("encrypted"), for loaders that take it.
    fn begin_encrypted_word(&self) -> Option<u32>;

    /// Whether writes are compressed when the caller does not say.
    fn compresses_by_default(&self) -> bool;

    /// Whether a write must start at a sector boundary (the host then sends the erased
    /// bytes before the file as well, as esptool does).
    fn writes_from_sector_start(&self) -> bool;

    /// The erase size to announce in FLASH_BEGIN for `len` bytes at `addr`.
    fn begin_erase_size(&self, addr: u32, len: u32) -> u32;

    /// The size to announce in FLASH_DEFL_BEGIN for `len` bytes of flash sent in blocks
    /// of `block` compressed bytes.
    fn defl_begin_size(&self, len: u32, block: u32) -> u32;

    /// Whether FLASH_BEGIN erases the whole region before it answers (its reply then
    /// takes as long as the erase).
    fn erases_at_begin(&self) -> bool;

    /// Whether a block's reply comes before the block is in flash, so that the next
    /// reply waits for this block's erase and write (the stub), rather than after (ROM).
    fn acknowledges_before_writing(&self) -> bool;

    /// The bytes of flash erased and written for a compressed block that inflates to
    /// `unpacked` bytes, before its reply (or, for a loader that acknowledges first, the
    /// next one): what its wait is computed from (esptool's erase-write per MB).
    fn block_write_size(&self, unpacked: usize) -> u64;

    /// Whether FLASH_DATA and MEM_DATA blocks land by their sequence number (so the same
    /// block sent again lands in the same place), rather than after the last block.
    fn places_blocks_by_seq(&self) -> bool;

    /// Whether a write ends with FLASH_END / FLASH_DEFL_END, whose reply comes once the
    /// last block is in flash.
    fn ends_writes(&self) -> bool;

    /// How it reads flash.
    fn read_method(&self) -> ReadMethod;

    /// How it erases flash.
    fn erase_method(&self) -> EraseMethod;

    /// What it needs before the flash can be used.
    fn attach_method(&self) -> AttachMethod;

    /// Whether `keep` as flash size deserves the note that the size told the loader may
    /// be wrong.
    fn warns_about_kept_size(&self) -> bool;

    /// Bytes of data in a SPI_FLASH_MD5 reply.
    fn md5_reply_len(&self) -> usize;

    /// The MD5 from the data of a SPI_FLASH_MD5 reply, `None` when it is garbled.
    fn md5_from_reply(&self, data: &[u8]) -> Option<[u8; 16]>;

    /// What to send to switch from `current` to `baud`.
    fn baud_request(&self, baud: u32, current: u32) -> BaudRequest;

    /// Where the crystal frequency is read from.
    fn crystal_source(&self) -> CrystalSource;

    /// How it restarts the application without a reset line.
    fn soft_reset(&self) -> SoftReset;

    /// Whether leaving it for the next connection (`--after no-reset`) takes a
    /// FLASH_END with the reboot flag, as esptool sends to a stub.
    fn leaves_with_reboot_request(&self) -> bool;

    /// Whether the reply to MEM_END with an entry point may never come (the code starts
    /// before it leaves).
    fn may_skip_mem_end_reply(&self) -> bool;
}

/// The loader of `kind` on `chip`.
pub fn for_kind(kind: LoaderKind, chip: &'static Chip) -> Box<dyn Loader> {
    match kind {
        LoaderKind::Rom => Box::new(RomLoader::new(chip)),
        LoaderKind::Stub => Box::new(StubLoader::new(chip)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_chips::esp32::ESP32;
    use espctl_chips::esp8266::ESP8266;

    #[test]
    fn the_esp8266_rom_lacks_what_the_stub_has() {
        let rom = for_kind(LoaderKind::Rom, &ESP8266);
        let stub = for_kind(LoaderKind::Stub, &ESP8266);
        assert_eq!(rom.name(), "ESP8266 ROM");
        assert_eq!(stub.name(), "The ESP8266 flasher stub");
        for ability in [
            Ability::CompressedWrite,
            Ability::ReadFlash,
            Ability::HashFlash,
            Ability::ChangeBaud,
            Ability::SetFlashParams,
        ] {
            assert!(!rom.can(ability), "{ability:?}");
            assert!(stub.can(ability), "{ability:?}");
        }
        assert_eq!(
            rom.limitations(),
            [
                Limitation::SlowerWrites,
                Limitation::NoReads,
                Limitation::NoVerify,
                Limitation::FixedBaud
            ]
        );
        assert!(stub.limitations().is_empty());
        // Its erase bug: the size announced is shrunk so that it erases what is meant.
        assert_eq!(rom.begin_erase_size(0x10000, 10000), 8192);
        assert_eq!(stub.begin_erase_size(0x10000, 10000), 10000);
    }

    #[test]
    fn the_esp32_rom_reads_slowly_and_hashes_in_hex() {
        let rom = for_kind(LoaderKind::Rom, &ESP32);
        assert_eq!(rom.read_method(), ReadMethod::SlowChecked);
        assert_eq!(
            rom.limitations(),
            [Limitation::SlowerWrites, Limitation::SlowReads]
        );
        assert_eq!(rom.md5_reply_len(), 32);
        let hex = b"0123456789abcdef0123456789ABCDEF";
        assert_eq!(
            rom.md5_from_reply(hex).unwrap()[..2],
            [0x01, 0x23],
            "upper and lower case digits"
        );
        assert_eq!(
            rom.md5_from_reply(b"not hex at all, not hex at all!!"),
            None
        );
        let stub = for_kind(LoaderKind::Stub, &ESP32);
        assert_eq!(stub.md5_reply_len(), 16);
        assert_eq!(stub.md5_from_reply(&[7; 16]), Some([7; 16]));
        // The stub wants the exact size; the ROM whole blocks, which it erases first.
        assert_eq!(stub.defl_begin_size(5000, 0x4000), 5000);
        assert_eq!(rom.defl_begin_size(5000, 0x400), 5120);
    }

    #[test]
    fn stub_block_waits_allow_for_erasing() {
        let rom = for_kind(LoaderKind::Rom, &ESP32);
        let stub = for_kind(LoaderKind::Stub, &ESP32);
        assert_eq!(rom.block_write_size(16 * 1024), 16 * 1024);
        // 100 KB inflated: 4 buffers + 1, so 5 x 64 KB erased besides.
        assert_eq!(stub.block_write_size(100 * 1024), (100 + 5 * 64) * 1024);
    }
}
