//! Backup and restore through the library, where the chip's state can be seen: a
//! restore leaves the board running the restored firmware (the after-action resets it,
//! no power cycle), and a refused restore writes nothing.

use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_flasher::backup::{RestoreOptions, RestoreRefused};
use espctl_flasher::stub::StubStore;
use espctl_flasher::transport::{OpenError, PortOpener, Transport};
use espctl_flasher::{
    After, ConnectPlan, Error, Flasher, Need, PortSpec, StubSource, ignore_events,
};
use espctl_virtual::{DeviceConfig, DeviceState};
use espctl_virtual_port::VirtualChip;

struct OnChip(VirtualChip);

impl PortOpener for OnChip {
    fn open(&self, _name: &str, baud: u32) -> Option<Result<Box<dyn Transport>, OpenError>> {
        Some(Ok(Box::new(self.0.port(baud))))
    }
}

fn open(chip: &VirtualChip) -> Flasher {
    let plan = ConnectPlan::new(Need::FlashData)
        .after(After::HardReset)
        .stub(StubSource::Store(StubStore::in_data_dir(
            espctl_testkit::stub_data_dir(),
        )));
    let port = PortSpec::named("chip").with_opener(OnChip(chip.clone()));
    Flasher::open(&port, &plan, ignore_events()).unwrap()
}

fn chip_with(kind: &'static espctl_chips::Chip, size: u32, seed: u32) -> VirtualChip {
    let chip = VirtualChip::new(DeviceConfig::new(kind, size)).unwrap();
    if seed != 0 {
        let mut f = open(&chip);
        f.write_flash(
            vec![espctl_flasher::FlashFile::new(
                0,
                espctl_testkit::noise(size as usize, seed),
                None,
            )],
            &Default::default(),
        )
        .unwrap();
        f.abandon();
    }
    chip
}

#[test]
fn a_restored_board_runs_its_firmware() {
    let source = chip_with(&ESP8266, 1 << 20, 7);
    let mut f = open(&source);
    let backup = f.backup(0, None).unwrap();
    f.abandon();
    assert!(backup.data == source.device().flash());
    assert!(backup.manifest.describes(&backup.data));

    let blank = chip_with(&ESP8266, 1 << 20, 0);
    let mut f = open(&blank);
    let report = f
        .restore(
            backup.data.clone(),
            Some(&backup.manifest),
            None,
            RestoreOptions::default(),
        )
        .unwrap();
    assert_eq!(report.write.bytes_rewritten(), 1 << 20);
    f.finish().unwrap();
    assert!(blank.device().flash() == backup.data);
    assert_eq!(blank.settled_state(), DeviceState::RunningFlash);
}

#[test]
fn a_refused_restore_writes_nothing() {
    let source = chip_with(&ESP32, 4 << 20, 3);
    let mut f = open(&source);
    let backup = f.backup(0, None).unwrap();
    f.abandon();

    let other = chip_with(&ESP8266, 4 << 20, 4);
    let before = other.device().flash().to_vec();
    let mut f = open(&other);
    let err = f
        .restore(
            backup.data.clone(),
            Some(&backup.manifest),
            None,
            RestoreOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Restore(RestoreRefused::OtherChip { .. })),
        "{err}"
    );
    assert_eq!(err.hint(), Some(espctl_flasher::Hint::Force));
    f.abandon();
    assert!(other.device().flash() == before);

    let small = chip_with(&ESP32, 1 << 20, 5);
    let before = small.device().flash().to_vec();
    let mut f = open(&small);
    let err = f
        .restore(
            backup.data,
            Some(&backup.manifest),
            None,
            RestoreOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Restore(RestoreRefused::LargerThanFlash { .. })),
        "{err}"
    );
    f.abandon();
    assert!(small.device().flash() == before);
}
