//! How a failed command ends: one line on stderr, exit code 2 (as esptool). A library
//! error becomes its message followed by the advice its hint stands for.

use crate::render::advice;
use std::process::ExitCode;

/// An error that ends the command. Its message says what happened and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Fatal(pub String);

impl From<espctl_flasher::Error> for Fatal {
    fn from(e: espctl_flasher::Error) -> Fatal {
        Fatal(advice::with_hint(&e, e.hint()))
    }
}

impl From<espctl_flasher::stub::StubStoreError> for Fatal {
    fn from(e: espctl_flasher::stub::StubStoreError) -> Fatal {
        Fatal(advice::with_hint(&e, e.hint()))
    }
}

impl From<espctl_image::ImageError> for Fatal {
    fn from(e: espctl_image::ImageError) -> Fatal {
        Fatal(e.to_string())
    }
}

impl From<espctl_ota::arduino::OtaError> for Fatal {
    fn from(e: espctl_ota::arduino::OtaError) -> Fatal {
        Fatal(crate::render::ota::with_hint(&e))
    }
}

/// Prints the error as esptool 5 does and returns exit code 2.
pub fn report(err: &Fatal) -> ExitCode {
    eprintln!("ERROR: A fatal error occurred: {err}");
    ExitCode::from(2)
}
