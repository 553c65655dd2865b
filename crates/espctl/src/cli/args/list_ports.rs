//! `espctl list-ports`: the serial ports the system has.

/// `espctl list-ports`.
#[derive(Debug, clap::Args)]
pub struct ListPortsArgs {
    /// Show only matching ports: vid=NUMBER, pid=NUMBER, name=SUBSTRING, serial=SUBSTRING
    /// (as the global option, which also applies)
    #[arg(long = "port-filter", value_name = "KEY=VALUE")]
    pub port_filter: Vec<String>,
}
