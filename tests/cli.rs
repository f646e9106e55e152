//! The command line through the binary: help and version on stdout with exit 0; every usage
//! error is one `error:` line plus the short usage on stderr, exit 2, and no program started.

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
            "error: unknown option `--bogus`",
        ),
        (
            vec!["--log-format", "xml", "--", "sh", "-c", &touch],
            "error: --log-format: `xml` is not a format: expected text or json",
        ),
        (
            vec!["-q", "-v", "--", "sh", "-c", &touch],
            "error: --quiet and --verbose cannot be used together",
        ),
        (vec!["--config"], "error: --config needs a value"),
    ] {
        let out = autoapprove(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let mut lines = stderr.lines();
        assert_eq!(lines.next(), Some(first_line), "{args:?}");
        assert!(stderr.contains("\nUsage: autoapprove"), "{stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!marker.exists(), "{args:?} started the program");
    }
}

/// Durations past what a clock can add (`9223372036854775807s`) are clamped to a year, not a
/// crash mid-session: the program runs, its output and exit code come through.
#[test]
fn absurd_durations_are_clamped_not_fatal() {
    let huge = "9223372036854775807s";
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
