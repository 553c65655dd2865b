//! The security eFuses of the chips after the ESP32 against espefuse's field tables
//! (`efuse_defs/<chip>.yaml`, with the BLOCK0 read address from its `mem_definition`)
//! and against the constants esptool's target classes read them with. The referee's
//! Python is run; nothing of it is copied.

use espctl_chips::security_fields::{KEY_MANAGER_XTS_AES_KEY, Role};
use espctl_chips::{CHIPS, Chip};
use serde_json::{Value, json};

/// Input: chip name to field names. Output: per chip the BLOCK0 read address, each
/// field's (word, pos, len) found by name or alias, and esptool's constants.
const QUERY: &str = r#"
import glob, importlib, json, os, sys, yaml
import espefuse
from esptool.targets import CHIP_DEFS
defs = os.path.join(os.path.dirname(espefuse.__file__), "efuse_defs")
out = {}
for chip, names in json.load(sys.stdin).items():
    table = yaml.safe_load(open(os.path.join(defs, chip + ".yaml")))["EFUSES"]
    mem = importlib.import_module("espefuse.efuse.%s.mem_definition" % chip)
    block0 = [b for b in mem.EfuseDefineBlocks.BLOCKS if b[2] == 0][0][3]
    fields = {}
    for name in names:
        for key, f in table.items():
            if f["blk"] == 0 and (key == name or name in str(f.get("alt") or "").split()):
                fields[name] = [f["word"], f["pos"], f["len"]]
    cls = CHIP_DEFS[chip]
    consts = {}
    for c in ["EFUSE_SECURE_BOOT_EN_REG", "EFUSE_SECURE_BOOT_EN_MASK",
              "EFUSE_SPI_BOOT_CRYPT_CNT_REG", "EFUSE_SPI_BOOT_CRYPT_CNT_MASK",
              "EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG", "EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT",
              "EFUSE_FORCE_USE_KEY_MANAGER_KEY_REG", "EFUSE_FORCE_USE_KEY_MANAGER_KEY_SHIFT",
              "FORCE_USE_KEY_MANAGER_VAL_XTS_AES_KEY"]:
        consts[c] = getattr(cls, c, None)
    purposes = []
    for n in range(6):
        reg = getattr(cls, "EFUSE_PURPOSE_KEY%d_REG" % n, None)
        shift = getattr(cls, "EFUSE_PURPOSE_KEY%d_SHIFT" % n, None)
        purposes.append([reg, shift])
    out[chip] = {"block0": block0, "fields": fields, "consts": consts,
                 "purpose_regs": purposes,
                 "key_purposes": sorted([k, v] for k, v in cls.KEY_PURPOSES.items()),
                 "max_key": cls.EFUSE_MAX_KEY}
print(json.dumps(out))
"#;

fn ask(request: &Value) -> Value {
    let out = espctl_testkit::referee_python(QUERY, &request.to_string());
    serde_json::from_str(&out).expect("the query prints JSON")
}

fn newer() -> Vec<&'static Chip> {
    CHIPS
        .iter()
        .copied()
        .filter(|c| c.security_fields.is_some())
        .collect()
}

#[test]
fn the_newer_chips_have_security_fields_and_the_older_do_not() {
    let names: Vec<&str> = newer().iter().map(|c| c.arg_name).collect();
    assert_eq!(
        names,
        [
            "esp32s2", "esp32s3", "esp32c3", "esp32c2", "esp32c6", "esp32c5", "esp32h2", "esp32p4"
        ]
    );
}

#[test]
fn every_field_sits_where_espefuse_and_esptool_say() {
    let request: serde_json::Map<String, Value> = newer()
        .iter()
        .map(|chip| {
            let fields = chip.security_fields.unwrap();
            let names: Vec<&str> = fields
                .fields()
                .flat_map(|f| f.names.iter().copied())
                .collect();
            (chip.arg_name.to_string(), json!(names))
        })
        .collect();
    let answer = ask(&Value::Object(request));
    for chip in newer() {
        let theirs = &answer[chip.arg_name];
        let block0 = theirs["block0"].as_u64().unwrap() as u32;
        let fields = chip.security_fields.unwrap();
        for field in fields.fields() {
            for name in field.names {
                let place = &theirs["fields"][*name];
                assert!(!place.is_null(), "{}: espefuse has no {name}", chip.name);
                let word = place[0].as_u64().unwrap() as u32;
                let at = (block0 + 4 * word, place[1].as_u64().unwrap() as u32);
                assert_eq!(
                    (field.bits.reg, field.bits.shift, field.bits.width),
                    (at.0, at.1, place[2].as_u64().unwrap() as u32),
                    "{} {name}",
                    chip.name
                );
            }
        }
        // esptool reads four of them itself (write-flash and erase checks).
        let consts = &theirs["consts"];
        let check = |role: Role, reg: &str, mask: &str| {
            let f = fields.by_role(role).unwrap();
            let mask_value = consts[mask].as_u64().unwrap() as u32;
            assert_eq!(
                (f.bits.reg, f.bits.mask() << f.bits.shift),
                (consts[reg].as_u64().unwrap() as u32, mask_value),
                "{} {reg}",
                chip.name
            );
        };
        check(
            Role::SecureBootEn,
            "EFUSE_SECURE_BOOT_EN_REG",
            "EFUSE_SECURE_BOOT_EN_MASK",
        );
        check(
            Role::SpiBootCryptCnt,
            "EFUSE_SPI_BOOT_CRYPT_CNT_REG",
            "EFUSE_SPI_BOOT_CRYPT_CNT_MASK",
        );
        check(
            Role::DisDownloadManualEncrypt,
            "EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG",
            "EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT",
        );
        // The Key Manager flag: where esptool reads it (C5, P4), and its XTS-AES bit.
        let key_manager = fields.by_role(Role::ForceUseKeyManagerKey);
        let theirs_reg = consts["EFUSE_FORCE_USE_KEY_MANAGER_KEY_REG"].as_u64();
        match (key_manager, theirs_reg) {
            (Some(f), Some(reg)) => assert_eq!(
                (f.bits.reg, f.bits.shift, KEY_MANAGER_XTS_AES_KEY),
                (
                    reg as u32,
                    consts["EFUSE_FORCE_USE_KEY_MANAGER_KEY_SHIFT"]
                        .as_u64()
                        .unwrap() as u32,
                    consts["FORCE_USE_KEY_MANAGER_VAL_XTS_AES_KEY"]
                        .as_u64()
                        .unwrap() as u32
                ),
                "{} FORCE_USE_KEY_MANAGER_KEY",
                chip.name
            ),
            (None, None) => {}
            (ours, reg) => panic!(
                "{}: FORCE_USE_KEY_MANAGER_KEY ours {ours:?}, esptool's register {reg:?}",
                chip.name
            ),
        }
        // Key purposes: esptool's registers and shifts, where the chip has them.
        for (n, pair) in theirs["purpose_regs"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let ours = fields.by_role(Role::KeyPurpose(n as u8));
            match (ours, pair[0].as_u64()) {
                (Some(f), Some(reg)) if !fields.key_purposes.is_empty() => {
                    assert_eq!(
                        (f.bits.reg, f.bits.shift),
                        (reg as u32, pair[1].as_u64().unwrap() as u32),
                        "{} KEY_PURPOSE_{n}",
                        chip.name
                    );
                }
                (None, _) => assert!(fields.key_purposes.is_empty(), "{}", chip.name),
                _ => {}
            }
        }
        let names: Vec<(u64, String)> = fields
            .key_purposes
            .iter()
            .map(|&(n, s)| (u64::from(n), s.to_string()))
            .collect();
        let expected: Vec<(u64, String)> = theirs["key_purposes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_u64().unwrap(), p[1].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(names, expected, "{} KEY_PURPOSES", chip.name);
    }
}
