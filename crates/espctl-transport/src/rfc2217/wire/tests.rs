use super::*;

fn decode_in_pieces(stream: &[u8], piece: usize) -> Vec<Event> {
    let mut decoder = Decoder::new();
    let mut events = Vec::new();
    for chunk in stream.chunks(piece) {
        decoder.feed(chunk, &mut events);
    }
    // Merge data split across feeds, as a reader would.
    let mut merged: Vec<Event> = Vec::new();
    for e in events {
        match (merged.last_mut(), e) {
            (Some(Event::Data(a)), Event::Data(b)) => a.extend(b),
            (_, e) => merged.push(e),
        }
    }
    merged
}

#[test]
fn data_with_0xff_survives_escaping_split_at_every_point() {
    let data: Vec<u8> = vec![0x01, 0xFF, 0xFF, 0xC0, 0xFF, 0x00, 0xFF];
    let mut wire = Vec::new();
    escape_into(&data, &mut wire);
    assert_eq!(wire.len(), data.len() + 4);
    for piece in 1..=wire.len() {
        assert_eq!(
            decode_in_pieces(&wire, piece),
            vec![Event::Data(data.clone())]
        );
    }
}

#[test]
fn commands_between_data_keep_their_order() {
    let mut wire = vec![b'a', 0xFF, 0xFF];
    wire.extend(negotiation(Verb::Will, COM_PORT_OPTION));
    wire.extend(ComPort::SetBaud(0x00FF_FF00 | 115).encode(Sender::Server));
    wire.push(b'b');
    for piece in 1..=wire.len() {
        let events = decode_in_pieces(&wire, piece);
        assert_eq!(events.len(), 4, "piece {piece}: {events:?}");
        assert_eq!(events[0], Event::Data(vec![b'a', 0xFF]));
        assert_eq!(events[1], Event::Negotiate(Verb::Will, COM_PORT_OPTION));
        let Event::Sub(COM_PORT_OPTION, payload) = &events[2] else {
            panic!("{events:?}");
        };
        assert_eq!(
            ComPort::decode(payload),
            Some((Sender::Server, ComPort::SetBaud(0x00FF_FF73)))
        );
        assert_eq!(events[3], Event::Data(vec![b'b']));
    }
}

#[test]
fn a_baud_with_0xff_bytes_is_escaped_inside_the_sub_negotiation() {
    let wire = ComPort::SetBaud(0xFF_FF).encode(Sender::Client);
    assert_eq!(
        wire,
        [IAC, SB, 44, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, IAC, SE]
    );
}

#[test]
fn server_codes_are_client_codes_plus_100() {
    for command in [
        ComPort::SetBaud(921_600),
        ComPort::SetDataSize(8),
        ComPort::SetParity(1),
        ComPort::SetStopSize(1),
        ComPort::SetControl(control::DTR_ON),
        ComPort::Purge(purge::RECEIVE),
        ComPort::SetModemStateMask(0xFF),
    ] {
        let client = command.encode(Sender::Client);
        let server = command.encode(Sender::Server);
        assert_eq!(server[3], client[3] + 100);
        assert_eq!(
            ComPort::decode(&unescape_sub(&server)),
            Some((Sender::Server, command.clone()))
        );
        assert_eq!(
            ComPort::decode(&unescape_sub(&client)),
            Some((Sender::Client, command))
        );
    }
}

fn unescape_sub(wire: &[u8]) -> Vec<u8> {
    let mut events = Vec::new();
    Decoder::new().feed(wire, &mut events);
    match events.as_slice() {
        [Event::Sub(COM_PORT_OPTION, payload)] => payload.clone(),
        other => panic!("not one sub-negotiation: {other:?}"),
    }
}

#[test]
fn a_sub_negotiation_without_se_ends_at_the_next_command() {
    let wire = [IAC, SB, 44, 5, 8, IAC, DO, BINARY, b'x'];
    let mut events = Vec::new();
    Decoder::new().feed(&wire, &mut events);
    assert_eq!(
        events,
        vec![
            Event::Sub(44, vec![5, 8]),
            Event::Negotiate(Verb::Do, BINARY),
            Event::Data(vec![b'x']),
        ]
    );
}
