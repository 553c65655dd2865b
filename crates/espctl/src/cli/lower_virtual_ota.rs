//! Lowering of `espctl virtual --ota`: the OTA device's options, checked.

use super::args::virtual_device::VirtualArgs;
use crate::commands::virtual_ota::VirtualOta;
use crate::fatal::Fatal;
use espctl_chips::Chip;
use espctl_chips::size_syntax::flash_bytes;
use espctl_ota::wire::AuthScheme;
use espctl_virtual_ota::{OtaDeviceOptions, builtin_firmware};
use std::net::SocketAddr;
use std::time::Duration;

pub(super) fn virtual_ota(chip: &str, args: &VirtualArgs) -> Result<VirtualOta, Fatal> {
    let esp8266 = Chip::by_arg_name("esp8266").expect("espctl knows the ESP8266");
    let is_esp8266 = |c: &Chip| c.kind == espctl_chips::ChipKind::Esp8266;
    if !chip.eq_ignore_ascii_case("auto") && !Chip::by_arg_name(chip).is_some_and(is_esp8266) {
        return Err(Fatal(format!(
            "the OTA device is an ESP8266 running the Arduino core; leave out --chip {chip} (or give esp8266)"
        )));
    }
    let ota = &args.ota;
    let addr = ota.ota.as_deref().unwrap_or_default();
    let listen: SocketAddr = addr.parse().map_err(|_| {
        Fatal(format!(
            "'{addr}' is not an address with a port; write it like 127.0.0.1:8266 (port 0: any free port)"
        ))
    })?;
    let size = |text: &str| flash_bytes(text).map_err(|e| Fatal(e.to_string()));
    let flash_size = size(args.flash_size.as_deref().unwrap_or("1MB"))?;
    let fs_size = size(&ota.fs_size)?;
    let auth_scheme = match ota.ota_auth.to_ascii_lowercase().as_str() {
        "md5" => AuthScheme::Md5,
        "sha256" => AuthScheme::Sha256,
        other => {
            return Err(Fatal(format!(
                "'{other}' is not a password challenge; use --ota-auth md5 or --ota-auth sha256"
            )));
        }
    };
    let firmware = match &ota.firmware {
        Some(path) => std::fs::read(path)
            .map_err(|e| Fatal(format!("cannot read the firmware {}: {e}", path.display())))?,
        None => builtin_firmware(flash_size),
    };
    let mac = match &args.mac {
        Some(text) => espctl_virtual::parse_mac(text).map_err(Fatal)?,
        None => esp8266
            .typical_part()
            .map(|p| p.example_mac)
            .unwrap_or_default(),
    };
    // The core's default: "esp8266-" and the chip ID, the MAC's last three bytes.
    let hostname = ota
        .hostname
        .clone()
        .unwrap_or_else(|| format!("esp8266-{:02x}{:02x}{:02x}", mac[3], mac[4], mac[5]));
    Ok(VirtualOta {
        options: OtaDeviceOptions {
            listen,
            password: ota.ota_password.clone(),
            auth_scheme,
            flash_size,
            fs_size,
            firmware,
            flash_file: args.flash_file.clone(),
            accepts_gzip: !ota.no_gzip,
            rtt: Duration::from_millis(ota.rtt),
            reboot_time: Duration::from_millis(ota.reboot_time),
            hostname,
            http: espurna_address(ota.http.as_deref(), "--http")?,
            http_auth: http_auth(&ota.http_auth)?,
            terminal: espurna_address(ota.telnet.as_deref(), "--telnet")?,
            mdns: ota.mdns,
            ..OtaDeviceOptions::default()
        },
    })
}

/// `--http ADDR` / `--telnet ADDR`: a TCP address with a port.
fn espurna_address(text: Option<&str>, option: &str) -> Result<Option<SocketAddr>, Fatal> {
    text.map(|t| {
        t.parse().map_err(|_| {
            Fatal(format!(
                "{option} '{t}' is not an address with a port; write it like 127.0.0.1:8080 (port 0: any free port)"
            ))
        })
    })
    .transpose()
}

/// `--http-auth basic|digest`.
fn http_auth(text: &str) -> Result<espctl_virtual_ota::HttpAuth, Fatal> {
    match text.to_ascii_lowercase().as_str() {
        "basic" => Ok(espctl_virtual_ota::HttpAuth::Basic),
        "digest" => Ok(espctl_virtual_ota::HttpAuth::Digest),
        other => Err(Fatal(format!(
            "'{other}' is not a web login; use --http-auth digest or --http-auth basic"
        ))),
    }
}
