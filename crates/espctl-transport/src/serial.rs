//! A native serial port (USB-serial adapter, UART, or a pty) through the `serialport` crate.

use crate::WriteTimedOut;
use crate::{LineError, OpenCause, OpenError, PortOptions, Transport, TransportKind, UsbDevice};
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

// The concrete port types: `SerialPort` is implemented for them, not for a boxed port.
#[cfg(unix)]
type Port = serialport::TTYPort;
#[cfg(windows)]
type Port = serialport::COMPort;

/// A serial device (USB adapter, pty) at a baud rate, with DTR/RTS where it has them.
pub struct SerialTransport {
    name: String,
    port: Port,
    baud: u32,
    usb: Option<UsbDevice>,
    /// How long one write may block before the port counts as stuck.
    write_timeout: Duration,
}

impl SerialTransport {
    /// Opens `path` exclusively at `baud`, 8N1, no flow control, with DTR and RTS both
    /// released.
    ///
    /// The lines must change together: on the auto-reset circuit RTS asserted with DTR
    /// released holds EN low. A POSIX open raises both (harmless: both asserted cancel
    /// out), so clearing DTR alone would keep the chip in reset and `--before no-reset`
    /// could never sync. They are released together instead, in one TIOCMSET. Windows
    /// opens with RTS released (no flow control), so DTR is released at open there.
    pub fn open(path: &str, baud: u32) -> Result<SerialTransport, OpenError> {
        SerialTransport::open_with(path, baud, &PortOptions::default())
    }

    /// Opens `path` as [`SerialTransport::open`] does, with `options`.
    pub fn open_with(
        path: &str,
        baud: u32,
        options: &PortOptions,
    ) -> Result<SerialTransport, OpenError> {
        let builder = serialport::new(path, baud)
            .timeout(options.write_timeout)
            .flow_control(serialport::FlowControl::None);
        #[cfg(unix)]
        let port = serialport::TTYPort::open(&builder);
        #[cfg(windows)]
        let port = serialport::COMPort::open(&builder.dtr_on_open(false));
        let port = port.map_err(|e| OpenError::with_cause(path, &e, cause(&e)))?;
        let transport = SerialTransport {
            name: path.to_string(),
            port,
            baud,
            write_timeout: options.write_timeout,
            usb: crate::ports::describe(&crate::ports::system_ports(), path).and_then(|p| {
                Some(UsbDevice {
                    id: p.usb_id()?,
                    product: p.product,
                })
            }),
        };
        #[cfg(unix)]
        let transport = {
            let mut t = transport;
            // A pty has no modem lines; the reset strategies report that once, later.
            let _ = t.set_lines(Some(false), Some(false));
            // serialport waits for room before each write, then writes blocking: a
            // write larger than the room would block past the timeout. Non-blocking, it
            // takes what fits and the rest waits again (see `write_all`).
            t.non_blocking()
                .map_err(|e| OpenError::with_cause(path, &e, OpenCause::of_io(&e)))?;
            t
        };
        Ok(transport)
    }

    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        serialport::SerialPort::set_timeout(&mut self.port, timeout).map_err(io::Error::from)
    }
}

/// Why serialport could not open a port. It reports a port held by another program
/// (EBUSY from TIOCEXCL, or its exclusive flock taken) as `NoDevice`.
fn cause(e: &serialport::Error) -> OpenCause {
    match e.kind() {
        serialport::ErrorKind::Io(kind) => OpenCause::of_io(&io::Error::from(kind)),
        serialport::ErrorKind::NoDevice => match OpenCause::from_reason(&e.to_string()) {
            OpenCause::Other => OpenCause::Missing,
            known => known,
        },
        _ => OpenCause::from_reason(&e.to_string()),
    }
}

impl Transport for SerialTransport {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> TransportKind {
        TransportKind::Serial
    }

    /// Fails with [`WriteTimedOut`] when all of `data` is not taken within the write
    /// timeout (pyserial's `write_timeout`, which esptool sets).
    fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        let deadline = Instant::now() + self.write_timeout;
        let after = self.write_timeout;
        let timed_out = || WriteTimedOut { after }.into_io();
        while !data.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timed_out());
            }
            self.set_timeout(left)?;
            match self.port.write(data) {
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(timed_out()),
                // Room for less than was offered: wait again for the rest of the time.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.set_timeout(timeout)?;
        loop {
            match self.port.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => return Ok(0),
                // A signal is not a timeout: 0 would tell the caller the time had passed.
                // Nor is a wake-up with nothing to read (the port is non-blocking).
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn clear_input(&mut self) -> io::Result<()> {
        serialport::SerialPort::clear(&self.port, serialport::ClearBuffer::Input)
            .map_err(io::Error::from)
    }

    fn baud(&self) -> u32 {
        self.baud
    }

    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        serialport::SerialPort::set_baud_rate(&mut self.port, baud).map_err(io::Error::from)?;
        self.baud = baud;
        Ok(())
    }

    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        self.set_lines(Some(asserted), None)
    }

    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        self.set_lines(None, Some(asserted))
    }

    fn set_dtr_rts(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        self.set_lines(Some(dtr), Some(rts))
    }

    fn usb_device(&self) -> Option<UsbDevice> {
        self.usb.clone()
    }
}

#[cfg(unix)]
impl SerialTransport {
    fn non_blocking(&mut self) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let fd = self.port.as_raw_fd();
        // SAFETY: F_GETFL/F_SETFL on a fd this transport owns.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }

    /// Reads the modem bits, changes the requested ones and writes them back in one
    /// TIOCMSET, so DTR and RTS change together.
    fn set_lines(&mut self, dtr: Option<bool>, rts: Option<bool>) -> Result<(), LineError> {
        use std::os::fd::AsRawFd;
        let fd = self.port.as_raw_fd();
        let mut bits: libc::c_int = 0;
        // SAFETY: TIOCMGET writes one c_int through the pointer, which lives on our stack.
        if unsafe { libc::ioctl(fd, libc::TIOCMGET, &mut bits) } != 0 {
            return Err(line_error(io::Error::last_os_error()));
        }
        for (want, bit) in [(dtr, libc::TIOCM_DTR), (rts, libc::TIOCM_RTS)] {
            match want {
                Some(true) => bits |= bit,
                Some(false) => bits &= !bit,
                None => {}
            }
        }
        // SAFETY: TIOCMSET reads one c_int through the pointer.
        if unsafe { libc::ioctl(fd, libc::TIOCMSET, &bits) } != 0 {
            return Err(line_error(io::Error::last_os_error()));
        }
        Ok(())
    }
}

/// A pty refuses modem ioctls with ENOTTY ("Not a typewriter"), some drivers with EINVAL:
/// both mean the port has no reset lines.
#[cfg(unix)]
fn line_error(e: io::Error) -> LineError {
    match e.raw_os_error() {
        Some(libc::ENOTTY) | Some(libc::EINVAL) => LineError::Unsupported,
        _ => LineError::Io(e),
    }
}

#[cfg(windows)]
impl SerialTransport {
    fn set_lines(&mut self, dtr: Option<bool>, rts: Option<bool>) -> Result<(), LineError> {
        use serialport::SerialPort;
        let to_io = |e: serialport::Error| LineError::Io(io::Error::from(e));
        if let Some(level) = dtr {
            self.port.write_data_terminal_ready(level).map_err(to_io)?;
        }
        if let Some(level) = rts {
            self.port.write_request_to_send(level).map_err(to_io)?;
        }
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::ffi::CStr;

    /// A pty whose controlling side nobody reads: writes to the port block once the
    /// system's buffer is full. Returns the controlling fd and the port's path.
    fn unread_pty() -> (libc::c_int, String) {
        // SAFETY: plain libc calls on a fd we own; ptsname_r writes into our buffer.
        unsafe {
            let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
            assert!(fd >= 0);
            assert_eq!(libc::grantpt(fd), 0);
            assert_eq!(libc::unlockpt(fd), 0);
            let mut name = [0 as libc::c_char; 128];
            assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
            let path = CStr::from_ptr(name.as_ptr()).to_string_lossy().into_owned();
            (fd, path)
        }
    }

    #[test]
    fn a_write_the_port_does_not_take_fails_with_the_write_timeout() {
        let (fd, path) = unread_pty();
        let options = PortOptions::default().write_timeout(Duration::from_millis(50));
        let mut port = SerialTransport::open_with(&path, 115_200, &options).unwrap();
        let err = port.write_all(&vec![0x55; 4 << 20]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let timed_out = WriteTimedOut::find(&err).expect("the write timeout, as data");
        assert_eq!(timed_out.after, Duration::from_millis(50));
        assert_eq!(
            err.to_string(),
            "Write timeout: the port took no data for 0.05 s"
        );
        // SAFETY: the fd is ours and closed once.
        unsafe { libc::close(fd) };
    }
}
