//! What happens to the chip between the host's calls: resets latching their straps,
//! the watchdog, loader transitions, boots and their log.

use super::*;

impl Device {
    /// Completes a reset whose straps are due to be latched, or the watchdog's.
    pub(super) fn tick(&mut self) {
        let now = self.clock.now();
        if let Some(event) = self.reset.poll(now) {
            self.on_reset_event(event);
        }
        if self.watchdog_at.is_some_and(|t| now >= t) {
            self.watchdog_at = None;
            // A system reset latches the straps again; nothing holds GPIO0 low on a USB
            // port, so the chip boots its flash (esptool's reason for using it).
            let mode = if self.config.link != Link::UsbSerialJtag && self.reset.io0_low() {
                BootMode::Download
            } else {
                BootMode::Flash
            };
            self.boot(ResetCause::ResetPin, mode);
        }
    }

    /// esptool's `watchdog_reset`: the RTC watchdog enabled with a system reset as its
    /// first stage fires once its timeout (slow-clock cycles) has passed.
    pub(super) fn arm_watchdog(&mut self) {
        use espctl_chips::usb::RtcWatchdog;
        let Some(wdt) = espctl_chips::usb::rtc_watchdog(self.config.chip.kind) else {
            return;
        };
        let config0 = self.soc.read_reg(wdt.config0);
        let action = (config0 >> RtcWatchdog::STAGE0_SHIFT) & 7;
        if config0 & RtcWatchdog::ENABLE == 0 || action != RtcWatchdog::ACTION_RESET_SYSTEM {
            self.watchdog_at = None;
            return;
        }
        if self.watchdog_at.is_none() {
            let cycles = u64::from(self.soc.read_reg(wdt.config1));
            let timeout =
                Duration::from_micros(cycles * 1_000_000 / u64::from(RtcWatchdog::SLOW_CLOCK_HZ));
            self.watchdog_at = Some(self.clock.now() + timeout);
        }
    }

    pub(super) fn on_reset_event(&mut self, event: ResetEvent) {
        match event {
            ResetEvent::Held => {
                self.state = State::HeldInReset;
                self.rx = Receiver::Rom(slip::Decoder::new());
            }
            ResetEvent::Boot(mode) => self.boot(ResetCause::ResetPin, mode),
        }
    }

    /// What follows a command, before its output is dated.
    pub(super) fn apply(&mut self, next: Transition) {
        match next {
            Transition::Stay | Transition::ChangeBaud(_) => {}
            Transition::StartStub => {
                // It greets once the answer is dated (see `handle_frame`).
                self.state = State::Stub(StubLoader::new(&self.soc));
                self.rx = Receiver::Stub(StubRx::new());
            }
            Transition::RunRam => self.state = State::Running(DeviceState::RunningRam),
            Transition::RunFlash => {
                // "Run user code" jumps into the flash boot without a reset: no banner,
                // but the program starts.
                self.state = State::Running(DeviceState::RunningFlash);
                self.start_app();
            }
            Transition::SoftwareReset => {
                // The straps stay latched: a chip reset into download mode returns there.
                self.boot(ResetCause::Software, self.soc.strap);
            }
        }
    }

    pub(super) fn boot(&mut self, cause: ResetCause, mode: BootMode) {
        self.boots += 1;
        if let Some(wdt) = espctl_chips::usb::rtc_watchdog(self.config.chip.kind) {
            // A reset clears the watchdog's configuration.
            self.soc.write_reg(wdt.config0, 0, !0);
        }
        self.watchdog_at = None;
        if self.config.link == Link::UsbOtg && cause != ResetCause::PowerOn {
            // The ROM's CDC port goes with the chip and enumerates again.
            self.absent_until = Some(self.clock.now() + OTG_REENUMERATION);
            self.clear_output();
        }
        if cause != ResetCause::Software {
            self.soc.strap = mode;
        }
        self.rx = Receiver::Rom(slip::Decoder::new());
        crate::spi_pins::on_boot(&mut self.soc, mode);
        // Back to the ROM's auto-detected rate.
        self.soc.uart.follow_host();
        self.print_boot_log(cause, mode);
        self.state = match mode {
            BootMode::Download => State::Rom(RomLoader::new(&self.soc)),
            BootMode::Flash => State::Running(DeviceState::RunningFlash),
        };
    }

    /// The program in flash starts: what it prints (see `app.rs`).
    pub(super) fn start_app(&mut self) {
        if let Some(text) = crate::app::output(self.config.chip, self.flash()) {
            self.soc.uart.send_at(crate::app::APP_BAUD, text.as_bytes());
        }
    }

    pub(super) fn print_boot_log(&mut self, cause: ResetCause, mode: BootMode) {
        let log = self.soc.part.boot_log;
        let text = (log.render)(cause, mode);
        self.soc.uart.send_at(log.baud, text.as_bytes());
        if mode == BootMode::Flash {
            self.start_app();
        }
        if !self.handling_frame {
            // A reset from outside: the log goes out now. A frame's handling dates its
            // own output (a reboot's log follows the answer).
            let now = self.host_now();
            self.schedule
                .spontaneous(now, &self.soc.meter, &mut self.soc.uart);
        }
    }
}
