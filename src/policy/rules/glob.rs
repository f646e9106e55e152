//! The globs of a declared rule (`delete-*|rb`, `[0-7]?[0-7][0-7]`): alternatives separated by
//! `|`, each matched against a whole word — `*` any run, `?` one character, `[…]` a class (`a-z`
//! ranges, `^` to negate, `\` to escape). Matched directly rather than compiled to regexes: the
//! packs hold hundreds of them, and each compiled regex kept kilobytes for the whole session.

/// One position of a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Any,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    alternatives: Vec<Vec<Token>>,
    ignore_case: bool,
}

/// `c` as compared without case.
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

impl Token {
    fn matches(&self, c: char, ignore_case: bool) -> bool {
        match self {
            Self::Char(p) => *p == c || (ignore_case && fold(*p) == fold(c)),
            Self::One | Self::Any => true,
            Self::Class { negated, ranges } => {
                let within = |c: char| ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c));
                let found = within(c)
                    || (ignore_case
                        && (within(fold(c)) || c.to_uppercase().next().is_some_and(within)));
                found != *negated
            }
        }
    }
}

impl Glob {
    pub fn new(pattern: &str, ignore_case: bool) -> Result<Self, String> {
        let mut alternatives = vec![Vec::new()];
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            let token = match c {
                '*' => Token::Any,
                '?' => Token::One,
                '|' => {
                    alternatives.push(Vec::new());
                    continue;
                }
                '[' => class(&mut chars).ok_or_else(|| {
                    format!("bad pattern `{pattern}`: a `[` is not closed by `]`")
                })?,
                '\\' => Token::Char(chars.next().unwrap_or('\\')),
                c => Token::Char(c),
            };
            if let Some(last) = alternatives.last_mut() {
                last.push(token);
            }
        }
        Ok(Self {
            alternatives,
            ignore_case,
        })
    }

    /// Whether one of the alternatives matches all of `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        self.alternatives
            .iter()
            .any(|tokens| whole(tokens, &text, self.ignore_case))
    }
}

/// A class after its `[`, up to and with its `]`; `None` if it is never closed.
fn class(chars: &mut std::str::Chars<'_>) -> Option<Token> {
    let mut members = Vec::new();
    let mut negated = false;
    let mut first = true;
    loop {
        let c = chars.next()?;
        match c {
            ']' => break,
            '^' if first => negated = true,
            '\\' => members.push(chars.next()?),
            c => members.push(c),
        }
        first = false;
    }
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < members.len() {
        if i + 2 < members.len() && members[i + 1] == '-' {
            ranges.push((members[i], members[i + 2]));
            i += 3;
        } else {
            ranges.push((members[i], members[i]));
            i += 1;
        }
    }
    Some(Token::Class { negated, ranges })
}

/// Whether `tokens` match all of `text`: the usual wildcard walk, going back to the last `*`
/// (letting it take one more character) when the rest fails.
fn whole(tokens: &[Token], text: &[char], ignore_case: bool) -> bool {
    let (mut t, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < text.len() {
        match tokens.get(t) {
            Some(Token::Any) => {
                star = Some((t + 1, s));
                t += 1;
            }
            Some(token) if token.matches(text[s], ignore_case) => {
                t += 1;
                s += 1;
            }
            _ => match star {
                Some((after, from)) => {
                    star = Some((after, from + 1));
                    t = after;
                    s = from + 1;
                }
                None => return false,
            },
        }
    }
    tokens[t..].iter().all(|token| *token == Token::Any)
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
    }
}
