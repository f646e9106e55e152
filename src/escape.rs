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
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
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
    }
}
