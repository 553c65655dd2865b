//! The rates the fast default tries, fastest first: those of
//! [`FAST_RATES`](espctl_transport::adapters::FAST_RATES) the USB-serial bridge carries
//! (known from its USB IDs) and the chip's UART divider makes within tolerance. A port
//! whose bridge is unknown keeps the plan's fast rate.

use crate::error::Result;
use crate::event::Event;
use crate::session::Session;
use espctl_chips::{StubUartClock, uart_rate};
use espctl_transport::adapters::FAST_RATES;

/// Who runs the chip's UART during the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UartOwner {
    /// The flasher stub (it reprograms the divider its own way).
    Stub,
    /// The ROM loader.
    Rom,
}

/// The rates to try, fastest first; `unknown_adapter_rate` is the one rate for a port
/// whose bridge is not in the table.
pub(super) fn candidates(
    session: &mut Session,
    unknown_adapter_rate: u32,
    owner: UartOwner,
    crystal_mhz: u32,
) -> Result<Vec<u32>> {
    let Some((bridge, max)) = session
        .usb_device()
        .and_then(|usb| usb.bridge())
        .and_then(|b| Some((b, b.max_baud?)))
    else {
        return Ok(vec![unknown_adapter_rate]);
    };
    let divider = ChipDivider::of(session, owner, crystal_mhz)?;
    let mut rates: Vec<u32> = FAST_RATES
        .iter()
        .copied()
        .filter(|&baud| baud <= max && divider.makes(baud))
        .collect();
    if rates.is_empty() {
        rates.push(max.min(unknown_adapter_rate));
    }
    session.emit(Event::AdapterRates {
        adapter: bridge.name,
        max_baud: max,
        rates: rates.clone(),
    });
    Ok(rates)
}

/// How the chip's loader turns a rate into a divider.
enum ChipDivider {
    /// The stub's way, from the clock it runs the UART on and the divider it finds.
    Stub {
        clock: StubUartClock,
        bus_hz: u64,
        current_div: u32,
    },
    /// The ROM's fractional divider on its bus clock.
    Rom { bus_hz: u64 },
    /// Not known: every rate is assumed to work (the SYNC after the change decides).
    Unknown,
}

impl ChipDivider {
    fn of(session: &mut Session, owner: UartOwner, crystal_mhz: u32) -> Result<ChipDivider> {
        let chip = session.chip();
        let bus_hz = u64::from(crystal_mhz) * 1_000_000 * u64::from(chip.xtal_clk_divider);
        Ok(match (owner, chip.stub_uart) {
            (UartOwner::Stub, Some(clock)) => ChipDivider::Stub {
                clock,
                bus_hz,
                current_div: match clock {
                    StubUartClock::ScaleCurrentDivider => {
                        session.read_reg(chip.uart_clkdiv_reg)? & 0xF_FFFF
                    }
                    StubUartClock::Pll { .. } => 0,
                },
            },
            (UartOwner::Stub, None) => ChipDivider::Unknown,
            (UartOwner::Rom, _) => ChipDivider::Rom { bus_hz },
        })
    }

    /// Whether the divider for `baud` is within the tolerance of the host's rate.
    fn makes(&self, baud: u32) -> bool {
        let made = match *self {
            ChipDivider::Stub {
                clock,
                bus_hz,
                current_div,
            } => clock.rate_for(baud, bus_hz, current_div),
            ChipDivider::Rom { bus_hz } => uart_rate::fractional(bus_hz, baud),
            ChipDivider::Unknown => return true,
        };
        uart_rate::within_tolerance(made, baud)
    }
}
