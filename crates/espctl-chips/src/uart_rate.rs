//! What rate a UART divider makes of its clock, and whether the other end of the line
//! still understands it: a rate the divider misses by more than [`RATE_TOLERANCE`]
//! garbles every byte.

use crate::StubUartClock;

/// How far two UARTs' rates may differ and still understand each other. A 10-bit frame
/// sampled in the middle of each bit tolerates a few per cent between both ends; 2% is
/// the usual budget.
pub const RATE_TOLERANCE: f64 = 0.02;

/// The rate a divider of `div16` sixteenths makes of `clock_hz` (at least 1).
pub fn divided(clock_hz: u64, div16: u64) -> u32 {
    (clock_hz * 16 / div16.max(16)) as u32
}

/// The rate a divider with 4 fractional bits, computed as `(clock << 4) / baud`, makes
/// of `clock_hz` when asked for `baud` (the ESP32 ROM and the PLL-clocked stubs).
pub fn fractional(clock_hz: u64, baud: u32) -> u32 {
    divided(clock_hz, (clock_hz << 4) / u64::from(baud.max(1)))
}

/// Whether a line at `actual` baud is understood by a peer at `wanted`.
pub fn within_tolerance(actual: u32, wanted: u32) -> bool {
    let (a, w) = (f64::from(actual), f64::from(wanted.max(1)));
    ((a - w) / w).abs() <= RATE_TOLERANCE
}

impl StubUartClock {
    /// The divider the stub programs after CHANGE_BAUDRATE with `request` as the new
    /// rate: the clock it divides and the divider in sixteenths. `bus_hz` is the clock
    /// the ROM runs the UART from (the crystal, doubled on the ESP8266) and
    /// `current_div` the integer divider the stub finds in `UART_CLKDIV`. The ESP8266
    /// stub computes `current_div * 115200` in 32 bits, so it wraps as on the chip.
    pub fn divider_after_request(self, request: u32, bus_hz: u64, current_div: u32) -> (u64, u64) {
        let request = request.max(1);
        match self {
            StubUartClock::ScaleCurrentDivider => {
                let div = (current_div.wrapping_mul(115_200) / request).max(1);
                (bus_hz, u64::from(div) << 4)
            }
            StubUartClock::Pll { clock_hz } => {
                let clock = u64::from(clock_hz);
                (clock, (clock << 4) / u64::from(request))
            }
        }
    }

    /// The rate the stub's UART runs at after CHANGE_BAUDRATE with `request` as the new
    /// rate (see [`divider_after_request`](Self::divider_after_request)).
    pub fn rate_after_request(self, request: u32, bus_hz: u64, current_div: u32) -> u32 {
        let (clock, div16) = self.divider_after_request(request, bus_hz, current_div);
        divided(clock, div16)
    }

    /// The value to send in CHANGE_BAUDRATE for the stub to land nearest `baud`. The
    /// ESP8266 stub scales the divider it finds as if the line ran at 115200, so the
    /// value is worked back from that divider (sending `baud` itself would truncate to
    /// a divider too small: 2 Mbaud would come out 4% fast).
    pub fn request_for(self, baud: u32, bus_hz: u64, current_div: u32) -> u32 {
        match self {
            StubUartClock::ScaleCurrentDivider => {
                let baud = u64::from(baud.max(1));
                let target = ((bus_hz + baud / 2) / baud).max(1);
                (u64::from(current_div) * 115_200 / target).clamp(1, u64::from(u32::MAX)) as u32
            }
            StubUartClock::Pll { .. } => baud,
        }
    }

    /// The rate the stub's UART runs at when asked for `baud` the way
    /// [`request_for`](Self::request_for) asks.
    pub fn rate_for(self, baud: u32, bus_hz: u64, current_div: u32) -> u32 {
        let request = self.request_for(baud, bus_hz, current_div);
        self.rate_after_request(request, bus_hz, current_div)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integer_divider_misses_rates_a_fractional_one_makes() {
        // ESP8266 stub: 52 MHz bus, the ROM's divider for 115200 is 451.
        let esp8266 = StubUartClock::ScaleCurrentDivider;
        let at = |baud| esp8266.rate_for(baud, 52_000_000, 451);
        assert_eq!(at(2_000_000), 2_000_000);
        assert_eq!(at(4_000_000), 4_000_000);
        assert_eq!(at(5_000_000), 5_200_000);
        assert!(!within_tolerance(at(5_000_000), 5_000_000));
        for baud in [3_000_000, 1_500_000, 921_600] {
            assert!(within_tolerance(at(baud), baud), "{baud}");
        }
        // Sending the rate itself truncates: 2 Mbaud comes out 4% fast.
        let raw = esp8266.rate_after_request(2_000_000, 52_000_000, 451);
        assert!(!within_tolerance(raw, 2_000_000));
        // Back from 3 Mbaud (divider 17) to 115200: the divider is worked back to 451.
        let back = esp8266.request_for(115_200, 52_000_000, 17);
        assert_eq!(esp8266.rate_after_request(back, 52_000_000, 17), 115_299);
        // ESP32 stub on the 80 MHz APB clock: every rate up to 5 Mbaud is close.
        let esp32 = StubUartClock::Pll {
            clock_hz: 80_000_000,
        };
        for baud in [
            5_000_000, 4_000_000, 3_000_000, 2_000_000, 1_500_000, 921_600,
        ] {
            assert!(within_tolerance(esp32.rate_for(baud, 0, 0), baud), "{baud}");
        }
        assert_eq!(fractional(40_000_000, 3_000_000), 3_004_694);
    }
}
