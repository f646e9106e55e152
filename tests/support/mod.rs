//! Test harness: runs the real `autoapprove` binary on a real PTY, as a terminal would, and
//! observes what the terminal shows, what the child received, the event log and the exit code.
//! Every wait has a deadline; nothing sleeps to let things happen.

#![allow(dead_code)] // each test binary uses part of the harness

pub mod claude;
pub mod mock_api;
pub mod tmux;

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Generous: CI machines are small and busy.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// What autoapprove sets in its child's environment; the tests may themselves run under one.
pub const NESTED_ENV: &str = "AUTOAPPROVE_PID";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_autoapprove")
}

/// Runs the binary with no terminal at all: stdin from /dev/null, stdout and stderr captured.
pub fn run_piped<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> std::process::Output {
    std::process::Command::new(bin())
        .args(args)
        .env_remove(NESTED_ENV)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// Makes a FIFO at `path`.
pub fn mkfifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

/// A scratch directory with its own home and config home (remembered choices land there), to
/// run autoapprove in without a terminal.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The path as the guard describes it (the temp dir may sit behind a symlink).
    pub fn real(&self, name: &str) -> String {
        let base = std::fs::canonicalize(self.dir.path()).unwrap();
        base.join(name).display().to_string()
    }

    /// `autoapprove ARGS…` in the directory, its stdin empty.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(bin());
        c.args(args)
            .current_dir(self.dir.path())
            .env_remove(NESTED_ENV)
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .stdin(std::process::Stdio::null());
        c
    }
}

/// Output seen on the terminal so far, with a condition variable to wait on.
type Shared = Arc<(Mutex<Vec<u8>>, Condvar)>;

pub struct Term {
    writer: File,
    control: File,
    seen: Shared,
    exit: std::sync::mpsc::Receiver<std::process::ExitStatus>,
    pid: i32,
    size: (u16, u16),
    /// The terminal's settings before the program started.
    initial: String,
    pub dir: tempfile::TempDir,
}

impl Term {
    /// Runs `autoapprove ARGS…` on a new 80×24 terminal, in a fresh temp dir.
    pub fn autoapprove(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::spawn_in(dir, bin(), args)
    }

    /// Runs `autoapprove --config <yaml> --log-file events.log -- CMD…`.
    pub fn with_config(yaml: &str, command: &[&str]) -> Self {
        Self::with_config_in(
            tempfile::tempdir().unwrap(),
            yaml,
            command,
            &Options::default(),
        )
    }

    /// Like [`Term::with_config`], in `dir` (rules.yaml and events.log go there), with `options`.
    pub fn with_config_in(
        dir: tempfile::TempDir,
        yaml: &str,
        command: &[&str],
        options: &Options,
    ) -> Self {
        Self::with_flags_in(dir, yaml, &[], command, options)
    }

    /// Like [`Term::with_config_in`], with more of autoapprove's own `flags` before `--`.
    pub fn with_flags_in(
        dir: tempfile::TempDir,
        yaml: &str,
        flags: &[&str],
        command: &[&str],
        options: &Options,
    ) -> Self {
        std::fs::write(dir.path().join("rules.yaml"), yaml).unwrap();
        let config = dir.path().join("rules.yaml");
        let log = dir.path().join("events.log");
        let mut args = vec![
            "--config",
            config.to_str().unwrap(),
            "--log-file",
            log.to_str().unwrap(),
        ];
        args.extend_from_slice(flags);
        args.push("--");
        args.extend_from_slice(command);
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Self::spawn_with(dir, bin(), &refs, options)
    }

    /// Runs `sh -c SCRIPT` on the terminal, with `$AA` naming the autoapprove binary.
    pub fn shell(script: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::spawn_in(dir, "sh", &["-c", script])
    }

    fn spawn_in(dir: tempfile::TempDir, program: &str, args: &[&str]) -> Self {
        Self::spawn_with(dir, program, args, &Options::default())
    }

    fn spawn_with(dir: tempfile::TempDir, program: &str, args: &[&str], options: &Options) -> Self {
        let (pty, pts) = pty_process::blocking::open().unwrap();
        pty.resize(pty_process::Size::new(options.rows, options.cols))
            .unwrap();
        let initial = format!("{:?}", rustix::termios::tcgetattr(&pty).unwrap());
        let mut command = pty_process::blocking::Command::new(program)
            .args(args)
            .current_dir(options.cwd.as_deref().unwrap_or(dir.path()))
            .env("AA", bin())
            .env("TERM", "xterm-256color")
            .env_remove(NESTED_ENV);
        for name in &options.env_remove {
            command = command.env_remove(name);
        }
        for (name, value) in &options.env {
            command = command.env(name, value);
        }
        let child = command.spawn(pts).unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        let master = File::from(std::os::fd::OwnedFd::from(pty));
        let mut reader = master.try_clone().unwrap();
        let control = master.try_clone().unwrap();
        let seen: Shared = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let sink = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        sink.0.lock().unwrap().extend_from_slice(&buf[..n]);
                        sink.1.notify_all();
                    }
                }
            }
            // Wake waiters one last time: nothing more will come.
            sink.1.notify_all();
        });
        let (tx, exit) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut child = child;
            if let Ok(status) = child.wait() {
                let _ = tx.send(status);
            }
        });
        Self {
            writer: master,
            control,
            seen,
            exit,
            pid,
            size: (options.cols, options.rows),
            initial,
            dir,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Everything the terminal has shown so far, escapes included.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.seen.0.lock().unwrap()).into_owned()
    }

    /// The terminal's screen as text, rendered from everything shown so far.
    pub fn screen(&self) -> String {
        let mut screen = autoapprove::prompts::screen::Screen::new(self.size.0, self.size.1);
        screen.feed(&self.seen.0.lock().unwrap());
        screen.text()
    }

    /// Waits until the screen shows `needle` (for programs that paint with cursor moves). Our
    /// own screen model says when to look; tmux, rendering the same bytes, is the judge.
    pub fn expect_screen(&self, needle: &str) {
        let (cols, rows) = self.size;
        self.expect_bytes(needle, |bytes| {
            let mut screen = autoapprove::prompts::screen::Screen::new(cols, rows);
            screen.feed(bytes);
            screen.text().contains(needle)
        });
        let bytes = self.seen.0.lock().unwrap().clone();
        if let Some(shown) = tmux::Tmux::render(&bytes, cols, rows) {
            // tmux keeps the width of each row: compare with runs of spaces folded, as the model
            // joins wrapped rows.
            let fold = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                fold(&shown).contains(&fold(needle)),
                "tmux does not show {needle:?}:\n{shown}"
            );
        }
    }

    /// Waits until the terminal has shown `needle`; panics with the output at the deadline.
    pub fn expect(&self, needle: &str) {
        self.expect_where(needle, |out| out.contains(needle));
    }

    /// Waits until `check` holds for the terminal output.
    pub fn expect_where(&self, what: &str, check: impl Fn(&str) -> bool) {
        self.expect_bytes(what, |bytes| check(&String::from_utf8_lossy(bytes)));
    }

    fn expect_bytes(&self, what: &str, check: impl Fn(&[u8]) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        let (lock, cond) = &*self.seen;
        let mut seen = lock.lock().unwrap();
        loop {
            if check(&seen) {
                return;
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "timed out waiting for {what:?}; the terminal showed:\n{}",
                String::from_utf8_lossy(&seen)
            );
            seen = cond.wait_timeout(seen, deadline - now).unwrap().0;
        }
    }

    /// Types bytes, as the user would.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    /// The most memory the process on the terminal has held (its `VmHWM`), in KiB.
    pub fn peak_memory_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        let size = rustix::termios::Winsize {
            ws_col: cols,
            ws_row: rows,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        rustix::termios::tcsetwinsize(&self.control, size).unwrap();
    }

    /// Waits for the process on the terminal to exit; returns its exit code (128+N for signal N).
    pub fn wait(&self) -> i32 {
        let status = self
            .exit
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("did not exit; the terminal showed:\n{}", self.output()));
        status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
    }

    /// Waits until the event log holds `needle` (the log file is the readiness marker); returns
    /// the log.
    pub fn expect_log(&self, needle: &str) -> String {
        wait_until(
            &format!("{needle:?} in the log"),
            || self.log().contains(needle),
            || format!("{}\nterminal:\n{}", self.log(), self.output()),
        );
        self.log()
    }

    /// The event log (`--log-file events.log`), read now.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("events.log")).unwrap_or_default()
    }
}

/// Waits until `check` holds, polling every 10 ms up to the deadline (files and logs cannot be
/// waited on otherwise); panics with `what` and what `context` says then.
pub fn wait_until(what: &str, check: impl Fn() -> bool, context: impl Fn() -> String) {
    let deadline = Instant::now() + DEADLINE;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}:\n{}",
            context()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How to start the process on the terminal.
pub struct Options {
    pub cols: u16,
    pub rows: u16,
    /// The working directory (default: the test's temp dir).
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub env_remove: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            cols: 80,
            rows: 24,
            cwd: None,
            env: Vec::new(),
            env_remove: Vec::new(),
        }
    }
}

/// A config with fast timings, for tests: settle 50ms, no send interval, idle far away.
pub fn fast_config(rules: &str) -> String {
    format!(
        "settle: 50ms\nsettle_max: 500ms\nmin_send_interval: 0s\nkey_gap: 0s\nidle_timeout: 10m\n{rules}"
    )
}

/// Writes an executable script into `dir`.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

impl Term {
    /// The terminal's current settings, as the child side sees them.
    pub fn termios(&self) -> String {
        format!("{:?}", rustix::termios::tcgetattr(&self.control).unwrap())
    }

    /// The terminal's settings before the program started (it may change them at once).
    pub fn initial_termios(&self) -> &str {
        &self.initial
    }

    /// Sends a signal to the process running on the terminal (autoapprove itself).
    pub fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.pid).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
    }
}
