//! How a cell is drawn: colours and attributes as SGR (`CSI … m`) sets them, and the SGR that
//! draws a cell that way again (the overlay's restore).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};

use crate::prompts::screen::parser::Params;

/// A colour as the terminal was told it, packed in four bytes (a kind and its value) so pens
/// compare and hash as plain integers — they do at every colour change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Color(u32);

/// What a [`Color`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorKind {
    Default,
    Indexed(u8),
    Rgb(u8, u8, u8),
}

impl Color {
    pub const DEFAULT: Self = Self(0);
    const INDEXED: u32 = 1 << 24;
    const RGB: u32 = 2 << 24;

    pub const fn indexed(n: u8) -> Self {
        Self(Self::INDEXED | n as u32)
    }

    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self(Self::RGB | (r as u32) << 16 | (g as u32) << 8 | b as u32)
    }

    pub fn kind(self) -> ColorKind {
        let [tag, r, g, b] = self.0.to_be_bytes();
        match tag {
            1 => ColorKind::Indexed(b),
            2 => ColorKind::Rgb(r, g, b),
            _ => ColorKind::Default,
        }
    }
}

/// Attribute bits of [`Pen::attrs`].
pub mod attr {
    pub const BOLD: u16 = 1;
    pub const DIM: u16 = 1 << 1;
    pub const ITALIC: u16 = 1 << 2;
    pub const BLINK: u16 = 1 << 3;
    pub const INVERSE: u16 = 1 << 4;
    pub const HIDDEN: u16 = 1 << 5;
    pub const STRIKE: u16 = 1 << 6;
    pub const OVERLINE: u16 = 1 << 7;
}

/// Colours and attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Pen {
    pub fg: Color,
    pub bg: Color,
    pub underline_color: Color,
    pub attrs: u16,
    /// 0 none, 1 single, 2 double, 3 curly, 4 dotted, 5 dashed.
    pub underline: u8,
}

impl Pen {
    /// What erasing leaves behind: blank cells in the current background (as xterm and tmux do).
    #[must_use]
    pub fn erased(self) -> Self {
        Self {
            bg: self.bg,
            ..Self::default()
        }
    }

    /// Applies an SGR sequence's parameters.
    pub fn apply(&mut self, params: &Params) {
        if params.is_empty() {
            *self = Self::default();
            return;
        }
        // No allocation: TUIs send SGR for nearly every run of text.
        let mut groups = params.iter();
        while let Some(group) = groups.next() {
            let on = |pen: &mut Self, bit: u16| pen.attrs |= bit;
            let off = |pen: &mut Self, bit: u16| pen.attrs &= !bit;
            match group[0] {
                0 => *self = Self::default(),
                1 => on(self, attr::BOLD),
                2 => on(self, attr::DIM),
                3 => on(self, attr::ITALIC),
                4 => {
                    self.underline = group
                        .get(1)
                        .map_or(1, |&s| u8::try_from(s.min(5)).unwrap_or(1));
                }
                5 | 6 => on(self, attr::BLINK),
                7 => on(self, attr::INVERSE),
                8 => on(self, attr::HIDDEN),
                9 => on(self, attr::STRIKE),
                21 => self.underline = 2,
                22 => off(self, attr::BOLD | attr::DIM),
                23 => off(self, attr::ITALIC),
                24 => self.underline = 0,
                25 => off(self, attr::BLINK),
                27 => off(self, attr::INVERSE),
                28 => off(self, attr::HIDDEN),
                29 => off(self, attr::STRIKE),
                n @ 30..=37 => self.fg = Color::indexed(index(n - 30)),
                38 => self.fg = extended(group, &mut groups),
                39 => self.fg = Color::DEFAULT,
                n @ 40..=47 => self.bg = Color::indexed(index(n - 40)),
                48 => self.bg = extended(group, &mut groups),
                49 => self.bg = Color::DEFAULT,
                53 => on(self, attr::OVERLINE),
                55 => off(self, attr::OVERLINE),
                58 => self.underline_color = extended(group, &mut groups),
                59 => self.underline_color = Color::DEFAULT,
                n @ 90..=97 => self.fg = Color::indexed(index(n - 90 + 8)),
                n @ 100..=107 => self.bg = Color::indexed(index(n - 100 + 8)),
                _ => {}
            }
        }
    }

    /// The SGR sequence that sets exactly this pen, starting from a reset.
    pub fn sgr(&self) -> String {
        let mut out = String::from("\x1b[0");
        for (bit, code) in [
            (attr::BOLD, "1"),
            (attr::DIM, "2"),
            (attr::ITALIC, "3"),
            (attr::BLINK, "5"),
            (attr::INVERSE, "7"),
            (attr::HIDDEN, "8"),
            (attr::STRIKE, "9"),
            (attr::OVERLINE, "53"),
        ] {
            if self.attrs & bit != 0 {
                out.push(';');
                out.push_str(code);
            }
        }
        match self.underline {
            0 => {}
            1 => out.push_str(";4"),
            style => {
                let _ = write!(out, ";4:{style}");
            }
        }
        color(&mut out, self.fg, 30, 90, 38);
        color(&mut out, self.bg, 40, 100, 48);
        color(&mut out, self.underline_color, 0, 0, 58);
        out.push('m');
        out
    }
}

/// A cell's pen, as an index into the [`Palette`]: two bytes a cell instead of sixteen, so
/// printing and erasing store little.
pub type PenId = u16;

/// The pens in use, each once. Id 0 is the default pen.
#[derive(Debug, Clone)]
pub struct Palette {
    pens: Vec<Pen>,
    ids: HashMap<Pen, PenId, BuildHasherDefault<PenHasher>>,
}

/// A multiply-rotate hash (as rustc's `FxHasher`): pens are hashed at every colour change, where
/// `SipHash`'s protection against chosen keys buys nothing and cost a fifth of the parse.
#[derive(Default)]
pub struct PenHasher(u64);

impl Hasher for PenHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

impl Palette {
    /// How many pens it holds before the grid compacts it to the ones on screen.
    pub const LIMIT: usize = 4096;

    pub fn new() -> Self {
        let mut palette = Self {
            pens: Vec::new(),
            ids: HashMap::default(),
        };
        palette.intern(Pen::default());
        palette
    }

    /// The id of `pen`, added if new; `None` when the palette is full.
    pub fn intern(&mut self, pen: Pen) -> Option<PenId> {
        if let Some(&id) = self.ids.get(&pen) {
            return Some(id);
        }
        if self.pens.len() >= Self::LIMIT {
            return None;
        }
        let id = PenId::try_from(self.pens.len()).ok()?;
        self.pens.push(pen);
        self.ids.insert(pen, id);
        Some(id)
    }

    pub fn get(&self, id: PenId) -> Pen {
        self.pens.get(usize::from(id)).copied().unwrap_or_default()
    }

    pub(super) fn len(&self) -> usize {
        self.pens.len()
    }
}

impl Default for Palette {
    fn default() -> Self {
        Self::new()
    }
}

fn index(n: u16) -> u8 {
    u8::try_from(n).unwrap_or(0)
}

/// `38;5;N`, `38;2;R;G;B` (semicolons: the values are the next parameters, taken from `rest`)
/// or `38:5:N`, `38:2::R:G:B` (colons: the values are sub-parameters).
fn extended<'a>(group: &[u16], rest: &mut impl Iterator<Item = &'a [u16]>) -> Color {
    let byte = |v: u16| u8::try_from(v).unwrap_or(u8::MAX);
    match group {
        [_, 5, n, ..] => Color::indexed(byte(*n)),
        // With a colour-space id (`38:2::R:G:B` gives an empty, i.e. 0, one) or without.
        [_, 2, _, r, g, b] | [_, 2, r, g, b] => Color::rgb(byte(*r), byte(*g), byte(*b)),
        [_] => {
            let mut next = || rest.next().map_or(0, |g| g[0]);
            match next() {
                5 => Color::indexed(byte(next())),
                2 => {
                    let (r, g, b) = (next(), next(), next());
                    Color::rgb(byte(r), byte(g), byte(b))
                }
                _ => Color::DEFAULT,
            }
        }
        _ => Color::DEFAULT,
    }
}

/// Appends the SGR for a colour: the short codes where there is one (`base`, `bright`), else
/// the extended form after `extended`.
fn color(out: &mut String, color: Color, base: u8, bright: u8, extended: u8) {
    let _ = match color.kind() {
        ColorKind::Default => Ok(()),
        ColorKind::Indexed(n) if n < 8 && base > 0 => write!(out, ";{}", base + n),
        ColorKind::Indexed(n) if n < 16 && bright > 0 => write!(out, ";{}", bright + n - 8),
        ColorKind::Indexed(n) if extended == 58 => write!(out, ";58:5:{n}"),
        ColorKind::Indexed(n) => write!(out, ";{extended};5;{n}"),
        ColorKind::Rgb(r, g, b) if extended == 58 => write!(out, ";58:2::{r}:{g}:{b}"),
        ColorKind::Rgb(r, g, b) => write!(out, ";{extended};2;{r};{g};{b}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompts::screen::parser::{Parser, Perform};

    /// The pen an SGR sequence leaves, starting from `pen`.
    fn after(pen: Pen, sgr: &[u8]) -> Pen {
        struct Apply(Pen);
        impl Perform for Apply {
            fn print_narrow(&mut self, _: &[u8]) {}
            fn print(&mut self, _: char, _: usize) {}
            fn execute(&mut self, _: u8) {}
            fn csi_dispatch(&mut self, params: &Params, _: &[u8], action: u8) {
                if action == b'm' {
                    self.0.apply(params);
                }
            }
            fn esc_dispatch(&mut self, _: &[u8], _: u8) {}
        }
        let mut apply = Apply(pen);
        Parser::new().advance(&mut apply, sgr);
        apply.0
    }

    #[test]
    fn every_form_of_colour_is_read() {
        let p = after(Pen::default(), b"\x1b[1;31;48;5;200;4:3m");
        assert_eq!(p.fg, Color::indexed(1));
        assert_eq!(p.bg, Color::indexed(200));
        assert_eq!((p.attrs, p.underline), (attr::BOLD, 3));
        let p = after(p, b"\x1b[38;2;1;2;3;58:2::4:5:6;22m");
        assert_eq!(p.fg, Color::rgb(1, 2, 3));
        assert_eq!(p.underline_color, Color::rgb(4, 5, 6));
        assert_eq!(p.attrs, 0);
        assert_eq!(after(p, b"\x1b[m"), Pen::default());
        assert_eq!(
            after(Pen::default(), b"\x1b[95;104m").fg,
            Color::indexed(13)
        );
    }

    #[test]
    fn the_sgr_of_a_pen_sets_that_pen_again() {
        for sgr in [
            &b"\x1b[1;3;7;31;42m"[..],
            b"\x1b[2;4:2;38;5;99;48;2;10;20;30;58:5:3m",
            b"\x1b[9;53;97;100m",
        ] {
            let pen = after(Pen::default(), sgr);
            let other = after(Pen::default(), b"\x1b[5;36;44m");
            assert_eq!(after(other, pen.sgr().as_bytes()), pen, "{}", pen.sgr());
        }
    }
}
