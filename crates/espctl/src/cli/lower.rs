//! From what clap parsed to what the commands take: every string is read into its typed
//! value here (numbers, sizes, flash parameters, chips), and the global options become
//! the port and connection plan of the device commands. Errors are one line saying what
//! to write instead.

use super::args::backup::BackupArgs;
use super::args::flash::{
    EraseRegionArgs, FlashParams, ReadFlashArgs, VerifyFlashArgs, WriteFlashArgs,
};
use super::args::stub::StubArgs;
use super::lower_flash_chip as flash_chip;
use super::lower_host as host;
use super::values::{address, chip_arg, flash_params, size_arg, size_number, size_or_all};
use super::{Cli, Command};
use crate::commands::backup::BackupCommand;
use crate::commands::beyond_flash::BeyondFlash;
use crate::commands::connect::Target;
use crate::commands::erase::EraseRegion;
use crate::commands::mem::{DumpMem, WriteMem};
use crate::commands::read_flash::ReadFlash;
use crate::commands::stub::StubAction;
use crate::commands::verify_flash::VerifyFlash;
use crate::commands::write_flash::WriteFlash;
use crate::commands::{DeviceWork, Invocation, Work};
use crate::fatal::Fatal;
use espctl_flasher::flash::safety::SafetyOptions;
use espctl_flasher::ports::{PortFilter, PortFilterError};
use espctl_flasher::stub::{Network, ObtainOptions};
use espctl_flasher::{
    ConnectOptions, ConnectPlan, FAST_BAUD, FlashParamsRequest, Need, PortSpec, ROM_BAUD,
    StubSource, WriteOptions,
};
use espctl_virtual_port::VirtualPorts;
use std::time::Duration;

/// Env var listing extra ports (separated by `,`, `;` or spaces) for the port scan: ptys,
/// `socket://` URLs and other ports the system does not enumerate. They are tried first.
pub const PORT_SCAN_EXTRA: &str = "ESPCTL_PORT_SCAN_EXTRA";

/// The command line as typed options.
pub fn lower(cli: Cli) -> Result<Invocation, Fatal> {
    if cli.silent {
        for (given, name) in [(cli.verbose, "--verbose"), (cli.trace, "--trace")] {
            if given {
                return Err(Fatal(format!(
                    "Cannot use both {name} and --silent options at the same time."
                )));
            }
        }
    }
    let device = |need: Need, work: DeviceWork| -> Result<Work, Fatal> {
        Ok(Work::Device(Box::new(target(&cli, need)?), work))
    };
    let work = match &cli.command {
        Command::Version => Work::Version,
        Command::Completions(args) => Work::Completions(args.shell),
        Command::ImageInfo(args) => Work::ImageInfo {
            chip: chip_arg(&cli.chip)?,
            file: args.filename.clone(),
            ota: host::ota_check(&cli.chip, args)?,
        },
        Command::Layout(args) => host::layout(&cli.chip, args)?,
        Command::Elf2image(args) => Work::Elf2Image(host::elf2image(&cli.chip, args)?),
        Command::MergeBin(args) => Work::MergeBin(host::merge_bin(&cli.chip, args)?),
        Command::Stub(args) => Work::Stub(match args {
            StubArgs::Import { path } => StubAction::Import(path.clone()),
            StubArgs::Fetch => StubAction::Fetch,
            StubArgs::List => StubAction::List,
        }),
        Command::Virtual(args) if args.ota.ota.is_some() => {
            Work::VirtualOta(super::lower_virtual_ota::virtual_ota(&cli.chip, args)?)
        }
        Command::Virtual(args) => Work::Virtual(host::virtual_device(&cli.chip, args)?),
        Command::Ota(args) => match super::lower_ota_upgrade::upgrade(args)? {
            Some(upgrade) => Work::OtaUpgrade(upgrade),
            None => Work::Ota(super::lower_ota::ota(args)?),
        },
        Command::Discover(args) => Work::Discover(super::lower_discover::discover(args, cli.json)?),
        Command::ListPorts(args) => Work::ListPorts(crate::commands::list_ports::ListPorts {
            filter: PortFilter::parse(&[&cli.port_filter[..], &args.port_filter[..]].concat())
                .map_err(port_filter_error)?,
            json: cli.json,
        }),
        Command::ServePort(args) => {
            Work::ServePort(super::lower_serve_port::serve_port(&cli, args)?)
        }
        Command::WriteFlash(args) => device(Need::FlashData, write_flash(args)?)?,
        Command::ReadFlash(args) => device(Need::FlashData, read_flash(args)?)?,
        Command::VerifyFlash(args) => device(Need::FlashData, verify_flash(args)?)?,
        Command::EraseFlash(args) => device(
            Need::FlashData,
            DeviceWork::EraseFlash(SafetyOptions::default().force(args.force)),
        )?,
        Command::EraseRegion(args) => device(Need::FlashData, erase_region(args)?)?,
        Command::ReadMac => device(Need::Registers, DeviceWork::ReadMac)?,
        Command::ChipId => device(Need::Registers, DeviceWork::ChipId)?,
        Command::FlashId(_) => device(Need::Registers, DeviceWork::FlashId)?,
        Command::ReadFlashStatus(args) => {
            device(Need::Registers, flash_chip::read_status(args.bytes.get()))?
        }
        Command::WriteFlashStatus(args) => device(Need::Registers, flash_chip::write_status(args))?,
        Command::ReadFlashSfdp(args) => device(Need::Registers, flash_chip::read_sfdp(args)?)?,
        // The stub answers for the chip as esptool sees it (the ROM's answer differs).
        Command::GetSecurityInfo => device(Need::Stub, DeviceWork::GetSecurityInfo)?,
        Command::Run => device(Need::Stub, DeviceWork::Run)?,
        Command::ReadMem(args) => device(
            Need::Registers,
            DeviceWork::ReadMem(address(&args.address)?),
        )?,
        Command::WriteMem(args) => device(
            Need::Registers,
            DeviceWork::WriteMem(WriteMem {
                addr: address(&args.address)?,
                value: args.value,
                mask: args.mask,
            }),
        )?,
        Command::DumpMem(args) => device(
            Need::Registers,
            DeviceWork::DumpMem(DumpMem {
                addr: address(&args.address)?,
                size: size_number(&args.size)?,
                output: args.output.clone(),
            }),
        )?,
        Command::LoadRam(args) => device(Need::Stub, DeviceWork::LoadRam(args.filename.clone()))?,
        Command::Backup(args) => device(Need::FlashData, backup(args)?)?,
        Command::Restore(args) => device(
            Need::FlashData,
            DeviceWork::Restore {
                file: args.file.clone(),
                force: args.force,
            },
        )?,
    };
    if cli.json && !super::json::supports_json(&cli.command) {
        return Err(super::json::unsupported());
    }
    Ok(Invocation {
        silent: cli.silent,
        json: cli.json,
        work,
    })
}

/// The port and the connection plan the global options describe, for work that needs
/// `need`.
fn target(cli: &Cli, need: Need) -> Result<Target, Fatal> {
    let port = match cli.port.clone().filter(|p| !p.is_empty()) {
        Some(name) => PortSpec::named(name),
        None => {
            let filter = PortFilter::parse(&cli.port_filter).map_err(port_filter_error)?;
            let extra: Vec<String> = std::env::var(PORT_SCAN_EXTRA)
                .unwrap_or_default()
                .split([',', ';', ' ', '\n'])
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_string())
                .collect();
            PortSpec::scan(filter, extra)
        }
    }
    .with_opener(VirtualPorts);
    let port = super::config_file::port_spec(port, &cli.config)?;
    let connect = ConnectOptions::default()
        .before(cli.before)
        .chip(chip_arg(&cli.chip)?)
        .trace(cli.trace);
    let connect = super::config_file::connect_options(connect, cli.connect_attempts, &cli.config)?;
    let plan = ConnectPlan::new(need)
        .connect(connect)
        .after(cli.after)
        .baud(cli.baud.unwrap_or(ROM_BAUD))
        .fast_baud((cli.baud.is_none() && !cli.no_fast_baud).then_some(FAST_BAUD))
        .reconnect_timeout(Duration::from_secs_f64(
            cli.reconnect_timeout.clamp(0.0, 3600.0),
        ))
        .spi_connection(flash_chip::spi_connection(&cli.command))
        .vddsdio(flash_chip::vddsdio(cli.override_vddsdio.as_deref()))
        .stub(if cli.no_stub {
            StubSource::Disabled
        } else {
            let options = ObtainOptions::from_env();
            StubSource::Automatic(if cli.offline {
                options.network(Network::Offline)
            } else {
                options
            })
        });
    Ok(Target {
        port,
        plan,
        config_notes: Vec::new(),
        command: "",
        works_in_secure_download: false,
    })
}

/// esptool's words for a `--port-filter` it cannot read.
fn port_filter_error(e: PortFilterError) -> Fatal {
    Fatal(match e {
        PortFilterError::NotKeyValue(term) => {
            format!("Option --port-filter argument must consist of key-value pairs. Got '{term}'.")
        }
        PortFilterError::BadNumber { term, value } => {
            format!("Invalid number '{value}' in --port-filter {term}.")
        }
        PortFilterError::UnknownKey(key) => format!(
            "Option --port-filter argument key not recognized: '{key}' (use vid, pid, name or serial)."
        ),
    })
}

/// `ADDR FILE` pairs: addresses read, files named (read by the command).
pub(super) fn pairs(args: &[String]) -> Result<Vec<(u32, String)>, Fatal> {
    if !args.len().is_multiple_of(2) {
        return Err(Fatal(
            "Must be pairs of an address and the binary filename to write there.".into(),
        ));
    }
    args.chunks(2)
        .map(|pair| Ok((address(&pair[0])?, pair[1].clone())))
        .collect()
}

fn header(
    params: &FlashParams,
) -> Result<(FlashParamsRequest, espctl_flasher::FlashSizeArg), Fatal> {
    flash_params(&params.flash_mode, &params.flash_freq, &params.flash_size)
}

fn write_flash(args: &WriteFlashArgs) -> Result<DeviceWork, Fatal> {
    super::lower_write::check_diff_with(&args.diff_with)?;
    if let Some((addr, file)) = super::lower_write::beyond_4gb(&args.addr_filename) {
        return Ok(DeviceWork::BeyondFlash(BeyondFlash {
            addr,
            file,
            flash_size: size_arg(&args.flash.flash_size)?,
        }));
    }
    let files = pairs(&args.addr_filename)?;
    if args.encrypt && !args.encrypt_files.is_empty() {
        return Err(Fatal(
            "Options --encrypt and --encrypt-files must not be specified at the same time.".into(),
        ));
    }
    let encrypt_files = pairs(&args.encrypt_files)?;
    let (header, flash_size) = header(&args.flash)?;
    let compress = if args.compress {
        Some(true)
    } else if args.no_compress {
        Some(false)
    } else {
        None
    };
    let options = WriteOptions::default()
        .flash_size(flash_size)
        .header(header)
        .erase_all(args.erase_all)
        .compress(compress)
        .skip_unchanged(!args.no_skip)
        .ignore_flash_enc_efuse(args.ignore_flash_enc_efuse)
        .force(args.force);
    Ok(DeviceWork::WriteFlash(WriteFlash {
        files,
        encrypt: args.encrypt,
        encrypt_files,
        options,
        progress: !args.no_progress,
        diff_with_given: !args.diff_with.is_empty(),
        esp8266_init_data: args.esp8266_init_data.clone(),
        esp8266_blank: args.esp8266_blank,
    }))
}

fn backup(args: &BackupArgs) -> Result<DeviceWork, Fatal> {
    if args.check {
        let file = args.file.clone().expect("clap requires FILE with --check");
        return Ok(DeviceWork::CheckBackup(file));
    }
    let (addr, size) = match &args.region {
        Some(region) => (address(&region[0])?, size_or_all(&region[1])?),
        None => (0, None),
    };
    Ok(DeviceWork::Backup(BackupCommand {
        file: args.file.clone(),
        addr,
        size,
    }))
}

fn read_flash(args: &ReadFlashArgs) -> Result<DeviceWork, Fatal> {
    Ok(DeviceWork::ReadFlash(ReadFlash {
        addr: address(&args.address)?,
        size: size_or_all(&args.size)?,
        flash_size: size_arg(&args.flash_size)?,
        output: args.output.clone(),
        progress: !args.no_progress,
    }))
}

fn verify_flash(args: &VerifyFlashArgs) -> Result<DeviceWork, Fatal> {
    let files = pairs(&args.addr_filename)?;
    let (header, flash_size) = header(&args.flash)?;
    Ok(DeviceWork::VerifyFlash(VerifyFlash {
        files,
        header,
        flash_size,
        diff: args.diff,
    }))
}

fn erase_region(args: &EraseRegionArgs) -> Result<DeviceWork, Fatal> {
    Ok(DeviceWork::EraseRegion(EraseRegion {
        addr: address(&args.address)?,
        size: size_or_all(&args.size)?,
        safety: SafetyOptions::default().force(args.force),
    }))
}
