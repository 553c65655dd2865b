//! Lines for the events of the work on the flash: files, writes, reads, erases,
//! verification and the after-action.

use super::{State, speed};
use espctl_flasher::Event;

impl State {
    /// Prints `event`, one of the work on the flash (others print nothing).
    pub(super) fn work_event(&mut self, event: Event) {
        match event {
            Event::CheckingBackup { addr, len } => self.out(&format!(
                "Checking the data against the chip's MD5 of {len:#x} bytes at {addr:#010x}..."
            )),
            Event::RestoringOtherBoard {
                backup_mac,
                device_mac,
            } => self.warn(&format!(
                "The backup was read from the board with MAC {backup_mac}; restoring it onto the board with MAC {device_mac}."
            )),
            Event::DeclaredSizeDiffers { declared, detected } => self.warn(&format!(
                "The image at 0x0 declares a {declared} flash but the chip has {detected}: the SDK looks for its data where {declared} puts it (a known cause of boot loops; set -fs {detected} to match the chip)."
            )),
            Event::Esp8266Areas {
                declared,
                init_data,
                blank,
            } => {
                let mut parts = Vec::new();
                if let Some(at) = init_data {
                    parts.push(format!("init data at {at:#010x}"));
                }
                if let Some(at) = blank {
                    parts.push(format!("blank sector at {at:#010x}"));
                }
                self.out(&format!(
                    "ESP8266 SDK areas for a {declared} flash map: {}.",
                    parts.join(", ")
                ))
            }
            Event::FlashNotResponding => self.warn(
                "Failed to communicate with the flash chip, read/write operations will fail. Try checking the chip connections or removing any other hardware connected to IOs.",
            ),
            Event::ChosenPinsMayBeBusy => self.note(
                "Some GPIO pins might be used by other peripherals, try using another combination of pins for SPI flash connection.",
            ),
            Event::AttachingChosenPins { connection } => {
                self.out(&format!("Configuring SPI NOR flash mode ({connection})..."))
            }
            Event::VddSdioSet { voltage } => {
                self.out(&format!("VDDSDIO regulator set to {voltage}."))
            }
            Event::FileStarting { name, addr } => {
                self.out(&format!("\nWriting '{name}' at {addr:#010x}..."))
            }
            Event::FileEmpty { name } => self.warn(&format!("'{name}' is empty.")),
            Event::FlashParamsSet { value } => {
                self.out(&format!("Flash parameters set to {value:#06x}."))
            }
            Event::ShaDigestUpdated => self.out("SHA digest in image updated."),
            Event::ImageIncompatible { text } => self.note(&text),
            Event::SecurityKeepsFlashSettings => {
                self.warn("Security features enabled, so not changing any flash settings.")
            }
            Event::ImageNotPatched { warning, .. } => self.warn(&warning.to_string()),
            Event::UnalignedErase { addr, bytes_before } => self.note(&format!(
                "Flash address {addr:#010x} is not aligned to a 0x1000 byte flash sector. {bytes_before:#x} bytes before this address will be erased."
            )),
            Event::EraseRange {
                start,
                end_inclusive,
            } => self.out(&format!(
                "Flash will be erased from {start:#010x} to {end_inclusive:#010x}..."
            )),
            Event::ComparingFlash { .. } => {
                self.out("Comparing flash contents against new data...")
            }
            Event::FlashUnchanged { source, addr } => {
                self.out("No changed sectors found: the MD5s of the flash match the new data, nothing to write.");
                self.out(&format!("{source} at {addr:#010x} verified."))
            }
            Event::ChangedSectorsFound => self.out("Changed data sectors found, fast reflashing..."),
            Event::Reflashing { addr, sectors } => self.out(&format!(
                "Reflashing {sectors} changed sector{} at {addr:#010x}...",
                if sectors == 1 { "" } else { "s" }
            )),
            Event::Incompressible {
                name,
                compressed,
                uncompressed,
            } => self.note(&format!(
                "Cannot compress file '{name}' more than the original size, will flash uncompressed. Compressed size {compressed} bytes >= uncompressed {uncompressed} bytes."
            )),
            Event::Compressed {
                uncompressed,
                compressed,
            } => self.out(&format!("Compressed {uncompressed} bytes to {compressed}...")),
            Event::RomErasing => self.out("Erasing flash..."),
            Event::RomEraseTook { seconds } => {
                self.out(&format!("Took {seconds:.2}s to erase flash block."))
            }
            Event::ProgressStart { op, addr, total } => self.progress_start(op, addr, total),
            Event::Progress {
                op,
                addr,
                done,
                total,
            } => self.progress(op, addr, done, total),
            Event::ProgressEnd { .. } => {
                if let Some(bar) = self.bar.take() {
                    // The finished bar stays on screen; the cursor is still on its line.
                    bar.finish();
                    drop(bar);
                    self.out("");
                }
            }
            Event::Wrote {
                addr,
                bytes,
                compressed,
                seconds,
            } => {
                let line = match compressed {
                    Some(c) => format!(
                        "Wrote {bytes} bytes ({c} compressed) at {addr:#010x} in {seconds:.1} seconds{}.",
                        speed(bytes, seconds)
                    ),
                    None => format!(
                        "Wrote {bytes} bytes at {addr:#010x} in {seconds:.1} seconds{}.",
                        speed(bytes, seconds)
                    ),
                };
                self.out(&line)
            }
            Event::Verifying => self.out("Verifying written data..."),
            Event::VerifyingFile { addr, len, name } => self.out(&format!(
                "Verifying {len:#x} ({len}) bytes at {addr:#010x} in flash against {}...",
                name.map_or("input bytes".to_string(), |n| format!("'{n}'"))
            )),
            Event::Verified => self.out("Hash of data verified."),
            Event::EncryptedNotVerified => {
                self.out("Cannot verify written data if encrypted or in secure download mode.")
            }
            Event::FlashCryptConfigUnexpected { value } => {
                self.out(&format!("Unexpected FLASH_CRYPT_CONFIG value: {value:#x}"))
            }
            Event::FlashEncryptionKeyNotProgrammed => {
                self.out("Flash encryption key is not programmed.")
            }
            Event::EncryptUnaligned {
                source,
                addr,
                align,
            } => self.warn(&format!(
                "{source} (address {addr:#x}) is not {align} byte aligned, can't flash encrypted."
            )),
            Event::VerifyUnavailable => self.note(
                "The ESP8266 ROM cannot compute MD5: the written data was not verified (the flasher stub can; see 'espctl stub fetch').",
            ),
            // The command prints this one: it knows the output file.
            Event::Read { .. } => {}
            Event::ErasingFlash => self.out("Erasing flash memory (this may take a while)..."),
            Event::FlashErased { seconds } => self.out(&format!(
                "Flash memory erased successfully in {seconds:.1} seconds."
            )),
            Event::ErasingRegion => self.out(
                "Erasing flash memory region (this may take a while depending on size)...",
            ),
            Event::RegionErased { seconds } => self.out(&format!(
                "Flash memory region erased successfully in {seconds:.1} seconds."
            )),
            Event::HardResetting => self.out("Hard resetting via RTS pin..."),
            Event::WatchdogResetting => self.out("Hard resetting with a watchdog..."),
            Event::CustomHardReset { sequence } => {
                self.out(&format!("Custom reset sequence executed: {sequence}"))
            }
            Event::SoftResetting => self.out("Soft resetting..."),
            Event::StayingInBootloader => self.out("Staying in bootloader."),
            Event::StayingInStub => self.out("Staying in flasher stub."),
            Event::WatchdogUnsupported { chip } => self.note(&format!(
                "Watchdog hard reset is not supported on {}, attempting classic hard reset instead.",
                chip.name
            )),
            Event::Trace(t) => self.trace(t),
            _ => {}
        }
    }
}
