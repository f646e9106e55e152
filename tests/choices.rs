//! `autoapprove choices …` through the real binary: remembered choices added, shown, listed,
//! cleared and imported, in a private `XDG_CONFIG_HOME`; bad requests and files exit 2 and change
//! nothing.

use std::process::{Command, Output};

fn choices(config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autoapprove"))
        .arg("choices")
        .args(args)
        .env("XDG_CONFIG_HOME", config)
        .env_remove("AUTOAPPROVE_PID")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn choices_are_added_shown_listed_cleared_and_imported() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let key = std::path::absolute(
        std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join("sh"))
            .find(|p| p.is_file())
            .unwrap(),
    )
    .unwrap();
    let key = key.to_str().unwrap();

    let out = stdout(&choices(config, &["allow", "sh", "open(/tmp/**, _)"]));
    assert_eq!(out, "allow open(/tmp/**, _)\n");
    let out = stdout(&choices(config, &["deny", "sh", "delete(_)"]));
    assert_eq!(out, "allow open(/tmp/**, _)\ndeny delete(_)\n");
    let file = config.join("autoapprove/choices.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json[key][0], "open(/tmp/**, _)");
    assert_eq!(json[format!("{key}:deny")][0], "delete(_)");
    assert_eq!(
        stdout(&choices(config, &["list"])),
        format!("{key}  1 allowed, 1 denied\n")
    );

    let theirs = dir.path().join("profiles.json");
    std::fs::write(
        &theirs,
        r#"{"/opt/tool": ["exec(...)"], "/opt/tool:deny": ["rmdir(_)"]}"#,
    )
    .unwrap();
    let out = stdout(&choices(config, &["import", theirs.to_str().unwrap()]));
    assert!(out.starts_with("imported 2 patterns"), "{out}");
    assert_eq!(
        stdout(&choices(config, &["show", "/opt/tool"])),
        "allow exec(...)\ndeny rmdir(_)\n"
    );

    assert_eq!(
        stdout(&choices(config, &["clear", "sh"])),
        format!("cleared {key}\n")
    );
    assert_eq!(
        stdout(&choices(config, &["show", "sh"])),
        format!("no choices for {key}\n")
    );
}

#[test]
fn bad_requests_and_files_exit_2_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    for (args, says) in [
        (&["allow", "sh", "open(/(x/, _)"][..], "invalid regex"),
        (
            &["allow", "surely-no-such-program", "exec(...)"][..],
            "no program `surely-no-such-program` in PATH",
        ),
        (&["frobnicate"][..], "unrecognized subcommand 'frobnicate'"),
        (
            &["import", "/surely/no/such/profiles.json"][..],
            "/surely/no/such/profiles.json: no such file to import",
        ),
        (&[][..], "Usage: autoapprove choices <COMMAND>"),
    ] {
        let out = choices(config, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(!config.join("autoapprove/choices.json").exists());

    let file = config.join("autoapprove/choices.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "{\"/bin/a\": [oops]}").unwrap();
    let out = choices(config, &["allow", "sh", "exec(...)"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 1 column 13"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\"/bin/a\": [oops]}"
    );
}
