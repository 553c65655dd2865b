//! Shell completion scripts, generated from the command line's own definition so they
//! name every command and option as clap parses them.

use super::Cli;
use super::args::completions::CompletionShell;
use clap::CommandFactory;
use clap_complete::Shell;

/// The completion script for `shell`, registering the `espctl` command.
pub fn script(shell: CompletionShell) -> Vec<u8> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::PowerShell => Shell::PowerShell,
    };
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "espctl", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_commands() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
            CompletionShell::PowerShell,
        ] {
            let text = String::from_utf8(script(shell)).unwrap();
            for word in ["write-flash", "read-mac", "image-info", "baud", "json"] {
                assert!(text.contains(word), "{shell:?} script lacks {word}");
            }
        }
    }
}
