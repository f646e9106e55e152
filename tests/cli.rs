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
