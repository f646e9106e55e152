//! A real terminal emulator as the oracle: tmux, on a private server, running a command in a
//! detached pane of a fixed size. What the pane shows (`capture-pane -e`: text, colours and
//! attributes) and where its cursor is are tmux's own reading of the bytes, independent of
//! autoapprove's screen model.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::DEADLINE;

pub struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `command` (run by `sh -c`) in a `cols`×`rows` pane, with `env` set, in `cwd`.
    /// Without tmux on the machine this fails under `CI=true`, and returns `None` otherwise.
    pub fn start(
        command: &str,
        env: &[(&str, &str)],
        cwd: &Path,
        cols: u16,
        rows: u16,
    ) -> Option<Self> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none_or(|v| v != "true"),
                "tmux is not installed, and CI=true: the terminal tests cannot run"
            );
            eprintln!("SKIPPED: tmux is not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("tmux.sock");
        let mut new = Command::new("tmux");
        new.env_remove(super::NESTED_ENV);
        new.arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d"]);
        new.args(["-x", &cols.to_string(), "-y", &rows.to_string()]);
        new.arg("-c").arg(cwd);
        for (key, value) in env {
            new.args(["-e", &format!("{key}={value}")]);
        }
        new.arg(command);
        let status = new.status().unwrap();
        assert!(status.success(), "tmux new-session failed");
        let tmux = Self { socket, _dir: dir };
        // Keep the pane's last screen if the command ends, so a failure can still be read.
        tmux.run(&["set-option", "-g", "remain-on-exit", "on"]);
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The pane as tmux shows it, with colours and attributes as escape sequences. Trailing
    /// blanks are trimmed, and so are attribute changes at the end of a line, which colour
    /// nothing: tmux writes one where a line once held more cells (written and erased blanks
    /// look the same).
    pub fn capture(&self) -> String {
        let raw = self.run(&["capture-pane", "-p", "-e"]);
        raw.lines()
            .map(trim_trailing_sgr)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The pane's text only.
    pub fn text(&self) -> String {
        self.run(&["capture-pane", "-p"])
    }

    /// A tmux format (`#{cursor_x}` …) expanded for the pane.
    pub fn format(&self, format: &str) -> String {
        self.run(&["display-message", "-p", format])
            .trim()
            .to_owned()
    }

    /// Waits (up to the deadline) until a command in the pane runs `tmux wait-for -S name`.
    pub fn wait_for_signal(&self, name: &str) {
        let status = Command::new("timeout")
            .arg(DEADLINE.as_secs().to_string())
            .arg("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["wait-for", name])
            .status()
            .unwrap();
        assert!(
            status.success(),
            "the pane never signalled {name}:\n{}",
            self.text()
        );
    }

    /// How tmux shows `bytes` written to a `cols`×`rows` terminal, as text.
    pub fn render(bytes: &[u8], cols: u16, rows: u16) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bytes");
        std::fs::write(&file, bytes).unwrap();
        // Raw, so the terminal gets the bytes as they are (no newline translation).
        let command = format!(
            "stty raw -echo; cat '{}'; tmux wait-for -S shown; exec cat",
            file.display()
        );
        let tmux = Self::start(&command, &[], dir.path(), cols, rows)?;
        tmux.wait_for_signal("shown");
        Some(tmux.text())
    }

    /// Resizes the window, as the user would (the program gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        self.run(&[
            "resize-window",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
        ]);
    }

    /// Types `bytes`, as the user would.
    pub fn send(&self, bytes: &[u8]) {
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut args = vec!["send-keys", "-H"];
        args.extend(hex.iter().map(String::as_str));
        self.run(&args);
    }

    /// Waits until `check` holds for the pane's text; panics with the pane at the deadline.
    pub fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let text = self.text();
            if check(&text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the pane shows:\n{text}"
            );
            // tmux cannot notify a change of its screen: this is a poll interval, the deadline
            // above is what bounds the wait.
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    pub fn expect(&self, needle: &str) {
        self.wait_for(&format!("{needle:?}"), |t| t.contains(needle));
    }
}

/// `line` without the SGR sequences (`ESC [ … m`) at its end.
fn trim_trailing_sgr(mut line: &str) -> &str {
    while line.ends_with('m') {
        let Some(start) = line.rfind("\x1b[") else {
            break;
        };
        let body = &line[start + 2..line.len() - 1];
        if !body
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b';' || b == b':')
        {
            break;
        }
        line = &line[..start];
    }
    line
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}
