//! The session: the one I/O loop. It starts the child and the helper threads (keyboard, watcher),
//! relays the child's output to stdout byte for byte (first, so automation never delays what the
//! user sees) and then to the watcher, forwards window size and signals, asks the watcher what the
//! screen shows when output settles, hears from the keyboard thread what the user typed, and
//! carries out the engine's actions. It ends when the child has exited and its PTY has drained.
//!
//! The only module that reads the PTY, writes stdout and handles signals; every byte sent to the
//! child on the automation's behalf comes from an engine `Send` action.

use std::ffi::OsString;
use std::os::fd::{AsFd as _, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rustix::process::Signal;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::child::{self, Spawned};
use crate::config::Config;
use crate::detector::Seen;
use crate::engine::{Action, Engine, Input};
use crate::events::{Event, State};
use crate::input::{self, UserInput};
use crate::keys::{self, Key};
use crate::log::Log;
use crate::term::{self, Banners, RawMode};
use crate::watcher::Watcher;

/// How long the PTY may keep talking after the child exited (a background grandchild can hold it
/// open forever).
const DRAIN: Duration = Duration::from_millis(500);
/// How long the child's group has to exit after a forwarded SIGTERM/SIGHUP before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(3);
/// How much is read from the PTY at once, into one reused buffer.
const CHUNK: usize = 64 * 1024;
/// Output is copied out of the read buffer and gathered until there is this much before it is
/// handed to the watcher, so an echoed key or a spinner frame does not wake the screen thread, and
/// chunks in flight hold about 8 KiB each (a PTY read returns at most 4 KiB).
const BATCH: usize = 4 * 1024;

/// Runs `command` under autoapprove until it exits; returns autoapprove's exit code.
pub async fn run(command: Vec<OsString>, config: Config, log: Log) -> anyhow::Result<i32> {
    let (cols, rows) = term::window_size();
    let Spawned { pty, child, pid } = child::spawn(&command, cols, rows)?;
    // A second handle on the master for ioctls (size, foreground group): the halves hide the fd.
    let control = rustix::io::dup(pty.as_fd()).context("cannot duplicate the PTY")?;
    let (pty_read, pty_write) = pty.into_split();
    let raw = RawMode::enable().context("cannot put the terminal in raw mode")?;

    let (writes, write_rx) = mpsc::unbounded_channel();
    tokio::spawn(write_keys(pty_write, write_rx, config.key_gap));
    // The user's keys go to the child from the stdin thread, through its own handle on the PTY.
    let keyboard = rustix::io::dup(&control).context("cannot duplicate the PTY")?;
    let user = input::spawn(keyboard, config.toggle_key, term::stdin_is_tty());

    // One copy for the session, the engine and the watcher: compiled rules are not small.
    let config = Arc::new(config);
    let now = Instant::now();
    let (watcher, seen) = Watcher::start(Arc::clone(&config), cols, rows)
        .context("cannot start the screen thread")?;
    let mut session = Session {
        engine: Engine::new(Arc::clone(&config), now.into_std()),
        watcher,
        unparsed: Vec::with_capacity(2 * BATCH),
        size: (cols, rows),
        output_seq: 0,
        asked_at: None,
        config,
        log,
        banners: Banners::new(),
        writes,
        control,
        pid,
        stdout_ok: true,
        child_running: true,
        kill_at: None,
        settle_at: None,
        unsettled_since: None,
    };
    session.log.emit(&Event::Started {
        command: command
            .iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        config: session.config.source.clone(),
        profile: session.config.profile.clone(),
        pid: pid.as_raw_nonzero().get().unsigned_abs(),
        cols,
        rows,
    });
    session.show_state(None, None);

    let code = session.relay(pty_read, child, seen, user).await?;
    session.banners.finish();
    drop(raw);
    Ok(code)
}

/// Types the automation's keys into the child's PTY, in order, one per write with `gap` between
/// them. (The user's own keys go straight from the stdin thread.)
async fn write_keys(
    mut pty: pty_process::OwnedWritePty,
    mut sends: mpsc::UnboundedReceiver<Vec<Key>>,
    gap: Duration,
) {
    while let Some(keys) = sends.recv().await {
        for (i, key) in keys.iter().enumerate() {
            if i > 0 && !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            if pty.write_all(&key.0).await.is_err() {
                return; // the child's side is gone; the session notices through the read half
            }
        }
    }
}

struct Session {
    config: Arc<Config>,
    engine: Engine,
    watcher: Watcher,
    /// Small output not yet handed to the watcher (see [`BATCH`]).
    unparsed: Vec<u8>,
    /// The child's terminal size, as last set.
    size: (u16, u16),
    /// Counts output chunks, so an answer about an older screen can be told apart.
    output_seq: u64,
    /// The `output_seq` at the pending question to the watcher, if one is out.
    asked_at: Option<u64>,
    log: Log,
    banners: Banners,
    writes: mpsc::UnboundedSender<Vec<Key>>,
    control: OwnedFd,
    pid: rustix::process::Pid,
    stdout_ok: bool,
    child_running: bool,
    /// When to SIGKILL the child's group, after a forwarded SIGTERM/SIGHUP.
    kill_at: Option<Instant>,
    /// When to run the detector: output has been quiet for `settle`…
    settle_at: Option<Instant>,
    /// …or has not stopped for `settle_max`.
    unsettled_since: Option<Instant>,
}

impl Session {
    async fn relay(
        &mut self,
        mut pty: pty_process::OwnedReadPty,
        mut child: tokio::process::Child,
        mut seen: mpsc::UnboundedReceiver<Seen>,
        mut user: mpsc::UnboundedReceiver<UserInput>,
    ) -> anyhow::Result<i32> {
        let mut winch = signal(SignalKind::window_change())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let mut int = signal(SignalKind::interrupt())?;

        let mut chunk = Vec::with_capacity(CHUNK);
        let mut pty_open = true;
        let mut stdin_open = true;
        let mut status = None;
        let mut drain_until = None;

        loop {
            if status.is_some() && (!pty_open || drain_until.is_some_and(|d| Instant::now() >= d)) {
                break;
            }
            let deadline = [
                self.detect_at(),
                self.engine.next_deadline().map(Instant::from_std),
                drain_until,
                self.kill_at,
            ]
            .into_iter()
            .flatten()
            .min();

            tokio::select! {
                read = pty.read_buf(&mut chunk), if pty_open => match read {
                    Ok(0) => pty_open = false,
                    Ok(_) => {
                        self.on_output(&chunk);
                        chunk.clear();
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    // EIO: every slave fd is closed — the PTY's end-of-file.
                    Err(_) => pty_open = false,
                },
                exited = child.wait(), if status.is_none() => {
                    status = Some(exited.context("waiting for the child")?);
                    drain_until = Some(Instant::now() + DRAIN);
                    self.child_running = false;
                    self.kill_at = None;
                },
                got = user.recv(), if stdin_open => match got {
                    Some(UserInput::Keys { typed, toggles, interrupt }) => {
                        self.on_user_keys(typed, toggles, interrupt);
                    }
                    Some(UserInput::Closed) | None => stdin_open = false,
                },
                Some(answer) = seen.recv() => self.on_seen(answer),
                _ = winch.recv() => self.on_resize(),
                _ = term.recv() => self.hang_up(Signal::TERM, "SIGTERM"),
                _ = hup.recv() => self.hang_up(Signal::HUP, "SIGHUP"),
                _ = int.recv() => self.on_sigint(),
                () = sleep_until(deadline) => {
                    let now = Instant::now();
                    if self.kill_at.is_some_and(|k| now >= k) {
                        child::signal_group(self.pid, Signal::KILL);
                        self.log.emit(&Event::SignalForwarded { signal: "SIGKILL" });
                        self.kill_at = None;
                    }
                    if self.detect_at().is_some_and(|d| now >= d) {
                        self.ask_watcher();
                    }
                    let actions = self.engine.handle(now.into_std(), Input::Tick);
                    self.apply(actions);
                },
            }
        }

        let status = status.expect("the loop ends only after the child exited");
        let (code, signal) = child::exit_code(status);
        self.log.emit(&Event::ChildExited { code, signal });
        Ok(code)
    }

    fn on_output(&mut self, bytes: &[u8]) {
        // The user sees the bytes first; everything else comes after.
        if self.stdout_ok && !write_stdout(bytes) {
            // Whoever read our output is gone (`autoapprove -- yes | head -1`): hang up on the
            // child as a closed terminal would, rather than relay into the void forever.
            self.stdout_ok = false;
            self.hang_up(Signal::HUP, "SIGHUP");
        }
        self.unparsed.extend_from_slice(bytes);
        if self.unparsed.len() >= BATCH {
            self.flush_to_watcher();
        }
        self.output_seq += 1;
        let now = Instant::now();
        self.settle_at = Some(now + self.config.settle);
        self.unsettled_since.get_or_insert(now);
        let actions = self.engine.handle(now.into_std(), Input::Output);
        self.apply(actions);
    }

    fn detect_at(&self) -> Option<Instant> {
        let settle = self.settle_at?;
        Some(settle.min(self.unsettled_since.unwrap_or(settle) + self.config.settle_max))
    }

    /// Hands gathered small output to the watcher: before every question and resize, so the
    /// watcher always answers about everything relayed so far.
    fn flush_to_watcher(&mut self) {
        if !self.unparsed.is_empty() {
            let batch = std::mem::replace(&mut self.unparsed, Vec::with_capacity(2 * BATCH));
            self.watcher.feed(batch);
        }
    }

    fn ask_watcher(&mut self) {
        self.settle_at = None;
        self.unsettled_since = None;
        if self.asked_at.is_none() {
            self.asked_at = Some(self.output_seq);
            self.flush_to_watcher();
            self.watcher.detect();
        }
    }

    /// The watcher's answer. One about a screen that has changed since is dropped: the new
    /// output re-armed the settle timer, and the next question sees it.
    fn on_seen(&mut self, seen: Seen) {
        let asked_at = self.asked_at.take();
        if asked_at != Some(self.output_seq) {
            return;
        }
        let settled = Input::Settled {
            prompt: seen.prompt,
            context: seen.context,
        };
        let actions = self.engine.handle(Instant::now().into_std(), settled);
        self.apply(actions);
    }

    /// What the user typed (already passed to the child by the stdin thread).
    fn on_user_keys(&mut self, typed: bool, toggles: usize, interrupt: bool) {
        let now = Instant::now().into_std();
        if typed {
            let actions = self.engine.handle(now, Input::UserKey);
            self.apply(actions);
        }
        for _ in 0..toggles {
            let actions = self.engine.handle(now, Input::Toggle);
            self.apply(actions);
            if self.engine.state() == State::Running {
                // Look at the screen again right away: a prompt may be waiting.
                self.settle_at = Some(Instant::now());
            }
        }
        if interrupt {
            let actions = self.engine.handle(now, Input::Interrupt);
            self.apply(actions);
        }
    }

    fn on_resize(&mut self) {
        let (cols, rows) = term::window_size();
        if (cols, rows) == self.size {
            return;
        }
        let size = rustix::termios::Winsize {
            ws_col: cols,
            ws_row: rows,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // The kernel sends SIGWINCH to the child's foreground group.
        let _ = rustix::termios::tcsetwinsize(&self.control, size);
        self.flush_to_watcher();
        self.watcher.resize(cols, rows);
        self.size = (cols, rows);
        self.log.emit(&Event::Resized { cols, rows });
    }

    /// SIGINT reaches autoapprove only when stdin is not a terminal (or from `kill`): pass it to
    /// the program in the foreground of the child's terminal, and hand control to the human.
    fn on_sigint(&mut self) {
        let group = rustix::termios::tcgetpgrp(&self.control).unwrap_or(self.pid);
        child::signal_group(group, Signal::INT);
        self.log.emit(&Event::SignalForwarded { signal: "SIGINT" });
        let actions = self
            .engine
            .handle(Instant::now().into_std(), Input::Interrupt);
        self.apply(actions);
    }

    /// Forwards a terminating signal to the child's group, and arms the SIGKILL escalation.
    fn hang_up(&mut self, sig: Signal, name: &'static str) {
        if self.child_running {
            child::signal_group(self.pid, sig);
            self.log.emit(&Event::SignalForwarded { signal: name });
            self.kill_at.get_or_insert(Instant::now() + KILL_GRACE);
        }
    }

    fn apply(&mut self, actions: Vec<Action>) {
        let mut dangerous = None;
        let mut changed_from = None;
        let mut left = None;
        for action in actions {
            match action {
                Action::Send(keys) => {
                    let _ = self.writes.send(keys);
                }
                Action::Emit(event) => {
                    self.log.emit(&event);
                    match &event {
                        Event::DangerousCommand {
                            category, excerpt, ..
                        } => dangerous = Some(format!("{category}: {excerpt}")),
                        Event::StateChanged { from, .. } => {
                            changed_from.get_or_insert(*from);
                        }
                        Event::LeftToUser { rule } => left = Some(rule.clone()),
                        _ => {}
                    }
                }
            }
        }
        if let Some(from) = changed_from {
            self.show_state(Some(from), dangerous.as_deref());
        } else if let Some(rule) = left {
            let (cols, _) = self.size;
            let text = format!(
                "{}: left to you, answer it yourself",
                keys::escape_str(&rule)
            );
            self.banners.show(&text, cols, true);
        }
    }

    /// Tells the user the automation's state: the window title always, a banner when control
    /// changes hands, and the bell for a refused dangerous command.
    fn show_state(&mut self, from: Option<State>, dangerous: Option<&str>) {
        let state = self.engine.state();
        let key = keys::display_name(&self.config.toggle_key_name);
        self.banners
            .title(&format!("autoapprove: {}", state.as_str()));
        let (cols, _) = self.size;
        let (text, bell) = match (from, state, dangerous) {
            (_, State::Manual, Some(what)) => (
                format!(
                    "DANGEROUS COMMAND, not approved ({}). MANUAL_MODE: answer it yourself; {key} resumes automation",
                    keys::escape_str(what)
                ),
                true,
            ),
            (_, State::Manual, None) => (
                format!("MANUAL_MODE: nothing is answered for you; {key} resumes automation"),
                false,
            ),
            (Some(State::Manual), _, _) => (
                format!("RUNNING: automation resumed; {key} takes control"),
                false,
            ),
            _ => return,
        };
        self.banners.show(&text, cols, bell);
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Writes all of `bytes` to stdout, waiting while it is full. Returns false once stdout is gone
/// (a closed pipe, a hung-up terminal): the session goes on without it.
fn write_stdout(mut bytes: &[u8]) -> bool {
    let out = rustix::stdio::stdout();
    while !bytes.is_empty() {
        match rustix::io::write(out, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => {
                let mut fds = [rustix::event::PollFd::new(
                    &out,
                    rustix::event::PollFlags::OUT,
                )];
                let _ = rustix::event::poll(&mut fds, None);
            }
            Err(_) => return false,
        }
    }
    true
}
