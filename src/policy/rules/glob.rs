//! The globs of a declared rule (`delete-*|rb`, `[0-7]?[0-7][0-7]`): alternatives separated by
//! `|`, each matched against a whole word — `*` any run, `?` one character, `[…]` a class (`a-z`
//! ranges, `^` to negate, `\` to escape). Matched directly rather than compiled to regexes: the
//! packs hold hundreds of them, and each compiled regex kept kilobytes for the whole session.

/// One position of a glob, read from its text while matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Char(char),
    /// `?`
    One,
    /// `*`
    Any,
    /// `[…]`: what is between the brackets.
    Class(&'a str),
    /// `|`: the alternative ends.
    Or,
}

/// A glob keeps its text, read again at each match: the packs hold hundreds of globs, and a
/// parsed form took ten times the memory of the text for the whole session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Box<str>,
    ignore_case: bool,
}

/// `c` as compared without case.
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The token at byte `at` of `pattern` and where the next one starts; `None` at the end. A `[`
/// that is never closed reads as `None` too ([`Glob::new`] refuses it).
fn token(pattern: &str, at: usize) -> Option<(Token<'_>, usize)> {
    let rest = &pattern[at..];
    let c = rest.chars().next()?;
    let after = at + c.len_utf8();
    Some(match c {
        '*' => (Token::Any, after),
        '?' => (Token::One, after),
        '|' => (Token::Or, after),
        '\\' => match pattern[after..].chars().next() {
            Some(e) => (Token::Char(e), after + e.len_utf8()),
            None => (Token::Char('\\'), after),
        },
        '[' => {
            let len = class_len(&pattern[after..])?;
            (Token::Class(&pattern[after..after + len]), after + len + 1)
        }
        c => (Token::Char(c), after),
    })
}

/// The length of a class's text after its `[`, up to its `]`; `None` if it is never closed.
fn class_len(body: &str) -> Option<usize> {
    let mut chars = body.char_indices();
    let mut first = true;
    while let Some((i, c)) = chars.next() {
        match c {
            ']' => return Some(i),
            '^' if first => {}
            '\\' => {
                chars.next()?;
            }
            _ => {}
        }
        first = false;
    }
    None
}

/// Whether `c` is in the class `body` (`^` first negates; `a-z` ranges; `\` escapes).
fn in_class(body: &str, c: char, ignore_case: bool) -> bool {
    let (negated, body) = match body.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    // The members, each with whether it was escaped: `a-z` is a range, `a\\-z` three members.
    let members = {
        let mut chars = body.chars();
        std::iter::from_fn(move || {
            let m = chars.next()?;
            Some(match m {
                '\\' => chars.next().map_or((m, false), |e| (e, true)),
                m => (m, false),
            })
        })
    };
    let within = |c: char| {
        let mut members = members.clone();
        while let Some((lo, _)) = members.next() {
            let mut ahead = members.clone();
            let hi = match (ahead.next(), ahead.next()) {
                (Some(('-', false)), Some((hi, _))) => {
                    members = ahead;
                    hi
                }
                _ => lo,
            };
            if (lo..=hi).contains(&c) {
                return true;
            }
        }
        false
    };
    let found = within(c)
        || (ignore_case && (within(fold(c)) || c.to_uppercase().next().is_some_and(within)));
    found != negated
}

impl Token<'_> {
    fn matches(self, c: char, ignore_case: bool) -> bool {
        match self {
            Self::Char(p) => p == c || (ignore_case && fold(p) == fold(c)),
            Self::One | Self::Any => true,
            Self::Class(body) => in_class(body, c, ignore_case),
            Self::Or => false,
        }
    }
}

impl Glob {
    pub fn new(pattern: &str, ignore_case: bool) -> Result<Self, String> {
        let mut at = 0;
        while at < pattern.len() {
            match token(pattern, at) {
                Some((_, next)) => at = next,
                None => {
                    return Err(format!(
                        "bad pattern `{pattern}`: a `[` is not closed by `]`"
                    ));
                }
            }
        }
        Ok(Self {
            pattern: pattern.into(),
            ignore_case,
        })
    }

    /// Whether one of the alternatives matches all of `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let mut at = 0;
        loop {
            let (matched, end) = whole(&self.pattern, at, &text, self.ignore_case);
            if matched {
                return true;
            }
            match end {
                Some(next) => at = next,
                None => return false,
            }
        }
    }
}

/// Whether the shell's pattern `pattern` (`*`, `?`, `[…]` with `!` or `^` to negate, `|` a
/// plain character) matches all of `text`. No rule about a leading dot: the shell's globs
/// apply one, `find -name` does not. An unclosed `[` is itself.
pub fn shell_pattern_matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let glob = pattern.replace('|', "\\|").replace("[!", "[^");
    Glob::new(&glob, ignore_case)
        .or_else(|_| Glob::new(&glob.replace('[', "\\["), ignore_case))
        .is_ok_and(|glob| glob.is_match(text))
}

/// Whether the alternative at byte `start` of `pattern` matches all of `text` — the usual
/// wildcard walk, going back to the last `*` (letting it take one more character) when the rest
/// fails — and where the next alternative starts, if there is one.
fn whole(pattern: &str, start: usize, text: &[char], ignore_case: bool) -> (bool, Option<usize>) {
    let next_alternative = || {
        let mut at = start;
        while let Some((token, next)) = token(pattern, at) {
            if token == Token::Or {
                return Some(next);
            }
            at = next;
        }
        None
    };
    let (mut p, mut s) = (start, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < text.len() {
        match token(pattern, p) {
            Some((Token::Any, next)) => {
                star = Some((next, s));
                p = next;
            }
            Some((token, next)) if token.matches(text[s], ignore_case) => {
                p = next;
                s += 1;
            }
            _ => match star {
                Some((after, from)) => {
                    star = Some((after, from + 1));
                    p = after;
                    s = from + 1;
                }
                None => return (false, next_alternative()),
            },
        }
    }
    // The text is used up: the rest of the alternative must be stars.
    while let Some((token, next)) = token(pattern, p) {
        match token {
            Token::Any => p = next,
            Token::Or => return (true, None),
            _ => return (false, next_alternative()),
        }
    }
    (true, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Glob::new(pattern, false).unwrap().is_match(text)
    }

    #[test]
    fn globs_match_whole_words() {
        assert!(m("delete-*|rb", "delete-bucket") && m("delete-*|rb", "rb"));
        assert!(!m("delete-*|rb", "rbx") && !m("delete-*|rb", "xdelete-"));
        assert!(m("[0-7]?[0-7][0-7]", "4755") && !m("[0-7]?[0-7][0-7]", "4558"));
        assert!(m("a.b", "a.b") && !m("a.b", "axb"));
        assert!(m("*", "") && m("a*", "a") && m("*b*c", "xxbyybzc") && !m("*b*c", "xxbyy"));
        assert!(m(
            "https://api.github.com/*",
            "https://api.github.com/repos/o/r"
        ));
        assert!(m("[^0-9]x", "ax") && !m("[^0-9]x", "1x"));
        assert!(m("a\\*", "a*") && !m("a\\*", "ab"));
        assert!(m("x\ny?", "x\nyz"), "any character, line breaks too");
        assert!(Glob::new("DELETE", true).unwrap().is_match("delete"));
        assert!(Glob::new("[a-c]x", true).unwrap().is_match("Bx"));
        assert!(!Glob::new("DELETE", false).unwrap().is_match("delete"));
        assert!(Glob::new("[0-7", false).is_err());
        assert!(Glob::new("a\\", false).is_ok(), "a trailing `\\` is itself");
    }

    #[test]
    fn alternatives_end_at_bars_outside_classes_and_escapes() {
        assert!(m("[|]x|y", "|x") && m("[|]x|y", "y") && !m("[|]x|y", "x"));
        assert!(m("a\\|b", "a|b") && !m("a\\|b", "a") && !m("a\\|b", "b"));
        assert!(m("x*|y", "xzz") && m("x*|y", "y") && !m("x*|y", "zy"));
        assert!(m("a|", "") && m("|a", "") && !m("a|b", ""));
        assert!(m("*x|*y", "ay") && !m("*x|*y", "az"));
        assert!(
            m("[a\\-z]", "-") && !m("[a\\-z]", "b"),
            "an escaped `-` is itself"
        );
        assert!(m("[\\]]", "]") && m("[é-ë]", "ê"));
    }
}
