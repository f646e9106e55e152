//! Rendering text a child controls for a log line, a banner or `explain`'s output: printable
//! characters as they are, everything else escaped, so it can never forge a log line or reach a
//! terminal as a control sequence.

use std::fmt::Write as _;

/// Renders bytes for a log line or a banner: printable ASCII as is, everything else escaped, so
/// child-controlled text can never forge log lines or reach the terminal as a control sequence.
pub fn escape_bytes(bytes: &[u8]) -> String {
    escape_str(&String::from_utf8_lossy(bytes))
}

/// Like [`escape_bytes`] for text that is already a string. Non-ASCII printable characters (box
/// drawing, `❯`) are kept: they are data, not control.
pub fn escape_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x1b' => out.push_str("\\e"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() && u32::from(c) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if breaks_lines(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Characters that some reader of a log takes for a line break or a control beyond C0, DEL and
/// C1: the Unicode line and paragraph separators.
pub fn breaks_lines(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// A JSON text with every DEL, C1 control and Unicode line separator inside its strings written
/// as `\uXXXX`: JSON allows them raw, and readers that split on them would see a forged line.
pub fn json_safe(json: String) -> String {
    if !json
        .chars()
        .any(|c| c == '\x7f' || ('\u{80}'..='\u{9f}').contains(&c) || breaks_lines(c))
    {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c == '\x7f' || ('\u{80}'..='\u{9f}').contains(&c) || breaks_lines(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_control_characters() {
        assert_eq!(escape_bytes(b"y\n\x1b[2J\"\\"), "y\\n\\e[2J\\\"\\\\");
        assert_eq!(escape_str("❯ 1. Yes\x07"), "❯ 1. Yes\\x07");
        assert_eq!(
            escape_str("a\u{2028}b\u{2029}c\u{85}d\x7fe\u{9b}f"),
            "a\\u2028b\\u2029c\\x85d\\x7fe\\x9bf"
        );
    }

    #[test]
    fn json_has_no_raw_line_breaks_or_controls() {
        let json = serde_json::json!({"t": "a\u{2028}b\u{85}c\x7fd\n"}).to_string();
        assert_eq!(json_safe(json), r#"{"t":"a\u2028b\u0085c\u007fd\n"}"#);
    }
}
