//! `espctl stub import PATH | fetch | list`: the flasher stubs espctl uploads.

use crate::console::say;
use crate::fatal::Fatal;
use espctl_flasher::stub::pinned::STUB_RELEASE;
use espctl_flasher::stub::{StubStore, fetch, import};
use std::path::PathBuf;

/// What to do with the installed stubs.
#[derive(Debug, Clone)]
pub enum StubAction {
    /// Install from an esptool package, wheel, folder or file.
    Import(PathBuf),
    /// Download from Espressif's release.
    Fetch,
    /// List what is installed.
    List,
}

/// `espctl stub ...`.
pub fn stub(action: StubAction) -> Result<(), Fatal> {
    let store = StubStore::open_default()?;
    match action {
        StubAction::Import(path) => {
            let report = import::import(&store, &path)?;
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
        StubAction::Fetch => {
            let url = fetch::release_url();
            say!("Downloading esp-flasher-stub {STUB_RELEASE} from {url}");
            let names = fetch::fetch(&store, &url, &fetch::wanted_files())?;
            for name in &names {
                say!("Installed {name} (SHA-256 checked)");
            }
            say!("Stubs are in {}", store.dir().display());
        }
        StubAction::List => {
            let list = store.list();
            say!("Flasher stubs in {}:", store.dir().display());
            if list.is_empty() {
                say!(
                    "  none installed: the first command that needs one obtains it, or run 'espctl stub fetch' or 'espctl stub import <esptool-5.6.0.tar.gz>'"
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
