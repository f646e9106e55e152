//! `autoapprove explain COMMAND`: the denylist's verdict from the command line, scriptable by its
//! exit status (0 allowed, 1 blocked, 2 usage).

mod support;

use support::run_piped;

fn explain(args: &[&str]) -> (i32, String) {
    let out = run_piped(std::iter::once(&"explain").chain(args));
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_blocked_command_names_its_category_and_trigger() {
    let (code, out) = explain(&["cd /tmp && sudo rm -r -f /"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "BLOCKED  recursive-delete: recursive deletion of /, a home directory or a system directory\n  because of: rm -r -f /\n"
    );
}

#[test]
fn an_allowed_command_says_how_each_part_was_read() {
    let (code, out) = explain(&["cargo test && git commit -m 'never rm -rf /' && echo rm -rf /"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "ALLOWED  no category applies\n  `cargo test`: no category applies\n  `git commit -m never rm -rf /`: a commit message is data, not a command\n  `echo rm -rf /`: prints its arguments: data, not a command\n"
    );
}

#[test]
fn several_words_are_one_command() {
    assert_eq!(explain(&["git", "push", "--force"]).0, 1);
    assert_eq!(explain(&["git", "push"]).0, 0);
}

#[test]
fn several_words_are_the_exact_argv_not_a_joined_line() {
    // Joined with spaces, `sh -c rm -rf /` would run `rm` alone (with `$0`, `$1` set).
    let (code, out) = explain(&["sh", "-c", "rm -rf /"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("recursive-delete"), "{out}");
    let (code, out) = explain(&["echo", "a; rm -rf /"]);
    assert_eq!(code, 0, "an argument with `;` in it is data: {out}");
}

#[test]
fn the_config_can_allow_and_add() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rules.yaml");
    std::fs::write(
        &config,
        "denylist:\n  patterns:\n    - name: no-deploys\n      regex: '\\bdeploy\\.sh\\b'\n  allow: ['git push --force-with-lease origin feature/\\S+', 'npm test']\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let run = |command: &str| explain(&["--config", config, command]);
    assert_eq!(run("git push --force-with-lease origin feature/login").0, 0);
    assert_eq!(run("git push --force-with-lease origin main").0, 1);
    let (code, out) = run("./deploy.sh prod");
    assert_eq!(code, 1);
    assert!(
        out.starts_with("BLOCKED  no-deploys: matches your pattern `no-deploys`"),
        "{out}"
    );
    // A section that sets only `patterns` and `allow` keeps every built-in category.
    assert_eq!(run("rm -rf /").0, 1);
    assert_eq!(run("npm test").0, 0);
    // An allow entry is one whole simple command, never part of a longer line.
    for line in [
        "npm test; rm -rf ~",
        "rm -rf ~ # npm test",
        "npm test && rm -rf ~",
    ] {
        let (code, out) = run(line);
        assert_eq!(code, 1, "{line}: {out}");
        assert!(out.contains("recursive-delete"), "{line}: {out}");
    }
}

#[test]
fn a_category_is_turned_off_only_by_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rules.yaml");
    std::fs::write(&config, "denylist:\n  disable: [power]\n").unwrap();
    let config = config.to_str().unwrap();
    assert_eq!(explain(&["--config", config, "shutdown -h now"]).0, 0);
    assert_eq!(explain(&["--config", config, "rm -rf /"]).0, 1);
    assert_eq!(explain(&["shutdown -h now"]).0, 1);
}

#[test]
fn without_a_command_it_is_a_usage_error() {
    assert_eq!(explain(&[]).0, 2);
}

#[test]
fn changes_are_judged_against_the_project_explain_runs_in() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("proj");
    std::fs::create_dir(&project).unwrap();
    let cwd = project.to_str().unwrap();
    // The scratch dir is in /tmp: the temp directory is made another one, as it is for a
    // project in a home.
    let tmp = root.path().join("tmp");
    let explain = |args: &[&str]| {
        let out = std::process::Command::new(support::bin())
            .arg("explain")
            .args(args)
            .env("TMPDIR", &tmp)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let run = |command: &str| explain(&["--cwd", cwd, command]);
    // Ordinary work inside the project.
    assert_eq!(run("rm -rf build/ target/ node_modules").0, 0);
    assert_eq!(run("find . -name '*.pyc' -delete").0, 0);
    // Beside it, the project itself, its repository, a path not known before it runs.
    for command in [
        "rm -rf ../outside",
        "rm -rf .",
        "rm -rf .git",
        "rm -rf \"$BUILD_DIR\"",
        "mv src ../elsewhere",
    ] {
        let (code, out) = run(command);
        assert_eq!(code, 1, "{command}: {out}");
        assert!(
            out.starts_with("BLOCKED  outside-project: "),
            "{command}: {out}"
        );
    }
    let (_, out) = run("rm -rf ../outside");
    assert!(out.contains("(../outside: outside the project)"), "{out}");
    // From inside another directory, the same command is another question.
    let (code, _) = explain(&["--cwd", root.path().to_str().unwrap(), "rm -rf proj/build"]);
    assert_eq!(code, 0);
}

#[test]
fn a_project_that_is_not_a_directory_is_a_usage_error() {
    let out = run_piped(["--project", "/nonexistent/dir", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--project: /nonexistent/dir is not a directory"),
        "{err}"
    );
}
