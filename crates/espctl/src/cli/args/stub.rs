//! `espctl stub import PATH | fetch | list`.

use std::path::PathBuf;

/// What to do with the flasher stubs.
#[derive(Debug, clap::Subcommand)]
pub enum StubArgs {
    /// Install the stubs from an esptool 5.6.0 sdist (.tar.gz), wheel, unpacked package or folder of JSON files
    Import {
        /// The archive, package folder or stub file
        path: PathBuf,
    },
    /// Download the stubs from Espressif's esp-flasher-stub release (ESPCTL_STUB_URL overrides the address)
    Fetch,
    /// List the installed stubs
    List,
}
