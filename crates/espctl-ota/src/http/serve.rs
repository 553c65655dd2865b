//! A short-lived HTTP server with one file, for the terminal upgrade: the device is told
//! `ota http://ADDR:PORT/NAME` and downloads the image from here. ESPurna's downloader
//! reads the body until the server closes (it ignores `Content-Length`), so every answer
//! ends by closing the connection. It serves until dropped.

use super::read_head;
use std::io::{self, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

/// Bytes per write (each one a progress step).
const CHUNK: usize = 8192;
/// How often the idle server looks for a stop.
const POLL: Duration = Duration::from_millis(20);

/// What happened at the server, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServeEvent {
    /// A client connected.
    Connected {
        /// From where.
        peer: SocketAddr,
    },
    /// A request for the image: its sending starts.
    Sending {
        /// Image size.
        total: u64,
    },
    /// Image bytes sent so far.
    Sent {
        /// Sent.
        bytes: u64,
        /// Of.
        total: u64,
    },
    /// The whole image went out and the connection was closed.
    Finished {
        /// The image size.
        bytes: u64,
    },
    /// A request for something else (answered 404) or not understood.
    Refused {
        /// The request line.
        request: String,
    },
    /// A transfer broke.
    Broken {
        /// Bytes sent before.
        bytes: u64,
        /// The system's reason.
        reason: String,
    },
}

/// The running server.
pub struct ImageServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    events: Receiver<ServeEvent>,
    thread: Option<JoinHandle<()>>,
}

impl ImageServer {
    /// Listens on `bind` (port 0 picks one) and serves `image` at `path` (`/NAME`).
    pub fn start(bind: SocketAddr, path: &str, image: Arc<Vec<u8>>) -> io::Result<ImageServer> {
        let listener = TcpListener::bind(bind)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, events) = channel();
        let path = path.to_string();
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("espctl-image-server".into())
            .spawn(move || serve(&listener, &path, &image, &stopping, &tx))?;
        Ok(ImageServer {
            address,
            stop,
            events,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// What happened since the last look.
    pub fn events(&self) -> &Receiver<ServeEvent> {
        &self.events
    }
}

impl Drop for ImageServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    listener: &TcpListener,
    path: &str,
    image: &[u8],
    stop: &AtomicBool,
    tx: &Sender<ServeEvent>,
) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, peer)) => {
                let _ = tx.send(ServeEvent::Connected { peer });
                answer(stream, path, image, stop, tx);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// Answers one request and closes.
fn answer(stream: TcpStream, path: &str, image: &[u8], stop: &AtomicBool, tx: &Sender<ServeEvent>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let head = match read_head(&mut BufReader::new(&stream)) {
        Ok(head) => head,
        Err(e) => {
            let _ = tx.send(ServeEvent::Refused {
                request: format!("(no request: {e})"),
            });
            return;
        }
    };
    let (method, target, _) = head.start_parts().unwrap_or(("", "", ""));
    let wanted = matches!(method, "GET" | "HEAD") && target == path;
    let mut out = &stream;
    if !wanted {
        let _ = tx.send(ServeEvent::Refused {
            request: head.start_line.clone(),
        });
        let _ = out.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n",
        );
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    let total = image.len() as u64;
    let _ = tx.send(ServeEvent::Sending { total });
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"
    );
    let mut sent = 0u64;
    let result = (|| {
        out.write_all(head.as_bytes())?;
        if method == "HEAD" {
            return Ok(());
        }
        for chunk in image.chunks(CHUNK) {
            if stop.load(Ordering::Relaxed) {
                return Err(io::Error::new(
                    io::ErrorKind::Interrupted,
                    "the upgrade was given up",
                ));
            }
            out.write_all(chunk)?;
            sent += chunk.len() as u64;
            let _ = tx.send(ServeEvent::Sent { bytes: sent, total });
        }
        out.flush()
    })();
    // The device takes the close as the end of the image.
    let _ = stream.shutdown(Shutdown::Both);
    let _ = tx.send(match result {
        Ok(()) => ServeEvent::Finished { bytes: sent },
        Err(e) => ServeEvent::Broken {
            bytes: sent,
            reason: e.to_string(),
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::read_response;

    fn get(address: SocketAddr, path: &str) -> crate::http::Response {
        let mut stream = TcpStream::connect(address).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: ESPurna\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        read_response(&mut BufReader::new(&stream)).unwrap()
    }

    #[test]
    fn serves_the_image_then_closes() {
        let image: Arc<Vec<u8>> = Arc::new((0..20000u32).map(|i| i as u8).collect());
        let server =
            ImageServer::start("127.0.0.1:0".parse().unwrap(), "/fw.bin", image.clone()).unwrap();
        let response = get(server.address(), "/fw.bin");
        assert_eq!(response.status, 200);
        assert_eq!(response.body, *image);
        let missing = get(server.address(), "/other.bin");
        assert_eq!(missing.status, 404);
        let events: Vec<ServeEvent> = server.events().try_iter().collect();
        assert!(
            events.contains(&ServeEvent::Finished { bytes: 20000 }),
            "{events:?}"
        );
        assert!(events.iter().any(
            |e| matches!(e, ServeEvent::Refused { request } if request.contains("/other.bin"))
        ));
    }
}
