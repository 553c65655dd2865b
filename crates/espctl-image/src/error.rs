//! Errors of the image library. Each message reads as esptool's does where esptool has
//! one, and says what is wrong with the input otherwise.

/// Something is wrong with an image, an ELF file or a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// image-info was given an empty file (esptool: `Image is empty.`).
    #[error("Image is empty.")]
    Empty,
    /// image-info: byte 0 of the file (carried here) is neither 0xE9 nor 0xEA.
    #[error("This is not a valid image (invalid magic number: {0:#x}).")]
    NotAnImage(u8),
    /// An image header starts with the carried byte instead of the magic its format
    /// needs (esptool's `BaseFirmwareImage` check).
    #[error("Invalid firmware image magic={0:#x}")]
    BadMagic(u8),
    /// An ESP8266 image starts with the carried byte, which is neither the v1 (0xE9) nor
    /// the v2 (0xEA) magic (esptool's `LoadFirmwareImage`).
    #[error("Invalid image magic number: {0}")]
    BadEsp8266Magic(u8),
    /// The file ends inside a fixed-size part of an image (a header, the checksum).
    /// esptool stops there with a low-level unpack error; this says which part is
    /// missing.
    #[error(
        "Image is truncated: {what} needs {needed} bytes at offset {offset:#x}, the file ends at {len:#x}."
    )]
    Truncated {
        /// The part being read, e.g. `the extended header`.
        what: &'static str,
        /// File offset where the part starts.
        offset: usize,
        /// Bytes the part takes.
        needed: usize,
        /// Length of the whole file in bytes.
        len: usize,
    },
    /// A segment header promises more data than the file holds (esptool's message).
    #[error("End of file reading segment {addr:#x}, length {length} (actual length {actual})")]
    SegmentTruncated {
        /// Load address from the segment header.
        addr: u32,
        /// Data length from the segment header, in bytes.
        length: u32,
        /// Bytes left in the file after the segment header.
        actual: usize,
    },
    /// The extended header's "hash appended" byte (offset 23) holds the carried value,
    /// neither 0 nor 1.
    #[error("Invalid value for append_digest field ({0:#04x}). Should be 0 or 1.")]
    BadDigestFlag(u8),
    /// An image (read, or built by elf2image) has the carried number of segments, more
    /// than the 16 the ROM loader takes.
    #[error("Invalid segment count {0} (max 16). Usually this indicates a linker script problem.")]
    TooManySegments(usize),
    /// elf2image: a segment's length is not a multiple of 4, which the loaders cannot
    /// copy (esptool's check before it writes a segment).
    #[error("Invalid {name} segment length {length:#x}. It has to be multiple of 4.")]
    SegmentNotAligned {
        /// ELF section name of the segment (empty where esptool prints none).
        name: String,
        /// Segment data length in bytes.
        length: usize,
    },
    /// elf2image: a segment reaches 16 MB, more than a segment header can describe to
    /// the loaders.
    #[error("Invalid {name} segment length {length:#x}. The 16 MB limit has been exceeded.")]
    SegmentTooLong {
        /// ELF section name of the segment (empty where esptool prints none).
        name: String,
        /// Segment data length in bytes.
        length: usize,
    },
    /// A `--flash-size` the chip's image header has no code for.
    #[error("Flash size '{size}' is not supported by this chip type. Supported sizes: {supported}")]
    UnsupportedFlashSize {
        /// The size asked for, as written on the command line (e.g. `4MB`).
        size: String,
        /// The sizes the chip supports, comma separated, in esptool's order.
        supported: String,
    },
    /// A `--flash-freq` the chip's image header has no code for.
    #[error(
        "Flash frequency '{freq}' is not supported by this chip type. Supported frequencies: {supported}"
    )]
    UnsupportedFlashFreq {
        /// The frequency asked for, as written on the command line (e.g. `40m`).
        freq: String,
        /// The frequencies the chip supports, comma separated, in esptool's order.
        supported: String,
    },
    /// The ELF file given to elf2image cannot be read; the text names the file and the
    /// problem (esptool's wording where it has one).
    #[error("{0}")]
    Elf(String),
    /// elf2image for the ESP8266: the carried number of sections (more than one) lie in
    /// the IROM window, where a v1/v2 image takes exactly one.
    #[error("Found {0} segments that could be irom0. Bad ELF file?")]
    TooManyIromSegments(usize),
    /// elf2image: two flash-mapped segments start in the same MMU page, which the
    /// bootloader cannot map to two places.
    #[error(
        "Segment loaded at {addr:#010x} lands in same {page_kb} KB flash mapping as segment loaded at {previous:#010x}. Can't generate binary. Suggest changing linker script or ELF to merge sections."
    )]
    SameFlashPage {
        /// Load address of the second segment.
        addr: u32,
        /// Load address of the segment before it in the same page.
        previous: u32,
        /// MMU page size in KB.
        page_kb: u32,
    },
    /// elf2image `--elf-sha256-offset`: the 32-byte SHA-256 would straddle a segment
    /// header or the end of the segment's data.
    #[error(
        "Cannot place SHA256 digest on segment boundary(elf_sha256_offset={offset}, file_pos={file_pos}, segment_size={segment_size})"
    )]
    DigestOnBoundary {
        /// Image file offset asked for the ELF SHA-256.
        offset: u32,
        /// Image file offset of the segment's header.
        file_pos: usize,
        /// The segment's data length in bytes.
        segment_size: usize,
    },
    /// elf2image `--elf-sha256-offset`: the 32 bytes at the carried image offset are not
    /// all zero, so the SHA-256 would overwrite data.
    #[error(
        "Contents of segment at SHA256 digest offset {0:#x} are not zero. Refusing to overwrite."
    )]
    DigestTargetNotZero(u32),
    /// elf2image `--secure-pad`/`--secure-pad-v2` together with `--dont-append-digest`.
    #[error("secure_pad only applies if a SHA-256 digest is also appended to the image")]
    SecurePadWithoutDigest,
    /// elf2image `--flash-mmu-page-size` (or the app descriptor) names a page size the
    /// chip's MMU does not have.
    #[error("{size} bytes is not a valid {chip} page size, select from {valid}.")]
    BadMmuPageSize {
        /// The page size asked for, in bytes.
        size: u64,
        /// The chip's name, e.g. `ESP32-C6`.
        chip: &'static str,
        /// The page sizes the chip has, e.g. `8KB, 16KB, 32KB, 64KB`.
        valid: String,
    },
    /// elf2image: the ELF file has no section (or, with `--use-segments`, no PT_LOAD
    /// segment) with an address and bytes, so the image would load nothing.
    #[error(
        "ELF file has no loadable sections: there is nothing to put in an image. Check that the ELF was linked for the chip."
    )]
    NothingToLoad,
    /// merge-bin `--format raw`: the lowest input address is below `--target-offset`.
    #[error(
        "Output data target offset is {target:#x}. Input data offset {first:#x} is before this."
    )]
    BeforeTargetOffset {
        /// The `--target-offset` asked for.
        target: u32,
        /// Flash address of the first input.
        first: u32,
    },
    /// merge-bin `--format raw`: the file would be larger than any flash (128 MB), which
    /// means a mistyped address. esptool would try to write it.
    #[error(
        "The merged file would be {size:#x} bytes, more than the largest flash (128MB): check the addresses, or use --format hex."
    )]
    RawTooLarge {
        /// Size the raw file would have, in bytes.
        size: u64,
    },
    /// merge-bin was given no input file.
    #[error("No input data.")]
    NoInput,
    /// merge-bin: an input touches a 4 KB flash sector that the input before it (in
    /// address order) also touches (esptool's message).
    #[error("Detected overlap at address: {addr:#x} for file: {name}.")]
    Overlap {
        /// Flash address of the later input.
        addr: u32,
        /// Its name as given on the command line.
        name: String,
    },
    /// merge-bin `--format uf2 --chunk-size`: a chunk size of 0, or more than a UF2 block
    /// can carry.
    #[error("Chunk size {chunk} does not fit a UF2 block: use 4 to {room} bytes.")]
    Uf2ChunkSize {
        /// The chunk size asked for, in bytes.
        chunk: usize,
        /// Payload room of a block: 452 bytes with the MD5 extension, 476 without.
        room: usize,
    },
    /// Intel HEX that esptool's reader (the `intelhex` package) would refuse, or data
    /// that overlaps data already placed; the text says which record or address.
    #[error("{0}")]
    Hex(String),
    /// A binary ESP-IDF partition table that is cut short, has a bad entry magic or a
    /// wrong MD5; the text says which.
    #[error("{0}")]
    Partition(String),
    /// An ESP8266 flash layout that cannot exist (a file system larger than the
    /// flash leaves room for, a flash size that is not a power of two).
    #[error("{0}")]
    Layout(String),
}
