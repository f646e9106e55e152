//! The background protocol through the real binary: a guarded run started with `--background
//! DIR` and its clients `wait` and `respond`, as separate processes. Judged by what the clients
//! print and their exit codes, the files the program could or could not write, the run's events
//! and exit code.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use support::{Scratch, wait_until};

/// The longest any one process here may take before the test fails (none should come close).
const DEADLINE: Duration = Duration::from_secs(60);

/// A scratch directory and DIR for the protocol in it.
struct Bg(Scratch);

impl Bg {
    fn new() -> Self {
        Self(Scratch::new())
    }

    /// A path in the directory, as the guard describes it.
    fn path(&self, name: &str) -> PathBuf {
        PathBuf::from(self.0.real(name))
    }

    fn bg(&self) -> PathBuf {
        self.path("bg")
    }

    /// `autoapprove ARGS…`, its output piped.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = self.0.command(args);
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    }

    /// Starts `autoapprove --guard --background DIR EXTRA… -- sh -c SCRIPT`, without a terminal.
    fn start(&self, extra: &[&str], script: &str) -> Running {
        let bg = self.bg();
        let mut args = vec!["--guard", "--background", bg.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend(["--", "sh", "-c", script]);
        Running(Some(self.command(&args).spawn().unwrap()))
    }

    /// Runs `autoapprove ARGS…` (a client) to its end.
    fn client(&self, args: &[&str]) -> Reply {
        Reply(finish(self.command(args).spawn().unwrap()))
    }

    fn wait(&self) -> Reply {
        self.client(&["wait", self.bg().to_str().unwrap()])
    }

    fn respond(&self, seq: u64, action: &str, extra: &[&str]) -> Reply {
        let seq = seq.to_string();
        let bg = self.bg();
        let mut args = vec!["respond", bg.to_str().unwrap(), &seq, action];
        args.extend_from_slice(extra);
        self.client(&args)
    }
}

/// Waits for `child` to end, failing the test past [`DEADLINE`].
fn finish(child: Child) -> Output {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(DEADLINE)
        .expect("a process did not end in time")
        .unwrap()
}

struct Running(Option<Child>);

impl Running {
    fn end(mut self) -> Output {
        finish(self.0.take().unwrap())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
        }
    }
}

/// What a client did.
struct Reply(Output);

impl Reply {
    fn code(&self) -> Option<i32> {
        self.0.status.code()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// The one JSON line it printed.
    fn event(&self) -> Value {
        let out = String::from_utf8_lossy(&self.0.stdout);
        assert_eq!(
            out.lines().count(),
            1,
            "one line: {out:?} {}",
            self.stderr()
        );
        serde_json::from_str(out.trim()).unwrap()
    }
}

fn text(run: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    )
}

#[test]
fn a_client_denies_and_approves_and_respond_ends_with_the_programs_exit_code() {
    let s = Bg::new();
    let run = s.start(&[], "echo a > a; echo b > b; exit 7");
    let first = s.wait();
    assert_eq!(first.code(), Some(0));
    let event = first.event();
    assert_eq!(event["status"], "pending");
    assert_eq!(event["seq"], 1);
    assert_eq!(event["kind"], "guard");
    let a = s.path("a").display().to_string();
    assert_eq!(
        event["description"],
        format!("open({a}, create+truncate+write)")
    );
    assert_eq!(event["app_key"], "/usr/bin/sh");
    assert!(event["pid"].as_i64().unwrap() > 0);
    assert!(event["chain"][0].as_str().unwrap().ends_with(" sh"));

    // Waiting again without answering: the same question.
    assert_eq!(s.wait().event()["seq"], 1);
    let next = s.respond(1, "deny", &[]);
    assert_eq!(next.code(), Some(0), "{}", next.stderr());
    assert_eq!(next.event()["seq"], 2);
    let done = s.respond(2, "approve", &[]);
    assert_eq!(
        done.event(),
        serde_json::json!({"status": "done", "exit_code": 7})
    );
    assert_eq!(done.code(), Some(7));
    let out = run.end();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    assert!(!s.path("a").exists());
    assert_eq!(std::fs::read_to_string(s.path("b")).unwrap(), "b\n");
    let events = String::from_utf8_lossy(&out.stderr);
    assert!(
        events.contains("BACKGROUND_PENDING: seq=1 kind=\"guard\""),
        "{events}"
    );
    assert!(
        events.contains("key=\"background\" answer=\"deny once\""),
        "{events}"
    );

    // After the run: `wait` reads the done event from DIR; answering anything is an error.
    assert_eq!(s.wait().event()["exit_code"], 7);
    let late = s.respond(2, "approve", &[]);
    assert_eq!(late.code(), Some(1));
    assert!(late.stderr().contains("has ended"), "{}", late.stderr());
}

#[test]
fn two_clients_answering_one_question_one_wins_and_the_other_is_told() {
    let s = Bg::new();
    let run = s.start(&[], "echo a > a; echo b > b");
    assert_eq!(s.wait().event()["seq"], 1);
    let bg = s.bg();
    let bg = bg.to_str().unwrap();
    let spawn = || s.command(&["respond", bg, "1", "approve"]).spawn().unwrap();
    let (one, two) = (spawn(), spawn());
    let (one, two) = (Reply(finish(one)), Reply(finish(two)));
    let mut codes = [one.code(), two.code()];
    codes.sort_unstable();
    assert_eq!(
        codes,
        [Some(0), Some(1)],
        "{} / {}",
        one.stderr(),
        two.stderr()
    );
    let loser = if one.code() == Some(1) { &one } else { &two };
    assert!(
        loser
            .stderr()
            .contains("event 1 is not open: it was answered already"),
        "{}",
        loser.stderr()
    );
    assert!(loser.0.stdout.is_empty());
    assert!(s.path("a").exists());
    assert_eq!(s.respond(2, "approve", &[]).code(), Some(0));
    assert_eq!(run.end().status.code(), Some(0));
}

#[test]
fn a_malformed_answer_is_an_error_to_the_client_and_changes_nothing() {
    let s = Bg::new();
    let run = s.start(&[], "echo a > a");
    assert_eq!(s.wait().event()["seq"], 1);
    for (action, extra, says) in [
        ("allow", &[][..], "invalid value 'allow' for '<ACTION>'"),
        ("pattern", &[][..], "`pattern` needs --pattern"),
        ("pattern", &["--pattern", "open(/x, [a"][..], "column"),
        (
            "deny",
            &["--pattern", "open(_, ...)"][..],
            "--pattern goes with",
        ),
    ] {
        let r = s.respond(1, action, extra);
        assert_eq!(r.code(), Some(2), "{action}: {}", r.stderr());
        assert!(r.stderr().contains(says), "{action}: {}", r.stderr());
    }
    let r = s.client(&["respond", s.bg().to_str().unwrap(), "one", "approve"]);
    assert_eq!(r.code(), Some(2), "{}", r.stderr());
    // Straight to the socket, bypassing the client's checks.
    let mut socket = std::os::unix::net::UnixStream::connect(s.bg().join("socket")).unwrap();
    std::io::Write::write_all(&mut socket, b"{\"op\":\"respond\",\"seq\":1}\n").unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut socket, &mut answer).unwrap();
    assert!(
        answer.starts_with("{\"error\":\"malformed request"),
        "{answer}"
    );
    let r = s.respond(9, "approve", &[]);
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr().contains("no event 9 has been sent"),
        "{}",
        r.stderr()
    );
    // The question is still open, and still decides.
    assert_eq!(s.wait().event()["seq"], 1);
    assert!(!s.path("a").exists());
    assert_eq!(s.respond(1, "approve", &[]).code(), Some(0));
    assert_eq!(run.end().status.code(), Some(0));
    assert!(s.path("a").exists());
}

#[test]
fn a_pattern_answer_is_remembered_and_covers_what_comes_next() {
    let s = Bg::new();
    let dir = s.path("out");
    std::fs::create_dir(&dir).unwrap();
    let run = s.start(
        &[],
        "echo 1 > out/one; echo 2 > out/two; echo 3 > elsewhere",
    );
    assert_eq!(s.wait().event()["seq"], 1);
    let pattern = format!("open({}/**, ...)", dir.display());
    let next = s.respond(1, "pattern", &["--pattern", &pattern]);
    // out/two is covered: the next question is about `elsewhere`.
    let event = next.event();
    assert_eq!(event["seq"], 2, "{event}");
    assert!(
        event["description"].as_str().unwrap().contains("elsewhere"),
        "{event}"
    );
    // The last command fails, so sh exits 2: the done event, and respond's own exit code.
    let done = s.respond(2, "deny", &[]);
    assert_eq!(
        done.event(),
        serde_json::json!({"status": "done", "exit_code": 2})
    );
    assert_eq!(done.code(), Some(2));
    assert_eq!(run.end().status.code(), Some(2));
    assert!(dir.join("one").exists() && dir.join("two").exists());
    assert!(!s.path("elsewhere").exists());
    let choices =
        std::fs::read_to_string(s.path("config/autoapprove/choices.json")).unwrap_or_default();
    assert!(choices.contains(&pattern), "{choices}");
}

#[test]
fn trust_covers_the_process_and_what_it_starts_and_quit_ends_the_program() {
    let s = Bg::new();
    let run = s.start(&[], "echo a > a; sh -c 'echo b > b'; echo c > c");
    assert_eq!(s.wait().event()["seq"], 1);
    let done = s.respond(1, "trust", &[]);
    assert_eq!(done.event()["status"], "done");
    assert_eq!(run.end().status.code(), Some(0));
    for f in ["a", "b", "c"] {
        assert!(s.path(f).exists(), "{f}");
    }

    let s = Bg::new();
    let run = s.start(&[], "echo a > a; echo after > after");
    assert_eq!(s.wait().event()["seq"], 1);
    let done = s.respond(1, "quit", &[]);
    let out = run.end();
    // sh ends on the SIGTERM: 128+15, as the done event says too.
    assert_eq!(
        done.event(),
        serde_json::json!({"status": "done", "exit_code": 143})
    );
    assert_eq!(out.status.code(), Some(143), "{}", text(&out));
    assert!(!s.path("a").exists() && !s.path("after").exists());
}

#[test]
fn stale_state_from_an_earlier_run_never_reaches_a_new_runs_clients() {
    let s = Bg::new();
    // An earlier run's leftovers: its done event, and the socket of one that was killed.
    std::fs::create_dir(s.bg()).unwrap();
    std::fs::write(
        s.bg().join("done.json"),
        "{\"status\":\"done\",\"exit_code\":99}\n",
    )
    .unwrap();
    std::fs::write(s.bg().join("socket"), "").unwrap();
    let log = s.path("events.log");
    let run = s.start(
        &["--log-file", log.to_str().unwrap()],
        "echo a > a; kill -KILL $$",
    );
    wait_until(
        "the run to serve DIR",
        || std::fs::read_to_string(&log).is_ok_and(|l| l.contains("BACKGROUND_STARTED")),
        || std::fs::read_to_string(&log).unwrap_or_default(),
    );
    let first = s.wait();
    assert_eq!(first.event()["seq"], 1, "{}", first.stderr());
    let done = s.respond(1, "approve", &[]);
    // Killed by a signal: 128+9.
    assert_eq!(done.event()["exit_code"], 137);
    assert_eq!(done.code(), Some(137));
    assert_eq!(run.end().status.code(), Some(137));
}

#[test]
fn a_client_started_before_the_run_sleeps_until_it_serves() {
    let s = Bg::new();
    let bg = s.bg();
    let waiting = s.command(&["wait", bg.to_str().unwrap()]).spawn().unwrap();
    let pid = waiting.id();
    // It blocks in the kernel (an inotify watch of DIR), not in a polling loop.
    wait_until(
        "the early client to block on DIR",
        || bg.exists() && proc_state(pid) == Some('S'),
        String::new,
    );
    let run = s.start(&[], "echo b > b");
    let early = Reply(finish(waiting));
    let event = early.event();
    assert_eq!(event["seq"], 1, "{}", early.stderr());
    // It said why it waited (a mistyped DIR would wait for ever), and only that.
    assert_eq!(
        early.stderr(),
        format!(
            "autoapprove: no run serves {} yet: waiting for one to start\n",
            bg.display()
        )
    );
    assert!(
        event["description"].as_str().unwrap().contains("/b,"),
        "{event}"
    );
    assert_eq!(s.respond(1, "approve", &[]).code(), Some(0));
    assert_eq!(run.end().status.code(), Some(0));
    assert!(s.path("b").exists());
}

/// A process's state letter, from `/proc/PID/stat`.
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].chars().next()
}

#[test]
fn an_unanswered_question_is_denied_after_ask_timeout_and_the_program_goes_on() {
    let s = Bg::new();
    std::fs::write(s.path("rules.yaml"), "guard:\n  ask_timeout: 300ms\n").unwrap();
    let config = s.path("rules.yaml");
    let run = s.start(
        &["--config", config.to_str().unwrap()],
        "echo a > a; echo status=$?",
    );
    let out = run.end();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!s.path("a").exists());
    let events = String::from_utf8_lossy(&out.stderr);
    assert!(
        events.contains("GUARD_DENIED")
            && events.contains("nobody answered within 300ms (guard.ask_timeout)"),
        "{events}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("status=2"));
    // Withdrawn: too late to answer.
    let late = s.respond(1, "approve", &[]);
    assert_eq!(late.code(), Some(1));
}

#[test]
fn a_directory_another_run_serves_is_refused() {
    let s = Bg::new();
    let first = s.start(&[], "echo a > a");
    assert_eq!(s.wait().event()["seq"], 1);
    let second = s.start(&[], "echo b > b").end();
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another autoapprove run is serving it"),
        "{err}"
    );
    assert!(!s.path("b").exists());
    // The first run is untouched: its question is still open, and answered.
    assert_eq!(s.respond(1, "approve", &[]).event()["status"], "done");
    assert_eq!(first.end().status.code(), Some(0));
    assert!(s.path("a").exists());
}

#[test]
fn a_directory_others_can_write_in_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = Bg::new();
    std::fs::create_dir(s.bg()).unwrap();
    std::fs::set_permissions(s.bg(), std::fs::Permissions::from_mode(0o733)).unwrap();
    let out = s.start(&[], "echo a > a").end();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("others may write in it (mode 733)"), "{err}");
    assert!(!s.path("a").exists());
    let client = s.wait();
    assert_eq!(client.code(), Some(1));
    assert!(
        client.stderr().contains("others may write in it"),
        "{}",
        client.stderr()
    );
    // A fresh one is made private.
    let fresh = Path::new(&s.path("fresh")).to_owned();
    let out = s
        .command(&[
            "--guard=log",
            "--background",
            fresh.to_str().unwrap(),
            "--",
            "true",
        ])
        .spawn()
        .unwrap();
    assert_eq!(finish(out).status.code(), Some(0));
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn a_prompt_left_to_a_person_becomes_an_event_and_approve_types_its_answer() {
    let s = Bg::new();
    let bg = s.bg();
    let script = "printf 'Delete the cache? [y/N] '; read a; echo \"got=$a\"";
    let run = s.command(&[
        "--background",
        bg.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        script,
    ]);
    let run = Running(Some({ run }.spawn().unwrap()));
    let event = s.wait().event();
    assert_eq!(event["kind"], "prompt", "{event}");
    assert_eq!(event["rule"], "Yes/No prompt");
    assert_eq!(event["answer"], "y\\r");
    assert!(
        event["screen"]
            .as_str()
            .unwrap()
            .contains("Delete the cache? [y/N]"),
        "{event}"
    );
    assert!(
        event["description"]
            .as_str()
            .unwrap()
            .starts_with("Yes/No prompt: ")
    );
    // A prompt takes approve, deny or quit.
    let r = s.respond(1, "trust", &[]);
    assert_eq!(r.code(), Some(1));
    assert!(
        r.stderr().contains("takes approve, deny or quit"),
        "{}",
        r.stderr()
    );
    let done = s.respond(1, "approve", &[]);
    assert_eq!(done.event()["exit_code"], 0, "{}", done.stderr());
    let out = run.end();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("got=y"), "{}", text(&out));
    let events = String::from_utf8_lossy(&out.stderr);
    assert!(
        events.contains("BACKGROUND_PENDING: seq=1 kind=\"prompt\""),
        "{events}"
    );
}

#[test]
fn a_denied_prompt_is_left_as_it_is_and_automation_resumes() {
    let s = Bg::new();
    let bg = s.bg();
    let log = s.path("events.log");
    let script = "printf 'Delete the cache? [y/N] '; read a; echo \"got=$a\"";
    let args = [
        "--background",
        bg.to_str().unwrap(),
        "--log-file",
        log.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        script,
    ];
    let run = Running(Some(s.command(&args).spawn().unwrap()));
    assert_eq!(s.wait().event()["kind"], "prompt");
    let responding = s
        .command(&["respond", bg.to_str().unwrap(), "1", "deny"])
        .spawn()
        .unwrap();
    wait_until(
        "automation to resume",
        || std::fs::read_to_string(&log).is_ok_and(|l| l.contains("denied by a background client")),
        || std::fs::read_to_string(&log).unwrap_or_default(),
    );
    let pid = run.0.as_ref().unwrap().id();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(pid).unwrap()).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let out = run.end();
    // Nothing was typed: the program never read an answer.
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("got="),
        "{}",
        text(&out)
    );
    let done = Reply(finish(responding));
    assert_eq!(done.event()["status"], "done", "{}", done.stderr());
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains("SEND_INPUT"), "{log}");
}

#[test]
fn skill_prints_the_manual_an_llm_caller_needs() {
    let s = Bg::new();
    let out = s.client(&["skill"]);
    assert_eq!(out.code(), Some(0));
    let text = String::from_utf8_lossy(&out.0.stdout);
    for needle in [
        "--background DIR",
        "autoapprove wait DIR",
        "autoapprove respond DIR SEQ ACTION",
        "\"status\":\"pending\"",
        "\"status\":\"done\"",
        "deny_pattern",
        "AUTOAPPROVE_NO_BLOCK",
        "open(",
        "exec(",
    ] {
        assert!(text.contains(needle), "no {needle} in:\n{text}");
    }
}
