//! `autoapprove replay FILE.cast`: a recording fed through the screen model and the current
//! rules, offline, printing every decision they would make — the way to tune rules on a real
//! session without running the agent. Any asciicast v2 file will do (asciinema's own too).
//!
//! Time is the recording's: output settles when the recording has a gap of `settle` (or output
//! has gone on for `settle_max`), as the session would see it, and the engine's own deadlines
//! (rate limits, idle nudges) fall at the recording's times. What the engine would have typed is
//! reported, not typed: the recording goes on as the real program went on.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::policy::Scope;
use crate::prompts::detector;
use crate::prompts::engine::{Action, Engine, Input, Mode};
use crate::prompts::screen::Screen;
use crate::record::cast::{Entry, Header, Kind};

/// A recording that cannot be read: `FILE:LINE: why`, or `FILE: why` when it cannot be opened.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {why}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ReplayError {
    path: String,
    line: Option<usize>,
    why: String,
}

/// What a replay found.
pub struct Replayed {
    /// One line per decision, at the time the recording had then; a prompt's decision is
    /// followed by the lines it was seen on. Empty if the rules made none.
    pub report: String,
    /// How many events the recording holds, and the time of the last one.
    pub events: usize,
    pub length: Duration,
}

/// Reads the recording at `path` and plays it through `config`'s rules. The profile is
/// `profile`, else the one the recorded command's name chooses.
pub fn replay(
    path: &Path,
    config: Config,
    profile: Option<&str>,
    scope: Option<Scope>,
) -> Result<Replayed, ReplayError> {
    let fail = |line: usize, why: String| ReplayError {
        path: path.display().to_string(),
        line: Some(line),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| ReplayError {
        path: path.display().to_string(),
        line: None,
        why: e.to_string(),
    })?;
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .ok_or_else(|| fail(1, "empty: an asciicast starts with its header".into()))?
        .1;
    if !header.trim_start().starts_with('{') {
        return Err(fail(
            1,
            "not an asciicast header: a JSON object with version, width and height".into(),
        ));
    }
    let header: Header = serde_json::from_str(header)
        .map_err(|e| fail(1, format!("not an asciicast header: {e}")))?;
    if header.version != 2 {
        return Err(fail(
            1,
            format!(
                "asciicast version {}: only version 2 is read",
                header.version
            ),
        ));
    }
    let program = header
        .command
        .as_deref()
        .and_then(|c| c.split_whitespace().next())
        .unwrap_or_default();
    let config = config
        .with_profile(program, profile)
        .map_err(|e| fail(1, format!("--profile: {e}")))?;
    let mut player = Player::new(Arc::new(config), &header, scope);
    let (mut events, mut length) = (0, Duration::ZERO);
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        match Entry::parse(line) {
            Ok(Some(entry)) => {
                player.play(&entry);
                events += 1;
                length = length.max(entry.elapsed());
            }
            Ok(None) => events += 1,
            Err(why) => return Err(fail(i + 1, why)),
        }
    }
    player.end();
    Ok(Replayed {
        report: player.report,
        events,
        length,
    })
}

struct Player {
    config: Arc<Config>,
    screen: Screen,
    engine: Engine,
    /// The recording's time 0.
    start: Instant,
    /// When output settles, unless more comes first; and since when it has not.
    settle_at: Option<Duration>,
    unsettled_since: Option<Duration>,
    report: String,
}

impl Player {
    fn new(config: Arc<Config>, header: &Header, scope: Option<Scope>) -> Self {
        let start = Instant::now();
        let mut engine = Engine::new(Arc::clone(&config), start);
        if let Some(scope) = scope {
            engine.set_scope(scope);
        }
        let mut player = Self {
            config,
            screen: Screen::new(header.width, header.height),
            engine,
            start,
            settle_at: None,
            unsettled_since: None,
            report: String::new(),
        };
        if let Some(command) = &header.command {
            // The command itself first, as a session judges it.
            let actions = player.engine.judge_program(start, command);
            player.report(Duration::ZERO, actions, None);
        }
        player
    }

    fn play(&mut self, entry: &Entry) {
        let at = entry.elapsed();
        self.run_until(at);
        match &entry.kind {
            Kind::Output(text) => {
                self.screen.feed(text.as_bytes());
                self.settle_at = Some(at + self.config.settle);
                self.unsettled_since.get_or_insert(at);
                let actions = self.engine.handle(self.start + at, Input::Output);
                self.report(at, actions, None);
            }
            Kind::Resize { cols, rows } => self.screen.resize(*cols, *rows),
            Kind::Input(_) | Kind::Marker(_) => {}
        }
    }

    /// The recording has ended: what is on screen then settles, once.
    fn end(&mut self) {
        if let Some(at) = self.detect_at() {
            self.settle(at);
        }
    }

    fn detect_at(&self) -> Option<Duration> {
        let settle = self.settle_at?;
        Some(settle.min(self.unsettled_since.unwrap_or(settle) + self.config.settle_max))
    }

    /// Settles and fires the engine's deadlines that come before `at`, in order.
    fn run_until(&mut self, at: Duration) {
        loop {
            let deadline = self
                .engine
                .next_deadline()
                .map(|d| d.saturating_duration_since(self.start));
            let next = match (self.detect_at(), deadline) {
                (Some(s), Some(d)) => s.min(d),
                (Some(s), None) => s,
                (None, Some(d)) => d,
                (None, None) => return,
            };
            if next >= at {
                return;
            }
            if self.detect_at() == Some(next) {
                self.settle(next);
            } else {
                let actions = self.engine.handle(self.start + next, Input::Tick);
                self.report(next, actions, None);
            }
        }
    }

    fn settle(&mut self, at: Duration) {
        self.settle_at = None;
        self.unsettled_since = None;
        let now = self.start + at;
        let seen = detector::detect(
            &self.config,
            &self.screen.snapshot(),
            self.screen.tail(),
            self.engine.answered_upto(),
        );
        let lines = seen.prompt.as_ref().map(|p| p.context.clone());
        // A recording does not say how the program read its input: taken as lines with echo.
        let actions = self.engine.handle(now, Input::Mode(Mode::default()));
        self.report(at, actions, None);
        let actions = self.engine.handle(
            now,
            Input::Settled {
                prompt: seen.prompt,
                context: seen.context,
                alternate: seen.alternate,
            },
        );
        self.report(at, actions, lines.as_deref());
    }

    /// Writes the decisions among `actions`; after the first, the screen lines they were made on.
    fn report(&mut self, at: Duration, actions: Vec<Action>, mut lines: Option<&str>) {
        for action in actions {
            let Action::Emit(event) = action else {
                continue;
            };
            let _ = writeln!(
                self.report,
                "{:>9.3}s  {}",
                at.as_secs_f64(),
                event.summary()
            );
            if let Some(text) = lines.take() {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let _ = writeln!(
                        self.report,
                        "            | {}",
                        crate::escape::escape_str(line)
                    );
                }
            }
        }
    }
}
