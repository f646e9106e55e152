//! The asciicast v2 format (<https://docs.asciinema.org/manual/asciicast/v2/>): a JSON header
//! line, then one JSON array per event, `[seconds, code, data]` — `"o"` output, `"i"` input,
//! `"r"` a resize (`"COLSxROWS"`), `"m"` a marker. Written by the recorder, read by `replay`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::kept::Stretch;
use crate::utf8::{self, Lead, lead};

/// The header's fields this project writes and reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Header {
    pub version: u32,
    pub width: u16,
    pub height: u16,
    #[serde(default)]
    pub timestamp: Option<u64>,
    #[serde(default)]
    pub command: Option<String>,
}

impl Header {
    pub fn to_line(&self) -> String {
        let mut header = serde_json::json!({
            "version": self.version,
            "width": self.width,
            "height": self.height,
        });
        if let Some(timestamp) = self.timestamp {
            header["timestamp"] = timestamp.into();
        }
        if let Some(command) = &self.command {
            header["command"] = command.as_str().into();
        }
        format!("{header}\n")
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Seconds since the recording began.
    pub at: f64,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Output(String),
    Input(String),
    Resize { cols: u16, rows: u16 },
    Marker(String),
}

/// The latest time an event may have, in seconds: a replay counts time from an instant, and
/// far beyond this it could not.
const MAX_TIME: f64 = 1e9;

impl Entry {
    pub fn to_line(&self) -> String {
        let mut line = Vec::new();
        self.write_line(&mut line);
        String::from_utf8(line).unwrap_or_default()
    }

    /// Appends the event's line to `out`.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        let size;
        let (code, data) = match &self.kind {
            Kind::Output(text) => ("o", text.as_str()),
            Kind::Input(text) => ("i", text.as_str()),
            Kind::Resize { cols, rows } => {
                size = format!("{cols}x{rows}");
                ("r", size.as_str())
            }
            Kind::Marker(label) => ("m", label.as_str()),
        };
        out.push(b'[');
        write_seconds(self.at, out);
        out.push(b',');
        // Writing into a Vec cannot fail, and strings always serialise.
        let _ = serde_json::to_writer(&mut *out, code);
        out.push(b',');
        let _ = serde_json::to_writer(&mut *out, data);
        out.extend_from_slice(b"]\n");
    }

    /// The event's time as a duration since the recording began (a time before it counts as 0).
    pub fn elapsed(&self) -> Duration {
        Duration::from_secs_f64(self.at.clamp(0.0, MAX_TIME))
    }

    /// An event line; `None` for a code this project does not act on (asciicast allows others).
    pub fn parse(line: &str) -> Result<Option<Self>, String> {
        let value: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let [at, code, data] = value.as_array().map(Vec::as_slice).unwrap_or_default() else {
            return Err("an event is [time, code, data]".into());
        };
        let (Some(at), Some(code), Some(data)) = (at.as_f64(), code.as_str(), data.as_str()) else {
            return Err("an event is [time, code, data]: a number and two strings".into());
        };
        if at > MAX_TIME {
            return Err(format!(
                "a time of {at:e} s: an event's time is at most {MAX_TIME:e} s (about 30 years)"
            ));
        }
        let kind = match code {
            "o" => Kind::Output(data.to_owned()),
            "i" => Kind::Input(data.to_owned()),
            "m" => Kind::Marker(data.to_owned()),
            "r" => {
                let size = data
                    .split_once('x')
                    .and_then(|(c, r)| Some((c.parse().ok()?, r.parse().ok()?)));
                let Some((cols, rows)) = size else {
                    return Err(format!("a resize is \"COLSxROWS\", not {data:?}"));
                };
                Kind::Resize { cols, rows }
            }
            _ => return Ok(None),
        };
        Ok(Some(Self { at, kind }))
    }
}

/// Turns a byte stream cut anywhere into text, as asciicast needs: a character split between two
/// chunks is kept back until its end comes; bytes that are not UTF-8 become U+FFFD.
#[derive(Debug, Default)]
pub struct Utf8Stream {
    held: Vec<u8>,
}

impl Utf8Stream {
    /// Appends the event line of a chunk of this stream, `[at, code, text]`, to `out`: decoded
    /// and escaped for JSON in one pass, straight from the bytes (a recorded flood is many
    /// megabytes). `stretches` say where the chunk's bytes that are never part of a character
    /// were left out (see [`super::kept`]). Nothing is appended while the chunk is only the
    /// start of a character.
    pub fn write_line(
        &mut self,
        at: f64,
        code: &str,
        bytes: &[u8],
        stretches: &[Stretch],
        out: &mut Vec<u8>,
    ) {
        let start = out.len();
        out.push(b'[');
        write_seconds(at, out);
        out.extend_from_slice(b",\"");
        out.extend_from_slice(code.as_bytes());
        out.extend_from_slice(b"\",\"");
        let text_start = out.len();
        let mut from = 0;
        for stretch in stretches {
            self.escape(&bytes[from..stretch.at], out);
            // Such a byte ends a character begun before it, as one U+FFFD.
            let ended = usize::from(!self.held.is_empty());
            self.held.clear();
            write_replacements(ended + stretch.len, out);
            from = stretch.at;
        }
        self.escape(&bytes[from..], out);
        if out.len() == text_start {
            out.truncate(start);
        } else {
            out.extend_from_slice(b"\"]\n");
        }
    }

    /// Appends `bytes`, after what was held back, as the inside of a JSON string.
    fn escape(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        if self.held.is_empty() {
            escape_json(bytes, out, &mut self.held);
        } else {
            let mut joined = std::mem::take(&mut self.held);
            joined.extend_from_slice(bytes);
            escape_json(&joined, out, &mut self.held);
        }
    }
}

/// Appends `count` U+FFFD, a few kilobytes at a time.
fn write_replacements(count: usize, out: &mut Vec<u8>) {
    const MANY: [u8; 3 * 1024] = {
        let one = "\u{fffd}".as_bytes();
        let mut many = [0; 3 * 1024];
        let mut i = 0;
        while i < many.len() {
            many[i] = one[i % 3];
            i += 1;
        }
        many
    };
    let mut left = 3 * count;
    while left > 0 {
        let now = left.min(MANY.len());
        out.extend_from_slice(&MANY[..now]);
        left -= now;
    }
}

/// What the bytes at a position start, as UTF-8.
enum Sequence {
    /// A whole character of this many bytes.
    Valid(usize),
    /// Not UTF-8: this many bytes make one U+FFFD (the longest start of a character, as
    /// `String::from_utf8_lossy` counts them).
    Invalid(usize),
    /// The start of a character that the input ends inside.
    Cut,
}

/// The multi-byte sequence at the start of `bytes` (its first byte is not ASCII).
fn sequence(bytes: &[u8]) -> Sequence {
    let Some(Lead { needs, low, high }) = lead(bytes[0]) else {
        return Sequence::Invalid(1);
    };
    let (len, second) = (usize::from(needs) + 1, low..=high);
    for k in 1..len {
        let Some(&byte) = bytes.get(k) else {
            return Sequence::Cut;
        };
        let fits = if k == 1 {
            second.contains(&byte)
        } else {
            (0x80..=0xbf).contains(&byte)
        };
        if !fits {
            return Sequence::Invalid(k);
        }
    }
    Sequence::Valid(len)
}

/// How [`escape_json`] writes a byte: up to six bytes (little-endian) and how many — for a lead
/// byte, what it writes if the character it starts is invalid (U+FFFD) — and, for a lead byte,
/// how many continuation bytes it needs and the range the first must be in.
#[derive(Clone, Copy)]
struct Escaped {
    bytes: u64,
    len: u8,
    need: u8,
    low: u8,
    span: u8,
}

/// [`Escaped`] for every byte.
const ESCAPED: [Escaped; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    const fn pack(bytes: &[u8]) -> Escaped {
        let mut packed = 0u64;
        let mut i = 0;
        while i < bytes.len() {
            packed |= (bytes[i] as u64) << (8 * i);
            i += 1;
        }
        #[allow(clippy::cast_possible_truncation)] // at most 6
        let len = bytes.len() as u8;
        Escaped {
            bytes: packed,
            len,
            need: 0,
            low: 0,
            span: 0,
        }
    }
    let replacement = pack("\u{fffd}".as_bytes());
    let mut table = [replacement; 256];
    let mut i = 0;
    while i < 256 {
        #[allow(clippy::cast_possible_truncation)] // i < 256
        let byte = i as u8;
        table[i] = match byte {
            b'"' => pack(b"\\\""),
            b'\\' => pack(b"\\\\"),
            b'\n' => pack(b"\\n"),
            b'\r' => pack(b"\\r"),
            b'\t' => pack(b"\\t"),
            0x08 => pack(b"\\b"),
            0x0c => pack(b"\\f"),
            0x00..=0x1f => pack(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(byte >> 4) as usize],
                HEX[(byte & 15) as usize],
            ]),
            0x20..=0x7f => pack(&[byte]),
            _ => match lead(byte) {
                Some(opens) => {
                    let (low, span) = opens.first();
                    Escaped {
                        need: opens.needs,
                        low,
                        span,
                        ..replacement
                    }
                }
                // Never the start of a character: a U+FFFD of its own.
                None => replacement,
            },
        };
        i += 1;
    }
    table
};

/// How many bytes from `at` make the character or the invalid sequence there: the lead and
/// the continuation bytes that fit (the maximal subpart `String::from_utf8_lossy` counts), with
/// whether they make a whole character. `next` holds the three bytes after the lead.
#[inline]
fn taken(escaped: Escaped, next: [u8; 3]) -> (usize, bool) {
    let continues = |byte: u8| utf8::fits(byte, 0x80, 0x3f);
    let first = escaped.need >= 1 && utf8::fits(next[0], escaped.low, escaped.span);
    let second = first && escaped.need >= 2 && continues(next[1]);
    let third = second && escaped.need >= 3 && continues(next[2]);
    let taken = 1 + usize::from(first) + usize::from(second) + usize::from(third);
    (taken, taken == 1 + usize::from(escaped.need))
}

/// Writes the character or the invalid sequence at `bytes[i]`, where at least four bytes
/// remain, at `out[at]`; returns where the next starts and where its text goes.
#[inline]
fn escape_one(bytes: &[u8], i: usize, out: &mut [u8], at: usize) -> (usize, usize) {
    let &[byte, a, b, c] = &bytes[i..i + 4] else {
        unreachable!("four bytes were asked for")
    };
    let escaped = ESCAPED[usize::from(byte)];
    if escaped.need == 0 {
        out[at..at + 8].copy_from_slice(&escaped.bytes.to_le_bytes());
        return (i + 1, at + usize::from(escaped.len));
    }
    // A whole character is copied as it came, an invalid sequence is one U+FFFD.
    let (taken, whole) = taken(escaped, [a, b, c]);
    let (written, len) = if whole {
        (u64::from(u32::from_le_bytes([byte, a, b, c])), taken)
    } else {
        (escaped.bytes, 3)
    };
    out[at..at + 8].copy_from_slice(&written.to_le_bytes());
    (i + taken, at + len)
}

/// Appends `bytes` as the inside of a JSON string: decoded as UTF-8 (what is not becomes
/// U+FFFD), quotes, backslashes and controls escaped. Eight bytes of plain ASCII are checked at
/// a time; any other byte is written with one 8-byte store from a table, with no branch on what
/// it is but whether it starts a character (binary output has them in random order). A
/// character cut short by the end is put in `held`.
fn escape_json(bytes: &[u8], out: &mut Vec<u8>, held: &mut Vec<u8>) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Whether a byte of `word` is not ASCII, below 0x20, `"` or `\\` (the zero-byte test).
    let special = |word: u64| {
        let zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
        (word & HIGHS)
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS)
            | zero(word ^ (ONES * u64::from(b'"')))
            | zero(word ^ (ONES * u64::from(b'\\')))
            != 0
    };
    // Room for the worst case (every byte six) and the spare bytes of the last store; what is
    // not used is cut off at the end.
    let mut at = out.len();
    out.resize(at + 6 * bytes.len() + 8, 0);
    let mut i = 0;
    // A word at a time while a word and the three bytes a character may take past it remain;
    // a word that is not all plain goes through the table byte by byte, up to its end (binary
    // output has a special byte in nearly every word).
    while let Some(ahead) = bytes.get(i..i + 11) {
        let word: [u8; 8] = ahead[..8].try_into().unwrap_or_default();
        if !special(u64::from_le_bytes(word)) {
            out[at..at + 8].copy_from_slice(&word);
            (i, at) = (i + 8, at + 8);
            continue;
        }
        let end = i + 8;
        while i < end {
            (i, at) = escape_one(bytes, i, out, at);
        }
    }
    while bytes.len() - i >= 4 {
        (i, at) = escape_one(bytes, i, out, at);
    }
    // The last bytes, where a character may be cut short.
    while let Some(&byte) = bytes.get(i) {
        let escaped = ESCAPED[usize::from(byte)];
        let len = if escaped.need == 0 {
            out[at..at + 8].copy_from_slice(&escaped.bytes.to_le_bytes());
            at += usize::from(escaped.len);
            1
        } else {
            match sequence(&bytes[i..]) {
                Sequence::Valid(len) => {
                    out[at..at + len].copy_from_slice(&bytes[i..i + len]);
                    at += len;
                    len
                }
                Sequence::Invalid(len) => {
                    out[at..at + 3].copy_from_slice("\u{fffd}".as_bytes());
                    at += 3;
                    len
                }
                Sequence::Cut => {
                    *held = bytes[i..].to_vec();
                    break;
                }
            }
        };
        i += len;
    }
    out.truncate(at);
}

/// Seconds to the microsecond, as asciinema writes them.
fn write_seconds(at: f64, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail, and a number always serialises.
    let _ = serde_json::to_writer(&mut *out, &((at * 1e6).round() / 1e6));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of a chunk's line, as a reader of the file gets it; `None` when no line came.
    fn text_of(stream: &mut Utf8Stream, bytes: &[u8]) -> Option<String> {
        let mut line = Vec::new();
        stream.write_line(1.5, "o", bytes, &[], &mut line);
        if line.is_empty() {
            return None;
        }
        let line = String::from_utf8(line).expect("a line is UTF-8");
        match Entry::parse(&line).expect("a line is JSON") {
            Some(Entry {
                kind: Kind::Output(text),
                at,
            }) if (at - 1.5).abs() < 1e-9 => Some(text),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_character_split_between_chunks_is_kept_whole() {
        let mut stream = Utf8Stream::default();
        let bytes = "é─❯".as_bytes();
        let mut text = String::new();
        for byte in bytes {
            text.extend(text_of(&mut stream, std::slice::from_ref(byte)));
        }
        assert_eq!(text, "é─❯");
        assert_eq!(
            text_of(&mut stream, b"a\xffb\xe2\x94").as_deref(),
            Some("a\u{fffd}b")
        );
        assert_eq!(text_of(&mut stream, b"\x80").as_deref(), Some("─"));
    }

    /// Every byte string reads back as its lossy decoding: controls, quotes, backslashes and
    /// invalid bytes at every position of the eight-byte scan.
    #[test]
    fn any_bytes_read_back_as_their_lossy_text() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // ASCII that needs escapes and that does not, whole characters, and the bytes UTF-8's
        // edge cases are made of (overlong leads, surrogates, beyond U+10FFFF).
        let alphabet = b"ab\"\\\x00\x1f\x7f\x1b\n\t\x08\x0c \xc3\xa9\xff\xe2\x94\x80\
                         \xe0\xa0\xed\x9f\xf0\x90\xf4\x8f\xbf\xc0\xc1\xf5\x80\x80";
        for len in 0..64 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| alphabet[usize::try_from(next()).unwrap_or(0) % alphabet.len()])
                    .collect();
                let mut stream = Utf8Stream::default();
                let mut text = text_of(&mut stream, &bytes).unwrap_or_default();
                // What was held back as a character's start ends the stream as one U+FFFD.
                if !stream.held.is_empty() {
                    text.push('\u{fffd}');
                }
                assert_eq!(text, String::from_utf8_lossy(&bytes), "{bytes:?}");
            }
        }
    }

    #[test]
    fn entries_round_trip_through_their_lines() {
        for kind in [
            Kind::Output("\x1b[1mhi\r\n\"".into()),
            Kind::Input("y".into()),
            Kind::Resize {
                cols: 132,
                rows: 40,
            },
            Kind::Marker("SEND_INPUT: keys=\"y\"".into()),
        ] {
            let entry = Entry { at: 1.25, kind };
            let line = entry.to_line();
            assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'));
            assert_eq!(Entry::parse(&line).unwrap(), Some(entry));
        }
        assert_eq!(Entry::parse("[1.0, \"x\", \"future\"]").unwrap(), None);
        assert!(Entry::parse("[1.0, \"r\", \"wide\"]").is_err());
        assert!(Entry::parse("{}").is_err());
    }
}
