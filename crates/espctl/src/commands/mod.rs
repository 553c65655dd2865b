//! One file per command; each takes typed options (never the parser's types) and runs
//! through the libraries. `run` dispatches.

pub mod backup;
pub mod beyond_flash;
pub mod chip;
pub mod completions;
pub mod connect;
pub mod discover;
pub mod elf2image;
pub mod erase;
pub mod flash_status;
pub mod image_info;
pub mod layout;
pub mod list_ports;
pub mod load_ram;
pub mod mem;
pub mod merge_bin;
pub mod ota;
pub mod ota_upgrade;
pub mod read_flash;
pub mod restore;
pub mod serve_port;
pub mod stub;
pub mod verify_flash;
pub mod virtual_device;
pub mod virtual_ota;
pub mod write_flash;

use crate::console::say;
use crate::fatal::Fatal;
use connect::Target;
use espctl_chips::Chip;
use std::path::PathBuf;

/// A command line, understood.
#[derive(Debug)]
pub struct Invocation {
    /// Print nothing but errors (esptool's `-s`).
    pub silent: bool,
    /// `--json`: the result as JSON on stdout, human lines on stderr.
    pub json: bool,
    /// What to do.
    pub work: Work,
}

/// What a command line asks for.
#[derive(Debug)]
pub enum Work {
    /// Print the version.
    Version,
    /// Print a shell completion script.
    Completions(crate::cli::args::completions::CompletionShell),
    /// `image-info`; `chip` `None` recognises it.
    ImageInfo {
        /// The chip named, if any.
        chip: Option<&'static Chip>,
        /// The image file.
        file: PathBuf,
        /// Also check it for OTA updates on this layout.
        ota: Option<image_info::OtaCheck>,
    },
    /// `layout`: the ESP8266 Arduino flash map of a flash and file system size.
    Layout {
        /// The flash size.
        flash: espctl_chips::FlashSize,
        /// The file system size (0: none).
        fs: u32,
    },
    /// `elf2image`.
    Elf2Image(elf2image::Elf2Image),
    /// `merge-bin`.
    MergeBin(merge_bin::MergeBin),
    /// `stub ...`.
    Stub(stub::StubAction),
    /// `virtual`.
    Virtual(virtual_device::VirtualDevice),
    /// `virtual --ota`.
    VirtualOta(virtual_ota::VirtualOta),
    /// `discover`.
    Discover(discover::Discover),
    /// `list-ports`.
    ListPorts(list_ports::ListPorts),
    /// `serve-port`.
    ServePort(serve_port::ServePort),
    /// `ota`.
    Ota(ota::OtaCommand),
    /// `ota --http` / `ota --url-via-terminal`: ESPurna's web or terminal upgrade.
    OtaUpgrade(ota_upgrade::UpgradeCommand),
    /// A command that talks to a chip.
    Device(Box<Target>, DeviceWork),
}

/// The commands that talk to a chip.
#[derive(Debug)]
pub enum DeviceWork {
    /// `write-flash`.
    WriteFlash(write_flash::WriteFlash),
    /// `write-flash` to an address past 4 GB: refused once the flash size is known.
    BeyondFlash(beyond_flash::BeyondFlash),
    /// `read-flash`.
    ReadFlash(read_flash::ReadFlash),
    /// `verify-flash`.
    VerifyFlash(verify_flash::VerifyFlash),
    /// `erase-flash`, with esptool's security check (`--force` skips it).
    EraseFlash(espctl_flasher::flash::safety::SafetyOptions),
    /// `erase-region`.
    EraseRegion(erase::EraseRegion),
    /// `read-mac`.
    ReadMac,
    /// `chip-id`.
    ChipId,
    /// `flash-id`.
    FlashId,
    /// `read-flash-status`.
    ReadFlashStatus(flash_status::StatusRead),
    /// `write-flash-status`.
    WriteFlashStatus(espctl_flasher::spi::StatusWrite),
    /// `read-flash-sfdp`.
    ReadFlashSfdp(flash_status::SfdpRead),
    /// `get-security-info`.
    GetSecurityInfo,
    /// `run`.
    Run,
    /// `read-mem ADDR`.
    ReadMem(u32),
    /// `write-mem`.
    WriteMem(mem::WriteMem),
    /// `dump-mem`.
    DumpMem(mem::DumpMem),
    /// `load-ram IMAGE`.
    LoadRam(PathBuf),
    /// `backup`.
    Backup(backup::BackupCommand),
    /// `backup --check FILE`.
    CheckBackup(PathBuf),
    /// `restore FILE`.
    Restore {
        /// The backup.
        file: PathBuf,
        /// Override the chip and size checks.
        force: bool,
    },
}

impl DeviceWork {
    /// The command's name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            DeviceWork::WriteFlash(_) | DeviceWork::BeyondFlash(_) => "write-flash",
            DeviceWork::ReadFlash(_) => "read-flash",
            DeviceWork::VerifyFlash(_) => "verify-flash",
            DeviceWork::EraseFlash(_) => "erase-flash",
            DeviceWork::EraseRegion(_) => "erase-region",
            DeviceWork::ReadMac => "read-mac",
            DeviceWork::ChipId => "chip-id",
            DeviceWork::FlashId => "flash-id",
            DeviceWork::ReadFlashStatus(_) => "read-flash-status",
            DeviceWork::WriteFlashStatus(_) => "write-flash-status",
            DeviceWork::ReadFlashSfdp(_) => "read-flash-sfdp",
            DeviceWork::GetSecurityInfo => "get-security-info",
            DeviceWork::Run => "run",
            DeviceWork::ReadMem(_) => "read-mem",
            DeviceWork::WriteMem(_) => "write-mem",
            DeviceWork::DumpMem(_) => "dump-mem",
            DeviceWork::LoadRam(_) => "load-ram",
            DeviceWork::Backup(_) | DeviceWork::CheckBackup(_) => "backup",
            DeviceWork::Restore { .. } => "restore",
        }
    }

    /// Whether the command works with a ROM in Secure Download Mode (esptool's list).
    pub fn works_in_secure_download(&self) -> bool {
        matches!(
            self,
            DeviceWork::GetSecurityInfo
                | DeviceWork::WriteFlash(_)
                | DeviceWork::BeyondFlash(_)
                | DeviceWork::EraseRegion(_)
        )
    }
}

/// Runs what the command line asked for.
pub fn run(work: Work) -> Result<(), Fatal> {
    match work {
        Work::Version => {
            // As esptool prints its own: the banner, then the bare version.
            say!("espctl v{}", env!("CARGO_PKG_VERSION"));
            say!("{}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Work::Completions(shell) => completions::completions(shell),
        Work::ImageInfo { chip, file, ota } => image_info::image_info(chip, &file, ota),
        Work::Layout { flash, fs } => layout::layout(flash, fs),
        Work::Elf2Image(cmd) => elf2image::elf2image(cmd),
        Work::MergeBin(cmd) => merge_bin::merge_bin(cmd),
        Work::Stub(action) => stub::stub(action),
        Work::Virtual(cmd) => virtual_device::serve(cmd),
        Work::VirtualOta(cmd) => virtual_ota::serve(cmd),
        Work::Discover(cmd) => discover::discover(cmd),
        Work::ListPorts(cmd) => list_ports::list_ports(cmd),
        Work::ServePort(cmd) => serve_port::serve(cmd),
        Work::Ota(cmd) => ota::ota(cmd),
        Work::OtaUpgrade(cmd) => ota_upgrade::upgrade(cmd),
        Work::Device(mut target, work) => {
            target.command = work.name();
            target.works_in_secure_download = work.works_in_secure_download();
            run_device(*target, work)
        }
    }
}

/// Runs a command that talks to the chip.
fn run_device(target: Target, work: DeviceWork) -> Result<(), Fatal> {
    match work {
        DeviceWork::WriteFlash(cmd) => write_flash::write_flash(&target, cmd),
        DeviceWork::BeyondFlash(cmd) => beyond_flash::refuse(&target, cmd),
        DeviceWork::ReadFlash(cmd) => read_flash::read_flash(&target, cmd),
        DeviceWork::VerifyFlash(cmd) => verify_flash::verify_flash(&target, cmd),
        DeviceWork::EraseFlash(safety) => erase::erase_flash(&target, safety),
        DeviceWork::EraseRegion(cmd) => erase::erase_region(&target, cmd),
        DeviceWork::ReadMac => chip::read_mac(&target),
        DeviceWork::ChipId => chip::chip_id(&target),
        DeviceWork::FlashId => chip::flash_id(&target),
        DeviceWork::ReadFlashStatus(cmd) => flash_status::read_flash_status(&target, cmd),
        DeviceWork::WriteFlashStatus(cmd) => flash_status::write_flash_status(&target, cmd),
        DeviceWork::ReadFlashSfdp(cmd) => flash_status::read_flash_sfdp(&target, cmd),
        DeviceWork::GetSecurityInfo => flash_status::get_security_info(&target),
        DeviceWork::Run => chip::run(&target),
        DeviceWork::ReadMem(addr) => mem::read_mem(&target, addr),
        DeviceWork::WriteMem(cmd) => mem::write_mem(&target, cmd),
        DeviceWork::DumpMem(cmd) => mem::dump_mem(&target, cmd),
        DeviceWork::LoadRam(image) => load_ram::load_ram(&target, &image),
        DeviceWork::Backup(cmd) => backup::backup(&target, cmd),
        DeviceWork::CheckBackup(file) => backup::check(&target, &file),
        DeviceWork::Restore { file, force } => restore::restore(&target, &file, force),
    }
}
