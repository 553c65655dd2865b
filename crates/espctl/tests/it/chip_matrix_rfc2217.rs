//! Every newer chip on a board with a USB-UART bridge, reached over `rfc2217://` from
//! `espctl virtual --chip <chip> --rfc2217`: the board powers up running its flash, and
//! only the client's default reset (DTR/RTS through the auto-reset circuit onto the
//! chip's boot strapping pin and EN) brings up the ROM loader. esptool 5.6.0 identifies
//! every chip that way (and writes on the C3 and S3: pyserial's RFC 2217 client waits
//! ~50 ms per line change and option, so an esptool write takes ~20 s here), espctl
//! writes and verifies on every chip, and both leave the board running its flash
//! (`Hard resetting via RTS pin...`). The socket and pty matrices
//! ([`super::chip_matrix`], [`super::chip_matrix_espctl`]) start in the loader instead.

use crate::ESPCTL;
use crate::chip_matrix_facts::expected;
use espctl_testkit::{Link, Stubs, assert_flash_holds};

/// Whether esptool also writes on this chip, besides identifying it.
#[derive(Clone, Copy, PartialEq)]
enum EsptoolWrites {
    Yes,
    No,
}

fn default_reset_over_rfc2217(chip: &str, esptool_writes: EsptoolWrites) {
    let dev = ESPCTL.device(chip, Link::Rfc2217, "4MB");
    let facts = expected(chip);
    let env = ESPCTL.workdir(Stubs::Installed);
    let theirs = espctl_testkit::noise(6 * 1024, 21);
    let ours = espctl_testkit::noise(24 * 1024, 22);
    env.write("theirs.bin", &theirs);
    env.write("ours.bin", &ours);

    let run = env.esptool(&["--port", &dev.port, "read-mac"]).ok();
    facts.check_identity(&run, &dev.mac_text());
    run.says("Hard resetting via RTS pin...")
        .lacks("Wrong boot mode");
    if esptool_writes == EsptoolWrites::Yes {
        let run = env
            .esptool(&["--port", &dev.port, "write-flash", "0x10000", "theirs.bin"])
            .ok();
        facts.check_identity(&run, &dev.mac_text());
        run.says("Hash of data verified.")
            .says("Hard resetting via RTS pin...");
        assert_flash_holds(&dev.flash(), 0x10000, &theirs, "esptool's write");
    }

    let run = env
        .espctl(&["--port", &dev.port, "write-flash", "0x20000", "ours.bin"])
        .ok();
    facts.check_identity(&run, &dev.mac_text());
    run.says("Hash of data verified.")
        .says("Hard resetting via RTS pin...");
    assert_flash_holds(&dev.flash(), 0x20000, &ours, "espctl's write");
}

#[test]
fn default_reset_over_rfc2217_on_esp32s2() {
    default_reset_over_rfc2217("esp32s2", EsptoolWrites::No);
}

#[test]
fn default_reset_over_rfc2217_on_esp32s3() {
    default_reset_over_rfc2217("esp32s3", EsptoolWrites::Yes);
}

#[test]
fn default_reset_over_rfc2217_on_esp32c2() {
    default_reset_over_rfc2217("esp32c2", EsptoolWrites::No);
}

#[test]
fn default_reset_over_rfc2217_on_esp32c3() {
    default_reset_over_rfc2217("esp32c3", EsptoolWrites::Yes);
}

#[test]
fn default_reset_over_rfc2217_on_esp32c5() {
    default_reset_over_rfc2217("esp32c5", EsptoolWrites::No);
}

#[test]
fn default_reset_over_rfc2217_on_esp32c6() {
    default_reset_over_rfc2217("esp32c6", EsptoolWrites::No);
}

#[test]
fn default_reset_over_rfc2217_on_esp32h2() {
    default_reset_over_rfc2217("esp32h2", EsptoolWrites::No);
}

#[test]
fn default_reset_over_rfc2217_on_esp32p4() {
    default_reset_over_rfc2217("esp32p4", EsptoolWrites::No);
}
