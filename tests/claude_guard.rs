//! The real Claude Code (pinned version, from npm) under `--guard --background`, offline against
//! the mock Messages API, with the built-in claude-code profile: its own writes and the project's
//! are allowed, anything else is a question — answered by a client of the background protocol,
//! as an unattended caller would, which is also handed the dialogs left to a person. Judged by files on disk, what the mock received, the
//! questions the client was sent, and the event log.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use support::claude::{self, FileTools, World};
use support::mock_api::MockApi;
use support::{NESTED_ENV, Term, bin};

/// Starts `claude "please do the task"` under `autoapprove --guard --background DIR`.
fn start(world: &World, api: &MockApi, bg: &Path) -> Option<Term> {
    let bin = claude::binary()?;
    let dir = tempfile::tempdir().unwrap();
    Some(Term::with_flags_in(
        dir,
        "settle: 100ms\n",
        &["--guard", "--background", bg.to_str().unwrap()],
        &[bin.to_str().unwrap(), "please do the task"],
        &world.options(api),
    ))
}

/// A client of DIR that answers every question with `answer(event)` until the run is done, in
/// its own thread; joined, it gives every event it was sent.
struct Client(std::thread::JoinHandle<Vec<Value>>);

impl Client {
    fn start(bg: &Path, answer: fn(&Value) -> &'static str) -> Self {
        let bg = bg.to_owned();
        Self(std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut event = client(&["wait", bg.to_str().unwrap()]);
            while event["status"] == "pending" {
                seen.push(event.clone());
                let seq = event["seq"].to_string();
                event = client(&["respond", bg.to_str().unwrap(), &seq, answer(&event)]);
            }
            seen.push(event);
            seen
        }))
    }

    fn events(self) -> Vec<Value> {
        self.0.join().unwrap()
    }
}

/// Runs `autoapprove ARGS…` as a client; the event it printed.
fn client(args: &[&str]) -> Value {
    let out = Command::new(bin())
        .args(args)
        .env_remove(NESTED_ENV)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}: {text:?} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Ends Claude Code and the run; the events the client was sent.
fn stop(t: &Term, client: Client) -> Vec<Value> {
    t.signal(rustix::process::Signal::TERM);
    t.wait();
    let events = client.events();
    assert_eq!(events.last().unwrap()["status"], "done", "{events:?}");
    events
}

fn questions(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["status"] == "pending")
        .map(|e| e["description"].as_str().unwrap().to_owned())
        .collect()
}

/// The directory beside the project, with a file in it.
fn outside(world: &World) -> PathBuf {
    let outside = world.root.path().canonicalize().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("keep.txt"), "keep me\n").unwrap();
    outside
}

#[test]
fn a_normal_session_runs_without_a_single_guard_question() {
    let world = World::new(true);
    let files = FileTools::new(&world, "guarded");
    let touch = (
        "Bash",
        json!({"command": "touch ./marker", "description": "Create the marker file"}),
    );
    let [write, read, edit] = files.calls();
    let api = MockApi::start(&[touch, write, read, edit]);
    let bg = world.root.path().join("bg");
    let client = Client::start(&bg, |_| "deny");
    let Some(t) = start(&world, &api, &bg) else {
        return;
    };
    for turn in 0..4 {
        let result = api.tool_result(turn);
        assert_ne!(result["is_error"], true, "turn {turn}: {result}");
    }
    assert!(world.work.join("marker").exists());
    files.assert_done();
    let log = t.log();
    let events = stop(&t, client);
    assert_eq!(questions(&events), Vec::<String>::new(), "{log}");
    assert!(log.contains("GUARD_STARTED"), "{log}");
    assert!(!log.contains("GUARD_ASKED"), "{log}");
    assert!(!log.contains("GUARD_DENIED"), "{log}");
}

#[test]
fn a_harmless_looking_script_cannot_delete_a_directory_beside_the_project() {
    let world = World::new(true);
    let outside = outside(&world);
    std::fs::create_dir_all(world.work.join("tools")).unwrap();
    std::fs::write(
        world.work.join("tools/cleanup.sh"),
        "#!/bin/sh\n# Tidy up build leftovers.\nrm -rf ../outside\necho cleaned\n",
    )
    .unwrap();
    let api = MockApi::start(&[(
        "Bash",
        json!({"command": "sh tools/cleanup.sh", "description": "Run the cleanup script"}),
    )]);
    let bg = world.root.path().join("bg");
    let client = Client::start(&bg, |_| "deny");
    let Some(t) = start(&world, &api, &bg) else {
        return;
    };
    // The dialog shows only `sh tools/cleanup.sh`: it is approved.
    api.tool_result(0);
    let log = t.log();
    assert!(
        log.contains(r#"SEND_INPUT: reason="Claude Code: Bash command" input="1""#),
        "{log}"
    );
    // The deletion was stopped, and Claude Code goes on: it gets the result and answers.
    assert_eq!(
        std::fs::read_to_string(outside.join("keep.txt")).unwrap(),
        "keep me\n"
    );
    api.wait_for("the model's turn after the tool result", |r| {
        r["messages"].as_array().is_some_and(|m| m.len() >= 3)
    });
    assert!(t.log().lines().all(|l| !l.contains("CHILD_EXITED")));
    let events = stop(&t, client);
    let asked = questions(&events);
    let keep = format!("delete({}/keep.txt)", outside.display());
    assert!(asked.contains(&keep), "{asked:?}");
    assert!(
        asked
            .iter()
            .all(|q| q.contains(&outside.display().to_string())),
        "only the deletion is asked about: {asked:?}"
    );
    assert!(outside.join("keep.txt").exists());
}

#[test]
fn claude_codes_own_write_tool_outside_the_project_is_asked() {
    let world = World::new(true);
    let outside = outside(&world);
    let target = outside.join("notes.txt");
    let api = MockApi::start(&[(
        "Write",
        json!({"file_path": target, "content": "written outside\n"}),
    )]);
    let bg = world.root.path().join("bg");
    // The dialog is outside the project, so the prompt layer hands it off too: approved here, to
    // see the write itself reach the guard.
    let client = Client::start(&bg, |e| {
        if e["kind"] == "prompt" {
            "approve"
        } else {
            "deny"
        }
    });
    let Some(t) = start(&world, &api, &bg) else {
        return;
    };
    let result = api.tool_result(0);
    assert!(!target.exists(), "{result}");
    let events = stop(&t, client);
    let asked = questions(&events);
    let prefix = format!("open({}/notes.txt", outside.display());
    assert!(asked.iter().any(|q| q.starts_with(&prefix)), "{asked:?}");
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "prompt" && e["rule"] == "Claude Code: file change"),
        "{events:?}"
    );
    // Asked of Claude Code's own process: no shell, no child in between.
    let event = events.iter().find(|e| e["kind"] == "guard").unwrap();
    assert_eq!(event["chain"].as_array().unwrap().len(), 1, "{event}");
    assert!(!target.exists());
}

#[test]
fn a_dangerous_dialog_becomes_a_prompt_event_and_a_denial_leaves_it() {
    let world = World::new(true);
    // If it ran, it would only remove this test's private HOME — and the canary in it.
    let canary = world.home.join("canary.txt");
    std::fs::write(&canary, "still here\n").unwrap();
    let api = MockApi::start(&[(
        "Bash",
        json!({"command": "rm -rf ~", "description": "Clean up the home directory"}),
    )]);
    let bg = world.root.path().join("bg");
    let client = Client::start(&bg, |_| "deny");
    let Some(t) = start(&world, &api, &bg) else {
        return;
    };
    t.expect_log("denied by a background client");
    let log = t.log();
    assert!(!log.contains("SEND_INPUT"), "{log}");
    t.expect_screen("Do you want to proceed?");
    let events = stop(&t, client);
    let prompt = events
        .iter()
        .find(|e| e["kind"] == "prompt")
        .expect("a prompt event");
    assert_eq!(prompt["rule"], "Claude Code: Bash command", "{prompt}");
    assert_eq!(prompt["command"], "rm -rf ~", "{prompt}");
    assert_eq!(prompt["answer"], "1", "{prompt}");
    assert!(
        prompt["screen"]
            .as_str()
            .unwrap()
            .contains("Do you want to proceed?"),
        "{prompt}"
    );
    assert!(canary.exists());
    assert!(!api.saw_tool_result());
}
