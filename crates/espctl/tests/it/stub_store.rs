//! `espctl stub import / fetch / list`: only the pinned esp-flasher-stub v1.4.1 files are
//! accepted, from an esptool sdist, a folder or a download; without a stub espctl works
//! in ROM mode and says so once.

use crate::ESPCTL;
use espctl_testkit::{Link, Stubs, WorkDir};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

const STORE: &str = "stubs/esp-flasher-stub-v1.4.1";

fn fresh_env() -> (WorkDir, PathBuf) {
    let env = ESPCTL.workdir(Stubs::None);
    let data = env.data_dir().to_path_buf();
    (env, data)
}

fn installed(data: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data.join(STORE))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn imports_the_pinned_stubs_from_the_esptool_sdist() {
    let (env, data) = fresh_env();
    let sdist = espctl_testkit::esptool_sdist();
    let out = env
        .espctl(&["stub", "import", sdist.to_str().unwrap()])
        .ok();
    out.has("Installed esp8266.json (esp-flasher-stub v1.4.1, SHA-256 checked)")
        .has("Installed esp32.json (esp-flasher-stub v1.4.1, SHA-256 checked)");
    // The GPL legacy stubs in stub_flasher/1/ are not taken.
    assert!(out.stdout.contains("Ignored 10 stub files"), "{out}");
    let names = installed(&data);
    for n in [
        "esp8266.json",
        "esp32.json",
        "LICENSE-APACHE",
        "LICENSE-MIT",
        "README.txt",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} missing: {names:?}");
    }
    let list = env.espctl(&["stub", "list"]).ok();
    assert!(
        list.stdout
            .lines()
            .any(|l| l.contains("esp8266.json") && l.contains("ESP8266") && l.ends_with("ok")),
        "{list}"
    );
}

#[test]
fn imports_from_a_folder_and_refuses_other_files() {
    let (env, data) = fresh_env();
    // Unpack by importing once, then import the store folder itself elsewhere.
    let first = ESPCTL.workdir(Stubs::None);
    first
        .espctl(&[
            "stub",
            "import",
            espctl_testkit::esptool_sdist().to_str().unwrap(),
        ])
        .ok();
    let folder = first.data_dir().join(STORE);
    env.espctl(&["stub", "import", folder.to_str().unwrap()])
        .ok()
        .has("Installed esp8266.json (esp-flasher-stub v1.4.1, SHA-256 checked)");
    assert!(installed(&data).contains(&"esp32.json".to_string()));

    // A modified stub is refused and nothing is installed.
    let (env, data) = fresh_env();
    let mut json = std::fs::read(folder.join("esp8266.json")).unwrap();
    json[100] ^= 1;
    let bad = env.write("esp8266.json", &json);
    let line = env
        .espctl(&["stub", "import", bad.to_str().unwrap()])
        .fatal();
    assert!(
        line.contains("No esp-flasher-stub v1.4.1 files found")
            && line.contains("1 stub files with other contents were ignored"),
        "{line}"
    );
    assert!(installed(&data).is_empty());
}

#[test]
fn refuses_to_use_a_stub_changed_after_installation() {
    let (env, data) = fresh_env();
    env.espctl(&[
        "stub",
        "import",
        espctl_testkit::esptool_sdist().to_str().unwrap(),
    ])
    .ok();
    let path = data.join(STORE).join("esp8266.json");
    let mut json = std::fs::read(&path).unwrap();
    json[200] ^= 1;
    std::fs::write(&path, json).unwrap();
    let dev = ESPCTL.device("esp8266", Link::InProcess, "1MB");
    // A flash command (register commands like read_mac need no stub).
    env.write("small.bin", &[0x5A; 2000]);
    let out = env
        .espctl(&["--port", &dev.port, "write_flash", "0x10000", "small.bin"])
        .ok();
    assert!(
        out.stderr.contains("has changed since it was installed"),
        "{out}"
    );
    assert!(!out.stdout.contains("Uploading stub flasher"), "{out}");
    let list = env.espctl(&["stub", "list"]).ok();
    assert!(list.stdout.contains("CHANGED: install again"), "{list}");
}

#[test]
fn rom_mode_is_announced_once_in_one_line() {
    let (env, _) = fresh_env();
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    env.write("small.bin", &[0x5A; 2000]);
    let write = ["write_flash", "0x10000", "small.bin"];
    let mut args = vec!["--port", dev.port.as_str()];
    args.extend(write);
    let out = env.espctl(&args).ok();
    let notes: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("NOTE: No flasher stub installed"))
        .collect();
    assert_eq!(
        notes,
        [
            "NOTE: No flasher stub installed for ESP32 and downloads are off (--offline): talking to the ROM bootloader, so writing is slower (no compression) and read-flash is slow (64 bytes per command). Install it with 'espctl stub import <esptool-5.6.0.tar.gz>' (pip download --no-deps esptool==5.6.0)."
        ]
    );
    // --no-stub is a choice, not something to warn about.
    let mut args = vec!["--port", dev.port.as_str(), "--no-stub"];
    args.extend(write);
    let out = env.espctl(&args).ok();
    assert!(!out.stdout.contains("NOTE: No flasher stub"), "{out}");
}

/// Serves the files of `dir` over HTTP at `/v1.4.1/NAME` until dropped.
struct Http {
    url: String,
}

fn serve(dir: PathBuf) -> Http {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1.4.1", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut request = String::new();
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let name = path.strip_prefix("/v1.4.1/").unwrap_or("");
            let file = (!name.contains('/')).then(|| std::fs::read(dir.join(name)).ok());
            let _ = match file.flatten() {
                Some(body) => conn
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| conn.write_all(&body)),
                None => conn.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    Http { url }
}

#[test]
fn fetches_the_release_assets_and_checks_them() {
    // The release assets are the same files esptool ships; serve them locally.
    let source = ESPCTL.workdir(Stubs::None);
    source
        .espctl(&[
            "stub",
            "import",
            espctl_testkit::esptool_sdist().to_str().unwrap(),
        ])
        .ok();
    let http = serve(source.data_dir().join(STORE));

    let (env, data) = fresh_env();
    let env = env.with_var("ESPCTL_STUB_URL", &http.url);
    let out = env.espctl(&["stub", "fetch"]).ok();
    out.has("Installed esp8266.json (SHA-256 checked)")
        .has("Installed esp32.json (SHA-256 checked)");
    let names = installed(&data);
    assert!(names.contains(&"esp8266.json".to_string()), "{names:?}");
    // The fetched stub works.
    let dev = ESPCTL.device("esp8266", Link::InProcess, "1MB");
    env.write("small.bin", &[0x5A; 2000]);
    env.espctl(&["--port", &dev.port, "write_flash", "0x10000", "small.bin"])
        .ok()
        .has("Stub flasher running.");

    // A server handing out other bytes is refused; nothing gets installed.
    let tampered = tempfile::tempdir().unwrap();
    let mut json = std::fs::read(source.data_dir().join(STORE).join("esp8266.json")).unwrap();
    json[50] ^= 1;
    std::fs::write(tampered.path().join("esp8266.json"), json).unwrap();
    let bad = serve(tampered.path().to_path_buf());
    let (env, data) = fresh_env();
    let env = env.with_var("ESPCTL_STUB_URL", &bad.url);
    let line = env.espctl(&["stub", "fetch"]).fatal();
    assert!(
        line.contains("esp8266.json failed: the file does not match the pinned SHA-256"),
        "{line}"
    );
    assert!(installed(&data).is_empty());
    // A missing asset is an error too.
    let empty = tempfile::tempdir().unwrap();
    let missing = serve(empty.path().to_path_buf());
    let (env, _) = fresh_env();
    let env = env.with_var("ESPCTL_STUB_URL", &missing.url);
    let line = env.espctl(&["stub", "fetch"]).fatal();
    assert!(line.contains("404"), "{line}");
}
