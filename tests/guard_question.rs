//! The guard's question to the person, in a real terminal (tmux): drawn over the program's
//! screen, answered with one key (or a pattern typed on its line), the screen put back; what the
//! person answered is what the program got, a remembered pattern spares the next run the
//! question, and a resize while the question is open does not ask it twice.

mod support;

use support::tmux::Tmux;
use support::{bin, wait_until};

const QUESTION: &str = "autoapprove guard: allow this change?";

struct Pane {
    tmux: Tmux,
    dir: tempfile::TempDir,
}

/// `script` (Python) under `autoapprove --guard` in a 100×30 pane; the pane says `EXITED` when
/// autoapprove ends. Remembered choices go to the scratch dir's config home.
fn guarded(dir: tempfile::TempDir, script: &str) -> Option<Pane> {
    guarded_with(dir, script, "")
}

/// [`guarded`], with more of autoapprove's `flags`.
fn guarded_with(dir: tempfile::TempDir, script: &str, flags: &str) -> Option<Pane> {
    std::fs::write(dir.path().join("prog.py"), script).unwrap();
    let command = format!(
        "{} -v --log-file events.log --guard --guard-allow 'exec(...)' {flags} -- python3 prog.py; printf '\\nEXITED'; exec cat",
        bin()
    );
    let config_home = dir.path().join("config");
    let env = [("XDG_CONFIG_HOME", config_home.to_str().unwrap())];
    let tmux = Tmux::start(&command, &env, dir.path(), 100, 30)?;
    Some(Pane { tmux, dir })
}

impl Pane {
    fn real(&self, name: &str) -> String {
        std::fs::canonicalize(self.dir.path())
            .unwrap()
            .join(name)
            .display()
            .to_string()
    }
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("events.log")).unwrap_or_default()
    }
    fn expect_question(&self, name: &str) {
        let call = format!("open({}, create+truncate+write)", self.real(name));
        self.tmux
            .wait_for(&format!("the question about {name}"), |t| {
                t.contains(QUESTION)
                    && t.replace(['\n', ' ', '│'], "")
                        .contains(&call.replace(' ', ""))
            });
    }
    fn expect_closed(&self) {
        self.tmux
            .wait_for("the question to close", |t| !t.contains(QUESTION));
    }
}

const THREE_WRITES: &str = r#"
import os
print("first line of the program", flush=True)
for name in ["a", "b", "c"]:
    try:
        open(name, "w").write(name)
        print(name, "written", flush=True)
    except OSError as e:
        print(name, "refused", e.errno, flush=True)
"#;

#[test]
fn allow_deny_and_a_pattern_answer_the_calls_and_the_pattern_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let Some(pane) = guarded(dir, THREE_WRITES) else {
        return;
    };
    let t = &pane.tmux;
    pane.expect_question("a");
    assert!(
        t.text().contains("first line of the program"),
        "drawn over, not instead"
    );
    t.send(b"a");
    pane.expect_question("b");
    t.send(b"d");
    pane.expect_question("c");
    // `p`: the line is pre-filled with the call; replace it with a pattern for `c*`.
    t.send(b"p");
    t.expect("allow and remember");
    t.send(b"\x15");
    let pattern = format!("open({}, ...)", pane.real("c*"));
    t.send(pattern.as_bytes());
    t.send(b"\r");
    pane.expect_closed();
    t.expect("EXITED");
    let text = t.text();
    assert!(text.contains("a written"), "{text}");
    assert!(text.contains("b refused 13"), "{text}");
    assert!(text.contains("c written"), "{text}");
    assert!(
        !text.contains(QUESTION) && !text.contains("allow and remember"),
        "{text}"
    );
    let (a, b, c) = (
        pane.dir.path().join("a"),
        pane.dir.path().join("b"),
        pane.dir.path().join("c"),
    );
    assert!(a.exists() && !b.exists() && c.exists());
    let log = pane.log();
    for needle in [
        "GUARD_ANSWERED: call=\"open(",
        "key=\"a\" answer=\"allow once\"",
        "key=\"d\" answer=\"deny once\"",
        &format!("key=\"p\" answer=\"allow pattern\" pattern=\"{pattern}\""),
    ] {
        assert!(log.contains(needle), "{needle}\n{log}");
    }
    let choices =
        std::fs::read_to_string(pane.dir.path().join("config/autoapprove/choices.json")).unwrap();
    assert!(choices.contains(&pattern), "{choices}");

    // A second run writes `c2`: the remembered pattern covers it, nobody is asked.
    let dir = pane.dir;
    drop(pane.tmux);
    std::fs::remove_file(dir.path().join("events.log")).unwrap();
    let script = "open('c2', 'w').write('x'); print('c2 written', flush=True)\n";
    let Some(second) = guarded(dir, script) else {
        return;
    };
    second.tmux.expect("EXITED");
    assert!(second.tmux.text().contains("c2 written"));
    assert!(!second.log().contains("GUARD_ASKED"), "{}", second.log());
}

#[test]
fn a_resize_while_asking_does_not_ask_twice_and_q_ends_the_program() {
    let script = r#"
import signal
signal.signal(signal.SIGWINCH, lambda *_: print("resized", flush=True))
print("ready", flush=True)
open("f", "w")
print("never printed", flush=True)
"#;
    let Some(pane) = guarded(tempfile::tempdir().unwrap(), script) else {
        return;
    };
    let t = &pane.tmux;
    pane.expect_question("f");
    t.resize(90, 28);
    // The resize reached the program: its handler ran, though its call still waits.
    wait_until(
        "the resize",
        || pane.log().contains("RESIZED"),
        || pane.log(),
    );
    t.send(b"q");
    t.expect("EXITED");
    let log = pane.log();
    assert_eq!(log.matches("GUARD_ASKED").count(), 1, "{log}");
    assert!(log.contains("key=\"q\""), "{log}");
    assert!(!t.text().contains("never printed"));
    assert!(!pane.dir.path().join("f").exists());
}

#[test]
fn while_one_call_waits_for_the_person_other_threads_calls_are_decided() {
    // The main thread's write waits for an answer; meanwhile a second thread writes files a
    // pattern allows, and they appear on disk before anyone answers.
    let script = r#"
import threading
def others():
    for i in range(20):
        open(f"allowed-{i}", "w").write("x")
    open("allowed-done", "w").write("x")
t = threading.Thread(target=others)
t.start()
open("asked", "w")
t.join()
"#;
    let dir = tempfile::tempdir().unwrap();
    let pattern = format!(
        "open({}/allowed-*, ...)",
        std::fs::canonicalize(dir.path()).unwrap().display()
    );
    std::fs::write(dir.path().join("prog.py"), script).unwrap();
    let command = format!(
        "{} --log-file events.log --guard --guard-allow 'exec(...)' --guard-allow '{pattern}' \
         -- python3 prog.py; printf '\\nEXITED'; exec cat",
        bin()
    );
    let config_home = dir.path().join("config");
    let env = [("XDG_CONFIG_HOME", config_home.to_str().unwrap())];
    let Some(tmux) = Tmux::start(&command, &env, dir.path(), 100, 30) else {
        return;
    };
    tmux.expect(QUESTION);
    let done = dir.path().join("allowed-done");
    wait_until(
        "the other thread's writes",
        || done.exists(),
        || tmux.text(),
    );
    assert!(tmux.text().contains(QUESTION), "still asking");
    tmux.send(b"a");
    tmux.expect("EXITED");
    assert!(dir.path().join("asked").exists());
}

#[test]
fn a_question_nobody_answers_in_guard_ask_timeout_is_denied_and_the_program_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rules.yaml"),
        "guard:\n  ask_timeout: 700ms\n",
    )
    .unwrap();
    let script = "open('a', 'w').write('a')\n";
    let script =
        format!("try:\n    {script}except OSError as e:\n    print('a refused', e.errno)\n");
    let Some(pane) = guarded_with(dir, &script, "--config rules.yaml") else {
        return;
    };
    pane.expect_question("a");
    // Nobody answers: the question goes, the call fails with EACCES (13), the program ends.
    pane.tmux.wait_for("the program to go on", |t| {
        t.contains("a refused 13") && t.contains("EXITED")
    });
    assert!(!pane.tmux.text().contains(QUESTION));
    let log = pane.log();
    assert!(
        log.contains("nobody answered within 700ms (guard.ask_timeout)"),
        "{log}"
    );
    assert!(!pane.dir.path().join("a").exists());
}
