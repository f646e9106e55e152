//! Configuration errors as a compiler shows them: `FILE:LINE:COL: message`, and the offending
//! line with a caret under the column. Every check that rejects a file builds its error here.

use serde_saphyr::Spanned;

/// A configuration that could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: u64,
        column: u64,
        message: String,
        /// The offending source line, for a caret under the column.
        source_line: Option<String>,
    },
}

impl ConfigError {
    /// The offending line with a caret under the column, as a compiler shows it.
    pub fn snippet(&self) -> Option<String> {
        match self {
            Self::Invalid {
                line,
                column,
                source_line: Some(text),
                ..
            } => {
                let gutter = line.to_string();
                let pad = " ".repeat(gutter.len());
                let (text, at) =
                    window(text, usize::try_from(column.saturating_sub(1)).unwrap_or(0));
                let caret = " ".repeat(at);
                Some(format!("{pad} |\n{gutter} | {text}\n{pad} | {caret}^"))
            }
            _ => None,
        }
    }
}

/// The part of a long line around column `at` (in characters), at most [`SNIPPET_WIDTH`] wide,
/// with `…` where it was cut, and where `at` falls in it.
fn window(line: &str, at: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= SNIPPET_WIDTH {
        return (line.to_owned(), at);
    }
    let start = at
        .saturating_sub(SNIPPET_WIDTH / 2)
        .min(chars.len() - SNIPPET_WIDTH);
    let end = start + SNIPPET_WIDTH;
    let mut text = String::new();
    let mut at = at - start;
    if start > 0 {
        text.push('…');
        at += 1;
    }
    text.extend(&chars[start..end]);
    if end < chars.len() {
        text.push('…');
    }
    (text, at)
}

/// `message` with each `` `…` `` value longer than [`QUOTED_WIDTH`] characters cut: a value can be
/// a 100 MB scalar, and the message is one line.
fn shorten_quoted(message: &str) -> String {
    let mut out = String::new();
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are inside backticks.
        if i % 2 == 1 && part.chars().count() > QUOTED_WIDTH {
            out.extend(part.chars().take(QUOTED_WIDTH));
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out.lines().next().unwrap_or("").to_owned()
}

/// The longest value an error message quotes.
const QUOTED_WIDTH: usize = 60;

/// The widest source excerpt an error shows.
const SNIPPET_WIDTH: usize = 100;

/// Builds errors that point into one file.
pub struct Ctx<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl Ctx<'_> {
    pub fn error<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> ConfigError {
        let loc = at.referenced;
        self.error_at(loc.line(), loc.column(), &message.into())
    }

    pub fn error_at(&self, line: u64, column: u64, message: &str) -> ConfigError {
        let message = shorten_quoted(message);
        let source_line = usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|l| self.text.lines().nth(l))
            .map(str::to_owned);
        ConfigError::Invalid {
            path: self.name.to_owned(),
            line,
            column,
            message,
            source_line,
        }
    }
}

/// The parser's message in the config's own terms: no type names, no parser internals.
fn plain(message: &str, ctx: &Ctx<'_>, line: u64, column: u64) -> String {
    if message.starts_with("invalid u") || message.starts_with("invalid i") {
        let value = usize::try_from(line.saturating_sub(1))
            .ok()
            .and_then(|l| ctx.text.lines().nth(l))
            .and_then(|l| l.get(usize::try_from(column.saturating_sub(1)).ok()?..))
            .unwrap_or("");
        return if value.trim_start().starts_with('-') {
            "must be positive: expected a whole number".into()
        } else {
            "expected a whole number".into()
        };
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest);
        return format!("`{key}` is set twice");
    }
    if message.starts_with("budget breached") {
        return "too large: a config file holds short values".into();
    }
    // Advice meant for programs that embed the parser.
    match message.split_once(", set ") {
        Some((head, _)) => head.to_owned(),
        None => message.to_owned(),
    }
}

pub fn missing(name: &str, key: &str) -> ConfigError {
    ConfigError::Read {
        path: name.to_owned(),
        reason: format!("`{key}` is not set"),
    }
}

/// A YAML or shape error from the parser, as `FILE:LINE:COL: message`.
pub fn yaml_error(ctx: &Ctx<'_>, e: &serde_saphyr::Error) -> ConfigError {
    let text = e.without_snippet().to_string();
    let loc = e.location();
    let (line, column) = loc.map_or((1, 1), |l| (l.line().max(1), l.column().max(1)));
    // The parser appends " at line N, column M"; we put the position in front instead.
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    };
    ctx.error_at(line, column, &plain(&message, ctx, line, column))
}
