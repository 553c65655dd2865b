//! What the device sends on the TCP connection while an image arrives: decimal byte
//! counts of each write with no delimiter (so counts run together in the stream and
//! cannot be told apart), then `OK`, or an `ERROR[n]: text` line. Digits hold neither
//! `O` nor `E`, which is how espota.py finds the end; [`Acks`] does the same.

use super::UpdaterError;

/// How the device's stream ended, as far as it has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckEvent {
    /// Only counts so far.
    Counting,
    /// The device sent `OK`: the update is complete and checked.
    Done,
    /// The device reported an updater error.
    Failed(UpdaterError),
}

/// Collects the device's acknowledgement stream.
#[derive(Debug, Default, Clone)]
pub struct Acks {
    text: String,
}

impl Acks {
    /// A fresh stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes that arrived and says where the stream stands. An error counts once
    /// its line is complete (`\n`); call [`Acks::finish`] when the device closed.
    pub fn push(&mut self, bytes: &[u8]) -> AckEvent {
        self.text.push_str(&String::from_utf8_lossy(bytes));
        self.state(false)
    }

    /// Where the stream stands after the device closed the connection.
    pub fn finish(&self) -> AckEvent {
        self.state(true)
    }

    /// Everything the device sent that is not a count (for messages).
    pub fn text(&self) -> &str {
        self.text.trim_start_matches(|c: char| c.is_ascii_digit())
    }

    fn state(&self, closed: bool) -> AckEvent {
        let error_at = self.text.find('E');
        let ok_at = self.text.find("OK");
        match (error_at, ok_at) {
            (Some(e), _) => {
                let line = &self.text[e..];
                if closed || line.contains('\n') {
                    let line = line.split('\n').next().unwrap_or(line);
                    AckEvent::Failed(UpdaterError::parse(line).unwrap_or(UpdaterError {
                        code: 0,
                        text: line.to_string(),
                    }))
                } else {
                    AckEvent::Counting
                }
            }
            (None, Some(_)) => AckEvent::Done,
            (None, None) => AckEvent::Counting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_then_ok() {
        let mut acks = Acks::new();
        assert_eq!(acks.push(b"14601460"), AckEvent::Counting);
        assert_eq!(acks.push(b"292O"), AckEvent::Counting);
        assert_eq!(acks.push(b"K"), AckEvent::Done);
    }

    #[test]
    fn an_error_line_is_read_whole() {
        let mut acks = Acks::new();
        assert_eq!(acks.push(b"1460ERROR[7]: MD5 "), AckEvent::Counting);
        let failed = acks.push(b"Failed\n");
        assert_eq!(
            failed,
            AckEvent::Failed(UpdaterError {
                code: 7,
                text: "MD5 Failed".into()
            })
        );
        let mut cut = Acks::new();
        cut.push(b"ERROR[6]: Stream Read Timeout");
        assert!(matches!(cut.finish(), AckEvent::Failed(e) if e.code == 6));
    }
}
