//! `espctl ota` against `espctl virtual --ota`: uploads with and without a password
//! (both challenges), file systems, gzip and the fallback to raw images, images too
//! large for one update (refused before any transfer, or done in two steps with
//! `--via`), espota.py's options. The failures a user meets on the network are in
//! `ota_upload_failures`.
//!
//! Sizes on the device's 1MB layout without file system: updates stage below 0xFB000
//! and the built-in running image is 300KB (0x4B000), so an image fits beside it when it
//! is at most 0xB0000 bytes (as sent).

use crate::{ESPCTL, firmware};
use espctl_testkit::{OtaDevice, Run, Stubs, WorkDir, assert_flash_holds, fixture_bytes, noise};
use std::net::TcpListener;

/// A real Arduino ESP8266 build (eboot and sketch, 297632 bytes), declaring 1MB.
pub(crate) fn app_image() -> Vec<u8> {
    let mut image = firmware();
    image[3] = (image[3] & 0x0F) | 0x20;
    image
}

/// An application too large to fit beside the running image even compressed: the
/// build followed by 560000 bytes of noise (857632 bytes, 0xD2000 in sectors).
fn large_image() -> Vec<u8> {
    let mut image = app_image();
    image.extend(noise(560_000, 12));
    image
}

/// A small ESP8266 image for the first step of a two-step update (2752 bytes).
fn core_image() -> Vec<u8> {
    fixture_bytes("images/bootloader_esp8266.bin")
}

/// The device (1MB, no file system, the built-in 300KB image running) with short reboots.
pub(crate) fn device(args: &[&str]) -> OtaDevice {
    let mut all = vec!["--reboot-time", "100"];
    all.extend(args);
    ESPCTL.ota_device(&all)
}

/// A working folder holding `files`.
pub(crate) fn workdir(files: &[(&str, &[u8])]) -> WorkDir {
    let env = ESPCTL.workdir(Stubs::None);
    for (name, data) in files {
        env.write(name, data);
    }
    env
}

/// `espctl ota --host 127.0.0.1 --port PORT ARGS` in `env`.
pub(crate) fn ota(env: &WorkDir, port: u16, args: &[&str]) -> Run {
    let port = port.to_string();
    let mut all = vec!["ota", "--host", "127.0.0.1", "--port", &port];
    all.extend(args);
    env.espctl(&all)
}

/// A TCP port that was free a moment ago.
fn free_port() -> String {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
        .to_string()
}

/// The line of stdout that starts with `prefix`.
#[track_caller]
pub(crate) fn line_starting(run: &Run, prefix: &str) -> String {
    run.stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?}:\n{run}"))
        .to_string()
}

#[test]
fn an_application_goes_out_gzipped_and_the_device_runs_it() {
    let mut device = device(&[]);
    let image = app_image();
    let env = workdir(&[("fw.bin", &image)]);
    let run = ota(&env, device.port(), &["fw.bin"]).ok();
    run.has(&format!(
        "Sending invitation to 127.0.0.1:{}",
        device.port()
    ));
    let uploading = line_starting(&run, "Uploading 297632 bytes (gzip: ");
    let gzip: usize = uploading
        .trim_start_matches("Uploading 297632 bytes (gzip: ")
        .trim_end_matches(" bytes)")
        .parse()
        .unwrap();
    assert!(gzip < image.len(), "{uploading}");
    line_starting(&run, "Done: 297632 bytes in ");
    assert!(run.stdout.ends_with("the device is restarting\n"), "{run}");
    // The device got the gzip stream and eboot inflated it to 0x0.
    device.wait_for_event(&format!("update begun: firmware image of {gzip} bytes"));
    device.wait_for_event(&format!("eboot inflated {gzip} bytes of gzip"));
    device.wait_for_event("running image 297632 bytes");
    assert_flash_holds(&device.flash(), 0, &image, "the new firmware");
}

#[test]
fn no_compress_sends_the_image_as_it_is() {
    let mut device = device(&[]);
    let image = app_image();
    let env = workdir(&[("fw.bin", &image)]);
    let run = ota(&env, device.port(), &["--no-compress", "fw.bin"]).ok();
    run.has("Uploading 297632 bytes");
    device.wait_for_event("update begun: firmware image of 297632 bytes written at 0xb2000");
    device.wait_for_event("running image 297632 bytes");
    assert_flash_holds(&device.flash(), 0, &image, "the new firmware");
}

#[test]
fn a_device_without_gzip_gets_the_raw_image() {
    let mut device = device(&["--no-gzip"]);
    let image = app_image();
    let env = workdir(&[("fw.bin", &image)]);
    let run = ota(&env, device.port(), &["fw.bin"]).ok();
    run.has("The device does not take gzip images: sending the image uncompressed.");
    device.wait_for_event("ERROR[10]: Magic byte is wrong, not 0xE9");
    device.wait_for_event("update begun: firmware image of 297632 bytes");
    device.wait_for_event("running image 297632 bytes");
    assert_flash_holds(&device.flash(), 0, &image, "the new firmware");
}

#[test]
fn passwords_of_both_challenges() {
    for (scheme, name) in [("md5", "MD5"), ("sha256", "SHA-256")] {
        let mut device = device(&["--ota-password", "s3cret", "--ota-auth", scheme]);
        let before = device.flash();
        let image = app_image();
        let env = workdir(&[("fw.bin", &image)]);

        let wrong = ota(&env, device.port(), &["--auth", "guess", "fw.bin"]);
        let line = wrong.fatal();
        assert!(
            line.contains("refused the password") && line.contains("--auth"),
            "{scheme}: {wrong}"
        );
        device.wait_for_event("authentication failed");
        let missing = ota(&env, device.port(), &["fw.bin"]);
        let line = missing.fatal();
        assert!(
            line.contains("asks for a password") && line.contains("--auth PASSWORD"),
            "{scheme}: {missing}"
        );
        assert!(device.flash() == before, "{scheme}: flash unchanged");

        let right = ota(&env, device.port(), &["--auth", "s3cret", "fw.bin"]).ok();
        right.has(&format!("Authenticating ({name})... OK"));
        device.wait_for_event("authentication ok");
        device.wait_for_event("running image 297632 bytes");
        assert_flash_holds(&device.flash(), 0, &image, "the new firmware");
    }
}

#[test]
fn a_file_system_image_goes_to_the_file_system() {
    let mut device = device(&["--fs-size", "64KB"]);
    let before = device.flash();
    let fs = fixture_bytes("images/fifty_kb.bin");
    let env = workdir(&[("fs.bin", &fs)]);
    ota(&env, device.port(), &["--fs", "fs.bin"])
        .ok()
        .has("Uploading 51200 bytes");
    device.wait_for_event("update begun: file system image of 51200 bytes written at 0xeb000");
    let flash = device.flash();
    assert_flash_holds(&flash, 0xEB000, &fs, "the file system");
    assert!(
        flash[..0xEB000] == before[..0xEB000],
        "the firmware is untouched"
    );
}

#[test]
fn espota_options_are_taken_as_they_are() {
    // The Arduino IDE's recipe: -i -p --auth= -f; PlatformIO adds --debug --progress.
    let mut device = device(&["--ota-password", "pw", "--fs-size", "64KB"]);
    let image = app_image();
    let fs = fixture_bytes("images/fifty_kb.bin");
    let env = workdir(&[("fw.bin", &image), ("fs.bin", &fs)]);
    let port = device.port().to_string();
    let host_port = free_port();
    env.espctl(&[
        "ota",
        "--debug",
        "--progress",
        "-i",
        "127.0.0.1",
        "-p",
        &port,
        "--auth=pw",
        "-f",
        "fw.bin",
        "-t",
        "5",
        "-I",
        "127.0.0.1",
        "-P",
        &host_port,
    ])
    .ok();
    device.wait_for_event(&format!("connect back to port {host_port}"));
    device.wait_for_event("running image 297632 bytes");
    let host_port = free_port();
    env.espctl(&[
        "ota",
        "--ip",
        "127.0.0.1",
        "--port",
        &port,
        "-a",
        "pw",
        "--spiffs",
        "--file",
        "fs.bin",
        "--host_ip",
        "127.0.0.1",
        "--host_port",
        &host_port,
        "-r",
        "-d",
    ])
    .ok();
    device.wait_for_event(&format!(
        "file system image of 51200 bytes, connect back to port {host_port}"
    ));
    assert_flash_holds(&device.flash(), 0xEB000, &fs, "the file system");
}

#[test]
fn an_image_too_large_is_refused_before_any_transfer() {
    let mut device = device(&[]);
    let before = device.flash();
    let env = workdir(&[("full.bin", &large_image())]);

    // Knowing the layout, espctl refuses without asking the device.
    let run = ota(&env, device.port(), &["--flash-size", "1MB", "full.bin"]);
    let line = run.fatal();
    assert!(
        line.contains("two-step update is needed") && line.contains("--via CORE.bin"),
        "{run}"
    );
    assert!(
        device.events().is_empty(),
        "the device heard nothing: {:?}",
        device.events()
    );

    // Else the device refuses the invitation (Update.begin).
    let run = ota(&env, device.port(), &["full.bin"]);
    let line = run.fatal();
    assert!(
        line.contains("refused the update before any transfer: Not Enough Space")
            && line.contains("--via CORE.bin"),
        "{run}"
    );
    device.wait_for_event("update refused: ERROR[4]: Not Enough Space");
    assert!(device.flash() == before, "flash unchanged");
}

#[test]
fn a_two_step_update_takes_an_image_larger_than_the_free_space() {
    let mut device = device(&[]);
    let full = large_image();
    let env = workdir(&[("full.bin", &full), ("core.bin", &core_image())]);
    // Alone, the image does not fit beside the running one.
    let alone = ota(&env, device.port(), &["full.bin"]);
    assert!(
        alone
            .fatal()
            .contains("update in two steps with --via CORE.bin"),
        "{alone}"
    );
    device.wait_for_event("update refused: ERROR[4]: Not Enough Space");
    let run = ota(
        &env,
        device.port(),
        &["--flash-size", "1MB", "--via", "core.bin", "full.bin"],
    )
    .ok();
    let step1 = run.line_index("Step 1 of 2: core.bin");
    let step2 = run.line_index("Step 2 of 2: full.bin");
    assert!(step1 < step2, "{run}");
    assert_eq!(run.count("Done: "), 2, "{run}");
    line_starting(&run, "Done: 2752 bytes in ");
    line_starting(&run, "Done: 857632 bytes in ");
    device.wait_for_event("running image 2752 bytes");
    device.wait_for_event("running image 857632 bytes");
    assert_flash_holds(&device.flash(), 0, &full, "the full image");
}
