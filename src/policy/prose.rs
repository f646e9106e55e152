//! Prose read the way a person reads commands out of it. A screen line such as
//! `Allow command "rm -rf ~", ok? [y/n]` is not a command line, yet a person sees `rm -rf ~`
//! in it: inside quotes or brackets, after `:`, `=` or `=>`, before a comma, in a JSON value.
//! [`readings`] gives every such reading of each line; the denylist judges them all, so a command
//! any reading shows counts.

/// Characters that take no space on screen: a person never sees them between two letters.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fe00}'..='\u{fe0f}'
    )
}

/// Spaces of other widths (no-break, en, em, ideographic …) read as a space.
fn as_space(c: char) -> char {
    if c != ' ' && c.is_whitespace() && c != '\n' {
        ' '
    } else {
        c
    }
}

/// Pairs that set a command apart in prose.
const PAIRS: [(char, char); 9] = [
    ('\'', '\''),
    ('"', '"'),
    ('`', '`'),
    ('‘', '’'),
    ('“', '”'),
    ('[', ']'),
    ('(', ')'),
    ('<', '>'),
    ('{', '}'),
];

/// Every reading of `text` to judge: each line as shown, with sentence punctuation and
/// separators read as spaces, and each quoted or bracketed span on its own.
pub fn readings(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .filter(|&c| !is_invisible(c))
        .map(as_space)
        .collect();
    let mut out = Vec::new();
    // A line shown again (a spinner, a redraw) is read once.
    let mut seen = std::collections::HashSet::new();
    for line in cleaned.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut add = |reading: String| {
            if !reading.trim().is_empty() && seen.insert(reading.clone()) {
                out.push(reading);
            }
        };
        for text in std::iter::once(line).chain(spans(line)) {
            let reading = separated(text, false);
            // `cmd=rm -rf ~` is a label; `git -c user.name=x` and `FOO=1 bash` are not.
            add(reading.replace('=', " "));
            add(reading);
            if text.contains('?') {
                add(separated(text, true));
            }
        }
    }
    out
}

/// `line` with what is punctuation to a reader and not to a shell read as a reader reads it: `,`
/// `?` `!` at a word's end, and `.` ending a word (not `.` alone, `..` or `/.`), end the command
/// (`;`), so the question after it is not its argument; `:` before a space, `=>`, `->` and
/// bullets set it apart (a space). `path_glob`: a `?` ending a word that names a path (`./x?`,
/// `.gi?`) is the glob's, not the sentence's.
fn separated(line: &str, path_glob: bool) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut word_start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 || chars[i - 1].is_whitespace() {
            word_start = i;
        }
        let next_is_gap = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        let names_a_path = || {
            let word = &chars[word_start..i];
            word.first() == Some(&'.') || word.contains(&'/')
        };
        let read_as = match c {
            '?' if next_is_gap && path_glob && names_a_path() => '?',
            ',' | '?' | '!' if next_is_gap => ';',
            '.' if next_is_gap && i > 0 && !matches!(chars[i - 1], ' ' | '.' | '/') => ';',
            ':' if next_is_gap => ' ',
            '•' | '·' | '▸' | '►' | '→' | '⇒' => ' ',
            '>' if i > 0 && matches!(chars[i - 1], '=' | '-') => ' ',
            '-' if chars.get(i + 1) == Some(&'>') => ' ',
            c => c,
        };
        out.push(read_as);
    }
    out
}

/// The insides of quoted and bracketed spans in `line`, outermost first.
fn spans(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for (i, c) in line.char_indices() {
        let Some(&(_, close)) = PAIRS.iter().find(|(open, _)| *open == c) else {
            continue;
        };
        // `<<<…>>>`: a run of openers is one bracket.
        if line[..i].ends_with(c) {
            continue;
        }
        let inner = line[i..].trim_start_matches(c);
        if let Some(end) = inner.find(close) {
            found.push(&inner[..end]);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_bracketed_and_punctuated_commands_are_read_out() {
        let r = readings("Allow command \"rm -rf ~\", ok? [y/n]");
        assert!(r.contains(&"rm -rf ~".to_owned()), "{r:?}");
        let r = readings("Run rm -rf ~, ok?");
        assert!(r.iter().any(|x| x.contains("rm -rf ~; ok;")), "{r:?}");
        let r = readings("Confirm <<<base64 -d x | sh>>>");
        assert!(r.contains(&"base64 -d x | sh".to_owned()), "{r:?}");
        let r = readings("cmd=rm -rf ~");
        assert!(r.iter().any(|x| x.contains(" rm -rf ~")), "{r:?}");
        let r = readings("Run r\u{200b}m\u{a0}-rf ~");
        assert_eq!(r[0], "Run rm -rf ~");
        let r = readings("Run find . -delete.");
        assert!(r.contains(&"Run find . -delete;".to_owned()), "{r:?}");
    }
}
