//! When stdin or stdout is not a terminal (pipes, /dev/null, CI): input still flows, the end of
//! piped input reaches the child as end-of-file (unless `keep_input_open`), /dev/null is no input
//! rather than an end, SIGINT is forwarded, and the full event log goes to stderr.

mod support;

use std::io::Write as _;
use std::process::{Command, Stdio};

use support::{Term, bin, run_piped};

#[test]
fn stdin_from_dev_null_and_stdout_to_a_pipe() {
    let out = run_piped(["--", "sh", "-c", "echo hello; stty size; exit 4"]);
    assert_eq!(out.status.code(), Some(4));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("hello\r\n"), "{stdout}");
    // Not a terminal: the child gets 80×24.
    assert!(stdout.contains("24 80"), "{stdout}");
    // stderr is not a terminal either: the full log is there.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(" STARTED: command=\"sh -c 'echo hello; stty size; exit 4'\""),
        "{stderr}"
    );
    assert!(stderr.contains("CHILD_EXITED: code=4"), "{stderr}");
}

/// `printf 'one\n' | autoapprove -- PROGRAM`: the data, then the end of input as the terminal's
/// end-of-file (as `script` gives it) — a line not ended by Enter is passed on first.
#[test]
fn the_end_of_piped_input_reaches_the_child_as_end_of_file() {
    let two_reads = r#"read a; printf 'a=[%s] then ' "$a"; if read b; then echo "b=[$b]"; else echo "end of input"; fi"#;
    for (input, script, expected) in [
        (&b"one\n"[..], two_reads, "a=[one] then end of input"),
        (
            b"partial",
            r#"cat; echo " then end of input""#,
            "partial then end of input",
        ),
    ] {
        let mut child = Command::new("timeout")
            .args(["60", bin(), "-q", "--", "sh", "-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{input:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(expected),
            "{input:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// With `keep_input_open: true` the end of piped input does not reach the child: it keeps
/// waiting (for autoapprove's answers) until SIGINT, forwarded, ends it.
#[test]
fn keep_input_open_leaves_the_childs_input_open() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rules.yaml");
    std::fs::write(&config, "keep_input_open: true\n").unwrap();
    let mut child = Command::new(bin())
        .args([
            "--config",
            config.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            r#"read a; echo "a=[$a]"; read b; echo "b=[$b]""#,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // One line, then EOF. Had the EOF been passed on, the second read would end and the child
    // exit 0 with `b=[]`; instead it must still be waiting when SIGINT ends it (130).
    child.stdin.take().unwrap().write_all(b"one\n").unwrap();
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("a=[one]") {
        let n = std::io::Read::read(&mut stdout, &mut buf).unwrap();
        assert!(
            n > 0,
            "stdout closed early: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    // SIGINT to autoapprove (stdin is not a terminal, so it arrives as a signal) is forwarded.
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("b=["));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SIGNAL_FORWARDED: signal=\"SIGINT\""),
        "{stderr}"
    );
    assert!(stderr.contains("to=\"MANUAL_MODE\""), "{stderr}");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let out = run_piped(["--log-format", "json", "--", "sh", "-c", "exit 0"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(events.first().unwrap()["event"], "STARTED");
    assert_eq!(events.last().unwrap()["event"], "CHILD_EXITED");
    assert_eq!(events.last().unwrap()["code"], 0);
}

#[test]
fn on_a_terminal_stderr_gets_no_log_lines() {
    let t = Term::autoapprove(&["--", "sh", "-c", "echo only-this"]);
    assert_eq!(t.wait(), 0);
    t.expect("only-this");
    assert!(!t.output().contains("[AUTOAPPROVE]"), "{}", t.output());
}

#[test]
fn when_the_reader_of_stdout_goes_away_the_child_is_hung_up() {
    let mut child = Command::new(bin())
        .args(["--", "yes"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 2];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert_eq!(&first, b"y\r");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(128 + 1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SIGNAL_FORWARDED: signal=\"SIGHUP\""),
        "{stderr}"
    );
}

#[test]
fn a_script_whose_interpreter_is_missing_is_not_executable() {
    let dir = tempfile::tempdir().unwrap();
    let script = support::script(dir.path(), "orphan.sh", "#!/no/such/interpreter\necho hi\n");
    let out = run_piped(["--".as_ref(), script.as_os_str()]);
    assert_eq!(out.status.code(), Some(126));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interpreter missing"), "{stderr}");
}

/// Text a child prints that some readers take for a line break (U+2028, U+2029, NEL) or a
/// control (DEL, C1) is escaped in both log formats: no reader can be shown a forged line.
#[test]
fn log_lines_hold_no_raw_line_separators_or_controls() {
    let script = "printf 'x\\342\\200\\250[AUTOAPPROVE] forged CHILD_EXITED: code=0\\342\\200\\251\\302\\205\\177\\302\\233 Continue? [y/n] '; read a; echo \"got $a\"";
    for format in ["text", "json"] {
        let out = run_piped(["--log-format", format, "--", "sh", "-c", script]);
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("got y"));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("forged"),
            "{format}: the prompt was logged: {stderr}"
        );
        for c in ['\u{2028}', '\u{2029}', '\u{85}', '\u{7f}', '\u{9b}'] {
            assert!(
                !stderr.contains(c),
                "{format}: raw U+{:04X} in {stderr:?}",
                u32::from(c)
            );
        }
        for line in stderr.lines() {
            if format == "json" {
                let event: serde_json::Value = serde_json::from_str(line).unwrap();
                assert!(event["event"].is_string(), "{line}");
            } else {
                assert!(line.starts_with("[AUTOAPPROVE] "), "{line}");
            }
        }
    }
}
