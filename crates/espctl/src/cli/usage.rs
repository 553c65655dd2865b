//! Reading the command line as a user typed it: esptool's deprecation notes for the v4
//! spellings, `--help`/`--version`, and usage errors in one line that name the option
//! the way it was typed and say what was probably meant.

use super::Cli;
use super::spelling::{Spelled, normalise};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};
use std::ffi::OsString;
use std::process::ExitCode;

/// The parsed command line, or the exit code once help, the version or a usage error
/// was printed.
pub fn parse_command_line(args: impl IntoIterator<Item = OsString>) -> Result<Cli, ExitCode> {
    let spelled = normalise(args);
    // esptool prints the option notes before parsing, the command's once the global
    // options are read (their own notes come in between).
    // Only for options that exist: a misspelt one gets its error instead.
    let known = long_options();
    for (new, note) in &spelled.option_notes {
        if known.iter().any(|k| k == new) {
            eprintln!("WARNING: {note}");
        }
    }
    let parsed = Cli::try_parse_from(&spelled.args);
    if let Some(note) = &spelled.command_note {
        eprintln!("WARNING: {note}");
    }
    parsed.map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => {
            eprintln!(
                "ERROR: {} Run 'espctl --help' for usage.",
                one_line(&e, &spelled)
            );
            ExitCode::from(2)
        }
    })
}

/// Every `--long` option of every command.
fn long_options() -> Vec<String> {
    fn walk(cmd: &clap::Command, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            out.extend(arg.get_long().map(|l| format!("--{l}")));
            if let Some(aliases) = arg.get_all_aliases() {
                out.extend(aliases.iter().map(|a| format!("--{a}")));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &mut out);
    out
}

/// A usage error in one line: clap's message without the usage block, with the options
/// as typed (`--flash_mode`, `-fm`) and clap's suggestion as a question.
fn one_line(e: &clap::Error, spelled: &Spelled) -> String {
    let text = e.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = message.join(" ");
    let mut s = as_typed(
        joined.strip_prefix("error: ").unwrap_or(&joined),
        &spelled.typed,
    );
    if !s.ends_with('.') {
        s.push('.');
    }
    if let Some(meant) = suggestion(e) {
        s.push_str(&format!(" Did you mean {meant}?"));
    }
    s
}

/// `'--flash-mode <FLASH_MODE>'` becomes `'-fm <FLASH_MODE>'` when `-fm` was typed.
fn as_typed(message: &str, typed: &[(String, String)]) -> String {
    let mut out = message.to_string();
    for (canonical, given) in typed.iter().filter(|(c, g)| c != g) {
        for end in ['\'', ' ', '='] {
            out = out.replace(&format!("'{canonical}{end}"), &format!("'{given}{end}"));
        }
    }
    out
}

/// What clap thinks was meant: a command or an option close to the one typed.
fn suggestion(e: &clap::Error) -> Option<String> {
    let quoted = |v: &ContextValue| match v {
        ContextValue::String(s) => Some(format!("'{s}'")),
        ContextValue::Strings(list) if list.len() == 1 => Some(format!("'{}'", list[0])),
        // clap lists the likeliest last.
        ContextValue::Strings(list) if !list.is_empty() => Some(format!(
            "one of: {}",
            list.iter()
                .rev()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => None,
    };
    [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg]
        .into_iter()
        .find_map(|kind| e.get(kind).and_then(quoted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_line(args: &[&str]) -> String {
        let spelled = normalise(args.iter().map(OsString::from));
        let e = Cli::try_parse_from(&spelled.args).unwrap_err();
        one_line(&e, &spelled)
    }

    #[test]
    fn names_options_as_typed_and_suggests() {
        let line = error_line(&["espctl", "writeflash", "0", "f"]);
        assert!(line.contains("'writeflash'"), "{line}");
        assert!(
            line.contains("Did you mean one of: 'write-flash', "),
            "{line}"
        );
        let line = error_line(&["espctl", "--prot", "x", "read-mac"]);
        assert!(line.ends_with("Did you mean '--port'?"), "{line}");
        let line = error_line(&["espctl", "write-flash", "--flash_mod", "dio", "0", "f"]);
        assert!(line.contains("'--flash_mod'"), "{line}");
        assert!(line.ends_with("Did you mean '--flash-mode'?"), "{line}");
        let line = error_line(&["espctl", "write-flash", "-fm", "qqq", "0", "f"]);
        assert!(line.contains("'-fm <FLASH_MODE>'"), "{line}");
        assert!(line.contains("keep, qio, qout, dio, dout"), "{line}");
    }
}
