//! One file per command; `run` dispatches.

use crate::console::say;
pub mod chip;
pub mod device;
pub mod elf2image;
pub mod erase;
pub mod flash_args;
pub mod image_info;
pub mod load_ram;
pub mod mem;
pub mod merge_bin;
mod output;
pub mod patcher;
pub mod read_flash;
pub mod stub;
pub mod verify_flash;
mod virtual_device;
pub mod write_flash;

use crate::cli::{Cli, Command};
use crate::fatal::Fatal;
use device::{Global, Need};

pub fn run(cli: Cli) -> Result<(), Fatal> {
    if cli.silent {
        for (given, name) in [(cli.verbose, "--verbose"), (cli.trace, "--trace")] {
            if given {
                return Err(Fatal(format!(
                    "Cannot use both {name} and --silent options at the same time."
                )));
            }
        }
        crate::console::set_silent(true);
    }
    let global = Global::from_cli(&cli);
    match cli.command {
        Command::Version => {
            say!("{}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::ImageInfo(args) => image_info::run(&cli.chip, args),
        Command::Elf2image(args) => elf2image::run(&cli.chip, args),
        Command::MergeBin(args) => merge_bin::run(&cli.chip, args),
        Command::Stub(cmd) => stub::run(cmd),
        Command::WriteFlash(args) => write_flash::run(&global?.needing(Need::Flash), args),
        Command::ReadFlash(args) => read_flash::run(&global?.needing(Need::Flash), args),
        Command::VerifyFlash(args) => verify_flash::run(&global?.needing(Need::Flash), args),
        Command::EraseFlash(args) => erase::run_flash(&global?.needing(Need::Flash), args),
        Command::EraseRegion(args) => erase::run_region(&global?.needing(Need::Flash), args),
        Command::ReadMac => chip::read_mac(&global?.needing(Need::Rom)),
        Command::ChipId => chip::chip_id(&global?.needing(Need::Rom)),
        Command::FlashId => chip::flash_id(&global?.needing(Need::Rom)),
        Command::Run => chip::run(&global?),
        Command::ReadMem(args) => mem::run_read(&global?.needing(Need::Rom), args),
        Command::WriteMem(args) => mem::run_write(&global?.needing(Need::Rom), args),
        Command::DumpMem(args) => mem::run_dump(&global?.needing(Need::Rom), args),
        Command::LoadRam(args) => load_ram::run(&global?, args),
        Command::Virtual(mut args) => {
            args.chip = cli.chip.clone();
            virtual_device::run(args)
        }
    }
}
