//! The pattern language for supervised calls, ptrace-approve's own (3.1.1), so its users' patterns
//! and remembered choices mean the same here. A call is described as `name(arg, arg, [list, …])`
//! — `open(/home/me/f, create+write)`, `exec(/usr/bin/git, [git, add, -A])` — and a pattern has the
//! same shape:
//!
//! - `_` is any one argument (a list too); `...` is every argument from there on (even none);
//! - `*` matches within a path segment, `**` across segments (`/**/` also matches `/`, a trailing
//!   `/**` also matches nothing, a `**/` also matches nothing);
//! - `/regex/` is a regular expression that must match the whole argument;
//! - `'…'` and `"…"` are literal text (commas, spaces and brackets included);
//! - anything else is literal; a list matches a list of the same length, element by element.
//!
//! Its quirks, kept so that patterns match what they matched there:
//! - a token that starts and ends with `/` is a regex, so `/tmp/junk/` means the regex
//!   `tmp/junk`, not a directory; `?` in a glob is a literal question mark;
//! - `...` ends matching where it stands: `exec(_, [..., 1])` is `exec(_, [...])`;
//! - `'_'` and `'...'` quoted are still the wildcards, and quoted `(`, `)`, `[`, `]`, `,` are
//!   still structure;
//! - a regex cannot contain a comma (the argument ends there), and `.` never matches past its
//!   argument since each argument is matched on its own;
//! - descriptions are read with the same tokenizer, so a description's argument that starts
//!   and ends with `/` is just text there.
//!
//! What is fixed: a pattern that cannot be read — a regex that does not compile, an unclosed
//! quote, `(` or `[` — is an error with its position (ptrace-approve matched nothing with it,
//! silently); regexes are Rust's `regex` syntax, which has no look-around or backreferences.

use regex::Regex;

/// Delimiters that end a bare token.
const DELIMITERS: &[u8] = b"()[], \t";

/// One token of a pattern or a description, with where it starts (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    text: String,
    /// It came from a quoted literal.
    quoted: bool,
    start: usize,
}

/// An argument as read: text, or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Text(Token),
    List(Vec<Value>),
}

/// A pattern or description as read: its name and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    name: String,
    args: Vec<Value>,
}

/// A pattern that cannot be read: what is wrong, and the byte offset where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub at: usize,
    pub message: String,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "column {}: {}", self.at + 1, self.message)
    }
}

impl std::error::Error for PatternError {}

/// A pattern, read and compiled once.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    name: String,
    args: Vec<Arg>,
}

/// One compiled argument of a pattern.
#[derive(Debug, Clone)]
enum Arg {
    /// `_`.
    Any,
    /// `...`.
    Rest,
    Literal(String),
    /// A `/regex/` or a glob, anchored at both ends.
    Regex(Regex),
    List(Vec<Arg>),
}

impl Pattern {
    pub fn new(text: &str) -> Result<Self, PatternError> {
        let tokens = tokenize(text, true)?;
        if tokens.is_empty() {
            return Err(PatternError {
                at: 0,
                message: "the pattern is empty".into(),
            });
        }
        check_brackets(&tokens, text.len())?;
        let shape = parse(&tokens);
        Ok(Self {
            text: text.to_owned(),
            name: shape.name,
            args: shape.args.iter().map(compile).collect::<Result<_, _>>()?,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern covers the call `description` (as the guard renders calls).
    pub fn matches(&self, description: &str) -> bool {
        self.covers(&Described::new(description))
    }

    /// Whether the pattern covers a description already read: one reading serves every pattern
    /// a call is checked against.
    pub fn covers(&self, described: &Described) -> bool {
        described
            .0
            .as_ref()
            .is_some_and(|shape| shape.name == self.name && match_args(&self.args, &shape.args))
    }
}

/// A call's description, read once.
pub struct Described(Option<Shape>);

impl Described {
    pub fn new(description: &str) -> Self {
        // A description is read leniently: whatever it holds is text.
        Self(
            tokenize(description, false)
                .ok()
                .map(|tokens| parse(&tokens)),
        )
    }
}

/// Splits `s` into tokens: `(`, `)`, `[`, `]`, `,`, quoted literals (quotes removed), `/regex/`
/// and bare text. `strict`: an unclosed quote is an error (patterns), else it runs to the end.
fn tokenize(s: &str, strict: bool) -> Result<Vec<Token>, PatternError> {
    let bytes = s.as_bytes();
    let bare_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|b| DELIMITERS.contains(b))
            .map_or(bytes.len(), |n| from + n)
    };
    let token = |start: usize, end: usize, quoted: bool| Token {
        text: s[start..end].to_owned(),
        quoted,
        start,
    };
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b')' | b'[' | b']' | b',' => {
                tokens.push(token(i, i + 1, false));
                i += 1;
            }
            b' ' | b'\t' => i += 1,
            quote @ (b'\'' | b'"') => {
                let end = bytes[i + 1..]
                    .iter()
                    .position(|&b| b == quote)
                    .map(|n| i + 1 + n);
                if end.is_none() && strict {
                    return Err(PatternError {
                        at: i,
                        message: format!("the quote {} is never closed", quote as char),
                    });
                }
                let end = end.unwrap_or(bytes.len());
                tokens.push(Token {
                    start: i,
                    ..token(i + 1, end, true)
                });
                i = end + 1;
            }
            b'/' => {
                // A `/regex/`: up to a `/` followed by a delimiter or the end, within the
                // argument (a comma ends the search).
                let mut close = None;
                for j in i + 1..bytes.len() {
                    match bytes[j] {
                        b'/' if bytes.get(j + 1).is_none_or(|b| DELIMITERS.contains(b)) => {
                            close = Some(j);
                            break;
                        }
                        b',' => break,
                        _ => {}
                    }
                }
                let end = match close {
                    Some(close) if close > i + 1 => close + 1,
                    _ => bare_end(i),
                };
                tokens.push(token(i, end, false));
                i = end;
            }
            _ => {
                let end = bare_end(i);
                tokens.push(token(i, end, false));
                i = end;
            }
        }
    }
    Ok(tokens)
}

/// An unclosed `(` or `[` in a pattern is an error (ptrace-approve read to the end).
fn check_brackets(tokens: &[Token], len: usize) -> Result<(), PatternError> {
    let mut open: Vec<&Token> = Vec::new();
    for t in tokens.iter().filter(|t| !t.quoted) {
        match t.text.as_str() {
            "(" | "[" => open.push(t),
            ")" | "]" => {
                let closes = if t.text == ")" { "(" } else { "[" };
                match open.pop() {
                    Some(o) if o.text == closes => {}
                    Some(o) => {
                        return Err(PatternError {
                            at: t.start,
                            message: format!(
                                "`{}` does not close the `{}` at column {}",
                                t.text,
                                o.text,
                                o.start + 1
                            ),
                        });
                    }
                    None => {
                        return Err(PatternError {
                            at: t.start,
                            message: format!("`{}` closes nothing", t.text),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    match open.last() {
        Some(o) => Err(PatternError {
            at: o.start,
            message: format!(
                "`{}` is never closed (the pattern ends at column {})",
                o.text,
                len + 1
            ),
        }),
        None => Ok(()),
    }
}

/// `name(arg, …)` into its name and arguments; text without `(` after its first token is a name
/// with no arguments. Structure is recognised by text, quoted or not (a ptrace-approve quirk).
fn parse(tokens: &[Token]) -> Shape {
    let Some(first) = tokens.first() else {
        return Shape {
            name: String::new(),
            args: Vec::new(),
        };
    };
    let name = first.text.clone();
    if tokens.get(1).is_none_or(|t| t.text != "(") {
        return Shape {
            name,
            args: Vec::new(),
        };
    }
    let (args, _) = parse_values(tokens, 2, ")");
    Shape { name, args }
}

/// Values from `pos` up to the token `close` (or the end); returns them and the position after.
fn parse_values(tokens: &[Token], mut pos: usize, close: &str) -> (Vec<Value>, usize) {
    let mut values = Vec::new();
    while let Some(t) = tokens.get(pos) {
        match t.text.as_str() {
            text if text == close => return (values, pos + 1),
            "," => pos += 1,
            "[" => {
                let (items, next) = parse_values(tokens, pos + 1, "]");
                values.push(Value::List(items));
                pos = next;
            }
            _ => {
                values.push(Value::Text(t.clone()));
                pos += 1;
            }
        }
    }
    (values, pos)
}

fn compile(value: &Value) -> Result<Arg, PatternError> {
    let token = match value {
        Value::List(items) => {
            return Ok(Arg::List(
                items.iter().map(compile).collect::<Result<_, _>>()?,
            ));
        }
        Value::Text(token) => token,
    };
    let text = token.text.as_str();
    Ok(match text {
        "_" => Arg::Any,
        "..." => Arg::Rest,
        _ if token.quoted => Arg::Literal(text.to_owned()),
        _ if text.len() >= 2 && text.starts_with('/') && text.ends_with('/') => {
            let inner = &text[1..text.len() - 1];
            Arg::Regex(
                Regex::new(&format!("^(?:{inner})$")).map_err(|e| PatternError {
                    at: token.start,
                    message: format!(
                        "invalid regex `{inner}`: {}",
                        e.to_string()
                            .lines()
                            .last()
                            .unwrap_or("invalid")
                            .trim_start_matches("error: ")
                    ),
                })?,
            )
        }
        _ if text.contains('*') => Arg::Regex(
            Regex::new(&format!("^(?:{})$", glob_to_regex(text))).expect("a glob is a valid regex"),
        ),
        _ => Arg::Literal(text.to_owned()),
    })
}

/// A glob as a regex: `*` is any run without `/`; `**` is any run, and with the slashes around
/// it also none (`/**/` → `/` or `/…/`, trailing `/**` → nothing or `/…`, `**/` → nothing or
/// `…/`); everything else is literal (`?` included).
pub(crate) fn glob_to_regex(glob: &str) -> String {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '*' && chars.get(i + 1) == Some(&'*') {
            let slash_before = i > 0 && chars[i - 1] == '/' && out.ends_with('/');
            let slash_after = chars.get(i + 2) == Some(&'/');
            match (slash_before, slash_after) {
                (true, true) => {
                    out.pop();
                    out.push_str("(/.+)?/");
                    i += 3;
                }
                (true, false) => {
                    out.pop();
                    out.push_str("(/.*)?");
                    i += 2;
                }
                (false, true) => {
                    out.push_str("(.*/)?");
                    i += 3;
                }
                (false, false) => {
                    out.push_str(".*");
                    i += 2;
                }
            }
        } else if c == '*' {
            out.push_str("[^/]*");
            i += 1;
        } else {
            if "\\.+^${}()|[]?".contains(c) {
                out.push('\\');
            }
            out.push(c);
            i += 1;
        }
    }
    out
}

fn match_args(patterns: &[Arg], values: &[Value]) -> bool {
    let mut values = values.iter();
    for pattern in patterns {
        if matches!(pattern, Arg::Rest) {
            return true;
        }
        match values.next() {
            Some(value) if match_value(pattern, value) => {}
            _ => return false,
        }
    }
    values.next().is_none()
}

fn match_value(pattern: &Arg, value: &Value) -> bool {
    match (pattern, value) {
        (Arg::Any, _) => true,
        (Arg::List(items), Value::List(values)) => match_args(items, values),
        (Arg::Literal(text), Value::Text(token)) => *text == token.text,
        (Arg::Regex(regex), Value::Text(token)) => regex.is_match(&token.text),
        // `...` never gets here (`match_args` stops at it); a list and a text never match.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, description: &str) -> bool {
        Pattern::new(pattern).unwrap().matches(description)
    }

    #[test]
    fn the_documented_examples() {
        assert!(matches("exec(...)", "exec(/bin/true, [/bin/true, 1])"));
        assert!(matches(
            "exec(/bin/*, ...)",
            "exec(/bin/true, [/bin/true, 1])"
        ));
        assert!(matches("open(_, write)", "open(/home/me/f, write)"));
        assert!(!matches("open(_, write)", "open(/home/me/f, create+write)"));
        assert!(matches(
            "open(**/__pycache__/*, _)",
            "open(/p/__pycache__/m.pyc, create+write)"
        ));
        assert!(matches(
            "exec(//usr/bin/py.+/, ...)",
            "exec(/usr/bin/python3, [python3])"
        ));
        assert!(matches(
            "exec(_, [/bin/*, ...])",
            "exec(/bin/true, [/bin/true, 1])"
        ));
        assert!(matches(
            "exec(_, [git, /(add|commit)/, ...])",
            "exec(/usr/bin/git, [git, add, -A])"
        ));
        assert!(!matches(
            "exec(_, [git, /(add|commit)/, ...])",
            "exec(/usr/bin/git, [git, push])"
        ));
    }

    #[test]
    fn an_unreadable_pattern_is_an_error_with_its_position() {
        for (pattern, at) in [
            ("open(/(unclosed/, _)", 5),
            ("open('/home/me, _)", 5),
            ("open(_, [write)", 14),
            ("open(_))", 7),
            ("", 0),
        ] {
            let e = Pattern::new(pattern).unwrap_err();
            assert_eq!(e.at, at, "{pattern}: {e}");
        }
        assert!(
            Pattern::new("exec(_, /(?=x)/)")
                .unwrap_err()
                .message
                .contains("invalid regex")
        );
    }
}
