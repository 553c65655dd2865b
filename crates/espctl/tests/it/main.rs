//! espctl's integration tests, one binary with one module per topic. Every program runs
//! through espctl-testkit's harness: `ESPCTL` below makes the working folders
//! ([`WorkDir`]) and virtual devices ([`Device`](espctl_testkit::Device)), and every run
//! returns a [`Run`](espctl_testkit::Run).
//!
//! The tests share one process and run in parallel threads: each works in folders of
//! its own, asks the system for free TCP ports (and holds the ones it needs free),
//! passes environment variables to the programs it runs (never sets them in this
//! process) and measures its programs, not this process (their peak memory is their
//! own `VmHWM`).

mod adapter_rates;
#[cfg(unix)]
mod backup_restore;
mod bad_input;
mod chip_matrix;
mod chip_matrix_espctl;
mod chip_matrix_facts;
mod chip_matrix_rfc2217;
mod completions;
mod config_file;
mod device_commands;
mod esp8266_flash_map;
mod esptool_on_virtual_device;
mod fast_paths;
mod flash_encryption;
mod flash_parity;
mod flash_status;
mod guide_workflows;
mod image_parity;
#[cfg(unix)]
mod interrupt;
mod json_image_info;
mod json_output;
mod malformed_images;
mod newer_chip_security;
mod ota_device;
#[cfg(target_os = "linux")]
mod ota_discover;
mod ota_upload;
mod ota_upload_failures;
mod ota_web;
mod output_help;
mod output_parity;
#[cfg(target_os = "linux")]
mod peak_memory;
#[cfg(unix)]
mod poor_line;
#[cfg(target_os = "linux")]
mod port_discovery;
#[cfg(unix)]
mod progress_terminal;
mod reset_matrix;
mod reset_matrix_esptool;
mod reset_matrix_model;
mod rfc2217;
mod safety_checks;
mod stub_first_use;
mod stub_store;
mod usb_jtag;
mod usb_otg;
mod virtual_command;

use espctl_testkit::{Espctl, Run, Stubs, WorkDir};
use std::path::Path;

/// The binary under test (cargo builds it and passes its path to integration tests).
static ESPCTL: Espctl = Espctl::at(env!("CARGO_BIN_EXE_espctl"));

/// A firmware image for the device tests: a real ESP8266 application image.
fn firmware() -> Vec<u8> {
    espctl_testkit::fixture_bytes("images/esp8266_deepsleep.bin")
}

/// Runs `program args` in a fresh folder holding `inputs` (by file name); the run's
/// `files` are the ones it created or changed there.
fn run_in(program: &Path, args: &[&str], inputs: &[(&str, &[u8])]) -> Run {
    let env: WorkDir = ESPCTL.workdir(Stubs::None).tracking_files();
    for (name, data) in inputs {
        env.write(name, data);
    }
    env.run(program, args)
}
