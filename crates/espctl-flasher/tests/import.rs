//! `stub import` from every kind of source: the esptool sdist, a wheel, an unpacked
//! package, a single JSON file; only the pinned files are taken.

use espctl_flasher::stub::import::import;
use espctl_flasher::stub::{StubStore, StubStoreError};
use std::io::Write;
use std::path::Path;

/// The installed (pinned) files, read from the data dir `scripts/test` prepared.
fn pinned(name: &str) -> Vec<u8> {
    let dir = espctl_testkit::stub_data_dir().join("stubs/esp-flasher-stub-v1.4.1");
    std::fs::read(dir.join(name)).unwrap()
}

fn new_store() -> (tempfile::TempDir, StubStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = StubStore::in_data_dir(dir.path());
    (dir, store)
}

#[test]
fn imports_from_the_sdist() {
    let (_d, store) = new_store();
    let report = import(&store, &espctl_testkit::esptool_sdist()).unwrap();
    assert!(report.installed.contains(&"esp8266.json".to_string()));
    assert!(report.installed.contains(&"esp32.json".to_string()));
    // The ten GPL legacy stubs of stub_flasher/1/ were looked at and refused.
    assert_eq!(report.ignored, 10);
    let stub = store
        .load(&espctl_chips::esp8266::ESP8266)
        .unwrap()
        .unwrap();
    assert_eq!(stub.text_start, 0x4010_C500);
    assert_eq!(stub.entry, 0x4010_C504);
}

#[test]
fn imports_from_a_wheel() {
    let (dir, store) = new_store();
    let wheel = dir.path().join("esptool-5.6.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&wheel).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    for name in ["esp8266.json", "esp32.json", "LICENSE-MIT"] {
        zip.start_file(format!("esptool/targets/stub_flasher/2/{name}"), options)
            .unwrap();
        zip.write_all(&pinned(name)).unwrap();
    }
    zip.start_file("esptool/targets/stub_flasher/1/esp8266.json", options)
        .unwrap();
    zip.write_all(b"{\"entry\": 0}").unwrap();
    zip.finish().unwrap();
    let report = import(&store, &wheel).unwrap();
    let mut names = report.installed.clone();
    names.sort();
    assert_eq!(names, ["LICENSE-MIT", "esp32.json", "esp8266.json"]);
    assert_eq!(report.ignored, 1);
}

#[test]
fn imports_from_an_unpacked_package_and_a_single_file() {
    let (dir, store) = new_store();
    let pkg = dir
        .path()
        .join("site-packages/esptool/targets/stub_flasher/2");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("esp32.json"), pinned("esp32.json")).unwrap();
    let report = import(&store, &dir.path().join("site-packages")).unwrap();
    assert_eq!(report.installed, ["esp32.json"]);

    let (dir, store) = new_store();
    let single = dir.path().join("esp8266.json");
    std::fs::write(&single, pinned("esp8266.json")).unwrap();
    assert_eq!(import(&store, &single).unwrap().installed, ["esp8266.json"]);
    assert!(
        store
            .load(&espctl_chips::esp8266::ESP8266)
            .unwrap()
            .is_some()
    );
}

#[test]
fn refuses_other_files_and_installs_nothing() {
    let (dir, store) = new_store();
    let mut json = pinned("esp8266.json");
    json.push(b'\n');
    let path = dir.path().join("esp8266.json");
    std::fs::write(&path, json).unwrap();
    let err = import(&store, &path).unwrap_err();
    assert!(matches!(err, StubStoreError::NothingFound { .. }), "{err}");
    assert!(!store.dir().exists() || std::fs::read_dir(store.dir()).unwrap().next().is_none());
    // Installing a file directly checks it too.
    assert!(matches!(
        store.install("esp32.json", b"{}"),
        Err(StubStoreError::NotPinned { .. })
    ));
    assert!(import(&store, Path::new("/nonexistent/esptool.tar.gz")).is_err());
}
