//! `espctl discover` and `--host NAME.local` against `espctl virtual --ota --mdns`.
//!
//! Multicast happens only inside a network namespace each test makes for itself (its own
//! loopback, with a multicast route), never on this machine's interfaces. That needs root
//! and `ip netns`; without them the tests say why they did not run and pass.

use crate::{ESPCTL, firmware};
use espctl_testkit::{NetNamespace, Stubs};

const PASSWORD: &str = "fibonacci";

/// A real ESP8266 application image declaring 1MB of flash (the device's size).
fn app_image() -> Vec<u8> {
    let mut image = firmware();
    image[3] = (image[3] & 0x0F) | 0x20;
    image
}

const HOSTNAME: &str = "esp8266-c0ffee";

#[test]
fn discover_lists_the_device_with_its_board_and_password_flag() {
    let Some(netns) = NetNamespace::with_multicast("discover_lists_the_device") else {
        return;
    };
    let device = netns.ota_device(
        &ESPCTL,
        &["--mdns", "--hostname", HOSTNAME, "--ota-password", PASSWORD],
    );
    let dir = ESPCTL.workdir(Stubs::None);
    let out = netns
        .espctl(&ESPCTL, &dir, &["discover", "--timeout", "4", "--json"])
        .ok();
    let list: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}:\n{out}"));
    let found = list
        .as_array()
        .and_then(|l| l.iter().find(|d| d["name"] == HOSTNAME))
        .unwrap_or_else(|| panic!("{HOSTNAME} not listed:\n{out}"));
    assert_eq!(found["port"], u64::from(device.port()), "{found}");
    assert_eq!(found["board"], "d1_mini", "{found}");
    assert_eq!(found["auth_upload"], true, "{found}");
    assert_eq!(found["host"], format!("{HOSTNAME}.local"), "{found}");
    assert!(
        found["addresses"]
            .as_array()
            .is_some_and(|a| a.contains(&"127.0.0.1".into())),
        "{found}"
    );
    assert_eq!(found["txt"]["app_name"], "ESPURNA", "{found}");
    assert_eq!(found["txt"]["mem_size"], "1024", "{found}");

    let table = netns
        .espctl(&ESPCTL, &dir, &["discover", "--timeout", "4"])
        .ok();
    table
        .says(HOSTNAME)
        .says("d1_mini")
        .says("ESPurna: app_name=ESPURNA");
    let row = table
        .stdout
        .lines()
        .find(|l| l.starts_with(HOSTNAME))
        .unwrap_or_default();
    assert!(
        row.split_whitespace().last() == Some("yes"),
        "password column: {row:?}"
    );
}

#[test]
fn a_device_without_password_is_listed_as_such() {
    let Some(netns) = NetNamespace::with_multicast("a_device_without_password") else {
        return;
    };
    let _device = netns.ota_device(&ESPCTL, &["--mdns", "--hostname", "esp8266-00cafe"]);
    let dir = ESPCTL.workdir(Stubs::None);
    let out = netns
        .espctl(&ESPCTL, &dir, &["discover", "--timeout", "4", "--json"])
        .ok();
    let list: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}:\n{out}"));
    let found = list
        .as_array()
        .and_then(|l| l.iter().find(|d| d["name"] == "esp8266-00cafe"));
    assert_eq!(
        found.map(|d| d["auth_upload"].clone()),
        Some(false.into()),
        "{out}"
    );
}

#[test]
fn host_name_dot_local_resolves_through_mdns() {
    let Some(netns) = NetNamespace::with_multicast("host_name_dot_local") else {
        return;
    };
    let mut device = netns.ota_device(
        &ESPCTL,
        &[
            "--mdns",
            "--hostname",
            HOSTNAME,
            "--ota-password",
            PASSWORD,
            "--http",
            "127.0.0.1:0",
        ],
    );
    let image = app_image();
    let dir = ESPCTL.workdir(Stubs::None);
    dir.write("fw.bin", &image);
    let host = format!("{HOSTNAME}.local");
    let port = device.port().to_string();
    netns
        .espctl(
            &ESPCTL,
            &dir,
            &[
                "ota", "--host", &host, "--port", &port, "--auth", PASSWORD, "fw.bin",
            ],
        )
        .ok();
    device.wait_for_event(&format!("running image {} bytes", image.len()));
    assert!(
        device.flash()[..image.len()] == image,
        "the flash at 0x0 is not the image"
    );

    // The web upgrade takes the name too.
    let web = device.service("http").replace("127.0.0.1", &host);
    netns
        .espctl(
            &ESPCTL,
            &dir,
            &["ota", "--http", &web, "--auth", PASSWORD, "fw.bin"],
        )
        .ok()
        .says("accepted the image");
}

#[test]
fn an_unknown_local_name_is_one_clear_error() {
    let Some(netns) = NetNamespace::with_multicast("an_unknown_local_name") else {
        return;
    };
    let dir = ESPCTL.workdir(Stubs::None);
    dir.write("fw.bin", &app_image());
    let out = netns.espctl(
        &ESPCTL,
        &dir,
        &["ota", "--host", "esp8266-nobody.local", "fw.bin"],
    );
    let error = out.fatal();
    assert!(error.contains("esp8266-nobody.local"), "{error}");
}
