//! espctl's own peak memory while it writes a 16 MB image: the device runs in another
//! process (`espctl virtual --pty`), so only espctl itself is measured. Alone in its
//! test binary, so no other test's children count.

#![cfg(target_os = "linux")]

mod support;

use support::{Env, Link, Target, noise};

/// Largest resident set of the children waited for so far, in bytes.
fn children_max_rss() -> u64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    usage.ru_maxrss as u64 * 1024 // kilobytes on Linux
}

#[test]
fn writing_16_mb_stays_under_64_mb() {
    let env = Env::new(true);
    // Half compressible, half not, like firmware with data partitions.
    let mut image = Vec::with_capacity(16 << 20);
    let mut seed = 1;
    while image.len() < 16 << 20 {
        image.extend((0..65536u32).map(|i| (i / 5) as u8));
        image.extend(noise(65536, seed));
        seed += 1;
    }
    image.truncate(16 << 20);
    env.write("big.bin", &image);
    let dev = Target::start("esp32", Link::Pty, "16MB");
    env.espctl(&["--port", &dev.port, "write_flash", "0x0", "big.bin"])
        .ok()
        .has("Hash of data verified.");
    let peak = children_max_rss();
    assert!(peak < 64 << 20, "espctl peaked at {} MB", peak >> 20);
    // The check is real: the process held the 16 MB image at least.
    assert!(peak > 16 << 20, "{peak}");
    assert!(dev.flash() == image);
}
