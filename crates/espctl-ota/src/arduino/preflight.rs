//! Refusing an image that cannot fit before anything is sent, from the ESP8266 Arduino
//! flash layout: the Updater stages a new application between the running one and the
//! file system, so both must fit there together (reference §1.7).

use super::error::Hint;
use crate::wire::UpdateTarget;
use espctl_chips::FLASH_SECTOR_SIZE;
use espctl_image::esp8266_flash_map::{ArduinoLayout, OtaVerdict};

/// What the host knows of the device's flash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preflight {
    /// The device's flash layout.
    pub layout: ArduinoLayout,
    /// The size of the image it runs, when known (else an image is checked against a
    /// running image of its own size).
    pub running: Option<u32>,
}

/// Why the preflight check refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreflightError {
    /// Too large to be staged beside the running image: a small image first.
    #[error(
        "{name} ({size} bytes) does not fit beside the running image ({}): a two-step update is needed (the running image must be at most {max_running} bytes first)",
        running.map_or("assumed as large".to_string(), |r| format!("{r} bytes"))
    )]
    NeedsTwoStep {
        /// The image.
        name: String,
        /// Its size as sent.
        size: u32,
        /// The running image's size, when known.
        running: Option<u32>,
        /// The largest running image it can follow.
        max_running: u32,
    },
    /// Too large for an update over the air on this layout.
    #[error(
        "{name} ({size} bytes) is larger than any update over the air can be on this flash layout (at most {max} bytes)"
    )]
    TooLarge {
        /// The image.
        name: String,
        /// Its size as sent.
        size: u32,
        /// The largest image any update takes.
        max: u32,
    },
    /// After the first step of a two-step update the image still does not fit.
    #[error(
        "{name} ({size} bytes) does not fit even beside {via} ({via_size} bytes): at most {max} bytes can follow it"
    )]
    TooLargeAfterVia {
        /// The image.
        name: String,
        /// Its size as sent.
        size: u32,
        /// The first step's image.
        via: String,
        /// Its size (as it runs: uncompressed).
        via_size: u32,
        /// What can follow it.
        max: u32,
    },
    /// The layout has no file system for a file system image.
    #[error("the flash layout has no file system for {name}")]
    NoFileSystem {
        /// The image.
        name: String,
    },
    /// The file system image is larger than the layout's file system.
    #[error("{name} ({size} bytes) is larger than the file system of the layout ({fs} bytes)")]
    FileSystemTooLarge {
        /// The image.
        name: String,
        /// Its size.
        size: u32,
        /// The layout's file system size.
        fs: u32,
    },
}

impl PreflightError {
    /// What the user can do about it.
    pub fn hint(&self) -> Hint {
        match self {
            PreflightError::NeedsTwoStep { .. } => Hint::TwoStepOrGzip,
            PreflightError::TooLarge { .. } | PreflightError::TooLargeAfterVia { .. } => {
                Hint::SerialOrOtherLayout
            }
            PreflightError::NoFileSystem { .. } | PreflightError::FileSystemTooLarge { .. } => {
                Hint::CheckFsImage
            }
        }
    }
}

impl Preflight {
    /// Whether an image of `size` bytes (as sent) named `name` can be written to `target`.
    pub fn check(&self, name: &str, target: UpdateTarget, size: u32) -> Result<(), PreflightError> {
        let layout = &self.layout;
        if target == UpdateTarget::FileSystem {
            let fs = layout
                .file_system
                .as_ref()
                .ok_or_else(|| PreflightError::NoFileSystem {
                    name: name.to_string(),
                })?;
            let fs = fs.end - fs.start;
            return if size <= fs {
                Ok(())
            } else {
                Err(PreflightError::FileSystemTooLarge {
                    name: name.to_string(),
                    size,
                    fs,
                })
            };
        }
        let fits = match self.running {
            Some(running) => layout.ota_fits(running, size),
            None => layout.ota_verdict(size) == OtaVerdict::Fits,
        };
        if fits {
            return Ok(());
        }
        match layout.ota_verdict(size) {
            OtaVerdict::TwoStep { max_running } => Err(PreflightError::NeedsTwoStep {
                name: name.to_string(),
                size,
                running: self.running,
                max_running,
            }),
            // Fits over itself but not over the (larger) running image.
            OtaVerdict::Fits => Err(PreflightError::NeedsTwoStep {
                name: name.to_string(),
                size,
                running: self.running,
                max_running: size,
            }),
            OtaVerdict::TooLarge => Err(PreflightError::TooLarge {
                name: name.to_string(),
                size,
                // The smallest running image: eboot's sector and one more.
                max: layout.max_ota_after(2 * FLASH_SECTOR_SIZE),
            }),
        }
    }

    /// The check of a two-step update: `via` (`via_size` bytes as sent, `via_runs` bytes
    /// as it will run) over the running image, then the image over `via`.
    pub fn check_two_step(
        &self,
        via: (&str, u32, u32),
        image: (&str, u32),
    ) -> Result<(), PreflightError> {
        let (via_name, via_size, via_runs) = via;
        let (name, size) = image;
        self.check(via_name, UpdateTarget::Firmware, via_size)?;
        if self.layout.ota_fits(via_runs, size) {
            return Ok(());
        }
        Err(PreflightError::TooLargeAfterVia {
            name: name.to_string(),
            size,
            via: via_name.to_string(),
            via_size: via_runs,
            max: self.layout.max_ota_after(via_runs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_image::esp8266_flash_map::arduino_layout;

    const MB: u32 = 1 << 20;

    #[test]
    fn a_1mb_layout_takes_half_and_asks_for_two_steps_above() {
        let layout = arduino_layout(MB, 0).unwrap();
        let max = layout.max_ota_image();
        let p = Preflight {
            layout: layout.clone(),
            running: None,
        };
        assert_eq!(p.check("fw", UpdateTarget::Firmware, max), Ok(()));
        let big = max + 4096;
        let err = p.check("fw", UpdateTarget::Firmware, big).unwrap_err();
        assert!(
            matches!(err, PreflightError::NeedsTwoStep { size, .. } if size == big),
            "{err}"
        );
        assert_eq!(err.hint(), Hint::TwoStepOrGzip);
        // A small running image leaves room for it.
        let small = Preflight {
            layout: layout.clone(),
            running: Some(300_000),
        };
        assert_eq!(small.check("fw", UpdateTarget::Firmware, big), Ok(()));
        // A large running image refuses even a small image.
        let large = Preflight {
            layout: layout.clone(),
            running: Some(800_000),
        };
        assert!(matches!(
            large.check("fw", UpdateTarget::Firmware, 300_000),
            Err(PreflightError::NeedsTwoStep { .. })
        ));
        let huge = p.check("fw", UpdateTarget::Firmware, MB).unwrap_err();
        assert!(matches!(huge, PreflightError::TooLarge { .. }), "{huge}");
    }

    #[test]
    fn two_steps_check_both_images() {
        let layout = arduino_layout(MB, 0).unwrap();
        let p = Preflight {
            layout: layout.clone(),
            running: None,
        };
        let full = layout.max_ota_image() + 64 * 1024;
        assert_eq!(
            p.check_two_step(("core", 300_000, 300_000), ("full", full)),
            Ok(())
        );
        let err = p
            .check_two_step(("core", 460_000, 460_000), ("full", full))
            .unwrap_err();
        assert!(
            matches!(err, PreflightError::TooLargeAfterVia { .. }),
            "{err}"
        );
    }

    #[test]
    fn file_system_images_must_fit_the_file_system() {
        let p = Preflight {
            layout: arduino_layout(MB, 64 * 1024).unwrap(),
            running: None,
        };
        assert_eq!(p.check("fs", UpdateTarget::FileSystem, 64 * 1024), Ok(()));
        assert!(matches!(
            p.check("fs", UpdateTarget::FileSystem, 64 * 1024 + 1),
            Err(PreflightError::FileSystemTooLarge { .. })
        ));
        let none = Preflight {
            layout: arduino_layout(MB, 0).unwrap(),
            running: None,
        };
        assert!(matches!(
            none.check("fs", UpdateTarget::FileSystem, 10),
            Err(PreflightError::NoFileSystem { .. })
        ));
    }
}
