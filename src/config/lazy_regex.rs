//! A prompt rule's regex: checked when the config is read — a syntax error is a config error
//! with its position, as before — and compiled the first time a screen is matched against it.
//! Compiling every rule of every profile at start-up cost most of autoapprove's start
//! (BENCHMARKS.md, issue 12): a Unicode class (`\s`, `\w`, `.`) builds large tables, and most
//! rules belong to profiles the run never uses.

use std::sync::OnceLock;

use regex::Regex;

#[derive(Clone)]
pub struct LazyRegex {
    source: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    /// `source`, if it parses as a regex (the same syntax and Unicode checks `Regex::new` makes,
    /// short of building the automaton). The message is the regex crate's.
    pub fn new(source: &str) -> Result<Self, String> {
        regex_syntax::ParserBuilder::new()
            .build()
            .parse(source)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            source: source.to_owned(),
            compiled: OnceLock::new(),
        })
    }

    /// The compiled regex. One that parsed but is too big to build (beyond the regex crate's
    /// size limit) matches nothing rather than stopping the session.
    pub fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            Regex::new(&self.source).unwrap_or_else(|_| Regex::new(r"[^\s\S]").expect("valid"))
        })
    }
}

impl std::ops::Deref for LazyRegex {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        self.get()
    }
}

impl std::fmt::Debug for LazyRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LazyRegex").field(&self.source).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_regex_is_refused_at_once_and_a_good_one_compiled_when_used() {
        let err = LazyRegex::new("(unclosed").unwrap_err();
        assert!(err.contains("unclosed group"), "{err}");
        assert!(
            LazyRegex::new(r"\p{NoSuchClass}").is_err(),
            "Unicode checks too"
        );
        let r = LazyRegex::new(r"(?m)^Continue\? \[y/n\]\s*$").unwrap();
        assert!(r.compiled.get().is_none(), "not compiled yet");
        assert!(r.is_match("Continue? [y/n] "));
        assert!(r.compiled.get().is_some());
    }
}
