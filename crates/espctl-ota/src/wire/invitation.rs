//! The host's UDP invitation: `<command> <host tcp port> <size> <md5 hex>\n`.

/// What an update replaces (the command numbers of the ESP8266 core's `Updater.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateTarget {
    /// The application (`U_FLASH`, 0).
    Firmware,
    /// The file system image (`U_FS`/`U_SPIFFS`, 100; espota's `-s`).
    FileSystem,
}

impl UpdateTarget {
    /// The command number on the wire.
    pub fn code(self) -> u32 {
        match self {
            UpdateTarget::Firmware => 0,
            UpdateTarget::FileSystem => 100,
        }
    }

    /// The target a command number names; the authentication answer (200) and anything
    /// else are not targets.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(UpdateTarget::Firmware),
            100 => Some(UpdateTarget::FileSystem),
            _ => None,
        }
    }
}

/// The invitation the host sends to the device's UDP port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// What the image replaces.
    pub target: UpdateTarget,
    /// The TCP port the host listens on for the device's connection.
    pub host_port: u16,
    /// The image's size in bytes, as sent.
    pub size: u32,
    /// MD5 of the image as sent, 32 lowercase hex digits.
    pub md5: String,
}

impl Invitation {
    /// The datagram, as espota.py formats it.
    pub fn encode(&self) -> Vec<u8> {
        format!(
            "{} {} {} {}\n",
            self.target.code(),
            self.host_port,
            self.size,
            self.md5
        )
        .into_bytes()
    }

    /// Reads a datagram as the device's ArduinoOTA does: three integers separated by
    /// spaces, one separator, then the MD5 up to the newline, trimmed, which must be 32
    /// characters. Anything else is ignored by the device (`None`).
    pub fn parse(datagram: &[u8]) -> Option<Invitation> {
        let mut rest = datagram;
        let command = leading_int(&mut rest)?;
        let target = UpdateTarget::from_code(command)?;
        let host_port = u16::try_from(leading_int(&mut rest)?).ok()?;
        let size = leading_int(&mut rest)?;
        // ArduinoOTA reads and drops one byte before the MD5.
        let rest = rest.get(1..)?;
        let line = rest.split(|&b| b == b'\n' || b == 0).next()?;
        let md5 = std::str::from_utf8(line).ok()?.trim();
        (md5.len() == 32).then(|| Invitation {
            target,
            host_port,
            size,
            md5: md5.to_string(),
        })
    }
}

/// Skips spaces, then reads decimal digits (none reads as 0, as `atoi("")` does).
fn leading_int(rest: &mut &[u8]) -> Option<u32> {
    while let [b' ', tail @ ..] = *rest {
        *rest = tail;
    }
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (number, tail) = rest.split_at(digits);
    *rest = tail;
    if number.is_empty() {
        return Some(0);
    }
    std::str::from_utf8(number).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn encodes_as_espota_does() {
        let inv = Invitation {
            target: UpdateTarget::FileSystem,
            host_port: 41234,
            size: 303136,
            md5: MD5.into(),
        };
        assert_eq!(
            inv.encode(),
            format!("100 41234 303136 {MD5}\n").into_bytes()
        );
        assert_eq!(Invitation::parse(&inv.encode()), Some(inv));
    }

    #[test]
    fn the_device_ignores_what_it_cannot_read() {
        assert_eq!(
            Invitation::parse(format!("200 1 2 {MD5}\n").as_bytes()),
            None
        );
        assert_eq!(Invitation::parse(b"0 1 2 abc\n"), None);
        assert_eq!(
            Invitation::parse(format!("0 70000 2 {MD5}\n").as_bytes()),
            None
        );
        assert_eq!(Invitation::parse(b""), None);
    }

    #[test]
    fn extra_spaces_and_a_missing_newline_are_tolerated() {
        let inv = Invitation::parse(format!("0  9000   12 {MD5}  ").as_bytes()).unwrap();
        assert_eq!((inv.host_port, inv.size, inv.md5.as_str()), (9000, 12, MD5));
    }
}
