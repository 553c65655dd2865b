//! A reset sequence of the user's own (esptool's `custom_reset_sequence`): steps
//! separated by `|`, `D0`/`D1` and `R0`/`R1` set DTR and RTS, `U<dtr>,<rts>` sets both
//! at once, `W<seconds>` waits. The digits are the line states asked of the port, not
//! pin levels (the auto-reset circuit inverts them).

use espctl_transport::{LineError, Transport};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// One step of a custom reset sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetStep {
    /// Set DTR.
    Dtr(bool),
    /// Set RTS.
    Rts(bool),
    /// Set DTR and RTS together.
    DtrRts(bool, bool),
    /// Wait.
    Wait(Duration),
}

/// A parsed custom reset sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomReset {
    steps: Arc<[ResetStep]>,
    text: String,
}

/// Why a custom reset sequence cannot be read (esptool's wording).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Invalid custom reset sequence option format: Invalid custom reset sequence step '{step}': {reason}"
)]
pub struct CustomResetError {
    /// The step as written.
    pub step: String,
    /// What is wrong with it.
    pub reason: String,
}

fn digit(arg: &str) -> Result<bool, String> {
    match arg {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(format!("Expected '0' or '1', got '{arg}'")),
    }
}

fn step(token: &str) -> Result<ResetStep, String> {
    let mut chars = token.chars();
    let command = chars.next().map(|c| c.to_ascii_uppercase());
    let arg = chars.as_str();
    match command {
        Some('D') => Ok(ResetStep::Dtr(digit(arg)?)),
        Some('R') => Ok(ResetStep::Rts(digit(arg)?)),
        Some('U') => {
            let parts: Vec<&str> = arg.split(',').map(str::trim).collect();
            match parts.as_slice() {
                [dtr, rts] => Ok(ResetStep::DtrRts(digit(dtr)?, digit(rts)?)),
                _ => Err(format!(
                    "Expected two comma-separated values for U command, got '{arg}'."
                )),
            }
        }
        Some('W') => arg
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| ResetStep::Wait(Duration::from_secs_f64(s)))
            .ok_or_else(|| format!("could not convert string to float: '{arg}'")),
        _ => Err(format!("Unknown reset sequence command: '{token}'.")),
    }
}

impl FromStr for CustomReset {
    type Err = CustomResetError;
    fn from_str(text: &str) -> Result<CustomReset, CustomResetError> {
        let steps = text
            .split('|')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                step(t).map_err(|reason| CustomResetError {
                    step: t.to_string(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CustomReset {
            steps: steps.into(),
            text: text.to_string(),
        })
    }
}

impl CustomReset {
    /// The steps, in order.
    pub fn steps(&self) -> &[ResetStep] {
        &self.steps
    }

    /// The sequence as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Runs the steps. `Err(LineError::Unsupported)` comes back at the first line change
    /// the port refuses.
    pub fn run(&self, t: &mut dyn Transport) -> Result<(), LineError> {
        for step in self.steps.iter() {
            match *step {
                ResetStep::Dtr(on) => t.set_dtr(on)?,
                ResetStep::Rts(on) => t.set_rts(on)?,
                ResetStep::DtrRts(dtr, rts) => t.set_dtr_rts(dtr, rts)?,
                ResetStep::Wait(d) => t.pause(d),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_testkit::{FakeLine, Script};

    #[test]
    fn parses_and_runs_steps() {
        let seq: CustomReset = " D0|r1 | W0.1|U1, 0||".parse().unwrap();
        assert_eq!(
            seq.steps(),
            [
                ResetStep::Dtr(false),
                ResetStep::Rts(true),
                ResetStep::Wait(Duration::from_millis(100)),
                ResetStep::DtrRts(true, false),
            ]
        );
        let mut t = FakeLine::new(Script::default());
        let log = t.log();
        seq.run(&mut t).unwrap();
        let log = log.lock().unwrap();
        assert_eq!(log.pauses, [Duration::from_millis(100)]);
        assert_eq!(log.lines.first(), Some(&(Some(false), None)));
        assert_eq!(log.lines.last(), Some(&(Some(true), Some(false))));
    }

    #[test]
    fn the_configuration_replaces_the_sequence_or_its_delay() {
        use crate::link::{Before, ResetStrategy, ResetTiming, bootloader_sequence_with};
        let delay = Duration::from_millis(300);
        let timing = ResetTiming {
            custom: None,
            delay: Some(delay),
        };
        let sequence = bootloader_sequence_with(Before::DefaultReset, &timing);
        assert!(!sequence.is_empty());
        for strategy in sequence {
            match strategy {
                ResetStrategy::UnixTight { delay: d } | ResetStrategy::Classic { delay: d } => {
                    assert_eq!(d, delay)
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let custom: CustomReset = "R1|W0.1|R0".parse().unwrap();
        let timing = ResetTiming {
            custom: Some(custom.clone()),
            delay: Some(delay),
        };
        for before in [Before::DefaultReset, Before::UsbReset] {
            assert_eq!(
                bootloader_sequence_with(before, &timing),
                [ResetStrategy::Custom(custom.clone())]
            );
        }
    }

    #[test]
    fn names_the_bad_step() {
        let e = "D0|X1".parse::<CustomReset>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid custom reset sequence option format: Invalid custom reset sequence step 'X1': Unknown reset sequence command: 'X1'."
        );
        for bad in ["D2", "R10", "U1", "Wsoon", "W-1"] {
            assert!(bad.parse::<CustomReset>().is_err(), "{bad}");
        }
    }
}
