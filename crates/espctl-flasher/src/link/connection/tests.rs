use super::*;
use crate::event::ignore_events;
use espctl_protocol::status::Status;
use espctl_protocol::{Response, StatusLength};
use espctl_testkit::{FakeLine, Script};

fn framed(resp: &Response, len: StatusLength) -> Vec<u8> {
    slip::encode(&resp.encode(len))
}

#[test]
fn skips_unrelated_frames_and_noise() {
    let mut wire = b"garbage".to_vec();
    wire.extend(framed(
        &Response::ok(0x08, 0x2012_0707, vec![]),
        StatusLength::Two,
    ));
    wire.extend(framed(
        &Response::ok(0x0A, 0x1234, vec![]),
        StatusLength::Two,
    ));
    let t = FakeLine::new(Script::replying(vec![wire]));
    let mut c = Connection::new(Box::new(t), ignore_events(), false);
    let (value, _) = c
        .check(
            "read target memory",
            &Command::ReadReg { addr: 0x4000_1000 },
            0,
            DEFAULT_TIMEOUT,
        )
        .unwrap();
    assert_eq!(value, 0x1234);
    assert_eq!(c.take_noise(), b"garbage");
}

#[test]
fn invalid_message_with_another_opcode_means_unsupported() {
    let wire = framed(
        &Response {
            op: 0x00,
            value: 0,
            data: vec![],
            status: Status {
                status: 1,
                error: 5,
            },
        },
        StatusLength::Two,
    );
    let t = FakeLine::new(Script::replying(vec![wire]));
    let mut c = Connection::new(Box::new(t), ignore_events(), false);
    let err = c
        .command(&Command::GetSecurityInfo, DEFAULT_TIMEOUT)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::UnsupportedCommand {
            op: Opcode::GetSecurityInfo
        }
    ));
}

/// A port that takes no data: every write runs out its write timeout, as
/// `SerialTransport` reports it.
struct Stuck;

impl Transport for Stuck {
    fn name(&self) -> &str {
        "/dev/ttyUSB7"
    }
    fn kind(&self) -> espctl_transport::TransportKind {
        espctl_transport::TransportKind::Serial
    }
    fn write_all(&mut self, _data: &[u8]) -> std::io::Result<()> {
        let after = Duration::from_millis(2500);
        Err(espctl_transport::WriteTimedOut { after }.into_io())
    }
    fn read(&mut self, _buf: &mut [u8], _timeout: Duration) -> std::io::Result<usize> {
        Ok(0)
    }
    fn clear_input(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn baud(&self) -> u32 {
        115_200
    }
    fn set_baud(&mut self, _baud: u32) -> std::io::Result<()> {
        Ok(())
    }
    fn set_dtr(&mut self, _asserted: bool) -> Result<(), espctl_transport::LineError> {
        Ok(())
    }
    fn set_rts(&mut self, _asserted: bool) -> Result<(), espctl_transport::LineError> {
        Ok(())
    }
}

#[test]
fn a_write_that_times_out_names_the_port_and_the_wait() {
    let mut c = Connection::new(Box::new(Stuck), ignore_events(), false);
    let err = c.command(&Command::Sync, DEFAULT_TIMEOUT).unwrap_err();
    assert!(matches!(err, Error::WriteTimeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Serial port /dev/ttyUSB7 failed: write timeout (it took no data for 2.5 s)."
    );
    assert_eq!(err.hint(), Some(crate::Hint::CheckPort));
}

#[test]
fn timeouts_say_what_was_received() {
    let t = FakeLine::new(Script::replying(vec![vec![]]));
    let mut c = Connection::new(Box::new(t), ignore_events(), false);
    let err = c
        .command(&Command::Sync, Duration::from_millis(10))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "No serial data received. (waiting for the reply to SYNC (0x08))"
    );
    assert_eq!(err.hint(), Some(crate::Hint::CheckLinkOrLowerBaud));

    let t = FakeLine::new(Script::replying(vec![vec![0xC0, 0x01, 0x08]]));
    let mut c = Connection::new(Box::new(t), ignore_events(), false);
    let err = c
        .command(&Command::Sync, Duration::from_millis(10))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::NoReply {
            failure: ReadFailure::PartialFrame(2),
            ..
        }
    ));
}
