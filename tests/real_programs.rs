//! Real programs' own prompts, answered end to end by the built-in rules: `rm -i`, `cp -i`,
//! `mv -i`, `git add -p`, unzip's replace question, `tar -w`, pip, `npm init`; and the ones the
//! built-in rules leave to the person (a file outside the project, `[y/N]`, destructive wording,
//! ssh-keygen's overwrite). Each test checks the effect on disk or the program's report.

mod support;

use std::process::Command;

use support::{Options, Term, fast_config};

/// Runs `sh -c SCRIPT` under the built-in rules, in a fresh project directory.
fn in_project(script: &str) -> Term {
    Term::with_config(&fast_config(""), &["sh", "-c", script])
}

#[test]
fn rm_interactive_removes_files_inside_the_project() {
    let t = in_project("touch victim && rm -i victim && echo removed");
    t.expect("removed");
    assert_eq!(t.wait(), 0);
    assert!(!t.path("victim").exists());
    assert!(
        t.log()
            .contains(r#"SEND_INPUT: reason="rm -i" input="y\r""#),
        "{}",
        t.log()
    );

    let t = in_project("mkdir -p d/e && touch d/e/f && rm -ri d && echo gone");
    t.expect("gone");
    assert_eq!(t.wait(), 0);
    assert!(!t.path("d").exists());
}

#[test]
fn rm_interactive_outside_the_project_is_left_to_the_person() {
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("keep.txt");
    std::fs::write(&file, "mine").unwrap();
    let script = format!("rm -i '{}'; echo done", file.display());
    let mut t = in_project(&script);
    let log =
        t.expect_log(r#"LEFT_TO_USER: rule="rm -i" why="its wording is destructive (remove)""#);
    assert!(!log.contains("SEND_INPUT"), "{log}");
    t.send(b"n\r");
    t.expect("done");
    t.wait();
    assert!(file.exists());
}

#[test]
fn cp_and_mv_interactive_overwrite_inside_the_project() {
    let t = in_project(
        "echo new > a && echo old > b && cp -i a b && echo moved > c && mv -i c a && echo ok",
    );
    t.expect("ok");
    assert_eq!(t.wait(), 0);
    assert_eq!(std::fs::read_to_string(t.path("b")).unwrap(), "new\n");
    assert_eq!(std::fs::read_to_string(t.path("a")).unwrap(), "moved\n");
    assert!(!t.path("c").exists());
}

#[test]
fn unzip_replaces_a_file_inside_the_project() {
    let t = in_project(
        "python3 -c \"import zipfile; zipfile.ZipFile('a.zip','w').writestr('z.txt','new\\n')\" \
         && echo old > z.txt && unzip a.zip && echo unzipped",
    );
    t.expect("unzipped");
    assert_eq!(t.wait(), 0);
    assert_eq!(std::fs::read_to_string(t.path("z.txt")).unwrap(), "new\n");
    assert!(
        t.log().contains(r#"reason="unzip: replace""#),
        "{}",
        t.log()
    );
}

#[test]
fn tar_w_extracts_inside_the_project() {
    let t = in_project(
        "echo new > z.txt && tar cf a.tar z.txt && echo old > z.txt && tar -xwf a.tar && echo ok",
    );
    t.expect("ok");
    assert_eq!(t.wait(), 0);
    assert_eq!(std::fs::read_to_string(t.path("z.txt")).unwrap(), "new\n");
    assert!(t.log().contains(r#"reason="tar -w""#), "{}", t.log());
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
    // The diff's own words ("delete", "remove") do not make staging destructive.
    std::fs::write(dir.path().join("f.txt"), "one\n").unwrap();
    git(&["add", "f.txt"]);
    git(&["commit", "-qm", "first"]);
    std::fs::write(
        dir.path().join("f.txt"),
        "one\ndelete the old files, remove the cache\n",
    )
    .unwrap();
    let repo = dir.path().to_str().unwrap().to_owned();
    let t = Term::with_config(
        &fast_config(""),
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
    assert!(t.log().contains(r#"reason="git add -p""#), "{}", t.log());
}

#[test]
fn pip_uninstall_is_answered_and_finishes() {
    let t = in_project(
        "python3 -m venv --without-scm-ignore-files v 2>/dev/null || python3 -m venv v; \
         v/bin/python -m pip uninstall pip && echo pip-exit=$?",
    );
    t.expect("pip-exit=0");
    assert_eq!(t.wait(), 0);
    assert!(
        t.output().contains("Successfully uninstalled pip"),
        "{}",
        t.output()
    );
    assert!(t.log().contains(r#"reason="pip: proceed""#), "{}", t.log());
}

#[test]
fn npm_init_accepts_every_default_and_writes_package_json() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("my-tool");
    std::fs::create_dir(&project).unwrap();
    let options = Options {
        cwd: Some(project.clone()),
        ..Options::default()
    };
    let t = Term::with_config_in(dir, &fast_config(""), &["npm", "init"], &options);
    assert_eq!(t.wait(), 0, "{}", t.output());
    let written = std::fs::read_to_string(project.join("package.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(json["name"], "my-tool");
    assert_eq!(json["version"], "1.0.0");
    assert!(
        t.log().matches(r#"reason="npm init""#).count() >= 9,
        "{}",
        t.log()
    );
}

/// apt's exact text (a real `apt-get install` would change the machine).
const APT: &str = "Reading package lists... Done
Building dependency tree... Done
Reading state information... Done
The following NEW packages will be installed:
  jq libjq1 libonig5
0 upgraded, 3 newly installed, 0 to remove and 0 not upgraded.
Need to get 388 kB of archives.
After this operation, 1141 kB of additional disk space will be used.
";

#[test]
fn apt_continue_is_answered_when_it_removes_nothing() {
    let script = format!(
        "printf '%s' '{APT}'; printf 'Do you want to continue? [Y/n] '; read a; echo \"apt:[$a]\""
    );
    let t = in_project(&script);
    t.expect("apt:[y]");
    assert_eq!(t.wait(), 0);
}

#[test]
fn apt_continue_is_left_when_it_removes_packages() {
    let removing = APT.replace(
        "0 upgraded, 3 newly installed, 0 to remove",
        "0 upgraded, 0 newly installed, 212 to remove",
    );
    let script = format!(
        "printf '%s' '{removing}'; printf 'Do you want to continue? [Y/n] '; read a; echo \"apt:[$a]\""
    );
    let mut t = in_project(&script);
    t.expect_log(r#"LEFT_TO_USER: rule="apt: removes packages""#);
    t.send(b"n\r");
    t.expect("apt:[n]");
    t.wait();
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}

#[test]
fn a_default_no_or_destructive_confirmation_is_left_to_the_person() {
    for (question, why) in [
        ("Apply the change? [y/N] ", "it defaults to No ([y/N])"),
        (
            "Delete all 3,214 photos permanently? [y/N] ",
            "it defaults to No ([y/N])",
        ),
        (
            "This cannot be undone. Continue? [y/n] ",
            "its wording is destructive (cannot be undone)",
        ),
    ] {
        let program = format!("import sys; a = input({question:?}); print('answer:[' + a + ']')");
        let mut t = Term::with_config(&fast_config(""), &["python3", "-c", &program]);
        t.expect_log(&format!(r#"why="{why}""#));
        t.send(b"n\r");
        t.expect("answer:[n]");
        assert_eq!(t.wait(), 0);
        assert!(!t.log().contains("SEND_INPUT"), "{question}: {}", t.log());
    }
}

#[test]
fn ssh_keygen_overwrite_is_left_and_the_key_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_ed25519");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let before = std::fs::read(&key).unwrap();
    let key_arg = key.to_str().unwrap().to_owned();
    let mut t = Term::with_config_in(
        dir,
        &fast_config(""),
        &[
            "ssh-keygen",
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-f",
            &key_arg,
        ],
        &Options::default(),
    );
    t.expect_log(r#"why="its wording is destructive (overwrite)""#);
    t.send(b"n\r");
    t.wait();
    assert_eq!(
        std::fs::read(&key).unwrap(),
        before,
        "the key was overwritten"
    );
    assert!(!t.log().contains("SEND_INPUT"), "{}", t.log());
}
