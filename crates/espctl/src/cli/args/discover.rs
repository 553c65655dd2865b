//! `espctl discover`: the devices that announce ArduinoOTA by mDNS.

/// `espctl discover`.
#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// Seconds to listen for answers
    #[arg(long, default_value_t = 3.0, value_name = "SECONDS")]
    pub timeout: f64,
}
