//! How long a command's reply is waited for, how long the long operations may take and
//! how often a data block is sent again: esptool's defaults, which its configuration
//! file changes.

use std::time::Duration;

/// Waits and retries of the commands (esptool's `timeout`, `chip_erase_timeout`,
/// `max_timeout`, `md5_timeout_per_mb`, `erase_region_timeout_per_mb`,
/// `erase_write_timeout_per_mb`, `mem_end_rom_timeout`, `write_block_attempts`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct OperationLimits {
    /// The wait for the reply to most commands, and the least any per-MB wait allows.
    pub timeout: Duration,
    /// A whole-chip erase.
    pub chip_erase: Duration,
    /// The longest wait for any reply; `None`: twice `chip_erase`, as esptool.
    pub max_timeout: Option<Duration>,
    /// Seconds per MB (1e6 bytes) the chip may take to hash flash.
    pub md5_per_mb: f64,
    /// Seconds per MB for erasing a region.
    pub erase_region_per_mb: f64,
    /// Seconds per MB a compressed data block (FLASH_DEFL_DATA) may take to be erased
    /// and written.
    pub erase_write_per_mb: f64,
    /// A ROM's MEM_END reply, which may never come.
    pub mem_end_rom: Duration,
    /// Tries per data block where the loader allows a resend (at least 1).
    pub write_block_attempts: u32,
}

impl Default for OperationLimits {
    fn default() -> OperationLimits {
        OperationLimits {
            timeout: crate::link::DEFAULT_TIMEOUT,
            chip_erase: Duration::from_secs(120),
            max_timeout: None,
            md5_per_mb: 8.0,
            erase_region_per_mb: 40.0,
            erase_write_per_mb: 40.0,
            mem_end_rom: Duration::from_millis(200),
            write_block_attempts: 3,
        }
    }
}

/// Built from the defaults: `OperationLimits::default().chip_erase(Duration::from_secs(300))`.
impl OperationLimits {
    /// Sets the wait for the reply to most commands.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how long a whole-chip erase may take.
    pub fn chip_erase(mut self, timeout: Duration) -> Self {
        self.chip_erase = timeout;
        self
    }

    /// Sets the longest wait for any reply.
    pub fn max_timeout(mut self, timeout: Duration) -> Self {
        self.max_timeout = Some(timeout);
        self
    }

    /// The longest wait for any reply.
    pub fn longest_wait(&self) -> Duration {
        self.max_timeout.unwrap_or(self.chip_erase * 2)
    }

    /// Sets the seconds per MB for hashing flash.
    pub fn md5_per_mb(mut self, seconds: f64) -> Self {
        self.md5_per_mb = seconds;
        self
    }

    /// Sets the seconds per MB for erasing a region.
    pub fn erase_region_per_mb(mut self, seconds: f64) -> Self {
        self.erase_region_per_mb = seconds;
        self
    }

    /// Sets the seconds per MB for erasing and writing compressed data.
    pub fn erase_write_per_mb(mut self, seconds: f64) -> Self {
        self.erase_write_per_mb = seconds;
        self
    }

    /// Sets how long a ROM's MEM_END reply is waited for.
    pub fn mem_end_rom(mut self, timeout: Duration) -> Self {
        self.mem_end_rom = timeout;
        self
    }

    /// Sets the tries per data block (0 counts as 1).
    pub fn write_block_attempts(mut self, attempts: u32) -> Self {
        self.write_block_attempts = attempts.max(1);
        self
    }

    /// `seconds` per MB (1e6 bytes) for `size` bytes, never less than
    /// [`OperationLimits::timeout`] (esptool's `timeout_per_mb`).
    pub fn per_mb(&self, seconds: f64, size: u64) -> Duration {
        let secs = seconds * size as f64 / 1e6;
        Duration::try_from_secs_f64(secs)
            .unwrap_or(Duration::MAX)
            .max(self.timeout)
    }

    /// How long hashing `size` bytes may take.
    pub(crate) fn md5(&self, size: u32) -> Duration {
        self.per_mb(self.md5_per_mb, size.into())
    }

    /// How long erasing `size` bytes may take.
    pub(crate) fn erase_region(&self, size: u32) -> Duration {
        self.per_mb(self.erase_region_per_mb, size.into())
    }

    /// How long erasing and writing `size` bytes of flash may take.
    pub(crate) fn erase_write(&self, size: u64) -> Duration {
        self.per_mb(self.erase_write_per_mb, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_wait_follows_the_chip_erase_unless_set() {
        let limits = OperationLimits::default();
        assert_eq!(limits.longest_wait(), Duration::from_secs(240));
        let longer = limits.chip_erase(Duration::from_secs(300));
        assert_eq!(longer.longest_wait(), Duration::from_secs(600));
        let capped = longer.max_timeout(Duration::from_secs(10));
        assert_eq!(capped.longest_wait(), Duration::from_secs(10));
        // Per-MB waits never drop below the default timeout (esptool's floor).
        assert_eq!(
            limits.md5_per_mb(0.001).md5(1000),
            crate::link::DEFAULT_TIMEOUT
        );
        assert_eq!(limits.write_block_attempts(0).write_block_attempts, 1);
    }

    #[test]
    fn erase_write_waits_scale_with_the_size_and_the_timeout_is_their_floor() {
        let limits = OperationLimits::default();
        assert_eq!(limits.erase_write(1_000_000), Duration::from_secs(40));
        let slow = limits.erase_write_per_mb(100.0);
        assert_eq!(slow.erase_write(500_000), Duration::from_secs(50));
        // Small blocks wait the default timeout, which the caller may change too.
        assert_eq!(slow.erase_write(1000), crate::link::DEFAULT_TIMEOUT);
        let patient = slow.timeout(Duration::from_secs(9));
        assert_eq!(patient.erase_write(1000), Duration::from_secs(9));
        assert_eq!(patient.md5(1000), Duration::from_secs(9));
        assert_eq!(patient.erase_region(1000), Duration::from_secs(9));
        assert_eq!(patient.erase_write(1_000_000), Duration::from_secs(100));
    }
}
