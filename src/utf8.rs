//! What a UTF-8 lead byte opens, which bytes are never part of a character, and how far a
//! stretch of alike bytes goes: what the screen's parser and the recorder read byte streams by.
//! Each decodes with them (no overlong forms, no surrogates, nothing past U+10FFFF) and counts
//! an invalid sequence's bytes as `String::from_utf8_lossy` does.

/// A character's first byte: how many continuation bytes it needs, and the range the first of
/// them must be in (narrower after E0, ED, F0 and F4; later ones are 0x80..=0xBF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lead {
    pub needs: u8,
    pub low: u8,
    pub high: u8,
}

impl Lead {
    /// The first continuation byte's range as a start and a width, the form a byte table holds
    /// it in (see [`fits`]).
    pub const fn first(self) -> (u8, u8) {
        (self.low, self.high - self.low)
    }
}

/// Whether `byte` is in the range that starts at `low` and is `span` wide: one subtraction and
/// one comparison, no branch.
#[inline]
pub const fn fits(byte: u8, low: u8, span: u8) -> bool {
    byte.wrapping_sub(low) <= span
}

/// Whether `byte` is never part of a character (0xC0, 0xC1, 0xF5–0xFF): wherever it comes it is
/// a U+FFFD of its own, and it ends a character begun before it as one more.
#[inline]
pub const fn never_in_a_character(byte: u8) -> bool {
    byte >= 0xf5 || byte & 0xfe == 0xc0
}

/// What `byte` opens; `None` if it never starts a character of more than one byte (ASCII,
/// continuation bytes, C0, C1, F5–FF).
pub const fn lead(byte: u8) -> Option<Lead> {
    let (needs, low, high) = match byte {
        0xc2..=0xdf => (1, 0x80, 0xbf),
        0xe0 => (2, 0xa0, 0xbf),
        0xed => (2, 0x80, 0x9f),
        0xe1..=0xef => (2, 0x80, 0xbf),
        0xf0 => (3, 0x90, 0xbf),
        0xf1..=0xf3 => (3, 0x80, 0xbf),
        0xf4 => (3, 0x80, 0x8f),
        _ => return None,
    };
    Some(Lead { needs, low, high })
}

/// How many bytes at the start of `bytes` are `wanted`. Short stretches (binary output) are
/// looked at byte by byte; past 16 bytes it looks at 16 at a time without stopping early inside
/// them, which the compiler turns into a few vector instructions per 16.
#[inline]
pub fn stretch(bytes: &[u8], wanted: impl Fn(u8) -> bool) -> usize {
    let head = bytes.len().min(16);
    if let Some(end) = bytes[..head].iter().position(|&byte| !wanted(byte)) {
        return end;
    }
    let mut n = head;
    for chunk in bytes[head..].chunks_exact(16) {
        if !chunk.iter().fold(true, |all, &byte| all & wanted(byte)) {
            break;
        }
        n += 16;
    }
    n + bytes[n..].iter().take_while(|&&byte| wanted(byte)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the standard library's decoder: a lead and a first continuation byte are the
    /// start of a character exactly when the lead opens one and the byte is in its range.
    #[test]
    fn agrees_with_the_standard_decoder() {
        for byte in 0..=u8::MAX {
            for next in 0x80..=0xbf_u8 {
                let mut bytes = vec![byte, next, 0x80, 0x80];
                let expected = lead(byte).map(|l| usize::from(l.needs) + 1);
                bytes.truncate(expected.unwrap_or(2));
                let valid = std::str::from_utf8(&bytes).is_ok();
                let fits = lead(byte).is_some_and(|l| (l.low..=l.high).contains(&next));
                assert_eq!(valid, fits, "{byte:#04x} {next:#04x}");
            }
        }
    }

    /// The bytes never in a character are exactly those in the encoding of no character.
    #[test]
    fn bytes_never_in_a_character_are_in_none() {
        let mut seen = [false; 256];
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            for &byte in c.encode_utf8(&mut [0; 4]).as_bytes() {
                seen[usize::from(byte)] = true;
            }
        }
        for byte in 0..=u8::MAX {
            assert_eq!(
                never_in_a_character(byte),
                !seen[usize::from(byte)],
                "{byte:#04x}"
            );
        }
    }
}
