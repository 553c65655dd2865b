//! Which commands print their result as JSON with `--json` (format in docs/json-output.md).

use super::Command;
use crate::fatal::Fatal;

/// The commands `--json` applies to.
pub const JSON_COMMANDS: &str = "chip-id, read-mac, flash-id, get-security-info, image-info, write-flash, read-flash, verify-flash, erase-flash, erase-region, discover and list-ports";

/// Whether `command` prints a JSON result with `--json`.
pub fn supports_json(command: &Command) -> bool {
    matches!(
        command,
        Command::ChipId
            | Command::ReadMac
            | Command::FlashId(_)
            | Command::GetSecurityInfo
            | Command::ImageInfo(_)
            | Command::WriteFlash(_)
            | Command::ReadFlash(_)
            | Command::VerifyFlash(_)
            | Command::EraseFlash(_)
            | Command::EraseRegion(_)
            | Command::Discover(_)
            | Command::ListPorts(_)
    )
}

/// `--json` given to a command that has no JSON result.
pub fn unsupported() -> Fatal {
    Fatal(format!(
        "Option --json is not available for this command; it works with {JSON_COMMANDS}."
    ))
}
