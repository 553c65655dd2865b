//! `completions SHELL`: prints the completion script (see [`crate::cli::completions`]).

use crate::cli::args::completions::CompletionShell;
use crate::fatal::Fatal;
use std::io::Write;

/// Writes the script for `shell` to stdout.
pub fn completions(shell: CompletionShell) -> Result<(), Fatal> {
    let script = crate::cli::completions::script(shell);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|e| Fatal(format!("Cannot write the completion script: {e}")))
}
