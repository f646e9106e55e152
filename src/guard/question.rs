//! The person's question about one call, as drawn over the child's screen, and the keys that
//! answer it: `a` allow once, `p` allow with a pattern, `c` trust the process and its
//! descendants, `t` trust everything, `d` deny once, `D` deny with a pattern, `q` kill the
//! program. `p` and `D` open a line pre-filled with the call's description: the person edits it,
//! Enter accepts (a pattern that cannot be read says why and stays open), Escape goes back.
//! Pure: the session draws [`Asking::lines`] and carries out the [`Outcome`].

use crate::guard::pattern::Pattern;
use crate::guard::supervisor::{Question, Reply};

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The question is answered; `key` names the key, for the log.
    Answer { reply: Reply, key: &'static str },
    /// Deny the call and end the program.
    Kill,
    /// Ctrl-C: deny the call and interrupt the program.
    Interrupt,
    /// The hotkey: the prompt layer changes hands; the question stays.
    Toggle,
    /// What is shown changed: draw it again.
    Redraw,
}

/// A pattern being edited.
struct Editing {
    text: String,
    deny: bool,
    error: Option<String>,
}

/// An open question.
pub struct Asking {
    pub question: Question,
    editing: Option<Editing>,
}

const CTRL_C: u8 = 0x03;
const CTRL_U: u8 = 0x15;
const ESC: u8 = 0x1b;

impl Asking {
    pub fn new(question: Question) -> Self {
        Self {
            question,
            editing: None,
        }
    }

    /// The box's lines, none wider than `width` columns (the call is wrapped, never cut).
    pub fn lines(&self, width: usize) -> Vec<String> {
        let width = width.max(20);
        let mut lines = vec!["autoapprove guard: allow this change?".to_owned()];
        lines.extend(wrap(&format!("  {}", self.question.description), width));
        lines.extend(wrap(
            &format!("  by {}", self.question.chain.join(" ← ")),
            width,
        ));
        lines.push(String::new());
        match &self.editing {
            None => lines.extend(pack(KEYS, width)),
            Some(editing) => {
                let what = if editing.deny { "deny" } else { "allow" };
                lines.push(format!(
                    "{what} and remember (Enter saves, Escape goes back):"
                ));
                lines.extend(wrap(&format!("> {}_", editing.text), width));
                if let Some(error) = &editing.error {
                    lines.extend(wrap(&format!("  {error}"), width));
                }
            }
        }
        lines
    }

    /// Takes the keys the person typed; the first that decides something ends the reading (the
    /// rest are dropped: they were typed at a question now gone).
    pub fn keys(&mut self, bytes: &[u8], toggle: u8) -> Option<Outcome> {
        // An escape sequence (an arrow, a function key) means nothing here; a lone Escape does.
        if bytes.len() > 1 && bytes[0] == ESC {
            return None;
        }
        let text = String::from_utf8_lossy(bytes);
        let mut changed = false;
        for c in text.chars() {
            let outcome = match c {
                _ if c as u32 == u32::from(toggle) => Some(Outcome::Toggle),
                _ if c as u32 == u32::from(CTRL_C) => Some(Outcome::Interrupt),
                _ => self.key(c),
            };
            match outcome {
                Some(Outcome::Redraw) => changed = true,
                Some(other) => return Some(other),
                None => {}
            }
        }
        changed.then_some(Outcome::Redraw)
    }

    fn key(&mut self, c: char) -> Option<Outcome> {
        let description = &self.question.description;
        let Some(editing) = self.editing.as_mut() else {
            let answer = |reply, key| Some(Outcome::Answer { reply, key });
            return match c {
                'a' => answer(Reply::AllowOnce, "a"),
                'c' => answer(Reply::TrustProcess, "c"),
                't' => answer(Reply::TrustAll, "t"),
                'd' => answer(Reply::DenyOnce, "d"),
                'q' => Some(Outcome::Kill),
                'p' | 'D' => {
                    self.editing = Some(Editing {
                        text: description.clone(),
                        deny: c == 'D',
                        error: None,
                    });
                    Some(Outcome::Redraw)
                }
                _ => None,
            };
        };
        match c {
            '\r' | '\n' => match Pattern::new(&editing.text) {
                Ok(_) => {
                    let pattern = editing.text.clone();
                    Some(if editing.deny {
                        Outcome::Answer {
                            reply: Reply::DenyPattern(pattern),
                            key: "D",
                        }
                    } else {
                        Outcome::Answer {
                            reply: Reply::AllowPattern(pattern),
                            key: "p",
                        }
                    })
                }
                Err(e) => {
                    editing.error = Some(format!("not a pattern: {e}"));
                    Some(Outcome::Redraw)
                }
            },
            '\u{7f}' | '\u{8}' => {
                editing.text.pop();
                editing.error = None;
                Some(Outcome::Redraw)
            }
            c if c as u32 == u32::from(CTRL_U) => {
                editing.text.clear();
                Some(Outcome::Redraw)
            }
            c if c as u32 == u32::from(ESC) => {
                self.editing = None;
                Some(Outcome::Redraw)
            }
            c if c.is_control() => None,
            c => {
                editing.text.push(c);
                editing.error = None;
                Some(Outcome::Redraw)
            }
        }
    }
}

/// The keys, as the person reads them.
const KEYS: &[&str] = &[
    "a allow once",
    "p allow pattern",
    "c trust process",
    "t trust all",
    "d deny once",
    "D deny pattern",
    "q kill the program",
];

/// `items` side by side, three spaces apart, in as few lines of at most `width` as fit.
fn pack(items: &[&str], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 3 + item.chars().count() <= width => {
                line.push_str("   ");
                line.push_str(item);
            }
            _ => lines.push((*item).to_owned()),
        }
    }
    lines
}

/// `text` in lines of at most `width` characters, broken anywhere (a path has no spaces to
/// break at); continuation lines are indented.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut rest: &[char] = &chars;
    let mut first = true;
    while first || !rest.is_empty() {
        let room = if first { width } else { width - 4 };
        let (line, tail) = rest.split_at(room.min(rest.len()));
        let indent = if first { "" } else { "    " };
        lines.push(format!("{indent}{}", line.iter().collect::<String>()));
        rest = tail;
        first = false;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking() -> Asking {
        Asking::new(Question {
            id: 7,
            tid: 100,
            description: "delete(/w/f)".into(),
            chain: vec!["100 rm".into(), "99 sh".into()],
        })
    }

    #[test]
    fn each_key_answers_as_its_label_says() {
        for (key, reply) in [
            (b'a', Reply::AllowOnce),
            (b'c', Reply::TrustProcess),
            (b't', Reply::TrustAll),
            (b'd', Reply::DenyOnce),
        ] {
            assert!(matches!(
                asking().keys(&[key], 0x1d),
                Some(Outcome::Answer { reply: r, .. }) if r == reply
            ));
        }
        assert_eq!(asking().keys(b"q", 0x1d), Some(Outcome::Kill));
        assert_eq!(asking().keys(b"\x03", 0x1d), Some(Outcome::Interrupt));
        assert_eq!(asking().keys(b"\x1d", 0x1d), Some(Outcome::Toggle));
        assert_eq!(
            asking().keys(b"x\x1b[A", 0x1d),
            None,
            "other keys do nothing"
        );
        assert!(
            asking()
                .lines(80)
                .iter()
                .any(|l| l.contains("by 100 rm ← 99 sh"))
        );
    }

    #[test]
    fn a_pattern_is_prefilled_edited_and_checked() {
        let mut q = asking();
        assert_eq!(q.keys(b"p", 0x1d), Some(Outcome::Redraw));
        assert!(q.lines(80).iter().any(|l| l == "> delete(/w/f)_"));
        // Backspace over `f)`, type a glob; an unclosed pattern says why and stays open.
        assert_eq!(q.keys(b"\x7f\x7f*", 0x1d), Some(Outcome::Redraw));
        assert_eq!(q.keys(b"\r", 0x1d), Some(Outcome::Redraw));
        assert!(q.lines(80).iter().any(|l| l.contains("not a pattern")));
        assert_eq!(
            q.keys(b")\r", 0x1d),
            Some(Outcome::Answer {
                reply: Reply::AllowPattern("delete(/w/*)".into()),
                key: "p"
            })
        );
        let mut q = asking();
        q.keys(b"D", 0x1d);
        assert_eq!(
            q.keys(b"\x1b", 0x1d),
            Some(Outcome::Redraw),
            "Escape goes back"
        );
        assert_eq!(
            q.keys(b"D\x15delete(_)\r", 0x1d),
            Some(Outcome::Answer {
                reply: Reply::DenyPattern("delete(_)".into()),
                key: "D"
            })
        );
    }

    #[test]
    fn a_long_call_is_wrapped_not_cut() {
        let mut q = asking();
        q.question.description = format!("delete(/{})", "x".repeat(100));
        let lines = q.lines(40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40));
        let joined: String = lines[1..4].iter().map(|l| l.trim()).collect();
        assert!(joined.contains(&q.question.description), "{lines:?}");
    }
}
