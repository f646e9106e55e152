//! The screen model: what the user's terminal shows, kept by feeding every byte the child writes
//! through a [`parser`] into a `grid` of cells — characters with their colours and attributes
//! ([`pen`]). Full-screen TUIs paint with cursor moves, so only a model like this reads their
//! prompts; the same parse also feeds the text [`Tail`]. The overlay reads a [`View`] of it to put
//! back exactly what it drew over.
//!
//! It never panics on any input or resize, and it does no I/O.

mod grid;
mod parser;
pub mod pen;
mod perform;

use std::fmt::Write as _;

pub use grid::{Charsets, InputModes};
use grid::{Grid, WIDE_CONT};
pub use pen::Pen;
use perform::Performer;

use crate::prompts::tail::Tail;

/// One logical line of the screen: physical rows joined where the terminal wrapped them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// A position that survives scrolling: rows scrolled or erased so far, plus the first row.
    pub abs_row: u64,
    pub text: String,
}

/// What the screen shows, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub lines: Vec<Line>,
    /// The index in `lines` of the line holding the cursor.
    pub cursor_line: usize,
    /// Whether the alternate screen (used by full-screen programs) is showing.
    pub alternate: bool,
}

/// Everything needed to draw part of the screen again and put the terminal's state back as the
/// child left it: some rows' cells, the cursor, the pen and the modes that change drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct View {
    pub cols: usize,
    pub rows: usize,
    /// The rows asked for, each with its cells; the right half of a wide character is `'\0'`.
    pub lines: Vec<(usize, Vec<(char, Pen)>)>,
    /// (row, col), on the screen (not relative to the margins).
    pub cursor: (usize, usize),
    /// The cells of the cursor's row (to put a pending wrap back by printing its last cell).
    pub cursor_row: Vec<(char, Pen)>,
    pub pending_wrap: bool,
    pub pen: Pen,
    pub cursor_visible: bool,
    /// The alternate screen is shown.
    pub alternate: bool,
    pub input_modes: InputModes,
    pub insert: bool,
    pub origin: bool,
    pub autowrap: bool,
    pub scroll_top: usize,
    pub charsets: Charsets,
}

impl View {
    /// What to write to the user's terminal to undo the modes the program left on when it ended:
    /// mouse reports, bracketed paste, focus events and application cursor keys off, the
    /// alternate screen left, the cursor shown. Empty when it left none on.
    pub fn modes_reset(&self) -> String {
        let modes = &self.input_modes;
        let mut off: Vec<u16> = InputModes::MOUSE
            .iter()
            .enumerate()
            .filter(|(i, _)| modes.mouse & (1 << i) != 0)
            .map(|(_, &m)| m)
            .collect();
        for (on, mode) in [
            (modes.bracketed_paste, 2004),
            (modes.focus_events, 1004),
            (modes.application_cursor, 1),
        ] {
            if on {
                off.push(mode);
            }
        }
        let mut out = String::new();
        for mode in off {
            let _ = write!(out, "\x1b[?{mode}l");
        }
        if self.alternate {
            out.push_str("\x1b[?1049l");
        }
        if !self.cursor_visible {
            out.push_str("\x1b[?25h");
        }
        out
    }
}

/// The right half of a wide character in a [`View`]'s cells.
pub const WIDE_RIGHT_HALF: char = WIDE_CONT;

/// The terminal model: parser, grid and tail.
pub struct Screen {
    parser: parser::Parser,
    grid: Grid,
    tail: Tail,
}

/// The largest window the model keeps: a terminal may report 65535×65535, and two grids of that
/// would be gigabytes. Text beyond it (past column 1024, below row 512) is not modelled; the
/// program still gets the real size.
pub const MAX_COLS: u16 = 1024;
pub const MAX_ROWS: u16 = 512;

fn capped(cols: u16, rows: u16) -> (usize, usize) {
    (
        usize::from(cols.min(MAX_COLS)),
        usize::from(rows.min(MAX_ROWS)),
    )
}

impl Screen {
    pub fn new(cols: u16, rows: u16) -> Self {
        let (cols, rows) = capped(cols, rows);
        Self {
            parser: parser::Parser::new(),
            grid: Grid::new(cols, rows),
            tail: Tail::default(),
        }
    }

    /// Feeds bytes the child wrote, in any chunking.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut performer = Performer {
            grid: &mut self.grid,
            tail: &mut self.tail,
        };
        self.parser.advance(&mut performer, bytes);
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        let (cols, rows) = capped(cols, rows);
        self.grid.resize(cols, rows);
    }

    pub fn tail(&self) -> &Tail {
        &self.tail
    }

    /// Rows `rows` (clamped to the screen) and the state around them.
    pub fn view(&self, rows: std::ops::Range<usize>) -> View {
        let g = &self.grid;
        let buf = &g.active;
        let cells = |row: usize| -> Vec<(char, Pen)> {
            buf.row(row)
                .iter()
                .map(|cell| (cell.ch(), g.palette.get(cell.pen())))
                .collect()
        };
        let lines = (rows.start.min(g.rows)..rows.end.min(g.rows))
            .map(|row| (row, cells(row)))
            .collect();
        View {
            cols: g.cols,
            rows: g.rows,
            lines,
            cursor: g.cursor,
            cursor_row: cells(g.cursor.0),
            pending_wrap: g.pending_wrap,
            pen: g.pen,
            cursor_visible: g.cursor_visible,
            alternate: g.alt_active,
            input_modes: g.input_modes,
            insert: g.insert,
            origin: g.origin,
            autowrap: g.autowrap,
            scroll_top: g.scroll_top,
            charsets: g.charsets,
        }
    }

    /// The screen as logical lines, trailing blanks trimmed.
    pub fn snapshot(&self) -> Snapshot {
        let g = &self.grid;
        let buf = &g.active;
        let mut lines = Vec::new();
        let mut cursor_line = 0;
        let mut current = String::new();
        let mut start_row = 0;
        for row in 0..g.rows {
            if current.is_empty() {
                start_row = row;
            }
            current.extend(
                buf.row(row)
                    .iter()
                    .map(|cell| cell.ch())
                    .filter(|&c| c != WIDE_CONT),
            );
            if row == g.cursor.0 {
                cursor_line = lines.len();
            }
            let wraps = buf.wrapped[row] && row + 1 < g.rows;
            if !wraps {
                let text = current.trim_end().to_owned();
                current.clear();
                lines.push(Line {
                    abs_row: g.scrolled + start_row as u64,
                    text,
                });
            }
        }
        Snapshot {
            lines,
            cursor_line,
            alternate: g.alt_active,
        }
    }

    /// The whole screen as text, one logical line per line (for tests and diagnostics).
    pub fn text(&self) -> String {
        let snap = self.snapshot();
        let mut out: Vec<&str> = snap.lines.iter().map(|l| l.text.as_str()).collect();
        while out.last().is_some_and(|l| l.is_empty()) {
            out.pop();
        }
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompts::screen::parser::Perform;

    #[test]
    fn invalid_utf8_reads_the_same_in_any_chunking() {
        let bytes: &[u8] =
            b"ok \xff\xfe \x1b[1mbold\x1b[0m \xe2\x9d\xaf \xe2\x9d caf\xc3\xa9 \x9b\xc0\x80 end";
        let mut whole = Screen::new(80, 24);
        whole.feed(bytes);
        let mut bytewise = Screen::new(80, 24);
        for b in bytes {
            bytewise.feed(std::slice::from_ref(b));
        }
        assert_eq!(whole.view(0..1), bytewise.view(0..1));
        let text: String = whole.view(0..1).lines[0]
            .1
            .iter()
            .map(|(c, _)| *c)
            .collect();
        assert!(
            text.starts_with("ok \u{fffd}\u{fffd} bold \u{276f} \u{fffd}"),
            "{text:?}"
        );
        assert!(text.contains("café"), "{text:?}");
    }

    /// The controls the parser skips in text are the ones that do nothing: inside a sequence,
    /// where it executes them, each leaves the screen and the text as they were. (CAN, SUB
    /// and ESC are the parser's own there: they end the sequence.)
    #[test]
    fn the_controls_skipped_in_text_do_nothing() {
        let read = |bytes: &[u8]| {
            let mut screen = Screen::new(20, 4);
            screen.feed(bytes);
            (screen.view(0..4), screen.tail().text().0.into_owned())
        };
        let plain = read(b"ab\x1b[mcd");
        let idle = (0u8..0x20).filter(|&c| Performer::IDLE_CONTROLS >> c & 1 == 1);
        for control in idle.filter(|c| ![0x18, 0x1a, 0x1b].contains(c)) {
            let with = read(&[b"ab\x1b[".as_slice(), &[control], b"mcd"].concat());
            assert_eq!(with, plain, "control {control:#04x}");
        }
        assert_ne!(read(b"ab\x1b[\x08mcd"), plain, "an acting control does act");
    }

    /// Shrinking the window drops rows below the cursor first (as tmux does), so a prompt being
    /// drawn at the top keeps its start (it lost it when the bottom rows were always kept).
    #[test]
    fn a_shrinking_window_keeps_the_cursors_row() {
        let mut s = Screen::new(100, 30);
        s.feed(b"\x1bcProceed with s");
        s.resize(80, 24);
        s.feed(b"tep 7? [y/n] ");
        assert_eq!(s.text(), "Proceed with step 7? [y/n]");
        // A cursor below the new bottom still scrolls the top rows away.
        let mut s = Screen::new(20, 5);
        s.feed(b"one\r\ntwo\r\nthree\r\nfour\r\nfive");
        s.resize(20, 3);
        assert_eq!(s.text(), "three\nfour\nfive");
        assert_eq!(s.snapshot().lines[0].abs_row, 2);
    }

    #[test]
    fn the_model_is_capped_whatever_the_window_reports() {
        let mut s = Screen::new(u16::MAX, u16::MAX);
        let v = s.view(0..0);
        assert_eq!((v.cols, v.rows), (1024, 512));
        s.resize(100, 30);
        s.resize(u16::MAX, 1);
        let v = s.view(0..0);
        assert_eq!((v.cols, v.rows), (1024, 1));
        s.feed(b"still works");
        assert_eq!(s.view(0..1).lines[0].1[0].0, 's');
    }

    #[test]
    fn modes_left_on_are_undone_and_only_those() {
        let s = screen(b"\x1b[?1049h\x1b[?1000h\x1b[?1006h\x1b[?2004h\x1b[?25l\x1b[?1000l");
        assert_eq!(
            s.view(0..0).modes_reset(),
            "\x1b[?1006l\x1b[?2004l\x1b[?1049l\x1b[?25h"
        );
        let s = screen(b"\x1b[?1049h\x1b[?1002h\x1b[?1049l\x1b[?1002l\x1b[?1h\x1b[?1004h");
        assert_eq!(s.view(0..0).modes_reset(), "\x1b[?1004l\x1b[?1l");
        assert_eq!(screen(b"plain output\r\n").view(0..0).modes_reset(), "");
    }

    fn screen(bytes: &[u8]) -> Screen {
        let mut s = Screen::new(20, 5);
        s.feed(bytes);
        s
    }

    #[test]
    fn plain_lines_and_cursor() {
        let s = screen(b"hello\r\nworld");
        assert_eq!(s.text(), "hello\nworld");
        let snap = s.snapshot();
        assert_eq!(snap.cursor_line, 1);
        assert!(!snap.alternate);
    }

    #[test]
    fn words_placed_with_cursor_moves_read_as_the_user_sees_them() {
        // Ink-style: words written at absolute columns, rows reached with CR + cursor down.
        let s = screen(b"\x1b[?1049h\x1b[2;3HDo\x1b[6Gyou\x1b[10Gwant?\r\x1b[1B\x1b[3G1. Yes");
        assert_eq!(s.text(), "\n  Do you want?\n  1. Yes");
        assert!(s.snapshot().alternate);
    }

    #[test]
    fn soft_wrapped_rows_join_into_one_line() {
        let mut s = Screen::new(10, 4);
        s.feed(b"rm -rf /tmp/abcdefgh\r\nnext");
        let snap = s.snapshot();
        assert_eq!(snap.lines[0].text, "rm -rf /tmp/abcdefgh");
        assert_eq!(snap.lines[1].text, "next");
    }

    #[test]
    fn scrolling_moves_absolute_rows_forward() {
        let mut s = Screen::new(10, 2);
        s.feed(b"a\r\nb\r\nc");
        let snap = s.snapshot();
        assert_eq!(snap.lines[1].text, "c");
        assert_eq!(snap.lines[1].abs_row, 2);
    }

    #[test]
    fn erase_and_overwrite() {
        let s = screen(b"abcdef\r\x1b[3Cx\x1b[K\r\nline2\x1b[1;1H\x1b[2K");
        assert_eq!(s.text(), "\nline2");
    }

    #[test]
    fn wide_characters_take_two_cells() {
        let s = screen("❯ 日本\r\n".as_bytes());
        assert_eq!(s.text(), "❯ 日本");
    }

    #[test]
    fn leaving_the_alternate_screen_restores_the_primary() {
        let s = screen(b"shell$ \x1b[?1049h\x1b[Hfull screen\x1b[?1049l");
        assert_eq!(s.text(), "shell$");
        assert_eq!(s.snapshot().cursor_line, 0);
    }

    #[test]
    fn resize_never_panics_and_keeps_the_bottom() {
        let mut s = Screen::new(10, 4);
        s.feed("1\r\n2\r\n3\r\n4日本語テキスト".as_bytes());
        s.resize(3, 2);
        s.feed(b"xyz\r\n");
        s.resize(200, 100);
        s.resize(1, 1);
        s.feed("日本".as_bytes());
        s.resize(80, 24);
        // What survived each step: the 1×1 screen kept only its last character.
        assert_eq!(s.text(), "本");
        let mut s = Screen::new(10, 4);
        s.feed(b"1\r\n2\r\n3\r\n4567890abc");
        s.resize(3, 2);
        assert_eq!(s.text(), "3\n456", "the bottom rows, cut at the new width");
        s.feed(b"\r\nxyz");
        assert_eq!(s.text(), "456\nxyz", "the cursor stayed on the bottom row");
    }

    #[test]
    fn cells_keep_their_colours_and_erasing_keeps_the_background() {
        let s = screen(b"\x1b[1;31mA\x1b[44m\x1b[K");
        let v = s.view(0..1);
        let (a, pen) = v.lines[0].1[0];
        assert_eq!(a, 'A');
        assert_eq!(
            (pen.fg, pen.attrs),
            (pen::Color::indexed(1), pen::attr::BOLD)
        );
        let (blank, erased) = v.lines[0].1[5];
        assert_eq!(blank, ' ');
        assert_eq!(
            erased,
            Pen {
                bg: pen::Color::indexed(4),
                ..Pen::default()
            }
        );
        assert_eq!(v.pen.bg, pen::Color::indexed(4));
    }

    #[test]
    fn pens_past_the_palette_limit_are_kept_for_the_cells_on_screen() {
        let mut screen = Screen::new(20, 2);
        // Far more colours than the palette holds, each written over the same cell.
        let count = u32::try_from(pen::Palette::LIMIT).unwrap() * 2;
        for i in 0..count {
            let [_, red, green, blue] = i.to_be_bytes();
            screen.feed(format!("\x1b[H\x1b[38;2;{red};{green};{blue}mx").as_bytes());
        }
        screen.feed(b"\x1b[31my");
        let view = screen.view(0..1);
        let [_, red, green, blue] = (count - 1).to_be_bytes();
        assert_eq!(view.lines[0].1[0].1.fg, pen::Color::rgb(red, green, blue));
        assert_eq!(view.lines[0].1[1].1.fg, pen::Color::indexed(1));
    }

    #[test]
    fn insert_mode_pushes_the_row_right() {
        let s = screen(b"abcdef\r\x1b[4hXY\x1b[4l");
        assert_eq!(s.text(), "XYabcdef");
        assert!(!s.view(0..0).insert);
    }

    #[test]
    fn origin_mode_counts_rows_from_the_top_margin() {
        let s = screen(b"\x1b[2;4r\x1b[?6h\x1b[1;1Htop\x1b[9;1Hlow");
        assert_eq!(
            s.text(),
            "\ntop\n\nlow",
            "row 1 is the margin's first, rows stay inside"
        );
        let v = s.view(0..0);
        assert!(v.origin);
        assert_eq!((v.cursor, v.scroll_top), ((3, 3), 1));
    }

    #[test]
    fn line_drawing_characters_read_as_what_the_terminal_shows() {
        let s = screen(b"\x1b(0lqk\x1b(B ok");
        assert_eq!(s.text(), "┌─┐ ok");
        let s = screen(b"\x1b)0a\x0eqq\x0fq");
        assert_eq!(s.text(), "a──q");
    }

    #[test]
    fn the_saved_cursor_keeps_the_pen() {
        let s = screen(b"\x1b[32m\x1b7\x1b[0;5;5H\x1b[m\x1b8x");
        let v = s.view(0..1);
        assert_eq!(v.lines[0].1[0].1.fg, pen::Color::indexed(2));
        assert_eq!(v.cursor, (0, 1));
    }

    #[test]
    fn the_tail_gets_the_printable_text() {
        let s = screen(b"\x1b[31mred\x1b[0m\r\nContinue? [y/n] ");
        assert_eq!(s.tail().text().0, "red\nContinue? [y/n] ");
    }
}
