//! The device on a TCP port, for `socket://host:port` clients (esptool's pyserial URL).
//!
//! One client at a time; the next waits in the listen queue. What a new connection
//! means is an option: by default it is "the user reset the board into download mode by
//! hand, then connected" (esptool cannot reset over a socket and says so), so every
//! client finds the ROM loader. The boot log of that reset is not sent: it was printed
//! before anyone listened. With `reset_on_connect: false` the chip keeps whatever state
//! the previous client left it in (a stub still running, a program booted), like a chip
//! behind a serial-to-TCP bridge.

use super::{Port, ResetHandle};
use crate::Device;
use espctl_chips::BootMode;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};

/// How a [`TcpServer`] treats its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpOptions {
    /// Reset the device into download mode whenever a client connects.
    pub reset_on_connect: bool,
}

impl Default for TcpOptions {
    fn default() -> Self {
        TcpOptions {
            reset_on_connect: true,
        }
    }
}

/// The device behind a TCP listener, for `socket://` clients, one at a time.
pub struct TcpServer {
    listener: TcpListener,
    port: Port,
    options: TcpOptions,
}

impl TcpServer {
    /// Listens on `addr` (port 0 picks a free port).
    pub fn bind(
        addr: impl ToSocketAddrs,
        device: Device,
        options: TcpOptions,
    ) -> io::Result<TcpServer> {
        Ok(TcpServer {
            listener: TcpListener::bind(addr)?,
            port: Port::new(device),
            options,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The URL a client opens: `socket://127.0.0.1:PORT`.
    pub fn url(&self) -> io::Result<String> {
        Ok(format!("socket://{}", self.local_addr()?))
    }

    /// A handle that resets the device from another thread (signals).
    pub fn reset_handle(&self) -> ResetHandle {
        ResetHandle(self.port.clone())
    }

    /// Serves clients one after another, forever.
    pub fn serve(&self) -> io::Result<()> {
        loop {
            let (stream, _) = self.listener.accept()?;
            // A client that vanishes mid-session is its own problem, not the server's.
            let _ = self.serve_client(stream);
        }
    }

    /// Serves one client until it disconnects.
    pub fn serve_client(&self, mut stream: TcpStream) -> io::Result<()> {
        stream.set_nodelay(true)?;
        if self.options.reset_on_connect {
            let mut device = self.port.device();
            device.reset(BootMode::Download);
            device.clear_output();
        }
        self.port.set_link(Some(Box::new(stream.try_clone()?)));
        let mut buf = [0u8; 16 * 1024];
        let result = loop {
            match stream.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => self.port.feed(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        };
        self.port.set_link(None);
        result
    }
}
