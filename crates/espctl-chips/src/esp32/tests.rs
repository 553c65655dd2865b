use super::*;

#[test]
fn decodes_the_captured_example() {
    // Values from a captured esptool session (test-harness-facts 2.3).
    let r: Registers = [
        (efuse(3), 0x0000_8200),
        (efuse(5), 0x0010_0000),
        (APB_CTL_DATE, 0x8000_0000),
        (efuse(1), 0x5634_1200),
        (efuse(2), 0x0000_B4A8),
    ]
    .into_iter()
    .collect();
    let d = describe(&r);
    assert_eq!(d.name, "ESP32-D0WD-V3 (revision v3.0)");
    assert_eq!(
        d.features,
        ["Wi-Fi", "BT", "Dual Core + LP Core", "Coding Scheme None"]
    );
    assert_eq!(mac(&r).unwrap(), [0xB4, 0xA8, 0x56, 0x34, 0x12, 0x00]);
}

#[test]
fn typical_part_round_trips() {
    let m = [0x24, 0x0A, 0xC4, 0x12, 0x34, 0x56];
    let r: Registers = registers_for_mac(m).into_iter().collect();
    assert_eq!(mac(&r).unwrap(), m);
    let d = describe(&r);
    assert_eq!(d.name, "ESP32-D0WD-V3 (revision v3.0)");
    assert!(
        d.features
            .contains(&"Vref calibration in eFuse".to_string())
    );
    let estimate = rom_calculated_crystal_hz(&r);
    assert!(
        estimate > 40e6 * 1.02 && estimate < 40e6 * 1.05,
        "{estimate}"
    );
    assert_eq!(spi_pads(&r), [0; 5]);
    assert_eq!(
        flash_voltage(&r),
        FlashVoltage {
            source: "a strapping pin",
            voltage: "3.3V"
        }
    );
}

#[test]
fn decodes_spi_pads_and_voltage_overrides() {
    // PICO-D4 style pads: CLK 6, Q 17, D 8, HD 11, CS 16.
    let r: Registers = [
        (efuse(5), 6 | 17 << 5 | 8 << 10 | 16 << 15),
        (efuse(3), 11 << 4),
        (efuse(4), 1 << 16 | 1 << 14),
    ]
    .into_iter()
    .collect();
    assert_eq!(spi_pads(&r), [6, 17, 8, 11, 16]);
    assert_eq!(flash_voltage(&r).voltage, "1.8V");
    assert_eq!(flash_voltage(&r).source, "eFuse");
    let r: Registers = [(RTC_CNTL_SDIO_CONF, 1 << 22 | 1 << 31)]
        .into_iter()
        .collect();
    assert_eq!(flash_voltage(&r).voltage, "1.8V");
    assert_eq!(flash_voltage(&r).source, "RTC_CNTL");
}
