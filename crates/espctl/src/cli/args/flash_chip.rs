//! Arguments of the commands that talk to the flash chip itself: flash-id,
//! read-flash-status, write-flash-status, read-flash-sfdp; and `-sc/--spi-connection`,
//! which these and the flash data commands take.

use super::flash::FlashParams;
use espctl_flasher::spi::SpiConnection;

/// `-sc/--spi-connection`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SpiConnectionArg {
    /// -sc: Override the default SPI flash connection: SPI, HSPI or five pin numbers
    /// CLK,Q,D,HD,CS (custom pins: ESP32 only)
    #[arg(long, value_name = "SPI|HSPI|CLK,Q,D,HD,CS", value_parser = parse_spi_connection)]
    pub spi_connection: Option<SpiConnection>,
}

/// esptool's spellings: `SPI`, `HSPI` (any case) or five comma-separated numbers.
fn parse_spi_connection(s: &str) -> Result<SpiConnection, String> {
    if s.eq_ignore_ascii_case("SPI") {
        return Ok(SpiConnection::Spi);
    }
    if s.eq_ignore_ascii_case("HSPI") {
        return Ok(SpiConnection::Hspi);
    }
    if !s.contains(',') {
        return Err(format!(
            "{s} is not a valid spi-connection value. Values are SPI, HSPI, or a sequence of 5 pin numbers - CLK,Q,D,HD,CS."
        ));
    }
    let values: Vec<&str> = s.split(',').collect();
    let pins: Vec<u8> = values
        .iter()
        .map(|v| {
            crate::cli::values::parse_int(v)
                .ok()
                .and_then(|n| u8::try_from(n).ok())
        })
        .collect::<Option<_>>()
        .ok_or_else(|| format!("{s} is not a valid argument. All pins must be numeric values."))?;
    let pins: [u8; 5] = pins.try_into().map_err(|_| {
        format!("{s} is not a valid list of comma-separated pin numbers. Must be 5 numbers - CLK,Q,D,HD,CS.")
    })?;
    Ok(SpiConnection::Pins(pins))
}

/// `flash-id`.
#[derive(Debug, clap::Args)]
pub struct FlashIdArgs {
    #[command(flatten)]
    pub spi: SpiConnectionArg,
}

/// `--bytes` of the status commands.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StatusByteCount {
    #[value(name = "1")]
    One,
    #[value(name = "2")]
    Two,
    #[value(name = "3")]
    Three,
}

impl StatusByteCount {
    /// The count.
    pub fn get(self) -> u8 {
        match self {
            StatusByteCount::One => 1,
            StatusByteCount::Two => 2,
            StatusByteCount::Three => 3,
        }
    }
}

/// `read-flash-status`.
#[derive(Debug, clap::Args)]
pub struct ReadFlashStatusArgs {
    /// Number of status bytes to read
    #[arg(long, value_enum, default_value = "2")]
    pub bytes: StatusByteCount,
    #[command(flatten)]
    pub spi: SpiConnectionArg,
}

/// `write-flash-status`.
#[derive(Debug, clap::Args)]
pub struct WriteFlashStatusArgs {
    /// Write the non-volatile bits too (they survive a power cycle; use with caution)
    #[arg(long)]
    pub non_volatile: bool,
    /// Number of status bytes to write
    #[arg(long, value_enum, default_value = "2")]
    pub bytes: StatusByteCount,
    /// The new status value (register 1 in the low byte), decimal or 0x hex
    #[arg(value_parser = crate::cli::values::parse_int)]
    pub value: u32,
    #[command(flatten)]
    pub spi: SpiConnectionArg,
}

/// `read-flash-sfdp`.
#[derive(Debug, clap::Args)]
pub struct ReadFlashSfdpArgs {
    /// Address in the SFDP table
    #[arg(value_parser = crate::cli::values::parse_int)]
    pub address: u32,
    /// Number of bytes to read (1-4)
    #[arg(value_parser = crate::cli::values::parse_int)]
    pub bytes: u32,
    /// Accepted as esptool does (not used by this command)
    #[command(flatten)]
    pub flash: FlashParams,
    #[command(flatten)]
    pub spi: SpiConnectionArg,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_esptools_spellings() {
        assert_eq!(parse_spi_connection("spi"), Ok(SpiConnection::Spi));
        assert_eq!(parse_spi_connection("HSPI"), Ok(SpiConnection::Hspi));
        assert_eq!(
            parse_spi_connection("6,7,8,9,0xb"),
            Ok(SpiConnection::Pins([6, 7, 8, 9, 11]))
        );
        assert!(
            parse_spi_connection("6,7,8,9")
                .unwrap_err()
                .contains("Must be 5 numbers")
        );
        assert!(
            parse_spi_connection("6,7,x,9,11")
                .unwrap_err()
                .contains("numeric")
        );
        assert!(
            parse_spi_connection("VSPI")
                .unwrap_err()
                .contains("not a valid spi-connection")
        );
    }
}
