//! The USB-serial bridges espctl recognises by their USB IDs, and the fastest rate each
//! one carries reliably: the one table the port listing and the fast-rate choice read.

/// A USB vendor and product ID pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UsbId {
    /// Vendor ID.
    pub vid: u16,
    /// Product ID.
    pub pid: u16,
}

impl std::fmt::Display for UsbId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04X}:{:04X}", self.vid, self.pid)
    }
}

/// Espressif's USB vendor ID (native USB of the chips, the USB-Serial-JTAG).
pub const ESPRESSIF_VID: u16 = 0x303A;

/// A known USB-serial bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bridge {
    /// Its USB IDs.
    pub id: UsbId,
    /// Where one ID covers several chips (CP2102 and CP2102N), the text the USB product
    /// string must contain; `None` matches any product.
    pub product: Option<&'static str>,
    /// What people call it.
    pub name: &'static str,
    /// The fastest rate it carries; `None` when the rate does not limit the line (a
    /// native USB port ignores it).
    pub max_baud: Option<u32>,
}

const fn bridge(
    vid: u16,
    pid: u16,
    product: Option<&'static str>,
    name: &'static str,
    max_baud: Option<u32>,
) -> Bridge {
    Bridge {
        id: UsbId { vid, pid },
        product,
        name,
        max_baud,
    }
}

/// Known bridges, the more specific entry of a shared ID first. Rates from the vendors'
/// datasheets: the FTDI FT232H up to 12 Mbaud, CP2102N and the FTDI FT232R/FT231X up to
/// 3 Mbaud, CH340/CH341 2 Mbaud, the older CP2102/CP2104 921600 in practice.
pub const BRIDGES: &[Bridge] = &[
    bridge(0x10C4, 0xEA60, Some("CP2102N"), "CP2102N", Some(3_000_000)),
    bridge(0x10C4, 0xEA60, None, "CP210x", Some(921_600)),
    bridge(0x1A86, 0x7523, None, "CH340", Some(2_000_000)),
    bridge(0x1A86, 0x5523, None, "CH341", Some(2_000_000)),
    bridge(0x0403, 0x6001, None, "FT232R", Some(3_000_000)),
    bridge(0x0403, 0x6015, None, "FT231X", Some(3_000_000)),
    bridge(0x0403, 0x6014, None, "FT232H", Some(12_000_000)),
    bridge(ESPRESSIF_VID, 0x1001, None, "USB-Serial-JTAG", None),
];

/// Vendors of USB-serial bridges: their ports are listed and tried right after
/// Espressif's (Silicon Labs, WCH, FTDI).
pub const BRIDGE_VIDS: &[u16] = &[0x10C4, 0x1A86, 0x0403];

/// The bridge with `id` (and, where the ID is shared, whose product string says which).
pub fn bridge_for(id: UsbId, product: Option<&str>) -> Option<&'static Bridge> {
    BRIDGES.iter().find(|b| {
        b.id == id
            && b.product.is_none_or(|want| {
                product.is_some_and(|p| p.to_lowercase().contains(&want.to_lowercase()))
            })
    })
}

/// The rates the fast default tries, fastest first: rates the bridges above divide
/// exactly or nearly, up to the 5 Mbaud the chips' UARTs reach (80 MHz / 16), and the
/// classic 921600 last.
pub const FAST_RATES: &[u32] = &[
    5_000_000, 4_000_000, 3_000_000, 2_000_000, 1_500_000, 921_600,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn id(vid: u16, pid: u16) -> UsbId {
        UsbId { vid, pid }
    }

    #[test]
    fn a_shared_id_is_told_apart_by_its_product_string() {
        let n = bridge_for(
            id(0x10C4, 0xEA60),
            Some("CP2102N USB to UART Bridge Controller"),
        );
        assert_eq!(n.map(|b| b.max_baud), Some(Some(3_000_000)));
        let old = bridge_for(
            id(0x10C4, 0xEA60),
            Some("CP2102 USB to UART Bridge Controller"),
        );
        assert_eq!(
            old.map(|b| (b.name, b.max_baud)),
            Some(("CP210x", Some(921_600)))
        );
        assert_eq!(bridge_for(id(0x10C4, 0xEA60), None).unwrap().name, "CP210x");
    }

    #[test]
    fn known_and_unknown_ids() {
        assert_eq!(
            bridge_for(id(0x1A86, 0x7523), None).unwrap().max_baud,
            Some(2_000_000)
        );
        assert_eq!(
            bridge_for(id(0x0403, 0x6001), None).unwrap().max_baud,
            Some(3_000_000)
        );
        assert_eq!(bridge_for(id(0x1234, 0x5678), None), None);
        assert_eq!(id(0x303A, 0x1001).to_string(), "303A:1001");
    }
}
