//! The asciicast v2 format (<https://docs.asciinema.org/manual/asciicast/v2/>): a JSON header
//! line, then one JSON array per event, `[seconds, code, data]` — `"o"` output, `"i"` input,
//! `"r"` a resize (`"COLSxROWS"`), `"m"` a marker. Written by the recorder, read by `replay`.

use serde::Deserialize;
use serde_json::Value;

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

impl Entry {
    pub fn to_line(&self) -> String {
        let mut line = Vec::new();
        self.write_line(&mut line);
        String::from_utf8(line).unwrap_or_default()
    }

    /// Appends the event's line to `out`: serialised straight from the text, which a recording
    /// of a flood writes many megabytes of.
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
        // Microseconds, as asciinema writes them.
        let at = (self.at * 1e6).round() / 1e6;
        // Writing into a Vec cannot fail, and a tuple of a number and strings always serialises.
        let _ = serde_json::to_writer(&mut *out, &(at, code, data));
        out.push(b'\n');
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
    pub fn decode(&mut self, bytes: &[u8]) -> String {
        let input = if self.held.is_empty() {
            std::borrow::Cow::Borrowed(bytes)
        } else {
            let mut joined = std::mem::take(&mut self.held);
            joined.extend_from_slice(bytes);
            std::borrow::Cow::Owned(joined)
        };
        let mut text = String::with_capacity(input.len());
        // One pass: each piece is valid text then at most one invalid sequence (one U+FFFD,
        // as `from_utf8_lossy` counts them).
        let mut pieces = input.utf8_chunks().peekable();
        while let Some(piece) = pieces.next() {
            text.push_str(piece.valid());
            let bad = piece.invalid();
            if bad.is_empty() {
                continue;
            }
            let cut_short = pieces.peek().is_none()
                && std::str::from_utf8(bad).is_err_and(|e| e.error_len().is_none());
            if cut_short {
                // The start of a character whose end has not come yet.
                self.held = bad.to_vec();
            } else {
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_between_chunks_is_kept_whole() {
        let mut stream = Utf8Stream::default();
        let bytes = "é─❯".as_bytes();
        let mut text = String::new();
        for byte in bytes {
            text.push_str(&stream.decode(std::slice::from_ref(byte)));
        }
        assert_eq!(text, "é─❯");
        assert_eq!(stream.decode(b"a\xffb\xe2\x94"), "a\u{fffd}b");
        assert_eq!(stream.decode(b"\x80"), "─");
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
