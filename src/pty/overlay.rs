//! Everything autoapprove draws over the child: a one-line banner, the window title, the bell,
//! and a question box that reads the user's keys. One home, driven by the session from the
//! engine's notices.
//!
//! How it draws without disturbing the child:
//! - it writes only while the output [`Gate`] holds the child's output, which begins between two
//!   of the child's escape sequences and characters, never inside one;
//! - it never uses the terminal's saved-cursor slot (DECSC/DECRC), which the child may hold:
//!   it asks the screen model for a [`View`] — cursor, pen, modes, the cells it covers — and
//!   puts each back explicitly;
//! - what it drew over is redrawn from the model's cells, colours and attributes included, when
//!   the drawing goes away (the box when answered, the banner after a few seconds or at exit).
//!
//! It draws only when stderr is a terminal. A hidden test box (`AUTOAPPROVE_TEST_BOX=1`, key
//! Ctrl-^) exercises the pause, draw, read-keys and restore path end to end.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use unicode_width::UnicodeWidthChar;

use crate::prompts::screen::{Charsets, Pen, View, WIDE_RIGHT_HALF};
use crate::prompts::watcher::Watcher;
use crate::pty::gate::{Gate, Held};
use crate::pty::term;

/// How long drawing waits for the child to finish an escape sequence it is in the middle of.
const SEQUENCE_WAIT: Duration = Duration::from_millis(500);
/// How long a banner stays before the row under it is put back.
pub const BANNER_SHOWN: Duration = Duration::from_secs(6);

/// The environment variable that enables the test box, and its key (Ctrl-^).
pub const TEST_BOX_ENV: &str = "AUTOAPPROVE_TEST_BOX";
pub const TEST_BOX_KEY: u8 = 0x1e;

/// An open question box: the child's output is held until it closes.
struct OpenBox {
    rows: std::ops::Range<usize>,
    _held: Held,
}

pub struct Overlay {
    gate: Arc<Gate>,
    enabled: bool,
    title_pushed: bool,
    /// A banner is drawn over the top row.
    banner: bool,
    open: Option<OpenBox>,
}

impl Overlay {
    pub fn new(gate: Arc<Gate>) -> Self {
        Self {
            gate,
            enabled: term::stderr_is_tty(),
            title_pushed: false,
            banner: false,
            open: None,
        }
    }

    /// A one-line notice over the top row, in reverse video, cut to the width at a word; the
    /// child's cursor, pen and modes are left as they were. `text` must already be escaped.
    /// True if it was drawn: [`Overlay::clear_banner`] puts the row back.
    pub fn banner(&mut self, watcher: &Watcher, text: &str, bell: bool) -> bool {
        if !self.enabled {
            return false;
        }
        let Some(_paused) = self.gate.pause(SEQUENCE_WAIT) else {
            return false;
        };
        let view = watcher.view(0..0);
        let mut out = String::new();
        begin(&view, &mut out);
        out.push_str("\x1b[1;1H\x1b[0;7m");
        out.push_str(&fit(&format!(" autoapprove: {text} "), view.cols));
        end(&view, &mut out);
        if bell {
            out.push('\x07');
        }
        term::write_overlay(out.as_bytes());
        self.banner = true;
        true
    }

    /// Puts back the row under the banner, as the child has it now (what it wrote there meanwhile
    /// included).
    pub fn clear_banner(&mut self, watcher: &Watcher) {
        if !self.banner {
            return;
        }
        let Some(_paused) = self.gate.pause(SEQUENCE_WAIT) else {
            return;
        };
        term::write_overlay(restore(&watcher.view(0..1)).as_bytes());
        self.banner = false;
    }

    /// Sets the window title, saving the user's title first so [`Overlay::finish`] can put it
    /// back.
    pub fn title(&mut self, text: &str) {
        if !self.enabled {
            return;
        }
        let Some(_paused) = self.gate.pause(SEQUENCE_WAIT) else {
            return;
        };
        let mut out = String::new();
        if !self.title_pushed {
            self.title_pushed = true;
            out.push_str("\x1b[22;0t");
        }
        let _ = write!(out, "\x1b]2;{text}\x07");
        term::write_overlay(out.as_bytes());
    }

    /// Draws a box with `lines` in the middle of the screen and holds the child's output until
    /// [`Overlay::close_box`]; the caller routes the user's keys to itself meanwhile. False if
    /// nothing could be drawn.
    pub fn open_box(&mut self, watcher: &Watcher, lines: &[String]) -> bool {
        if !self.enabled || self.open.is_some() {
            return false;
        }
        let Some(held) = self.gate.pause(SEQUENCE_WAIT) else {
            return false;
        };
        let (out, rows) = draw_box(&watcher.view(0..0), lines);
        term::write_overlay(out.as_bytes());
        self.open = Some(OpenBox { rows, _held: held });
        true
    }

    /// Draws the open box again with `lines` (what it covered first put back), the child's
    /// output still held.
    pub fn redraw_box(&mut self, watcher: &Watcher, lines: &[String]) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let mut out = restore(&watcher.view(open.rows.clone()));
        let (drawn, rows) = draw_box(&watcher.view(0..0), lines);
        out.push_str(&drawn);
        open.rows = rows;
        term::write_overlay(out.as_bytes());
    }

    /// Whether a box is open.
    pub fn box_open(&self) -> bool {
        self.open.is_some()
    }

    /// Puts back what the box covered and lets the child's output go on.
    pub fn close_box(&mut self, watcher: &Watcher) {
        let Some(open) = self.open.take() else {
            return;
        };
        term::write_overlay(restore(&watcher.view(open.rows)).as_bytes());
        // Dropping `open` releases the child's output, after the screen is back.
    }

    /// At exit: the box and the banner are gone, the user's title is back.
    pub fn finish(&mut self, watcher: &Watcher) {
        if !self.enabled {
            return;
        }
        self.close_box(watcher);
        let Some(_paused) = self.gate.pause(SEQUENCE_WAIT) else {
            return;
        };
        let mut out = String::new();
        if self.banner {
            out.push_str(&restore(&watcher.view(0..1)));
            self.banner = false;
        }
        if self.title_pushed {
            self.title_pushed = false;
            out.push_str("\x1b[23;0t");
        }
        term::write_overlay(out.as_bytes());
    }
}

/// `text` padded to exactly `cols` columns of display width, or, if wider, cut after the last
/// word that fits with `…` to say so.
fn fit(text: &str, cols: usize) -> String {
    let width_of = |s: &str| s.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    let mut out = String::new();
    if width_of(text) <= cols {
        out.push_str(text);
    } else {
        // Room for `…` and a space after it.
        let room = cols.saturating_sub(2);
        let mut width = 0;
        let mut last_space = None;
        let mut cut_in_word = false;
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if width + w > room {
                cut_in_word = c != ' ';
                break;
            }
            if c == ' ' {
                last_space = Some(out.len());
            }
            width += w;
            out.push(c);
        }
        // Back to the last space, unless that leaves too little of the text.
        if let Some(at) = last_space.filter(|&at| cut_in_word && at > out.len() / 2) {
            out.truncate(at);
        }
        out.push('…');
    }
    let width = width_of(&out);
    if width > cols {
        // Narrower than `…` itself.
        return " ".repeat(cols);
    }
    out.extend(std::iter::repeat_n(' ', cols - width));
    out
}

/// Before drawing: the cursor hidden, and the modes that would change where or how our text
/// lands (insert, origin, line drawing) off.
fn begin(view: &View, out: &mut String) {
    out.push_str("\x1b[?25l");
    if view.insert {
        out.push_str("\x1b[4l");
    }
    if view.origin {
        out.push_str("\x1b[?6l");
    }
    if view.charsets != Charsets::default() {
        out.push_str("\x1b(B\x0f");
    }
}

/// After drawing: the child's modes, cursor and pen as the view has them.
fn end(view: &View, out: &mut String) {
    if view.origin {
        out.push_str("\x1b[?6h");
    }
    let charsets = view.charsets;
    if charsets.g0_graphics {
        out.push_str("\x1b(0");
    }
    if charsets.shifted {
        out.push('\x0e');
    }
    let (row, col) = view.cursor;
    // CUP counts from the top margin in origin mode.
    let cup_row = if view.origin {
        row.saturating_sub(view.scroll_top)
    } else {
        row
    };
    let cells = &view.cursor_row;
    if view.pending_wrap && !cells.is_empty() {
        // The cursor sat past the last column: printing the last cell again puts it there.
        let last = cells.len().saturating_sub(1);
        let start = if cells.get(last).is_some_and(|c| c.0 == WIDE_RIGHT_HALF) {
            last.saturating_sub(1)
        } else {
            last
        };
        let _ = write!(out, "\x1b[{};{}H", cup_row + 1, start + 1);
        let (c, pen) = cells[start];
        out.push_str(&pen.sgr());
        out.push(c);
    } else {
        let _ = write!(out, "\x1b[{};{}H", cup_row + 1, col + 1);
    }
    out.push_str(&view.pen.sgr());
    if view.insert {
        out.push_str("\x1b[4h");
    }
    if view.cursor_visible {
        out.push_str("\x1b[?25h");
    }
}

/// Redraws the view's rows from the model's cells, then puts the child's state back.
pub fn restore(view: &View) -> String {
    let mut out = String::new();
    begin(view, &mut out);
    for (row, cells) in &view.lines {
        let _ = write!(out, "\x1b[{};1H", row + 1);
        // Trailing blanks as erasing left them are erased again, not written as spaces: a
        // terminal tells the two apart (copying text, reflowing on resize).
        let blank_from = cells
            .iter()
            .rposition(|&(c, pen)| c != ' ' || pen != pen.erased())
            .map_or(0, |last| last + 1);
        let mut pen: Option<Pen> = None;
        for &(c, cell_pen) in &cells[..blank_from] {
            if c == WIDE_RIGHT_HALF {
                continue;
            }
            if pen != Some(cell_pen) {
                out.push_str(&cell_pen.sgr());
                pen = Some(cell_pen);
            }
            out.push(c);
        }
        if let Some(&(_, blank)) = cells.get(blank_from) {
            out.push_str(&blank.sgr());
            out.push_str("\x1b[K");
        }
    }
    end(view, &mut out);
    out
}

/// A box with `lines` in the middle of the screen: the bytes that draw it and the rows it
/// covers. The view's state is put back after (the cursor stays hidden).
fn draw_box(view: &View, lines: &[String]) -> (String, std::ops::Range<usize>) {
    let widest = lines
        .iter()
        .map(|l| l.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>())
        .max()
        .unwrap_or(0);
    let inner = (widest + 2).min(view.cols.saturating_sub(2)).max(1);
    let width = inner + 2;
    let height = (lines.len() + 2).min(view.rows);
    let top = (view.rows - height) / 2;
    let left = view.cols.saturating_sub(width) / 2;
    let mut out = String::new();
    begin(view, &mut out);
    let row = |r: usize, text: String, out: &mut String| {
        let _ = write!(out, "\x1b[{};{}H\x1b[0;1;7m{text}", top + r + 1, left + 1);
    };
    row(0, format!("┌{}┐", "─".repeat(inner)), &mut out);
    for (i, line) in lines.iter().take(height.saturating_sub(2)).enumerate() {
        row(
            i + 1,
            format!("│{}│", fit(&format!(" {line}"), inner)),
            &mut out,
        );
    }
    row(height - 1, format!("└{}┘", "─".repeat(inner)), &mut out);
    let hidden = View {
        cursor_visible: false,
        ..view.clone()
    };
    end(&hidden, &mut out);
    (out, top..top + height)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompts::screen::Screen;

    fn screen(bytes: &[u8]) -> Screen {
        let mut s = Screen::new(20, 6);
        s.feed(bytes);
        s
    }

    /// Drawing over a screen and restoring it leaves a terminal (our own model standing in for
    /// one here; the end-to-end test uses tmux) exactly as it was, state included.
    #[test]
    fn a_box_and_its_restore_leave_the_screen_and_state_as_they_were() {
        let child =
            "\x1b[2;5r\x1b[?6h\x1b[4h\x1b(0\x1b[31;44mlqk\x1b(B\x1b[1;3mbold 日本\x1b[2;7H\x1b[32m";
        let term = screen(child.as_bytes());
        let before = term.view(0..6);
        let (drawn, rows) = draw_box(&term.view(0..0), &["Allow?".into()]);
        let mut after = screen(child.as_bytes());
        after.feed(drawn.as_bytes());
        assert!(after.text().contains("Allow?"), "{}", after.text());
        // Closing reads the model's view of the rows the box covered.
        after.feed(restore(&term.view(rows)).as_bytes());
        assert_eq!(after.view(0..6), before);
        // And it goes on as it would have.
        let mut plain = screen(child.as_bytes());
        plain.feed(b"more\r\nlines");
        after.feed(b"more\r\nlines");
        assert_eq!(after.view(0..6), plain.view(0..6));
    }

    #[test]
    fn a_pending_wrap_is_put_back() {
        let term = screen(b"\x1b[6;1H12345678901234567890");
        let before = term.view(0..6);
        assert!(before.pending_wrap);
        let mut after = screen(b"\x1b[6;1H12345678901234567890");
        after.feed(restore(&term.view(5..6)).as_bytes());
        assert_eq!(after.view(0..6), before);
    }

    #[test]
    fn a_banner_fits_the_width_exactly_and_is_cut_at_a_word() {
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("日本語", 6), "日本語");
        assert_eq!(fit("日本語です", 7), "日本…  ");
        assert_eq!(fit("abcdef", 4), "ab… ");
        assert_eq!(
            fit(" autoapprove: Ctrl-] resumes automation ", 30),
            " autoapprove: Ctrl-] resumes… "
        );
        for cols in 0..50 {
            let line = fit(" MANUAL_MODE: nothing is answered for you ", cols);
            assert_eq!(
                line.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>(),
                cols
            );
        }
    }
}
