//! How a cell is drawn: colours and attributes as SGR (`CSI … m`) sets them, and the SGR that
//! draws a cell that way again (the overlay's restore).

use std::fmt::Write as _;

/// A colour as the terminal was told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Color {
    #[default]
    Default,
    Indexed(u8),
    Rgb(u8, u8, u8),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    pub fn apply(&mut self, params: &vte::Params) {
        let groups: Vec<&[u16]> = params.iter().collect();
        if groups.is_empty() {
            *self = Self::default();
            return;
        }
        let mut i = 0;
        while i < groups.len() {
            let group = groups[i];
            i += 1;
            let set = |pen: &mut Self, bit: u16, on: bool| {
                if on {
                    pen.attrs |= bit;
                } else {
                    pen.attrs &= !bit;
                }
            };
            match group[0] {
                0 => *self = Self::default(),
                1 => set(self, attr::BOLD, true),
                2 => set(self, attr::DIM, true),
                3 => set(self, attr::ITALIC, true),
                4 => {
                    self.underline = group
                        .get(1)
                        .map_or(1, |&s| u8::try_from(s.min(5)).unwrap_or(1));
                }
                5 | 6 => set(self, attr::BLINK, true),
                7 => set(self, attr::INVERSE, true),
                8 => set(self, attr::HIDDEN, true),
                9 => set(self, attr::STRIKE, true),
                21 => self.underline = 2,
                22 => set(self, attr::BOLD | attr::DIM, false),
                23 => set(self, attr::ITALIC, false),
                24 => self.underline = 0,
                25 => set(self, attr::BLINK, false),
                27 => set(self, attr::INVERSE, false),
                28 => set(self, attr::HIDDEN, false),
                29 => set(self, attr::STRIKE, false),
                n @ 30..=37 => self.fg = Color::Indexed(index(n - 30)),
                38 => self.fg = extended(group, &groups, &mut i),
                39 => self.fg = Color::Default,
                n @ 40..=47 => self.bg = Color::Indexed(index(n - 40)),
                48 => self.bg = extended(group, &groups, &mut i),
                49 => self.bg = Color::Default,
                53 => set(self, attr::OVERLINE, true),
                55 => set(self, attr::OVERLINE, false),
                58 => self.underline_color = extended(group, &groups, &mut i),
                59 => self.underline_color = Color::Default,
                n @ 90..=97 => self.fg = Color::Indexed(index(n - 90 + 8)),
                n @ 100..=107 => self.bg = Color::Indexed(index(n - 100 + 8)),
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

fn index(n: u16) -> u8 {
    u8::try_from(n).unwrap_or(0)
}

/// `38;5;N`, `38;2;R;G;B` (semicolons: the values are the next parameters) or `38:5:N`,
/// `38:2::R:G:B` (colons: the values are sub-parameters).
fn extended(group: &[u16], groups: &[&[u16]], next: &mut usize) -> Color {
    let values: Vec<u16> = if group.len() > 1 {
        group[1..].to_vec()
    } else {
        let kind = groups.get(*next).map_or(0, |g| g[0]);
        let count = match kind {
            5 => 2,
            2 => 4,
            _ => 1,
        };
        let taken: Vec<u16> = groups[*next..].iter().take(count).map(|g| g[0]).collect();
        *next += taken.len();
        taken
    };
    let byte = |v: u16| u8::try_from(v).unwrap_or(u8::MAX);
    match values.as_slice() {
        [5, n, ..] => Color::Indexed(byte(*n)),
        // With a colour-space id (`38:2::R:G:B` gives an empty, i.e. 0, one) or without.
        [2, _, r, g, b] | [2, r, g, b] => Color::Rgb(byte(*r), byte(*g), byte(*b)),
        _ => Color::Default,
    }
}

/// Appends the SGR for a colour: the short codes where there is one (`base`, `bright`), else
/// the extended form after `extended`.
fn color(out: &mut String, color: Color, base: u8, bright: u8, extended: u8) {
    let _ = match color {
        Color::Default => Ok(()),
        Color::Indexed(n) if n < 8 && base > 0 => write!(out, ";{}", base + n),
        Color::Indexed(n) if n < 16 && bright > 0 => write!(out, ";{}", bright + n - 8),
        Color::Indexed(n) if extended == 58 => write!(out, ";58:5:{n}"),
        Color::Indexed(n) => write!(out, ";{extended};5;{n}"),
        Color::Rgb(r, g, b) if extended == 58 => write!(out, ";58:2::{r}:{g}:{b}"),
        Color::Rgb(r, g, b) => write!(out, ";{extended};2;{r};{g};{b}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pen an SGR sequence leaves, starting from `pen`.
    fn after(pen: Pen, sgr: &[u8]) -> Pen {
        struct Apply(Pen);
        impl vte::Perform for Apply {
            fn csi_dispatch(&mut self, params: &vte::Params, _: &[u8], _: bool, action: char) {
                if action == 'm' {
                    self.0.apply(params);
                }
            }
        }
        let mut apply = Apply(pen);
        vte::Parser::new().advance(&mut apply, sgr);
        apply.0
    }

    #[test]
    fn every_form_of_colour_is_read() {
        let p = after(Pen::default(), b"\x1b[1;31;48;5;200;4:3m");
        assert_eq!(p.fg, Color::Indexed(1));
        assert_eq!(p.bg, Color::Indexed(200));
        assert_eq!((p.attrs, p.underline), (attr::BOLD, 3));
        let p = after(p, b"\x1b[38;2;1;2;3;58:2::4:5:6;22m");
        assert_eq!(p.fg, Color::Rgb(1, 2, 3));
        assert_eq!(p.underline_color, Color::Rgb(4, 5, 6));
        assert_eq!(p.attrs, 0);
        assert_eq!(after(p, b"\x1b[m"), Pen::default());
        assert_eq!(
            after(Pen::default(), b"\x1b[95;104m").fg,
            Color::Indexed(13)
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
