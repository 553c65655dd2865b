//! The stub files espctl accepts: Espressif's esp-flasher-stub v1.4.1 (Apache-2.0 OR
//! MIT), byte for byte as released and as esptool 5.6.0 ships them in
//! `esptool/targets/stub_flasher/2/`. Anything else (the GPL legacy stubs in `1/`,
//! modified or other versions) is refused.

/// The release the hashes belong to.
pub const STUB_RELEASE: &str = "v1.4.1";

/// Where the release's assets are downloaded from (`ESPCTL_STUB_URL` overrides).
pub const RELEASE_URL: &str =
    "https://github.com/espressif/esp-flasher-stub/releases/download/v1.4.1";

/// SHA-256 of each file of esptool 5.6.0's `stub_flasher/2/` folder.
pub const PINNED: &[(&str, &str)] = &[
    (
        "esp32.json",
        "d615e54e50af5ac7348393cca5d8edb369df9840b2ace5d07a86c40d28e39bea",
    ),
    (
        "esp32c2.json",
        "90ab18ea7df3ff982f399f9bf764668b9187d4c6aad6f071d43e6b7df208a233",
    ),
    (
        "esp32c3.json",
        "946b19aa447bd04ad9db232dec074e139c08541abc3f1b3baa279418855e0871",
    ),
    (
        "esp32c5.json",
        "b7ca2d6e7acd64fd0a02d99e755b2e29c96df55470bffd294f457a9b22d17f01",
    ),
    (
        "esp32c6.json",
        "66a943da9d4ed0da631b2c1fe62d30a64afafcab6202e78de9a82244b7f715d0",
    ),
    (
        "esp32c61.json",
        "178783ff4265343fd9c48e9f5f97c78a358b0c124a82b3bf3892b95f3ee7ec72",
    ),
    (
        "esp32h2.json",
        "9d075440137dd7c71ed185bb933b69d54aadf5a08b714e03831cec77d80990f9",
    ),
    (
        "esp32h21.json",
        "da6edc06beece78c35e6912ca0e2d94083d4597ea546a391840c52485de293d0",
    ),
    (
        "esp32h4.json",
        "e16fed8a3f2a1b805f7e124ab03fd29107f9e51ceb1df0c65fd6405d137e3675",
    ),
    (
        "esp32p4-rev1.json",
        "e76e4535febf079ec517352adf21fdd9aa0b796f76f07641fab4d0073eb7d1f8",
    ),
    (
        "esp32p4.json",
        "c32f75a32cc8b99a2ff17c14d3ed96e785f0523ccf6218efce7056e13f00c820",
    ),
    (
        "esp32s2.json",
        "79644275b5db42c70941b69514f2785449fc85c1d6a9c89bc2cc4dc361e8e583",
    ),
    (
        "esp32s3.json",
        "767c0ef61d864bb9524c52a2fa7ff5b144598c8df729b2cd31e84d8785e2d65b",
    ),
    (
        "esp32s31.json",
        "bccb338d09714d35283048936056adc2ba4d2172a694ad1f79a08ed04cc242ad",
    ),
    (
        "esp8266.json",
        "9ce821527ecb67224bf19cf78bef45a4de5b5f03ac08f100daf8de32499972e3",
    ),
    // The licence texts that accompany them in esptool's package.
    (
        "LICENSE-APACHE",
        "3caf7db4e38f3b3a5e6eb3d7004473188e03f2e18129a0da6289a02c012d7277",
    ),
    (
        "LICENSE-MIT",
        "de9c9e7b2f939f909b27eea39630893885604c8cde7de4a822b53cb37d0036a0",
    ),
];

/// The pinned SHA-256 (lower-case hex) of the file called `name`, if it is one.
pub fn pinned_hash(name: &str) -> Option<&'static str> {
    PINNED.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    crate::flash::hex(&sha2::Sha256::digest(bytes))
}

/// Whether `bytes` is exactly the pinned file `name`.
pub fn is_pinned(name: &str, bytes: &[u8]) -> bool {
    pinned_hash(name).is_some_and(|h| h == sha256_hex(bytes))
}
