//! The screen model: what the user's terminal shows, as a grid of characters, kept by feeding every
//! byte the child writes through a `vte` parser. Full-screen TUIs paint with cursor moves, so only
//! a model like this reads their prompts; the same parse also feeds the text [`Tail`].
//!
//! It keeps characters only (no colours): that is all prompt matching needs, and it keeps the
//! parse cheap. It never panics on any input or resize, and it does no I/O.

use unicode_width::UnicodeWidthChar;

use crate::prompts::tail::Tail;

/// Marks the cell covered by the right half of a wide character.
const WIDE_CONT: char = '\0';

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

/// The terminal model: parser, grid and tail.
pub struct Screen {
    parser: vte::Parser,
    grid: Grid,
    tail: Tail,
}

impl Screen {
    pub fn new(cols: u16, rows: u16) -> Self {
        Self {
            parser: vte::Parser::new(),
            grid: Grid::new(usize::from(cols), usize::from(rows)),
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
        self.grid.resize(usize::from(cols), usize::from(rows));
    }

    pub fn tail(&self) -> &Tail {
        &self.tail
    }

    /// The screen as logical lines, trailing blanks trimmed.
    pub fn snapshot(&self) -> Snapshot {
        let g = &self.grid;
        let buf = g.buffer();
        let mut lines = Vec::new();
        let mut cursor_line = 0;
        let mut current = String::new();
        let mut start_row = 0;
        for row in 0..g.rows {
            if current.is_empty() {
                start_row = row;
            }
            let cells = &buf.cells[row * g.cols..(row + 1) * g.cols];
            current.extend(cells.iter().filter(|&&c| c != WIDE_CONT));
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

#[derive(Clone)]
struct Buffer {
    cells: Vec<char>,
    /// `wrapped[r]`: row `r` ran into the right margin and continues on row `r + 1`.
    wrapped: Vec<bool>,
    saved_cursor: (usize, usize),
}

impl Buffer {
    fn new(cols: usize, rows: usize) -> Self {
        Self {
            cells: vec![' '; cols * rows],
            wrapped: vec![false; rows],
            saved_cursor: (0, 0),
        }
    }
}

struct Grid {
    cols: usize,
    rows: usize,
    /// The buffer on show (primary or alternate) and the other one, swapped on a switch, so the
    /// per-character path never asks which one is active.
    active: Buffer,
    inactive: Buffer,
    alt_active: bool,
    /// (row, col)
    cursor: (usize, usize),
    /// The cursor is past the last column; the next character wraps first.
    pending_wrap: bool,
    autowrap: bool,
    scroll_top: usize,
    scroll_bottom: usize,
    /// Rows that left the screen (scrolled off or erased), for [`Line::abs_row`].
    scrolled: u64,
    last_char: char,
}

impl Grid {
    fn new(cols: usize, rows: usize) -> Self {
        let (cols, rows) = (cols.max(1), rows.max(1));
        Self {
            cols,
            rows,
            active: Buffer::new(cols, rows),
            inactive: Buffer::new(cols, rows),
            alt_active: false,
            cursor: (0, 0),
            pending_wrap: false,
            autowrap: true,
            scroll_top: 0,
            scroll_bottom: rows - 1,
            scrolled: 0,
            last_char: ' ',
        }
    }

    fn buffer(&self) -> &Buffer {
        &self.active
    }

    fn buffer_mut(&mut self) -> &mut Buffer {
        &mut self.active
    }

    fn resize(&mut self, cols: usize, rows: usize) {
        let (cols, rows) = (cols.max(1), rows.max(1));
        let (old_cols, old_rows) = (self.cols, self.rows);
        for buf in [&mut self.active, &mut self.inactive] {
            let mut fresh = Buffer::new(cols, rows);
            // Keep the bottom rows when shrinking, as terminals do: that is where the cursor is.
            let skip = old_rows.saturating_sub(rows);
            for r in 0..old_rows.min(rows) {
                let n = old_cols.min(cols);
                let src = (r + skip) * old_cols;
                fresh.cells[r * cols..r * cols + n].copy_from_slice(&buf.cells[src..src + n]);
                fresh.wrapped[r] = buf.wrapped[r + skip] && cols == old_cols;
            }
            fresh.saved_cursor = (
                buf.saved_cursor.0.min(rows - 1),
                buf.saved_cursor.1.min(cols - 1),
            );
            *buf = fresh;
        }
        let skip = old_rows.saturating_sub(rows);
        self.scrolled += skip as u64;
        self.cols = cols;
        self.rows = rows;
        self.cursor = (
            self.cursor.0.saturating_sub(skip).min(rows - 1),
            self.cursor.1.min(cols - 1),
        );
        self.pending_wrap = false;
        self.scroll_top = 0;
        self.scroll_bottom = rows - 1;
    }

    // Per character of output: inlining it took plain text from 123 to 192 MB/s (benches/screen.rs).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn print(&mut self, c: char) {
        // The common case: an ASCII character with room on the row.
        if c.is_ascii() && !self.pending_wrap {
            let (row, col) = self.cursor;
            let cols = self.cols;
            if let Some(cell) = self.active.cells.get_mut(row * cols + col) {
                *cell = c;
                self.last_char = c;
                if col + 1 < cols {
                    self.cursor.1 = col + 1;
                } else {
                    self.pending_wrap = true;
                }
                return;
            }
        }
        self.print_slow(c);
    }

    fn print_slow(&mut self, c: char) {
        let width = if c.is_ascii() {
            1
        } else {
            match c.width() {
                Some(0) | None => return, // combining marks and controls take no cell
                Some(w) => w.min(2),
            }
        };
        if self.pending_wrap || (width == 2 && self.cursor.1 + 1 >= self.cols && self.cols > 1) {
            if self.autowrap {
                let row = self.cursor.0;
                self.buffer_mut().wrapped[row] = true;
                self.cursor.1 = 0;
                self.linefeed();
            } else {
                self.cursor.1 = self.cols.saturating_sub(width);
            }
            self.pending_wrap = false;
        }
        let (row, col) = self.cursor;
        let cols = self.cols;
        let cells = &mut self.buffer_mut().cells;
        cells[row * cols + col] = c;
        if width == 2 && col + 1 < cols {
            cells[row * cols + col + 1] = WIDE_CONT;
        }
        self.last_char = c;
        if col + width >= cols {
            self.cursor.1 = cols - 1;
            self.pending_wrap = true;
        } else {
            self.cursor.1 = col + width;
        }
    }

    fn linefeed(&mut self) {
        self.pending_wrap = false;
        if self.cursor.0 == self.scroll_bottom {
            self.scroll_up(1);
        } else if self.cursor.0 + 1 < self.rows {
            self.cursor.0 += 1;
        }
    }

    fn reverse_index(&mut self) {
        self.pending_wrap = false;
        if self.cursor.0 == self.scroll_top {
            self.scroll_down(1);
        } else {
            self.cursor.0 = self.cursor.0.saturating_sub(1);
        }
    }

    /// Scrolls the region up: rows leave at the top, blank rows enter at the bottom.
    fn scroll_up(&mut self, n: usize) {
        let (top, bottom, cols) = (self.scroll_top, self.scroll_bottom, self.cols);
        let n = n.min(bottom + 1 - top);
        let buf = self.buffer_mut();
        buf.cells
            .copy_within((top + n) * cols..(bottom + 1) * cols, top * cols);
        buf.cells[(bottom + 1 - n) * cols..(bottom + 1) * cols].fill(' ');
        buf.wrapped.copy_within((top + n)..=bottom, top);
        buf.wrapped[bottom + 1 - n..=bottom].fill(false);
        self.scrolled += n as u64;
    }

    /// Scrolls the region down: blank rows enter at the top.
    fn scroll_down(&mut self, n: usize) {
        let (top, bottom, cols) = (self.scroll_top, self.scroll_bottom, self.cols);
        let n = n.min(bottom + 1 - top);
        let buf = self.buffer_mut();
        buf.cells
            .copy_within(top * cols..(bottom + 1 - n) * cols, (top + n) * cols);
        buf.cells[top * cols..(top + n) * cols].fill(' ');
        buf.wrapped.copy_within(top..bottom + 1 - n, top + n);
        buf.wrapped[top..top + n].fill(false);
    }

    fn erase_cells(&mut self, row: usize, from: usize, to: usize) {
        let cols = self.cols;
        let (from, to) = (from.min(cols), to.min(cols));
        if from < to {
            self.buffer_mut().cells[row * cols + from..row * cols + to].fill(' ');
        }
        if to == cols {
            self.buffer_mut().wrapped[row] = false;
        }
    }

    fn erase_display(&mut self, mode: u16) {
        let (row, col) = self.cursor;
        match mode {
            0 => {
                self.erase_cells(row, col, self.cols);
                for r in row + 1..self.rows {
                    self.erase_cells(r, 0, self.cols);
                }
            }
            1 => {
                for r in 0..row {
                    self.erase_cells(r, 0, self.cols);
                }
                self.erase_cells(row, 0, col + 1);
            }
            _ => {
                for r in 0..self.rows {
                    self.erase_cells(r, 0, self.cols);
                }
                // Erased content is gone for good, as if scrolled away: prompts drawn after this
                // are new ones even at the same rows.
                self.scrolled += self.rows as u64;
            }
        }
    }

    fn insert_lines(&mut self, n: usize) {
        let row = self.cursor.0;
        if row < self.scroll_top || row > self.scroll_bottom {
            return;
        }
        let top = self.scroll_top;
        self.scroll_top = row;
        self.scroll_down(n);
        self.scroll_top = top;
        self.cursor.1 = 0;
    }

    fn delete_lines(&mut self, n: usize) {
        let row = self.cursor.0;
        if row < self.scroll_top || row > self.scroll_bottom {
            return;
        }
        let (top, scrolled) = (self.scroll_top, self.scrolled);
        self.scroll_top = row;
        self.scroll_up(n);
        self.scroll_top = top;
        self.scrolled = scrolled;
        self.cursor.1 = 0;
    }

    fn insert_chars(&mut self, n: usize) {
        let (row, col, cols) = (self.cursor.0, self.cursor.1, self.cols);
        let n = n.min(cols - col);
        let line = &mut self.buffer_mut().cells[row * cols..(row + 1) * cols];
        line.copy_within(col..cols - n, col + n);
        line[col..col + n].fill(' ');
    }

    fn delete_chars(&mut self, n: usize) {
        let (row, col, cols) = (self.cursor.0, self.cursor.1, self.cols);
        let n = n.min(cols - col);
        let line = &mut self.buffer_mut().cells[row * cols..(row + 1) * cols];
        line.copy_within(col + n..cols, col);
        line[cols - n..].fill(' ');
    }

    fn goto(&mut self, row: usize, col: usize) {
        self.cursor = (row.min(self.rows - 1), col.min(self.cols - 1));
        self.pending_wrap = false;
    }

    fn set_alternate(&mut self, on: bool) {
        if on == self.alt_active {
            return;
        }
        if on {
            self.active.saved_cursor = self.cursor;
            std::mem::swap(&mut self.active, &mut self.inactive);
            self.active = Buffer::new(self.cols, self.rows);
        } else {
            std::mem::swap(&mut self.active, &mut self.inactive);
            self.cursor = self.active.saved_cursor;
        }
        self.alt_active = on;
        self.scrolled += self.rows as u64;
        self.pending_wrap = false;
    }

    fn reset(&mut self) {
        let scrolled = self.scrolled + self.rows as u64;
        *self = Self::new(self.cols, self.rows);
        self.scrolled = scrolled;
    }
}

struct Performer<'a> {
    grid: &'a mut Grid,
    tail: &'a mut Tail,
}

/// The `i`th parameter, with 0 or absent meaning `default`.
fn param(params: &vte::Params, i: usize, default: u16) -> u16 {
    params
        .iter()
        .nth(i)
        .and_then(|p| p.first().copied())
        .filter(|&v| v != 0)
        .unwrap_or(default)
}

impl vte::Perform for Performer<'_> {
    // Per character of output: inlining it took plain text from 123 to 192 MB/s (benches/screen.rs).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn print(&mut self, c: char) {
        self.grid.print(c);
        self.tail.push(c);
    }

    fn execute(&mut self, byte: u8) {
        let g = &mut *self.grid;
        match byte {
            b'\n' | 0x0b | 0x0c => {
                g.linefeed();
                self.tail.push('\n');
            }
            b'\r' => {
                g.cursor.1 = 0;
                g.pending_wrap = false;
            }
            0x08 => {
                g.cursor.1 = g.cursor.1.saturating_sub(1);
                g.pending_wrap = false;
                self.tail.backspace();
            }
            b'\t' => {
                let next = (g.cursor.1 / 8 + 1) * 8;
                g.cursor.1 = next.min(g.cols - 1);
                self.tail.push(' ');
            }
            _ => {}
        }
    }

    fn csi_dispatch(
        &mut self,
        params: &vte::Params,
        intermediates: &[u8],
        ignore: bool,
        action: char,
    ) {
        if ignore {
            return;
        }
        let g = &mut *self.grid;
        let n = usize::from(param(params, 0, 1));
        let (row, col) = g.cursor;
        if let [b'?'] = intermediates {
            if matches!(action, 'h' | 'l') {
                let on = action == 'h';
                for p in params.iter().filter_map(|p| p.first().copied()) {
                    match p {
                        47 | 1047 | 1049 => g.set_alternate(on),
                        7 => g.autowrap = on,
                        _ => {}
                    }
                }
            }
            return;
        }
        if !intermediates.is_empty() {
            return; // kitty keyboard (CSI > u), DECSCUSR (CSI SP q) and the like draw nothing
        }
        match action {
            'A' => g.goto(row.saturating_sub(n), col),
            'B' | 'e' => g.goto(row + n, col),
            'C' | 'a' => g.goto(row, col + n),
            'D' => g.goto(row, col.saturating_sub(n)),
            'E' => g.goto(row + n, 0),
            'F' => g.goto(row.saturating_sub(n), 0),
            'G' | '`' => g.goto(row, n - 1),
            'd' => g.goto(n - 1, col),
            'H' | 'f' => g.goto(
                usize::from(param(params, 0, 1)) - 1,
                usize::from(param(params, 1, 1)) - 1,
            ),
            'J' => g.erase_display(params.iter().next().map_or(0, |p| p[0])),
            'K' => match params.iter().next().map_or(0, |p| p[0]) {
                0 => g.erase_cells(row, col, g.cols),
                1 => g.erase_cells(row, 0, col + 1),
                _ => g.erase_cells(row, 0, g.cols),
            },
            'X' => g.erase_cells(row, col, col + n),
            '@' => g.insert_chars(n),
            'P' => g.delete_chars(n),
            'L' => g.insert_lines(n),
            'M' => g.delete_lines(n),
            'S' => g.scroll_up(n),
            'T' => g.scroll_down(n),
            'b' => {
                let c = g.last_char;
                for _ in 0..n.min(g.cols * g.rows) {
                    g.print(c);
                }
            }
            'r' => {
                let top = usize::from(param(params, 0, 1)) - 1;
                let bottom =
                    usize::from(param(params, 1, u16::try_from(g.rows).unwrap_or(u16::MAX)))
                        .min(g.rows)
                        - 1;
                if top < bottom {
                    g.scroll_top = top;
                    g.scroll_bottom = bottom;
                    g.goto(0, 0);
                }
            }
            's' => g.buffer_mut().saved_cursor = g.cursor,
            'u' => {
                let (r, c) = g.buffer().saved_cursor;
                g.goto(r, c);
            }
            _ => {}
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], _ignore: bool, byte: u8) {
        if !intermediates.is_empty() {
            return; // character set selection and the like
        }
        let g = &mut *self.grid;
        match byte {
            b'7' => g.buffer_mut().saved_cursor = g.cursor,
            b'8' => {
                let (r, c) = g.buffer().saved_cursor;
                g.goto(r, c);
            }
            b'D' => g.linefeed(),
            b'E' => {
                g.linefeed();
                g.cursor.1 = 0;
            }
            b'M' => g.reverse_index(),
            b'c' => g.reset(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_tail_gets_the_printable_text() {
        let s = screen(b"\x1b[31mred\x1b[0m\r\nContinue? [y/n] ");
        assert_eq!(s.tail().text().0, "red\nContinue? [y/n] ");
    }
}
