//! The stub out of the box: the first command that needs a missing stub obtains it by
//! itself (an installed esptool, else the esp-flasher-stub release, else esptool's sdist
//! from the Python Package Index), always checked against the pinned SHA-256, and says
//! so in one line; offline it names the import route. Downloads come from a server on
//! 127.0.0.1 that serves the real files.

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const STORE: &str = "stubs/esp-flasher-stub-v1.4.1";
const SDIST: &str = "esptool-5.6.0.tar.gz";

/// Serves fixed bodies by path (404 for others) and counts the requests.
struct Server {
    base: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    requests: Arc<AtomicUsize>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let requests = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (files.clone(), requests.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                counted.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                let body = served.lock().unwrap().get(&path).cloned();
                let _ = match body {
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
        Server {
            base,
            files,
            requests,
        }
    }

    fn put(&self, path: &str, body: Vec<u8>) {
        self.files.lock().unwrap().insert(path.to_string(), body);
    }

    /// The release's esp8266.json at `/release/`.
    fn serve_release(&self, body: Vec<u8>) {
        self.put("/release/esp8266.json", body);
    }

    /// The index's JSON for esptool 5.6.0 at `/pypi/`, naming `sdist` with the SHA-256
    /// of `digest_of`.
    fn serve_index(&self, sdist: Vec<u8>, digest_of: &[u8]) {
        let url = format!("{}/files/{SDIST}", self.base);
        let json = format!(
            r#"{{"info":{{"version":"5.6.0"}},"urls":[{{"packagetype":"bdist_wheel","url":"{0}/files/x.whl","digests":{{}}}},{{"packagetype":"sdist","url":"{url}","digests":{{"sha256":"{1}"}}}}]}}"#,
            self.base,
            sha256(digest_of)
        );
        self.put("/pypi/esptool/5.6.0/json", json.into_bytes());
        self.put(&format!("/files/{SDIST}"), sdist);
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn sha256(bytes: &[u8]) -> String {
    espctl_flasher::stub::pinned::sha256_hex(bytes)
}

fn release_stub() -> Vec<u8> {
    std::fs::read(
        espctl_testkit::stub_data_dir()
            .join(STORE)
            .join("esp8266.json"),
    )
    .unwrap()
}

/// A fresh data directory that may download from `server` (no installed esptool).
fn online(server: &Server) -> WorkDir {
    ESPCTL
        .workdir(Stubs::None)
        .with_var("ESPCTL_OFFLINE", "")
        .with_var("ESPCTL_STUB_URL", &format!("{}/release", server.base))
        .with_var("ESPCTL_PYPI_URL", &format!("{}/pypi", server.base))
}

fn esp8266() -> Device {
    let contents: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 + i / 251) as u8).collect();
    ESPCTL
        .device_options("esp8266", Link::InProcess)
        .flash_size("1MB")
        .flash_contents(contents)
        .start()
}

fn read_flash(env: &WorkDir, dev: &Device, extra: &[&str]) -> Run {
    let mut args = vec!["--port", dev.port.as_str()];
    args.extend(extra);
    args.extend(["read-flash", "0x1000", "0x2000", "out.bin"]);
    env.espctl(&args)
}

fn installed(data: &Path) -> bool {
    data.join(STORE).join("esp8266.json").is_file()
}

fn obtained_line(from: &str) -> String {
    format!(
        "Installed the missing flasher stub for ESP8266 from {from} (esp-flasher-stub v1.4.1, SHA-256 checked)."
    )
}

#[test]
fn first_read_flash_gets_the_stub_from_the_release() {
    let server = Server::start();
    server.serve_release(release_stub());
    let env = online(&server);
    let dev = esp8266();
    let out = read_flash(&env, &dev, &[]).ok();
    out.has(&obtained_line(&format!(
        "{}/release/esp8266.json",
        server.base
    )))
    .has("Stub flasher running.");
    let lines = out
        .stdout
        .lines()
        .filter(|l| l.contains("flasher stub for ESP8266"))
        .count();
    assert_eq!(lines, 1, "{out}");
    assert_eq!(env.read("out.bin"), dev.flash()[0x1000..0x3000]);
    assert!(installed(env.data_dir()));
    assert_eq!(server.requests(), 1);

    // Installed now: the next run downloads nothing and says nothing about it.
    let again = read_flash(&env, &dev, &[]).ok();
    again
        .lacks("Installed the missing")
        .has("Stub flasher running.");
    assert_eq!(server.requests(), 1);
}

#[test]
fn falls_back_to_the_sdist_from_the_package_index() {
    let server = Server::start();
    let sdist = std::fs::read(espctl_testkit::esptool_sdist()).unwrap();
    server.serve_index(sdist.clone(), &sdist);
    let env = online(&server);
    let dev = esp8266();
    let out = read_flash(&env, &dev, &[]).ok();
    out.has(&obtained_line(&format!("{}/files/{SDIST}", server.base)));
    assert_eq!(env.read("out.bin"), dev.flash()[0x1000..0x3000]);
    // The other chips' pinned files came with it; the GPL legacy stubs did not.
    let store = env.data_dir().join(STORE);
    assert!(store.join("esp32.json").is_file());
    assert_eq!(
        std::fs::read(store.join("esp8266.json")).unwrap(),
        release_stub()
    );
}

#[test]
fn tampered_downloads_are_refused_and_nothing_is_installed() {
    let server = Server::start();
    let mut stub = release_stub();
    stub[300] ^= 1;
    server.serve_release(stub);
    // An sdist changed in transit: it no longer has the SHA-256 the index gives.
    let good = std::fs::read(espctl_testkit::esptool_sdist()).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 10;
    bad[last] ^= 0xFF;
    server.serve_index(bad, &good);
    let env = online(&server);
    let dev = esp8266();
    let out = read_flash(&env, &dev, &[]);
    assert_ne!(out.code, 0, "{out}");
    out.says("esp8266.json: the file does not match the pinned SHA-256")
        .says("does not match the SHA-256 the index gives")
        .lacks("Installed the missing")
        .lacks("Stub flasher running.");
    assert!(!installed(env.data_dir()));
    assert!(!env.path("out.bin").exists());
}

#[test]
fn offline_names_the_import_route_and_downloads_nothing() {
    let server = Server::start();
    server.serve_release(release_stub());
    let note = "NOTE: No flasher stub installed for ESP8266 and downloads are off (--offline): talking to the ROM bootloader";
    let route = "Install it with 'espctl stub import <esptool-5.6.0.tar.gz>'";
    let dev = esp8266();

    // ESPCTL_OFFLINE=1 (what Stubs::None sets).
    let env = ESPCTL
        .workdir(Stubs::None)
        .with_var("ESPCTL_STUB_URL", &format!("{}/release", server.base));
    let out = read_flash(&env, &dev, &[]);
    assert_ne!(out.code, 0, "{out}");
    out.says(note).says(route);

    // --offline.
    let env = online(&server);
    let out = read_flash(&env, &dev, &["--offline"]);
    assert_ne!(out.code, 0, "{out}");
    out.says(note).says(route);

    // A write works with the ROM loader, more slowly, and says the same.
    env.write("small.bin", &[0x5A; 3000]);
    let out = env
        .espctl(&[
            "--port",
            &dev.port,
            "--offline",
            "write-flash",
            "0x20000",
            "small.bin",
        ])
        .ok();
    out.says(route);
    espctl_testkit::assert_flash_holds(&dev.flash(), 0x20000, &[0x5A; 3000], "ROM write");
    assert_eq!(server.requests(), 0);
    assert!(!installed(env.data_dir()));
}

#[test]
fn takes_the_stub_from_an_installed_esptool() {
    // The venv's Python, next to its esptool script.
    let esptool = espctl_testkit::esptool();
    let python = ["python3", "python", "python.exe"]
        .map(|name| esptool.with_file_name(name))
        .into_iter()
        .find(|p| p.exists())
        .expect("the esptool venv has a Python");
    let env = ESPCTL
        .workdir(Stubs::None)
        .with_var("ESPCTL_PYTHON", python.to_str().unwrap());
    let dev = esp8266();
    let out = read_flash(&env, &dev, &[]).ok();
    let line = out
        .stdout
        .lines()
        .find(|l| {
            l.starts_with(
                "Installed the missing flasher stub for ESP8266 from the esptool installed in ",
            )
        })
        .unwrap_or_else(|| panic!("no line saying where the stub came from:\n{out}"));
    assert!(
        line.ends_with("esptool (esp-flasher-stub v1.4.1, SHA-256 checked)."),
        "{line}"
    );
    assert_eq!(env.read("out.bin"), dev.flash()[0x1000..0x3000]);
    assert!(installed(env.data_dir()));
}

#[test]
fn a_stub_left_running_is_used_without_obtaining_one() {
    let server = Server::start();
    server.serve_release(release_stub());
    let dev = ESPCTL.device("esp8266", Link::Pty, "1MB");
    let with_stubs = ESPCTL.workdir(Stubs::Installed);
    with_stubs
        .espctl(&[
            "--port",
            &dev.port,
            "--before",
            "no-reset",
            "--after",
            "no-reset-stub",
            "read-flash",
            "0",
            "0x100",
            "first.bin",
        ])
        .ok()
        .has("Staying in flasher stub.");
    let env = online(&server);
    let out = env
        .espctl(&[
            "--port",
            &dev.port,
            "--before",
            "no-reset",
            "read-flash",
            "0x1000",
            "0x2000",
            "out.bin",
        ])
        .ok();
    out.has("Stub flasher is already running. No upload is necessary.")
        .lacks("Installed the missing");
    assert_eq!(env.read("out.bin"), dev.flash()[0x1000..0x3000]);
    assert_eq!(server.requests(), 0);
    assert!(!installed(env.data_dir()));
}
