//! `espctl ota --http URL FILE` and `espctl ota --url-via-terminal telnet://HOST FILE`:
//! ESPurna's web upgrade and its upgrade from the terminal.

use crate::fatal::Fatal;
use crate::render::ota_upgrade::{UpgradeRenderer, with_advice};
use espctl_ota::http::{WebUpgrade, web_upgrade};
use espctl_ota::terminal::{TerminalUpgrade, terminal_upgrade};
use std::path::PathBuf;
use std::sync::Arc;

/// Which of ESPurna's upgrades.
#[derive(Debug, Clone)]
pub enum Upgrade {
    /// `POST /upgrade`.
    Web(WebUpgrade),
    /// `ota <url>` on the terminal.
    Terminal(TerminalUpgrade),
}

/// One upgrade of `file`.
#[derive(Debug, Clone)]
pub struct UpgradeCommand {
    /// Which, and where.
    pub upgrade: Upgrade,
    /// The image.
    pub file: PathBuf,
    /// Print the device's terminal lines too.
    pub debug: bool,
}

/// Runs the upgrade.
pub fn upgrade(cmd: UpgradeCommand) -> Result<(), Fatal> {
    let image = std::fs::read(&cmd.file)
        .map_err(|e| Fatal(format!("cannot read {}: {e}", cmd.file.display())))?;
    if image.is_empty() {
        return Err(Fatal(format!(
            "{} is empty: there is nothing to upload.",
            cmd.file.display()
        )));
    }
    let mut renderer = UpgradeRenderer::new(cmd.debug);
    match cmd.upgrade {
        Upgrade::Web(job) => {
            renderer.starting_web(&job.url.to_string());
            let result = web_upgrade(&job, &image, &mut |event| renderer.web(event));
            renderer.finish(result.is_ok());
            result.map_err(|e| Fatal(with_advice(&e, e.hint())))?;
            renderer.web_done();
        }
        Upgrade::Terminal(job) => {
            renderer.starting_terminal(&job.terminal.to_string());
            let result =
                terminal_upgrade(&job, Arc::new(image), &mut |event| renderer.terminal(event));
            renderer.finish(result.is_ok());
            result.map_err(|e| Fatal(with_advice(&e, e.hint())))?;
        }
    }
    Ok(())
}
