//! A prompt rule's regex: checked when the config is read — a syntax error is a config error
//! with its position, as before — and compiled the first time a screen is matched against it.
//! Compiling every rule of every profile at start-up cost most of autoapprove's start
//! (BENCHMARKS.md, issue 12): a Unicode class (`\s`, `\w`, `.`) builds large tables, and most
//! rules belong to profiles the run never uses. A regex that counts high (`a{100000}`) may be
//! too big to build at all; that one is built when read, so that it is a config error rather
//! than a rule that never matches.

use std::sync::OnceLock;

use regex::Regex;
use regex_syntax::hir::{Hir, HirKind};

/// Repetitions, nested ones multiplied, beyond which a regex is built when read.
const BUILD_WHEN_READ_BEYOND: u64 = 1000;

#[derive(Clone)]
pub struct LazyRegex {
    source: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    /// `source`, if it parses as a regex (the same syntax and Unicode checks `Regex::new` makes,
    /// short of building the automaton) and needs some text to match. The message is the regex
    /// crate's, or says it would match anything.
    pub fn new(source: &str) -> Result<Self, String> {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(source)
            .map_err(|e| e.to_string())?;
        if hir.properties().minimum_len() == Some(0) {
            return Err("it matches empty text, so it would match every screen".into());
        }
        let compiled = OnceLock::new();
        if repetitions(&hir) > BUILD_WHEN_READ_BEYOND {
            let _ = compiled.set(Regex::new(source).map_err(|e| e.to_string())?);
        }
        Ok(Self {
            source: source.to_owned(),
            compiled,
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

/// How many times the most repeated part of `hir` may be matched: counted repetitions multiply
/// when nested (`(a{10}){10}` is 100); an unbounded one counts its least.
fn repetitions(hir: &Hir) -> u64 {
    match hir.kind() {
        HirKind::Repetition(repetition) => {
            let count = u64::from(repetition.max.unwrap_or(repetition.min)).max(1);
            count.saturating_mul(repetitions(&repetition.sub))
        }
        HirKind::Capture(capture) => repetitions(&capture.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            parts.iter().map(repetitions).max().unwrap_or(1)
        }
        _ => 1,
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
        for anything in ["", "x*", "(?m)^$", "a?|b*"] {
            let err = LazyRegex::new(anything).unwrap_err();
            assert!(err.contains("match every screen"), "{anything:?}: {err}");
        }
        let r = LazyRegex::new(r"(?m)^Continue\? \[y/n\]\s*$").unwrap();
        assert!(r.compiled.get().is_none(), "not compiled yet");
        assert!(r.is_match("Continue? [y/n] "));
        assert!(r.compiled.get().is_some());
    }

    /// A regex that counts high is built when read: too big is an error then, not a rule that
    /// never matches; one that builds is ready. Small counts wait as before.
    #[test]
    fn a_regex_that_counts_high_is_built_when_read() {
        for too_big in ["a{99999999}", "(?:(?:x{1000}){1000}){100}", r"\w{100000}"] {
            let err = LazyRegex::new(too_big).unwrap_err();
            assert!(err.contains("size limit"), "{too_big}: {err}");
        }
        let r = LazyRegex::new("(?:ab){2000}").unwrap();
        assert!(r.compiled.get().is_some(), "built when read");
        assert!(r.is_match(&"ab".repeat(2000)));
        let r = LazyRegex::new("x{3}(y{5}|z+){2}").unwrap();
        assert!(r.compiled.get().is_none(), "not built yet");
        assert_eq!(
            repetitions(&regex_syntax::parse("(a{10}){10}b*").unwrap()),
            100
        );
    }
}
