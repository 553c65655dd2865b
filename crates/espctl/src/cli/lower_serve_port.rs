//! Lowering of `espctl serve-port`.

use super::Cli;
use super::args::serve_port::ServePortArgs;
use crate::commands::serve_port::ServePort;
use crate::fatal::Fatal;
use espctl_flasher::link::ServedResets;

pub(super) fn serve_port(cli: &Cli, args: &ServePortArgs) -> Result<ServePort, Fatal> {
    let port = args
        .port
        .clone()
        .or_else(|| cli.port.clone())
        .ok_or_else(|| {
            Fatal("serve-port needs the port to serve: --port /dev/ttyUSB0 (or COM3)".into())
        })?;
    // The configuration file's reset sequences run here, as esptool's server runs them.
    let connect = super::config_file::connect_options(
        espctl_flasher::ConnectOptions::default(),
        None,
        &cli.config,
    )?;
    Ok(ServePort {
        port,
        listen: args.listen.clone(),
        baud: cli.baud.unwrap_or(espctl_flasher::ROM_BAUD),
        relay_lines: args.relay_lines,
        resets: ServedResets::new(connect.reset.clone(), connect.hard_reset.clone()),
    })
}
