//! Lowering of `espctl ota --http URL` and `espctl ota --url-via-terminal URL`:
//! ESPurna's web and terminal upgrades instead of an ArduinoOTA upload.

use super::args::ota::OtaArgs;
use crate::commands::ota_upgrade::{Upgrade, UpgradeCommand};
use crate::fatal::Fatal;
use espctl_ota::http::{Url, WebUpgrade};
use espctl_ota::terminal::TerminalUpgrade;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

/// How long a read or write may block during the upload (the device writes flash as it
/// reads) and how long the device may stay silent during a terminal upgrade.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// The upgrade the options ask for, if one does (`None`: an ArduinoOTA upload).
pub(super) fn upgrade(args: &OtaArgs) -> Result<Option<UpgradeCommand>, Fatal> {
    if args.http.is_none() && args.url_via_terminal.is_none() {
        return Ok(None);
    }
    let file = args
        .file
        .clone()
        .or_else(|| args.file_option.clone())
        .ok_or_else(|| Fatal("ota needs the image to upload: FILE.".into()))?;
    for (given, option) in [
        (args.fs, "--fs"),
        (args.via.is_some(), "--via"),
        (args.host.is_some(), "--host"),
    ] {
        if given {
            let mode = if args.http.is_some() {
                "--http"
            } else {
                "--url-via-terminal"
            };
            return Err(Fatal(format!(
                "{mode} uploads an application image to ESPurna by itself; leave out {option}."
            )));
        }
    }
    let connect_timeout = Duration::from_secs_f64(args.timeout.clamp(1.0, 3600.0));
    let password = args.auth.clone().filter(|p| !p.is_empty());
    let file_name = file_name(&file);
    let upgrade = if let Some(url) = &args.http {
        let url = Url::http(url).map_err(|e| Fatal(format!("--http: {e}.")))?;
        Upgrade::Web(WebUpgrade {
            url,
            user: args.user.clone(),
            password,
            file_name,
            connect_timeout,
            io_timeout: IO_TIMEOUT,
        })
    } else {
        let text = args.url_via_terminal.as_deref().unwrap_or_default();
        let terminal = Url::telnet(text).map_err(|e| Fatal(format!("--url-via-terminal: {e}.")))?;
        let announce_ip = args
            .host_ip
            .as_deref()
            .map(|ip| {
                ip.parse::<IpAddr>()
                    .map_err(|_| Fatal(format!("--host-ip '{ip}' is not an IP address.")))
            })
            .transpose()?;
        Upgrade::Terminal(TerminalUpgrade {
            terminal,
            password,
            announce_ip,
            serve_port: args.host_port,
            file_name,
            connect_timeout,
            idle_timeout: IO_TIMEOUT,
        })
    };
    Ok(Some(UpgradeCommand {
        upgrade,
        file,
        debug: args.debug,
    }))
}

/// The name the image goes by (in the form, or in the URL).
fn file_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "firmware.bin".into())
}
