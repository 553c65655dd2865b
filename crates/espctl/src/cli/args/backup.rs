//! Arguments of backup, restore and layout.

use std::path::PathBuf;

/// `backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// File to write (default: named after the chip, its MAC and the time); a TOML
    /// manifest goes beside it as FILE.toml. With --check, the backup to compare with
    pub file: Option<PathBuf>,
    /// Back up this region only (address and size, or ALL) instead of the whole flash
    #[arg(long, num_args = 2, value_names = ["ADDRESS", "SIZE"])]
    pub region: Option<Vec<String>>,
    /// Compare the device with the backup FILE instead of writing one (exit code 2 when
    /// they differ)
    #[arg(long, requires = "file")]
    pub check: bool,
}

/// `restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup (its manifest FILE.toml is read when it is there)
    pub file: PathBuf,
    /// Restore onto another chip type or a smaller flash anyway, and skip the safety
    /// checks of write-flash --force
    #[arg(long)]
    pub force: bool,
}

/// `layout`.
#[derive(Debug, clap::Args)]
pub struct LayoutArgs {
    /// Flash size (512KB, 1MB, 2MB, 4MB, 8MB, 16MB)
    #[arg(long)]
    pub flash_size: String,
    /// File system size (default: none)
    #[arg(long, default_value = "0")]
    pub fs_size: String,
}
