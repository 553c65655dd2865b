//! espctl's own peak memory while it writes a 16 MB image: the device runs in another
//! process (`espctl virtual --pty`), and the harness samples the peak of the espctl
//! process itself (its `VmHWM`), which neither the test process's memory nor the other
//! tests' programs count in.

use crate::ESPCTL;
use espctl_testkit::{Link, Stubs, noise};

#[test]
fn writing_16_mb_stays_under_64_mb() {
    let env = ESPCTL.workdir(Stubs::Installed);
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
    let dev = ESPCTL.device("esp32", Link::Pty, "16MB");
    let run = env
        .espctl(&["--port", &dev.port, "write_flash", "0x0", "big.bin"])
        .ok();
    run.has("Hash of data verified.");
    let peak = run.peak_rss.expect("the peak memory of the run");
    assert!(peak < 64 << 20, "espctl peaked at {} MB", peak >> 20);
    // The check is real: the process held the 16 MB image at least.
    assert!(peak > 16 << 20, "{peak}");
    assert!(dev.flash() == image);
}
