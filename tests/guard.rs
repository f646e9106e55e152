//! The guard through the real binary: what programs really do to the file system is seen —
//! from every thread, fork and exec, Node's async `fs` included — described with absolute,
//! normalised paths, decided by the rules and the mode, and a denied call fails with EACCES
//! while the program goes on. Judged by files on disk, what the programs printed, the event log
//! and exit codes.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::{NESTED_ENV, Scratch, bin, wait_until};

/// How a scratch directory runs autoapprove here.
trait Runs {
    /// Runs `autoapprove ARGS…` without a terminal; what it printed (events go to stderr).
    fn run(&self, args: &[&str]) -> Output;

    /// Runs `sh -c SCRIPT` under `autoapprove GUARD_ARGS… --`.
    fn sh(&self, guard: &[&str], script: &str) -> Run {
        let mut args = guard.to_vec();
        args.extend(["--", "sh", "-c", script]);
        Run(self.run(&args))
    }
}

impl Runs for Scratch {
    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

struct Run(Output);

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    fn events(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    fn code(&self) -> Option<i32> {
        self.0.status.code()
    }
    /// The event line that names `call`, e.g. `GUARD_DENIED` for `open(/x, write)`.
    fn assert_event(&self, event: &str, call: &str) {
        let needle = format!("{event}: call=\"{call}\"");
        assert!(
            self.events().contains(&needle),
            "no {needle}\nevents:\n{}\noutput:\n{}",
            self.events(),
            self.stdout()
        );
    }
}

#[test]
fn every_call_family_is_seen_and_described_with_absolute_paths() {
    let s = Scratch::new();
    let script = r#"
        echo x > f; echo y >> f; mkdir d; mv f d/g; ln d/g hard; ln -s g d/soft
        chmod 600 d/g; chown -h 0:0 d/soft; truncate -s 0 d/g; touch d/g; mkfifo d/p
        python3 -c 'import os; os.truncate("d/g", 0)'
        python3 -c 'import os; os.setxattr("d/g", "user.tag", b"1")' 2>/dev/null
        python3 -c 'import os; os.removexattr("d/g", "user.tag")' 2>/dev/null
        cd d && rm ../hard soft p && cd .. && rm d/g && rmdir d
    "#;
    let run = s.sh(&["--guard=log"], script);
    assert_eq!(run.code(), Some(0), "{}", run.events());
    let p = |name: &str| s.real(name);
    for (event, call) in [
        (
            "GUARD_ALLOWED",
            format!("open({}, create+truncate+write)", p("f")),
        ),
        ("GUARD_ALLOWED", format!("open({}, create+write)", p("f"))),
        ("GUARD_ALLOWED", format!("mkdir({})", p("d"))),
        (
            "GUARD_ALLOWED",
            format!("rename({} -> {})", p("f"), p("d/g")),
        ),
        (
            "GUARD_ALLOWED",
            format!("link({} -> {})", p("d/g"), p("hard")),
        ),
        ("GUARD_ALLOWED", format!("symlink(g -> {})", p("d/soft"))),
        ("GUARD_ALLOWED", format!("chmod({}, 0600)", p("d/g"))),
        ("GUARD_ALLOWED", format!("chown({}, 0, 0)", p("d/soft"))),
        ("GUARD_ALLOWED", format!("utime({})", p("d/g"))),
        ("GUARD_ALLOWED", format!("truncate({})", p("d/g"))),
        ("GUARD_ALLOWED", format!("mknod({}, fifo)", p("d/p"))),
        ("GUARD_ALLOWED", format!("setxattr({}, user.tag)", p("d/g"))),
        (
            "GUARD_ALLOWED",
            format!("removexattr({}, user.tag)", p("d/g")),
        ),
        // Relative to a `cd`'d working directory, `..` resolved.
        ("GUARD_ALLOWED", format!("delete({})", p("hard"))),
        ("GUARD_ALLOWED", format!("delete({})", p("d/soft"))),
        ("GUARD_ALLOWED", format!("rmdir({})", p("d"))),
        (
            "GUARD_ALLOWED",
            "exec(/usr/bin/mkdir, [mkdir, d])".to_owned(),
        ),
    ] {
        run.assert_event(event, &call);
    }
    // `truncate -s 0` opens the file for writing (O_WRONLY|O_CREAT without O_TRUNC).
    assert!(
        run.events()
            .contains(&format!("open({}, create+write)", p("d/g")))
    );
    assert!(!s.path("d").exists(), "the log mode allowed everything");
}

#[test]
fn a_working_directory_reached_through_a_symlink_is_described_where_it_really_is() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("real")).unwrap();
    std::os::unix::fs::symlink(s.path("real"), s.path("link")).unwrap();
    let run = s.sh(
        &["--guard=log"],
        "cd link && echo x > f && cd .. && rm link/f",
    );
    run.assert_event(
        "GUARD_ALLOWED",
        &format!("open({}, create+truncate+write)", s.real("real/f")),
    );
    // A path through the link is normalised as written: the kernel follows the link.
    run.assert_event("GUARD_ALLOWED", &format!("delete({})", s.real("link/f")));
}

#[test]
fn a_denied_call_fails_with_permission_denied_and_the_program_goes_on() {
    let s = Scratch::new();
    let run = s.sh(
        &["--guard=deny", "--guard-allow", "open(**/ok, ...)"],
        "echo 1 > ok; echo 2 > no; echo \"after $?\"; exit 7",
    );
    assert_eq!(run.code(), Some(7), "the program's own exit status");
    assert!(
        run.stdout().contains("Permission denied"),
        "{}",
        run.stdout()
    );
    assert!(run.stdout().contains("after 2"), "{}", run.stdout());
    assert!(s.path("ok").exists());
    assert!(!s.path("no").exists());
    run.assert_event(
        "GUARD_DENIED",
        &format!("open({}, create+truncate+write)", s.real("no")),
    );
}

#[test]
fn threads_grandchildren_and_node_async_fs_are_all_supervised() {
    let s = Scratch::new();
    let python = r#"
import threading
def write():
    try:
        open("from-thread", "w").write("x")
        print("thread wrote")
    except OSError as e:
        print("thread refused:", e.errno)
t = threading.Thread(target=write); t.start(); t.join()
"#;
    std::fs::write(s.path("thread.py"), python).unwrap();
    let node = r"
const fs = require('fs');
fs.writeFile('from-node', 'x', (err) => {
  console.log('writeFile', err ? err.code : 'ok');
  fs.promises.mkdir('node-dir').then(
    () => console.log('mkdir ok'),
    (e) => console.log('mkdir', e.code));
});
";
    std::fs::write(s.path("fs.js"), node).unwrap();
    let allow = ["--guard=deny", "--guard-allow", "exec(...)"];
    // Two execs deep: sh → sh → python3, whose second thread writes.
    let run = s.sh(&allow, "sh -c 'python3 thread.py'");
    assert!(
        run.stdout().contains("thread refused: 13"),
        "{}",
        run.stdout()
    );
    assert!(!s.path("from-thread").exists());

    if support_node() {
        let run = s.sh(&allow, "node fs.js");
        assert!(
            run.stdout().contains("writeFile EACCES"),
            "{}",
            run.stdout()
        );
        assert!(run.stdout().contains("mkdir EACCES"), "{}", run.stdout());
        assert!(!s.path("from-node").exists() && !s.path("node-dir").exists());
        run.assert_event("GUARD_DENIED", &format!("mkdir({})", s.real("node-dir")));
        // And allowed, they happen.
        let run = s.sh(&["--guard=log"], "node fs.js");
        assert!(run.stdout().contains("mkdir ok"), "{}", run.stdout());
        assert!(s.path("from-node").exists() && s.path("node-dir").is_dir());
    }
}

/// Node runs on CI (it installs it for the Claude Code tests); elsewhere it may be missing.
fn support_node() -> bool {
    let found = Command::new("node").arg("--version").output().is_ok();
    assert!(
        found || std::env::var_os("CI").is_none_or(|v| v != "true"),
        "node is not installed, and CI=true"
    );
    found
}

#[test]
fn dot_dot_cannot_escape_an_allow_pattern_and_deny_beats_allow() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("allowed")).unwrap();
    std::fs::write(s.path("keep"), "k").unwrap();
    std::fs::write(s.path("other"), "o").unwrap();
    let inside = format!("open({}/**, ...)", s.real("allowed"));
    let run = s.sh(
        &[
            "--guard=deny",
            "--guard-allow",
            "exec(...)",
            "--guard-allow",
            &inside,
            "--guard-allow",
            "delete(**)",
            "--guard-deny",
            &format!("delete({})", s.real("keep")),
        ],
        "echo a > allowed/a; echo b > allowed/../escaped; rm keep other",
    );
    assert!(s.path("allowed/a").exists());
    assert!(
        !s.path("escaped").exists(),
        "`..` lands outside the pattern"
    );
    run.assert_event(
        "GUARD_DENIED",
        &format!("open({}, create+truncate+write)", s.real("escaped")),
    );
    assert!(s.path("keep").exists(), "the deny pattern wins");
    assert!(
        !s.path("other").exists(),
        "the allow pattern still allows the rest"
    );
}

#[test]
fn a_script_that_deletes_home_is_stopped_though_exec_and_delete_are_allowed() {
    let s = Scratch::new();
    std::fs::write(s.path("home/notes.txt"), "precious").unwrap();
    std::fs::write(
        s.path("cleanup.sh"),
        "cd \"$HOME\" && cd .. && rm -rf home\n",
    )
    .unwrap();
    let run = s.sh(
        &[
            "--guard=deny",
            "--guard-allow",
            "exec(...)",
            "--guard-allow",
            "delete(**)",
            "--guard-allow",
            "rmdir(**)",
        ],
        "sh cleanup.sh; rm -rf \"$HOME\"; echo still here",
    );
    assert!(s.path("home/notes.txt").exists(), "{}", run.events());
    assert!(run.stdout().contains("still here"));
    assert!(
        run.events()
            .contains("GUARD_DENIED: call=\"exec(/usr/bin/rm, [rm, -rf, home])\""),
        "{}",
        run.events()
    );
    assert!(
        run.events()
            .contains("dangerous command (recursive-delete)")
    );
}

#[test]
fn remembered_choices_decide_and_a_bad_pattern_is_an_error_with_its_column() {
    let s = Scratch::new();
    let choices = |args: &[&str]| {
        let mut all = vec!["choices"];
        all.extend(args);
        s.run(&all)
    };
    let pattern = format!("open({}/**, ...)", s.real(""));
    let pattern = pattern.replace("//**", "/**");
    assert!(choices(&["allow", "sh", &pattern]).status.success());
    let run = s.sh(&["--guard=deny"], "echo x > remembered");
    assert!(s.path("remembered").exists(), "{}", run.events());
    assert!(run.events().contains("remembered pattern") || !run.events().contains("GUARD_DENIED"));
    assert!(
        choices(&["deny", "sh", "open(**/remembered, ...)"])
            .status
            .success()
    );
    std::fs::remove_file(s.path("remembered")).unwrap();
    let run = s.sh(&["--guard=log"], "echo x > remembered");
    assert!(
        !s.path("remembered").exists(),
        "a remembered deny beats the log mode"
    );
    run.assert_event(
        "GUARD_DENIED",
        &format!("open({}, create+truncate+write)", s.real("remembered")),
    );

    let bad = s.run(&["--guard-allow", "open(/x, [a", "--", "true"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("invalid value 'open(/x, [a' for '--guard-allow <PATTERN>': column 10"),
        "{err}"
    );
}

#[test]
fn without_a_terminal_ask_denies_and_says_so() {
    let s = Scratch::new();
    let run = s.sh(&["--guard"], "echo x > f");
    assert!(!s.path("f").exists());
    assert!(
        run.events().contains("no terminal to ask on"),
        "{}",
        run.events()
    );
    run.assert_event(
        "GUARD_DENIED",
        &format!("open({}, create+truncate+write)", s.real("f")),
    );
}

#[test]
fn signals_inside_the_tree_go_on_and_outside_it_are_supervised() {
    let s = Scratch::new();
    let mut outsider = Command::new("sleep").arg("600").spawn().unwrap();
    let script = format!(
        "sleep 600 & kill $!; echo inside=$?; kill {} 2>/dev/null; echo outside=$?",
        outsider.id()
    );
    let run = s.sh(&["--guard=deny", "--guard-allow", "exec(...)"], &script);
    assert!(run.stdout().contains("inside=0"), "{}", run.stdout());
    assert!(run.stdout().contains("outside=1"), "{}", run.stdout());
    run.assert_event("GUARD_DENIED", &format!("kill({}, SIGTERM)", outsider.id()));
    assert!(outsider.try_wait().unwrap().is_none(), "the outsider lives");
    outsider.kill().unwrap();
    outsider.wait().unwrap();
}

#[test]
fn a_guard_inside_a_guard_refuses_to_start_and_says_why() {
    let s = Scratch::new();
    let inner = format!("{} --nested --guard=log -- true; echo inner=$?", bin());
    let run = s.sh(&["--guard=log"], &inner);
    assert!(run.stdout().contains("inner=1"), "{}", run.stdout());
    assert!(
        run.stdout()
            .contains("another seccomp supervisor is already attached"),
        "{}",
        run.stdout()
    );
}

#[test]
fn exit_status_passes_through_a_signal_death() {
    let s = Scratch::new();
    let run = s.sh(&["--guard=log"], "kill -KILL $$");
    assert_eq!(run.code(), Some(128 + 9));
}

#[test]
fn when_the_supervisor_dies_guarded_calls_fail() {
    use std::io::Write as _;
    let s = Scratch::new();
    let fifo = s.path("go");
    support::mkfifo(&fifo);
    let script = "trap '' HUP; exec 3>result; echo ready >&3; read x < go; \
                  true > victim 2>&3; echo \"rc=$?\" >&3";
    let mut child = s
        .command(&["--guard=log", "--", "sh", "-c", script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_file(&s.path("result"), "ready");
    child.kill().unwrap();
    child.wait().unwrap();
    // The program, still running, now tries to write.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .unwrap()
        .write_all(b"go\n")
        .unwrap();
    let result = wait_for_file(&s.path("result"), "rc=");
    assert!(!result.contains("rc=0"), "{result}");
    assert!(!s.path("victim").exists(), "nothing runs unguarded");
}

/// Waits until `path` holds `needle`; returns what it holds.
fn wait_for_file(path: &Path, needle: &str) -> String {
    let read = || std::fs::read_to_string(path).unwrap_or_default();
    wait_until(
        &format!("{} to hold {needle:?}", path.display()),
        || read().contains(needle),
        read,
    );
    read()
}

#[test]
fn no_block_refuses_a_run_that_would_wait_at_the_terminal() {
    // On a real terminal, where `--guard` would ask.
    let t = support::Term::shell(
        "cd \"$(mktemp -d)\"; \
         AUTOAPPROVE_NO_BLOCK=1 \"$AA\" --guard -- sh -c 'echo x > f'; echo \"aa=$? f=$(ls)\"; \
         PTAPP_NO_BLOCK=1 \"$AA\" --guard -- true; echo \"pt=$?\"; \
         AUTOAPPROVE_NO_BLOCK=1 \"$AA\" --guard=deny -- sh -c 'echo x > g'; echo \"deny=$? g=$(ls)\"; \
         AUTOAPPROVE_NO_BLOCK=1 \"$AA\" --guard --background bg -- true; echo \"bg=$? end\"",
    );
    // The last line read (the shell may be gone before the reader has all it wrote).
    t.expect(" end");
    assert_eq!(t.wait(), 0);
    let out = t.output();
    let line = |key: &str| {
        out.lines()
            .find(|l| l.starts_with(key))
            .map(|l| l.trim_end().to_owned())
    };
    assert_eq!(
        line("aa=").as_deref(),
        Some("aa=3 f="),
        "nothing ran: {out}"
    );
    assert_eq!(line("pt=").as_deref(), Some("pt=3"), "{out}");
    assert!(
        out.contains("AUTOAPPROVE_NO_BLOCK (or PTAPP_NO_BLOCK) is set: add --background DIR"),
        "{out}"
    );
    // Where another process answers, nothing waits at the terminal: it runs.
    assert!(out.contains("bg=0 end"), "{out}");
    // A mode that never asks runs: its write is denied, not asked about (sh's own status 2).
    assert!(out.contains("cannot create g: Permission denied"), "{out}");
    assert!(out.contains("deny=2 g=\r"), "{out}");
}

#[test]
fn what_stops_a_guarded_run_from_starting_is_said_in_one_line() {
    let s = Scratch::new();
    let missing = s.run(&["--guard", "--", "no-such-program-anywhere"]);
    assert_eq!(missing.status.code(), Some(127));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("command not found"), "{err}");

    let choices = s.path("config/autoapprove/choices.json");
    std::fs::create_dir_all(choices.parent().unwrap()).unwrap();
    std::fs::write(&choices, "{\"/usr/bin/sh\": [\n  \"open(/x\"\n]}").unwrap();
    let corrupt = s.run(&["--guard", "--", "sh", "-c", "true"]);
    assert_eq!(corrupt.status.code(), Some(2));
    let err = String::from_utf8_lossy(&corrupt.stderr);
    assert!(
        err.contains("choices.json") && err.contains("open(/x"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&choices).unwrap(),
        "{\"/usr/bin/sh\": [\n  \"open(/x\"\n]}",
        "never replaced"
    );
}

/// Without `CAP_SYS_ADMIN` the filter needs `no_new_privs`: a setuid program cannot elevate, and
/// the guard says so. Run as `nobody` through `su` (the tests run as root in CI).
#[test]
fn a_setuid_program_under_an_unprivileged_guard_is_named() {
    if !rustix::process::geteuid().is_root() {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v != "true"),
            "this test needs root (to become nobody), and CI=true"
        );
        eprintln!("SKIPPED: not root");
        return;
    }
    // A copy nobody can run, wherever the checkout is (a home directory may be closed to it).
    let place = tempfile::tempdir().unwrap();
    let open = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755);
    std::fs::set_permissions(place.path(), open.clone()).unwrap();
    let copy = place.path().join("autoapprove");
    std::fs::copy(bin(), &copy).unwrap();
    std::fs::set_permissions(&copy, open).unwrap();
    let command = format!(
        "{} --guard=log -- sh -c 'sudo -n true; echo sudo=$?'",
        copy.display()
    );
    let out = Command::new("su")
        .args(["nobody", "-s", "/bin/sh", "-c", &command])
        .current_dir("/")
        .env_remove(NESTED_ENV)
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let events = String::from_utf8_lossy(&out.stderr);
    assert!(events.contains("no_new_privs=true"), "{events}");
    assert!(
        events.contains("GUARD_NOTICE: message=\"/usr/bin/sudo is setuid/setgid: under the guard (no_new_privs) it cannot gain privileges\""),
        "{events}"
    );
    assert!(!stdout.contains("sudo=0"), "{stdout}");
}

#[test]
fn io_uring_is_not_there_under_the_guard() {
    let s = Scratch::new();
    // io_uring_setup(8, &params): its operations would never pass through the filter.
    let probe = "import ctypes; libc = ctypes.CDLL(None, use_errno=True); \
                 r = libc.syscall(425, 8, ctypes.create_string_buffer(120)); \
                 print('io_uring', r, ctypes.get_errno())";
    let run = s.sh(&["--guard=log"], &format!("python3 -c \"{probe}\""));
    assert!(run.stdout().contains("io_uring -1 38"), "{}", run.stdout());
}

#[test]
fn the_built_in_allows_are_shown_by_show_defaults() {
    let s = Scratch::new();
    let out = s.run(&["--show-defaults"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for allowed in [
        "open(/dev/null, ...)",
        "open(/dev/pts/*, ...)",
        "open(/proc/self/**, ...)",
        "exec of a path that does not exist",
    ] {
        assert!(text.contains(allowed), "{allowed} is not shown");
    }
    // And /dev/null is allowed by it, under a mode that denies everything else.
    let run = s.sh(&["--guard=deny"], "echo x > /dev/null && echo ok");
    assert!(run.stdout().contains("ok"), "{}", run.events());
}
