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

/// `explain ARGS…` run from `dir` with `env` set (and no `XDG_CACHE_HOME`: the cache is the
/// home's): its exit code and what it printed.
fn explain_in(
    dir: &std::path::Path,
    env: &[(&str, &std::path::Path)],
    args: &[&str],
) -> (i32, String) {
    let out = std::process::Command::new(support::bin())
        .arg("explain")
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .env_remove("XDG_CACHE_HOME")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_blocked_command_names_its_rule_pack_severity_and_trigger() {
    let (code, out) = explain(&["cd /tmp && sudo rm -r -f /"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "BLOCKED  recursive-delete: recursive deletion of /, a home directory or a system directory\n  rule: filesystem/recursive-delete (critical)\n  because of: rm -r -f /\n"
    );
    // A declared rule, read through a wrapper and with its options in another spelling.
    let (code, out) = explain(&["sudo docker --host=tcp://h:2375 system prune -fa"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("  rule: containers/container-prune (high)\n"),
        "{out}"
    );
}

#[test]
fn the_most_severe_finding_is_the_one_reported() {
    // Publishing (medium) and wiping the home directory (critical) in one line.
    let (code, out) = explain(&["npm publish && rm -rf ~"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("BLOCKED  recursive-delete:"), "{out}");
}

#[test]
fn list_names_every_pack_and_rule() {
    let out = run_piped(["explain", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "filesystem: Files and the project boundary",
        "containers: Containers and orchestration",
        "forges: Hosted forges",
    ] {
        assert!(text.lines().any(|l| l == line), "{line}\n{text}");
    }
    let rule = text
        .lines()
        .find(|l| l.trim_start().starts_with("forge-repo-delete "))
        .expect("forge-repo-delete listed");
    assert!(
        rule.contains("critical") && rule.contains("declared"),
        "{rule}"
    );
    let rules = text.lines().filter(|l| l.starts_with("  ")).count();
    assert!(rules >= 40, "{rules} rules listed");
    // With a command it is a usage error, as is --list without explain.
    assert_eq!(
        run_piped(["explain", "--list", "ls"]).status.code(),
        Some(2)
    );
    assert_eq!(run_piped(["--list"]).status.code(), Some(2));
}

#[test]
fn users_add_rules_in_the_packs_schema_and_turn_off_packs() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rules.yaml");
    std::fs::write(
        &config,
        "denylist:\n  disable: [containers, power]\n  rules:\n    - id: no-prod-deploy\n      severity: high\n      reason: deploys to production\n      match:\n        - programs: [make]\n          command: \"deploy\"\n          option_value: {options: [-e, --env], values: \"prod*\"}\n          value_options: [-C, -f]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let run = |command: &str| explain(&["--config", config, command]);
    let (code, out) = run("make -C app deploy --env=production");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(
            "BLOCKED  no-prod-deploy: deploys to production\n  rule: user/no-prod-deploy (high)"
        ),
        "{out}"
    );
    assert_eq!(run("make deploy --env staging").0, 0);
    // The pack `containers` and the rule `power` are off; the rest stays on.
    assert_eq!(run("docker system prune -af").0, 0);
    assert_eq!(run("shutdown -h now").0, 0);
    assert_eq!(run("terraform destroy -auto-approve").0, 1);
    assert_eq!(explain(&["docker system prune -af"]).0, 1);
    // `explain --list` shows the user's rules in their own section.
    let out = run_piped(["explain", "--config", config, "--list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("user: your rules (denylist.rules)\n  no-prod-deploy "),
        "{text}"
    );
}

#[test]
fn an_allowed_command_says_how_each_part_was_read() {
    let (code, out) = explain(&["cargo test && git commit -m 'never rm -rf /' && echo rm -rf /"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "ALLOWED  no rule applies\n  `cargo test`: no rule applies\n  `git commit -m never rm -rf /`: a commit message is data, not a command\n  `echo rm -rf /`: prints its arguments: data, not a command\n"
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
    // `explain "$CMD"` with CMD unset: a mistake, not a command that is allowed.
    let out = run_piped(["explain", " "]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: explain: the command is empty"),
        "{stderr}"
    );
    // An empty argument of a command is still judged.
    assert_eq!(explain(&["rm", ""]).0, 0);
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
    let explain = |args: &[&str]| explain_in(root.path(), &[("TMPDIR", &tmp)], args);
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
fn a_project_in_the_temp_directory_is_not_scratch_nor_what_holds_it() {
    // The temp directory's entries are anyone's to delete, but not the project's own folder.
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("work").join("proj");
    std::fs::create_dir_all(project.join(".git")).unwrap();
    let explain = |command: &str| explain_in(&project, &[("TMPDIR", tmp.path())], &[command]);
    let tmp = tmp.path().to_str().unwrap();
    for command in [
        "rm -rf ..".to_owned(),
        format!("rm -rf {tmp}/*"),
        format!("mv {tmp}/work {tmp}/old"),
        "rm -rf ../pro?".to_owned(),
        "rm -rf .g*".to_owned(),
    ] {
        let (code, out) = explain(&command);
        assert_eq!(code, 1, "{command}: {out}");
        assert!(
            out.starts_with("BLOCKED  outside-project: "),
            "{command}: {out}"
        );
    }
    assert_eq!(explain(&format!("rm -rf {tmp}/cache {tmp}/[!w]*")).0, 0);
    assert_eq!(explain("rm -rf ../other build/*").0, 0);
}

#[test]
fn a_home_in_the_temp_directory_is_still_the_home() {
    // As some containers and CI runners keep it: HOME=/tmp/…; its cache is still scratch.
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let project = home.join("proj");
    std::fs::create_dir_all(&project).unwrap();
    let env = [("TMPDIR", tmp.path()), ("HOME", home.as_path())];
    let explain = |command: &str| explain_in(&project, &env, &[command]);
    let tmp = tmp.path().to_str().unwrap();
    for command in ["rm -rf ~/notes", "rm -rf ../other"] {
        let (code, out) = explain(command);
        assert_eq!(code, 1, "{command}: {out}");
        assert!(
            out.contains(": in the home directory, outside the project)"),
            "{command}: {out}"
        );
    }
    // The temp directory's entries include the home, and the project in it.
    assert_eq!(explain(&format!("rm -rf {tmp}/*")).0, 1);
    assert_eq!(explain("rm -rf ~/.cache/pip").0, 0);
    assert_eq!(explain(&format!("rm -rf {tmp}/build")).0, 0);
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
