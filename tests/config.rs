//! Configuration through the binary: every kind of invalid file fails before the child starts
//! with `FILE:LINE:COL: what is wrong` and exit 2; `--show-defaults` round-trips through `--config`.

mod support;

use std::process::{Command, Stdio};

use support::{bin, run_piped};

/// Runs `autoapprove --config rules.yaml -- sh -c 'touch started'` in a temp dir holding `yaml`.
/// Returns (exit code, stderr, whether the child started).
fn run_with(yaml: &str) -> (i32, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yaml"), yaml).unwrap();
    let out = Command::new(bin())
        .args(["--config", "rules.yaml", "--", "sh", "-c", "touch started"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        dir.path().join("started").exists(),
    )
}

fn rejected(name: &str, yaml: &str) -> String {
    let (code, stderr, started) = run_with(yaml);
    assert_eq!(code, 2, "{name}: {stderr}");
    assert!(!started, "{name}: the child must not start");
    stderr
}

#[test]
fn invalid_files_are_rejected_with_their_position() {
    let cases = [
        ("bad_yaml", "idle_timeout: [1s\n"),
        ("unknown_key", "idle_timeout: 5s\nnudge_max_retrys: 3\n"),
        (
            "unknown_rule_key",
            "prompt_rules:\n  - description: a\n    match_regx: 'x'\n    send: y\n",
        ),
        ("wrong_type", "nudge_max_retries: many\n"),
        (
            "bad_regex",
            "prompt_rules:\n  - description: a\n    match_regex: 'yes ('\n    send: y\n",
        ),
        ("bad_duration", "min_send_interval: 5 parsecs\n"),
        (
            "empty_send",
            "prompt_rules:\n  - description: a\n    match_regex: 'x'\n    send: ''\n",
        ),
        (
            "unknown_key_name",
            "prompt_rules:\n  - description: a\n    match_regex: 'x'\n    send: '<Entr>'\n",
        ),
        (
            "duplicate_rule",
            "prompt_rules:\n  - description: a\n    match_regex: 'x'\n    send: y\n  - description: a\n    match_regex: 'z'\n    send: n\n",
        ),
        (
            "missing_field",
            "prompt_rules:\n  - description: a\n    send: y\n",
        ),
        ("bad_toggle_key", "toggle_key: 'q'\n"),
        ("toggle_key_is_enter", "toggle_key: '<C-m>'\n"),
        ("toggle_key_is_escape", "toggle_key: '<C-[>'\n"),
        ("zero_context_lines", "context_lines: 0\n"),
        ("zero_idle_timeout", "idle_timeout: 0s\n"),
        (
            "guard_place_not_absolute",
            "guard:\n  allow_paths:\n    - \"{project}\"\n    - build/out\n",
        ),
        (
            "guard_unknown_placeholder",
            "guard:\n  allow_paths: ['{projet}/x']\n",
        ),
        ("guard_zero_ask_timeout", "guard:\n  ask_timeout: 0s\n"),
        (
            "unknown_denylist_category",
            "denylist:\n  disable: [power, nuclear]\n",
        ),
        (
            "user_rule_bad_severity",
            "denylist:\n  rules:\n    - id: mine\n      severity: fatal\n      reason: r\n      match: [{programs: [x]}]\n",
        ),
        (
            "user_rule_takes_a_builtin_id",
            "denylist:\n  rules:\n    - id: power\n      severity: high\n      reason: r\n      match: [{programs: [x]}]\n",
        ),
        (
            "user_rule_option_without_dash",
            "denylist:\n  rules:\n    - id: mine\n      severity: high\n      reason: r\n      match: [{programs: [x], options: [force]}]\n",
        ),
        (
            "user_rule_unknown_place",
            "denylist:\n  rules:\n    - id: mine\n      severity: high\n      reason: r\n      match: [{programs: [x], target_class: [outside, nowhere]}]\n",
        ),
        ("duplicate_key", "settle: 1s\nsettle: 2s\n"),
        ("negative_number", "context_lines: -1\n"),
        ("multibyte_in_a_key_name", "toggle_key: \"<aé>\"\n"),
        ("idle_below_the_floor", "idle_timeout: 1ns\n"),
        ("manual_timeout_below_the_floor", "manual_timeout: 50ms\n"),
        (
            "denylist_builtin_is_gone",
            "denylist:\n  builtin: [power]\n",
        ),
        (
            "user_rule_without_a_match",
            "denylist:\n  rules:\n    - id: mine\n      severity: high\n      reason: r\n      match: []\n",
        ),
        (
            "regex_matching_any_screen",
            "prompt_rules:\n  - description: a\n    match_regex: '(?m)^\\s*$'\n    send: y\n",
        ),
        (
            "regex_too_big_to_build",
            "prompt_rules:\n  - description: a\n    match_regex: 'y{99999999}'\n    send: y\n",
        ),
    ];
    for (name, yaml) in cases {
        insta::assert_snapshot!(name, rejected(name, yaml));
    }
}

/// A 200 KB value is neither echoed whole in the message nor in the excerpt under it.
#[test]
fn a_huge_value_is_cut_in_the_error() {
    let value = "x".repeat(200 * 1024);
    let stderr = rejected("huge", &format!("settle: {value}\n"));
    assert!(stderr.len() < 1000, "{} bytes of error", stderr.len());
    assert!(
        stderr.starts_with("error: rules.yaml:1:9: invalid duration `xxx"),
        "{stderr}"
    );
    assert!(stderr.contains("x…`"), "{stderr}");
}

/// Not a regular file, or larger than a config can be: refused before anything starts, and at
/// once — a FIFO nobody writes to would otherwise block the open forever.
#[test]
fn only_regular_files_of_sensible_size_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    support::mkfifo(&fifo);
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 * 1024 * 1024))).unwrap();
    for (path, why) in [
        (fifo.to_str().unwrap(), "a FIFO, not a regular file"),
        ("/dev/zero", "a device, not a regular file"),
        (
            dir.path().to_str().unwrap(),
            "a directory, not a regular file",
        ),
        (big.to_str().unwrap(), "larger than 1 MiB"),
    ] {
        let out = run_piped(["--config", path, "--", "true"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {path}: cannot read: {why}")),
            "{path}: {stderr}"
        );
    }
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let out = run_piped(["--config", "/nonexistent/rules.yaml", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: /nonexistent/rules.yaml: cannot read:"),
        "{stderr}"
    );
}

#[test]
fn show_defaults_round_trips_through_config() {
    let out = run_piped(["--show-defaults"]);
    assert_eq!(out.status.code(), Some(0));
    let yaml = String::from_utf8(out.stdout).unwrap();
    // On its own, with no defaults under it: printing nothing, or half of it, cannot pass.
    let printed = autoapprove::config::from_yaml_alone(&yaml, "printed.yaml").unwrap();
    let builtin = autoapprove::config::defaults();
    let describe = |c: &autoapprove::config::Config| {
        let mut c = c.clone();
        c.source = String::new();
        format!("{c:?}")
    };
    assert_eq!(describe(&printed), describe(&builtin));
    // And the binary accepts it as a config file.
    let (code, stderr, started) = run_with(&yaml);
    assert_eq!((code, started), (0, true), "{stderr}");
    assert!(stderr.contains("config=\"rules.yaml\""), "{stderr}");
}

#[test]
fn a_bad_idle_flag_is_a_usage_error() {
    let out = run_piped(["--idle", "soon", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("invalid value 'soon' for '--idle <DURATION>': not a duration")
    );
}

#[test]
fn an_unknown_profile_is_a_usage_error() {
    let out = run_piped(["--profile", "codex", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: --profile: unknown profile `codex`: expected none or one of claude-code"
    );
}

#[test]
fn the_started_event_names_the_profile() {
    let out = run_piped(["--profile", "claude-code", "--", "true"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains(r#"profile="claude-code""#));
}

/// The user's own config (`$XDG_CONFIG_HOME/autoapprove/config.yaml`, else
/// `~/.config/autoapprove/config.yaml`) is read over the built-ins; `--config` replaces it,
/// `--no-user-config` skips it, the STARTED event names the file read, and a broken one stops
/// everything with its `FILE:LINE:COL`.
#[test]
fn the_users_own_config_is_read_unless_replaced_or_skipped() {
    let scratch = support::Scratch::new();
    let dir = scratch.path("config/autoapprove");
    std::fs::create_dir_all(&dir).unwrap();
    let user = dir.join("config.yaml");
    std::fs::write(
        &user,
        "denylist:\n  patterns:\n    - {name: frobnicate, regex: '^frobnicate\\b'}\n",
    )
    .unwrap();
    std::fs::write(scratch.path("other.yaml"), "idle_timeout: 20s\n").unwrap();
    let explain = |flags: &[&str]| {
        let mut args = flags.to_vec();
        args.extend(["explain", "frobnicate --all"]);
        let out = scratch.command(&args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, stdout) = explain(&[]);
    assert_eq!(code, 1, "the user's pattern blocks it: {stdout}");
    assert_eq!(explain(&["--no-user-config"]).0, 0);
    assert_eq!(explain(&["--config", "other.yaml"]).0, 0);

    // Without XDG_CONFIG_HOME: ~/.config/autoapprove/config.yaml.
    let home_dir = scratch.path("home/.config/autoapprove");
    std::fs::create_dir_all(&home_dir).unwrap();
    std::fs::copy(&user, home_dir.join("config.yaml")).unwrap();
    let out = scratch
        .command(&["explain", "frobnicate"])
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    let started = scratch.command(&["--", "true"]).output().unwrap();
    let log = String::from_utf8_lossy(&started.stderr);
    let expected = format!(" STARTED: command=\"true\" config=\"{}\"", user.display());
    assert!(log.contains(&expected), "{log}");

    std::fs::write(&user, "idle_timeout: [oops\n").unwrap();
    let broken = scratch
        .command(&["--", "sh", "-c", "touch started"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(broken.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: {}:1:", user.display())),
        "{stderr}"
    );
    assert!(!scratch.path("started").exists());
    assert_eq!(
        scratch
            .command(&["--no-user-config", "--", "true"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
}
