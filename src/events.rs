//! Structured events: one per decision, and their two renderings — a text line in the
//! `[AUTOAPPROVE] <time> EVENT: key=value …` form and a JSON line.
//!
//! Rendering escapes every string a child could have written, so no field can forge a log line or
//! reach a terminal as a control sequence. Writing the lines somewhere is `log`'s job.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::escape::escape_str;

/// The automation's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Watching for prompts and answering them.
    Running,
    /// The child went quiet; nudging it.
    IdleNudge,
    /// The human is in control: nothing is sent automatically.
    Manual,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::IdleNudge => "IDLE_NUDGE",
            Self::Manual => "MANUAL_MODE",
        }
    }
}

/// How much a reader needs an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started {
        command: String,
        config: String,
        profile: Option<String>,
        pid: u32,
        cols: u16,
        rows: u16,
    },
    PromptDetected {
        rule: String,
        origin: &'static str,
        text: String,
        tool: Option<String>,
        command: Option<String>,
        path: Option<String>,
    },
    /// An answer waits for the rate limits.
    AnswerDeferred {
        rule: String,
        wait: Duration,
    },
    InputSent {
        reason: String,
        input: Vec<u8>,
    },
    IdleDetected {
        idle: Duration,
        threshold: Duration,
    },
    Nudge {
        attempt: u32,
        max: u32,
    },
    StateChanged {
        from: State,
        to: State,
        why: String,
    },
    /// A recognised prompt left to the user, `why`.
    LeftToUser {
        rule: String,
        why: String,
    },
    /// Nothing is typed for the user now: the child reads hidden input, or the user's own line
    /// is unsubmitted; `rule` names the prompt that was not answered, if one was.
    InputWithheld {
        why: &'static str,
        rule: Option<String>,
    },
    DangerousCommand {
        /// The denylist rule's id, its pack and severity.
        category: String,
        pack: String,
        severity: &'static str,
        reason: String,
        excerpt: String,
        rule: String,
    },
    /// `MANUAL_MODE` waited `waited` with nobody to hand over to: the program is ended.
    Abandoned {
        waited: Duration,
    },
    SignalForwarded {
        signal: &'static str,
    },
    /// The program stopped (job control); autoapprove stops with it.
    JobStopped,
    /// Continued (`fg`): the program is continued too.
    JobContinued,
    Resized {
        cols: u16,
        rows: u16,
    },
    ChildExited {
        code: i32,
        signal: Option<i32>,
    },
    /// The guard supervises the program (`--guard`).
    GuardStarted {
        mode: &'static str,
        program: String,
        no_new_privs: bool,
    },
    /// `--background DIR`: questions go to DIR's clients.
    BackgroundStarted {
        dir: String,
    },
    /// A question went to the background clients as event `seq`.
    BackgroundPending {
        seq: u64,
        kind: &'static str,
        description: String,
    },
    /// A supervised call waits for the person.
    GuardAsked {
        call: String,
        pid: i32,
        chain: String,
    },
    /// The person answered: the key, and the pattern remembered, if any.
    GuardAnswered {
        call: String,
        pid: i32,
        key: &'static str,
        answer: &'static str,
        pattern: Option<String>,
    },
    /// A supervised call decided without the person.
    GuardDecided {
        call: String,
        pid: i32,
        allowed: bool,
        why: String,
    },
    /// Something about the guard the person should know.
    GuardNotice {
        message: String,
    },
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Started { .. } => "STARTED",
            Self::PromptDetected { .. } => "PROMPT_DETECTED",
            Self::AnswerDeferred { .. } => "ANSWER_DEFERRED",
            Self::InputSent { .. } => "SEND_INPUT",
            Self::IdleDetected { .. } => "IDLE_DETECTED",
            Self::Nudge { .. } => "IDLE_NUDGE",
            Self::StateChanged { .. } => "STATE_TRANSITION",
            Self::DangerousCommand { .. } => "DANGEROUS_COMMAND",
            Self::LeftToUser { .. } => "LEFT_TO_USER",
            Self::InputWithheld { .. } => "INPUT_WITHHELD",
            Self::Abandoned { .. } => "STOPPED",
            Self::SignalForwarded { .. } => "SIGNAL_FORWARDED",
            Self::JobStopped => "STOPPED_WITH_PROGRAM",
            Self::JobContinued => "CONTINUED",
            Self::Resized { .. } => "RESIZED",
            Self::ChildExited { .. } => "CHILD_EXITED",
            Self::GuardStarted { .. } => "GUARD_STARTED",
            Self::BackgroundStarted { .. } => "BACKGROUND_STARTED",
            Self::BackgroundPending { .. } => "BACKGROUND_PENDING",
            Self::GuardAsked { .. } => "GUARD_ASKED",
            Self::GuardAnswered { .. } => "GUARD_ANSWERED",
            Self::GuardDecided { allowed: true, .. } => "GUARD_ALLOWED",
            Self::GuardDecided { allowed: false, .. } => "GUARD_DENIED",
            Self::GuardNotice { .. } => "GUARD_NOTICE",
        }
    }

    pub fn level(&self) -> Level {
        match self {
            Self::AnswerDeferred { .. } | Self::Resized { .. } => Level::Debug,
            Self::DangerousCommand { .. }
            | Self::LeftToUser { .. }
            | Self::InputWithheld { .. }
            | Self::Abandoned { .. }
            | Self::GuardAsked { .. }
            | Self::GuardNotice { .. }
            | Self::GuardDecided { allowed: false, .. } => Level::Warn,
            Self::StateChanged { to, .. } if *to == State::Manual => Level::Warn,
            _ => Level::Info,
        }
    }

    /// The event's fields, in a fixed order.
    #[allow(clippy::too_many_lines)] // one arm per event, each a few lines
    pub fn fields(&self) -> Vec<(&'static str, Value)> {
        fn s(v: &str) -> Value {
            Value::String(v.to_owned())
        }
        fn ms(d: Duration) -> Value {
            Value::from(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        }
        match self {
            Self::Started {
                command,
                config,
                profile,
                pid,
                cols,
                rows,
            } => vec![
                ("command", s(command)),
                ("config", s(config)),
                ("profile", s(profile.as_deref().unwrap_or("none"))),
                ("pid", Value::from(*pid)),
                ("cols", Value::from(*cols)),
                ("rows", Value::from(*rows)),
            ],
            Self::PromptDetected {
                rule,
                origin,
                text,
                tool,
                command,
                path,
            } => {
                let mut f = vec![("rule", s(rule)), ("source", s(origin)), ("text", s(text))];
                if let Some(t) = tool {
                    f.push(("tool", s(t)));
                }
                if let Some(c) = command {
                    f.push(("command", s(c)));
                }
                if let Some(p) = path {
                    f.push(("path", s(p)));
                }
                f
            }
            Self::AnswerDeferred { rule, wait } => vec![("rule", s(rule)), ("wait_ms", ms(*wait))],
            Self::InputSent { reason, input } => vec![
                ("reason", s(reason)),
                ("input", s(&String::from_utf8_lossy(input))),
            ],
            Self::IdleDetected { idle, threshold } => {
                vec![("idle_ms", ms(*idle)), ("threshold_ms", ms(*threshold))]
            }
            Self::Nudge { attempt, max } => {
                vec![
                    ("attempt", Value::from(*attempt)),
                    ("max", Value::from(*max)),
                ]
            }
            Self::StateChanged { from, to, why } => vec![
                ("from", s(from.as_str())),
                ("to", s(to.as_str())),
                ("why", s(why)),
            ],
            Self::DangerousCommand {
                category,
                pack,
                severity,
                reason,
                excerpt,
                rule,
            } => vec![
                ("category", s(category)),
                ("pack", s(pack)),
                ("severity", s(severity)),
                ("reason", s(reason)),
                ("excerpt", s(excerpt)),
                ("rule", s(rule)),
            ],
            Self::Abandoned { waited } => vec![
                ("why", s("nobody to hand over to")),
                ("waited_ms", ms(*waited)),
            ],
            Self::SignalForwarded { signal } => vec![("signal", s(signal))],
            Self::JobStopped | Self::JobContinued => Vec::new(),
            Self::LeftToUser { rule, why } => vec![("rule", s(rule)), ("why", s(why))],
            Self::InputWithheld { why, rule } => {
                let mut f = vec![("why", s(why))];
                if let Some(r) = rule {
                    f.push(("rule", s(r)));
                }
                f
            }
            Self::Resized { cols, rows } => {
                vec![("cols", Value::from(*cols)), ("rows", Value::from(*rows))]
            }
            Self::ChildExited { code, signal } => {
                let mut f = vec![("code", Value::from(*code))];
                if let Some(sig) = signal {
                    f.push(("signal", Value::from(*sig)));
                }
                f
            }
            Self::GuardStarted {
                mode,
                program,
                no_new_privs,
            } => vec![
                ("mode", s(mode)),
                ("program", s(program)),
                ("no_new_privs", Value::from(*no_new_privs)),
            ],
            Self::BackgroundStarted { dir } => vec![("dir", s(dir))],
            Self::BackgroundPending {
                seq,
                kind,
                description,
            } => vec![
                ("seq", Value::from(*seq)),
                ("kind", s(kind)),
                ("description", s(description)),
            ],
            Self::GuardAsked { call, pid, chain } => vec![
                ("call", s(call)),
                ("pid", Value::from(*pid)),
                ("chain", s(chain)),
            ],
            Self::GuardAnswered {
                call,
                pid,
                key,
                answer,
                pattern,
            } => {
                let mut f = vec![
                    ("call", s(call)),
                    ("pid", Value::from(*pid)),
                    ("key", s(key)),
                    ("answer", s(answer)),
                ];
                if let Some(p) = pattern {
                    f.push(("pattern", s(p)));
                }
                f
            }
            Self::GuardDecided { call, pid, why, .. } => vec![
                ("call", s(call)),
                ("pid", Value::from(*pid)),
                ("why", s(why)),
            ],
            Self::GuardNotice { message } => vec![("message", s(message))],
        }
    }

    /// `[AUTOAPPROVE] 2026-11-21T10:15:30.123Z PROMPT_DETECTED: rule="Yes/No prompt" …`
    pub fn to_text(&self, at: SystemTime) -> String {
        format!(
            "[AUTOAPPROVE] {} {}",
            humantime::format_rfc3339_millis(at),
            self.summary()
        )
    }

    /// `PROMPT_DETECTED: rule="Yes/No prompt" …`: the event without its time (a recording's
    /// marker label).
    pub fn summary(&self) -> String {
        let mut line = format!("{}:", self.name());
        for (key, value) in self.fields() {
            match value {
                Value::String(v) => write!(line, " {key}=\"{}\"", escape_str(&v)),
                other => write!(line, " {key}={other}"),
            }
            .expect("writing to a String cannot fail");
        }
        line
    }

    /// `{"ts":"…","event":"PROMPT_DETECTED","rule":"…"}`
    pub fn to_json(&self, at: SystemTime) -> String {
        let mut map = Map::new();
        map.insert(
            "ts".into(),
            Value::String(humantime::format_rfc3339_millis(at).to_string()),
        );
        map.insert("event".into(), Value::String(self.name().into()));
        for (key, value) in self.fields() {
            map.insert(key.into(), value);
        }
        crate::escape::json_safe(Value::Object(map).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123)
    }

    #[test]
    fn text_lines_escape_child_text() {
        let e = Event::PromptDetected {
            rule: "Yes/No prompt".into(),
            origin: "screen",
            text: "evil\n[AUTOAPPROVE] fake\x1b]0;title\x07".into(),
            tool: None,
            command: None,
            path: None,
        };
        let line = e.to_text(at());
        assert_eq!(
            line,
            "[AUTOAPPROVE] 2023-11-14T22:13:20.123Z PROMPT_DETECTED: rule=\"Yes/No prompt\" source=\"screen\" text=\"evil\\n[AUTOAPPROVE] fake\\e]0;title\\x07\""
        );
        assert!(!line.contains('\n') && !line.contains('\x1b'));
    }

    #[test]
    fn json_lines_carry_every_field() {
        let e = Event::InputSent {
            reason: "Yes/No prompt".into(),
            input: b"y\r".to_vec(),
        };
        let v: Value = serde_json::from_str(&e.to_json(at())).unwrap();
        assert_eq!(v["event"], "SEND_INPUT");
        assert_eq!(v["input"], "y\r");
        assert_eq!(v["ts"], "2023-11-14T22:13:20.123Z");
    }
}
