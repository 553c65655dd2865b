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
    // The program may still be printing its boot log; what it never sends is a reply.
    let mut decoder = slip::Decoder::new();
    let mut buf = [0u8; 256];
    while let Ok(n) = second.read(&mut buf) {
        assert!(n > 0, "connection closed");
        let sync_reply = |f: &Vec<u8>| f.len() >= 2 && f[0] == 1 && f[1] == 0x08;
        assert!(
            !decoder.feed(&buf[..n]).iter().flatten().any(sync_reply),
            "a running program does not answer"
        );
    }
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

/// The pty server reads the rate its client set on the line: a client at the wrong rate
/// for what the chip sends receives garbage, as on a serial line.
#[cfg(target_os = "linux")]
mod pty_rate {
    use espctl_chips::{BootMode, esp8266::ESP8266};
    use espctl_protocol::{Command, slip};
    use espctl_virtual::server::PtyServer;
    use espctl_virtual::{Device, DeviceConfig};
    use nix::sys::termios::{SetArg, SpecialCharacterIndices, cfmakeraw, tcgetattr, tcsetattr};
    use std::fs::{File, OpenOptions};
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::sync::Arc;

    /// Sets any rate with TCSETS2 (as pyserial and serialport do for custom rates).
    fn set_rate(port: &File, baud: u32) {
        let mut t: libc::termios2 = unsafe { std::mem::zeroed() };
        // SAFETY: plain ioctls on an open descriptor with a termios2 to fill and read.
        unsafe {
            assert_eq!(libc::ioctl(port.as_raw_fd(), libc::TCGETS2, &mut t), 0);
            t.c_cflag &= !libc::CBAUD;
            t.c_cflag |= libc::BOTHER;
            t.c_ispeed = baud;
            t.c_ospeed = baud;
            assert_eq!(libc::ioctl(port.as_raw_fd(), libc::TCSETS2, &t), 0);
        }
    }

    /// Everything that arrives within a short while.
    fn drain(port: &mut File) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match port.read(&mut buf) {
                Ok(0) | Err(_) => return out,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn the_esp8266_boot_log_reads_only_at_74880() {
        let device = Device::new(DeviceConfig::new(&ESP8266, 1 << 20)).unwrap();
        let server = Arc::new(PtyServer::open(device).unwrap());
        let s = server.clone();
        std::thread::spawn(move || s.serve());
        let mut port = OpenOptions::new()
            .read(true)
            .write(true)
            .open(server.path())
            .unwrap();
        let mut t = tcgetattr(&port).unwrap();
        cfmakeraw(&mut t);
        // Reads return after 0.3 s without data.
        t.control_chars[SpecialCharacterIndices::VMIN as usize] = 0;
        t.control_chars[SpecialCharacterIndices::VTIME as usize] = 3;
        tcsetattr(&port, SetArg::TCSANOW, &t).unwrap();
        let sync = slip::encode(&Command::Sync.to_request().encode());
        for (baud, readable) in [(115_200, false), (74_880, true)] {
            set_rate(&port, baud);
            // The ROM follows whatever rate the host talks at.
            port.write_all(&sync).unwrap();
            let answers = drain(&mut port);
            assert_eq!(answers.iter().filter(|&&b| b == 0xC0).count(), 16, "{baud}");
            server.reset_handle().reset(BootMode::Download);
            let log = drain(&mut port);
            assert!(!log.is_empty());
            let text = String::from_utf8_lossy(&log);
            assert_eq!(text.contains("ets Jan  8 2013"), readable, "{baud}: {text}");
        }
    }
}
