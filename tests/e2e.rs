//! End-to-end: the real binary on a real PTY, against shell scripts, a fake TUI and real programs.
//! Assertions are on what the child received, what the terminal showed, events and exit codes.

mod support;

use support::{Options, Term, fast_config};

#[test]
fn a_yes_no_prompt_is_answered_with_y() {
    let t = Term::with_config(
        &fast_config(""),
        &[
            "bash",
            "-c",
            r#"read -p "Continue? [y/n] " x; echo "got:[$x]""#,
        ],
    );
    t.expect("got:[y]");
    assert_eq!(t.wait(), 0);
    let log = t.log();
    assert!(
        log.contains(r#"PROMPT_DETECTED: rule="Yes/No prompt" source="screen" text="[y/n]""#),
        "{log}"
    );
    assert!(
        log.contains(r#"SEND_INPUT: reason="Yes/No prompt" input="y\r""#),
        "{log}"
    );
    assert!(log.contains("CHILD_EXITED: code=0"), "{log}");
}

#[test]
fn a_prompt_split_across_writes_with_a_pause_is_answered() {
    let t = Term::with_config(
        &fast_config(""),
        &[
            "bash",
            "-c",
            r#"printf 'Conti'; sleep 0.4; printf 'nue? [y'; sleep 0.3; printf '/n] '; read x; echo "got:[$x]""#,
        ],
    );
    t.expect("got:[y]");
    assert_eq!(t.wait(), 0);
    assert_eq!(t.log().matches("SEND_INPUT").count(), 1, "{}", t.log());
}

#[test]
fn a_prompt_below_a_dangerous_command_is_left_to_the_user() {
    let mut t = Term::with_config(
        &fast_config(""),
        &[
            "bash",
            "-c",
            r#"echo 'About to run: rm -rf /'; read -p "Continue? [y/n] " x; echo "got:[$x]""#,
        ],
    );
    t.expect("DANGEROUS COMMAND");
    let log = t.log();
    assert!(
        log.contains(r#"DANGEROUS_COMMAND: category="recursive-delete""#),
        "{log}"
    );
    assert!(log.contains(r#"to="MANUAL_MODE""#), "{log}");
    assert!(!log.contains("SEND_INPUT"), "{log}");
    // The human answers; the child gets exactly that.
    t.send(b"n\r");
    t.expect("got:[n]");
    assert_eq!(t.wait(), 0);
    assert!(t.output().contains('\x07'), "the bell rings");
}

#[test]
fn an_idle_child_gets_the_nudge_sequence() {
    let config = "
settle: 50ms
idle_timeout: 300ms
min_send_interval: 0s
key_gap: 0s
nudge_max_retries: 1
nudge_full_screen: true
nudge_sequence:
  - send: '<Enter>'
  - send: 'y<Enter>'
    after: 100ms
  - send: 'continue<Enter>'
    after: 100ms
prompt_rules: []
";
    // No echo, so the nudges' echo does not end the round; and not canonical, since a line read
    // with echo off is hidden input (a password), which is never nudged. Reading keys one at a
    // time is a full-screen program's way: `nudge_full_screen` opts in.
    let t = Term::with_config(
        config,
        &[
            "bash",
            "-c",
            r#"stty -echo -icanon; echo ready; read a; read b; read c; echo "got:[$a][$b][$c]""#,
        ],
    );
    t.expect("got:[][y][continue]");
    assert_eq!(t.wait(), 0);
    let log = t.log();
    assert!(log.contains("IDLE_DETECTED"), "{log}");
    assert!(log.contains("IDLE_NUDGE: attempt=1 max=1"), "{log}");
    assert!(
        log.contains(r#"reason="idle_nudge_1.3" input="continue\r""#),
        "{log}"
    );
}

#[test]
fn a_child_that_stays_idle_ends_in_manual_mode_and_the_hotkey_resumes() {
    let config = "
settle: 50ms
idle_timeout: 200ms
min_send_interval: 0s
key_gap: 0s
nudge_max_retries: 1
nudge_full_screen: true
nudge_sequence:
  - send: 'x<Enter>'
prompt_rules:
  - description: go
    match_regex: 'GO\\?$'
    send: 'yes<Enter>'
";
    let mut t = Term::with_config(
        config,
        &[
            "bash",
            "-c",
            r#"stty -echo -icanon; echo ready; read a; echo "nudged:[$a]"; read b; printf 'GO?'; read c; echo "c=[$c]""#,
        ],
    );
    t.expect("nudged:[x]");
    // Round 1 was used up; the next silence hands control over.
    t.expect("MANUAL_MODE");
    let log = t.expect_log("still idle after 1 nudge rounds");
    assert_eq!(log.matches("SEND_INPUT").count(), 1, "{log}");
    // The human types a line; then hands control back with Ctrl-] (which the child never sees).
    t.send(b"mine\r\x1d");
    t.expect("GO?");
    t.expect("c=[yes]");
    assert_eq!(t.wait(), 0);
    let log = t.log();
    assert!(log.contains("hotkey: automation resumed"), "{log}");
}

/// A child that says `got-int` and exits 9 on SIGINT, after the keys `keys` are typed; the log.
fn interrupted_by(keys: &[u8]) -> String {
    let mut t = Term::with_config(
        &fast_config(""),
        &[
            "bash",
            "-c",
            r"trap 'echo got-int; exit 9' INT; echo ready; while :; do sleep 0.05; done",
        ],
    );
    t.expect("ready");
    t.send(keys);
    t.expect("got-int");
    assert_eq!(t.wait(), 9);
    t.log()
}

#[test]
fn ctrl_c_reaches_the_child_and_hands_control_to_the_user() {
    let log = interrupted_by(b"\x03");
    assert!(log.contains(r#"why="Ctrl-C from the user""#), "{log}");
}

/// The hotkey and Ctrl-C typed together (one read): Ctrl-C has the last word, control stays
/// with the user rather than the hotkey resuming the automation after it.
#[test]
fn ctrl_c_after_the_hotkey_in_one_read_leaves_control_with_the_user() {
    let log = interrupted_by(b"\x1d\x03");
    assert!(log.contains(r#"to="MANUAL_MODE""#), "{log}");
    assert!(!log.contains("automation resumed"), "{log}");
}

#[test]
fn the_toggle_key_is_not_passed_to_the_child() {
    let mut t = Term::with_config(
        &fast_config(""),
        &[
            "bash",
            "-c",
            r#"echo ready; read line; echo "line=[$line]" | cat -v"#,
        ],
    );
    t.expect("ready");
    t.send(b"a\x1db\x1d\r");
    t.expect("line=[ab]");
    assert_eq!(t.wait(), 0);
    let log = t.log();
    assert!(log.contains("hotkey: the user took control"), "{log}");
    assert!(log.contains("hotkey: automation resumed"), "{log}");
}

#[test]
fn exit_codes_pass_through() {
    for (script, code) in [("exit 0", 0), ("exit 7", 7), ("kill -9 $$", 128 + 9)] {
        let t = Term::with_config(&fast_config(""), &["sh", "-c", script]);
        assert_eq!(t.wait(), code, "{script}");
        let expected = if code > 128 {
            "CHILD_EXITED: code=137 signal=9".to_owned()
        } else {
            format!("CHILD_EXITED: code={code}")
        };
        assert!(t.log().contains(&expected), "{}", t.log());
    }
}

#[test]
fn missing_and_unrunnable_commands_have_their_own_codes() {
    let t = Term::autoapprove(&["--", "surely-no-such-command-here"]);
    assert_eq!(t.wait(), 127);
    t.expect("error: surely-no-such-command-here: command not found");
    let t = Term::autoapprove(&["--", ""]);
    assert_eq!(t.wait(), 127);
    t.expect("error: '': command not found");
    let t = Term::autoapprove(&["--", "/etc/passwd"]);
    assert_eq!(t.wait(), 126);
    t.expect("not executable");
    let t = Term::autoapprove(&["--bogus-flag", "--", "true"]);
    assert_eq!(t.wait(), 2);
    let t = Term::autoapprove(&[]);
    assert_eq!(t.wait(), 2);
}

#[test]
fn the_terminal_settings_are_restored_after_the_run() {
    for child in ["exit 3", "kill -9 $$"] {
        let script = format!(
            r#"stty -g > before; "$AA" -- sh -c '{child}'; echo "rc=$?"; stty -g > after; echo finished"#
        );
        let t = Term::shell(&script);
        t.expect("finished");
        assert_eq!(t.wait(), 0);
        let before = std::fs::read_to_string(t.path("before")).unwrap();
        let after = std::fs::read_to_string(t.path("after")).unwrap();
        assert_eq!(before, after, "{child}");
        let rc = if child == "exit 3" { "rc=3" } else { "rc=137" };
        assert!(t.output().contains(rc), "{}", t.output());
    }
}

#[test]
fn sigterm_is_forwarded_and_the_terminal_restored() {
    for (signal, name) in [
        (rustix::process::Signal::TERM, "SIGTERM"),
        (rustix::process::Signal::HUP, "SIGHUP"),
    ] {
        let t = Term::with_config(
            &fast_config(""),
            &[
                "bash",
                "-c",
                r"trap 'echo got-sig; exit 5' TERM HUP; echo ready; while :; do sleep 0.05; done",
            ],
        );
        let before = t.initial_termios().to_owned();
        t.expect("ready");
        // Raw mode is on while it runs…
        assert_ne!(t.termios(), before);
        t.signal(signal);
        assert_eq!(t.wait(), 5, "{name}");
        // …and off after.
        assert_eq!(t.termios(), before, "{name}");
        assert!(
            t.log()
                .contains(&format!(r#"SIGNAL_FORWARDED: signal="{name}""#)),
            "{}",
            t.log()
        );
    }
}

#[test]
fn window_size_changes_reach_the_child() {
    let mut t = Term::with_config(
        &fast_config(""),
        &[
            "bash",
            "-c",
            // Ended by Ctrl-C through a trap: bash without one goes on when the SIGINT lands
            // just as a `sleep` has exited by itself (seen once on a loaded machine).
            r#"trap 'exit 130' INT; trap 'echo "size:$(stty size)"' WINCH; echo "start:$(stty size)"; while :; do sleep 0.05; done"#,
        ],
    );
    t.expect("start:24 80");
    t.resize(100, 30);
    t.expect("size:30 100");
    t.send(b"\x03");
    assert_eq!(t.wait(), 130);
}

/// A terminal may report any size up to 65535×65535: the child gets it, the screen model keeps
/// at most 1024×512, so memory stays small, and prompts are still answered.
#[test]
fn a_huge_window_costs_no_memory_and_prompts_still_work() {
    let mut t = Term::with_flags_in(
        tempfile::tempdir().unwrap(),
        &fast_config(""),
        &["-v"],
        &[
            "bash",
            "-c",
            r#"echo ready; read x; echo "size:$(stty size)"; printf 'Continue? [y/n] '; read a; echo "got:$a"; read end"#,
        ],
        &Options::default(),
    );
    t.expect("ready");
    t.resize(u16::MAX, u16::MAX);
    // The child's terminal has the new size once autoapprove says so.
    t.expect_log("RESIZED: cols=65535 rows=65535");
    t.send(b"go\r");
    t.expect("size:65535 65535");
    t.expect("got:y");
    // Read while the program still waits: an exited autoapprove has no memory to read.
    let peak = t.peak_memory_kib();
    assert!(peak < 64 * 1024, "peak resident memory {peak} KiB");
    t.send(b"\r");
    assert_eq!(t.wait(), 0);
}

#[test]
fn a_cursor_painted_tui_prompt_is_recognised() {
    let tui = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fake_tui.py");
    let config = fast_config(
        "prompt_rules:\n  - description: tui permission\n    match_regex: 'Do you want to proceed\\?'\n    send: '1'\n",
    );
    let t = Term::with_config(&config, &["python3", tui, "touch ./marker"]);
    t.expect("tui-got:b'1'");
    assert_eq!(t.wait(), 0);
    let log = t.log();
    assert!(log.contains(r#"text="Do you want to proceed?""#), "{log}");
}

#[test]
fn a_cursor_painted_dangerous_tui_prompt_is_refused() {
    let tui = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fake_tui.py");
    let config = fast_config(
        "prompt_rules:\n  - description: tui permission\n    match_regex: 'Do you want to proceed\\?'\n    send: '1'\n",
    );
    let mut t = Term::with_config(&config, &["python3", tui, "rm -rf ~"]);
    t.expect_log("DANGEROUS_COMMAND");
    t.send(b"4");
    t.expect("tui-got:b'4'");
    assert_eq!(t.wait(), 0);
}

#[test]
fn output_reaches_the_terminal_byte_for_byte_as_script_shows_it() {
    // Colours, cursor moves, an OSC title, invalid UTF-8 and every byte value.
    let payload = r#"printf '\033[31mred\033[0m \033[2;5Hmoved \033]0;title\007 \377\376 done\n'; i=0; while [ $i -lt 256 ]; do printf "\\$(printf %o $i)"; i=$((i+1)); done; printf '\nend\n'"#;
    let ours = std::process::Command::new(support::bin())
        .args(["--", "sh", "-c", payload])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let reference = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("sh -c '{}'", payload.replace('\'', r"'\''")),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(0));
    assert!(
        reference.stdout.ends_with(b"end\r\n"),
        "script must have run"
    );
    assert_eq!(ours.stdout, reference.stdout);
}

#[test]
fn terminal_queries_pass_through_and_their_answers_flow_back() {
    let mut t = Term::with_config(
        &fast_config(""),
        &[
            "bash",
            "-c",
            r#"stty -echo -icanon; printf '\033[c'; IFS= read -r -d c reply; echo "reply=[${reply#?}c]""#,
        ],
    );
    // The query reaches the terminal; the terminal (this test) answers as a VT220 would.
    t.expect("\x1b[c");
    t.send(b"\x1b[?62;22c");
    t.expect("reply=[[?62;22c]");
    assert_eq!(t.wait(), 0);
}

#[test]
fn a_child_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let t = Term::with_config(
        &fast_config(""),
        &[
            "bash",
            "-c",
            "trap '' TERM; echo ready; while :; do sleep 0.05; done",
        ],
    );
    t.expect("ready");
    t.signal(rustix::process::Signal::TERM);
    assert_eq!(t.wait(), 128 + 9);
    let log = t.log();
    assert!(
        log.contains(r#"SIGNAL_FORWARDED: signal="SIGTERM""#),
        "{log}"
    );
    assert!(
        log.contains(r#"SIGNAL_FORWARDED: signal="SIGKILL""#),
        "{log}"
    );
}

#[test]
fn nothing_queued_is_typed_after_the_user_takes_control() {
    // A long answer typed slowly; the child reports each key, and once it has the user's `Z` it
    // watches its input for a second (its own timer: six more keys would come in that time) and
    // says how many of the answer's keys came after `Z`.
    let dir = tempfile::tempdir().unwrap();
    let child = support::script(
        dir.path(),
        "slow-reader.py",
        r#"#!/usr/bin/env python3
import os, select, sys, tty
tty.setraw(0)
os.write(1, b"Continue? [y/n] ")
after_z = None
while True:
    ready, _, _ = select.select([0], [], [], 1.0 if after_z is not None else None)
    if not ready:
        os.write(1, b"quiet: %d after Z\r\n" % after_z)
        break
    key = os.read(0, 1)
    os.write(1, b"got:" + key + b"\r\n")
    if key == b"Z":
        after_z = 0
    elif after_z is not None:
        after_z += 1
"#,
    );
    let config = "settle: 50ms\nmin_send_interval: 0s\nkey_gap: 150ms\nidle_timeout: 10m\nnudge_sequence: []\nprompt_rules:\n  - description: slow answer\n    match_regex: 'Continue\\? \\[y/n\\]'\n    send: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'\n";
    let mut t = Term::with_config_in(dir, config, &[child.to_str().unwrap()], &Options::default());
    t.expect("got:a");
    t.send(&[0x1d]); // the hotkey: MANUAL_MODE
    t.send(b"Z");
    t.expect("quiet: ");
    assert!(t.output().contains("quiet: 0 after Z"), "{}", t.output());
    assert!(
        t.output().matches("got:a").count() < 30,
        "the answer was not typed in full"
    );
    assert_eq!(t.wait(), 0);
}

/// Job control as `sudo` does it: when the program stops, autoapprove gives the terminal back and
/// stops too, so the shell says "Stopped" and has its prompt; `fg` continues both, and the exit
/// code still comes through. Judged in an interactive bash in tmux.
#[test]
fn a_stopped_program_stops_autoapprove_and_fg_continues_both() {
    use support::tmux::Tmux;
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = Tmux::start("bash --norc --noprofile -i", &[], dir.path(), 100, 30) else {
        return;
    };
    tmux.send(b"PS1='$ '\r");
    let line = format!(
        "{} -- sh -c 'echo ready; kill -STOP $$; printf \"con%s\\n\" tinued; exit 4'\r",
        support::bin()
    );
    tmux.send(line.as_bytes());
    tmux.wait_for("the program's first line", |t| {
        t.lines().any(|l| l == "ready")
    });
    tmux.wait_for("the shell to report the stop", |t| t.contains("Stopped"));
    // The shell has the terminal back: it runs a command of its own.
    tmux.send(b"echo shell-is-back\r");
    tmux.wait_for("the shell's own command", |t| {
        t.lines().any(|l| l == "shell-is-back")
    });
    tmux.send(b"fg; echo \"fg-rc=$?\"\r");
    tmux.wait_for("the program to go on", |t| {
        t.lines().any(|l| l == "continued")
    });
    tmux.expect("fg-rc=4");
}

/// stdout a pipe that nobody reads, stderr the terminal: the relay is stuck in a write when the
/// program ends, and autoapprove still exits, with the program's status.
#[test]
fn exit_completes_while_stdout_is_blocked() {
    use support::tmux::Tmux;
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = Tmux::start("bash --norc --noprofile -i", &[], dir.path(), 100, 30) else {
        return;
    };
    tmux.send(b"PS1='$ '\r");
    // `sleep` keeps the pipe open and never reads it.
    let line = format!(
        "( {} -- sh -c 'echo $$ > child.pid; exec head -c 4000000 /dev/zero'; echo \"rc=$?\" > done ) | sleep 600\r",
        support::bin()
    );
    tmux.send(line.as_bytes());
    let pid_file = dir.path().join("child.pid");
    let pid = || {
        std::fs::read_to_string(&pid_file)
            .ok()
            .filter(|s| s.ends_with('\n'))
    };
    support::wait_until("the program's pid", || pid().is_some(), || tmux.text());
    let pid = pid().unwrap().trim().to_owned();
    // The program has written more than the pipe holds (16 pages): the relay is, or will be,
    // blocked writing to it, and the program blocked behind it.
    let written = || {
        std::fs::read_to_string(format!("/proc/{pid}/io"))
            .ok()
            .and_then(|io| {
                io.lines()
                    .find_map(|l| l.strip_prefix("wchar: ")?.parse::<u64>().ok())
            })
            .unwrap_or(0)
    };
    support::wait_until(
        "the program to fill the pipe",
        || written() > 65_536,
        || format!("wrote {}", written()),
    );
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let done = dir.path().join("done");
    support::wait_until(
        "autoapprove to exit",
        || std::fs::read_to_string(&done).is_ok_and(|s| s.ends_with('\n')),
        || tmux.text(),
    );
    assert_eq!(std::fs::read_to_string(&done).unwrap(), "rc=137\n");
}
