//! Compresses a firmware-like image with each candidate DEFLATE compressor and prints
//! the compressed size, the time taken and whether the stream inflates back (the stub
//! inflates standard zlib streams with a 32KB window, so every candidate qualifies on
//! format).
//!
//! Usage: `compression-bench [--size BYTES] [--runs N] FILE...`: the files are
//! concatenated (repeated when needed) and cut to `--size` bytes (default 1 MiB).

use std::io::Read;
use std::time::{Duration, Instant};

type Compressor = fn(&[u8]) -> Vec<u8>;

fn main() {
    let mut size = 1 << 20;
    let mut runs = 3;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next().and_then(|s| s.parse().ok()).expect("--size N"),
            "--runs" => runs = args.next().and_then(|s| s.parse().ok()).expect("--runs N"),
            _ => files.push(a),
        }
    }
    assert!(!files.is_empty(), "usage: compression-bench [--size N] [--runs N] FILE...");
    let mut image = Vec::with_capacity(size);
    'fill: loop {
        for f in &files {
            let data = std::fs::read(f).unwrap_or_else(|e| panic!("{f}: {e}"));
            for b in data {
                if image.len() == size {
                    break 'fill;
                }
                image.push(b);
            }
        }
    }
    println!(
        "image: {} bytes from {} file(s); {} run(s) each, best time shown",
        image.len(),
        files.len(),
        runs
    );
    let candidates: &[(&str, Compressor)] = &[
        ("miniz_oxide level 9 (flate2 rust_backend)", |d| {
            miniz_oxide::deflate::compress_to_vec_zlib(d, 9)
        }),
        ("miniz_oxide level 10", |d| {
            miniz_oxide::deflate::compress_to_vec_zlib(d, 10)
        }),
        ("flate2 as built here, level 9", |d| {
            use std::io::Write;
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(d).unwrap();
            e.finish().unwrap()
        }),
        ("C zlib level 9 (libz-sys; what esptool's Python uses)", c_zlib),
        ("zlib-rs level 9 (libz-rs-sys)", zlib_rs),
        ("libdeflate level 9", |d| libdeflate(d, 9)),
        ("libdeflate level 10", |d| libdeflate(d, 10)),
        ("libdeflate level 12", |d| libdeflate(d, 12)),
        ("zopfli (15 iterations)", |d| zopfli_with(d, 15)),
        ("zopfli (5 iterations)", |d| zopfli_with(d, 5)),
    ];
    println!(
        "{:<55} {:>9} {:>7} {:>9} {:>9}",
        "compressor", "bytes", "ratio", "ms", "MB/s in"
    );
    for (name, f) in candidates {
        let mut best = Duration::MAX;
        let mut out = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            out = f(&image);
            best = best.min(t.elapsed());
        }
        let mut back = Vec::new();
        flate2::read::ZlibDecoder::new(&out[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == image, "{name}: stream does not inflate to the input");
        println!(
            "{:<55} {:>9} {:>7.4} {:>9.1} {:>9.2}",
            name,
            out.len(),
            out.len() as f64 / image.len() as f64,
            best.as_secs_f64() * 1e3,
            image.len() as f64 / best.as_secs_f64() / 1e6
        );
    }
}

fn c_zlib(d: &[u8]) -> Vec<u8> {
    let mut len = unsafe { libz_sys::compressBound(d.len() as _) };
    let mut out = vec![0u8; len as usize];
    // SAFETY: `out` holds `len` bytes, `d` is a valid slice.
    let rc = unsafe {
        libz_sys::compress2(out.as_mut_ptr(), &mut len, d.as_ptr(), d.len() as _, 9)
    };
    assert_eq!(rc, libz_sys::Z_OK);
    out.truncate(len as usize);
    out
}

fn zlib_rs(d: &[u8]) -> Vec<u8> {
    let mut len = libz_rs_sys::compressBound(d.len() as _);
    let mut out = vec![0u8; len as usize];
    // SAFETY: as above.
    let rc = unsafe {
        libz_rs_sys::compress2(out.as_mut_ptr(), &mut len, d.as_ptr(), d.len() as _, 9)
    };
    assert_eq!(rc, libz_rs_sys::Z_OK);
    out.truncate(len as usize);
    out
}

fn libdeflate(d: &[u8], level: i32) -> Vec<u8> {
    let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(level).unwrap());
    let mut out = vec![0u8; c.zlib_compress_bound(d.len())];
    let n = c.zlib_compress(d, &mut out).unwrap();
    out.truncate(n);
    out
}

fn zopfli_with(d: &[u8], iterations: u64) -> Vec<u8> {
    let options = zopfli::Options {
        iteration_count: std::num::NonZeroU64::new(iterations).unwrap(),
        ..Default::default()
    };
    let mut out = Vec::new();
    zopfli::compress(options, zopfli::Format::Zlib, d, &mut out).unwrap();
    out
}
