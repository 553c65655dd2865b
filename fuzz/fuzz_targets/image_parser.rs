//! Arbitrary bytes through every image, HEX, partition-table and ELF parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    espctl_image::fuzzing::exercise(data);
});
