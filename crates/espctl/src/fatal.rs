//! How a failed command ends: one line on stderr, exit code 2 (as esptool).

use std::process::ExitCode;

/// An error that ends the command. Its message says what happened and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Fatal(pub String);

/// Prints the error as esptool 5 does and returns exit code 2.
pub fn report(err: &Fatal) -> ExitCode {
    eprintln!("ERROR: A fatal error occurred: {err}");
    ExitCode::from(2)
}
