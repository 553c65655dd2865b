//! The flash MMU page size an image is laid out for: `--flash-mmu-page-size`, else what
//! the app descriptor says (ESP-IDF 5.4 and later) or where it sits, else the default.

use espctl_chips::Chip;

use crate::descriptor::AppDescriptor;
use crate::elf::Elf;
use crate::{ImageError, Message};

/// The page-size rules of the image being built.
pub(super) struct PageRules<'a> {
    /// The chip whose rules apply (its name is in the messages).
    pub chip: &'a Chip,
    pub is_flash: &'a dyn Fn(u32) -> bool,
}

impl PageRules<'_> {
    fn default_size(&self) -> u32 {
        self.chip.image.mmu_page_size
    }

    /// Page sizes the app may choose; empty where the size is fixed.
    fn choices(&self) -> &'static [u32] {
        self.chip.image.mmu_page_sizes
    }

    /// `size` if the chip can use it. A chip with a fixed page size keeps its own and
    /// says so.
    fn accept(&self, size: u64, out: &mut dyn FnMut(Message)) -> Result<Option<u32>, ImageError> {
        let choices = self.choices();
        if choices.is_empty() {
            if size != self.default_size() as u64 {
                // esptool prints an empty warning where there is no page at all (ESP8266).
                out(Message::Warning(match self.default_size() {
                    0 => String::new(),
                    page => format!(
                        "Changing MMU page size is not supported on {}! Defaulting to {}KB.",
                        self.chip.name,
                        page / 1024
                    ),
                }));
            }
            return Ok(None);
        }
        match choices.iter().find(|&&c| c as u64 == size) {
            Some(&c) => Ok(Some(c)),
            None => Err(ImageError::BadMmuPageSize {
                size,
                chip: self.chip.name,
                valid: choices
                    .iter()
                    .map(|s| format!("{}KB", s / 1024))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}

/// The page size to lay the image out with.
pub(super) fn page_size(
    rules: &PageRules,
    asked: Option<u32>,
    elf: &Elf,
    out: &mut dyn FnMut(Message),
) -> Result<u32, ImageError> {
    let chosen = match asked {
        Some(size) => rules.accept(size as u64, out)?,
        None => from_app_descriptor(rules, elf, out)?,
    };
    Ok(chosen.unwrap_or(rules.default_size()))
}

/// An app built for a chip with a choice of page sizes says which in its descriptor;
/// apps before ESP-IDF 5.4 do not, and the descriptor's address tells (it sits right
/// after the image header, extended header and segment header: 32 bytes into a page).
fn from_app_descriptor(
    rules: &PageRules,
    elf: &Elf,
    out: &mut dyn FnMut(Message),
) -> Result<Option<u32>, ImageError> {
    let choices = rules.choices();
    let Some(section) = elf
        .sections
        .iter()
        .find(|s| s.name.contains(".flash.appdesc"))
    else {
        return Ok(None);
    };
    if choices.is_empty() || !(rules.is_flash)(section.addr) {
        return Ok(None);
    }
    let Some(desc) = AppDescriptor::parse(&section.data) else {
        return Ok(None);
    };
    if let Some(kb) = desc.mmu_page_size_kb() {
        // esptool goes through the "NN KB" text it prints, so sizes under 1 KB are 0.
        let size = u64::try_from(kb.saturating_mul(1024)).unwrap_or(u64::MAX);
        return rules.accept(size, out);
    }
    let header_len = 24 + 8;
    match choices
        .iter()
        .rev()
        .find(|&&size| section.addr.wrapping_sub(header_len) % size == 0)
    {
        Some(&size) => {
            out(Message::Print(format!(
                "MMU page size not specified, set to {} KB",
                size / 1024
            )));
            Ok(Some(size))
        }
        None => {
            out(Message::Warning(
                "App description segment is not aligned to MMU page size, probably linker script issue or wrong MMU page size. Try to set MMU page size parameter manually.".into(),
            ));
            Ok(None)
        }
    }
}
