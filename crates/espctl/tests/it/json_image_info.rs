//! `image-info --json` against esptool 5.6.0's own image-info report of the same
//! fixture images: every value of the document is read back from esptool's lines.

use crate::ESPCTL;
use crate::json_output::document;
use espctl_testkit::Stubs;

/// The values of esptool's image-info line `Key: value`.
fn field<'a>(esptool: &'a str, key: &str) -> &'a str {
    esptool
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("esptool printed no '{key}:' line:\n{esptool}"))
}

fn number(text: &str) -> u64 {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).unwrap(),
        None => text.parse().unwrap(),
    }
}

/// esptool's segment table rows: length, load address, file offset, memory types.
fn segment_rows(esptool: &str) -> Vec<(u64, u64, u64, String)> {
    esptool
        .lines()
        .skip_while(|l| !l.starts_with("-------"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (
                number(cols[1]),
                number(cols[2]),
                number(cols[3]),
                cols[4..].join(" "),
            )
        })
        .collect()
}

#[test]
fn image_info_json_agrees_with_esptool() {
    for name in [
        "bootloader_esp32.bin",
        "esp8266_deepsleep.bin",
        "esp_idf_blink_esp32s2.bin",
        "bootloader_esp32_v5_2.bin",
    ] {
        let env = ESPCTL.workdir(Stubs::None);
        env.write(
            name,
            &espctl_testkit::fixture_bytes(&format!("images/{name}")),
        );
        let theirs = env.esptool(&["image-info", name]);
        theirs.exits(0);
        let text = theirs.stdout.as_str();
        let run = env.espctl(&["--json", "image-info", name]).ok();
        let doc = document(&run, "image-info");
        let image = &doc["images"][0];
        let what = format!("{name}:\n{text}\n{doc}");

        assert_eq!(
            doc["file_size"].as_u64(),
            Some(number(field(text, "Image size").trim_end_matches(" bytes"))),
            "{what}"
        );
        assert_eq!(image["chip"], field(text, "Detected image type"), "{what}");
        match text.lines().find_map(|l| l.strip_prefix("Entry point: ")) {
            Some(entry) => assert_eq!(
                image["entry_point"].as_u64(),
                Some(number(entry.trim())),
                "{what}"
            ),
            None => assert!(image["entry_point"].is_null(), "{what}"),
        }
        assert_eq!(
            image["image_version"].as_u64(),
            Some(number(field(text, "Image version"))),
            "{what}"
        );
        assert_eq!(image["flash_size"], field(text, "Flash size"), "{what}");
        assert_eq!(image["flash_freq"], field(text, "Flash freq"), "{what}");
        assert_eq!(
            image["flash_mode"]
                .as_str()
                .map(str::to_uppercase)
                .as_deref(),
            Some(field(text, "Flash mode")),
            "{what}"
        );
        let rows = segment_rows(text);
        let segments = image["segments"].as_array().unwrap();
        assert_eq!(
            segments.len() as u64,
            number(field(text, "Segments")),
            "{what}"
        );
        assert_eq!(segments.len(), rows.len(), "{what}");
        for (json, (len, addr, offset, types)) in segments.iter().zip(&rows) {
            assert_eq!(json["length"].as_u64(), Some(*len), "{what}");
            assert_eq!(json["load_address"].as_u64(), Some(*addr), "{what}");
            assert_eq!(json["file_offset"].as_u64(), Some(*offset), "{what}");
            let json_types: Vec<&str> = json["memory_types"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert_eq!(json_types.join(", "), *types, "{what}");
        }
        let checksum = field(text, "Checksum");
        assert!(
            checksum.starts_with(&format!(
                "{:#04x}",
                image["checksum"]["stored"].as_u64().unwrap()
            )),
            "{what}"
        );
        assert_eq!(
            image["checksum"]["valid"],
            checksum.ends_with("(valid)"),
            "{what}"
        );
        match text
            .lines()
            .find_map(|l| l.strip_prefix("Validation hash: "))
        {
            Some(hash) => {
                let (digest, state) = hash.split_once(' ').unwrap();
                assert_eq!(image["validation_hash"]["sha256"], digest, "{what}");
                assert_eq!(
                    image["validation_hash"]["valid"],
                    state == "(valid)",
                    "{what}"
                );
            }
            None => assert!(image["validation_hash"].is_null(), "{what}"),
        }
        if text.contains("Extended Image Header") {
            let ext = &image["extended_header"];
            let chip_id = field(text, "Chip ID");
            assert!(
                chip_id.starts_with(&format!("{} (", ext["chip_id"])),
                "{what}"
            );
            assert!(
                field(text, "Minimal chip revision")
                    .starts_with(&format!("{},", ext["min_chip_revision"].as_str().unwrap())),
                "{what}"
            );
            assert_eq!(
                ext["max_chip_revision"],
                field(text, "Maximal chip revision"),
                "{what}"
            );
        } else {
            assert!(image["extended_header"].is_null(), "{what}");
        }
        if text.contains("Application Information") {
            let app = &image["application"];
            assert_eq!(app["project_name"], field(text, "Project name"), "{what}");
            assert_eq!(app["version"], field(text, "App version"), "{what}");
            assert_eq!(app["compile_time"], field(text, "Compile time"), "{what}");
            assert_eq!(app["elf_sha256"], field(text, "ELF file SHA256"), "{what}");
            assert_eq!(app["idf_version"], field(text, "ESP-IDF"), "{what}");
            assert_eq!(
                app["secure_version"].as_u64(),
                Some(number(field(text, "Secure version"))),
                "{what}"
            );
        } else {
            assert!(image["application"].is_null(), "{what}");
        }
        if text.contains("Bootloader Information") {
            let boot = &image["bootloader"];
            assert_eq!(
                boot["version"].as_u64(),
                Some(number(field(text, "Bootloader version"))),
                "{what}"
            );
            assert_eq!(boot["idf_version"], field(text, "ESP-IDF"), "{what}");
            assert_eq!(boot["compile_time"], field(text, "Compile time"), "{what}");
        } else {
            assert!(image["bootloader"].is_null(), "{what}");
        }
    }
}
