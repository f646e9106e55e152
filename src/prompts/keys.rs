//! Key notation: how a rule's `send` text names Enter, Escape, control and arrow keys, and how the
//! keys a user types are recognised (Ctrl-C, the automation hotkey), in both the legacy byte form
//! and the kitty keyboard protocol form some TUIs switch the terminal to.
//!
//! It only translates between text and bytes; it never writes anything.

use std::fmt;

/// One key press: the bytes a terminal would send for it. Keys are written to the child one per
/// write, because some TUIs read a burst of bytes as a paste rather than as key presses.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(pub Vec<u8>);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", crate::escape::escape_bytes(&self.0))
    }
}

/// Named keys accepted inside `<…>`, vim style. Matching is case-insensitive.
const NAMED: &[(&str, &[u8])] = &[
    ("enter", b"\r"),
    ("cr", b"\r"),
    ("return", b"\r"),
    ("nl", b"\n"),
    ("esc", b"\x1b"),
    ("escape", b"\x1b"),
    ("tab", b"\t"),
    ("bs", b"\x7f"),
    ("backspace", b"\x7f"),
    ("space", b" "),
    ("up", b"\x1b[A"),
    ("down", b"\x1b[B"),
    ("right", b"\x1b[C"),
    ("left", b"\x1b[D"),
    ("home", b"\x1b[H"),
    ("end", b"\x1b[F"),
    ("pageup", b"\x1b[5~"),
    ("pagedown", b"\x1b[6~"),
    ("del", b"\x1b[3~"),
    ("delete", b"\x1b[3~"),
    ("lt", b"<"),
];

/// A `send` string that names a key we do not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown key `<{0}>`: use Enter, Esc, Tab, BS, Space, Up, Down, Left, Right, Home, End, PageUp, PageDown, Del, C-a … C-z or lt (for a literal `<`)"
)]
pub struct UnknownKey(pub String);

/// Parses `send` text into key presses. Plain characters are keys of their own; `<Name>` is a named
/// key and `<C-x>` a control key. A `<` that does not open a well-formed `<word>` is literal.
pub fn parse(text: &str) -> Result<Vec<Key>, UnknownKey> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest[1..].find('>')
        {
            let name = &rest[1..=end];
            if is_key_word(name) {
                keys.push(Key(named(name).ok_or_else(|| UnknownKey(name.to_owned()))?));
                rest = &rest[end + 2..];
                continue;
            }
        }
        let mut buf = [0u8; 4];
        keys.push(Key(c.encode_utf8(&mut buf).as_bytes().to_vec()));
        rest = &rest[c.len_utf8()..];
    }
    Ok(keys)
}

/// A word that looks like a key name (`Enter`, `C-]`, `PageUp`): anything else inside `<…>` is text.
fn is_key_word(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() => {}
        _ => return false,
    }
    if name.len() > 2 && name.as_bytes()[..2].eq_ignore_ascii_case(b"c-") {
        return name.len() == 3;
    }
    chars.all(|c| c.is_ascii_alphanumeric())
}

fn named(name: &str) -> Option<Vec<u8>> {
    if name.len() == 3 && name.as_bytes()[..2].eq_ignore_ascii_case(b"c-") {
        return control_byte(name.as_bytes()[2]).map(|b| vec![b]);
    }
    NAMED
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, bytes)| bytes.to_vec())
}

/// The byte Ctrl+`c` produces in a terminal: `C-a` is 0x01, `C-]` is 0x1d.
fn control_byte(c: u8) -> Option<u8> {
    match c.to_ascii_lowercase() {
        c @ b'a'..=b'z' => Some(c - b'a' + 1),
        b'@' | b' ' => Some(0),
        b'[' => Some(0x1b),
        b'\\' => Some(0x1c),
        b']' => Some(0x1d),
        b'^' => Some(0x1e),
        b'_' => Some(0x1f),
        _ => None,
    }
}

/// How a key written in `send` notation reads in a banner: `<C-]>` becomes `Ctrl-]`.
pub fn display_name(text: &str) -> String {
    match text.strip_prefix("<").and_then(|t| t.strip_suffix(">")) {
        Some(name) if name.len() == 3 && name[..2].eq_ignore_ascii_case("c-") => {
            format!("Ctrl-{}", &name[2..])
        }
        _ => text.to_owned(),
    }
}

/// Where a control key occurs in what the user typed, in legacy form (one byte) or in the kitty
/// keyboard protocol's `CSI codepoint ; modifiers u` form. Returns the byte range to act on.
pub fn find_control(input: &[u8], control: u8) -> Option<std::ops::Range<usize>> {
    if let Some(i) = input.iter().position(|&b| b == control) {
        return Some(i..i + 1);
    }
    // Kitty: the key's codepoint is the unshifted character, the modifier 5 means Ctrl. Its
    // sequences start with ESC; most keystrokes have none, and skip building the needle.
    if !input.contains(&0x1b) {
        return None;
    }
    let codepoint = match control {
        0x01..=0x1a => u32::from(control - 1 + b'a'),
        0x1b => u32::from(b'['),
        0x1c => u32::from(b'\\'),
        0x1d => u32::from(b']'),
        _ => return None,
    };
    let needle = format!("\x1b[{codepoint};5u");
    let needle = needle.as_bytes();
    input
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i..i + needle.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> Vec<Vec<u8>> {
        parse(text).unwrap().into_iter().map(|k| k.0).collect()
    }

    #[test]
    fn plain_text_is_one_key_per_character() {
        assert_eq!(bytes("y\n"), vec![b"y".to_vec(), b"\n".to_vec()]);
        assert_eq!(bytes("é"), vec!["é".as_bytes().to_vec()]);
    }

    #[test]
    fn named_and_control_keys() {
        assert_eq!(
            bytes("1<Enter><esc><C-c><Up><lt>"),
            vec![
                b"1".to_vec(),
                b"\r".to_vec(),
                b"\x1b".to_vec(),
                b"\x03".to_vec(),
                b"\x1b[A".to_vec(),
                b"<".to_vec()
            ]
        );
        assert_eq!(bytes("<C-]>"), vec![vec![0x1d]]);
    }

    #[test]
    fn angle_brackets_that_are_not_key_words_are_text() {
        assert_eq!(bytes("a<b c>").len(), 6);
        assert_eq!(bytes("<>").len(), 2);
        assert_eq!(bytes("x < y").len(), 5);
    }

    #[test]
    fn unknown_key_names_are_errors() {
        assert_eq!(parse("<Entr>"), Err(UnknownKey("Entr".into())));
        assert_eq!(parse("<C-1>"), Err(UnknownKey("C-1".into())));
    }

    #[test]
    fn display_names() {
        assert_eq!(display_name("<C-]>"), "Ctrl-]");
        assert_eq!(display_name("<Enter>"), "<Enter>");
    }

    #[test]
    fn control_keys_are_found_in_both_encodings() {
        assert_eq!(find_control(b"ab\x03cd", 0x03), Some(2..3));
        assert_eq!(find_control(b"a\x1b[99;5ub", 0x03), Some(1..8));
        assert_eq!(find_control(b"a\x1b[93;5u", 0x1d), Some(1..8));
        assert_eq!(find_control(b"plain", 0x03), None);
    }
}
