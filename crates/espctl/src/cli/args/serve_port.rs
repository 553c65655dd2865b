//! `espctl serve-port`: a local port served over RFC 2217.

/// `espctl serve-port`.
#[derive(Debug, clap::Args)]
pub struct ServePortArgs {
    /// The local port to serve: /dev/ttyUSB0, COM3, a pty (also accepted before the
    /// command, as espctl's --port)
    #[arg(short = 'p', long = "port", id = "serve_port", value_name = "PORT")]
    pub port: Option<String>,
    /// Listen on this address, like 0.0.0.0:4000 (every interface) or 127.0.0.1:0 (a
    /// free port on this machine only); clients open rfc2217://THIS-HOST:PORT
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: String,
    /// Pass each DTR/RTS change through as it comes instead of running the reset
    /// sequences here with local timing (RFC 2217 cannot keep a sequence's timing)
    #[arg(long)]
    pub relay_lines: bool,
}
