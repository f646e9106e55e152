//! The real Claude Code (pinned version, from npm), offline against the mock Messages API, under
//! autoapprove with its built-in rules, in a real PTY. Outcomes are checked on disk and in what the
//! mock received, not on the screen alone. Skipped, saying so, only where npm is not installed
//! and CI is not set (under `CI=true` a missing npm fails).

mod support;

use serde_json::json;
use support::Term;
use support::claude::{self, FileTools, World};
use support::mock_api::MockApi;

/// Starts `claude "please do the task"` under autoapprove with the built-in rules (fast settle).
fn start(world: &World, api: &MockApi) -> Option<Term> {
    let bin = claude::binary()?;
    let dir = tempfile::tempdir().unwrap();
    Some(Term::with_config_in(
        dir,
        "settle: 100ms\n",
        &[bin.to_str().unwrap(), "please do the task"],
        &world.options(api),
    ))
}

fn stop(t: &Term) {
    t.signal(rustix::process::Signal::TERM);
    t.wait();
}

#[test]
fn a_bash_command_is_approved_once_and_runs() {
    let world = World::new(true);
    let api = MockApi::start(&[(
        "Bash",
        json!({"command": "touch ./marker", "description": "Create the marker file"}),
    )]);
    let Some(t) = start(&world, &api) else { return };
    let result = api.tool_result(0);
    assert_ne!(result["is_error"], true, "{result}");
    assert!(world.work.join("marker").exists());
    let log = t.log();
    assert!(log.contains(r#"profile="claude-code""#), "{log}");
    assert!(
        log.contains(r#"PROMPT_DETECTED: rule="Claude Code: Bash command" source="screen""#)
            && log.contains(r#"tool="Bash command" command="touch ./marker""#),
        "{log}"
    );
    assert!(
        log.contains(r#"SEND_INPUT: reason="Claude Code: Bash command" input="1""#),
        "{log}"
    );
    assert_eq!(log.matches("SEND_INPUT").count(), 1, "{log}");
    stop(&t);
}

#[test]
fn a_long_wrapped_command_is_read_as_one_line() {
    let world = World::new(true);
    let words = "word ".repeat(40);
    let command = format!("touch ./marker && echo {} > ./long.txt", words.trim());
    let api = MockApi::start(&[(
        "Bash",
        json!({"command": command, "description": "Write a long line"}),
    )]);
    let Some(t) = start(&world, &api) else { return };
    api.tool_result(0);
    assert!(world.work.join("long.txt").exists());
    let log = t.log();
    assert!(log.contains(&format!(r#"command="{command}""#)), "{log}");
    stop(&t);
}

#[test]
fn new_files_and_edits_are_approved_and_take_effect() {
    let world = World::new(true);
    let files = FileTools::new(&world, "approved");
    let api = MockApi::start(&files.calls());
    let Some(t) = start(&world, &api) else { return };
    let result = api.tool_result(2);
    assert_ne!(result["is_error"], true, "{result}");
    files.assert_done();
    let log = t.log();
    for (tool, file) in [
        ("Create file", "created.txt"),
        ("Edit file", "edit-target.txt"),
    ] {
        let line = log
            .lines()
            .find(|l| l.contains(&format!(r#"tool="{tool}""#)))
            .unwrap_or_else(|| panic!("no {tool} prompt in the log:\n{log}"));
        assert!(line.contains(&format!(r#"path="{file}""#)), "{line}");
    }
    assert_eq!(
        log.matches(r#"SEND_INPUT: reason="Claude Code: file change" input="1""#)
            .count(),
        2,
        "{log}"
    );
    stop(&t);
}

#[test]
fn a_dangerous_command_is_left_on_screen_for_the_user() {
    let world = World::new(true);
    // If it ran, it would only remove this test's private HOME — and the canary in it.
    let canary = world.home.join("canary.txt");
    std::fs::write(&canary, "still here\n").unwrap();
    let api = MockApi::start(&[(
        "Bash",
        json!({"command": "rm -rf ~", "description": "Clean up the home directory"}),
    )]);
    let Some(t) = start(&world, &api) else { return };
    let log = t.expect_log(r#"to="MANUAL_MODE""#);
    assert!(
        log.contains(r#"DANGEROUS_COMMAND: category="recursive-delete""#)
            && log.contains(r#"excerpt="rm -rf ~""#),
        "{log}"
    );
    assert!(!log.contains("SEND_INPUT"), "{log}");
    t.expect("\x07");
    // The dialog waits for the human; nothing ran.
    t.expect_screen("Do you want to proceed?");
    assert!(canary.exists());
    assert!(!api.saw_tool_result());
    stop(&t);
    assert!(canary.exists());
}

#[test]
fn deleting_a_directory_beside_the_project_is_left_on_screen_for_the_user() {
    let world = World::new(true);
    let outside = world.root.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("keep.txt"), "keep me\n").unwrap();
    let api = MockApi::start(&[(
        "Bash",
        json!({"command": "rm -rf ../outside", "description": "Remove the old checkout"}),
    )]);
    let Some(t) = start(&world, &api) else { return };
    let log = t.expect_log(r#"to="MANUAL_MODE""#);
    assert!(
        log.contains(
            r#"DANGEROUS_COMMAND: category="outside-project" pack="filesystem" severity="high""#
        ) && log.contains("(../outside: outside the project)"),
        "{log}"
    );
    assert!(!log.contains("SEND_INPUT"), "{log}");
    t.expect("\x07");
    t.expect_screen("Do you want to proceed?");
    assert!(outside.join("keep.txt").exists());
    assert!(!api.saw_tool_result());
    stop(&t);
    assert!(outside.join("keep.txt").exists());
}

#[test]
fn the_folder_trust_question_is_left_to_the_user() {
    let world = World::new(false);
    let api = MockApi::start(&[("Bash", json!({"command": "touch ./marker"}))]);
    let Some(t) = start(&world, &api) else { return };
    let log = t.expect_log(r#"LEFT_TO_USER: rule="Claude Code: folder trust""#);
    assert!(!log.contains("SEND_INPUT"), "{log}");
    t.expect_screen("Is this a project you created or one you trust?");
    // Not answered "No, exit": Claude Code is still there, asking.
    assert!(t.log().lines().all(|l| !l.contains("CHILD_EXITED")));
    stop(&t);
}

#[test]
fn a_user_rule_can_opt_in_to_answering_the_trust_question() {
    // The shipped rules, with the folder-trust rule turned from `leave` into an answer.
    let defaults = include_str!("../rules.yaml");
    let trust = "match_regex: 'Is\\s+this\\s+a\\s+project\\s+you\\s+created\\s+or\\s+one\\s+you\\s+trust\\?'\n          leave: true";
    assert!(defaults.contains(trust));
    let rules = defaults.replace(
        trust,
        &trust.replace("leave: true", "send: \"<Down><Enter>\""),
    );
    let world = World::new(false);
    let api = MockApi::start(&[("Bash", json!({"command": "touch ./marker"}))]);
    let Some(bin) = claude::binary() else { return };
    let t = Term::with_config_in(
        tempfile::tempdir().unwrap(),
        &rules,
        &[bin.to_str().unwrap(), "please do the task"],
        &world.options(&api),
    );
    api.tool_result(0);
    assert!(world.work.join("marker").exists());
    let log = t.log();
    assert!(
        log.contains(r#"SEND_INPUT: reason="Claude Code: folder trust" input="\e[B\r""#),
        "{log}"
    );
    stop(&t);
}

/// Run from a pipe that has ended (`… | autoapprove -- claude`, stdin closed at once): the profile
/// keeps Claude Code's input open — its input box reads Ctrl-D as the first half of "exit", and a
/// dialog on screen as a key — so it goes on, its dialog is answered and the command runs.
#[test]
fn an_ended_piped_stdin_does_not_quit_it() {
    use std::process::{Command, Stdio};
    let Some(bin) = claude::binary() else { return };
    let world = World::new(true);
    let api = MockApi::start(&[(
        "Bash",
        json!({"command": "touch ./marker", "description": "Create the marker file"}),
    )]);
    let options = world.options(&api);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.log");
    let mut command = Command::new(support::bin());
    command
        .args(["--log-file", log.to_str().unwrap(), "--"])
        .arg(&bin)
        .arg("please do the task")
        .current_dir(options.cwd.as_ref().unwrap())
        .env_remove(support::NESTED_ENV)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for key in &options.env_remove {
        command.env_remove(key);
    }
    for (key, value) in &options.env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    drop(child.stdin.take()); // the end of input, at once
    let result = api.tool_result(0);
    assert_ne!(result["is_error"], true, "{result}");
    assert!(world.work.join("marker").exists());
    assert!(child.try_wait().unwrap().is_none(), "Claude Code quit");
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap(),
        rustix::process::Signal::TERM,
    );
    child.wait().unwrap();
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains(r#"profile="claude-code""#), "{log}");
}
