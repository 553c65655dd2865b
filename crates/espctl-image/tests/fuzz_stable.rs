//! A bounded randomized run of the fuzz target on stable Rust: mutated fixture images and
//! random bytes through every parser. `ESPCTL_FUZZ_SECONDS` sets the time (default 3).

use std::time::{Duration, Instant};

use espctl_image::fuzzing::exercise;

/// xorshift64*: deterministic, seeded from `ESPCTL_FUZZ_SEED` or the clock.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        match rng.below(6) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.next() as u8;
            }
            1 => data.truncate(rng.below(data.len() + 1)),
            2 if !data.is_empty() => {
                // Interesting values in headers: counts, lengths, flags.
                let i = rng.below(data.len().min(64));
                data[i] = [0, 1, 0x10, 0x11, 0xE9, 0xEA, 0xFF, 0x7F][rng.below(8)];
            }
            3 if data.len() >= 4 => {
                let i = rng.below(data.len() - 3);
                data[i..i + 4].copy_from_slice(&(rng.next() as u32).to_le_bytes());
            }
            4 => data.extend((0..rng.below(64)).map(|_| rng.next() as u8)),
            _ => {}
        }
    }
    data
}

#[test]
fn parsers_survive_random_and_mutated_inputs() {
    let seconds: u64 = std::env::var("ESPCTL_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed = std::env::var("ESPCTL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("fuzz seed {seed} (rerun with ESPCTL_FUZZ_SEED={seed})");
    let mut rng = Rng(seed);
    let fixtures = espctl_testkit::fixtures();
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    for folder in ["images", "elf"] {
        for entry in std::fs::read_dir(fixtures.join(folder)).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            // Large inputs slow the run down without finding more.
            if data.len() <= 64 * 1024 {
                corpus.push(data);
            }
        }
    }
    corpus.push(b":0400000001020304F2\n:00000001FF\n".to_vec());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runs = 0u64;
    while Instant::now() < deadline {
        let input = if rng.below(8) == 0 {
            (0..rng.below(300)).map(|_| rng.next() as u8).collect()
        } else {
            let base = &corpus[rng.below(corpus.len())];
            mutate(&mut rng, base)
        };
        exercise(&input);
        runs += 1;
    }
    println!("{runs} inputs in {seconds} s");
    assert!(runs > 0);
}
