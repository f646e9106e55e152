//! The text tail: the printable text the child wrote, escape sequences removed. Its last 4 KiB are
//! matched for plain line-based prompts; its last 64 KiB are what a prompt is judged against
//! besides its own lines — everything shown since the previous answered prompt. Positions in it
//! are absolute stream offsets, so the same prompt seen twice is known to be the same one.
//!
//! It is fed by the screen's parser (one parse per byte); it never parses bytes itself.

/// How much text the tail keeps for matching.
pub const TAIL_BYTES: usize = 4096;
/// How much text it keeps for [`Tail::since`].
pub const HISTORY_BYTES: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct Tail {
    buf: String,
    /// The absolute offset of `buf[0]` in all text ever pushed.
    base: u64,
}

impl Tail {
    // Called for the controls that add text (line breaks, tabs, gaps); text itself comes in runs
    // (`push_str`, `push_repeated`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn push(&mut self, c: char) {
        self.buf.push(c);
        // Compact rarely: keep twice the history, then drop the older half at once.
        if self.buf.len() > 2 * HISTORY_BYTES {
            self.compact();
        }
    }

    /// `c` `times` times.
    pub fn push_repeated(&mut self, c: char, times: usize) {
        if times < 8 {
            for _ in 0..times {
                self.buf.push(c);
            }
        } else {
            // Only the last stretch of a long run can stay.
            let mut utf8 = [0; 4];
            let kept = times.min(2 * HISTORY_BYTES / c.len_utf8());
            self.buf.push_str(&c.encode_utf8(&mut utf8).repeat(kept));
        }
        if self.buf.len() > 2 * HISTORY_BYTES {
            self.compact();
        }
    }

    /// A run of text at once (the parser hands printable ASCII over whole).
    pub fn push_str(&mut self, text: &str) {
        self.buf.push_str(text);
        if self.buf.len() > 2 * HISTORY_BYTES {
            self.compact();
        }
    }

    #[cold]
    fn compact(&mut self) {
        let mut cut = self.buf.len() - HISTORY_BYTES;
        while !self.buf.is_char_boundary(cut) {
            cut += 1;
        }
        self.buf.drain(..cut);
        self.base += cut as u64;
    }

    /// The text goes on at another row: a line break, unless there is one already.
    pub fn line_break(&mut self) {
        if self.buf.as_bytes().last().is_some_and(|&b| b != b'\n') {
            self.push('\n');
        }
    }

    /// The text goes on further along the row: a space, unless there is a gap already.
    pub fn gap(&mut self) {
        if self
            .buf
            .as_bytes()
            .last()
            .is_some_and(|&b| b != b' ' && b != b'\n')
        {
            self.push(' ');
        }
    }

    /// A backspace takes back the last character of the current line.
    pub fn backspace(&mut self) {
        if !self.buf.ends_with('\n') {
            self.buf.pop();
        }
    }

    /// The absolute offset just past the last text.
    pub fn end(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// The text from absolute offset `from` on, if the tail still holds all of it.
    pub fn since(&self, from: u64) -> Option<&str> {
        let mut start = usize::try_from(from.checked_sub(self.base)?)
            .ok()?
            .min(self.buf.len());
        // A backspace may have taken back text before `from` and a wider character taken its
        // place: that character is text shown since, too.
        while !self.buf.is_char_boundary(start) {
            start -= 1;
        }
        Some(&self.buf[start..])
    }

    /// The last (at most) [`TAIL_BYTES`] of text and the absolute offset of its first byte.
    pub fn text(&self) -> (&str, u64) {
        let mut start = self.buf.len().saturating_sub(TAIL_BYTES);
        while !self.buf.is_char_boundary(start) {
            start += 1;
        }
        (&self.buf[start..], self.base + start as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_window_with_absolute_offsets() {
        let mut t = Tail::default();
        for _ in 0..3 * TAIL_BYTES {
            t.push('a');
        }
        t.push('é');
        let (text, base) = t.text();
        assert!(text.len() <= TAIL_BYTES);
        assert!(text.ends_with('é'));
        assert_eq!(base + text.len() as u64, 3 * TAIL_BYTES as u64 + 2);
    }

    #[test]
    fn text_since_an_offset_is_there_until_it_is_dropped() {
        let mut t = Tail::default();
        for c in "first\nsecond\n".chars() {
            t.push(c);
        }
        assert_eq!(t.since(6), Some("second\n"));
        assert_eq!(t.since(t.end()), Some(""));
        for _ in 0..3 * HISTORY_BYTES {
            t.push('x');
        }
        assert_eq!(t.since(6), None, "dropped");
        assert!(t.since(t.end() - 10).is_some_and(|s| s.len() == 10));
    }

    /// A backspace then a wider character across an offset (binary output does it): the text
    /// since is still there, from that character on.
    #[test]
    fn text_since_survives_a_backspace_across_the_offset() {
        let mut t = Tail::default();
        t.push('a');
        t.push('b');
        let end = t.end();
        t.backspace();
        t.push('\u{fffd}');
        t.push('c');
        assert_eq!(t.since(end), Some("\u{fffd}c"));
        t.backspace();
        t.backspace();
        assert_eq!(t.since(end), Some(""));
    }

    #[test]
    fn backspace_stays_on_the_line() {
        let mut t = Tail::default();
        for c in "ab\nc".chars() {
            t.push(c);
        }
        t.backspace();
        t.backspace();
        assert_eq!(t.text().0, "ab\n");
    }
}
