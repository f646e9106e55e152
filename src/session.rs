//! The session: the loop that decides. It starts the child and the threads that move bytes
//! (relay, keyboard, typist, watcher), hears from the relay that output happened, asks the watcher
//! what the screen shows when output settles, hears from the keyboard thread what the user typed,
//! forwards window size and signals, and carries out the engine's actions. It ends when the child
//! has exited and its PTY has drained.
//!
//! No byte of output passes through it: the relay thread writes it to the user and hands it to the
//! watcher. It is the only module that handles signals, and every byte sent to the child on the
//! automation's behalf comes from an engine `Send` action.

use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rustix::process::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::config::Config;
use crate::events::{Event, State};
use crate::log::Log;
use crate::prompts::engine::{Action, Engine, Input};
use crate::prompts::keys::{self, Key};
use crate::prompts::watcher::{Answer, Watcher};
use crate::pty::child::{self, Spawned};
use crate::pty::keyboard::{self, Typing, UserInput};
use crate::pty::relay::{self, Look, Relay};
use crate::pty::term::{self, Banners, RawMode};
use crate::pty::typist;

/// How long the PTY may keep talking after the child exited (a background grandchild can hold it
/// open forever).
const DRAIN: Duration = Duration::from_millis(500);
/// How long the child's group has to exit after a forwarded SIGTERM/SIGHUP before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(3);

/// Runs `command` under autoapprove until it exits; returns autoapprove's exit code.
pub async fn run(command: Vec<OsString>, config: Config, log: Log) -> anyhow::Result<i32> {
    // Before anything can reach the user: a signal that comes once the child's first output is
    // on screen must find its handler in place, not end autoapprove with the terminal raw.
    let signals = Signals::new().context("cannot handle signals")?;
    let (cols, rows) = term::window_size();
    let Spawned { pty, child, pid } = child::spawn(&command, cols, rows)?;
    // Each thread has its own handle on the master; this one is for ioctls (size, foreground
    // group).
    let dup = || rustix::io::dup(&pty).context("cannot duplicate the PTY");
    let control = dup()?;
    let raw = RawMode::enable().context("cannot put the terminal in raw mode")?;

    let writes = typist::start(dup()?, config.key_gap).context("cannot start the typist thread")?;
    // The user's keys go to the child from the stdin thread, through its own handle on the PTY.
    let (user, typing) = keyboard::spawn(dup()?, config.toggle_key, term::stdin_is_tty())
        .context("cannot start the keyboard thread")?;

    // One copy for the session, the engine and the watcher: compiled rules are not small.
    let config = Arc::new(config);
    let now = Instant::now();
    let (watcher, feed, answers) = Watcher::start(Arc::clone(&config), cols, rows)
        .context("cannot start the screen thread")?;
    let relay =
        relay::start(pty, feed, term::write_output).context("cannot start the relay thread")?;
    let mut session = Session {
        engine: Engine::new(Arc::clone(&config), now.into_std()),
        watcher,
        relay,
        typing,
        pty_open: true,
        relayed: 0,
        size: (cols, rows),
        asking: false,
        config,
        log,
        banners: Banners::new(),
        writes,
        control,
        pid,
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

    let code = session.run(child, signals, answers, user).await?;
    session.banners.finish();
    drop(raw);
    Ok(code)
}

/// The signals the session handles.
struct Signals {
    winch: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            winch: signal(SignalKind::window_change())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }
}

struct Session {
    config: Arc<Config>,
    engine: Engine,
    watcher: Watcher,
    relay: Relay,
    typing: Typing,
    /// The PTY has not reached its end yet.
    pty_open: bool,
    /// Bytes of output relayed, as of the session's last look: an answer about a screen that saw
    /// another amount is not about the screen the session judged settled.
    relayed: u64,
    /// The child's terminal size, as last set.
    size: (u16, u16),
    /// A question to the watcher is out.
    asking: bool,
    log: Log,
    banners: Banners,
    writes: std::sync::mpsc::Sender<Vec<Key>>,
    control: OwnedFd,
    pid: rustix::process::Pid,
    child_running: bool,
    /// When to SIGKILL the child's group, after a forwarded SIGTERM/SIGHUP.
    kill_at: Option<Instant>,
    /// When to run the detector: output has been quiet for `settle`…
    settle_at: Option<Instant>,
    /// …or has not stopped for `settle_max`.
    unsettled_since: Option<Instant>,
}

impl Session {
    async fn run(
        &mut self,
        mut child: tokio::process::Child,
        signals: Signals,
        mut answers: mpsc::UnboundedReceiver<Answer>,
        mut user: mpsc::UnboundedReceiver<UserInput>,
    ) -> anyhow::Result<i32> {
        let Signals {
            mut winch,
            mut term,
            mut hup,
            mut int,
        } = signals;

        let mut stdin_open = true;
        let mut status = None;
        let mut drain_until = None;

        loop {
            self.catch_up();
            if status.is_some()
                && (!self.pty_open || drain_until.is_some_and(|d| Instant::now() >= d))
            {
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
                // Taken in by the `catch_up` at the top of the loop.
                () = self.relay.changed(), if self.pty_open => {}
                exited = child.wait(), if status.is_none() => {
                    status = Some(exited.context("waiting for the child")?);
                    drain_until = Some(Instant::now() + DRAIN);
                    self.child_running = false;
                    self.kill_at = None;
                },
                got = user.recv(), if stdin_open => match got {
                    Some(UserInput::Keys { toggles, interrupt }) => {
                        self.catch_up();
                        self.on_user_keys(toggles, interrupt);
                    }
                    Some(UserInput::Closed) | None => stdin_open = false,
                },
                Some(answer) = answers.recv() => {
                    self.catch_up();
                    self.on_answer(answer);
                }
                _ = winch.recv() => self.on_resize(),
                _ = term.recv() => self.hang_up(Signal::TERM, "SIGTERM"),
                _ = hup.recv() => self.hang_up(Signal::HUP, "SIGHUP"),
                _ = int.recv() => self.on_sigint(),
                () = sleep_until(deadline) => {
                    // Output that came meanwhile first (unless listening, the relay did not wake
                    // the session for it): it moves the settle timer.
                    self.catch_up();
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

        // What the user did before the end is taken in (and logged) whichever event the loop
        // happened to pick first.
        self.catch_up();
        while let Ok(UserInput::Keys { toggles, interrupt }) = user.try_recv() {
            self.on_user_keys(toggles, interrupt);
        }
        let status = status.expect("the loop ends only after the child exited");
        let (code, signal) = crate::exit::of_child(status);
        self.log.emit(&Event::ChildExited { code, signal });
        Ok(code)
    }

    /// Takes in what the relay and the keyboard did since the last look. While the settle timer
    /// follows output the relay does not wake the session; once it does not, the session listens.
    fn catch_up(&mut self) {
        if self.typing.take() {
            let actions = self
                .engine
                .handle(Instant::now().into_std(), Input::UserKey);
            self.apply(actions);
        }
        self.take_in(self.relay.look());
        if self.settle_at.is_none() && self.pty_open {
            self.relay.listen();
            // Output may have come between the look and listening.
            self.take_in(self.relay.look());
        }
    }

    fn take_in(&mut self, look: Look) {
        if look.relayed != self.relayed {
            self.relayed = look.relayed;
            self.on_output(look.last_output);
        }
        if look.stdout_gone {
            // Whoever read our output is gone (`autoapprove -- yes | head -1`): hang up on the
            // child as a closed terminal would, rather than relay into the void forever.
            self.hang_up(Signal::HUP, "SIGHUP");
        }
        if look.closed {
            self.pty_open = false;
        }
    }

    /// Output came, the last of it at `last`.
    fn on_output(&mut self, last: std::time::Instant) {
        let now = Instant::now();
        self.settle_at = Some(Instant::from_std(last) + self.config.settle);
        self.unsettled_since.get_or_insert(now);
        let actions = self.engine.handle(now.into_std(), Input::Output);
        self.apply(actions);
    }

    fn detect_at(&self) -> Option<Instant> {
        let settle = self.settle_at?;
        Some(settle.min(self.unsettled_since.unwrap_or(settle) + self.config.settle_max))
    }

    fn ask_watcher(&mut self) {
        self.settle_at = None;
        self.unsettled_since = None;
        if !self.asking {
            self.asking = true;
            self.watcher.detect();
        }
    }

    /// The watcher's answer. One about a screen that has changed since the question, or that
    /// saw output the session has not taken in, is dropped: the new output re-armed the settle
    /// timer, and the next question sees it.
    fn on_answer(&mut self, Answer { seen, upto }: Answer) {
        self.asking = false;
        if self.settle_at.is_some() || upto != self.relayed {
            return;
        }
        let settled = Input::Settled {
            prompt: seen.prompt,
            context: seen.context,
        };
        let actions = self.engine.handle(Instant::now().into_std(), settled);
        self.apply(actions);
    }

    /// The hotkey or Ctrl-C among what the user typed (already passed to the child by the stdin
    /// thread).
    fn on_user_keys(&mut self, toggles: usize, interrupt: bool) {
        let now = Instant::now().into_std();
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
        self.watcher.resize(cols, rows, self.relay.relayed());
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
                crate::escape::escape_str(&rule)
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
                    crate::escape::escape_str(what)
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
