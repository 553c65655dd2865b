//! An RFC 2217 server: one TCP client at a time relayed to any [`Transport`] (a serial
//! port, a pty, a virtual device), with the client's rate, DTR/RTS and purges applied
//! to it. Clients come one after another; one that vanishes ends only its own session.

use super::lines::{LinePolicy, Lines};
use super::options::Negotiator;
use super::wire::{self, COM_PORT_OPTION, ComPort, Decoder, Event, Sender, control, purge};
use crate::{LineError, Transport};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

/// How long the relay waits for the port before it looks at the client again.
const POLL: Duration = Duration::from_millis(2);
/// A client that does not take data for this long counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// What the server calls itself when a client asks (SIGNATURE).
const SIGNATURE: &[u8] = b"espctl serve-port";

/// What happened on the server, for its user to see.
#[derive(Debug)]
pub enum ServerEvent {
    /// A client connected and is being served.
    Connected {
        /// Its address.
        peer: SocketAddr,
    },
    /// The client's session ended.
    Disconnected {
        /// Its address.
        peer: SocketAddr,
        /// Why.
        end: SessionEnd,
    },
    /// The port has no DTR/RTS (a pty): the client's line changes are acknowledged but
    /// cannot reset the chip. Reported once.
    LinesUnsupported,
    /// The port refused a rate the client asked for; the old rate stays.
    BaudRefused {
        /// The rate asked for.
        baud: u32,
        /// What the port said.
        reason: String,
    },
}

/// Why a session ended.
#[derive(Debug)]
pub enum SessionEnd {
    /// The client closed the connection.
    Closed,
    /// The connection broke (the client vanished or stopped reading).
    Lost(io::Error),
    /// The port failed; the next client may find it working again.
    PortFailed(io::Error),
}

/// Listens for RFC 2217 clients.
pub struct Rfc2217Server {
    listener: TcpListener,
    lines: Lines,
    lines_warned: bool,
}

impl Rfc2217Server {
    /// Listens on `addr` (port 0 picks a free one); DTR/RTS changes are relayed as
    /// they come.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Rfc2217Server> {
        Ok(Rfc2217Server {
            listener: TcpListener::bind(addr)?,
            lines: Lines::new(LinePolicy::Relay),
            lines_warned: false,
        })
    }

    /// The same server with `policy` for the client's DTR/RTS changes.
    pub fn with_lines(mut self, policy: LinePolicy) -> Rfc2217Server {
        self.lines = Lines::new(policy);
        self
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves clients one after another on `port`, forever (until accepting fails).
    pub fn serve(
        &mut self,
        port: &mut dyn Transport,
        events: &mut dyn FnMut(ServerEvent),
    ) -> io::Result<()> {
        loop {
            self.serve_one(port, events)?;
        }
    }

    /// Waits for one client and serves it until it leaves.
    pub fn serve_one(
        &mut self,
        port: &mut dyn Transport,
        events: &mut dyn FnMut(ServerEvent),
    ) -> io::Result<()> {
        let (stream, peer) = loop {
            match self.listener.accept() {
                Ok(accepted) => break accepted,
                // A client that gave up while waiting in the queue is not an error.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) => {}
                Err(e) => return Err(e),
            }
        };
        events(ServerEvent::Connected { peer });
        self.lines.new_session();
        let end = match Session::start(stream, &mut self.lines) {
            Ok(mut session) => {
                let warned = &mut self.lines_warned;
                let end = session.run(port, &mut |e| match e {
                    ServerEvent::LinesUnsupported if *warned => {}
                    ServerEvent::LinesUnsupported => {
                        *warned = true;
                        events(e);
                    }
                    e => events(e),
                });
                session.finish();
                end
            }
            Err(e) => SessionEnd::Lost(e),
        };
        events(ServerEvent::Disconnected { peer, end });
        Ok(())
    }
}

/// A client whose machine lost power or network never closes its connection; without
/// this the server would wait for it forever and serve no one else. Keepalive probes
/// after 10 s of silence (3, 5 s apart), and unacknowledged data for 30 s, end it.
#[cfg(target_os = "linux")]
fn detect_dead_peer(stream: &TcpStream) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = stream.as_raw_fd();
    for (level, name, value) in [
        (libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1),
        (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, 10),
        (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 5),
        (libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3),
        (libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, 30_000),
    ] {
        let value: libc::c_int = value;
        // SAFETY: setsockopt reads one c_int through the pointer, which lives on our
        // stack; the length says so.
        let done = unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if done != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// One client's connection: a thread reads the socket, this side relays.
struct Session<'l> {
    stream: TcpStream,
    lines: &'l mut Lines,
    incoming: Receiver<io::Result<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    decoder: Decoder,
    options: Negotiator,
    suspended: bool,
}

impl<'l> Session<'l> {
    fn start(stream: TcpStream, lines: &'l mut Lines) -> io::Result<Session<'l>> {
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        #[cfg(target_os = "linux")]
        detect_dead_peer(&stream)?;
        let mut from_client = stream.try_clone()?;
        let (tx, incoming) = mpsc::channel();
        let reader = std::thread::Builder::new()
            .name("rfc2217-client-rx".into())
            .spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let got = match from_client.read(&mut buf) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Ok(n) => Ok(buf[..n].to_vec()),
                        Err(e) => Err(e),
                    };
                    let last = !matches!(&got, Ok(b) if !b.is_empty());
                    if tx.send(got).is_err() || last {
                        return;
                    }
                }
            })?;
        Ok(Session {
            stream,
            lines,
            incoming,
            reader: Some(reader),
            decoder: Decoder::new(),
            options: Negotiator::new(),
            suspended: false,
        })
    }

    fn run(&mut self, port: &mut dyn Transport, note: &mut dyn FnMut(ServerEvent)) -> SessionEnd {
        let offer = self.options.offer();
        if let Err(e) = self.stream.write_all(&offer) {
            return SessionEnd::Lost(e);
        }
        // What the port said while nobody listened is not this client's.
        if let Err(e) = port.clear_input() {
            return SessionEnd::PortFailed(e);
        }
        let mut buf = vec![0u8; 16 * 1024];
        let mut out = Vec::new();
        loop {
            loop {
                match self.incoming.try_recv() {
                    Ok(Ok(bytes)) if bytes.is_empty() => return SessionEnd::Closed,
                    Ok(Ok(bytes)) => {
                        if let Err(end) = self.client_sent(&bytes, port, note) {
                            return end;
                        }
                    }
                    Ok(Err(e)) => return SessionEnd::Lost(e),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return SessionEnd::Closed,
                }
            }
            if self.suspended {
                std::thread::sleep(POLL);
                continue;
            }
            let n = match port.read(&mut buf, POLL) {
                Ok(n) => n,
                Err(e) => return SessionEnd::PortFailed(e),
            };
            if n > 0 {
                out.clear();
                wire::escape_into(&buf[..n], &mut out);
                if let Err(e) = self.stream.write_all(&out) {
                    return SessionEnd::Lost(e);
                }
            }
        }
    }

    /// Applies what the client sent: data to the port, negotiations and COM-PORT
    /// commands answered.
    fn client_sent(
        &mut self,
        bytes: &[u8],
        port: &mut dyn Transport,
        note: &mut dyn FnMut(ServerEvent),
    ) -> Result<(), SessionEnd> {
        let mut events = Vec::new();
        self.decoder.feed(bytes, &mut events);
        let mut answers = Vec::new();
        for event in events {
            match event {
                Event::Data(data) => port.write_all(&data).map_err(SessionEnd::PortFailed)?,
                Event::Negotiate(verb, option) => {
                    if let Some(answer) = self.options.receive(verb, option) {
                        answers.extend(answer);
                    }
                }
                Event::Sub(COM_PORT_OPTION, payload) => {
                    if let Some((Sender::Client, command)) = ComPort::decode(&payload)
                        && let Some(answer) = self.command(command, port, note)?
                    {
                        answers.extend(answer.encode(Sender::Server));
                    }
                }
                Event::Sub(..) => {}
            }
            // Answers go out in order with the data they follow.
            if !answers.is_empty() {
                self.stream.write_all(&answers).map_err(SessionEnd::Lost)?;
                answers.clear();
            }
        }
        Ok(())
    }

    /// Carries out one COM-PORT command; the answer echoes what the port now does.
    fn command(
        &mut self,
        command: ComPort,
        port: &mut dyn Transport,
        note: &mut dyn FnMut(ServerEvent),
    ) -> Result<Option<ComPort>, SessionEnd> {
        let answer = match command {
            ComPort::Signature(text) if text.is_empty() => ComPort::Signature(SIGNATURE.to_vec()),
            ComPort::Signature(_) => return Ok(None),
            ComPort::SetBaud(0) => ComPort::SetBaud(port.baud()),
            ComPort::SetBaud(baud) => {
                if let Err(e) = port.set_baud(baud) {
                    note(ServerEvent::BaudRefused {
                        baud,
                        reason: e.to_string(),
                    });
                }
                ComPort::SetBaud(port.baud())
            }
            // The relay carries 8N1 only; a client asking for more learns so.
            ComPort::SetDataSize(_) => ComPort::SetDataSize(8),
            ComPort::SetParity(_) => ComPort::SetParity(1),
            ComPort::SetStopSize(_) => ComPort::SetStopSize(1),
            ComPort::SetControl(value) => ComPort::SetControl(self.control(value, port, note)?),
            ComPort::NotifyLineState(_) => ComPort::NotifyLineState(0),
            ComPort::NotifyModemState(_) => ComPort::NotifyModemState(0),
            ComPort::FlowSuspend => {
                self.suspended = true;
                return Ok(None);
            }
            ComPort::FlowResume => {
                self.suspended = false;
                return Ok(None);
            }
            ComPort::SetLineStateMask(mask) => ComPort::SetLineStateMask(mask),
            ComPort::SetModemStateMask(mask) => ComPort::SetModemStateMask(mask),
            ComPort::Purge(what) => {
                if what == purge::RECEIVE || what == purge::BOTH {
                    port.clear_input().map_err(SessionEnd::PortFailed)?;
                }
                ComPort::Purge(what)
            }
            ComPort::Unknown(..) => return Ok(None),
        };
        Ok(Some(answer))
    }

    /// SET-CONTROL: DTR and RTS reach the port (see [`Lines`]); a port without the
    /// lines (a pty) still gets its answer, or the client would wait for it and give up.
    fn control(
        &mut self,
        value: u8,
        port: &mut dyn Transport,
        note: &mut dyn FnMut(ServerEvent),
    ) -> Result<u8, SessionEnd> {
        let state = |on: bool, yes: u8, no: u8| if on { yes } else { no };
        match value {
            control::DTR_ON | control::DTR_OFF | control::RTS_ON | control::RTS_OFF => {
                match self.lines.change(value, port) {
                    Ok(()) => {}
                    Err(LineError::Unsupported) => note(ServerEvent::LinesUnsupported),
                    Err(LineError::Io(e)) => return Err(SessionEnd::PortFailed(e)),
                }
                Ok(value)
            }
            control::DTR_REQUEST => Ok(state(self.lines.dtr(), control::DTR_ON, control::DTR_OFF)),
            control::RTS_REQUEST => Ok(state(self.lines.rts(), control::RTS_ON, control::RTS_OFF)),
            // Outbound flow control: none is all a relay offers.
            control::FLOW_REQUEST..=3 => Ok(control::FLOW_NONE),
            // BREAK: not carried; it stays off.
            4..=6 => Ok(6),
            // Inbound flow control: none.
            13..=16 => Ok(14),
            other => Ok(other),
        }
    }

    /// Closes the connection and waits for the reader thread.
    fn finish(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
