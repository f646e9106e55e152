//! The session: the loop that decides. It starts the child and the threads that move bytes
//! (relay, keyboard, typist), and reads what they report from one [`inbox`]: output happened,
//! the hotkey or Ctrl-C, keys for the overlay. When output settles it asks the screen model what
//! the screen shows. It forwards window size and signals, gives the engine the facts only it can
//! read — the child's terminal mode, whether a file a prompt names is in the project — and
//! carries out the engine's actions: keys for the typist, events for the log, notices for the
//! [`Overlay`], ending the program. It ends when the child has exited and its PTY has drained.
//!
//! No byte of output passes through it: the relay thread writes it to the user and parses it
//! into the screen model. It is the only module that handles signals, and every byte sent to the
//! child on the automation's behalf comes from an engine `Send` action.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rustix::process::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use crate::background::dir::Dir;
use crate::background::outbox::{About, Outbox};
use crate::background::protocol as bg;
use crate::background::server::Server;
use crate::config::Config;
use crate::escape::escape_str;
use crate::events::{Event, State};
use crate::guard;
use crate::guard::question::{Asking, Outcome};
use crate::guard::supervisor::{Question, Reply, Report, Supervisor};
use crate::inbox::{self, Message};
use crate::log::Log;
use crate::policy::Scope;
use crate::project::Project;
use crate::prompts::engine::{Action, Engine, HandOff, Input, Mode, Notice};
use crate::prompts::keys;
use crate::prompts::watcher::{Answer, Watcher};
use crate::pty::child::{self, Spawned};
use crate::pty::gate::Gate;
use crate::pty::keyboard::{self, Route, Typing};
use crate::pty::overlay::{self, Overlay};
use crate::pty::relay::{self, Look, Relay};
use crate::pty::term::{self, RawMode};
use crate::pty::typist::{self, Typist};

/// How long the PTY may keep talking after the child exited (a background grandchild can hold it
/// open forever).
const DRAIN: Duration = Duration::from_millis(500);
/// The longest a question waits for the program's earlier output to reach the screen.
const QUIET_BEFORE_ASKING: Duration = Duration::from_millis(100);
/// How long the child's group has to exit after a forwarded SIGTERM/SIGHUP before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(3);
/// How long a stopping child's last output may take to reach the terminal.
const STOP_DRAIN: Duration = Duration::from_millis(500);

/// Runs `command` under autoapprove until it exits; returns autoapprove's exit code. `guard`:
/// supervise its file-system changes too.
pub async fn run(
    command: Vec<OsString>,
    config: Config,
    log: Log,
    guard: Option<guard::supervisor::Options>,
    background: Option<Dir>,
    scope: Option<Scope>,
) -> anyhow::Result<i32> {
    // Before anything can reach the user: a signal that comes once the child's first output is
    // on screen must find its handler in place, not end autoapprove with the terminal raw.
    let signals = Signals::new().context("cannot handle signals")?;
    let (cols, rows) = term::window_size();
    let (inbox, messages) = inbox::channel();
    // One copy for the session, the engine, the watcher and the guard: compiled rules are not
    // small.
    let config = Arc::new(config);
    let guard_mode = guard.as_ref().map(|g| g.mode);
    let app_key = guard.as_ref().map_or_else(
        || {
            let program = command[0].to_string_lossy();
            crate::guard::choices::program_key(&program).unwrap_or_else(|_| program.into_owned())
        },
        |g| g.app_key.clone(),
    );
    // Before the program starts: a directory another run serves is refused.
    let (outbox, served) = match serve(background, &inbox)? {
        Some((server, dir)) => (Some(Outbox::new(server, app_key)), Some(dir)),
        None => (None, None),
    };
    let (Spawned { pty, child, pid }, supervisor) =
        spawn(&command, (cols, rows), guard, &config, &inbox)?;
    // Each thread has its own handle on the master; this one is for ioctls (size, foreground
    // group) and for asking whether output is unread.
    let dup = || rustix::io::dup(&pty).context("cannot duplicate the PTY");
    let control = dup()?;
    let raw = RawMode::enable().context("cannot put the terminal in raw mode")?;

    let typist = typist::start(dup()?, config.key_gap).context("cannot start the typist thread")?;
    // The user's keys go to the child from the stdin thread, through its own handle on the PTY.
    let test_box = std::env::var_os(overlay::TEST_BOX_ENV).is_some_and(|v| v == "1");
    let keys = keyboard::Keys {
        toggle: config.toggle_key,
        test_box: test_box.then_some(overlay::TEST_BOX_KEY),
        end_of_input: !config.keep_input_open,
    };
    let (typing, route) = keyboard::spawn(
        dup()?,
        keys,
        term::stdin_is_tty(),
        inbox.clone(),
        typist.stop(),
        log.recorder().clone(),
    )
    .context("cannot start the keyboard thread")?;
    let now = Instant::now();
    let (watcher, feed) = Watcher::new(Arc::clone(&config), cols, rows);
    let gate = Arc::new(Gate::default());
    let relay = relay::start(pty, feed, Arc::clone(&gate), inbox, log.recorder().writer())
        .context("cannot start the relay thread")?;
    let mut engine = Engine::new(Arc::clone(&config), now.into_std());
    let project = scope
        .as_ref()
        .and_then(|s| Project::at(std::path::Path::new(&s.project)));
    if let Some(scope) = scope {
        engine.set_scope(scope);
    }
    if !term::stdin_is_tty() {
        engine.set_unattended();
    }
    let mut session = Session {
        engine,
        watcher,
        relay,
        typing,
        route,
        pty_open: true,
        relayed: 0,
        size: (cols, rows),
        config,
        log,
        overlay: Overlay::new(Arc::clone(&gate)),
        gate,
        typist,
        control,
        pid,
        child_running: true,
        kill_at: None,
        exit_code: None,
        project,
        banner_until: None,
        settle_at: None,
        unsettled_since: None,
        guard: supervisor,
        questions: VecDeque::new(),
        question: None,
        asked_at: None,
        background: outbox,
    };
    // As a shell would read it: `sh -c 'a; b'` is not `sh -c a; b`.
    let argv: Vec<_> = command.iter().map(|a| a.to_string_lossy()).collect();
    let line = crate::policy::shell::join(&argv);
    session.announce(&command, &line, guard_mode, served);
    session.show_title();
    // The command itself first: if it is dangerous, none of its prompts is answered.
    let actions = session.engine.judge_program(now.into_std(), &line);
    session.apply(actions);

    let code = session.run(child, signals, messages).await?;
    if let Some(outbox) = &session.background {
        outbox.finish(code);
    }
    session.put_terminal_back();
    drop(raw);
    session.log.recorder().finish();
    Ok(code)
}

/// Serves `dir` for the background clients, if given; with the directory's name.
fn serve(dir: Option<Dir>, inbox: &inbox::Sender) -> anyhow::Result<Option<(Server, String)>> {
    dir.map(|dir| {
        let shown = dir.shown.display().to_string();
        Server::start(dir, inbox.clone()).map(|server| (server, shown))
    })
    .transpose()
    .map_err(anyhow::Error::msg)
}

/// Starts the child, under the guard's supervision if `guard` is given.
fn spawn(
    command: &[OsString],
    (cols, rows): (u16, u16),
    guard: Option<guard::supervisor::Options>,
    config: &Arc<Config>,
    inbox: &inbox::Sender,
) -> anyhow::Result<(Spawned, Option<Supervisor>)> {
    let Some(options) = guard else {
        return Ok((child::spawn(command, cols, rows, None)?, None));
    };
    let (supervisor, setup) = Supervisor::start(options, Arc::clone(config), inbox.clone())
        .context("cannot start the guard")?;
    match child::spawn(command, cols, rows, Some(setup)) {
        Ok(spawned) => Ok((spawned, Some(supervisor))),
        // The child's own report says why, if supervision is what failed.
        Err(e) => match supervisor.setup_failure() {
            Some(why) => anyhow::bail!("--guard: {why}"),
            None => Err(e.into()),
        },
    }
}

/// The signals the session handles.
struct Signals {
    winch: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    /// SIGCHLD: the child stopped, or ended.
    child_state: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            winch: signal(SignalKind::window_change())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
            child_state: signal(SignalKind::child())?,
        })
    }
}

struct Session {
    config: Arc<Config>,
    engine: Engine,
    watcher: Watcher,
    relay: Relay,
    typing: Typing,
    /// Where the keyboard thread sends the user's keys (the child, or the overlay's box).
    route: Route,
    /// The PTY has not reached its end yet.
    pty_open: bool,
    /// Bytes of output relayed, as of the session's last look: an answer about a screen that saw
    /// another amount is not about the screen the session judged settled.
    relayed: u64,
    /// The child's terminal size, as last set.
    size: (u16, u16),
    log: Log,
    overlay: Overlay,
    /// The output gate (the overlay's too): to wait for the relay's write in flight.
    gate: Arc<Gate>,
    typist: Typist,
    control: OwnedFd,
    pid: rustix::process::Pid,
    child_running: bool,
    /// When to SIGKILL the child's group, after a forwarded SIGTERM/SIGHUP.
    kill_at: Option<Instant>,
    /// autoapprove's exit code instead of the child's: it ended the program.
    exit_code: Option<i32>,
    /// Where files a prompt names count as the project's.
    project: Option<Project>,
    /// When to put back the row under the banner.
    banner_until: Option<Instant>,
    /// When to run the detector: output has been quiet for `settle`…
    settle_at: Option<Instant>,
    /// …or has not stopped for `settle_max`.
    unsettled_since: Option<Instant>,
    /// The guard, with `--guard`.
    guard: Option<Supervisor>,
    /// Calls waiting for the person, behind the one asked about.
    questions: VecDeque<Question>,
    /// The guard's question on screen.
    question: Option<Asking>,
    /// When it was put on screen (`guard.ask_timeout` runs from then).
    asked_at: Option<Instant>,
    /// `--background`: the questions sent to its clients instead of the screen.
    background: Option<Outbox>,
}

impl Session {
    async fn run(
        &mut self,
        mut child: tokio::process::Child,
        signals: Signals,
        mut messages: inbox::Receiver,
    ) -> anyhow::Result<i32> {
        let Signals {
            mut winch,
            mut term,
            mut hup,
            mut int,
            mut child_state,
        } = signals;

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
                self.banner_until,
                self.ask_deadline(),
            ]
            .into_iter()
            .flatten()
            .min();

            tokio::select! {
                Some(message) = messages.recv() => self.on_message(message),
                exited = child.wait(), if status.is_none() => {
                    status = Some(exited.context("waiting for the child")?);
                    drain_until = Some(Instant::now() + DRAIN);
                    self.child_running = false;
                    self.kill_at = None;
                },
                _ = winch.recv() => self.on_resize(),
                _ = term.recv() => self.hang_up(Signal::TERM, "SIGTERM"),
                _ = hup.recv() => self.hang_up(Signal::HUP, "SIGHUP"),
                _ = int.recv() => self.on_sigint(),
                _ = child_state.recv(), if status.is_none() => self.on_child_signal(),
                () = sleep_until(deadline) => {
                    // Output that came meanwhile first (unless listening, the relay did not tell
                    // the session of it): it moves the settle timer.
                    self.catch_up();
                    let now = Instant::now();
                    if self.kill_at.is_some_and(|k| now >= k) {
                        child::signal_group(self.pid, Signal::KILL);
                        self.log.emit(&Event::SignalForwarded { signal: "SIGKILL" });
                        self.kill_at = None;
                    }
                    if self.banner_until.is_some_and(|b| now >= b) {
                        self.banner_until = None;
                        self.overlay.clear_banner(&self.watcher);
                    }
                    if self.detect_at().is_some_and(|d| now >= d) {
                        self.ask_watcher();
                    }
                    self.expire_questions(now);
                    self.check_input_mode();
                    let actions = self.engine.handle(now.into_std(), Input::Tick);
                    self.apply(actions);
                },
            }
        }

        // What the user did before the end is taken in (and logged) whichever event the loop
        // happened to pick first.
        self.catch_up();
        while let Ok(message) = messages.try_recv() {
            match message {
                // Nobody is asked any more; it is denied below.
                Message::Guard(Report::Ask(question)) => self.questions.push_back(question),
                Message::Keys { .. } | Message::Guard(_) => self.on_message(message),
                _ => {}
            }
        }
        self.deny_open_questions();
        let status = status.expect("the loop ends only after the child exited");
        let (code, signal) = crate::exit::of_child(status);
        self.log.emit(&Event::ChildExited { code, signal });
        Ok(self.exit_code.unwrap_or(code))
    }

    /// The first events: what runs, under which guard, served to which directory.
    fn announce(
        &mut self,
        command: &[OsString],
        line: &str,
        guard_mode: Option<guard::decide::Mode>,
        served: Option<String>,
    ) {
        self.log.emit(&Event::Started {
            command: line.to_owned(),
            config: self.config.source.clone(),
            profile: self.config.profile.clone(),
            pid: self.pid.as_raw_nonzero().get().unsigned_abs(),
            cols: self.size.0,
            rows: self.size.1,
        });
        if let (Some(guard), Some(mode)) = (&self.guard, guard_mode) {
            self.log.emit(&Event::GuardStarted {
                mode: mode.as_str(),
                program: command[0].to_string_lossy().into_owned(),
                no_new_privs: guard.no_new_privs,
            });
        }
        if let Some(dir) = served {
            self.log.emit(&Event::BackgroundStarted { dir });
        }
    }

    /// The one place the session hears from its threads.
    fn on_message(&mut self, message: Message) {
        match message {
            // Output is taken in by the `catch_up` at the top of the loop; a closed stdin
            // changes nothing (the child may go on without input).
            Message::Output | Message::StdinClosed => {}
            Message::StdoutGone => {
                // Whoever read our output is gone (`autoapprove -- yes | head -1`): hang up on
                // the child as a closed terminal would, rather than relay into the void forever.
                self.hang_up(Signal::HUP, "SIGHUP");
            }
            Message::PtyClosed => self.pty_open = false,
            Message::Keys {
                toggles,
                interrupt,
                test_box,
            } => {
                self.catch_up();
                self.on_user_keys(toggles, interrupt);
                if test_box {
                    self.open_test_box();
                }
            }
            Message::OverlayKeys(keys) if self.question.is_some() => self.on_question_keys(&keys),
            Message::OverlayKeys(_) => self.close_box(),
            Message::Guard(report) => self.on_guard(report),
            Message::Responded { seq, action } => self.on_responded(seq, action),
        }
    }

    /// Takes in what the relay and the keyboard did since the last look. While the settle timer
    /// follows output the relay does not tell the session; once it does not, the session listens.
    fn catch_up(&mut self) {
        if let Some(pending) = self.typing.take() {
            let actions = self
                .engine
                .handle(Instant::now().into_std(), Input::UserKey { pending });
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

    /// Asks the screen model what the settled screen shows.
    fn ask_watcher(&mut self) {
        self.settle_at = None;
        self.unsettled_since = None;
        let answer = self.watcher.detect(self.engine.answered_upto());
        // Output that came meanwhile re-arms the settle timer, and the answer is then dropped.
        self.catch_up();
        self.on_answer(answer);
    }

    /// The screen model's answer. One about a screen that has changed since the question, or
    /// that saw output the session has not taken in, is dropped: the new output re-armed the
    /// settle timer, and the next question sees it.
    fn on_answer(&mut self, Answer { mut seen, upto }: Answer) {
        if self.settle_at.is_some() || upto != self.relayed {
            return;
        }
        if let Some(prompt) = seen.prompt.as_mut()
            && let (Some(path), Some(project)) = (&prompt.path, &self.project)
        {
            let cwd = child::foreground_cwd(&self.control);
            prompt.in_project = project.contains(cwd.as_deref(), path);
        }
        self.check_input_mode();
        let settled = Input::Settled {
            prompt: seen.prompt,
            context: seen.context,
            alternate: seen.alternate,
        };
        let actions = self.engine.handle(Instant::now().into_std(), settled);
        self.apply(actions);
    }

    /// Tells the engine how the child's terminal reads input: hidden input is lines with echo
    /// off (canonical mode without ECHO), the way `getpass`, sudo, ssh-keygen and `read -s` read
    /// secrets; raw and cbreak modes (keys one at a time) are full-screen programs and line
    /// editors. Read before every decision: a program can change it without writing anything.
    fn check_input_mode(&mut self) {
        use rustix::termios::LocalModes;
        let Ok(termios) = rustix::termios::tcgetattr(&self.control) else {
            return;
        };
        let canonical = termios.local_modes.contains(LocalModes::ICANON);
        let mode = Mode {
            hidden: canonical && !termios.local_modes.contains(LocalModes::ECHO),
            raw: !canonical,
        };
        let actions = self
            .engine
            .handle(Instant::now().into_std(), Input::Mode(mode));
        self.apply(actions);
    }

    /// The hotkey or Ctrl-C among what the user typed: Ctrl-C is heard before the stdin thread
    /// passes it to the child, the hotkey after the keys typed before it.
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

    /// The overlay's test box: the child's output held, a box drawn, the next key closes it.
    fn open_test_box(&mut self) {
        let lines = [
            "autoapprove test box".to_owned(),
            "press any key to close it".to_owned(),
        ];
        if self.overlay.open_box(&self.watcher, &lines) {
            self.route.to_overlay(true);
        }
    }

    fn close_box(&mut self) {
        self.overlay.close_box(&self.watcher);
        self.route.to_overlay(false);
    }

    /// What the guard reports: a call for the person, or one decided worth a line.
    fn on_guard(&mut self, report: Report) {
        match report {
            Report::Ask(question) => {
                self.log.emit(&Event::GuardAsked {
                    call: question.description.clone(),
                    pid: question.tid,
                    chain: question.chain.join(" <- "),
                });
                // The same call restarted (a signal interrupted it before Linux 5.19's
                // WAIT_KILLABLE_RECV): the question already asked now answers the new one.
                let asked = self.question.as_mut().map(|a| &mut a.question);
                let posted = self.background.iter_mut().flat_map(Outbox::calls_mut);
                if let Some(open) = asked
                    .into_iter()
                    .chain(posted)
                    .find(|q| q.tid == question.tid && q.description == question.description)
                {
                    open.id = question.id;
                    return;
                }
                if self.kill_at.is_some() {
                    // The program is being ended (`q`, `quit`, a signal): nobody is asked.
                    if let Some(guard) = &self.guard {
                        guard.deny(&question);
                    }
                } else if self.background.is_some() {
                    self.post(question);
                } else {
                    self.questions.push_back(question);
                    self.next_question();
                }
            }
            Report::Decided {
                description,
                tid,
                allowed,
                why,
            } => self.log.emit(&Event::GuardDecided {
                call: description,
                pid: tid,
                allowed,
                why,
            }),
            Report::Notice(message) => self.guard_notice(message),
        }
    }

    fn guard_notice(&mut self, message: String) {
        let text = format!("guard: {}", escape_str(&message));
        self.log.emit(&Event::GuardNotice { message });
        if self.overlay.banner(&self.watcher, &text, false) {
            self.banner_until = Some(Instant::now() + overlay::BANNER_SHOWN);
        }
    }

    /// Shows the next waiting call, unless one is shown; calls that what the person answered
    /// since now covers are answered without asking.
    fn next_question(&mut self) {
        let Some(guard) = &self.guard else { return };
        if self.question.is_some() {
            return;
        }
        while let Some(question) = self.questions.pop_front() {
            if guard.settle(&question) {
                continue;
            }
            let asking = Asking::new(question);
            let lines = asking.lines(self.question_width());
            self.let_output_reach_the_screen();
            if self.overlay.open_box(&self.watcher, &lines) {
                self.route.to_overlay(true);
                self.question = Some(asking);
                self.asked_at = Some(Instant::now());
                let actions = self
                    .engine
                    .handle(Instant::now().into_std(), Input::GuardQuestion(true));
                self.apply(actions);
                return;
            }
            // Nowhere to draw it (the child stopped inside an escape sequence): deny, and say so.
            guard.deny(&asking.question);
            self.log.emit(&Event::GuardDecided {
                call: asking.question.description.clone(),
                pid: asking.question.tid,
                allowed: false,
                why: "the question could not be drawn".into(),
            });
        }
    }

    /// What the program wrote before the call it is stopped in is on screen before the question
    /// covers it: wait (briefly: another thread may keep writing) until the PTY holds nothing
    /// unread, and the relay has passed on what it read.
    fn let_output_reach_the_screen(&self) {
        let deadline = std::time::Instant::now() + QUIET_BEFORE_ASKING;
        self.wait_until_output_is_read(deadline);
        let relayed = self.relay.look().relayed;
        while std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
            if self.relay.look().relayed == relayed {
                break;
            }
        }
    }

    fn question_width(&self) -> usize {
        usize::from(self.size.0).saturating_sub(8)
    }

    /// The person's keys while the guard's question is on screen.
    fn on_question_keys(&mut self, keys: &[u8]) {
        let width = self.question_width();
        let Some(asking) = self.question.as_mut() else {
            return;
        };
        let Some(outcome) = asking.keys(keys, self.config.toggle_key) else {
            return;
        };
        let now = Instant::now().into_std();
        let (reply, key) = match outcome {
            Outcome::Redraw => {
                let lines = asking.lines(width);
                self.overlay.redraw_box(&self.watcher, &lines);
                return;
            }
            Outcome::Toggle => {
                let actions = self.engine.handle(now, Input::Toggle);
                self.apply(actions);
                return;
            }
            Outcome::Answer { reply, key } => (reply, key),
            Outcome::Kill => (Reply::DenyOnce, "q"),
            Outcome::Interrupt => (Reply::DenyOnce, "Ctrl-C"),
        };
        let Some(asking) = self.question.take() else {
            return;
        };
        self.asked_at = None;
        let question = asking.question;
        self.overlay.close_box(&self.watcher);
        self.route.to_overlay(false);
        let actions = self.engine.handle(now, Input::GuardQuestion(false));
        self.apply(actions);
        self.carry_out(&question, &reply, key);
        match key {
            "q" => {
                self.deny_open_questions();
                self.hang_up(Signal::TERM, "SIGTERM");
                return;
            }
            "Ctrl-C" => self.on_sigint(),
            _ => {}
        }
        self.next_question();
    }

    /// At the end, or when the program is being killed: nothing waits for an answer any more.
    fn deny_open_questions(&mut self) {
        let posted = self
            .background
            .as_mut()
            .map(Outbox::withdraw_all)
            .unwrap_or_default();
        let Some(guard) = &self.guard else { return };
        let open = self.question.take().map(|a| a.question);
        self.asked_at = None;
        let posted = posted.into_iter().filter_map(|about| match about {
            About::Call(q) => Some(q),
            About::Prompt(_) => None,
        });
        for question in open
            .into_iter()
            .chain(self.questions.drain(..))
            .chain(posted)
        {
            guard.deny(&question);
        }
        if self.overlay.box_open() {
            self.overlay.close_box(&self.watcher);
            self.route.to_overlay(false);
        }
    }

    /// Sends `question` to the background clients, unless what was answered since covers it.
    fn post(&mut self, question: Question) {
        let (Some(outbox), Some(guard)) = (&mut self.background, &self.guard) else {
            return;
        };
        if guard.settle(&question) {
            return;
        }
        let description = question.description.clone();
        let seq = outbox.post_call(question);
        self.log.emit(&Event::BackgroundPending {
            seq,
            kind: "guard",
            description,
        });
    }

    /// Sends a prompt the engine left to a person to the background clients, if there are any.
    fn post_prompt(&mut self, handed: HandOff) {
        let Some(outbox) = &mut self.background else {
            return;
        };
        let description = format!("{}: {}", handed.rule, handed.why);
        let seq = outbox.post_prompt(handed, self.pid.as_raw_nonzero().get());
        self.log.emit(&Event::BackgroundPending {
            seq,
            kind: "prompt",
            description,
        });
    }

    /// A background client answered event `seq` (the server has taken it out already).
    fn on_responded(&mut self, seq: u64, action: bg::Action) {
        let Some(about) = self.background.as_mut().and_then(|o| o.answered(seq)) else {
            return;
        };
        let quit = matches!(action, bg::Action::Quit);
        match about {
            About::Prompt(identity) => {
                let approve = matches!(action, bg::Action::Approve);
                let actions = self.engine.handle(
                    Instant::now().into_std(),
                    Input::HandedBack { identity, approve },
                );
                self.apply(actions);
            }
            About::Call(question) => {
                let reply = match action {
                    bg::Action::Approve => Reply::AllowOnce,
                    bg::Action::Pattern(p) => Reply::AllowPattern(p),
                    bg::Action::Trust => Reply::TrustProcess,
                    bg::Action::Deny | bg::Action::Quit => Reply::DenyOnce,
                    bg::Action::DenyPattern(p) => Reply::DenyPattern(p),
                };
                let key = if quit {
                    "background quit"
                } else {
                    "background"
                };
                self.carry_out(&question, &reply, key);
            }
        }
        if quit {
            self.deny_open_questions();
            self.hang_up(Signal::TERM, "SIGTERM");
            return;
        }
        // A pattern or trust may cover questions still open.
        if let (Some(outbox), Some(guard)) = (&mut self.background, &self.guard) {
            outbox.settle_calls(|question, take| guard.settle_if(question, take));
        }
    }

    /// Carries out `reply` to `question`, and logs it; `key` says who answered how.
    fn carry_out(&mut self, question: &Question, reply: &Reply, key: &'static str) {
        let problem = self
            .guard
            .as_ref()
            .map_or(Ok(()), |g| g.answer(question, reply));
        let pattern = match reply {
            Reply::AllowPattern(p) | Reply::DenyPattern(p) => Some(p.clone()),
            _ => None,
        };
        self.log.emit(&Event::GuardAnswered {
            call: question.description.clone(),
            pid: question.tid,
            key,
            answer: reply.as_str(),
            pattern,
        });
        if let Err(problem) = problem {
            self.guard_notice(format!("the choice was not remembered: {problem}"));
        }
    }

    /// When the oldest unanswered question's `guard.ask_timeout` runs out.
    fn ask_deadline(&self) -> Option<Instant> {
        let timeout = self.config.guard.ask_timeout;
        let posted = self.background.as_ref().and_then(|o| o.deadline(timeout));
        [posted, self.asked_at.map(|at| at + timeout)]
            .into_iter()
            .flatten()
            .min()
    }

    /// Denies what nobody answered within `guard.ask_timeout`: a guard question's call fails,
    /// a prompt handed off is left as it is.
    fn expire_questions(&mut self, now: Instant) {
        let timeout = self.config.guard.ask_timeout;
        let why = format!(
            "nobody answered within {} (guard.ask_timeout)",
            humantime::format_duration(timeout)
        );
        let mut expired = self
            .background
            .as_mut()
            .map(|o| o.expired(now, timeout))
            .unwrap_or_default();
        if self.asked_at.is_some_and(|at| now >= at + timeout)
            && let Some(asking) = self.question.take()
        {
            self.asked_at = None;
            self.overlay.close_box(&self.watcher);
            self.route.to_overlay(false);
            let actions = self
                .engine
                .handle(now.into_std(), Input::GuardQuestion(false));
            self.apply(actions);
            expired.push(About::Call(asking.question));
        }
        for about in expired {
            match about {
                About::Call(question) => {
                    if let Some(guard) = &self.guard {
                        guard.deny(&question);
                    }
                    self.log.emit(&Event::GuardDecided {
                        call: question.description,
                        pid: question.tid,
                        allowed: false,
                        why: why.clone(),
                    });
                }
                About::Prompt(identity) => {
                    let back = Input::HandedBack {
                        identity,
                        approve: false,
                    };
                    let actions = self.engine.handle(now.into_std(), back);
                    self.apply(actions);
                }
            }
        }
        if self.question.is_none() {
            self.next_question();
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
    /// The child stopped (job control): at a terminal, stop with it as `sudo` does, so the shell
    /// says "Stopped" and has its prompt; on `fg`, continue the child and have it redraw.
    fn on_child_signal(&mut self) {
        if !self.child_running || !child::stopped(self.pid) || !term::stdin_is_tty() {
            return;
        }
        self.log.emit(&Event::JobStopped);
        self.drain_output();
        self.put_terminal_back();
        term::stop_self();
        child::signal_group(self.pid, Signal::CONT);
        // A full-screen program draws itself again on a size change.
        child::signal_group(self.pid, Signal::WINCH);
        self.show_title();
        self.log.emit(&Event::JobContinued);
    }

    /// What the child wrote before it stopped reaches the terminal before the shell takes it
    /// back: waits, at most [`STOP_DRAIN`], for the relay to read the PTY dry and to finish the
    /// write it has in flight.
    fn drain_output(&self) {
        let deadline = std::time::Instant::now() + STOP_DRAIN;
        self.wait_until_output_is_read(deadline);
        drop(
            self.gate
                .pause(deadline.saturating_duration_since(std::time::Instant::now())),
        );
    }

    /// Waits, until `deadline` at most, for the relay to read what the PTY holds. The relay tells
    /// nobody when it has read, so this looks every millisecond; it runs once per stop or
    /// question.
    fn wait_until_output_is_read(&self, deadline: std::time::Instant) {
        while self.output_unread() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Whether the PTY holds output the relay has not read. `poll` asks the line discipline,
    /// which first waits for the kernel's pending move of what the child wrote into the
    /// master's buffer (`FIONREAD` does not: under load it said 0 while a line was on its way,
    /// and autoapprove stopped before the line reached the terminal).
    fn output_unread(&self) -> bool {
        let mut fds = [rustix::event::PollFd::new(
            &self.control,
            rustix::event::PollFlags::IN,
        )];
        rustix::event::poll(&mut fds, Some(&rustix::event::Timespec::default()))
            .is_ok_and(|n| n > 0 && fds[0].revents().contains(rustix::event::PollFlags::IN))
    }

    fn hang_up(&mut self, sig: Signal, name: &'static str) {
        if self.child_running {
            child::signal_group(self.pid, sig);
            self.log.emit(&Event::SignalForwarded { signal: name });
            self.kill_at.get_or_insert(Instant::now() + KILL_GRACE);
        }
    }

    fn apply(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Send(keys) => self.typist.type_keys(keys),
                Action::StopTyping => self.typist.stop().drop_queued(),
                Action::Emit(event) => self.log.emit(&event),
                Action::Notify(notice) => self.notify(&notice),
                Action::EndProgram => {
                    self.exit_code = Some(crate::exit::ABANDONED);
                    self.hang_up(Signal::TERM, "SIGTERM");
                }
                Action::HandOff(handed) => self.post_prompt(handed),
                Action::HandOffOver(identity) => {
                    if let Some(outbox) = &mut self.background {
                        outbox.withdraw_prompt(identity);
                    }
                }
            }
        }
    }

    /// Tells the user: the window title always follows the state; a banner when control changes
    /// hands or a prompt is left to them, and the bell for a refused dangerous command.
    fn notify(&mut self, notice: &Notice) {
        let key = keys::display_name(&self.config.toggle_key_name);
        let (text, bell) = match notice {
            Notice::LeftToUser { rule, why } => (
                format!(
                    "{}: left to you ({}), answer it yourself",
                    escape_str(rule),
                    escape_str(why)
                ),
                true,
            ),
            Notice::Withheld { why } => {
                (format!("Nothing is typed for you: {}", why.as_str()), false)
            }
            Notice::State {
                from,
                to,
                dangerous,
            } => {
                self.show_title();
                match (from, to, dangerous) {
                    (_, State::Manual, Some(what)) => (
                        format!(
                            "DANGEROUS COMMAND, not approved ({}). MANUAL_MODE: answer it yourself; {key} resumes automation",
                            escape_str(what)
                        ),
                        true,
                    ),
                    (_, State::Manual, None) => (
                        format!(
                            "MANUAL_MODE: nothing is answered for you; {key} resumes automation"
                        ),
                        false,
                    ),
                    (State::Manual, _, _) => (
                        format!("RUNNING: automation resumed; {key} takes control"),
                        false,
                    ),
                    _ => return,
                }
            }
        };
        if self.overlay.banner(&self.watcher, &text, bell) {
            self.banner_until = Some(Instant::now() + overlay::BANNER_SHOWN);
        }
    }

    /// Before the shell has the terminal again (at the end, or while the program is stopped):
    /// what the overlay drew is put back, and the modes the program left on are turned off.
    fn put_terminal_back(&mut self) {
        self.overlay.finish(&self.watcher);
        self.leave_modes();
    }

    /// Undoes the terminal modes the program left on (its screen model knows them), as a shell
    /// would need them: the program has ended and nothing will turn them off.
    fn leave_modes(&self) {
        if !crate::pty::term::stdout_is_tty() {
            return;
        }
        let reset = self.watcher.view(0..0).modes_reset();
        if !reset.is_empty() {
            crate::pty::term::write_output(reset.as_bytes());
        }
    }

    fn show_title(&mut self) {
        let state = self.engine.state();
        self.overlay
            .title(&format!("autoapprove: {}", state.as_str()));
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
