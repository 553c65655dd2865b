//! The words for the library's typed advice: each [`Hint`] as the sentence esptool users
//! know, naming espctl's options and commands, and what the ROM loader lacks when no
//! stub is installed.

use espctl_chips::Chip;
use espctl_flasher::stub::pinned::STUB_RELEASE;
use espctl_flasher::stub::pypi::ESPTOOL_VERSION;
use espctl_flasher::stub::{ObtainError, StubOrigin};
use espctl_flasher::{Hint, Limitation, ROM_BAUD};
use std::fmt::Display;

/// The advice `hint` stands for.
pub fn sentence(hint: Hint) -> String {
    match hint {
        Hint::CheckPort => "Check the cable, the power and that no other program uses the port, then run the command again.".into(),
        Hint::CheckLinkOrLowerBaud => {
            "The chip stopped answering: check the cable and power, or try a lower --baud.".into()
        }
        Hint::RetryOrLowerBaud => {
            "Possible serial noise: try again, or with a lower --baud.".into()
        }
        Hint::ReadAgainOrLowerBaud => {
            "The data was damaged on the way: read again, or with a lower --baud.".into()
        }
        Hint::RewriteOrLowerBaud => "Write again; if it keeps failing, try a lower --baud and check the board's power supply.".into(),
        Hint::LowerBaud => "Use a lower --baud.".into(),
        Hint::ResetAtBaud(baud) => format!("Reset the chip and run again with --baud {baud}."),
        Hint::UseStub => "It needs the flasher stub: install it with 'espctl stub fetch' (or 'espctl stub import <esptool sdist>') and run without --no-stub.".into(),
        Hint::RetryOrSkipStub => "Try again, or use --no-stub to work with the ROM loader.".into(),
        Hint::ReinstallStub => {
            "Install it again with 'espctl stub fetch' or 'espctl stub import'.".into()
        }
        Hint::InstallStub => "Install the stub with 'espctl stub fetch' (or 'espctl stub import <esptool-5.6.0.tar.gz>').".into(),
        Hint::MoveOrSkipStub => "Either change binary loading address, or disable the stub flasher (--no-stub).".into(),
        Hint::NamePort => {
            "Check the cable and the USB-serial driver, or name the port with --port.".into()
        }
        Hint::CheckAddress => "Check the address.".into(),
        Hint::Force => "Use --force to go ahead anyway.".into(),
        Hint::ForceToFlash => "Use --force to flash anyway.".into(),
        Hint::ForceAtOwnRisk => "Use --force to override, please use with caution, otherwise it may brick your device!".into(),
        Hint::PoorLink => "Check the cable, or use a lower --baud.".into(),
        Hint::Reconnect => {
            "Plug the board back in and run again (--reconnect-timeout waits longer).".into()
        }
        Hint::ClearWriteProtection => "Clear the protection with 'espctl write-flash-status --non-volatile 0', then write again.".into(),
        Hint::EraseOtherSizeOrUseStub => "Erase one sector more or less, or use the flasher stub ('espctl stub fetch').".into(),
        Hint::SecureDownloadCommands => "Secure Download Mode (ENABLE_SECURITY_DOWNLOAD burnt) allows only get-security-info, write-flash and erase-region.".into(),
        Hint::GiveFlashSize => "Give it with --flash-size, e.g. --flash-size 4MB.".into(),
        _ => String::new(),
    }
}

/// `message` followed by the advice of `hint`, if there is one.
pub fn with_hint(message: &impl Display, hint: Option<Hint>) -> String {
    match hint.map(sentence).filter(|s| !s.is_empty()) {
        Some(advice) => format!("{message} {advice}"),
        None => message.to_string(),
    }
}

/// The note printed when no stub is installed: what the ROM loader of `chip` lacks and
/// how to get the stub.
pub fn stub_not_installed(chip: &Chip, limits: &[Limitation]) -> String {
    format!(
        "No flasher stub installed for {}: talking to the ROM bootloader, so {}. {}",
        chip.name,
        rom_costs(limits),
        sentence(Hint::InstallStub)
    )
}

/// What working with the ROM loader costs, as one clause.
fn rom_costs(limits: &[Limitation]) -> String {
    let mut costs: Vec<&str> = limits
        .iter()
        .map(|l| match l {
            Limitation::SlowerWrites => "writing is slower (no compression)",
            Limitation::SlowReads => "read-flash is slow (64 bytes per command)",
            Limitation::NoReads => "read-flash is not available",
            Limitation::NoVerify => "written data cannot be verified",
            Limitation::FixedBaud => "the baud rate cannot be raised",
        })
        .collect();
    let last = costs.pop().unwrap_or_default();
    if costs.is_empty() {
        last.to_string()
    } else {
        format!("{} and {last}", costs.join(", "))
    }
}

/// The one line saying a missing stub was obtained on first use.
pub fn stub_obtained(chip: &Chip, origin: &StubOrigin) -> String {
    let from = match origin {
        StubOrigin::InstalledEsptool(dir) => {
            format!("the esptool installed in {}", dir.display())
        }
        StubOrigin::Release(url) => url.clone(),
        StubOrigin::PackageIndex(url) => url.clone(),
    };
    format!(
        "Installed the missing flasher stub for {} from {from} (esp-flasher-stub {STUB_RELEASE}, SHA-256 checked).",
        chip.name
    )
}

/// A missing stub that could not be obtained: why, what the ROM loader costs, what to do.
pub fn stub_not_obtained(chip: &Chip, error: &ObtainError, limits: &[Limitation]) -> String {
    let todo = match error {
        ObtainError::Offline => format!(
            "Install it with 'espctl stub import <esptool-{ESPTOOL_VERSION}.tar.gz>' (pip download --no-deps esptool=={ESPTOOL_VERSION}).",
        ),
        _ => sentence(Hint::InstallStub),
    };
    format!(
        "No flasher stub installed for {} and {error}: talking to the ROM bootloader, so {}. {todo}",
        chip.name,
        rom_costs(limits)
    )
}

/// The line at the end of an operation the link needed help with: what was redone, and
/// what to do about the link.
pub fn link_report(stats: &espctl_flasher::session::LinkStats) -> String {
    let count = |n: u32, one: &str, many: &str| {
        (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }))
    };
    let parts: Vec<String> = [
        count(
            stats.writes_healed,
            "write session redone",
            "write sessions redone",
        )
        .map(|s| {
            format!(
                "{s} ({} sector{})",
                stats.sectors_rewritten,
                if stats.sectors_rewritten == 1 {
                    ""
                } else {
                    "s"
                }
            )
        }),
        count(stats.reads_resumed, "read resumed", "reads resumed"),
        count(stats.resyncs, "resync", "resyncs"),
        count(stats.reconnects, "reconnect", "reconnects"),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "The link needed help: {}. {}",
        parts.join(", "),
        sentence(Hint::PoorLink)
    )
}

/// The warning when the fast default rate lost the chip and it is reset.
pub fn baud_lost_recovering(chip: &Chip, tried: u32, baud: u32) -> String {
    format!(
        "{} stopped answering at {tried} baud; resetting it and carrying on at {baud} baud (--baud {ROM_BAUD} skips the attempt).",
        chip.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_chips::esp8266::ESP8266;

    #[test]
    fn the_rom_note_lists_what_is_missing() {
        let note = stub_not_installed(
            &ESP8266,
            &[
                Limitation::SlowerWrites,
                Limitation::NoReads,
                Limitation::NoVerify,
                Limitation::FixedBaud,
            ],
        );
        assert_eq!(
            note,
            "No flasher stub installed for ESP8266: talking to the ROM bootloader, so writing is slower (no compression), read-flash is not available, written data cannot be verified and the baud rate cannot be raised. Install the stub with 'espctl stub fetch' (or 'espctl stub import <esptool-5.6.0.tar.gz>')."
        );
    }

    #[test]
    fn a_stub_not_obtained_says_why_and_what_to_do() {
        let limits = [Limitation::SlowerWrites, Limitation::NoReads];
        assert_eq!(
            stub_not_obtained(&ESP8266, &ObtainError::Offline, &limits),
            "No flasher stub installed for ESP8266 and downloads are off (--offline): talking to the ROM bootloader, so writing is slower (no compression) and read-flash is not available. Install it with 'espctl stub import <esptool-5.6.0.tar.gz>' (pip download --no-deps esptool==5.6.0)."
        );
        let failed = ObtainError::AllFailed {
            attempts: vec!["a: 404".into(), "b: refused".into()],
        };
        assert!(
            stub_not_obtained(&ESP8266, &failed, &limits).starts_with(
                "No flasher stub installed for ESP8266 and it could not be obtained (a: 404; b: refused): talking"
            )
        );
    }

    #[test]
    fn the_link_report_says_what_was_redone() {
        let stats = espctl_flasher::session::LinkStats {
            resyncs: 2,
            writes_healed: 1,
            sectors_rewritten: 3,
            reads_resumed: 0,
            reconnects: 1,
        };
        assert_eq!(
            link_report(&stats),
            "The link needed help: 1 write session redone (3 sectors), 2 resyncs, 1 reconnect. Check the cable, or use a lower --baud."
        );
    }

    #[test]
    fn errors_end_with_their_advice() {
        let e = espctl_flasher::Error::BaudLost {
            baud: 921_600,
            old: 115_200,
        };
        assert!(
            with_hint(&e, e.hint()).ends_with("Reset the chip and run again with --baud 115200.")
        );
    }
}
