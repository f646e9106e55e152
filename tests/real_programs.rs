//! Real programs' own prompts, answered end to end: `rm -i`, `cp -i`, Python's `input()` and
//! `git add -p`. Each test checks the effect on disk (or the program's report), not the screen.

mod support;

use std::process::Command;

use support::{Term, fast_config};

fn rule(description: &str, regex: &str, send: &str) -> String {
    fast_config(&format!(
        "prompt_rules:\n  - description: {description}\n    match_regex: '{regex}'\n    send: '{send}'\n"
    ))
}

#[test]
fn rm_interactive_removes_the_file() {
    let t = Term::with_config(
        &rule("rm -i", r"^rm: remove .*\?\s*$", "y<Enter>"),
        &["sh", "-c", "touch victim && rm -i victim && echo removed"],
    );
    t.expect("removed");
    assert_eq!(t.wait(), 0);
    assert!(!t.path("victim").exists());
}

#[test]
fn cp_interactive_overwrites_the_target() {
    let t = Term::with_config(
        &rule("cp -i", r"^cp: overwrite .*\?\s*$", "y<Enter>"),
        &[
            "sh",
            "-c",
            "echo new > a && echo old > b && cp -i a b && echo copied",
        ],
    );
    t.expect("copied");
    assert_eq!(t.wait(), 0);
    assert_eq!(std::fs::read_to_string(t.path("b")).unwrap(), "new\n");
}

#[test]
fn python_input_gets_the_default_yes_no_answer() {
    let t = Term::with_config(
        &fast_config(""),
        &[
            "python3",
            "-c",
            "import sys; a = input('Apply the change? [y/N] '); sys.exit(0 if a == 'y' else 1)",
        ],
    );
    assert_eq!(t.wait(), 0, "{}", t.output());
}

#[test]
fn git_add_patch_stages_the_hunk() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(dir.path().join("f.txt"), "one\n").unwrap();
    git(&["add", "f.txt"]);
    git(&["commit", "-qm", "first"]);
    std::fs::write(dir.path().join("f.txt"), "one\ntwo\n").unwrap();
    let repo = dir.path().to_str().unwrap().to_owned();
    let t = Term::with_config(
        &rule("git hunk", r"Stage this hunk \[[^\]]*\]\?\s*$", "y<Enter>"),
        &[
            "git",
            "-C",
            &repo,
            "-c",
            "interactive.singleKey=false",
            "add",
            "-p",
        ],
    );
    assert_eq!(t.wait(), 0, "{}", t.output());
    let staged = Command::new("git")
        .args(["diff", "--cached", "--name-only"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&staged.stdout), "f.txt\n");
}
