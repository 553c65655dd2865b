//! `espctl stub import PATH | fetch | list`: the flasher stubs espctl uploads.

use crate::console::say;
use crate::fatal::Fatal;
use espctl_flasher::stub::pinned::STUB_RELEASE;
use espctl_flasher::stub::{StubStore, fetch, import};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum StubCommand {
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

fn store() -> Result<StubStore, Fatal> {
    StubStore::open_default().map_err(|e| Fatal(e.to_string()))
}

pub fn run(cmd: StubCommand) -> Result<(), Fatal> {
    let store = store()?;
    match cmd {
        StubCommand::Import { path } => {
            let report = import::import(&store, &path).map_err(|e| Fatal(e.to_string()))?;
            for name in &report.installed {
                say!("Installed {name} (esp-flasher-stub {STUB_RELEASE}, SHA-256 checked)");
            }
            if report.ignored > 0 {
                say!(
                    "Ignored {} stub files that are not esp-flasher-stub {STUB_RELEASE} (e.g. esptool's GPL legacy stubs).",
                    report.ignored
                );
            }
            say!("Stubs are in {}", store.dir().display());
        }
        StubCommand::Fetch => {
            let url = fetch::release_url();
            say!("Downloading esp-flasher-stub {STUB_RELEASE} from {url}");
            let names = fetch::fetch(&store, &url, &fetch::wanted_files())
                .map_err(|e| Fatal(e.to_string()))?;
            for name in &names {
                say!("Installed {name} (SHA-256 checked)");
            }
            say!("Stubs are in {}", store.dir().display());
        }
        StubCommand::List => {
            let list = store.list();
            say!("Flasher stubs in {}:", store.dir().display());
            if list.is_empty() {
                say!(
                    "  none installed: run 'espctl stub fetch' or 'espctl stub import <esptool-5.6.0.tar.gz>'"
                );
            }
            for s in list {
                let chip = s
                    .chip
                    .map_or("(not used by espctl)".to_string(), |c| c.name.to_string());
                let state = if s.intact {
                    "ok"
                } else {
                    "CHANGED: install again"
                };
                say!(
                    "  {:<18} {:<22} esp-flasher-stub {STUB_RELEASE}  {state}",
                    s.file,
                    chip
                );
            }
        }
    }
    Ok(())
}
