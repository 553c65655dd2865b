//! What happens to the ELF sections before they are laid out: adjacent ones are merged,
//! the ESP8266's IROM section is set apart.

use espctl_chips::Chip;

use crate::elf::ElfSection;
use crate::{ImageError, Message};

/// Merges each section into the one before it when it starts where that one ends and
/// both are in the same memory types of `chip`. With `pad_for_alignment` (ESP32-family
/// `--ram-only-header`) a gap that only exists for the next section's alignment is
/// filled with zeros first.
pub(super) fn merge_adjacent(
    chip: &Chip,
    mut sections: Vec<ElfSection>,
    pad_for_alignment: bool,
    out: &mut dyn FnMut(Message),
) -> Vec<ElfSection> {
    if sections.is_empty() {
        return sections;
    }
    let mut kept_after_first: Vec<ElfSection> = Vec::new();
    // Walk backwards so that a chain of adjacent sections collapses into its first one.
    for i in (1..sections.len()).rev() {
        let (head, tail) = sections.split_at_mut(i);
        let elem = &mut head[i - 1];
        let next = &tail[0];
        if pad_for_alignment {
            let end = elem.addr as u64 + elem.data.len() as u64;
            let align = next.align.max(1) as u64;
            let aligned = end.div_ceil(align) * align;
            if aligned != end && aligned == next.addr as u64 {
                out(Message::Note(format!(
                    "Inserting {} bytes padding between {} and {}",
                    aligned - end,
                    elem.name,
                    next.name
                )));
                elem.data.resize((aligned - elem.addr as u64) as usize, 0);
            }
        }
        let adjacent = next.addr as u64 == elem.addr as u64 + elem.data.len() as u64;
        let memory_types = |addr| chip.image.memory_types(addr);
        if adjacent && memory_types(elem.addr) == memory_types(next.addr) {
            let data = next.data.clone();
            elem.data.extend(data);
        } else {
            kept_after_first.push(next.clone());
        }
    }
    kept_after_first.push(sections[0].clone());
    kept_after_first.reverse();
    kept_after_first
}

/// Separates the ESP8266 IROM section (there may be one) from the others.
pub(super) fn split_irom(
    chip: &Chip,
    sections: Vec<ElfSection>,
) -> Result<(Option<ElfSection>, Vec<ElfSection>), ImageError> {
    let (irom, normal): (Vec<_>, Vec<_>) = sections
        .into_iter()
        .partition(|s| chip.image.irom.contains(s.addr));
    if irom.len() > 1 {
        return Err(ImageError::TooManyIromSegments(irom.len()));
    }
    Ok((irom.into_iter().next(), normal))
}
