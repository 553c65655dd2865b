//! Every chip definition against esptool 5.6.0's own target classes: the referee's
//! Python is asked for its constants and, for many register sets, for what its eFuse
//! decoders make of them (chip description, features, MAC, EUI-64). Nothing here is copied from
//! esptool; the test only runs it.

use espctl_chips::{CHIPS, Chip, ImageFormat, Registers};
use serde_json::{Value, json};

/// Asks esptool's target classes for their facts. Input (stdin): chip name to a list of
/// register sets. Output: chip name to its constants and one decode result per set.
const QUERY: &str = r#"
import contextlib, io, json, sys
from esptool.targets import CHIP_DEFS
from esptool.util import FatalError, NotSupportedError

def flash_voltage(o):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        o.get_flash_voltage()
    return out.getvalue().strip()

def maybe_list(mac):
    return None if mac is None else list(mac)

def decode(cls, regs):
    o = cls.__new__(cls)
    seen = set()
    def read_reg(addr):
        seen.add(addr)
        return regs.get(addr, 0)
    o.read_reg = read_reg
    o.secure_download_mode = False
    calls = {"description": o.get_chip_description, "features": o.get_chip_features,
             "mac": lambda: list(o.read_mac()),
             "eui64": lambda: maybe_list(o.read_mac("EUI64")),
             "mac_ext": lambda: maybe_list(o.read_mac("MAC_EXT"))}
    if cls.CHIP_NAME == "ESP8266":
        calls["chip_id"] = o.chip_id
    if cls.CHIP_NAME == "ESP32":
        calls["spi_pads"] = lambda: list(o.get_chip_spi_pads())
        calls["rom_crystal_hz"] = o.get_rom_cal_crystal_freq
    calls["flash_voltage"] = lambda: flash_voltage(o)
    result = {}
    for key, call in calls.items():
        seen.clear()
        try:
            value = call()
        except NotSupportedError:
            continue
        except FatalError as e:
            value = {"error": str(e)}
        if key == "flash_voltage" and not value:
            continue  # the method prints nothing on this chip
        result[key] = {"value": value, "read": sorted(seen)}
    return result
out = {}
for name, sets in json.load(sys.stdin).items():
    cls = CHIP_DEFS[name]
    image = cls.BOOTLOADER_IMAGE
    stub = getattr(cls, "STUB_CLASS", None)
    out[name] = {
        "name": cls.CHIP_NAME,
        "magic": cls.MAGIC_VALUE if cls.USES_MAGIC_VALUE else None,
        "image_chip_id": getattr(cls, "IMAGE_CHIP_ID", None),
        "spi": [cls.SPI_REG_BASE, cls.SPI_USR_OFFS, cls.SPI_USR1_OFFS, cls.SPI_USR2_OFFS,
                getattr(cls, "SPI_MOSI_DLEN_OFFS", None), getattr(cls, "SPI_MISO_DLEN_OFFS", None),
                cls.SPI_W0_OFFS, cls.SPI_ADDR_REG_MSB],
        "uart_clkdiv_reg": cls.UART_CLKDIV_REG,
        "uart_date_reg": cls.UART_DATE_REG_ADDR,
        "xtal_clk_divider": cls.XTAL_CLK_DIVIDER,
        "bootloader_offset": cls.BOOTLOADER_FLASH_OFFSET,
        "flash_sizes": list(cls.FLASH_SIZES.items()),
        "flash_freqs": list(cls.FLASH_FREQUENCY.items()),
        "memory_map": cls.MEMORY_MAP,
        "irom": [cls.IROM_MAP_START, cls.IROM_MAP_END],
        "drom": [getattr(cls, "DROM_MAP_START", None), getattr(cls, "DROM_MAP_END", None)],
        "uf2_family_id": cls.UF2_FAMILY_ID,
        "ram_block_size": cls.ESP_RAM_BLOCK,
        "flash_write_size": cls.FLASH_WRITE_SIZE,
        "stub_flash_write_size": stub.FLASH_WRITE_SIZE if stub else None,
        "stub_flash_32bit_addr": cls.FLASH_32BIT_ADDR_SUPPORTED,
        "mmu_page_size": image.IROM_ALIGN,
        "mmu_page_sizes": list(image.MMU_PAGE_SIZE_CONF),
        "decoded": [decode(cls, {a: v for a, v in regs}) for regs in sets],
    }
print(json.dumps(out))
"#;

fn ask_esptool(request: &Value) -> Value {
    let out = espctl_testkit::referee_python(QUERY, &request.to_string());
    serde_json::from_str(&out).expect("the query prints JSON")
}

/// xorshift64*: the register sets are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    /// Random words, often sparse: eFuse fields are mostly small numbers.
    fn word(&mut self) -> u32 {
        match self.next() % 4 {
            0 => self.next(),
            1 => self.next() & self.next(),
            2 => self.next() & self.next() & self.next() & self.next(),
            _ => 0,
        }
    }
}

const SETS_PER_CHIP: usize = 300;

/// Register values, by address.
type RegisterSet = Vec<(u32, u32)>;

/// Every register a client reads to decode `chip`'s identity and the other values.
fn all_registers(chip: &Chip) -> Vec<u32> {
    let mut regs = chip.identity.registers.to_vec();
    regs.extend(chip.rom_crystal_hz.iter().flat_map(|v| v.registers));
    regs.extend(chip.efuse_spi_pads.iter().flat_map(|v| v.registers));
    regs.extend(chip.flash_voltage.iter().flat_map(|v| v.registers));
    regs.sort();
    regs.dedup();
    regs
}

/// Register sets for `chip`: its typical part, all zeros, then random values in every
/// register it is decoded from.
fn register_sets(chip: &Chip, rng: &mut Rng) -> Vec<RegisterSet> {
    let mut sets = vec![
        (chip.identity.registers_for_mac)([0x24, 0x0A, 0xC4, 0x12, 0x34, 0x56]),
        Vec::new(),
    ];
    let registers = all_registers(chip);
    while sets.len() < SETS_PER_CHIP {
        sets.push(registers.iter().map(|&a| (a, rng.word())).collect());
    }
    sets
}

fn range(start: u32, end: u32) -> Value {
    json!([start, end])
}

/// Our facts in the shape of the query's answer.
fn our_facts(chip: &Chip) -> Value {
    let spi = &chip.spi;
    let esp8266 = chip.image.format == ImageFormat::Esp8266;
    json!({
        "name": chip.name,
        "image_chip_id": chip.image_chip_id,
        "spi": [spi.base, spi.usr_offset, spi.usr1_offset, spi.usr2_offset,
                spi.mosi_dlen_offset, spi.miso_dlen_offset, spi.w0_offset, spi.addr_msb_aligned],
        "uart_clkdiv_reg": chip.uart_clkdiv_reg,
        "uart_date_reg": chip.uart_date_reg,
        "xtal_clk_divider": chip.xtal_clk_divider,
        "bootloader_offset": chip.bootloader_offset,
        "flash_sizes": chip.flash_sizes.iter().map(|(s, c)| json!([s.name(), c])).collect::<Vec<_>>(),
        "flash_freqs": chip.flash_freqs.iter().map(|(f, c)| json!([f.name(), c])).collect::<Vec<_>>(),
        "memory_map": chip.image.memory_map.iter().map(|r| json!([r.start, r.end, r.name])).collect::<Vec<_>>(),
        "irom": range(chip.image.irom.start, chip.image.irom.end),
        "drom": chip.image.drom.map_or(json!([null, null]), |d| range(d.start, d.end)),
        "uf2_family_id": chip.image.uf2_family_id,
        "ram_block_size": chip.rom.ram_block_size,
        "flash_write_size": chip.rom.flash_write_size,
        "stub_flash_write_size": chip.stub_flash_write_size,
        "stub_flash_32bit_addr": chip.stub_flash_32bit_addr,
        "mmu_page_size": chip.image.mmu_page_size,
        "mmu_page_sizes": if esp8266 { json!([]) } else { json!(chip.image.mmu_page_sizes) },
    })
}

/// What we decode from `set`, by the name of esptool's function, with the registers a
/// client reads for it.
fn our_decode(chip: &Chip, set: &[(u32, u32)]) -> Vec<(&'static str, Value, &'static [u32])> {
    let regs: Registers = set.iter().copied().collect();
    let identity = chip.identity.registers;
    let d = (chip.identity.describe)(&regs);
    let mac = match (chip.identity.mac)(&regs) {
        Ok(m) => json!(m),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let mut values = vec![
        ("description", json!(d.name), identity),
        ("features", json!(d.features), identity),
        ("mac", mac, identity),
    ];
    // esptool answers `None` for the EUI-64 and the extension on chips without one.
    let (eui64, mac_ext) = match (chip.identity.mac_ext, (chip.identity.mac)(&regs)) {
        (Some(ext), Ok(base)) => (
            json!(espctl_chips::eui64(base, ext(&regs))),
            json!(ext(&regs)),
        ),
        _ => (Value::Null, Value::Null),
    };
    values.push(("eui64", eui64, identity));
    values.push(("mac_ext", mac_ext, identity));
    if let Some(chip_id) = chip.identity.chip_id {
        values.push(("chip_id", json!(chip_id(&regs)), identity));
    }
    if let Some(v) = chip.efuse_spi_pads {
        values.push(("spi_pads", json!((v.decode)(&regs)), v.registers));
    }
    if let Some(v) = chip.flash_voltage {
        let fv = (v.decode)(&regs);
        let line = format!("Flash voltage set by {}: {}", fv.source, fv.voltage);
        values.push(("flash_voltage", json!(line), v.registers));
    }
    if let Some(v) = chip.rom_crystal_hz {
        values.push(("rom_crystal_hz", json!((v.decode)(&regs)), v.registers));
    }
    values
}

#[test]
fn every_chip_matches_esptools_target_definition() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let sets: Vec<(&Chip, Vec<RegisterSet>)> = CHIPS
        .iter()
        .map(|&c| (c, register_sets(c, &mut rng)))
        .collect();
    let request: serde_json::Map<String, Value> = sets
        .iter()
        .map(|(c, s)| (c.arg_name.to_string(), json!(s)))
        .collect();
    let answer = ask_esptool(&Value::Object(request));
    assert_eq!(
        answer.as_object().unwrap().len(),
        CHIPS.len(),
        "esptool knows a different set of chips"
    );

    let mut problems = Vec::new();
    for (chip, sets) in &sets {
        let theirs = &answer[chip.arg_name];
        let ours = our_facts(chip);
        for (key, value) in ours.as_object().unwrap() {
            if theirs[key] != *value {
                problems.push(format!(
                    "{}: {key}: ours {value}, esptool {}",
                    chip.name, theirs[key]
                ));
            }
        }
        match theirs["magic"].as_u64() {
            Some(magic) if !chip.magic_values.contains(&(magic as u32)) => problems.push(format!(
                "{}: esptool detects it by magic {magic:#x}, ours {:x?}",
                chip.name, chip.magic_values
            )),
            _ => {}
        }
        for (set, decoded) in sets.iter().zip(theirs["decoded"].as_array().unwrap()) {
            let ours = our_decode(chip, set);
            let names: Vec<&str> = ours.iter().map(|(name, ..)| *name).collect();
            let theirs_names: Vec<&str> = decoded
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            if names.len() != theirs_names.len() {
                problems.push(format!(
                    "{}: we decode {names:?}, esptool {theirs_names:?}",
                    chip.name
                ));
            }
            for (name, value, registers) in ours {
                let theirs = &decoded[name];
                if theirs["value"] != value {
                    problems.push(format!(
                        "{}: {name} of {set:x?}: ours {value}, esptool {}",
                        chip.name, theirs["value"]
                    ));
                }
                // A client reads only the registers the definition lists: esptool must
                // need no other.
                for addr in theirs["read"].as_array().unwrap() {
                    let addr = addr.as_u64().unwrap() as u32;
                    if !registers.contains(&addr) {
                        problems.push(format!(
                            "{}: esptool reads {addr:#x} for {name}, which the definition does not list",
                            chip.name
                        ));
                    }
                }
            }
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} differences from esptool 5.6.0, the first ones:\n{}",
        problems.len(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
