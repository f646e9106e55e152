//! The character grid: cells (a character and its [`Pen`]), the cursor, margins and the modes
//! that change where characters land — autowrap, insert mode (IRM), origin mode (DECOM), the DEC
//! line-drawing character set — for the primary and the alternate screen.
//!
//! Everything is bounds-checked or clamped: no input or resize can make it panic.

use unicode_width::UnicodeWidthChar;

use crate::prompts::screen::parser::narrow_char;
use crate::prompts::screen::pen::{Palette, Pen, PenId};
use crate::utf8::stretch;

/// Marks the cell covered by the right half of a wide character.
pub const WIDE_CONT: char = '\0';

/// One cell: a character and the id of its pen, packed in one word (the character's code in
/// the low 32 bits, the pen's id above it), so printing a character is one store and erasing a
/// row or filling it with one character is a fill of words.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cell(u64);

impl Cell {
    const fn new(ch: char, pen: PenId) -> Self {
        Self(ch as u64 | (pen as u64) << 32)
    }

    /// What erasing with pen `pen` leaves.
    const fn blank(pen: PenId) -> Self {
        Self::new(' ', pen)
    }

    // Unpacking: the truncating casts take the fields out.
    #[allow(clippy::cast_possible_truncation)]
    pub fn ch(self) -> char {
        // Only ever made from a `char`.
        char::from_u32(self.0 as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
    }

    #[allow(clippy::cast_possible_truncation)]
    pub const fn pen(self) -> PenId {
        (self.0 >> 32) as PenId
    }
}

impl std::fmt::Debug for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Cell")
            .field(&self.ch())
            .field(&self.pen())
            .finish()
    }
}

/// How many recently set pens `Grid::set_pen` finds without hashing.
const RECENT: usize = 8;

/// What DECSC saves and DECRC restores.
#[derive(Debug, Clone, Copy, Default)]
pub struct Saved {
    pub cursor: (usize, usize),
    pub pen: Pen,
    pub origin: bool,
    pub pending_wrap: bool,
    pub charsets: Charsets,
}

/// The G0 and G1 character sets (ASCII or DEC special graphics) and which one is shifted in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Charsets {
    pub g0_graphics: bool,
    pub g1_graphics: bool,
    /// SO (shift out) selected G1.
    pub shifted: bool,
}

impl Charsets {
    pub fn graphics(self) -> bool {
        if self.shifted {
            self.g1_graphics
        } else {
            self.g0_graphics
        }
    }
}

/// One screen's cells. Rows are stored in any order: `map[r]` is where screen row `r` is kept,
/// so scrolling (the commonest thing a terminal does) rotates `map` instead of moving cells.
#[derive(Clone)]
pub struct Buffer {
    cols: usize,
    cells: Vec<Cell>,
    map: Vec<usize>,
    /// `wrapped[r]`: screen row `r` ran into the right margin and continues on row `r + 1`.
    pub wrapped: Vec<bool>,
    pub saved: Saved,
}

impl Buffer {
    fn new(cols: usize, rows: usize, pen: PenId) -> Self {
        Self {
            cols,
            cells: vec![Cell::blank(pen); cols * rows],
            map: (0..rows).collect(),
            wrapped: vec![false; rows],
            saved: Saved::default(),
        }
    }

    /// No cells: the alternate screen while it is not in use (it is made afresh on each switch).
    fn unused() -> Self {
        Self::new(0, 0, 0)
    }

    fn is_unused(&self) -> bool {
        self.map.is_empty()
    }

    /// Where screen row `row` starts in storage.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn start(&self, row: usize) -> usize {
        self.map.get(row).map_or(usize::MAX / 2, |r| r * self.cols)
    }

    /// Screen row `row`'s cells.
    pub fn row(&self, row: usize) -> &[Cell] {
        let start = self.start(row);
        &self.cells[start..start + self.cols]
    }

    fn row_mut(&mut self, row: usize) -> &mut [Cell] {
        let start = self.start(row);
        &mut self.cells[start..start + self.cols]
    }

    fn clear(&mut self, row: usize, from: usize, to: usize, blank: PenId) {
        self.row_mut(row)[from..to].fill(Cell::blank(blank));
    }

    /// Moves rows `top..=bottom` up by `n`: the top `n` rows' storage comes round to the bottom,
    /// where the caller writes them and sets their `wrapped` flags.
    fn rotate_up(&mut self, top: usize, bottom: usize, n: usize) {
        if n == 1 {
            // A line feed at the bottom, once per line of a flood: a copy, not the general
            // rotation (plain text 765 → 810 MB/s).
            let first = self.map[top];
            self.map.copy_within(top + 1..=bottom, top);
            self.map[bottom] = first;
            self.wrapped.copy_within(top + 1..=bottom, top);
        } else {
            self.map[top..=bottom].rotate_left(n);
            self.wrapped[top..=bottom].rotate_left(n);
        }
    }
}

/// Writes narrow text `text` into `cells` (as many as there are of both) with pen `pen`;
/// returns the last character written.
// Inlined: binary output hands over short runs, where a call costs as much as the cells.
#[allow(clippy::inline_always)]
#[inline(always)]
fn fill_narrow(cells: &mut [Cell], text: &[u8], pen: PenId) -> char {
    // Binary output is often one invalid byte over and over (0xFF): all U+FFFD, one fill. Not
    // looked for in short runs (random binary output), where looking costs more than it saves.
    let text = &text[..cells.len().min(text.len())];
    let invalid = |byte: u8| byte >= 0x7f;
    if text.len() >= 16 && invalid(text[0]) && stretch(text, invalid) == cells.len() {
        cells.fill(Cell::new(char::REPLACEMENT_CHARACTER, pen));
        return char::REPLACEMENT_CHARACTER;
    }
    // Zipped, not indexed: no bounds check per cell (plain text 810 → 930 MB/s).
    for (cell, &byte) in cells.iter_mut().zip(text) {
        *cell = Cell::new(narrow_char(byte), pen);
    }
    text.last().map_or(' ', |&byte| narrow_char(byte))
}

// Terminal modes are independent switches, as the terminal has them.
#[allow(clippy::struct_excessive_bools)]
pub struct Grid {
    pub cols: usize,
    pub rows: usize,
    /// The buffer on show (primary or alternate) and the other one, swapped on a switch, so the
    /// per-character path never asks which one is active. The alternate one has no cells while
    /// the primary is on show.
    pub active: Buffer,
    inactive: Buffer,
    pub alt_active: bool,
    /// (row, col)
    pub cursor: (usize, usize),
    /// The cursor is past the last column; the next character wraps first.
    pub pending_wrap: bool,
    pub autowrap: bool,
    pub insert: bool,
    pub origin: bool,
    pub cursor_visible: bool,
    /// Input modes the program turned on at the terminal (mouse reports, bracketed paste …).
    pub input_modes: InputModes,
    pub charsets: Charsets,
    /// Insert mode or line drawing is on: characters take the slow path.
    special: bool,
    /// The current pen, its id, and the id of what erasing with it leaves.
    pub pen: Pen,
    pen_id: PenId,
    blank_id: PenId,
    pub palette: Palette,
    /// The last pens set, with their ids: TUIs go back and forth between a few (a Claude Code
    /// frame cycles through five or six), so a miss replaces the oldest entry, never a hot one.
    recent: [(Pen, PenId, PenId); RECENT],
    recent_next: usize,
    pub scroll_top: usize,
    pub scroll_bottom: usize,
    /// Rows that left the screen (scrolled off or erased), for `Line::abs_row`.
    pub scrolled: u64,
    last_char: char,
    /// The last non-ASCII character printed, and its width.
    last_width: (char, usize),
}

/// The DEC private modes a program turns on to change what the terminal sends it, as the model
/// last saw them: each left on after the program ends would garble the shell's input (mouse
/// reports typed into the prompt, pasted text wrapped in escapes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputModes {
    /// Which of the mouse modes are on, by [`InputModes::MOUSE`] index.
    pub mouse: u8,
    pub bracketed_paste: bool,
    pub focus_events: bool,
    pub application_cursor: bool,
}

impl InputModes {
    /// The mouse tracking and encoding modes.
    pub const MOUSE: [u16; 7] = [9, 1000, 1002, 1003, 1005, 1006, 1015];

    /// Records `CSI ? mode h` (`on`) or `l`; false for a mode it does not track.
    pub fn set(&mut self, mode: u16, on: bool) -> bool {
        if let Some(i) = Self::MOUSE.iter().position(|&m| m == mode) {
            let bit = 1u8 << i;
            self.mouse = if on {
                self.mouse | bit
            } else {
                self.mouse & !bit
            };
            return true;
        }
        let flag = match mode {
            1 => &mut self.application_cursor,
            1004 => &mut self.focus_events,
            2004 => &mut self.bracketed_paste,
            _ => return false,
        };
        *flag = on;
        true
    }
}

impl Grid {
    pub fn new(cols: usize, rows: usize) -> Self {
        let (cols, rows) = (cols.max(1), rows.max(1));
        Self {
            cols,
            rows,
            active: Buffer::new(cols, rows, 0),
            inactive: Buffer::unused(),
            alt_active: false,
            cursor: (0, 0),
            pending_wrap: false,
            autowrap: true,
            insert: false,
            origin: false,
            cursor_visible: true,
            input_modes: InputModes::default(),
            charsets: Charsets::default(),
            special: false,
            pen: Pen::default(),
            pen_id: 0,
            blank_id: 0,
            palette: Palette::new(),
            recent: [(Pen::default(), 0, 0); RECENT],
            recent_next: 0,
            scroll_top: 0,
            scroll_bottom: rows - 1,
            scrolled: 0,
            last_char: ' ',
            last_width: (' ', 1),
        }
    }

    fn update_special(&mut self) {
        self.special = self.insert || self.charsets.graphics();
    }

    /// Makes `pen` the current pen.
    pub fn set_pen(&mut self, pen: Pen) {
        if pen == self.pen {
            return;
        }
        self.pen = pen;
        if let Some(&(_, id, blank)) = self.recent.iter().find(|r| r.0 == pen) {
            (self.pen_id, self.blank_id) = (id, blank);
            return;
        }
        self.pen_id = self.intern(pen);
        self.blank_id = self.intern(pen.erased());
        self.recent[self.recent_next] = (pen, self.pen_id, self.blank_id);
        self.recent_next = (self.recent_next + 1) % RECENT;
    }

    fn intern(&mut self, pen: Pen) -> PenId {
        if let Some(id) = self.palette.intern(pen) {
            return id;
        }
        self.compact_palette();
        // A screen whose every cell has a pen of its own can still fill it: draw plainly then.
        self.palette.intern(pen).unwrap_or(0)
    }

    /// Keeps only the pens on the screens (and the current ones), renumbered.
    #[cold]
    fn compact_palette(&mut self) {
        let old = std::mem::take(&mut self.palette);
        let mut remap = vec![PenId::MAX; old.len()];
        let mut mark = |id: PenId, new: &mut Palette| -> PenId {
            let slot = &mut remap[usize::from(id)];
            if *slot == PenId::MAX {
                *slot = new.intern(old.get(id)).unwrap_or(0);
            }
            *slot
        };
        let mut new = Palette::new();
        for buf in [&mut self.active, &mut self.inactive] {
            for cell in &mut buf.cells {
                *cell = Cell::new(cell.ch(), mark(cell.pen(), &mut new));
            }
        }
        self.pen_id = mark(self.pen_id, &mut new);
        self.blank_id = mark(self.blank_id, &mut new);
        self.palette = new;
        // Their ids changed.
        self.recent = [(Pen::default(), 0, 0); RECENT];
    }

    pub fn set_insert(&mut self, on: bool) {
        self.insert = on;
        self.update_special();
    }

    pub fn set_charsets(&mut self, charsets: Charsets) {
        self.charsets = charsets;
        self.update_special();
    }

    pub fn resize(&mut self, cols: usize, rows: usize) {
        let (cols, rows) = (cols.max(1), rows.max(1));
        let (old_cols, old_rows) = (self.cols, self.rows);
        let pen = self.blank_id;
        // Rows leave from the bottom when shrinking, down to the cursor's row, then from the top
        // (as tmux and xterm do): the cursor's row and what is above it stay put.
        let skip = (self.cursor.0 + 1).saturating_sub(rows);
        for buf in [&mut self.active, &mut self.inactive] {
            if buf.is_unused() {
                continue;
            }
            let mut fresh = Buffer::new(cols, rows, pen);
            for r in 0..old_rows.saturating_sub(skip).min(rows) {
                let n = old_cols.min(cols);
                fresh.row_mut(r)[..n].copy_from_slice(&buf.row(r + skip)[..n]);
                fresh.wrapped[r] = buf.wrapped[r + skip] && cols == old_cols;
            }
            fresh.saved = buf.saved;
            fresh.saved.cursor = (
                buf.saved.cursor.0.min(rows - 1),
                buf.saved.cursor.1.min(cols - 1),
            );
            *buf = fresh;
        }
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

    /// A run of narrow text: printable ASCII as itself, any other byte U+FFFD (`narrow_char`).
    pub fn print_narrow(&mut self, text: &[u8]) {
        let mut rest = text;
        while let Some(&first) = rest.first() {
            let stored = if self.pending_wrap || self.special {
                if self.wraps_at_region_bottom() {
                    return self.scroll_in(rest);
                }
                self.print(narrow_char(first));
                1
            } else {
                self.store_run(rest.len(), |cells, pen| fill_narrow(cells, rest, pen))
            };
            rest = &rest[stored..];
        }
    }

    /// Whether the next narrow character wraps from the bottom row of the scroll region, which
    /// then scrolls.
    fn wraps_at_region_bottom(&self) -> bool {
        self.pending_wrap && self.autowrap && !self.special && self.cursor.0 == self.scroll_bottom
    }

    /// Prints narrow `text` when [`Self::wraps_at_region_bottom`]: each row it fills wraps and
    /// scrolls the region once, so the region scrolls up by that many rows at once and its
    /// bottom rows take the text's last ones. Rows that would scroll away again are counted,
    /// not written: a flood of binary output (4 KiB a read, 51 rows at 80×24) writes 24.
    fn scroll_in(&mut self, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        let (top, bottom, cols) = (self.scroll_top, self.scroll_bottom, self.cols);
        let rows = text.len().div_ceil(cols);
        let kept = rows.min(bottom + 1 - top);
        let (pen, blank) = (self.pen_id, self.blank_id);
        let buf = &mut self.active;
        // The row the cursor was on runs on into the next.
        buf.wrapped[bottom] = true;
        buf.rotate_up(top, bottom, kept);
        let shown = &text[(rows - kept) * cols..];
        for (i, line) in shown.chunks(cols).enumerate() {
            let row = bottom + 1 - kept + i;
            let (written, rest) = buf.row_mut(row).split_at_mut(line.len().min(cols));
            self.last_char = fill_narrow(written, line, pen);
            rest.fill(Cell::blank(blank));
            buf.wrapped[row] = row < bottom;
        }
        self.scrolled += rows as u64;
        // The last row holds 1..=cols characters; a full one leaves a wrap pending.
        let last = shown.len() - (kept - 1) * cols;
        self.cursor.1 = last.min(cols - 1);
        self.pending_wrap = last == cols;
    }

    /// `c` `times` times in a row.
    pub fn print_repeated(&mut self, c: char, times: usize) {
        if times == 1 {
            return self.print(c);
        }
        let mut left = times;
        while left > 0 {
            let narrow = c.is_ascii() || self.last_width == (c, 1);
            left -= if narrow && !self.pending_wrap && !self.special {
                self.store_run(left, |cells, pen| {
                    cells.fill(Cell::new(c, pen));
                    c
                })
            } else {
                self.print(c);
                1
            };
        }
    }

    /// Stores up to `len` characters one cell wide (plain mode, no wrap pending) from the cursor
    /// to the end of its row, at once: `fill` writes them into the row's cells with the pen and
    /// returns the last one. Returns how many.
    fn store_run(&mut self, len: usize, fill: impl FnOnce(&mut [Cell], PenId) -> char) -> usize {
        let (row, col) = self.cursor;
        let cols = self.cols;
        let start = self.active.start(row) + col;
        let take = len.min(cols - col);
        let pen = self.pen_id;
        let Some(cells) = self.active.cells.get_mut(start..start + take) else {
            return len; // not reached: the cursor is always on the grid
        };
        self.last_char = fill(cells, pen);
        if col + take < cols {
            self.cursor.1 = col + take;
        } else {
            // Without autowrap the cursor stays on the last column, and the next character
            // overwrites it.
            self.cursor.1 = cols - 1;
            self.pending_wrap = self.autowrap;
        }
        take
    }

    /// One character (see `print_narrow` for runs of narrow text).
    #[inline]
    pub fn print(&mut self, c: char) {
        // The common case: a character one cell wide (ASCII, or the last non-ASCII one again:
        // box drawing, U+FFFD for invalid bytes) with room on the row, no special mode.
        if (c.is_ascii() || self.last_width == (c, 1)) && !self.pending_wrap && !self.special {
            let (row, col) = self.cursor;
            let cols = self.cols;
            let at = self.active.start(row) + col;
            if let Some(cell) = self.active.cells.get_mut(at) {
                *cell = Cell::new(c, self.pen_id);
                self.last_char = c;
                if col + 1 < cols {
                    self.cursor.1 = col + 1;
                } else {
                    // Without autowrap the cursor stays on the last column, and the next
                    // character overwrites it.
                    self.pending_wrap = self.autowrap;
                }
                return;
            }
        }
        self.print_slow(c);
    }

    #[inline(never)]
    fn print_slow(&mut self, c: char) {
        let c = if self.charsets.graphics() {
            line_drawing(c)
        } else {
            c
        };
        let width = if c.is_ascii() {
            1
        } else {
            // Output repeats its non-ASCII characters (box drawing, U+FFFD for every invalid
            // byte): the last one's width is kept.
            let w = if self.last_width.0 == c {
                self.last_width.1
            } else {
                let w = c.width().unwrap_or(0).min(2);
                self.last_width = (c, w);
                w
            };
            if w == 0 {
                return; // combining marks and controls take no cell
            }
            w
        };
        if self.pending_wrap || (width == 2 && self.cursor.1 + 1 >= self.cols && self.cols > 1) {
            if self.autowrap {
                let row = self.cursor.0;
                self.active.wrapped[row] = true;
                self.cursor.1 = 0;
                self.linefeed();
            } else {
                self.cursor.1 = self.cols.saturating_sub(width);
            }
            self.pending_wrap = false;
        }
        if self.insert {
            self.insert_chars(width);
        }
        let (row, col) = self.cursor;
        let cols = self.cols;
        let pen = self.pen_id;
        let cells = self.active.row_mut(row);
        cells[col] = Cell::new(c, pen);
        if width == 2 && col + 1 < cols {
            cells[col + 1] = Cell::new(WIDE_CONT, pen);
        }
        self.last_char = c;
        if col + width >= cols {
            self.cursor.1 = cols - 1;
            self.pending_wrap = self.autowrap;
        } else {
            self.cursor.1 = col + width;
        }
    }

    /// `REP`: the last character again, `n` times.
    pub fn repeat(&mut self, n: usize) {
        self.print_repeated(self.last_char, n.min(self.cols * self.rows));
    }

    pub fn linefeed(&mut self) {
        self.pending_wrap = false;
        if self.cursor.0 == self.scroll_bottom {
            self.scroll_up(1);
        } else if self.cursor.0 + 1 < self.rows {
            self.cursor.0 += 1;
        }
    }

    pub fn reverse_index(&mut self) {
        self.pending_wrap = false;
        if self.cursor.0 == self.scroll_top {
            self.scroll_down(1);
        } else {
            self.cursor.0 = self.cursor.0.saturating_sub(1);
        }
    }

    /// Scrolls the region up: rows leave at the top, blank rows enter at the bottom.
    pub fn scroll_up(&mut self, n: usize) {
        let (top, bottom, cols) = (self.scroll_top, self.scroll_bottom, self.cols);
        let n = n.min(bottom + 1 - top);
        let blank = self.blank_id;
        let buf = &mut self.active;
        buf.rotate_up(top, bottom, n);
        for row in bottom + 1 - n..=bottom {
            buf.clear(row, 0, cols, blank);
            buf.wrapped[row] = false;
        }
        self.scrolled += n as u64;
    }

    /// Scrolls the region down: blank rows enter at the top.
    pub fn scroll_down(&mut self, n: usize) {
        let (top, bottom, cols) = (self.scroll_top, self.scroll_bottom, self.cols);
        let n = n.min(bottom + 1 - top);
        let blank = self.blank_id;
        let buf = &mut self.active;
        buf.map[top..=bottom].rotate_right(n);
        buf.wrapped[top..=bottom].rotate_right(n);
        for row in top..top + n {
            buf.clear(row, 0, cols, blank);
            buf.wrapped[row] = false;
        }
    }

    pub fn erase_cells(&mut self, row: usize, from: usize, to: usize) {
        let cols = self.cols;
        let (from, to) = (from.min(cols), to.min(cols));
        let blank = self.blank_id;
        if from < to {
            self.active.clear(row, from, to, blank);
        }
        if to == cols {
            self.active.wrapped[row] = false;
        }
    }

    pub fn erase_display(&mut self, mode: u16) {
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

    pub fn insert_lines(&mut self, n: usize) {
        let row = self.cursor.0;
        if row < self.scroll_top || row > self.scroll_bottom {
            return;
        }
        let top = self.scroll_top;
        self.scroll_top = row;
        self.scroll_down(n);
        self.scroll_top = top;
        self.cursor.1 = 0;
        self.pending_wrap = false;
    }

    pub fn delete_lines(&mut self, n: usize) {
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
        self.pending_wrap = false;
    }

    pub fn insert_chars(&mut self, n: usize) {
        let (row, col, cols) = (self.cursor.0, self.cursor.1, self.cols);
        let n = n.min(cols - col);
        let blank = self.blank_id;
        let cells = self.active.row_mut(row);
        cells.copy_within(col..cols - n, col + n);
        cells[col..col + n].fill(Cell::blank(blank));
    }

    pub fn delete_chars(&mut self, n: usize) {
        let (row, col, cols) = (self.cursor.0, self.cursor.1, self.cols);
        let n = n.min(cols - col);
        let blank = self.blank_id;
        let cells = self.active.row_mut(row);
        cells.copy_within(col + n..cols, col);
        cells[cols - n..].fill(Cell::blank(blank));
    }

    /// Moves the cursor to a screen position, clamped to the screen.
    pub fn goto(&mut self, row: usize, col: usize) {
        self.cursor = (row.min(self.rows - 1), col.min(self.cols - 1));
        self.pending_wrap = false;
    }

    /// Moves the cursor as CUP and VPA do: in origin mode, rows count from the top margin and
    /// stay within the margins.
    pub fn goto_origin(&mut self, row: usize, col: usize) {
        if self.origin {
            let row = (self.scroll_top + row).min(self.scroll_bottom);
            self.goto(row, col);
        } else {
            self.goto(row, col);
        }
    }

    /// DECSTBM: the scroll region, then the cursor goes home.
    pub fn set_margins(&mut self, top: usize, bottom: usize) {
        if top < bottom && bottom < self.rows {
            self.scroll_top = top;
            self.scroll_bottom = bottom;
            self.goto_origin(0, 0);
        }
    }

    pub fn set_origin(&mut self, on: bool) {
        self.origin = on;
        self.goto_origin(0, 0);
    }

    pub fn save_cursor(&mut self) {
        self.active.saved = Saved {
            cursor: self.cursor,
            pen: self.pen,
            origin: self.origin,
            pending_wrap: self.pending_wrap,
            charsets: self.charsets,
        };
    }

    pub fn restore_cursor(&mut self) {
        let saved = self.active.saved;
        self.goto(saved.cursor.0, saved.cursor.1);
        self.pending_wrap = saved.pending_wrap && saved.cursor.1 + 1 == self.cols;
        self.set_pen(saved.pen);
        self.origin = saved.origin;
        self.set_charsets(saved.charsets);
    }

    pub fn set_alternate(&mut self, on: bool, save_cursor: bool) {
        if on == self.alt_active {
            return;
        }
        if on {
            if save_cursor {
                self.save_cursor();
            }
            std::mem::swap(&mut self.active, &mut self.inactive);
            self.active = Buffer::new(self.cols, self.rows, self.blank_id);
        } else {
            std::mem::swap(&mut self.active, &mut self.inactive);
            // The alternate screen's cells are never shown again: the next switch starts blank.
            self.inactive = Buffer::unused();
            if save_cursor {
                self.restore_cursor();
            }
        }
        self.alt_active = on;
        self.scrolled += self.rows as u64;
        self.pending_wrap = false;
    }

    pub fn reset(&mut self) {
        let scrolled = self.scrolled + self.rows as u64;
        *self = Self::new(self.cols, self.rows);
        self.scrolled = scrolled;
    }
}

/// The DEC special graphics character for `c` (`ESC ( 0`): box drawing and a few symbols.
fn line_drawing(c: char) -> char {
    const TABLE: &str = "◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·";
    match c {
        '_' => ' ',
        '`'..='~' => TABLE.chars().nth(c as usize - '`' as usize).unwrap_or(c),
        _ => c,
    }
}
