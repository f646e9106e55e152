//! The command line through the binary: help and version on stdout with exit 0; every usage
//! error starts with one `error:` line on stderr, exit 2, and no program started.

mod support;

use support::run_piped as autoapprove;

#[test]
fn help_lists_every_option_and_exits_0() {
    let out = autoapprove(["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("Usage: autoapprove [OPTIONS] -- <CMD>..."),
        "{help}"
    );
    for option in [
        "--config",
        "--idle",
        "--profile",
        "--show-defaults",
        "--log-file",
        "--log-format",
        "--verbose",
        "--quiet",
        "--help",
        "--version",
        "explain",
    ] {
        assert!(help.contains(option), "help does not mention {option}");
    }
    assert!(out.stderr.is_empty());
}

/// A mistyped option is answered with the one meant.
#[test]
fn a_typo_gets_a_suggestion() {
    let out = autoapprove(["--confg", "rules.yaml", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("tip: a similar argument exists: '--config'"),
        "{stderr}"
    );
    let out = autoapprove(["explain", "--lst"]);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("a similar argument exists: '--list'")
    );
}

/// Each command has its own help, on stdout, exit 0.
#[test]
fn each_command_has_its_own_help() {
    for (args, shows) in [
        (
            &["explain", "-h"][..],
            "Usage: autoapprove explain [OPTIONS] [COMMAND]...",
        ),
        (
            &["choices", "-h"][..],
            "Usage: autoapprove choices <COMMAND>",
        ),
        (
            &["choices", "allow", "-h"][..],
            "Usage: autoapprove choices allow <PROGRAM> <PATTERN>",
        ),
        (
            &["respond", "--help"][..],
            "Usage: autoapprove respond [OPTIONS] <DIR> <SEQ> <ACTION>",
        ),
        (&["wait", "-h"][..], "Usage: autoapprove wait <DIR>"),
    ] {
        let out = autoapprove(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains(shows), "{args:?}: {help}");
    }
}

#[test]
fn version_names_the_package_version() {
    let out = autoapprove(["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("autoapprove {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_are_one_line_and_exit_2_without_starting_anything() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("started");
    let touch = format!("touch {}", marker.display());
    for (args, first_line) in [
        (
            vec![],
            "error: no program to run: put it after `--`, e.g. autoapprove -- claude",
        ),
        (
            vec!["sh", "-c", &touch],
            "error: unexpected argument `sh`: put the program to run after `--`, e.g. autoapprove -- sh",
        ),
        (
            vec!["--bogus", "--", "sh", "-c", &touch],
            "error: unexpected argument '--bogus' found",
        ),
        (
            vec!["--log-format", "xml", "--", "sh", "-c", &touch],
            "error: invalid value 'xml' for '--log-format <FORMAT>'",
        ),
        (
            vec!["-q", "-v", "--", "sh", "-c", &touch],
            "error: the argument '--quiet' cannot be used with '--verbose...'",
        ),
        (
            vec!["--config"],
            "error: a value is required for '--config <FILE>' but none was supplied",
        ),
    ] {
        let out = autoapprove(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let mut lines = stderr.lines();
        assert_eq!(lines.next(), Some(first_line), "{args:?}");
        assert!(
            stderr.ends_with("For more information, try '--help'.\n"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!marker.exists(), "{args:?} started the program");
    }
}

/// Durations past what a clock can add (`9223372036854775807s`) are clamped to a year, not a
/// crash mid-session: the program runs, its output and exit code come through.
#[test]
fn absurd_durations_are_clamped_not_fatal() {
    // As long as a u64 of seconds holds, and longer than any count.
    for huge in ["9223372036854775807s", "99999999999999999999s"] {
        absurd_durations_are_clamped(huge);
    }
}

fn absurd_durations_are_clamped(huge: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rules.yaml");
    std::fs::write(
        &config,
        format!(
            "idle_timeout: {huge}\nsettle: {huge}\nsettle_max: {huge}\nmin_send_interval: {huge}\n\
             key_gap: {huge}\nmanual_timeout: {huge}\nnudge_sequence:\n  - send: \"<Enter>\"\n    \
             after: {huge}\nguard:\n  ask_timeout: {huge}\nprompt_rules:\n  - description: x\n    \
             match_regex: 'never'\n    send: y\n    cooldown: {huge}\n"
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    for args in [
        vec!["--idle", huge, "--", "sh", "-c", "echo ran; exit 7"],
        vec!["--config", config, "--", "sh", "-c", "echo ran; exit 7"],
    ] {
        let out = autoapprove(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{args:?}: {stderr}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("ran"),
            "{args:?}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// `--log-file` takes a regular file, a terminal, /dev/null or a pipe something reads; a FIFO
/// nobody reads (which would block the open forever) and other devices are refused at once.
#[test]
fn the_log_file_must_be_somewhere_lines_can_go() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    support::mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    for (path, why) in [
        (fifo, "a FIFO that nothing reads"),
        (
            "/dev/zero",
            "not a regular file, a terminal or a pipe being read",
        ),
    ] {
        let out = autoapprove(["--log-file", path, "--", "true"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            format!("error: cannot open log file {path}: {why}")
        );
    }
    // Read by someone: the log goes down the pipe.
    let reader = std::process::Command::new("cat")
        .arg(fifo)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader's open completes only when a writer opens: retry ours until it does.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let out = loop {
        let out = autoapprove(["--log-file", fifo, "--", "true"]);
        if out.status.code() == Some(0) || std::time::Instant::now() > deadline {
            break out;
        }
        std::thread::yield_now();
    };
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = reader.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&read.stdout).contains("CHILD_EXITED: code=0"),
        "{read:?}"
    );
    assert_eq!(
        autoapprove(["--log-file", "/dev/null", "--", "true"])
            .status
            .code(),
        Some(0)
    );
}

/// The completion scripts come from the same definition as the parser: every shell's names the
/// options, and bash's, run as bash runs it on Tab, completes an option and a command.
#[test]
fn completions_complete_options_and_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = autoapprove(["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("guard-allow"), "{shell}: {script}");
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("autoapprove.bash");
    std::fs::write(&script, autoapprove(["completions", "bash"]).stdout).unwrap();
    for (words, offered) in [
        ("autoapprove --guard-al", "--guard-allow"),
        ("autoapprove choices al", "allow"),
        ("autoapprove explain --c", "--cwd"),
    ] {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
                 _autoapprove autoapprove \"${{COMP_WORDS[COMP_CWORD]}}\" \
                 \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        let replies = String::from_utf8_lossy(&out.stdout);
        assert!(
            replies.lines().any(|l| l.trim() == offered),
            "{words}: {replies} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(autoapprove(["completions", "tcsh"]).status.code(), Some(2));
}

/// `autoapprove man` is a man page (roff) with every option and the exit status.
#[test]
fn the_man_page_has_every_option() {
    let out = autoapprove(["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH autoapprove 1"), "{page}");
    for option in [
        "config",
        "no\\-user\\-config",
        "guard\\-allow",
        "background",
        "log\\-format",
    ] {
        assert!(
            page.contains(&format!("\\fB\\-\\-{option}\\fR")),
            "{option}: {page}"
        );
    }
    assert!(page.contains("Exit status"), "{page}");
}

/// Output nobody reads any more (a pipe whose reader has left, as `2>&1 | head -1` leaves it)
/// does not turn an exit code into an abort: a config error still exits 2, and output that
/// cannot be written exits 1.
#[test]
fn a_closed_pipe_changes_no_exit_code_into_an_abort() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.yaml");
    std::fs::write(&config, "profiles:\n  x:\n    idle_timeout: 0s\n").unwrap();
    let gone = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        writer
    };
    let status = Command::new(support::bin())
        .args(["--config", config.to_str().unwrap(), "--", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(gone())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2), "{status:?}");
    let status = Command::new(support::bin())
        .arg("--show-defaults")
        .stdout(gone())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1), "{status:?}");
}
