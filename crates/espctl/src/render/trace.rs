//! `--trace` lines as esptool prints them: each command, the bytes written and read,
//! the packets decoded and the bytes outside packets.

use espctl_flasher::Trace;

/// The text of one trace entry, and whether esptool puts an empty line before it.
pub fn describe(t: Trace) -> (bool, String) {
    match t {
        Trace::Command {
            op,
            name,
            data,
            wait_response,
            timeout_secs,
        } => (
            true,
            format!(
                "--- Cmd {name} ({op:#04x}) | data_len {} | wait_response {} | timeout {timeout_secs:.3} | data {} ---",
                data.len(),
                u8::from(wait_response),
                hex_rows(&data)
            ),
        ),
        Trace::Write(b) => (
            false,
            format!(
                "{:<21} {}",
                format!("Write {} bytes:", b.len()),
                hex_rows(&b)
            ),
        ),
        Trace::Read(b) => (
            false,
            format!(
                "{:<21} {}",
                format!("Read {} bytes:", b.len()),
                hex_rows(&b)
            ),
        ),
        Trace::Packet(b) => (false, format!("Received full packet: {}", hex_rows(&b))),
        Trace::Noise(b) => (false, format!("Read invalid data: {}", hex_rows(&b))),
    }
}

/// Hex as esptool's trace prints it: inline up to 16 bytes, else indented rows of 16
/// with the printable characters at the end.
fn hex_rows(data: &[u8]) -> String {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    if data.len() <= 16 {
        return hex(data);
    }
    let mut out = String::new();
    for line in data.chunks(16) {
        let ascii: String = line
            .iter()
            .map(|&c| {
                if c == b' ' || c.is_ascii_graphic() {
                    c as char
                } else {
                    '.'
                }
            })
            .collect();
        let (a, b) = line.split_at(line.len().min(8));
        out.push_str(&format!("\n    {:<16} {:<16} | {ascii}", hex(a), hex(b)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_hex_matches_esptool_layout() {
        assert_eq!(hex_rows(&[0xc0, 0x00, 0x0a]), "c0000a");
        let rows = hex_rows(b"OHAI and then some more bytes");
        assert!(rows.starts_with("\n    4f48414920616e64 207468656e20736f | OHAI and then so"));
    }
}
