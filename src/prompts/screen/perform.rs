//! What each control, escape and CSI sequence does to the grid: the [`Perform`] side of the
//! screen model. Printable text also goes to the text tail.

use crate::prompts::screen::grid::{Charsets, Grid};
use crate::prompts::screen::parser::{Params, Perform};
use crate::prompts::tail::Tail;

pub struct Performer<'a> {
    pub grid: &'a mut Grid,
    pub tail: &'a mut Tail,
}

/// The `i`th parameter, with 0 or absent meaning `default`.
fn param(params: &Params, i: usize, default: u16) -> u16 {
    params.first(i).filter(|&v| v != 0).unwrap_or(default)
}

impl Perform for Performer<'_> {
    // `execute` acts on BS, HT, LF, VT, FF, CR, SO and SI (0x08..=0x0F) only: the parser skips
    // the rest in text.
    const IDLE_CONTROLS: u32 = !(0xff << 0x08);

    fn print_narrow(&mut self, text: &[u8]) {
        self.grid.print_narrow(text);
        self.tail.push_narrow(text);
    }

    #[inline]
    fn print(&mut self, c: char, times: usize) {
        // Binary output is mostly runs of one.
        if times == 1 {
            self.grid.print(c);
            self.tail.push(c);
        } else {
            self.grid.print_repeated(c, times);
            self.tail.push_repeated(c, times);
        }
    }

    #[inline]
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
            // SO and SI: G1 or G0 in use.
            0x0e | 0x0f => g.set_charsets(Charsets {
                shifted: byte == 0x0e,
                ..g.charsets
            }),
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], action: u8) {
        let action = char::from(action);
        let n = usize::from(param(params, 0, 1));
        let (row, col) = self.grid.cursor;
        if matches!(
            action,
            'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'a' | 'd' | 'e' | 'f' | '`'
        ) && intermediates.is_empty()
        {
            cursor_move(self.grid, params, action, n);
            // Text drawn elsewhere is not joined to what was before it: a person sees it apart.
            let moved = self.grid.cursor;
            if moved.0 != row {
                self.tail.line_break();
            } else if moved.1 != col {
                self.tail.gap();
            }
            return;
        }
        let g = &mut *self.grid;
        if let [b'?'] = intermediates {
            if matches!(action, 'h' | 'l') {
                let on = action == 'h';
                for p in params.iter().filter_map(|p| p.first().copied()) {
                    match p {
                        47 | 1047 => g.set_alternate(on, false),
                        1049 => g.set_alternate(on, true),
                        6 => g.set_origin(on),
                        7 => g.autowrap = on,
                        25 => g.cursor_visible = on,
                        mode => {
                            g.input_modes.set(mode, on);
                        }
                    }
                }
            }
            return;
        }
        if !intermediates.is_empty() {
            return; // kitty keyboard (CSI > u), DECSCUSR (CSI SP q) and the like draw nothing
        }
        match action {
            'J' => g.erase_display(params.first(0).unwrap_or(0)),
            'K' => match params.first(0).unwrap_or(0) {
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
            'b' => g.repeat(n),
            'm' => {
                let mut pen = g.pen;
                pen.apply(params);
                g.set_pen(pen);
            }
            'h' | 'l' if params.iter().any(|p| p.first() == Some(&4)) => {
                g.set_insert(action == 'h');
            }
            'r' => {
                let top = usize::from(param(params, 0, 1)) - 1;
                let rows = u16::try_from(g.rows).unwrap_or(u16::MAX);
                let bottom = usize::from(param(params, 1, rows)).min(g.rows) - 1;
                g.set_margins(top, bottom);
            }
            's' => g.save_cursor(),
            'u' => g.restore_cursor(),
            _ => {}
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], byte: u8) {
        let g = &mut *self.grid;
        match intermediates {
            // Designating G0 or G1: `0` is DEC special graphics, anything else a text set.
            [b'('] => g.set_charsets(Charsets {
                g0_graphics: byte == b'0',
                ..g.charsets
            }),
            [b')'] => g.set_charsets(Charsets {
                g1_graphics: byte == b'0',
                ..g.charsets
            }),
            [] => match byte {
                b'7' => g.save_cursor(),
                b'8' => g.restore_cursor(),
                b'D' => g.linefeed(),
                b'E' => {
                    g.linefeed();
                    g.cursor.1 = 0;
                }
                b'M' => g.reverse_index(),
                b'c' => g.reset(),
                _ => {}
            },
            _ => {}
        }
    }
}

/// The cursor movements: CUU, CUD, CUF, CUB, CNL, CPL, CHA, CUP, VPA and their aliases.
fn cursor_move(g: &mut Grid, params: &Params, action: char, n: usize) {
    let (row, col) = g.cursor;
    match action {
        'A' => g.goto(row.saturating_sub(n), col),
        'B' | 'e' => g.goto(row + n, col),
        'C' | 'a' => g.goto(row, col + n),
        'D' => g.goto(row, col.saturating_sub(n)),
        'E' => g.goto(row + n, 0),
        'F' => g.goto(row.saturating_sub(n), 0),
        'G' | '`' => g.goto(row, n - 1),
        'd' => g.goto_origin(n - 1, col),
        _ => g.goto_origin(
            usize::from(param(params, 0, 1)) - 1,
            usize::from(param(params, 1, 1)) - 1,
        ),
    }
}
