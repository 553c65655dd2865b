//! Compression for FLASH_DEFL_DATA, on a worker thread that compresses the next part
//! while the current one is on the wire.
//!
//! The stub (and the ESP32 ROM) inflate a standard zlib stream with a 32KB window, so any
//! DEFLATE encoder works. libdeflate at level 10 was chosen by measurement
//! (`tools/compression-bench`, a 1 MiB image of elf2image output from the esptool test
//! ELFs and fixture images, best of 3 on this project's CI machine class):
//!
//! | compressor                          | bytes   | ms   |
//! |-------------------------------------|---------|------|
//! | C zlib level 9 (esptool)            | 689 165 | 130  |
//! | miniz_oxide level 9 (flate2 default)| 689 301 | 150  |
//! | zlib-rs level 9                     | 687 623 |  71  |
//! | libdeflate level 9                  | 686 393 |  34  |
//! | libdeflate level 10                 | 679 180 | 115  |
//! | libdeflate level 12                 | 678 973 | 178  |
//! | zopfli, 15 iterations               | 679 687 | 3986 |
//!
//! Level 10 sends 1.5% fewer bytes than esptool at ~9 MB/s, a hundred times what a
//! 921600 baud link carries; level 12 saves another 0.03% for 50% more time.

use super::span::Span;
use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::mpsc;
use std::thread::Scope;

/// libdeflate's compression level (1..=12).
pub const LEVEL: i32 = 10;

/// Most bytes one FLASH_DEFL session covers: bounds the memory a write needs (one part
/// being sent, one compressed and waiting, one being compressed) whatever the file size.
pub const MAX_SESSION: u32 = 1 << 20;

/// A zlib stream of `data` (libdeflate, level [`LEVEL`]).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    Deflater::new().zlib(data)
}

/// One compressor, reused for every part (level 10 allocates its match finder once).
struct Deflater(libdeflater::Compressor);

impl Deflater {
    fn new() -> Deflater {
        let level = libdeflater::CompressionLvl::new(LEVEL).expect("valid level");
        Deflater(libdeflater::Compressor::new(level))
    }

    fn zlib(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = vec![0; self.0.zlib_compress_bound(data.len())];
        let n = self
            .0
            .zlib_compress(data, &mut out)
            .expect("the output buffer has the compress bound");
        out.truncate(n);
        out.shrink_to_fit();
        out
    }
}

/// Compressed bytes of a run's first parts, kept from the moment the run's size is
/// measured until they are sent; past this the parts are measured on the calling thread
/// and compressed again when their turn comes, so that memory stays bounded.
pub const KEEP_AHEAD: usize = 8 << 20;

/// What the parts of one run compress to: esptool says the run's compressed size before
/// sending any of it.
pub struct MeasuredRun {
    /// The compressed size of the whole run.
    pub compressed_len: usize,
    /// The first parts' compressed bytes, in order, taken from the pipeline.
    pub ready: VecDeque<Vec<u8>>,
}

/// Measures `parts` of `span` (all queued in `pipe`, in this order): the worker's
/// results are kept up to [`KEEP_AHEAD`] bytes, the rest are compressed here only to be
/// counted and stay queued in the pipeline.
pub fn measure_run(
    pipe: &mut Pipeline,
    span: &Span<'_>,
    parts: &[Range<u32>],
) -> Result<MeasuredRun> {
    let mut ready = VecDeque::new();
    let mut kept = 0;
    let mut counter: Option<Deflater> = None;
    let mut compressed_len = 0;
    for part in parts {
        if counter.is_none() && kept < KEEP_AHEAD {
            let z = pipe.take(part)?;
            kept += z.len();
            compressed_len += z.len();
            ready.push_back(z);
        } else {
            let deflater = counter.get_or_insert_with(Deflater::new);
            compressed_len += deflater.zlib(&span.bytes(part.clone())).len();
        }
    }
    Ok(MeasuredRun {
        compressed_len,
        ready,
    })
}

/// Splits `r` into sessions of at most [`MAX_SESSION`] bytes. Inner boundaries fall on
/// sector boundaries: a session erases the sectors it touches, so it must not share one
/// with the session before it.
pub fn sessions(r: Range<u32>) -> Vec<Range<u32>> {
    let sector = espctl_chips::FLASH_SECTOR_SIZE;
    let len = r.end - r.start;
    let parts = len.div_ceil(MAX_SESSION).max(1);
    let mut out = Vec::with_capacity(parts as usize);
    let mut start = r.start;
    for k in 1..parts {
        let cut = r.start + (len as u64 * k as u64 / parts as u64) as u32;
        let cut = cut - cut % sector;
        if cut > start {
            out.push(start..cut);
            start = cut;
        }
    }
    out.push(start..r.end);
    out
}

/// The compression worker: parts are queued in the order they will be sent, and come
/// back compressed in the same order. At most one finished part waits, so memory stays
/// bounded however many parts are queued.
pub struct Pipeline {
    jobs: Option<mpsc::Sender<Range<u32>>>,
    results: mpsc::Receiver<(Range<u32>, Vec<u8>)>,
    /// Queued and not yet taken, in order.
    queued: VecDeque<Range<u32>>,
}

impl Pipeline {
    /// Starts the worker inside `scope`; it reads the parts from `span`.
    pub fn start<'scope, 'env: 'scope>(
        scope: &'scope Scope<'scope, 'env>,
        span: Span<'env>,
    ) -> Pipeline {
        let (jobs, job_rx) = mpsc::channel::<Range<u32>>();
        let (result_tx, results) = mpsc::sync_channel(1);
        scope.spawn(move || {
            let mut deflater = Deflater::new();
            for r in job_rx {
                let input = span.bytes(r.clone());
                let out = deflater.zlib(&input);
                drop(input);
                if result_tx.send((r, out)).is_err() {
                    return; // the writer gave up
                }
            }
        });
        Pipeline {
            jobs: Some(jobs),
            results,
            queued: VecDeque::new(),
        }
    }

    /// Queues `parts` after what is queued already, unless they start with exactly what
    /// is queued (a guess made earlier that turned out right).
    pub fn queue(&mut self, parts: &[Range<u32>]) {
        let guessed =
            self.queued.len() <= parts.len() && self.queued.iter().zip(parts).all(|(a, b)| a == b);
        let fresh = if guessed {
            &parts[self.queued.len()..]
        } else {
            parts
        };
        for p in fresh {
            if let Some(jobs) = &self.jobs {
                // A send fails only when the worker is gone; `take` reports that.
                let _ = jobs.send(p.clone());
            }
            self.queued.push_back(p.clone());
        }
    }

    /// The compressed bytes of `part`, which must be queued; earlier parts that were
    /// queued but are not wanted any more are dropped.
    pub fn take(&mut self, part: &Range<u32>) -> Result<Vec<u8>> {
        loop {
            let Some(next) = self.queued.pop_front() else {
                return Err(Error::Internal("a part was never queued for compression"));
            };
            let (r, data) = self
                .results
                .recv()
                .map_err(|_| Error::Internal("the compression thread stopped"))?;
            debug_assert_eq!(r, next);
            if r == *part {
                return Ok(data);
            }
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // Closing the job queue ends the worker once its current part is done.
        self.jobs = None;
    }
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(z: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(z)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn deflate_makes_standard_zlib_streams() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(inflate(&deflate(&data)), data);
        assert_eq!(inflate(&deflate(&[])), Vec::<u8>::new());
    }

    #[test]
    fn sessions_are_bounded_and_cut_at_sectors() {
        assert_eq!(sessions(0x1100..0x2000), [0x1100..0x2000]);
        assert_eq!(sessions(0..MAX_SESSION), [0..MAX_SESSION]);
        let r = 0x1100..0x1100 + 3 * MAX_SESSION + 5;
        let s = sessions(r.clone());
        assert_eq!(s.len(), 4);
        assert_eq!(s.first().unwrap().start, r.start);
        assert_eq!(s.last().unwrap().end, r.end);
        for w in s.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert_eq!(w[1].start % 0x1000, 0);
        }
        assert!(s.iter().all(|p| p.end - p.start <= MAX_SESSION));
    }

    #[test]
    fn a_measured_run_keeps_its_first_parts_and_leaves_the_rest_queued() {
        // Incompressible bytes, so that the kept parts pass KEEP_AHEAD.
        let mut x = 1u32;
        let data: Vec<u8> = (0..KEEP_AHEAD + 3 * MAX_SESSION as usize)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let span = Span::new(0, &data);
        let parts = sessions(0..data.len() as u32);
        std::thread::scope(|s| {
            let mut p = Pipeline::start(s, span);
            p.queue(&parts);
            let m = measure_run(&mut p, &span, &parts).unwrap();
            let kept = m.ready.len();
            assert!(kept >= 1 && kept < parts.len(), "{kept} of {}", parts.len());
            let mut total: usize = m.ready.iter().map(Vec::len).sum();
            for (z, part) in m.ready.iter().zip(&parts) {
                assert_eq!(inflate(z), span.bytes(part.clone()));
            }
            // The parts not kept still come from the pipeline, in order.
            for part in &parts[kept..] {
                let z = p.take(part).unwrap();
                assert_eq!(inflate(&z), span.bytes(part.clone()));
                total += z.len();
            }
            assert_eq!(m.compressed_len, total);
        });
    }

    #[test]
    fn the_pipeline_returns_parts_in_order_and_drops_unwanted_guesses() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 13) as u8).collect();
        let span = Span::new(0x10000, &data);
        std::thread::scope(|s| {
            let mut p = Pipeline::start(s, span);
            // A guess that is then not used.
            p.queue(&[0x10000..0x20000]);
            let parts = [0x11000..0x12000, 0x20000..0x30000];
            p.queue(&parts);
            for part in &parts {
                let z = p.take(part).unwrap();
                assert_eq!(inflate(&z), span.bytes(part.clone()));
            }
            // A guess that was right is not compressed twice.
            p.queue(&[0x10000..0x11000]);
            p.queue(&[0x10000..0x11000, 0x11000..0x12000]);
            assert_eq!(p.queued.len(), 2);
            assert_eq!(
                inflate(&p.take(&(0x11000..0x12000)).unwrap()),
                span.bytes(0x11000..0x12000)
            );
            assert!(p.take(&(0..1)).is_err());
        });
    }
}
