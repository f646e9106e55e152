//! The prompt layer on programs it was not written for: nothing is typed where it does harm.
//! The real binary on a real PTY; assertions are on what the child received, what the terminal
//! showed, the event log and exit codes.

mod support;

use support::{Term, bin};

#[test]
fn an_autoapprove_inside_autoapprove_refuses_unless_asked() {
    let inner = [bin(), "--", "sh", "-c", "echo inner-ran"];
    let t = Term::autoapprove(&[&["-q", "--"][..], &inner].concat());
    assert_eq!(t.wait(), 2);
    t.expect("error: already running inside autoapprove (pid ");
    t.expect("pass --nested to run it anyway");
    assert!(!t.output().contains("inner-ran"), "{}", t.output());

    let nested = [bin(), "--nested", "-q", "--", "sh", "-c", "echo inner-ran"];
    let t = Term::autoapprove(&[&["-q", "--"][..], &nested].concat());
    assert_eq!(t.wait(), 0);
    t.expect("inner-ran");
}

/// Fast timings, the built-in nudge sequence, and nudges 300 ms into a quiet spell.
const NUDGING: &str =
    "settle: 50ms\nsettle_max: 500ms\nmin_send_interval: 0s\nkey_gap: 0s\nidle_timeout: 300ms\n";

/// The log line of a nudge that was due and not typed, for `why`.
fn nudge_withheld(why: &str) -> String {
    format!(r#"INPUT_WITHHELD: why="{why}" rule="idle nudge""#)
}

const HIDDEN: &str = "the program reads hidden input (a password or passphrase)";
const USER_LINE: &str = "you have typed a line that is not submitted";
const FULL_SCREEN: &str = "a full-screen program is running (nudge_full_screen is off)";

#[test]
fn nothing_is_typed_into_read_s() {
    let mut t = Term::with_config(
        NUDGING,
        &[
            "bash",
            "-c",
            r#"read -r -s -p "Secret: " x; echo; echo "got:[$x]""#,
        ],
    );
    t.expect("Secret: ");
    t.expect_log(&nudge_withheld(HIDDEN));
    // The nudge was due and nothing was typed: what the program reads is what we type now.
    t.send(b"hunter2\r");
    t.expect("got:[hunter2]");
    assert_eq!(t.wait(), 0);
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

#[test]
fn ssh_keygen_gets_no_empty_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_test");
    let key_arg = key.to_str().unwrap();
    let mut t = Term::with_config_in(
        dir,
        NUDGING,
        &[
            "ssh-keygen",
            "-q",
            "-t",
            "ed25519",
            "-C",
            "test",
            "-f",
            key_arg,
        ],
        &support::Options::default(),
    );
    t.expect("Enter passphrase");
    t.expect_log(&nudge_withheld(HIDDEN));
    assert!(
        !key.exists(),
        "a key was written with nothing typed by the user"
    );
    t.send(b"correct horse\r");
    t.expect("Enter same passphrase again");
    t.send(b"correct horse\r");
    assert_eq!(t.wait(), 0);
    // The key has the passphrase we typed, not an empty one.
    let empty = std::process::Command::new("ssh-keygen")
        .args(["-y", "-P", "", "-f", key_arg])
        .output()
        .unwrap();
    assert!(
        !empty.status.success(),
        "the key opens with an empty passphrase"
    );
    let ours = std::process::Command::new("ssh-keygen")
        .args(["-y", "-P", "correct horse", "-f", key_arg])
        .output()
        .unwrap();
    assert!(ours.status.success(), "{ours:?}");
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

/// Whether the tests run as root, which the password tests need: as root, `su`, `sudo` and
/// `passwd` ask nothing, so the tests become a user who is asked. Under `CI=true` not being root
/// fails; elsewhere the test is skipped, saying so.
fn running_as_root() -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none_or(|v| v != "true"),
        "the password tests need root (to become a user who is asked one), and CI=true"
    );
    eprintln!("SKIPPED: not root");
    false
}

/// Password prompts of `su` and `passwd`, as a user who is asked one (as root they ask nothing;
/// the tests run as root in CI), and `openssl passwd`. (`sudo` is not among them: run by a user
/// through `su`, it finds no terminal to ask on.)
#[test]
fn password_prompts_get_nothing_typed() {
    if !running_as_root() {
        return;
    }
    let as_nobody = |command: &str| {
        ["su", "nobody", "-s", "/bin/sh", "-c", command]
            .map(str::to_owned)
            .to_vec()
    };
    for (argv, asks) in [
        (as_nobody("su -c 'echo became-root' root"), "Password:"),
        (as_nobody("passwd"), "Current password:"),
        (
            ["openssl", "passwd", "-6"].map(str::to_owned).to_vec(),
            "Password:",
        ),
    ] {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let mut t = Term::with_config(NUDGING, &argv);
        t.expect(asks);
        t.expect_log(&nudge_withheld(HIDDEN));
        // Ctrl-C: the program ends without an attempt counted against the account.
        t.send(b"\x03");
        t.wait();
        let out = t.output();
        assert!(!out.contains("Authentication failure"), "{argv:?}: {out}");
        assert!(!out.contains("became-root"), "{argv:?}: {out}");
        assert!(!t.log().contains("SEND_INPUT"), "{argv:?}: {}", t.log());
    }
}

#[test]
fn a_half_typed_shell_line_is_not_submitted() {
    let options = support::Options {
        env: vec![("PS1".into(), "ready$ ".into())],
        ..support::Options::default()
    };
    let mut t = Term::with_config_in(
        tempfile::tempdir().unwrap(),
        NUDGING,
        &["bash", "--norc", "--noprofile", "-i"],
        &options,
    );
    t.expect("ready$ ");
    t.send(b"echo ran-$((6*7))");
    t.expect("echo ran-$((6*7))");
    t.expect_log(&nudge_withheld(USER_LINE));
    assert!(
        !t.output().contains("ran-42"),
        "the line was submitted:\n{}",
        t.output()
    );
    // Enter is the user's: the line runs, and the shell is theirs again.
    t.send(b"\r");
    t.expect("ran-42");
    t.send(b"exit 5\r");
    assert_eq!(t.wait(), 5);
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

#[test]
fn a_full_screen_editor_gets_no_nudge_and_its_file_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "first line\n").unwrap();
    let mut t = Term::with_config_in(
        dir,
        NUDGING,
        &["vim", "-u", "NONE", "-N", "-n", file.to_str().unwrap()],
        &support::Options::default(),
    );
    t.expect_screen("first line");
    t.expect_log(&nudge_withheld(FULL_SCREEN));
    // Insert mode, text typed: the user's line keeps every nudge away too.
    t.send(b"Go");
    t.send(b"second");
    t.expect_screen("second");
    t.expect_log(&nudge_withheld(USER_LINE));
    t.send(b"\x1b:wq\r");
    assert_eq!(t.wait(), 0);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "first line\nsecond\n"
    );
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

#[test]
fn less_is_not_nudged() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.txt");
    let lines: Vec<String> = (1..200).map(|i| format!("line {i}")).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let mut t = Term::with_config_in(
        dir,
        NUDGING,
        &["less", file.to_str().unwrap()],
        &support::Options::default(),
    );
    t.expect_screen("line 1");
    t.expect_log(&nudge_withheld(FULL_SCREEN));
    t.send(b"q");
    assert_eq!(t.wait(), 0);
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

/// `sudo` asking a user for their password. `su` gives the command a terminal of its own only
/// with `--pty`, and relays it in raw mode: to autoapprove the program reads keys one at a time.
#[test]
fn sudo_as_a_user_gets_nothing_typed() {
    if !running_as_root() {
        return;
    }
    let mut t = Term::with_config(
        NUDGING,
        &[
            "su",
            "--pty",
            "nobody",
            "-s",
            "/bin/sh",
            "-c",
            "sudo -k true && echo became-root",
        ],
    );
    t.expect("[sudo] password for nobody:");
    t.expect_log(&nudge_withheld(FULL_SCREEN));
    t.send(b"\x03");
    t.wait();
    assert!(!t.output().contains("became-root"), "{}", t.output());
    assert!(!t.output().contains("incorrect password"), "{}", t.output());
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

#[test]
fn top_is_not_nudged() {
    let mut t = Term::with_config(NUDGING, &["top", "-d", "5"]);
    t.expect_screen("PID");
    t.expect_log(&nudge_withheld(FULL_SCREEN));
    t.send(b"q");
    assert_eq!(t.wait(), 0);
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

#[test]
fn a_dangerous_command_written_as_prose_is_not_answered() {
    for question in [
        r#"Allow command \"rm -rf ~\"? [y/n] "#,
        r#"{\"command\": \"rm -rf ~\"}\nProceed? [y/n] "#,
        "Run rm -rf ~, ok? [y/n] ",
        "Run r\u{200b}m -rf ~ now? [y/n] ",
        "Next: `sudo rm -rf /` [y/n] ",
    ] {
        let script = format!(r#"printf '%b' "{question}"; read a; echo "got:[$a]""#);
        let mut t = Term::with_config(&support::fast_config(""), &["bash", "-c", &script]);
        let log = t.expect_log("DANGEROUS_COMMAND");
        assert!(!log.contains("SEND_INPUT"), "{question}: {log}");
        t.send(b"n\r");
        t.expect("got:[n]");
        assert_eq!(t.wait(), 0, "{question}");
    }
}

#[test]
fn a_quiet_line_prompt_with_echo_on_is_still_nudged() {
    let t = Term::with_config(NUDGING, &["bash", "-c", r#"read -r x; echo "got:[$x]""#]);
    t.expect("got:[]");
    assert_eq!(t.wait(), 0);
    t.expect_log(r#"SEND_INPUT: reason="idle_nudge_1.1" input="\r""#);
}

#[test]
fn a_dangerous_wrapped_command_has_none_of_its_prompts_answered() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join("keep"), "precious").unwrap();
    let options = support::Options {
        env: vec![("HOME".into(), home.to_str().unwrap().into())],
        ..support::Options::default()
    };
    let mut t = Term::with_config_in(
        dir,
        &support::fast_config(""),
        &[
            "sh",
            "-c",
            r#"printf 'Clean up? (y/n) '; read a; echo "got:[$a]"; [ "$a" = y ] && rm -rf "$HOME""#,
        ],
        &options,
    );
    let log = t.expect_log(r#"DANGEROUS_COMMAND: category="recursive-delete""#);
    assert!(log.contains(r#"rule="the wrapped command""#), "{log}");
    t.expect("DANGEROUS COMMAND, not approved");
    t.expect("Clean up? (y/n) ");
    t.expect_log(r#"PROMPT_DETECTED: rule="Yes/No prompt""#);
    // The person answers; the program got exactly that.
    t.send(b"n\r");
    t.expect("got:[n]");
    t.wait();
    assert!(home.join("keep").exists());
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

#[test]
fn with_nobody_at_a_terminal_manual_mode_ends_after_manual_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rules.yaml");
    std::fs::write(&config, support::fast_config("manual_timeout: 1s\n")).unwrap();
    let log = dir.path().join("events.log");
    // It ignores SIGTERM too: SIGKILL follows.
    let script = r#"trap '' TERM; printf 'Run rm -rf / now? [y/n] '; read x; echo "got:[$x]""#;
    let out = support::run_piped([
        "--config",
        config.to_str().unwrap(),
        "--log-file",
        log.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains(r#"DANGEROUS_COMMAND: category="recursive-delete""#),
        "{log}"
    );
    assert!(
        log.contains(r#"STOPPED: why="nobody to hand over to""#),
        "{log}"
    );
    assert!(
        log.contains(r#"SIGNAL_FORWARDED: signal="SIGTERM""#),
        "{log}"
    );
    assert!(
        log.contains(r#"SIGNAL_FORWARDED: signal="SIGKILL""#),
        "{log}"
    );
    assert!(log.contains("CHILD_EXITED: code=137 signal=9"), "{log}");
    assert!(!log.contains("SEND_INPUT"), "{log}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("got:["));
}

/// Runs `sh -c SCRIPT` under the built-in rules; the script ends by asking `(y/n)` and printing
/// what it read.
fn asks(script: &str) -> Term {
    Term::with_config(&support::fast_config(""), &["sh", "-c", script])
}

#[test]
fn a_dangerous_command_anywhere_since_the_last_answer_keeps_the_prompt_from_being_answered() {
    for (case, script) in [
        (
            "six blank lines above",
            r"printf 'This will run: rm -rf ~\n\n\n\n\n\n\n'",
        ),
        (
            "scrolled off the screen",
            r"printf 'This will run: rm -rf ~\n'; seq 1 60",
        ),
        (
            "at the top, the prompt at the bottom",
            r"printf '\033[2J\033[1;1HThis will run: rm -rf ~\033[24;1H'",
        ),
        (
            "on the alternate screen before the prompt on the main one",
            r"printf '\033[?1049hThis will run: rm -rf ~\n'; printf '\033[?1049l'",
        ),
    ] {
        let script = format!(r#"{script}; printf 'Continue? (y/n) '; read a; echo "got:[$a]""#);
        let mut t = asks(&script);
        let log = t.expect_log(r#"DANGEROUS_COMMAND: category="recursive-delete""#);
        assert!(!log.contains("SEND_INPUT"), "{case}: {log}");
        t.send(b"n\r");
        t.expect("got:[n]");
        assert_eq!(t.wait(), 0, "{case}");
    }
}

#[test]
fn what_came_before_the_last_answer_does_not_count_again() {
    // The first prompt is answered; the second is judged only against what came after it.
    let t = asks(
        r#"printf 'Step one? (y/n) '; read a; printf 'Step two? (y/n) '; read b; echo "got:[$a$b]""#,
    );
    t.expect("got:[yy]");
    assert_eq!(t.wait(), 0);
}

#[test]
fn more_output_since_the_last_answer_than_is_kept_leaves_the_prompt() {
    let mut t = asks(r#"seq 100000 120000; printf 'Continue? (y/n) '; read a; echo "got:[$a]""#);
    let log = t.expect_log(
        r#"why="more was shown since the last answer than autoapprove keeps (64 KiB)""#,
    );
    assert!(!log.contains("SEND_INPUT"), "{log}");
    t.send(b"y\r");
    t.expect("got:[y]");
    assert_eq!(t.wait(), 0);
}
