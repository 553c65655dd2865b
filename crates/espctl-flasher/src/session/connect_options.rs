//! How a session reaches the chip on a port that is open already.

use super::OperationLimits;
use crate::cancel::Cancel;
use crate::link::{self, Before, DEFAULT_CONNECT_ATTEMPTS};
use espctl_chips::Chip;

/// How to reach the chip on a port that is open already.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// The reset before syncing.
    pub before: Before,
    /// Connection attempts, each with a reset and 5 SYNCs; 0 tries forever.
    pub attempts: u32,
    /// The chip expected; `None` detects it.
    pub chip: Option<&'static Chip>,
    /// Report every frame as [`crate::Trace`] events.
    pub trace: bool,
    /// Stops connecting and the session's operations at their next safe point.
    pub cancel: Cancel,
    /// The reset sequence or delay of esptool's configuration file.
    pub reset: link::ResetTiming,
    /// How long each SYNC waits for its reply (esptool's `sync_timeout`).
    pub sync_timeout: std::time::Duration,
    /// How long the long operations may take, how often a block is resent.
    pub limits: OperationLimits,
    /// Replaces the hard reset of `--after hard-reset` (esptool's
    /// `custom_hard_reset_sequence`).
    pub hard_reset: Option<link::CustomReset>,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            before: Before::DefaultReset,
            attempts: DEFAULT_CONNECT_ATTEMPTS,
            chip: None,
            trace: false,
            cancel: Cancel::new(),
            reset: link::ResetTiming::default(),
            sync_timeout: link::SYNC_TIMEOUT,
            limits: OperationLimits::default(),
            hard_reset: None,
        }
    }
}

/// Built from the defaults: `ConnectOptions::default().before(Before::NoReset).attempts(1)`.
impl ConnectOptions {
    /// Sets the token that stops the session's operations (a front end's Ctrl-C).
    pub fn cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    /// Sets the reset sequence or delay (esptool's configuration file).
    pub fn reset(mut self, reset: link::ResetTiming) -> Self {
        self.reset = reset;
        self
    }

    /// Sets how long the long operations may take and how often a block is resent.
    pub fn limits(mut self, limits: OperationLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the sequence that replaces the hard reset.
    pub fn hard_reset(mut self, sequence: Option<link::CustomReset>) -> Self {
        self.hard_reset = sequence;
        self
    }

    /// Sets how long each SYNC waits for its reply.
    pub fn sync_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.sync_timeout = timeout;
        self
    }

    /// Sets the reset before syncing.
    pub fn before(mut self, before: Before) -> Self {
        self.before = before;
        self
    }

    /// Sets the number of connection attempts (0: forever).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// Sets the chip expected (`None` detects it).
    pub fn chip(mut self, chip: Option<&'static Chip>) -> Self {
        self.chip = chip;
        self
    }

    /// Reports every frame when `true`.
    pub fn trace(mut self, trace: bool) -> Self {
        self.trace = trace;
        self
    }
}
