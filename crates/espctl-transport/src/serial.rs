//! A native serial port (USB-serial adapter, UART, or a pty) through the `serialport` crate.

use crate::{LineError, OpenCause, OpenError, Transport, TransportKind, UsbDevice};
use std::io::{self, Read, Write};
use std::time::Duration;

/// How long one write may block before the port counts as stuck (esptool: 10 s).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

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
        let builder = serialport::new(path, baud)
            .timeout(WRITE_TIMEOUT)
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

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.set_timeout(WRITE_TIMEOUT)?;
        self.port.write_all(data)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.set_timeout(timeout)?;
        loop {
            match self.port.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => return Ok(0),
                // A signal is not a timeout: 0 would tell the caller the time had passed.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
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
