//! Lowering of `espctl ota`: the device, the image and the preflight layout, checked.

use super::args::ota::OtaArgs;
use crate::commands::ota::OtaCommand;
use crate::fatal::Fatal;
use espctl_image::esp8266_flash_map::arduino_layout;
use espctl_ota::arduino::Compress;
use espctl_ota::wire::UpdateTarget;
use std::net::IpAddr;
use std::time::Duration;

pub(super) fn ota(args: &OtaArgs) -> Result<OtaCommand, Fatal> {
    let host = args
        .host
        .clone()
        .filter(|h| !h.trim().is_empty())
        .ok_or_else(|| Fatal("ota needs the device: --host HOST (or -i HOST).".into()))?;
    let file = args
        .file
        .clone()
        .or_else(|| args.file_option.clone())
        .ok_or_else(|| Fatal("ota needs the image to upload: FILE (or -f FILE).".into()))?;
    if args.fs && args.via.is_some() {
        return Err(Fatal(
            "--via is for application images; a file system image is uploaded in one step.".into(),
        ));
    }
    let host_ip = args
        .host_ip
        .as_deref()
        .map(|ip| {
            ip.parse::<IpAddr>().map_err(|_| {
                Fatal(format!(
                    "--host-ip '{ip}' is not an IP address of this host."
                ))
            })
        })
        .transpose()?;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(Fatal(format!(
            "--timeout {} is not a number of seconds between 0 and 3600.",
            args.timeout
        )));
    }
    let layout = match &args.flash_size {
        None => None,
        Some(flash) => {
            let flash = espctl_chips::size_syntax::flash_size_name(flash)
                .map_err(|e| Fatal(e.to_string()))?;
            let fs = args
                .fs_size
                .as_deref()
                .map(espctl_chips::size_syntax::flash_bytes)
                .transpose()
                .map_err(|e| Fatal(e.to_string()))?
                .unwrap_or(0);
            Some(arduino_layout(flash.bytes(), fs)?)
        }
    };
    Ok(OtaCommand {
        host,
        port: args.port,
        // espota.py's recipes pass `--auth=` when there is no password.
        password: args.auth.clone().filter(|p| !p.is_empty()),
        target: if args.fs {
            UpdateTarget::FileSystem
        } else {
            UpdateTarget::Firmware
        },
        host_ip,
        host_port: args.host_port,
        timeout: Duration::from_secs_f64(args.timeout),
        compress: if args.no_compress {
            Compress::Never
        } else {
            Compress::Auto
        },
        via: args.via.clone(),
        layout,
        file,
        debug: args.debug,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command, normalise_args};
    use clap::Parser;
    use std::ffi::OsString;

    fn lowered(args: &[&str]) -> Result<OtaCommand, String> {
        let mut all = vec!["espctl", "ota"];
        all.extend(args);
        let cli = Cli::try_parse_from(normalise_args(all.iter().map(OsString::from)))
            .map_err(|e| e.to_string())?;
        let Command::Ota(args) = cli.command else {
            panic!("not ota")
        };
        ota(&args).map_err(|e| e.0)
    }

    #[test]
    fn espota_command_lines_mean_what_they_mean_to_espota() {
        // The Arduino IDE's recipe, with PlatformIO's --debug --progress.
        let c = lowered(&[
            "--debug",
            "--progress",
            "-i",
            "192.168.1.115",
            "-p",
            "3232",
            "--auth=",
            "-f",
            "fw.bin",
        ])
        .unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.password.as_deref(), c.target),
            ("192.168.1.115", 3232, None, UpdateTarget::Firmware)
        );
        assert_eq!(c.file, std::path::Path::new("fw.bin"));
        assert!(c.debug);
        let c = lowered(&[
            "--ip",
            "esp.local",
            "-a",
            "pw",
            "-s",
            "--host_ip",
            "10.0.0.2",
            "--host_port",
            "4000",
            "-t",
            "2.5",
            "fs.bin",
        ])
        .unwrap();
        assert_eq!(c.password.as_deref(), Some("pw"));
        assert_eq!(c.target, UpdateTarget::FileSystem);
        assert_eq!(c.host_ip, Some("10.0.0.2".parse().unwrap()));
        assert_eq!(
            (c.host_port, c.timeout),
            (4000, Duration::from_millis(2500))
        );
        let c = lowered(&["--host", "h", "-I", "::1", "-P", "5000", "--spiffs", "x"]).unwrap();
        assert_eq!((c.host_port, c.target), (5000, UpdateTarget::FileSystem));
        assert_eq!((c.port, c.compress), (8266, Compress::Auto));
    }

    #[test]
    fn espctls_own_options() {
        let c = lowered(&[
            "--host",
            "h",
            "--no-compress",
            "--via",
            "core.bin",
            "--flash-size",
            "1MB",
            "--fs-size",
            "64KB",
            "full.bin",
        ])
        .unwrap();
        assert_eq!(c.compress, Compress::Never);
        assert_eq!(c.via.as_deref(), Some(std::path::Path::new("core.bin")));
        let layout = c.layout.unwrap();
        assert_eq!((layout.flash, layout.ota_limit), (1 << 20, 0xEB000));
    }

    #[test]
    fn bad_input_says_what_to_write() {
        for (args, says) in [
            (&["fw.bin"][..], "--host HOST"),
            (&["--host", "h"], "FILE"),
            (
                &["--host", "h", "--fs", "--via", "c.bin", "f"],
                "--via is for application",
            ),
            (
                &["--host", "h", "--host-ip", "nowhere", "f"],
                "not an IP address",
            ),
            (&["--host", "h", "-t", "0", "f"], "--timeout 0"),
            (&["--host", "h", "--flash-size", "3MB", "f"], "3MB"),
            (&["--host", "h", "--fs-size", "64KB", "f"], "--flash-size"),
            (&["--host", "h", "-f", "a", "b"], "cannot be used with"),
        ] {
            let err = lowered(args).unwrap_err();
            assert!(err.contains(says), "{args:?}: {err}");
        }
    }
}
