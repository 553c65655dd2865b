//! Encrypted writes (`--encrypt`, `--encrypt-files`, `--ignore-flash-enc-efuse`) against
//! esptool 5.6.0 on identical virtual ESP32s: the same refusals with the same lines, the
//! same flash bytes, and those bytes equal to what `espsecure encrypt-flash-data` makes
//! of the plain files with the key and FLASH_CRYPT_CONFIG the eFuses hold (a blank
//! chip: an all-zero key, no tweak).

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, noise};
use std::path::PathBuf;

/// esptool's refusal when the eFuses are not set up for flash encryption.
const NOT_READY: &str = "ERROR: A fatal error occurred: Can't perform encrypted flash write, consult Flash Encryption documentation for more information.";

/// The line esptool and espctl print instead of a hash check after an encrypted write.
const NOT_VERIFIED: &str = "Cannot verify written data if encrypted or in secure download mode.";

/// The referee for the ciphertext, installed beside esptool.
fn espsecure() -> PathBuf {
    espctl_testkit::esptool().with_file_name("espsecure")
}

/// Two identical served devices (esptool's, espctl's) with `args` for `espctl virtual`.
fn devices(chip: &str, args: &[&str]) -> (Device, Device) {
    let start = || {
        ESPCTL
            .device_options(chip, Link::Socket)
            .flash_size("4MB")
            .server_args(args)
            .start()
    };
    (start(), start())
}

/// esptool on `theirs` and espctl on `ours`, with the same arguments.
fn both(env: &WorkDir, theirs: &Device, ours: &Device, args: &[&str]) -> (Run, Run) {
    let with_port = |port: &str| {
        let mut all = vec!["--port", port];
        all.extend_from_slice(args);
        all.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let t = with_port(&theirs.port);
    let o = with_port(&ours.port);
    let t: Vec<&str> = t.iter().map(String::as_str).collect();
    let o: Vec<&str> = o.iter().map(String::as_str).collect();
    (env.esptool(&t), env.espctl(&o))
}

/// The error line esptool printed last.
fn esptool_error(run: &Run) -> String {
    run.exits(2);
    run.stderr
        .lines()
        .rfind(|l| l.starts_with("ERROR:"))
        .unwrap_or_else(|| panic!("esptool printed no error:\n{run}"))
        .to_string()
}

/// `plain` padded with 0xFF to a multiple of 32 bytes, as both tools pad an encrypted
/// file before the chip encrypts it.
fn padded(plain: &[u8]) -> Vec<u8> {
    let mut p = plain.to_vec();
    p.resize(plain.len().div_ceil(32) * 32, 0xFF);
    p
}

/// What espsecure says `plain` (padded) becomes at `addr` with the key file `key` and
/// FLASH_CRYPT_CONFIG `config`.
fn referee(env: &WorkDir, key: &str, config: u32, addr: u32, plain: &[u8]) -> Vec<u8> {
    let input = format!("plain-{addr:x}.bin");
    let output = format!("cipher-{addr:x}.bin");
    env.write(&input, &padded(plain));
    env.run(
        &espsecure(),
        &[
            "encrypt-flash-data",
            "--keyfile",
            key,
            "--address",
            &format!("{addr:#x}"),
            "--flash-crypt-conf",
            &format!("{config:#x}"),
            "--output",
            &output,
            &input,
        ],
    )
    .ok();
    env.read(&output)
}

/// The same flash on both devices; returns it.
#[track_caller]
fn same_flash(theirs: &Device, ours: &Device) -> Vec<u8> {
    let (a, b) = (theirs.flash(), ours.flash());
    if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
        panic!(
            "flash differs at {i:#x}: esptool left {:#04x}, espctl {:#04x}",
            a[i], b[i]
        );
    }
    a
}

/// A file that compresses (so the stub inflates it on the encrypted path), of a length
/// that needs padding.
fn compressible(len: usize) -> Vec<u8> {
    let pattern = noise(600, 21);
    pattern.iter().cycle().take(len).copied().collect()
}

#[test]
fn blank_efuses_refuse_an_encrypted_write_with_esptools_lines() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("app.bin", &noise(0x2000, 1));
    let (theirs, ours) = devices("esp32", &[]);
    let (t, o) = both(
        &env,
        &theirs,
        &ours,
        &["write-flash", "--encrypt", "0x10000", "app.bin"],
    );
    assert_eq!(esptool_error(&t), NOT_READY);
    assert_eq!(o.fatal(), NOT_READY);
    for run in [&t, &o] {
        run.has("Unexpected FLASH_CRYPT_CONFIG value: 0x0")
            .has("Flash encryption key is not programmed.");
    }
    assert!(
        same_flash(&theirs, &ours).iter().all(|&b| b == 0xFF),
        "a refused write left data in flash"
    );
}

#[test]
fn ignoring_blank_efuses_writes_what_the_all_zero_key_gives() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("zero.key", &[0u8; 32]);
    let app = noise(0x3010, 2);
    let data = compressible(0x9013);
    env.write("app.bin", &app);
    env.write("data.bin", &data);
    let (theirs, ours) = devices("esp32", &[]);
    let args = [
        "write-flash",
        "--encrypt",
        "--ignore-flash-enc-efuse",
        "0x10000",
        "app.bin",
        "0x20000",
        "data.bin",
    ];
    let (t, o) = both(&env, &theirs, &ours, &args);
    for run in [&t, &o] {
        run.exits(0)
            .has("Unexpected FLASH_CRYPT_CONFIG value: 0x0")
            .has("Flash encryption key is not programmed.")
            .has(NOT_VERIFIED);
        assert!(
            !run.stdout.contains("Hash of data verified."),
            "an encrypted write claimed a hash check:\n{run}"
        );
    }
    let flash = same_flash(&theirs, &ours);
    for (addr, plain) in [(0x10000u32, &app), (0x20000, &data)] {
        let cipher = referee(&env, "zero.key", 0, addr, plain);
        let at = addr as usize;
        assert_eq!(
            flash[at..at + cipher.len()],
            cipher[..],
            "flash at {addr:#x} is not espsecure's ciphertext"
        );
        assert_ne!(cipher[..], padded(plain)[..], "the data went in plain");
    }
}

#[test]
fn a_burnt_key_encrypts_only_the_encrypt_files_as_espsecure_does() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let key = noise(32, 3);
    let key_file = env.write("fe.key", &key);
    let key_path = key_file.to_str().expect("a UTF-8 temporary path");
    let plain = noise(0x1800, 4);
    let first = noise(0x2020, 5);
    let second = compressible(0x12345);
    env.write("plain.bin", &plain);
    env.write("first.bin", &first);
    env.write("second.bin", &second);
    let (theirs, ours) = devices(
        "esp32",
        &[
            "--efuse",
            "flash-crypt-config=0xf,flash-crypt-cnt=1",
            "--flash-encryption-key",
            key_path,
        ],
    );
    // The plain file comes between the encrypted ones: both tools write in address order.
    let args = [
        "write-flash",
        "0x30000",
        "plain.bin",
        "--encrypt-files",
        "0x40000",
        "second.bin",
        "0x10000",
        "first.bin",
    ];
    let (t, o) = both(&env, &theirs, &ours, &args);
    for run in [&t, &o] {
        run.exits(0).has(NOT_VERIFIED);
        assert!(
            !run.stdout
                .contains("Flash encryption key is not programmed."),
            "{run}"
        );
    }
    let flash = same_flash(&theirs, &ours);
    assert_eq!(flash[0x30000..0x30000 + plain.len()], plain[..]);
    for (addr, data) in [(0x10000u32, &first), (0x40000, &second)] {
        let cipher = referee(&env, "fe.key", 0xF, addr, data);
        let at = addr as usize;
        assert_eq!(
            flash[at..at + cipher.len()],
            cipher[..],
            "flash at {addr:#x} is not espsecure's ciphertext"
        );
    }
}

#[test]
fn a_read_protected_key_counts_as_programmed_and_still_encrypts() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let key_file = env.write("fe.key", &noise(32, 12));
    let (theirs, ours) = devices(
        "esp32",
        &[
            "--efuse",
            "flash-crypt-config=0xf,rd-dis=1",
            "--flash-encryption-key",
            key_file.to_str().expect("a UTF-8 temporary path"),
        ],
    );
    // Software reads the hidden key block as zeros.
    let (t, o) = both(&env, &theirs, &ours, &["read-mem", "0x3ff5a038"]);
    for run in [&t, &o] {
        run.exits(0).has("0x3ff5a038 = 0x00000000");
    }
    let app = noise(0x1000, 13);
    env.write("app.bin", &app);
    let (t, o) = both(
        &env,
        &theirs,
        &ours,
        &["write-flash", "--encrypt", "0x10000", "app.bin"],
    );
    for run in [&t, &o] {
        run.exits(0).has(NOT_VERIFIED);
    }
    let flash = same_flash(&theirs, &ours);
    assert_eq!(
        flash[0x10000..0x11000],
        referee(&env, "fe.key", 0xF, 0x10000, &app)[..]
    );
}

#[test]
fn a_misaligned_encrypted_file_is_refused_with_esptools_warning() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let key_file = env.write("fe.key", &noise(32, 6));
    let (theirs, ours) = devices(
        "esp32",
        &[
            "--efuse",
            "flash-crypt-config=0xf",
            "--flash-encryption-key",
            key_file.to_str().expect("a UTF-8 temporary path"),
        ],
    );
    env.write("app.bin", &noise(0x400, 7));
    let (t, o) = both(
        &env,
        &theirs,
        &ours,
        &["write-flash", "--encrypt", "0x10010", "app.bin"],
    );
    assert_eq!(esptool_error(&t), NOT_READY);
    assert_eq!(o.fatal(), NOT_READY);
    let warning =
        "WARNING: 'app.bin' (address 0x10010) is not 32 byte aligned, can't flash encrypted.";
    for run in [&t, &o] {
        assert!(
            run.stderr.lines().any(|l| l == warning),
            "no {warning:?}:\n{run}"
        );
    }
}

#[test]
fn loaders_and_chips_that_cannot_encrypt_refuse_as_esptool_does() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("app.bin", &noise(0x400, 8));
    let cases: [(&str, &[&str], &[&str], &str); 3] = [
        (
            "esp8266",
            &[],
            &[],
            "ERROR: A fatal error occurred: ESP8266 does not support encrypted flashing. ",
        ),
        (
            "esp32",
            &[],
            &["--no-stub"],
            "ERROR: A fatal error occurred: ESP32 ROM bootloader does not support encrypted writes. Encrypted writing is only supported by the flasher stub. Do not use --no-stub when writing encrypted data.",
        ),
        // Release mode: the loader may not encrypt, whatever --ignore-flash-enc-efuse.
        (
            "esp32",
            &["--efuse", "disable-dl-encrypt"],
            &[],
            "ERROR: A fatal error occurred: This chip has encrypt functionality in UART download mode disabled. This is the Flash Encryption configuration for Production mode instead of Development mode.",
        ),
    ];
    for (chip, efuses, extra, expected) in cases {
        let (theirs, ours) = devices(chip, efuses);
        let mut args: Vec<&str> = extra.to_vec();
        args.extend([
            "write-flash",
            "--encrypt",
            "--ignore-flash-enc-efuse",
            "0x10000",
            "app.bin",
        ]);
        let (t, o) = both(&env, &theirs, &ours, &args);
        assert_eq!(esptool_error(&t), expected, "{chip}");
        assert_eq!(o.fatal(), expected, "{chip}");
        assert!(
            ours.flash().iter().all(|&b| b == 0xFF),
            "{chip}: flash written"
        );
    }
}

#[test]
fn encrypt_and_encrypt_files_together_are_refused() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("a.bin", &noise(0x100, 9));
    env.write("b.bin", &noise(0x100, 10));
    let (theirs, ours) = devices("esp32", &[]);
    let args = [
        "write-flash",
        "--encrypt",
        "0x10000",
        "a.bin",
        "--encrypt-files",
        "0x20000",
        "b.bin",
    ];
    let (t, o) = both(&env, &theirs, &ours, &args);
    let expected = "ERROR: A fatal error occurred: Options --encrypt and --encrypt-files must not be specified at the same time.";
    assert_eq!(esptool_error(&t), expected);
    assert_eq!(o.fatal(), expected);
}

/// esptool 5.6.0 takes one v4 spelling of these options,
/// `--ignore_flash_encryption_efuse_setting` (and `write_flash`); not `--encrypt_files`.
#[test]
fn the_v4_spellings_are_taken() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("zero.key", &[0u8; 32]);
    let app = noise(0x1000, 11);
    env.write("app.bin", &app);
    let (theirs, ours) = devices("esp32", &[]);
    let args = [
        "write_flash",
        "0x8000",
        "app.bin",
        "--encrypt-files",
        "0x10000",
        "app.bin",
        "--ignore_flash_encryption_efuse_setting",
    ];
    let (t, o) = both(&env, &theirs, &ours, &args);
    t.exits(0);
    o.exits(0);
    let flash = same_flash(&theirs, &ours);
    assert_eq!(flash[0x8000..0x9000], app[..]);
    assert_eq!(
        flash[0x10000..0x11000],
        referee(&env, "zero.key", 0, 0x10000, &app)[..]
    );
}
