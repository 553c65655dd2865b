//! Errors of the image library. Each message reads as esptool's does where esptool has
//! one, and says what is wrong with the input otherwise.

/// Something is wrong with an image, an ELF file or a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("Image is empty.")]
    Empty,
    #[error("This is not a valid image (invalid magic number: {0:#x}).")]
    NotAnImage(u8),
    #[error("Invalid firmware image magic={0:#x}")]
    BadMagic(u8),
    #[error("Invalid image magic number: {0}")]
    BadEsp8266Magic(u8),
    #[error(
        "Image is truncated: {what} needs {needed} bytes at offset {offset:#x}, the file ends at {len:#x}."
    )]
    Truncated {
        what: &'static str,
        offset: usize,
        needed: usize,
        len: usize,
    },
    #[error("End of file reading segment {addr:#x}, length {length} (actual length {actual})")]
    SegmentTruncated {
        addr: u32,
        length: u32,
        actual: usize,
    },
    #[error("Invalid value for append_digest field ({0:#04x}). Should be 0 or 1.")]
    BadDigestFlag(u8),
    #[error("Invalid segment count {0} (max 16). Usually this indicates a linker script problem.")]
    TooManySegments(usize),
    #[error("Invalid {name} segment length {length:#x}. It has to be multiple of 4.")]
    SegmentNotAligned { name: String, length: usize },
    #[error("Invalid {name} segment length {length:#x}. The 16 MB limit has been exceeded.")]
    SegmentTooLong { name: String, length: usize },
    #[error("Flash size '{size}' is not supported by this chip type. Supported sizes: {supported}")]
    UnsupportedFlashSize { size: String, supported: String },
    #[error(
        "Flash frequency '{freq}' is not supported by this chip type. Supported frequencies: {supported}"
    )]
    UnsupportedFlashFreq { freq: String, supported: String },
    #[error("{0}")]
    Elf(String),
    #[error("Found {0} segments that could be irom0. Bad ELF file?")]
    TooManyIromSegments(usize),
    #[error(
        "Segment loaded at {addr:#010x} lands in same {page_kb} KB flash mapping as segment loaded at {previous:#010x}. Can't generate binary. Suggest changing linker script or ELF to merge sections."
    )]
    SameFlashPage {
        addr: u32,
        previous: u32,
        page_kb: u32,
    },
    #[error(
        "Cannot place SHA256 digest on segment boundary(elf_sha256_offset={offset}, file_pos={file_pos}, segment_size={segment_size})"
    )]
    DigestOnBoundary {
        offset: u32,
        file_pos: usize,
        segment_size: usize,
    },
    #[error(
        "Contents of segment at SHA256 digest offset {0:#x} are not zero. Refusing to overwrite."
    )]
    DigestTargetNotZero(u32),
    #[error("secure_pad only applies if a SHA-256 digest is also appended to the image")]
    SecurePadWithoutDigest,
    #[error("{size} bytes is not a valid {chip} page size, select from {valid}.")]
    BadMmuPageSize {
        size: u64,
        chip: &'static str,
        valid: String,
    },
    #[error(
        "ELF file has no loadable sections: there is nothing to put in an image. Check that the ELF was linked for the chip."
    )]
    NothingToLoad,
    #[error(
        "Output data target offset is {target:#x}. Input data offset {first:#x} is before this."
    )]
    BeforeTargetOffset { target: u32, first: u32 },
    #[error(
        "The merged file would be {size:#x} bytes, more than the largest flash (128MB): check the addresses, or use --format hex."
    )]
    RawTooLarge { size: u64 },
    #[error("No input data.")]
    NoInput,
    #[error("Detected overlap at address: {addr:#x} for file: {name}.")]
    Overlap { addr: u32, name: String },
    #[error("Chunk size {chunk} does not fit a UF2 block: use 4 to {room} bytes.")]
    Uf2ChunkSize { chunk: usize, room: usize },
    #[error("{0}")]
    Hex(String),
    #[error("{0}")]
    Partition(String),
}
