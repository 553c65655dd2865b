//! `espctl completions SHELL`: scripts generated from the command line's definition.
//! bash is run for real (the test machines have it); the other shells' scripts are
//! checked as text (they name the commands and options).

use crate::ESPCTL;
use espctl_testkit::{Stubs, WorkDir};
use std::path::Path;

fn script(env: &WorkDir, shell: &str) -> String {
    let run = env.espctl(&["completions", shell]).ok();
    assert!(run.stderr.is_empty(), "{run}");
    run.stdout
}

#[test]
fn every_shell_gets_a_script_naming_commands_and_options() {
    let env = ESPCTL.workdir(Stubs::None);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let text = script(&env, shell);
        assert!(
            text.len() > 1000,
            "{shell}: a script of {} bytes",
            text.len()
        );
        for word in [
            "write-flash",
            "read-mac",
            "image-info",
            "completions",
            "baud",
            "no-progress",
            "json",
        ] {
            assert!(text.contains(word), "{shell} script lacks {word}");
        }
    }
    // What each shell needs to register it.
    assert!(script(&env, "zsh").starts_with("#compdef espctl"));
    assert!(script(&env, "fish").contains("complete -c espctl"));
    assert!(script(&env, "powershell").contains("Register-ArgumentCompleter"));
    let run = env.espctl(&["completions", "tcsh"]);
    assert!(
        run.fatal()
            .contains("possible values: bash, zsh, fish, powershell"),
        "{run}"
    );
}

/// What bash completes for the words of `line` (the last one being completed).
fn complete(env: &WorkDir, line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split(' ').collect();
    let program = format!(
        "source ./espctl.bash && complete -p espctl && \
         COMP_WORDS=({line}) && COMP_CWORD={cword} && COMP_LINE='{line}' && COMP_POINT=${{#COMP_LINE}} && \
         _espctl espctl '{cur}' '{prev}' && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        cword = words.len() - 1,
        cur = words[words.len() - 1],
        prev = words[words.len() - 2],
    );
    let run = env.run(Path::new("bash"), &["-c", &program]).ok();
    let mut lines = run.stdout.lines();
    let registered = lines.next().unwrap_or_default();
    assert!(
        registered.starts_with("complete ")
            && registered.contains("-F _espctl")
            && registered.ends_with(" espctl"),
        "not registered: {run}"
    );
    lines.map(str::to_string).collect()
}

#[test]
fn bash_completes_commands_and_options() {
    let env = ESPCTL.workdir(Stubs::None);
    // esptool's configuration file is not announced into the script.
    env.write("esptool.cfg", b"[esptool]\nconnect_attempts = 3\n");
    let run = env.espctl(&["completions", "bash"]).ok();
    assert!(run.stdout.starts_with("_espctl() {"), "{run}");
    env.write("espctl.bash", script(&env, "bash").as_bytes());
    let offered = complete(&env, "espctl wri");
    assert!(offered.iter().all(|w| w.starts_with("wri")), "{offered:?}");
    for command in ["write-flash", "write-mem"] {
        assert!(offered.iter().any(|w| w == command), "{offered:?}");
    }
    assert_eq!(
        complete(&env, "espctl write-flash --no-p"),
        ["--no-progress"]
    );
    assert!(complete(&env, "espctl --ba").contains(&"--baud".to_string()));
    assert_eq!(complete(&env, "espctl completions f"), ["fish"]);
}
