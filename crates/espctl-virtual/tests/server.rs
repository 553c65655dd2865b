//! The TCP server: what a new connection means, resets from outside.

use espctl_chips::{BootMode, esp8266::ESP8266};
use espctl_protocol::{Command, slip};
use espctl_virtual::server::{TcpOptions, TcpServer};
use espctl_virtual::{Device, DeviceConfig, DeviceState};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

fn serve(options: TcpOptions) -> (Arc<TcpServer>, String) {
    let device = Device::new(DeviceConfig::new(&ESP8266, 1 << 20)).unwrap();
    let server = Arc::new(TcpServer::bind("127.0.0.1:0", device, options).unwrap());
    let addr = server.local_addr().unwrap().to_string();
    assert_eq!(server.url().unwrap(), format!("socket://{addr}"));
    let s = server.clone();
    std::thread::spawn(move || s.serve());
    (server, addr)
}

/// Sends SYNC and returns the value of the first reply (ROM: non-zero, stub: 0).
fn sync_value(stream: &mut TcpStream) -> u32 {
    stream
        .write_all(&slip::encode(&Command::Sync.to_request().encode()))
        .unwrap();
    let mut decoder = slip::Decoder::new();
    let mut frames = Vec::new();
    let mut buf = [0u8; 1024];
    while frames.len() < 8 {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed");
        frames.extend(decoder.feed(&buf[..n]).into_iter().map(Result::unwrap));
    }
    u32::from_le_bytes(frames[0][4..8].try_into().unwrap())
}

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

#[test]
fn every_connection_finds_the_rom_loader_by_default() {
    let (server, addr) = serve(TcpOptions::default());
    let mut first = connect(&addr);
    assert_ne!(sync_value(&mut first), 0);
    // Something else than the ROM: the program in flash.
    server.reset_handle().reset(BootMode::Flash);
    let mut boot_log = [0u8; 256];
    let n = first.read(&mut boot_log).unwrap();
    assert!(String::from_utf8_lossy(&boot_log[..n]).contains("boot mode:(3,6)"));
    drop(first);
    let mut second = connect(&addr);
    assert_ne!(
        sync_value(&mut second),
        0,
        "reset into download mode on connect"
    );
    let state = server.reset_handle().with_device(|d| d.state());
    assert_eq!(state, DeviceState::RomLoader);
}

#[test]
fn keep_state_leaves_the_chip_as_the_last_client_left_it() {
    let (server, addr) = serve(TcpOptions {
        reset_on_connect: false,
    });
    let mut first = connect(&addr);
    assert_ne!(sync_value(&mut first), 0);
    server.reset_handle().reset(BootMode::Flash);
    drop(first);
    let mut second = connect(&addr);
    second
        .write_all(&slip::encode(&Command::Sync.to_request().encode()))
        .unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(
        second.read(&mut buf).is_err(),
        "a running program does not answer"
    );
    server.reset_handle().reset(BootMode::Download);
    second
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The boot log arrives first; the sync after it works.
    let mut log = [0u8; 256];
    let n = second.read(&mut log).unwrap();
    assert!(String::from_utf8_lossy(&log[..n]).contains("boot mode:(1,7)"));
    assert_ne!(sync_value(&mut second), 0);
}
