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
                let caret = " ".repeat(usize::try_from(column.saturating_sub(1)).unwrap_or(0));
                Some(format!("{pad} |\n{gutter} | {text}\n{pad} | {caret}^"))
            }
            _ => None,
        }
    }
}

/// Builds errors that point into one file.
pub struct Ctx<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl Ctx<'_> {
    pub fn error<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> ConfigError {
        let loc = at.referenced;
        self.error_at(loc.line(), loc.column(), message.into())
    }

    pub fn error_at(&self, line: u64, column: u64, message: String) -> ConfigError {
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
    let message = match message.as_str() {
        "invalid u32" | "invalid usize" => "expected a whole number".to_owned(),
        _ => message,
    };
    ctx.error_at(line, column, message)
}
