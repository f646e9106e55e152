//! What a background run and its clients say to each other, one JSON object per line. A client
//! sends one [`Request`]; the run answers a `respond` with `{"ok":true}` or `{"error":"…"}`, then
//! either request with the next [`Event`]: the oldest question still open, or — once the program
//! has ended — the done event.

use serde::{Deserialize, Serialize};

use crate::guard::pattern::Pattern;

/// What a run tells its clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Event {
    Pending(Pending),
    /// The program ended: its exit code, 128+N when signal N killed it.
    Done {
        exit_code: i32,
    },
}

/// A question that waits for an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Its number in this run, from 1; answers name it.
    pub seq: u64,
    pub kind: Kind,
    /// A guard question: the call as patterns match it (`open(/abs, create+write)`); a prompt:
    /// the rule and what it asks about.
    pub description: String,
    /// The program autoapprove runs, by its absolute path (whose remembered choices a
    /// `pattern` answer adds to).
    pub app_key: String,
    /// The process that asks: the calling thread for a guard question, the program for a prompt.
    pub pid: i32,
    /// A guard question: `pid command` of the caller, then of each parent up to the program.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
    /// A prompt: the rule that recognised it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// A prompt: the command or file it asks about, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// A prompt: the lines of the screen around it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<String>,
    /// A prompt: the keys `approve` types (escaped); absent when it can only be denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

/// What a question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A file-system change the guard stopped.
    Guard,
    /// A prompt on the program's screen that the rules left to a person.
    Prompt,
}

/// What a client asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub enum Request {
    /// The next event.
    Wait,
    /// Answer event `seq`, then the next event.
    Respond {
        seq: u64,
        action: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern: Option<String>,
    },
}

/// An answer, with ptrace-approve's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Allow this once (a prompt: send the rule's answer).
    Approve,
    /// Allow, and remember the pattern for the program.
    Pattern(String),
    /// Allow this process and everything it starts, for the rest of the run.
    Trust,
    /// Deny this once (a prompt: leave it, and go back to automation).
    Deny,
    /// Deny, and remember the pattern for the program.
    DenyPattern(String),
    /// Deny, and end the program.
    Quit,
}

/// The action names, for messages.
pub const ACTIONS: &str = "approve, pattern, trust, deny, deny_pattern or quit";
/// The same, for the command line (`respond DIR SEQ ACTION`).
pub const ACTION_NAMES: [&str; 6] = [
    "approve",
    "pattern",
    "trust",
    "deny",
    "deny_pattern",
    "quit",
];

impl Action {
    /// `name` with its `pattern`; an error says what is wrong.
    pub fn parse(name: &str, pattern: Option<&str>) -> Result<Self, String> {
        let with_pattern = |make: fn(String) -> Self| match pattern {
            Some(p) => Pattern::new(p)
                .map(|_| make(p.to_owned()))
                .map_err(|e| format!("--pattern `{p}`: {e}")),
            None => Err(format!("`{name}` needs --pattern PATTERN")),
        };
        let action = match name {
            "pattern" => return with_pattern(Self::Pattern),
            "deny_pattern" => return with_pattern(Self::DenyPattern),
            "approve" => Self::Approve,
            "trust" => Self::Trust,
            "deny" => Self::Deny,
            "quit" => Self::Quit,
            other => return Err(format!("`{other}` is not an action: expected {ACTIONS}")),
        };
        match pattern {
            Some(_) => Err(format!(
                "--pattern goes with pattern or deny_pattern, not `{name}`"
            )),
            None => Ok(action),
        }
    }

    /// Why `pending` cannot take this answer, if it cannot: a prompt is approved (when there
    /// is something to type), denied or ended.
    pub fn refused_by(&self, pending: &Pending) -> Option<String> {
        let seq = pending.seq;
        match (pending.kind, self) {
            (Kind::Guard, _) | (Kind::Prompt, Self::Deny | Self::Quit) => None,
            (Kind::Prompt, Self::Approve) if pending.answer.is_some() => None,
            (Kind::Prompt, Self::Approve) => Some(format!(
                "event {seq} is a prompt its rule types nothing into (no approve_once is set): \
                 it takes deny or quit"
            )),
            (Kind::Prompt, _) => Some(format!(
                "event {seq} is a prompt: it takes approve, deny or quit"
            )),
        }
    }
}

/// One JSON line, newline included.
pub fn line(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string(value).expect("protocol values serialise");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_the_issue_writes_them() {
        let pending = Event::Pending(Pending {
            seq: 3,
            kind: Kind::Guard,
            description: "open(/w/f, create+write)".into(),
            app_key: "/usr/bin/app".into(),
            pid: 77,
            chain: vec!["77 sh x.sh".into(), "70 /usr/bin/app".into()],
            rule: None,
            command: None,
            screen: None,
            answer: None,
        });
        assert_eq!(
            line(&pending),
            "{\"status\":\"pending\",\"seq\":3,\"kind\":\"guard\",\"description\":\"open(/w/f, create+write)\",\"app_key\":\"/usr/bin/app\",\"pid\":77,\"chain\":[\"77 sh x.sh\",\"70 /usr/bin/app\"]}\n"
        );
        assert_eq!(
            line(&Event::Done { exit_code: 130 }),
            "{\"status\":\"done\",\"exit_code\":130}\n"
        );
        let back: Event = serde_json::from_str(line(&pending).trim()).unwrap();
        assert_eq!(back, pending);
    }

    #[test]
    fn actions_are_checked_before_anything_is_sent() {
        assert_eq!(Action::parse("approve", None), Ok(Action::Approve));
        assert_eq!(
            Action::parse("pattern", Some("open(/w/**, ...)")),
            Ok(Action::Pattern("open(/w/**, ...)".into()))
        );
        assert!(
            Action::parse("pattern", None)
                .unwrap_err()
                .contains("needs --pattern")
        );
        assert!(
            Action::parse("pattern", Some("open(/w/["))
                .unwrap_err()
                .contains("column")
        );
        assert!(
            Action::parse("deny", Some("x"))
                .unwrap_err()
                .contains("goes with")
        );
        assert!(
            Action::parse("allow", None)
                .unwrap_err()
                .contains("not an action")
        );
        let mut prompt = Pending {
            seq: 4,
            kind: Kind::Prompt,
            description: "r: why".into(),
            app_key: "/usr/bin/app".into(),
            pid: 1,
            chain: Vec::new(),
            rule: Some("r".into()),
            command: None,
            screen: None,
            answer: Some("1".into()),
        };
        assert!(
            Action::Trust
                .refused_by(&prompt)
                .unwrap()
                .contains("takes approve, deny")
        );
        assert_eq!(Action::Approve.refused_by(&prompt), None);
        prompt.answer = None;
        assert!(
            Action::Approve
                .refused_by(&prompt)
                .unwrap()
                .contains("types nothing")
        );
        assert_eq!(Action::Deny.refused_by(&prompt), None);
    }

    #[test]
    fn a_malformed_request_is_refused() {
        assert!(serde_json::from_str::<Request>(r#"{"op":"respond","seq":"x"}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"op":"launch"}"#).is_err());
        assert_eq!(
            serde_json::from_str::<Request>(r#"{"op":"wait"}"#).unwrap(),
            Request::Wait
        );
    }
}
