//! The text tail: the last 4 KiB of printable text the child wrote, escape sequences removed, for
//! plain line-based prompts. Positions in it are absolute stream offsets, so the same prompt seen
//! twice is known to be the same one.
//!
//! It is fed by the screen's parser (one parse per byte); it never parses bytes itself.

/// How much text the tail keeps for matching.
pub const TAIL_BYTES: usize = 4096;

#[derive(Debug, Default)]
pub struct Tail {
    buf: String,
    /// The absolute offset of `buf[0]` in all text ever pushed.
    base: u64,
}

impl Tail {
    // Per character of output: inlining it took plain text from 123 to 192 MB/s (benches/screen.rs).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn push(&mut self, c: char) {
        self.buf.push(c);
        // Compact rarely: keep twice the window, then drop the older half at once.
        if self.buf.len() > 2 * TAIL_BYTES {
            self.compact();
        }
    }

    #[cold]
    fn compact(&mut self) {
        let mut cut = self.buf.len() - TAIL_BYTES;
        while !self.buf.is_char_boundary(cut) {
            cut += 1;
        }
        self.buf.drain(..cut);
        self.base += cut as u64;
    }

    /// A backspace takes back the last character of the current line.
    pub fn backspace(&mut self) {
        if !self.buf.ends_with('\n') {
            self.buf.pop();
        }
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
