//! `--record FILE.cast` and `replay`, through the binary: the recording is asciicast v2 that
//! asciinema itself plays, written as the session goes, with a marker at every decision; `replay`
//! runs a recording (ours, asciinema's, or real Claude Code output) through the current rules.

mod support;

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{NESTED_ENV, bin, run_piped as autoapprove};

const PROMPT: &str = "echo hello é; read -p 'Continue? [y/n] ' x; echo \"you said: $x\"";

/// The lines of a recording, parsed: the header and the events.
fn read_cast(path: &std::path::Path) -> (Value, Vec<Value>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

fn of_kind<'a>(events: &'a [Value], code: &str) -> Vec<&'a str> {
    events
        .iter()
        .filter(|e| e[1] == code)
        .map(|e| e[2].as_str().unwrap())
        .collect()
}

/// asciinema, which CI installs; without CI a test that needs it says so and passes.
fn asciinema() -> Option<&'static str> {
    let found = Command::new("asciinema").arg("--version").output().is_ok();
    assert!(
        found || std::env::var_os("CI").is_none(),
        "asciinema is not installed, and CI=true"
    );
    found.then_some("asciinema")
}

#[test]
fn a_recording_is_asciicast_v2_with_a_marker_at_every_decision() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("s.cast");
    let cast_arg = cast.to_str().unwrap();
    let out = autoapprove(["--record", cast_arg, "--", "bash", "-c", PROMPT]);
    assert_eq!(out.status.code(), Some(0));
    let (header, events) = read_cast(&cast);
    assert_eq!(header["version"], 2);
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(80), Some(24))
    );
    assert!(header["timestamp"].as_u64().unwrap() > 1_700_000_000);
    assert!(header["command"].as_str().unwrap().starts_with("bash -c"));
    // Times only go forward.
    let times: Vec<f64> = events.iter().map(|e| e[0].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    let output = of_kind(&events, "o").concat();
    assert_eq!(
        output.as_bytes(),
        &out.stdout[..],
        "the recording holds what the terminal got, the é whole"
    );
    let markers = of_kind(&events, "m");
    for expected in [
        "STARTED: command=",
        "PROMPT_DETECTED: rule=\"Yes/No prompt\"",
        "SEND_INPUT: reason=\"Yes/No prompt\" input=\"y\\r\"",
        "CHILD_EXITED: code=0",
    ] {
        assert!(
            markers.iter().any(|m| m.starts_with(expected)),
            "{expected}: {markers:#?}"
        );
    }
    assert!(
        of_kind(&events, "i").is_empty(),
        "input only with --record-input"
    );

    if let Some(asciinema) = asciinema() {
        let played = Command::new(asciinema)
            .arg("cat")
            .arg(&cast)
            .output()
            .unwrap();
        assert!(played.status.success(), "{played:?}");
        assert_eq!(played.stdout, out.stdout, "asciinema plays it back");
    }
}

/// `--record-input` adds the keys typed; the recording is on disk while the session runs, and
/// a kill leaves only whole lines.
#[test]
fn input_is_recorded_only_when_asked_and_the_file_is_written_as_it_goes() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("s.cast");
    let mut child = Command::new(bin())
        .args(["--record", cast.to_str().unwrap(), "--record-input", "--"])
        .args([
            "sh",
            "-c",
            "read line; echo \"got $line\"; echo ready; sleep 60",
        ])
        .env_remove(NESTED_ENV)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"secret\n")
        .unwrap();
    // The output events' text so far, from the whole lines written (a read of the PTY may end
    // anywhere, so `ready\r\n` may span two events).
    let shown = || {
        let text = std::fs::read_to_string(&cast).unwrap_or_default();
        let whole = text.rfind('\n').map_or("", |end| &text[..end]);
        let events: Vec<Value> = whole
            .lines()
            .skip(1)
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        of_kind(&events, "o").concat()
    };
    support::wait_until(
        "the output in the recording",
        || shown().contains("ready\r\n"),
        shown,
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let (_, events) = read_cast(&cast);
    assert_eq!(of_kind(&events, "i"), ["secret\n"], "{events:?}");
    assert!(of_kind(&events, "o").concat().contains("got secret"));
}

#[test]
fn what_stops_a_recording_is_a_usage_error_before_the_program_starts() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("started");
    let touch = format!("touch {}", marker.display());
    let out = autoapprove([
        "--record",
        "/nonexistent/dir/s.cast",
        "--",
        "sh",
        "-c",
        &touch,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: --record: cannot write /nonexistent/dir/s.cast:"),
        "{out:?}"
    );
    // What would block or make no recording is refused, not waited on.
    let fifo = dir.path().join("fifo");
    support::mkfifo(&fifo);
    for (path, why) in [
        (fifo.to_str().unwrap(), "a FIFO that nothing reads"),
        (
            "/dev/zero",
            "not a regular file, a terminal or a pipe being read",
        ),
    ] {
        let out = autoapprove(["--record", path, "--", "sh", "-c", &touch]);
        assert_eq!(out.status.code(), Some(2), "{path}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            format!("error: --record: cannot write {path}: {why}"),
        );
    }
    let out = autoapprove(["--record-input", "--", "sh", "-c", &touch]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--record <FILE>"));
    assert!(!marker.exists());
}

/// Our own recording, replayed: the same decisions, with the screen they were made on.
#[test]
fn a_replay_makes_the_recorded_decisions_again() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("s.cast");
    let cast_arg = cast.to_str().unwrap();
    assert!(
        autoapprove(["--record", cast_arg, "--", "bash", "-c", PROMPT])
            .status
            .success()
    );
    let out = autoapprove(["replay", cast_arg]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    let detected = lines
        .iter()
        .position(|l| l.contains("PROMPT_DETECTED: rule=\"Yes/No prompt\""))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        lines[detected + 1..]
            .iter()
            .any(|l| l.ends_with("| Continue? [y/n]")),
        "{report}"
    );
    assert!(
        report.contains("SEND_INPUT: reason=\"Yes/No prompt\" input=\"y\\r\""),
        "{report}"
    );
}

/// A recording asciinema made (tests/fixtures/asciinema-prompt.cast: `asciinema rec` of a
/// script that asks `Proceed? [y/n]`), and a fresh one if asciinema is here.
#[test]
fn a_recording_made_by_asciinema_is_replayed() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/asciinema-prompt.cast"
    );
    let out = autoapprove(["replay", fixture]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains("PROMPT_DETECTED: rule=\"Yes/No prompt\""),
        "{report}"
    );

    if let Some(asciinema) = asciinema() {
        let dir = tempfile::tempdir().unwrap();
        let cast = dir.path().join("a.cast");
        let script = "echo 'about to run: rm -rf /'; printf 'Continue? [y/n] '";
        let made = Command::new(asciinema)
            .args(["rec", "-q", "-c", &format!("sh -c \"{script}\"")])
            .arg(&cast)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(made.status.success(), "{made:?}");
        let out = autoapprove(["replay", cast.to_str().unwrap()]);
        let report = String::from_utf8(out.stdout).unwrap();
        assert!(
            report.contains("DANGEROUS_COMMAND: category=\"recursive-delete\""),
            "{report}"
        );
        assert!(!report.contains("SEND_INPUT"), "{report}");
    }
}

/// Real Claude Code output (a Bash prompt to `rm -rf` a directory in /tmp) as a recording: the
/// built-in rules approve it (temp is not the project's to lose); a rule of your own, tried on
/// the same recording, refuses it. Tuning rules without running the agent.
#[test]
fn real_claude_code_output_replays_and_a_new_rule_changes_the_decision() {
    let raw = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/claude-code/raw-bash-rm-rf-prompt-left-open.bin"
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("claude.cast");
    let mut text =
        String::from("{\"version\": 2, \"width\": 120, \"height\": 40, \"command\": \"claude\"}\n");
    // In 4 KiB reads, 10 ms apart, as a PTY would hand them over.
    for (i, chunk) in raw.chunks(4096).enumerate() {
        let at = f64::from(u32::try_from(i).unwrap()) * 0.01;
        let data = String::from_utf8_lossy(chunk);
        text.push_str(&serde_json::json!([at, "o", data]).to_string());
        text.push('\n');
    }
    std::fs::write(&cast, text).unwrap();
    let cast = cast.to_str().unwrap();
    let out = autoapprove(["replay", cast]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains("PROMPT_DETECTED: rule=\"Claude Code: Bash command\""),
        "{report}"
    );
    assert!(
        report.contains("command=\"rm -rf /tmp/autoapprove-claude-bash-danger.XXXXXX/canary-dir\""),
        "{report}"
    );
    assert!(
        report.contains("|  Do you want to proceed?"),
        "the screen: {report}"
    );
    assert!(
        report.contains("SEND_INPUT: reason=\"Claude Code: Bash command\" input=\"1\""),
        "{report}"
    );

    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "denylist:\n  rules:\n    - id: no-rm\n      severity: high\n      reason: no deleting, even in temp\n      \
         match:\n        - programs: [rm]\n",
    )
    .unwrap();
    let out = autoapprove(["replay", "--config", rules.to_str().unwrap(), cast]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains("DANGEROUS_COMMAND: category=\"no-rm\""),
        "{report}"
    );
    assert!(!report.contains("SEND_INPUT"), "{report}");
}

/// Writes `text` to `cast` and replays it: the output, and its stderr.
fn replay_of(cast: &std::path::Path, text: &str) -> (std::process::Output, String) {
    std::fs::write(cast, text).unwrap();
    let out = autoapprove(["replay", cast.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}

#[test]
fn a_broken_recording_is_an_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("bad.cast");
    let (out, stderr) = replay_of(
        &cast,
        "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"hi\"]\n[oops\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with(&format!("error: replay: {}:3: ", cast.display())),
        "{stderr}"
    );
    let (_, stderr) = replay_of(&cast, "{\"version\": 1, \"width\": 80, \"height\": 24}\n");
    assert!(stderr.contains(":1: asciicast version 1"));
    // Not a header at all: said in words, not in the parser's.
    let (_, stderr) = replay_of(&cast, "[0.1, \"o\", \"hi\"]\n");
    assert_eq!(
        stderr,
        format!(
            "error: replay: {}:1: not an asciicast header: a JSON object with version, width \
             and height\n",
            cast.display()
        )
    );
    // A time no clock reaches: an error at its line, not an abort.
    for time in ["1e300", "2e9"] {
        let (out, stderr) = replay_of(
            &cast,
            &format!(
                "{{\"version\": 2, \"width\": 80, \"height\": 24}}\n[{time}, \"o\", \"hi\"]\n"
            ),
        );
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(
            stderr.starts_with(&format!("error: replay: {}:2: a time of ", cast.display())),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// A recording on which the rules decide nothing says so on stderr; stdout, one line per
/// decision, stays empty.
#[test]
fn a_replay_without_a_decision_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("quiet.cast");
    let (out, stderr) = replay_of(
        &cast,
        "{\"version\": 2, \"width\": 80, \"height\": 24}\n\
         [0.1, \"o\", \"building...\\r\\n\"]\n[2.5, \"o\", \"done\\r\\n\"]\n",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        stderr,
        format!(
            "autoapprove: replay: {}: no prompt and no decision in its 2 events (2.5 s)\n",
            cast.display()
        )
    );
}

/// A flood is written after it has passed (the writer holds off while it pours in): when the
/// session ends, the recording holds all of it, in order, before the program's exit.
#[test]
fn a_recorded_flood_is_whole_when_the_session_ends() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("flood.cast");
    let out = autoapprove([
        "--record",
        cast.to_str().unwrap(),
        "--",
        "seq",
        "1",
        "2000000",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.len() > 15_000_000, "{}", out.stdout.len());
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("incomplete"),
        "{out:?}"
    );
    let (_, events) = read_cast(&cast);
    assert_eq!(of_kind(&events, "o").concat().as_bytes(), &out.stdout[..]);
    let last_output = events.iter().rposition(|e| e[1] == "o").unwrap();
    let exited = events
        .iter()
        .position(|e| e[1] == "m" && e[2].as_str().unwrap().starts_with("CHILD_EXITED"))
        .expect("the exit is marked");
    assert!(last_output < exited, "the output comes before the exit");
}

/// A flood of bytes that are never part of a character is queued as a count, not copied: the
/// recording holds what the terminal got, each such byte a U+FFFD, a character cut short by
/// the flood one more.
#[test]
fn a_flood_of_bytes_never_in_a_character_is_recorded_as_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("ff.cast");
    let flood = "printf 'start \\342\\224'; head -c 3000000 /dev/zero | tr '\\0' '\\377'; \
                 printf '\\342\\224\\200 \\300\\301 end'";
    let out = autoapprove(["--record", cast.to_str().unwrap(), "--", "sh", "-c", flood]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(out.stdout.len(), 6 + 2 + 3_000_000 + 3 + 1 + 2 + 4);
    let (_, events) = read_cast(&cast);
    let text = of_kind(&events, "o").concat();
    assert_eq!(text, String::from_utf8_lossy(&out.stdout));
    assert_eq!(text.matches('\u{fffd}').count(), 1 + 3_000_000 + 2);
}

/// A recording whose reader stops reading cannot hold the session's end for ever: autoapprove
/// waits a bounded time, says the recording is incomplete, and exits with the program's code.
#[test]
fn a_recording_nobody_takes_ends_with_the_session_and_says_so() {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    support::mkfifo(&fifo);
    // A reader that opens the pipe and never reads: the pipe's 64 KiB fill and the writer stalls.
    let _reader = std::fs::File::options()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed())
        .open(&fifo)
        .unwrap();
    let out = autoapprove([
        "--record",
        fifo.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        "seq 1 200000; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(out.stdout.len() > 1_000_000);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("autoapprove: --record: the recording is incomplete"),
        "{stderr}"
    );
}

/// What the panic hook calls: the recording is completed there and then, a flood the writer was
/// still holding off included (the binary cannot be made to panic on demand, so the library's
/// recorder stands in for it; no other test of this file records in this process).
#[test]
fn the_panic_hook_completes_the_recording() {
    use autoapprove::record::Recorder;
    let dir = tempfile::tempdir().unwrap();
    let cast = dir.path().join("panic.cast");
    let recorder = Recorder::start(&cast, 80, 24, "flood", false).unwrap();
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..64 {
        recorder.output(&chunk);
    }
    Recorder::finish_on_panic();
    let (_, events) = read_cast(&cast);
    assert_eq!(of_kind(&events, "o").concat().len(), 64 * chunk.len());
    drop(recorder);
}
