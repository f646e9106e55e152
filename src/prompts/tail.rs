//! The text tail: the printable text the child wrote, escape sequences removed. Its last 4 KiB are
//! matched for plain line-based prompts; its last 64 KiB are what a prompt is judged against
//! besides its own lines — everything shown since the previous answered prompt. Positions in it
//! are absolute offsets in what it stored, so the same prompt seen twice is known to be the same
//! one.
//!
//! It is fed by the screen's parser (one parse per byte); it never parses bytes itself. It keeps
//! bytes, not a `String`: the parser hands it runs of narrow text as they came, and checking each
//! run again cost more than storing it. Only whole characters go in, in UTF-8 except one: U+FFFD
//! is stored as the single byte DEL ([`REPLACEMENT`]), since binary output is mostly U+FFFD and
//! its three bytes tripled what the tail copied. Text read from it has U+FFFD written out;
//! [`stored_len`] counts it back.

use std::borrow::Cow;

/// What U+FFFD is stored as: DEL, which the parser never passes on as text.
const REPLACEMENT: u8 = 0x7f;

/// How much text the tail keeps for matching.
pub const TAIL_BYTES: usize = 4096;
/// How much text it keeps for [`Tail::since`].
pub const HISTORY_BYTES: usize = 64 * 1024;
/// How far past the history it grows before the oldest text is dropped: dropping moves the
/// history, so rarely enough that the move costs little per byte (4), while memory stays near
/// the history's size.
const SLACK_BYTES: usize = 16 * 1024;

#[derive(Debug)]
pub struct Tail {
    /// All it will ever hold, allocated once (growing by doubling would leave each smaller
    /// block behind, free but resident); the text is `buf[..len]`, UTF-8: only whole
    /// characters are pushed, and only whole ones are taken off.
    buf: Box<[u8]>,
    len: usize,
    /// The absolute offset of `buf[0]` in all text ever pushed.
    base: u64,
}

impl Default for Tail {
    fn default() -> Self {
        Self {
            buf: vec![0; HISTORY_BYTES + SLACK_BYTES].into_boxed_slice(),
            len: 0,
            base: 0,
        }
    }
}

/// Whether `byte` starts a character (is not a UTF-8 continuation byte).
fn starts_char(byte: u8) -> bool {
    byte & 0xc0 != 0x80
}

/// `bytes` as text, U+FFFD written out; what the tail holds always is text.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    let stored = std::str::from_utf8(bytes).unwrap_or_default();
    if bytes.contains(&REPLACEMENT) {
        Cow::Owned(stored.replace(char::from(REPLACEMENT), "\u{fffd}"))
    } else {
        Cow::Borrowed(stored)
    }
}

/// How many bytes `text`, read from the tail, took in it: positions are counted in those.
pub fn stored_len(text: &str) -> usize {
    let written_out = '\u{fffd}'.len_utf8() - 1;
    text.len() - written_out * text.matches('\u{fffd}').count()
}

/// The one byte U+FFFD is stored as.
fn stored(c: char) -> char {
    if c == char::REPLACEMENT_CHARACTER {
        char::from(REPLACEMENT)
    } else {
        c
    }
}

impl Tail {
    // Called for the controls that add text (line breaks, tabs, gaps); text itself comes in runs
    // (`push_narrow`, `push_repeated`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn push(&mut self, c: char) {
        self.make_room(4);
        self.len += stored(c).encode_utf8(&mut self.buf[self.len..]).len();
    }

    /// `c` `times` times.
    pub fn push_repeated(&mut self, c: char, times: usize) {
        if times == 1 {
            return self.push(c);
        }
        let c = stored(c);
        let one = c.len_utf8();
        // Only the last stretch of a long run can stay.
        let total = times.min(HISTORY_BYTES / one) * one;
        self.make_room(total);
        let start = self.len;
        c.encode_utf8(&mut self.buf[start..]);
        // Doubling what is there: a few copies, not one per character.
        let mut have = one;
        while have < total {
            let more = have.min(total - have);
            self.buf.copy_within(start..start + more, start + have);
            have += more;
        }
        self.len += total;
    }

    /// Narrow text at once, as the parser hands it over: printable ASCII as itself, any other
    /// byte U+FFFD.
    pub fn push_narrow(&mut self, text: &[u8]) {
        // Of a run longer than the history, only its end can stay.
        let skipped = text.len().saturating_sub(HISTORY_BYTES);
        if skipped > 0 {
            self.base += (self.len + skipped) as u64;
            self.len = 0;
        }
        let text = &text[skipped..];
        self.make_room(text.len());
        let to = &mut self.buf[self.len..self.len + text.len()];
        // DEL and above become DEL: one vector instruction per 16 or 32 bytes.
        for (stored, &byte) in to.iter_mut().zip(text) {
            *stored = byte.min(REPLACEMENT);
        }
        self.len += text.len();
    }

    /// Drops the oldest text if `more` bytes would not fit, so the buffer is never too small.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn make_room(&mut self, more: usize) {
        if self.len + more > self.buf.len() {
            self.compact(more);
        }
    }

    /// Keeps (about) the last [`HISTORY_BYTES`] with `more` to come, from a character's start.
    #[cold]
    fn compact(&mut self, more: usize) {
        let mut cut = (self.len + more)
            .saturating_sub(HISTORY_BYTES)
            .min(self.len);
        while !self.held().get(cut).copied().is_none_or(starts_char) {
            cut += 1;
        }
        self.buf.copy_within(cut..self.len, 0);
        self.len -= cut;
        self.base += cut as u64;
    }

    /// The text held.
    fn held(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The text goes on at another row: a line break, unless there is one already.
    pub fn line_break(&mut self) {
        if self.held().last().is_some_and(|&b| b != b'\n') {
            self.push('\n');
        }
    }

    /// The text goes on further along the row: a space, unless there is a gap already.
    pub fn gap(&mut self) {
        if self.held().last().is_some_and(|&b| b != b' ' && b != b'\n') {
            self.push(' ');
        }
    }

    /// A backspace takes back the last character of the current line.
    pub fn backspace(&mut self) {
        if self.held().last() == Some(&b'\n') {
            return;
        }
        while let Some(&byte) = self.held().last() {
            self.len -= 1;
            if starts_char(byte) {
                break;
            }
        }
    }

    /// The absolute offset just past the last text.
    pub fn end(&self) -> u64 {
        self.base + self.len as u64
    }

    /// The text from absolute offset `from` on, if the tail still holds all of it.
    pub fn since(&self, from: u64) -> Option<Cow<'_, str>> {
        let mut start = usize::try_from(from.checked_sub(self.base)?)
            .ok()?
            .min(self.len);
        // A backspace may have taken back text before `from` and a wider character taken its
        // place: that character is text shown since, too.
        while !self.held().get(start).copied().is_none_or(starts_char) {
            start -= 1;
        }
        Some(text(&self.held()[start..]))
    }

    /// The last (at most) [`TAIL_BYTES`] of text and the absolute offset of its first byte.
    pub fn text(&self) -> (Cow<'_, str>, u64) {
        let mut start = self.len.saturating_sub(TAIL_BYTES);
        while !self.held().get(start).copied().is_none_or(starts_char) {
            start += 1;
        }
        (text(&self.held()[start..]), self.base + start as u64)
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
        assert_eq!(t.since(6).as_deref(), Some("second\n"));
        assert_eq!(t.since(t.end()).as_deref(), Some(""));
        for _ in 0..3 * HISTORY_BYTES {
            t.push('x');
        }
        assert_eq!(t.since(6), None, "dropped");
        assert!(t.since(t.end() - 10).is_some_and(|s| s.len() == 10));
    }

    /// A backspace then a wider character across an offset: the text since is still there,
    /// from that character on.
    #[test]
    fn text_since_survives_a_backspace_across_the_offset() {
        let mut t = Tail::default();
        t.push('a');
        t.push('b');
        let end = t.end();
        t.backspace();
        t.push('é');
        t.push('c');
        assert_eq!(t.since(end).as_deref(), Some("éc"));
        t.backspace();
        t.backspace();
        assert_eq!(t.since(end).as_deref(), Some(""));
    }

    /// A backspace takes back a whole character, however many bytes it is.
    #[test]
    fn backspace_takes_back_a_whole_character() {
        let mut t = Tail::default();
        t.push_narrow(b"ab");
        t.push_repeated('\u{fffd}', 2);
        t.push('é');
        t.backspace();
        assert_eq!(t.text().0, "ab\u{fffd}\u{fffd}");
        t.backspace();
        t.backspace();
        assert_eq!(t.text().0, "ab");
        t.push_repeated('─', 5000);
        assert_eq!(
            t.text().0.chars().count(),
            TAIL_BYTES / 3,
            "a window of whole characters"
        );
    }

    /// Whatever comes, the tail keeps the history in the buffer it was made with.
    #[test]
    fn the_buffer_never_grows() {
        let mut t = Tail::default();
        let long = vec![b'a'; 3 * HISTORY_BYTES + 7];
        t.push_narrow(&long);
        assert_eq!(t.end(), long.len() as u64, "a long run counts whole");
        assert_eq!(
            t.since(t.end() - 100).as_deref(),
            Some(&"a".repeat(100)[..])
        );
        t.push_repeated('─', 5 * HISTORY_BYTES);
        for _ in 0..HISTORY_BYTES {
            t.push('é');
            t.push_narrow(b"xyz");
        }
        assert_eq!(t.buf.len(), HISTORY_BYTES + SLACK_BYTES);
        assert!(
            t.since(t.end() - HISTORY_BYTES as u64).is_some(),
            "the history is kept"
        );
        assert!(t.text().0.ends_with("éxyz"));
    }

    /// Binary output is mostly U+FFFD: one byte each, however it came, read back written out.
    #[test]
    fn a_replacement_character_is_stored_in_one_byte() {
        let mut t = Tail::default();
        t.push_narrow(b"a\x7fb");
        t.push('\u{fffd}');
        t.push_repeated('\u{fffd}', 3);
        assert_eq!(t.end(), 7);
        let (text, base) = t.text();
        assert_eq!(text, "a\u{fffd}b\u{fffd}\u{fffd}\u{fffd}\u{fffd}");
        assert_eq!((stored_len(&text), base), (7, 0));
        assert_eq!(
            t.since(2).as_deref(),
            Some("b\u{fffd}\u{fffd}\u{fffd}\u{fffd}")
        );
        t.backspace();
        assert_eq!(t.end(), 6, "a backspace takes back one");
        t.push_narrow(b"plain");
        assert!(
            matches!(t.since(6), Some(Cow::Borrowed("plain"))),
            "no copy without U+FFFD"
        );
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
