//! The MAC lines esptool prints for `read-mac`, `chip-id` and after connecting.

use espctl_chips::{eui64, format_mac};

/// `MAC: <base>`; on chips with a MAC extension (IEEE 802.15.4 radio) esptool prints
/// the EUI-64 as `MAC:`, then `BASE MAC:` and `MAC_EXT:`.
pub fn mac_lines(base: [u8; 6], ext: Option<[u8; 2]>) -> Vec<String> {
    let line =
        |label: &str, bytes: &[u8]| format!("{:<20}{}", format!("{label}:"), format_mac(bytes));
    match ext {
        None => vec![line("MAC", &base)],
        Some(ext) => vec![
            line("MAC", &eui64(base, ext)),
            line("BASE MAC", &base),
            line("MAC_EXT", &ext),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: [u8; 6] = [0x24, 0x0A, 0xC4, 0x65, 0x43, 0x21];

    #[test]
    fn plain_chips_print_the_base_mac() {
        assert_eq!(
            mac_lines(BASE, None),
            ["MAC:                24:0a:c4:65:43:21"]
        );
    }

    #[test]
    fn chips_with_an_extension_print_eui64_base_and_extension() {
        assert_eq!(
            mac_lines(BASE, Some([0xFF, 0xFE])),
            [
                "MAC:                24:0a:c4:ff:fe:65:43:21",
                "BASE MAC:           24:0a:c4:65:43:21",
                "MAC_EXT:            ff:fe",
            ]
        );
    }
}
