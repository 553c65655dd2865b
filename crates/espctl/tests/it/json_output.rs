//! `--json` (docs/json-output.md) on the device commands: stdout holds exactly one JSON
//! document, the human lines go to stderr, and the values agree with what is known
//! without espctl: the virtual device's configured MAC and flash size, MD5 sums
//! computed here, its flash contents. image-info: json_image_info.rs.

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, mac_text, noise};
use md5::{Digest, Md5};
use serde_json::Value;

/// The one JSON line on stdout, after checking the document's frame.
#[track_caller]
pub(crate) fn document(run: &Run, command: &str) -> Value {
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "stdout must hold only the JSON line:\n{run}"
    );
    let doc: Value = serde_json::from_str(lines[0])
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{run}"));
    assert_eq!(doc["format"], 1, "{run}");
    assert_eq!(doc["command"], command, "{run}");
    doc
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A device with a MAC of this test's own, so the JSON cannot echo a default.
fn device(chip: &str, flash: &str, mac: [u8; 6]) -> Device {
    ESPCTL
        .device_options(chip, Link::InProcess)
        .flash_size(flash)
        .mac(mac)
        .start()
}

const CASES: [(&str, &str, [u8; 6]); 2] = [
    ("esp8266", "2MB", [0x5c, 0xcf, 0x7f, 0x0b, 0x1c, 0x2d]),
    ("esp32", "8MB", [0x24, 0x6f, 0x28, 0x3e, 0x4f, 0x50]),
];

/// A chip with an IEEE 802.15.4 radio: its typical part has the MAC extension `ff:fe`.
const EUI64_CASE: (&str, &str, [u8; 6]) = ("esp32c6", "4MB", [0x40, 0x4c, 0xca, 0x0b, 0x1c, 0x2d]);

#[test]
fn identification_commands_report_the_configured_device() {
    for (chip, flash, mac) in CASES.into_iter().chain([EUI64_CASE]) {
        let env = ESPCTL.workdir(Stubs::Installed);
        let dev = device(chip, flash, mac);
        let port = dev.port.as_str();
        let mac = mac_text(&mac);
        let name = chip.to_uppercase().replace("ESP32C", "ESP32-C");
        // The EUI-64 and extension where the chip has one, `null` elsewhere.
        let (eui64, ext) = match chip {
            "esp32c6" => (
                Value::from(format!("{}:ff:fe:{}", &mac[..8], &mac[9..])),
                Value::from("ff:fe"),
            ),
            _ => (Value::Null, Value::Null),
        };

        let run = env.espctl(&["--port", port, "--json", "read-mac"]).ok();
        let doc = document(&run, "read-mac");
        assert_eq!(doc["mac"], mac.as_str(), "{chip}");
        assert_eq!(doc["chip"]["name"], name.as_str(), "{chip}");
        assert_eq!(doc["chip"]["mac"], mac.as_str(), "{chip}");
        assert_eq!(doc["port"], port, "{chip}");
        for fields in [&doc, &doc["chip"]] {
            assert_eq!(fields["eui64"], eui64, "{chip}: {doc}");
            assert_eq!(fields["mac_ext"], ext, "{chip}: {doc}");
        }
        // The human lines are still there, on stderr (the EUI-64 is the `MAC:`).
        let mac_line = eui64.as_str().unwrap_or(&mac).to_string();
        assert!(
            run.stderr
                .contains(&format!("MAC:                {mac_line}")),
            "{run}"
        );

        // --silent keeps the result asked for, and only that.
        let run = env
            .espctl(&["-s", "--port", port, "--json", "read-mac"])
            .ok();
        assert_eq!(document(&run, "read-mac")["mac"], mac.as_str(), "{chip}");
        assert!(run.stderr.is_empty(), "{run}");

        // The option may also follow the command.
        let run = env.espctl(&["--port", port, "chip-id", "--json"]).ok();
        let doc = document(&run, "chip-id");
        assert_eq!(doc["mac"], mac.as_str(), "{chip}");
        assert_eq!(doc["eui64"], eui64, "{chip}: {doc}");
        match chip {
            // The ESP8266's chip ID holds the last three bytes of its MAC (both come
            // from the same OTP words).
            "esp8266" => {
                let id = doc["chip_id"].as_u64().expect("an ESP8266 has a chip ID");
                let tail = u64::from_str_radix(&mac.replace(':', "")[6..], 16).unwrap();
                assert_eq!(id & 0xFF_FFFF, tail, "{run}");
            }
            _ => assert!(doc["chip_id"].is_null(), "{run}"),
        }

        let run = env.espctl(&["--port", port, "--json", "flash-id"]).ok();
        let doc = document(&run, "flash-id");
        let bytes: u64 = flash.trim_end_matches("MB").parse::<u64>().unwrap() << 20;
        assert_eq!(doc["flash_size"], flash, "{run}");
        assert_eq!(doc["flash_size_bytes"], bytes, "{run}");
        // The capacity byte of the JEDEC ID is log2 of the size.
        let capacity = doc["device_id"].as_u64().unwrap() & 0xFF;
        assert_eq!(1u64 << capacity, bytes, "{run}");
        assert!(doc["manufacturer"].is_u64(), "{run}");
    }
}

/// Writes `files` (name, address, bytes) with `--json`; returns the document.
fn write(env: &WorkDir, port: &str, files: &[(&str, u32, &[u8])]) -> Value {
    let mut args = vec![
        "--port".to_string(),
        port.into(),
        "--json".into(),
        "write-flash".into(),
    ];
    for (name, addr, data) in files {
        env.write(name, data);
        args.push(format!("{addr:#x}"));
        args.push(name.to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.espctl(&args).ok();
    let doc = document(&run, "write-flash");
    assert!(doc["total_seconds"].as_f64().unwrap() >= doc["seconds"].as_f64().unwrap());
    doc
}

#[test]
fn flash_commands_end_with_one_summary_line() {
    for (chip, flash, mac) in CASES {
        let env = ESPCTL.workdir(Stubs::Installed);
        let dev = device(chip, flash, mac);
        let port = dev.port.as_str();
        let app = noise(10_000, 7);
        // Not a multiple of 4: the flash holds it padded, with another MD5.
        let odd = noise(1_001, 8);
        let files: [(&str, u32, &[u8]); 2] =
            [("app.bin", 0x10000, &app), ("odd.bin", 0x30000, &odd)];

        let doc = write(&env, port, &files);
        assert_eq!(doc["chip"]["mac"], mac_text(&mac).as_str(), "{chip}");
        let written = doc["files"].as_array().unwrap();
        assert_eq!(written.len(), 2, "{doc}");
        for (json, (name, addr, data)) in written.iter().zip(files) {
            assert_eq!(json["name"], name, "{doc}");
            assert_eq!(json["address"], addr, "{doc}");
            assert_eq!(json["size"], data.len(), "{doc}");
            assert_eq!(json["md5"], md5_hex(data).as_str(), "{doc}");
            let mut padded = data.to_vec();
            padded.resize(data.len().next_multiple_of(4), 0xFF);
            assert_eq!(json["image_size"], padded.len(), "{doc}");
            assert_eq!(json["image_md5"], md5_hex(&padded).as_str(), "{doc}");
            assert_eq!(json["verified"], true, "{doc}");
            assert_eq!(json["encrypted"], false, "{doc}");
            assert!(
                json["bytes_written"].as_u64().unwrap() >= padded.len() as u64,
                "{doc}"
            );
            espctl_testkit::assert_flash_holds(&dev.flash(), addr as usize, data, name);
        }
        if chip == "esp8266" {
            // The ESP8266 ROM cannot hash flash: written, not verified.
            let run = env
                .espctl(&[
                    "--port",
                    port,
                    "--no-stub",
                    "--json",
                    "write-flash",
                    "0x40000",
                    "odd.bin",
                ])
                .ok();
            let doc = document(&run, "write-flash");
            assert_eq!(doc["files"][0]["verified"], false, "{doc}");
            assert_eq!(doc["files"][0]["address"], 0x40000, "{doc}");
        }
        if chip == "esp32" {
            // Through the flash encryption: the flash holds ciphertext, nothing to
            // compare the plaintext's MD5 with.
            let run = env
                .espctl(&[
                    "--port",
                    port,
                    "--json",
                    "write-flash",
                    "--encrypt",
                    "--ignore-flash-enc-efuse",
                    "0x40000",
                    "odd.bin",
                ])
                .ok();
            let doc = document(&run, "write-flash");
            let file = &doc["files"][0];
            assert_eq!(
                (file["encrypted"].as_bool(), file["verified"].as_bool()),
                (Some(true), Some(false)),
                "{doc}"
            );
            assert_eq!(file["md5"], md5_hex(&odd).as_str(), "{doc}");
        }
        // Written again: nothing to send.
        let doc = write(&env, port, &files);
        for json in doc["files"].as_array().unwrap() {
            assert_eq!(json["bytes_written"], 0, "{doc}");
        }

        let run = env
            .espctl(&[
                "--port",
                port,
                "--json",
                "read-flash",
                "0x10000",
                "10000",
                "back.bin",
            ])
            .ok();
        let doc = document(&run, "read-flash");
        assert_eq!(doc["address"], 0x10000, "{doc}");
        assert_eq!(doc["size"], 10_000, "{doc}");
        assert_eq!(doc["md5"], md5_hex(&app).as_str(), "{doc}");
        assert_eq!(env.read("back.bin"), app, "{chip}");

        let run = env
            .espctl(&[
                "--port",
                port,
                "--json",
                "verify-flash",
                "0x10000",
                "app.bin",
            ])
            .ok();
        let doc = document(&run, "verify-flash");
        assert_eq!(doc["matches"], true, "{doc}");
        assert_eq!(doc["files"][0]["md5"], md5_hex(&app).as_str(), "{doc}");

        // A mismatch still prints the summary, then fails.
        let mut changed = app.clone();
        changed[5] ^= 0xFF;
        env.write("changed.bin", &changed);
        let run = env.espctl(&[
            "--port",
            port,
            "--json",
            "verify-flash",
            "0x10000",
            "app.bin",
            "0x10000",
            "changed.bin",
        ]);
        assert_eq!(run.code, 2, "{run}");
        let doc = document(&run, "verify-flash");
        assert_eq!(doc["matches"], false, "{doc}");
        assert_eq!(doc["files"][0]["matches"], true, "{doc}");
        assert_eq!(doc["files"][1]["matches"], false, "{doc}");
        assert_eq!(doc["files"][1]["md5"], md5_hex(&changed).as_str(), "{doc}");

        let run = env
            .espctl(&[
                "--port",
                port,
                "--json",
                "erase-region",
                "0x30000",
                "0x1000",
            ])
            .ok();
        let doc = document(&run, "erase-region");
        assert_eq!(
            (doc["address"].as_u64(), doc["size"].as_u64()),
            (Some(0x30000), Some(0x1000))
        );
        espctl_testkit::assert_erased(&dev.flash(), 0x30000..0x31000, "erased region");

        let run = env.espctl(&["--port", port, "--json", "erase-flash"]).ok();
        let doc = document(&run, "erase-flash");
        let bytes: u64 = flash.trim_end_matches("MB").parse::<u64>().unwrap() << 20;
        assert_eq!(doc["size"], bytes, "{doc}");
        espctl_testkit::assert_erased(&dev.flash(), 0x10000..0x10000 + app.len(), "erased flash");
    }
}

/// The ESP32's ROM and stub do not answer GET_SECURITY_INFO (as on a real chip):
/// `--json` is accepted, the command fails, stdout stays empty.
#[test]
fn a_failed_command_prints_no_json() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let run = env.espctl(&["--port", &dev.port, "--json", "get-security-info"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stdout.is_empty(), "{run}");
    assert!(run.stderr.contains("Failed to get security info"), "{run}");
}

#[test]
fn json_is_refused_where_there_is_no_result() {
    let env = ESPCTL.workdir(Stubs::None);
    let run = env.espctl(&["--json", "version"]);
    let line = run.fatal();
    assert!(line.contains("--json is not available"), "{run}");
    assert!(line.contains("read-mac"), "{run}");
    assert!(run.stdout.is_empty(), "{run}");
}
