//! The engine: the state machine that decides what to send and when. `RUNNING` answers prompts,
//! `IDLE_NUDGE` nudges a quiet child, `MANUAL_MODE` sends nothing at all.
//!
//! It is pure: it never does I/O and never reads a clock. The session passes `now` with every
//! input, acts on the returned [`Action`]s, and calls back at [`Engine::next_deadline`].

use std::sync::Arc;
use std::time::Instant;

use crate::config::{Answer, Config};
use crate::events::{Event, State};
use crate::policy::{Scope, Subject, Verdict, confirm};
use crate::prompts::detector::{Prompt, Shown};
use crate::prompts::keys::Key;
use crate::prompts::tail::HISTORY_BYTES;

/// What happened, as far as the engine is concerned.
// Inputs are handed over one at a time and never stored: the size of the largest is no cost.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The child wrote something.
    Output,
    /// Output settled: the prompt it shows, if any, the live text around the cursor, and
    /// whether a full-screen program's alternate screen is showing.
    Settled {
        prompt: Option<Prompt>,
        context: String,
        alternate: bool,
    },
    /// How the child's terminal reads input, sent before every decision.
    Mode(Mode),
    /// The user pressed Ctrl-C (or SIGINT arrived): the human takes over.
    Interrupt,
    /// The user pressed the toggle hotkey.
    Toggle,
    /// The user typed something else; `pending` when it leaves a line of theirs unsubmitted.
    UserKey { pending: bool },
    /// The guard asks the person about a call (`true`) or no longer does: the program waits
    /// for that answer, not for input.
    GuardQuestion(bool),
    /// A background client answered the prompt handed off as `identity`: `approve` types the
    /// rule's answer; otherwise the prompt is left as it is. Either way automation resumes.
    HandedBack { identity: u64, approve: bool },
    /// A deadline the engine asked for has come.
    Tick,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Type these keys into the child, one per write.
    Send(Vec<Key>),
    /// Drop every key not typed yet: automation has stopped.
    StopTyping,
    Emit(Event),
    /// Tell the person at the terminal (the overlay draws it).
    Notify(Notice),
    /// End the program: it waits for a person, and nobody is there to hand over to.
    EndProgram,
    /// A prompt on screen is left to a person: a background client may answer it.
    HandOff(HandOff),
    /// The prompt handed off as this identity is no longer waiting (gone from the screen, or
    /// the person took it).
    HandOffOver(u64),
}

/// A prompt left to a person, as a background client is told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOff {
    pub identity: u64,
    pub rule: String,
    /// Why it is left (dangerous, its rule leaves it, …).
    pub why: String,
    /// The command or file it asks about, if its rule names one.
    pub command: Option<String>,
    /// The lines around it.
    pub screen: String,
    /// What `approve` would type, as written in the config; `None`: nothing can be.
    pub answer: Option<String>,
}

/// What the person at the terminal is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The automation is now in `to`; `dangerous` names what was refused, if that is why.
    State {
        from: State,
        to: State,
        dangerous: Option<String>,
    },
    /// A recognised prompt is the user's to answer, `why`.
    LeftToUser { rule: String, why: String },
    /// Nothing is typed for the user now, for this reason.
    Withheld { why: Withheld },
}

/// How the child's terminal reads input (its termios).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mode {
    /// Lines with echo off (canonical mode without ECHO): a password or passphrase prompt.
    pub hidden: bool,
    /// Keys one at a time (canonical mode off): a full-screen program, an editor, a line editor.
    pub raw: bool,
}

/// Why nothing may be typed into the child right now, though the automation is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// The child reads hidden input: a password, a passphrase.
    HiddenInput,
    /// The user has typed a line they have not submitted.
    UserLine,
    /// A full-screen program is showing, or one reads keys one at a time, and nudges there are
    /// off (`nudge_full_screen`).
    FullScreen,
    /// The guard's question is on screen: the program is stopped in a call until it is answered.
    GuardQuestion,
}

impl Withheld {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HiddenInput => "the program reads hidden input (a password or passphrase)",
            Self::UserLine => "you have typed a line that is not submitted",
            Self::FullScreen => "a full-screen program is running (nudge_full_screen is off)",
            Self::GuardQuestion => "the guard is asking you about a change",
        }
    }
}

/// What the engine knows of the child's terminal besides the prompt on it.
#[derive(Debug, Clone, Copy, Default)]
struct Terminal {
    /// How it reads input.
    mode: Mode,
    /// The user's last keys left a line unsubmitted.
    user_line: bool,
    /// The alternate screen was showing when output last settled.
    alternate: bool,
    /// The guard's question is open.
    guard_question: bool,
}

/// Who can take over when the automation hands control over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attendance {
    /// A person at a terminal: never timed out.
    Person,
    /// Nobody (stdin is not a terminal): `MANUAL_MODE` ends the program after `manual_timeout`.
    Nobody,
    /// Nobody, and the program is being ended.
    Ending,
}

/// The prompt handed off to a background client, while it waits.
#[derive(Debug, Clone)]
struct Handed {
    identity: u64,
    rule: usize,
    tail_end: u64,
}

/// An answer allowed by the rules but waiting for the rate limits.
#[derive(Debug, Clone)]
struct Pending {
    prompt: Prompt,
    at: Instant,
}

#[derive(Debug, Clone)]
struct Nudging {
    /// The next step of the sequence to send, and when.
    step: usize,
    at: Instant,
}

pub struct Engine {
    config: Arc<Config>,
    state: State,
    last_output: Instant,
    last_send: Option<Instant>,
    rule_last_send: Vec<Option<Instant>>,
    /// The prompt instance answered last; it is not answered again while it stays.
    answered: Option<u64>,
    /// The prompt instance logged last, so a prompt that stays is logged once.
    seen: Option<u64>,
    pending: Option<Pending>,
    nudging: Option<Nudging>,
    /// Nudge rounds since the last sign of progress (an answered prompt, a key from the user).
    rounds: u32,
    /// The live text when output last settled: a nudge types into whatever waits there.
    live_context: String,
    /// A prompt left to the user is on screen: nothing automatic may be typed into it.
    holding: bool,
    terminal: Terminal,
    /// The reason last told to the user, so it is told once.
    told: Option<Withheld>,
    /// This quiet spell's withheld nudge is logged: the idle timer need not fire again.
    idle_logged: bool,
    /// Why the wrapped command itself is dangerous, if it is: then nothing it asks is answered.
    program_danger: Option<Verdict>,
    /// Who can take over in `MANUAL_MODE`.
    attendance: Attendance,
    /// Where the text tail ended when the last answered prompt was seen: the next prompt is
    /// judged against everything shown after it.
    answered_upto: u64,
    /// When `MANUAL_MODE` was last entered.
    manual_since: Instant,
    /// The prompt handed off, while a background client may still answer it.
    handed: Option<Handed>,
    /// Where the program runs and its project: a command that changes what lies outside the
    /// project is dangerous. `None`: only the catastrophes are.
    scope: Option<Scope>,
    /// The time of the input being handled.
    clock: Instant,
}

impl Engine {
    pub fn new(config: impl Into<Arc<Config>>, now: Instant) -> Self {
        let config = config.into();
        let rules = config.rules.len();
        Self {
            config,
            state: State::Running,
            last_output: now,
            last_send: None,
            rule_last_send: vec![None; rules],
            answered: None,
            seen: None,
            pending: None,
            nudging: None,
            rounds: 0,
            live_context: String::new(),
            holding: false,
            terminal: Terminal::default(),
            told: None,
            idle_logged: false,
            program_danger: None,
            attendance: Attendance::Person,
            answered_upto: 0,
            manual_since: now,
            handed: None,
            scope: None,
            clock: now,
        }
    }

    /// Where what the next prompt is judged against begins (see [`Prompt::shown`]).
    pub fn answered_upto(&self) -> u64 {
        self.answered_upto
    }

    /// The project and places the commands a prompt asks about are judged against.
    pub fn set_scope(&mut self, scope: Scope) {
        self.scope = Some(scope);
    }

    /// Nobody can take over (stdin is not a terminal): what waits for a person enters
    /// `MANUAL_MODE`, and `MANUAL_MODE` ends the program after `manual_timeout`.
    pub fn set_unattended(&mut self) {
        self.attendance = Attendance::Nobody;
    }

    /// Judges the wrapped command itself (its argv as one command line), once, at start. If it
    /// is dangerous, it is part of the context of every prompt it shows: none is answered and
    /// no nudge is typed; the person answers.
    pub fn judge_program(&mut self, now: Instant, command_line: &str) -> Vec<Action> {
        self.clock = now;
        let mut out = Vec::new();
        self.program_danger = self.config.denylist.check(Subject::Command(command_line));
        if let Some(verdict) = self.program_danger.clone() {
            self.refuse(verdict, "the wrapped command", &mut out);
        }
        out
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn handle(&mut self, now: Instant, input: Input) -> Vec<Action> {
        self.clock = now;
        let mut out = Vec::new();
        match input {
            Input::Output => {
                self.last_output = now;
                self.idle_logged = false;
                // Whatever was pending is judged again once the new output settles.
                self.pending = None;
                if self.state == State::IdleNudge {
                    self.nudging = None;
                    self.transition(State::Running, "output from the child", &mut out);
                }
            }
            Input::Settled {
                prompt,
                context,
                alternate,
            } => {
                self.live_context = context;
                self.terminal.alternate = alternate;
                self.holding = false;
                let still = prompt.as_ref().map(|p| p.identity);
                if let Some(h) = self.handed.take_if(|h| Some(h.identity) != still) {
                    out.push(Action::HandOffOver(h.identity));
                }
                if let Some(prompt) = prompt {
                    self.on_prompt(now, prompt, &mut out);
                } else {
                    self.answered = None;
                    self.seen = None;
                    self.pending = None;
                }
            }
            Input::Interrupt => {
                self.take_manual("Ctrl-C from the user", &mut out);
            }
            Input::Toggle => {
                if self.state == State::Manual {
                    self.last_output = now;
                    self.rounds = 0;
                    self.seen = None;
                    if let Some(h) = self.handed.take() {
                        out.push(Action::HandOffOver(h.identity));
                    }
                    // Resuming is the user saying the automation may type again.
                    self.terminal.user_line = false;
                    self.told = None;
                    self.transition(State::Running, "hotkey: automation resumed", &mut out);
                } else {
                    self.take_manual("hotkey: the user took control", &mut out);
                }
            }
            Input::UserKey { pending } => {
                self.rounds = 0;
                self.terminal.user_line = pending;
                if pending {
                    self.stop_nudging(&mut out);
                } else if self.told == Some(Withheld::UserLine) {
                    self.told = None;
                }
            }
            Input::Mode(mode) => {
                let was_hidden = std::mem::replace(&mut self.terminal.mode, mode).hidden;
                if mode.hidden == was_hidden {
                    return out;
                }
                if mode.hidden {
                    self.stop_nudging(&mut out);
                    self.tell(Withheld::HiddenInput, None, &mut out);
                } else if self.told == Some(Withheld::HiddenInput) {
                    self.told = None;
                }
            }
            Input::GuardQuestion(open) => {
                self.terminal.guard_question = open;
                if open {
                    self.stop_nudging(&mut out);
                } else {
                    // The program was stopped, not idle: its silence counts from now.
                    self.last_output = now;
                    self.rounds = 0;
                }
            }
            Input::HandedBack { identity, approve } => {
                self.handed_back(now, identity, approve, &mut out);
            }
            Input::Tick => self.on_tick(now, &mut out),
        }
        out
    }

    /// A background client's answer to the prompt handed off as `identity`, if it still waits.
    fn handed_back(&mut self, now: Instant, identity: u64, approve: bool, out: &mut Vec<Action>) {
        let Some(handed) = self.handed.take_if(|h| h.identity == identity) else {
            return;
        };
        // Answered either way: this instance is neither answered again nor handed off again.
        self.answered = Some(identity);
        self.holding = false;
        self.told = None;
        self.last_output = now;
        self.rounds = 0;
        let why = if approve {
            "approved by a background client"
        } else {
            "denied by a background client: left as it is"
        };
        if self.state != State::Running {
            self.transition(State::Running, why, out);
        }
        let keys = match &self.config.rules[handed.rule].answer {
            Answer::Send(keys) => keys.clone(),
            Answer::Leave => self.config.approve_once.clone(),
        };
        if approve && !keys.is_empty() {
            let name = self.config.rules[handed.rule].name.clone();
            self.send(now, keys, name, out);
            self.rule_last_send[handed.rule] = Some(now);
            self.answered_upto = handed.tail_end;
        }
    }

    /// Tells a background client of `prompt`, left to a person `why`.
    fn hand_off(&mut self, prompt: &Prompt, why: String, out: &mut Vec<Action>) {
        let rule = &self.config.rules[prompt.rule];
        let answer = match &rule.answer {
            Answer::Send(keys) => Some(keys),
            Answer::Leave => Some(&self.config.approve_once).filter(|k| !k.is_empty()),
        };
        self.handed = Some(Handed {
            identity: prompt.identity,
            rule: prompt.rule,
            tail_end: prompt.tail_end,
        });
        out.push(Action::HandOff(HandOff {
            identity: prompt.identity,
            rule: rule.name.clone(),
            why,
            command: prompt.command.clone().or_else(|| prompt.path.clone()),
            screen: prompt.context.clone(),
            answer: answer.map(|keys| {
                let bytes: Vec<u8> = keys.iter().flat_map(|k| k.0.iter().copied()).collect();
                crate::escape::escape_bytes(&bytes)
            }),
        }));
    }

    /// When the engine next needs a [`Input::Tick`], if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        let idle_off = self.holding
            || self.config.nudge_sequence.is_empty()
            || (self.idle_logged && self.nudge_withheld().is_some());
        let timer = match self.state {
            State::Manual if self.attendance == Attendance::Nobody => {
                return Some(self.manual_since + self.config.manual_timeout);
            }
            State::Manual => return None,
            State::Running if idle_off => return self.pending.as_ref().map(|p| p.at),
            State::Running => self.last_output + self.config.idle_timeout,
            State::IdleNudge => match &self.nudging {
                Some(n) => n.at,
                None => self.quiet_since() + self.config.idle_timeout,
            },
        };
        Some(self.pending.as_ref().map_or(timer, |p| p.at.min(timer)))
    }

    fn on_prompt(&mut self, now: Instant, prompt: Prompt, out: &mut Vec<Action>) {
        if self.answered == Some(prompt.identity) {
            return;
        }
        let rule = self.config.rules[prompt.rule].name.clone();
        let first_sight = self.seen != Some(prompt.identity);
        if first_sight {
            self.seen = Some(prompt.identity);
            out.push(Action::Emit(Event::PromptDetected {
                rule: rule.clone(),
                origin: prompt.origin.as_str(),
                text: prompt.matched.clone(),
                tool: prompt.tool.clone(),
                command: prompt.command.clone(),
                path: prompt.path.clone(),
            }));
        }
        if self.config.rules[prompt.rule].answer == Answer::Leave {
            let why = "its rule leaves it to you".to_owned();
            if first_sight {
                self.hand_off(&prompt, why.clone(), out);
            }
            self.leave(rule, why, first_sight, out);
            return;
        }
        if self.state == State::Manual {
            return;
        }
        if let Some(danger) = self.danger_of(&prompt) {
            self.hand_off(&prompt, format!("dangerous ({})", danger.id), out);
            self.refuse(danger, &rule, out);
            return;
        }
        let left = match &prompt.shown {
            Shown::Lost => Some(format!(
                "more was shown since the last answer than autoapprove keeps ({} KiB)",
                HISTORY_BYTES / 1024
            )),
            _ => self.risky(&prompt),
        };
        if let Some(why) = left {
            if first_sight {
                self.hand_off(&prompt, why.clone(), out);
            }
            self.leave(rule, why, first_sight, out);
            return;
        }
        if let Some(why) = self.withheld(Some(prompt.rule)) {
            self.pending = None;
            self.tell(why, Some(rule), out);
            return;
        }
        let at = self.allowed_at(now, prompt.rule);
        if at <= now {
            self.answer(now, &prompt, out);
        } else {
            out.push(Action::Emit(Event::AnswerDeferred {
                rule,
                wait: at - now,
            }));
            self.pending = Some(Pending { prompt, at });
        }
    }

    fn on_tick(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.state == State::Manual {
            if self.attendance == Attendance::Nobody
                && now >= self.manual_since + self.config.manual_timeout
            {
                out.push(Action::Emit(Event::Abandoned {
                    waited: now - self.manual_since,
                }));
                out.push(Action::EndProgram);
                self.attendance = Attendance::Ending;
            }
            return;
        }
        if let Some(p) = self.pending.take_if(|p| p.at <= now) {
            // Limits may have moved since it was deferred (a nudge, another answer).
            let at = self.allowed_at(now, p.prompt.rule);
            if at <= now {
                self.answer(now, &p.prompt, out);
            } else {
                self.pending = Some(Pending { at, ..p });
            }
        }
        if self.holding || self.config.nudge_sequence.is_empty() {
            return;
        }
        if let Some(why) = self.nudge_withheld() {
            // The moment a nudge would have been typed, logged once per quiet spell.
            let idle = now - self.last_output;
            if !self.idle_logged && idle >= self.config.idle_timeout {
                self.idle_logged = true;
                out.push(Action::Emit(Event::IdleDetected {
                    idle,
                    threshold: self.config.idle_timeout,
                }));
                out.push(Action::Emit(Event::InputWithheld {
                    why: why.as_str(),
                    rule: Some("idle nudge".to_owned()),
                }));
            }
            return;
        }
        match self.state {
            State::Running if now >= self.last_output + self.config.idle_timeout => {
                self.start_round(now, out);
            }
            State::IdleNudge => match self.nudging.clone() {
                Some(n) if n.at <= now => self.nudge_step(now, n.step, out),
                None if now >= self.quiet_since() + self.config.idle_timeout => {
                    self.start_round(now, out);
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn start_round(&mut self, now: Instant, out: &mut Vec<Action>) {
        let idle = now - self.last_output;
        out.push(Action::Emit(Event::IdleDetected {
            idle,
            threshold: self.config.idle_timeout,
        }));
        if self.rounds >= self.config.nudge_max_retries {
            let why = format!("still idle after {} nudge rounds", self.rounds);
            self.take_manual(&why, out);
            return;
        }
        self.rounds += 1;
        if self.state != State::IdleNudge {
            self.transition(State::IdleNudge, "no output for idle_timeout", out);
        }
        out.push(Action::Emit(Event::Nudge {
            attempt: self.rounds,
            max: self.config.nudge_max_retries,
        }));
        let at = self.not_before(now + self.config.nudge_sequence[0].after);
        if at <= now {
            self.nudge_step(now, 0, out);
        } else {
            self.nudging = Some(Nudging { step: 0, at });
        }
    }

    fn nudge_step(&mut self, now: Instant, step: usize, out: &mut Vec<Action>) {
        let allowed = self.not_before(now);
        if allowed > now {
            self.nudging = Some(Nudging { step, at: allowed });
            return;
        }
        // A nudge answers whatever waits on screen, recognised or not: judge that first.
        let context = std::mem::take(&mut self.live_context);
        let refused = self.refuse_if_dangerous(Subject::Text(&context), "idle nudge", out);
        self.live_context = context;
        if refused {
            return;
        }
        let keys = self.config.nudge_sequence[step].keys.clone();
        self.send(
            now,
            keys,
            format!("idle_nudge_{}.{}", self.rounds, step + 1),
            out,
        );
        self.nudging = self
            .config
            .nudge_sequence
            .get(step + 1)
            .map(|next| Nudging {
                step: step + 1,
                at: now + next.after,
            });
    }

    /// Why `prompt` is dangerous, if it is: its command (in every reading), file or context —
    /// or, for a rule that does not say what it is about, all the program showed since the last
    /// answer, wherever it was drawn or however far it scrolled.
    fn danger_of(&self, prompt: &Prompt) -> Option<Verdict> {
        if let Some(verdict) = &self.program_danger {
            return Some(verdict.clone());
        }
        let check = |subject| self.config.denylist.check_in(subject, self.scope.as_ref());
        let subject = match (&prompt.command, &prompt.path) {
            (Some(command), _) => Subject::Command(command),
            (None, Some(path)) => Subject::Path(path),
            (None, None) => Subject::Text(&prompt.context),
        };
        check(subject)
            .or_else(|| {
                prompt
                    .command_readings
                    .iter()
                    .find_map(|r| check(Subject::Command(r)))
            })
            .or_else(|| match &prompt.shown {
                Shown::Since(shown) => check(Subject::Text(shown)),
                Shown::Scoped | Shown::Lost => None,
            })
    }

    /// If `text` falls in a denylist category: reports it, hands control to the user, and says so.
    fn refuse_if_dangerous(
        &mut self,
        subject: Subject<'_>,
        rule: &str,
        out: &mut Vec<Action>,
    ) -> bool {
        let verdict = self
            .program_danger
            .clone()
            .or_else(|| self.config.denylist.check_in(subject, self.scope.as_ref()));
        let Some(verdict) = verdict else {
            return false;
        };
        self.refuse(verdict, rule, out);
        true
    }

    /// Reports a dangerous command and hands control to the user.
    fn refuse(&mut self, verdict: Verdict, rule: &str, out: &mut Vec<Action>) {
        let what = format!("{}: {}", verdict.id, verdict.excerpt);
        out.push(Action::Emit(Event::DangerousCommand {
            category: verdict.id,
            pack: verdict.pack,
            severity: verdict.severity.as_str(),
            reason: verdict.reason,
            excerpt: verdict.excerpt,
            rule: rule.to_owned(),
        }));
        self.enter_manual("dangerous command: left to the user", Some(what), out);
    }

    fn answer(&mut self, now: Instant, prompt: &Prompt, out: &mut Vec<Action>) {
        // Deferred answers come here from a tick: the terminal may have changed since.
        if let Some(why) = self.withheld(Some(prompt.rule)) {
            let rule = self.config.rules[prompt.rule].name.clone();
            self.tell(why, Some(rule), out);
            return;
        }
        let rule = &self.config.rules[prompt.rule];
        let Answer::Send(keys) = &rule.answer else {
            return;
        };
        let (keys, name) = (keys.clone(), rule.name.clone());
        self.send(now, keys, name, out);
        // One answer at a time: whatever was deferred before is judged again on the next settle.
        self.pending = None;
        self.rule_last_send[prompt.rule] = Some(now);
        self.answered = Some(prompt.identity);
        self.answered_upto = prompt.tail_end;
        self.rounds = 0;
        if self.state == State::IdleNudge {
            self.nudging = None;
            self.transition(State::Running, "prompt answered", out);
        }
    }

    fn send(&mut self, now: Instant, keys: Vec<Key>, reason: String, out: &mut Vec<Action>) {
        debug_assert!(self.state != State::Manual, "MANUAL_MODE never sends");
        let input = keys.iter().flat_map(|k| k.0.iter().copied()).collect();
        out.push(Action::Emit(Event::InputSent { reason, input }));
        out.push(Action::Send(keys));
        self.last_send = Some(now);
    }

    /// Why this confirmation is the person's to answer although its rule would answer it: it
    /// defaults to No or is worded as destruction — unless the rule opts in (`destructive`), or
    /// what it concerns was judged safe: a command (the denylist passed it), or a file inside
    /// the project.
    fn risky(&self, prompt: &Prompt) -> Option<String> {
        let judged_safe = prompt.command.is_some() || (prompt.path.is_some() && prompt.in_project);
        if self.config.rules[prompt.rule].destructive || judged_safe {
            return None;
        }
        confirm::risky(&prompt.context)
    }

    /// Leaves a recognised prompt to the person, `why`; says so on its first sight. Nothing
    /// automatic is typed while it is on screen.
    fn leave(&mut self, rule: String, why: String, first_sight: bool, out: &mut Vec<Action>) {
        if first_sight {
            out.push(Action::Emit(Event::LeftToUser {
                rule: rule.clone(),
                why: why.clone(),
            }));
            out.push(Action::Notify(Notice::LeftToUser { rule, why }));
        }
        self.holding = true;
        self.pending = None;
        self.nudging = None;
        if self.attendance != Attendance::Person {
            self.take_manual(
                "a prompt left to the user, and nobody is at a terminal",
                out,
            );
        } else if self.state == State::IdleNudge {
            self.transition(State::Running, "a prompt is left to the user", out);
        }
    }

    /// Why nothing may be typed now, if so: for an answer by `rule` (which may say it answers
    /// secret prompts), or for a nudge (`None`).
    fn withheld(&self, rule: Option<usize>) -> Option<Withheld> {
        let secret_ok = rule.is_some_and(|r| self.config.rules[r].secret);
        if self.terminal.guard_question {
            Some(Withheld::GuardQuestion)
        } else if self.terminal.mode.hidden && !secret_ok {
            Some(Withheld::HiddenInput)
        } else if self.terminal.user_line {
            Some(Withheld::UserLine)
        } else {
            None
        }
    }

    /// Why an idle child may not be nudged now, if so: what withholds all typing, or a
    /// full-screen program's screen (unless the profile asks for nudges there: an Enter in an
    /// editor is a new line in a file).
    fn nudge_withheld(&self) -> Option<Withheld> {
        self.withheld(None).or_else(|| {
            let full_screen = self.terminal.alternate || self.terminal.mode.raw;
            (full_screen && !self.config.nudge_full_screen).then_some(Withheld::FullScreen)
        })
    }

    /// Ends a nudge round under way: something came up that nothing may be typed into.
    fn stop_nudging(&mut self, out: &mut Vec<Action>) {
        self.pending = None;
        if self.nudging.take().is_some() || self.state == State::IdleNudge {
            out.push(Action::StopTyping);
            if self.state == State::IdleNudge {
                self.transition(State::Running, "nothing may be typed now", out);
            }
        }
    }

    /// Logs and shows why nothing is typed, once per reason; `rule` names the prompt withheld.
    fn tell(&mut self, why: Withheld, rule: Option<String>, out: &mut Vec<Action>) {
        if self.told == Some(why) || self.state == State::Manual {
            return;
        }
        if self.attendance != Attendance::Person {
            let because = format!("{}, and nobody is at a terminal", why.as_str());
            self.take_manual(&because, out);
            return;
        }
        self.told = Some(why);
        out.push(Action::Emit(Event::InputWithheld {
            why: why.as_str(),
            rule,
        }));
        out.push(Action::Notify(Notice::Withheld { why }));
    }

    /// The earliest time this rule may answer: after the global interval and its own cooldown.
    fn allowed_at(&self, now: Instant, rule: usize) -> Instant {
        let own = self.rule_last_send[rule].map(|t| t + self.config.rules[rule].cooldown);
        self.not_before(own.map_or(now, |t| t.max(now)))
    }

    /// `t`, or later if the global send interval requires it.
    fn not_before(&self, t: Instant) -> Instant {
        self.last_send
            .map_or(t, |s| t.max(s + self.config.min_send_interval))
    }

    /// The child has been quiet since its last output or our last send, whichever is later.
    fn quiet_since(&self) -> Instant {
        self.last_send
            .map_or(self.last_output, |s| s.max(self.last_output))
    }

    fn take_manual(&mut self, why: &str, out: &mut Vec<Action>) {
        self.enter_manual(why, None, out);
    }

    /// Hands control to the human: nothing pending, nothing queued is typed.
    fn enter_manual(&mut self, why: &str, dangerous: Option<String>, out: &mut Vec<Action>) {
        self.pending = None;
        self.nudging = None;
        out.push(Action::StopTyping);
        if self.state != State::Manual {
            self.transition_because(State::Manual, why, dangerous, out);
        }
    }

    fn transition(&mut self, to: State, why: &str, out: &mut Vec<Action>) {
        self.transition_because(to, why, None, out);
    }

    fn transition_because(
        &mut self,
        to: State,
        why: &str,
        dangerous: Option<String>,
        out: &mut Vec<Action>,
    ) {
        let from = std::mem::replace(&mut self.state, to);
        if to == State::Manual {
            self.manual_since = self.clock;
        }
        out.push(Action::Emit(Event::StateChanged {
            from,
            to,
            why: why.to_owned(),
        }));
        out.push(Action::Notify(Notice::State {
            from,
            to,
            dangerous,
        }));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config;
    use crate::prompts::detector::Origin;

    const CONFIG: &str = "
idle_timeout: 10s
min_send_interval: 500ms
nudge_max_retries: 2
nudge_sequence:
  - send: '<Enter>'
  - send: 'y<Enter>'
    after: 1s
prompt_rules:
  - description: yn
    match_regex: '\\[y/n\\]'
    send: 'y<Enter>'
    cooldown: 2s
  - description: enter
    match_regex: 'Press Enter'
    send: '<Enter>'
";

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn setup() -> (Engine, Instant) {
        let t0 = Instant::now();
        let config = config::from_yaml(CONFIG, "test.yaml").unwrap();
        (Engine::new(config, t0), t0)
    }

    fn prompt(rule: usize, identity: u64, context: &str) -> Prompt {
        Prompt {
            rule,
            origin: Origin::Screen,
            identity,
            matched: "[y/n]".into(),
            context: context.into(),
            command: None,
            command_readings: Vec::new(),
            tool: None,
            path: None,
            in_project: false,
            tail_end: 0,
            shown: Shown::Since(context.into()),
        }
    }

    fn shows(p: Prompt) -> Input {
        Input::Settled {
            context: p.context.clone(),
            prompt: Some(p),
            alternate: false,
        }
    }

    fn blank() -> Input {
        Input::Settled {
            prompt: None,
            context: String::new(),
            alternate: false,
        }
    }

    fn sent(actions: &[Action]) -> Vec<Vec<u8>> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(keys) => Some(keys.iter().flat_map(|k| k.0.clone()).collect()),
                _ => None,
            })
            .collect()
    }

    fn events(actions: &[Action]) -> Vec<&'static str> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Emit(e) => Some(e.name()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_prompt_is_answered_once_while_it_stays() {
        let (mut e, t0) = setup();
        let a = e.handle(t0, shows(prompt(0, 1, "Go? [y/n]")));
        assert_eq!(sent(&a), vec![b"y\r".to_vec()]);
        assert_eq!(events(&a), vec!["PROMPT_DETECTED", "SEND_INPUT"]);
        let again = e.handle(t0 + ms(3000), shows(prompt(0, 1, "Go? [y/n]")));
        assert!(again.is_empty(), "{again:?}");
    }

    #[test]
    fn a_prompt_that_went_away_and_came_back_is_answered_again() {
        let (mut e, t0) = setup();
        e.handle(t0, shows(prompt(0, 1, "Go? [y/n]")));
        e.handle(t0 + ms(2100), blank());
        let a = e.handle(t0 + ms(2200), shows(prompt(0, 1, "Go? [y/n]")));
        assert_eq!(sent(&a).len(), 1);
    }

    #[test]
    fn the_global_interval_defers_an_answer_until_it_allows() {
        let (mut e, t0) = setup();
        e.handle(t0, shows(prompt(0, 1, "[y/n]")));
        let a = e.handle(t0 + ms(100), shows(prompt(1, 2, "Press Enter")));
        assert!(sent(&a).is_empty());
        assert_eq!(events(&a), vec!["PROMPT_DETECTED", "ANSWER_DEFERRED"]);
        assert_eq!(e.next_deadline(), Some(t0 + ms(500)));
        assert!(sent(&e.handle(t0 + ms(499), Input::Tick)).is_empty());
        assert_eq!(
            sent(&e.handle(t0 + ms(500), Input::Tick)),
            vec![b"\r".to_vec()]
        );
    }

    #[test]
    fn a_rule_cooldown_defers_the_same_rule() {
        let (mut e, t0) = setup();
        e.handle(t0, shows(prompt(0, 1, "[y/n]")));
        let a = e.handle(t0 + ms(600), shows(prompt(0, 2, "[y/n]")));
        assert!(sent(&a).is_empty());
        assert_eq!(e.next_deadline(), Some(t0 + ms(2000)));
        assert_eq!(sent(&e.handle(t0 + ms(2000), Input::Tick)).len(), 1);
    }

    #[test]
    fn an_answer_drops_an_older_deferred_one() {
        let (mut e, t0) = setup();
        e.handle(t0, shows(prompt(1, 1, "Press Enter")));
        // Deferred by the global interval…
        e.handle(t0, shows(prompt(0, 2, "[y/n]")));
        // …then another prompt is answered once the interval allows…
        assert_eq!(
            sent(&e.handle(t0 + ms(2000), shows(prompt(0, 3, "[y/n]")))).len(),
            1
        );
        // …and the stale deferred answer must not follow it in the same instant.
        assert!(sent(&e.handle(t0 + ms(2000), Input::Tick)).is_empty());
    }

    #[test]
    fn output_cancels_a_deferred_answer_until_it_settles_again() {
        let (mut e, t0) = setup();
        e.handle(t0, shows(prompt(0, 1, "[y/n]")));
        e.handle(t0 + ms(100), shows(prompt(1, 2, "Press Enter")));
        e.handle(t0 + ms(200), Input::Output);
        assert!(sent(&e.handle(t0 + ms(600), Input::Tick)).is_empty());
    }

    #[test]
    fn a_dangerous_context_is_never_answered_and_hands_over() {
        let (mut e, t0) = setup();
        let a = e.handle(t0, shows(prompt(0, 1, "about to run rm -rf /\nGo? [y/n]")));
        assert!(sent(&a).is_empty());
        assert_eq!(
            events(&a),
            vec!["PROMPT_DETECTED", "DANGEROUS_COMMAND", "STATE_TRANSITION"]
        );
        assert_eq!(e.state(), State::Manual);
        assert!(a.contains(&Action::StopTyping), "queued keys are dropped");
        assert!(a.contains(&Action::Notify(Notice::State {
            from: State::Running,
            to: State::Manual,
            dangerous: Some("recursive-delete: rm -rf /".into()),
        })));
        assert_eq!(e.next_deadline(), None);
        let later = e.handle(t0 + ms(5000), shows(prompt(0, 2, "[y/n]")));
        assert!(sent(&later).is_empty());
        assert!(e.handle(t0 + ms(60_000), Input::Tick).is_empty());
    }

    fn handed_off(actions: &[Action]) -> Option<&HandOff> {
        actions.iter().find_map(|a| match a {
            Action::HandOff(h) => Some(h),
            _ => None,
        })
    }

    #[test]
    fn a_dangerous_prompt_is_handed_off_and_an_approval_types_its_rules_answer() {
        let (mut e, t0) = setup();
        let shown = || shows(prompt(0, 7, "about to run rm -rf /\nGo? [y/n]"));
        let a = e.handle(t0, shown());
        let h = handed_off(&a).expect("handed off");
        assert_eq!(
            (h.identity, h.rule.as_str(), h.answer.as_deref()),
            (7, "yn", Some("y\\r"))
        );
        assert!(h.why.contains("recursive-delete"), "{h:?}");
        assert_eq!(e.state(), State::Manual);
        // Seen again while it waits: not handed off twice.
        assert!(handed_off(&e.handle(t0 + ms(100), shown())).is_none());
        let back = Input::HandedBack {
            identity: 7,
            approve: true,
        };
        let a = e.handle(t0 + ms(200), back);
        assert_eq!(sent(&a), vec![b"y\r".to_vec()]);
        assert_eq!(e.state(), State::Running);
        // Answered: the same prompt on screen is not answered or handed off again.
        let a = e.handle(t0 + ms(300), shown());
        assert!(sent(&a).is_empty() && handed_off(&a).is_none(), "{a:?}");
    }

    #[test]
    fn a_denied_hand_off_is_left_as_it_is_and_automation_resumes() {
        let (mut e, t0) = setup();
        let shown = || shows(prompt(0, 7, "about to run rm -rf /\nGo? [y/n]"));
        e.handle(t0, shown());
        let back = Input::HandedBack {
            identity: 7,
            approve: false,
        };
        let a = e.handle(t0 + ms(100), back);
        assert!(sent(&a).is_empty());
        assert_eq!(e.state(), State::Running);
        let a = e.handle(t0 + ms(200), shown());
        assert!(sent(&a).is_empty() && handed_off(&a).is_none(), "{a:?}");
        // The next prompt is answered as usual.
        assert_eq!(
            sent(&e.handle(t0 + ms(3000), shows(prompt(0, 8, "Go? [y/n]")))).len(),
            1
        );
    }

    #[test]
    fn a_hand_off_that_no_longer_waits_is_over_and_a_late_answer_does_nothing() {
        let (mut e, t0) = setup();
        e.handle(t0, shows(prompt(0, 7, "about to run rm -rf /\nGo? [y/n]")));
        let a = e.handle(t0 + ms(100), blank());
        assert!(a.contains(&Action::HandOffOver(7)), "{a:?}");
        let back = Input::HandedBack {
            identity: 7,
            approve: true,
        };
        assert!(sent(&e.handle(t0 + ms(200), back)).is_empty());
        assert_eq!(e.state(), State::Manual);
    }

    #[test]
    fn a_command_group_is_judged_instead_of_the_context() {
        let (mut e, t0) = setup();
        let mut p = prompt(0, 1, "earlier: rm -rf / was refused\nRun ls? [y/n]");
        p.command = Some("ls".into());
        // As the detector marks a prompt whose rule names its command.
        p.shown = Shown::Scoped;
        assert_eq!(sent(&e.handle(t0, shows(p))).len(), 1);
        let mut p = prompt(0, 2, "Run it? [y/n]");
        p.command = Some("git push --force".into());
        assert!(sent(&e.handle(t0 + ms(3000), shows(p))).is_empty());
        assert_eq!(e.state(), State::Manual);
    }

    #[test]
    fn idle_starts_the_nudge_sequence_with_its_gaps() {
        let (mut e, t0) = setup();
        assert_eq!(e.next_deadline(), Some(t0 + ms(10_000)));
        let a = e.handle(t0 + ms(10_000), Input::Tick);
        assert_eq!(
            events(&a),
            vec![
                "IDLE_DETECTED",
                "STATE_TRANSITION",
                "IDLE_NUDGE",
                "SEND_INPUT"
            ]
        );
        assert_eq!(sent(&a), vec![b"\r".to_vec()]);
        assert_eq!(e.state(), State::IdleNudge);
        assert_eq!(e.next_deadline(), Some(t0 + ms(11_000)));
        assert_eq!(
            sent(&e.handle(t0 + ms(11_000), Input::Tick)),
            vec![b"y\r".to_vec()]
        );
    }

    #[test]
    fn a_nudge_is_never_typed_under_a_dangerous_command() {
        let (mut e, t0) = setup();
        e.handle(
            t0,
            Input::Settled {
                prompt: None,
                context: "Wipe the disk with mkfs.ext4 /dev/sda? (type yes)".into(),
                alternate: false,
            },
        );
        let a = e.handle(t0 + ms(10_000), Input::Tick);
        assert!(sent(&a).is_empty(), "{a:?}");
        assert!(events(&a).contains(&"DANGEROUS_COMMAND"));
        assert_eq!(e.state(), State::Manual);
    }

    #[test]
    fn output_during_a_nudge_returns_to_running() {
        let (mut e, t0) = setup();
        e.handle(t0 + ms(10_000), Input::Tick);
        let a = e.handle(t0 + ms(10_200), Input::Output);
        assert_eq!(events(&a), vec!["STATE_TRANSITION"]);
        assert_eq!(e.state(), State::Running);
        // The rest of the sequence is dropped; the idle clock restarts from the output.
        assert_eq!(e.next_deadline(), Some(t0 + ms(20_200)));
    }

    #[test]
    fn rounds_without_progress_end_in_manual_mode() {
        let (mut e, t0) = setup();
        let mut t = t0 + ms(10_000);
        for round in 1..=2 {
            let a = e.handle(t, Input::Tick);
            assert!(events(&a).contains(&"IDLE_NUDGE"), "round {round}: {a:?}");
            e.handle(t + ms(1000), Input::Tick);
            // Echo of the nudge: output, then silence again.
            e.handle(t + ms(1001), Input::Output);
            t = t + ms(1001) + ms(10_000);
        }
        let a = e.handle(t, Input::Tick);
        assert_eq!(events(&a), vec!["IDLE_DETECTED", "STATE_TRANSITION"]);
        assert!(sent(&a).is_empty());
        assert_eq!(e.state(), State::Manual);
    }

    #[test]
    fn an_answered_prompt_counts_as_progress() {
        let (mut e, t0) = setup();
        e.handle(t0 + ms(10_000), Input::Tick);
        e.handle(t0 + ms(10_100), Input::Output);
        e.handle(t0 + ms(10_600), shows(prompt(0, 1, "[y/n]")));
        assert_eq!(e.rounds, 0);
    }

    const LEAVE: &str = "
idle_timeout: 10s
nudge_max_retries: 2
prompt_rules:
  - description: trust
    match_regex: 'trust\\?'
    leave: true
  - description: yn
    match_regex: '\\[y/n\\]'
    send: 'y<Enter>'
";

    #[test]
    fn a_left_prompt_is_reported_once_and_never_nudged() {
        let t0 = Instant::now();
        let mut e = Engine::new(config::from_yaml(LEAVE, "leave.yaml").unwrap(), t0);
        let a = e.handle(t0, shows(prompt(0, 1, "Do you trust?")));
        assert_eq!(events(&a), vec!["PROMPT_DETECTED", "LEFT_TO_USER"]);
        assert!(sent(&a).is_empty());
        assert!(
            e.handle(t0 + ms(500), shows(prompt(0, 1, "Do you trust?")))
                .is_empty()
        );
        // While it is on screen no idle nudge is due, however long the silence.
        assert_eq!(e.next_deadline(), None);
        assert!(sent(&e.handle(t0 + ms(60_000), Input::Tick)).is_empty());
        assert_eq!(e.state(), State::Running);
        // Once the user has answered and it is gone, automation carries on.
        e.handle(t0 + ms(61_000), Input::Output);
        e.handle(t0 + ms(61_100), blank());
        assert_eq!(e.next_deadline(), Some(t0 + ms(71_000)));
        assert_eq!(
            sent(&e.handle(t0 + ms(61_200), shows(prompt(1, 2, "[y/n]")))).len(),
            1
        );
    }

    #[test]
    fn an_empty_nudge_sequence_turns_idle_nudging_off() {
        let t0 = Instant::now();
        let config = config::from_yaml("nudge_sequence: []\n", "quiet.yaml").unwrap();
        let mut e = Engine::new(config, t0);
        assert_eq!(e.next_deadline(), None);
        assert!(e.handle(t0 + ms(3_600_000), Input::Tick).is_empty());
        assert_eq!(e.state(), State::Running);
    }

    #[test]
    fn ctrl_c_and_the_hotkey_move_control() {
        let (mut e, t0) = setup();
        e.handle(t0, Input::Interrupt);
        assert_eq!(e.state(), State::Manual);
        e.handle(t0 + ms(1), Input::Toggle);
        assert_eq!(e.state(), State::Running);
        assert_eq!(e.next_deadline(), Some(t0 + ms(10_001)));
        e.handle(t0 + ms(2), Input::Toggle);
        assert_eq!(e.state(), State::Manual);
        let a = e.handle(t0 + ms(3), shows(prompt(0, 9, "[y/n]")));
        assert!(sent(&a).is_empty());
    }

    /// At `idle` the nudge that would come is logged as withheld, nothing is typed, and the
    /// idle timer is not armed again until something changes.
    fn assert_idle_is_withheld(e: &mut Engine, idle: Instant) {
        assert!(e.next_deadline().is_some_and(|d| d <= idle));
        let a = e.handle(idle, Input::Tick);
        assert!(sent(&a).is_empty(), "{a:?}");
        assert_eq!(events(&a), ["IDLE_DETECTED", "INPUT_WITHHELD"]);
        assert_eq!(e.next_deadline(), None);
    }

    #[test]
    fn hidden_input_gets_neither_an_answer_nor_a_nudge() {
        let (mut e, t0) = setup();
        let a = e.handle(
            t0,
            Input::Mode(Mode {
                hidden: true,
                raw: false,
            }),
        );
        assert_eq!(events(&a), ["INPUT_WITHHELD"]);
        assert!(a.contains(&Action::Notify(Notice::Withheld {
            why: Withheld::HiddenInput
        })));
        let a = e.handle(t0 + ms(1), shows(prompt(0, 1, "Passphrase [y/n]")));
        assert!(sent(&a).is_empty(), "{a:?}");
        assert_idle_is_withheld(&mut e, t0 + ms(10_001));
        // Echo back on: the same prompt is answered, the idle timer runs again.
        e.handle(t0 + ms(60_001), Input::Mode(Mode::default()));
        let a = e.handle(t0 + ms(60_002), shows(prompt(0, 1, "Go on [y/n]")));
        assert_eq!(sent(&a), [b"y\r".to_vec()]);
        assert!(e.next_deadline().is_some());
    }

    #[test]
    fn a_secret_rule_answers_hidden_input() {
        let config = config::from_yaml(
            "idle_timeout: 10s\nprompt_rules:\n  - description: pin\n    match_regex: 'PIN:'\n    send: '1234<Enter>'\n    secret: true\n",
            "test.yaml",
        )
        .unwrap();
        let t0 = Instant::now();
        let mut e = Engine::new(config, t0);
        e.handle(
            t0,
            Input::Mode(Mode {
                hidden: true,
                raw: false,
            }),
        );
        let a = e.handle(t0 + ms(1), shows(prompt(0, 1, "PIN:")));
        assert_eq!(sent(&a).concat(), b"1234\r");
    }

    #[test]
    fn a_line_the_user_has_not_submitted_is_never_submitted_for_them() {
        let (mut e, t0) = setup();
        e.handle(t0, blank());
        e.handle(t0 + ms(1), Input::UserKey { pending: true });
        let a = e.handle(t0 + ms(2), shows(prompt(0, 1, "Continue? [y/n]")));
        assert!(sent(&a).is_empty(), "{a:?}");
        assert!(events(&a).contains(&"INPUT_WITHHELD"));
        assert_idle_is_withheld(&mut e, t0 + ms(60_000));
        // Enter submits their line; the next prompt is answered.
        e.handle(t0 + ms(60_001), Input::UserKey { pending: false });
        let a = e.handle(t0 + ms(60_002), shows(prompt(0, 2, "Continue? [y/n]")));
        assert_eq!(sent(&a), [b"y\r".to_vec()]);
    }

    #[test]
    fn a_round_under_way_stops_when_the_user_starts_a_line() {
        let (mut e, t0) = setup();
        e.handle(t0, blank());
        let a = e.handle(t0 + ms(10_000), Input::Tick);
        assert_eq!(sent(&a), [b"\r".to_vec()]);
        let a = e.handle(t0 + ms(10_100), Input::UserKey { pending: true });
        assert!(a.contains(&Action::StopTyping), "{a:?}");
        assert_eq!(e.state(), State::Running);
        assert!(sent(&e.handle(t0 + ms(11_000), Input::Tick)).is_empty());
    }

    #[test]
    fn a_full_screen_program_is_not_nudged_unless_the_profile_asks() {
        let (mut e, t0) = setup();
        let full_screen = Input::Settled {
            prompt: None,
            context: "-- INSERT --".into(),
            alternate: true,
        };
        e.handle(t0, full_screen.clone());
        assert_idle_is_withheld(&mut e, t0 + ms(10_000));

        let yaml = format!("{CONFIG}nudge_full_screen: true\n");
        let mut e = Engine::new(config::from_yaml(&yaml, "test.yaml").unwrap(), t0);
        e.handle(t0, full_screen);
        assert_eq!(
            sent(&e.handle(t0 + ms(10_000), Input::Tick)),
            [b"\r".to_vec()]
        );
    }

    #[test]
    fn a_dangerous_program_has_no_prompt_answered_even_after_resuming() {
        let (mut e, t0) = setup();
        let a = e.judge_program(t0, "sh -c 'rm -rf \"$HOME\"'");
        assert!(events(&a).contains(&"DANGEROUS_COMMAND"), "{a:?}");
        assert_eq!(e.state(), State::Manual);
        e.handle(t0, Input::Toggle);
        assert_eq!(e.state(), State::Running);
        let a = e.handle(t0 + ms(1), shows(prompt(0, 1, "Go on? [y/n]")));
        assert!(sent(&a).is_empty(), "{a:?}");
        assert_eq!(e.state(), State::Manual);

        let (mut e, t0) = setup();
        assert!(e.judge_program(t0, "claude --model opus").is_empty());
        let a = e.handle(t0, shows(prompt(0, 1, "Go on? [y/n]")));
        assert_eq!(sent(&a), [b"y\r".to_vec()]);
    }

    #[test]
    fn with_nobody_at_a_terminal_manual_mode_ends_the_program_after_the_timeout() {
        let (mut e, t0) = setup();
        e.set_unattended();
        let a = e.handle(t0, shows(prompt(0, 1, "rm -rf / [y/n]")));
        assert_eq!(e.state(), State::Manual, "{a:?}");
        let timeout = e.config.manual_timeout;
        assert_eq!(e.next_deadline(), Some(t0 + timeout));
        assert!(
            e.handle(t0 + timeout.saturating_sub(ms(1)), Input::Tick)
                .is_empty()
        );
        let a = e.handle(t0 + timeout, Input::Tick);
        assert_eq!(events(&a), ["STOPPED"]);
        assert!(a.contains(&Action::EndProgram));
        assert!(
            !e.handle(t0 + timeout + ms(1), Input::Tick)
                .contains(&Action::EndProgram)
        );

        // A person at a terminal is never timed out.
        let (mut e, t0) = setup();
        e.handle(t0, shows(prompt(0, 1, "rm -rf / [y/n]")));
        assert_eq!(e.state(), State::Manual);
        assert_eq!(e.next_deadline(), None);
    }

    #[test]
    fn with_nobody_at_a_terminal_hidden_input_hands_over_and_times_out() {
        let (mut e, t0) = setup();
        e.set_unattended();
        e.handle(
            t0,
            Input::Mode(Mode {
                hidden: true,
                raw: false,
            }),
        );
        assert_eq!(e.state(), State::Manual);
        assert_eq!(e.next_deadline(), Some(t0 + e.config.manual_timeout));
    }

    #[test]
    fn a_prompt_is_judged_against_everything_shown_since_the_last_answer() {
        let (mut e, t0) = setup();
        let mut p = prompt(0, 1, "Continue? [y/n]");
        p.shown = Shown::Since("This will run: rm -rf ~\n\n\n\n\n\n\nContinue? [y/n]".into());
        let a = e.handle(t0, shows(p));
        assert!(sent(&a).is_empty(), "{a:?}");
        assert_eq!(e.state(), State::Manual);

        let (mut e, t0) = setup();
        let mut p = prompt(0, 1, "Continue? [y/n]");
        p.tail_end = 4242;
        assert_eq!(sent(&e.handle(t0, shows(p))).len(), 1);
        assert_eq!(
            e.answered_upto(),
            4242,
            "the next prompt is judged from here"
        );
        let mut p = prompt(0, 2, "Continue? [y/n]");
        p.shown = Shown::Lost;
        let a = e.handle(t0 + ms(3000), shows(p));
        assert!(sent(&a).is_empty(), "{a:?}");
        assert!(events(&a).contains(&"LEFT_TO_USER"), "{a:?}");
    }
}
