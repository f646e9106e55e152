//! The screen model against a real terminal: the same bytes fed to autoapprove's model and to
//! tmux must show the same text on every row, and leave the cursor in the same place. The cases
//! are the modes that move text around — insert mode (IRM), origin mode (DECOM), scroll regions,
//! line and character insertion and deletion, wrapping, wide characters, the alternate screen.
//! The cursor is compared by writing a marker (`@`) where it ends.

mod support;

use autoapprove::prompts::screen::{Screen, WIDE_RIGHT_HALF};
use support::tmux::Tmux;

const COLS: u16 = 30;
const ROWS: u16 = 8;

/// The model's rows, trailing blanks trimmed, as tmux prints them.
fn model_rows(bytes: &[u8]) -> Vec<String> {
    let mut screen = Screen::new(COLS, ROWS);
    screen.feed(bytes);
    let view = screen.view(0..usize::from(ROWS));
    view.lines
        .iter()
        .map(|(_, cells)| {
            let text: String = cells
                .iter()
                .map(|&(c, _)| c)
                .filter(|&c| c != WIDE_RIGHT_HALF)
                .collect();
            text.trim_end().to_owned()
        })
        .collect()
}

const CASES: &[(&str, &str)] = &[
    (
        "insert mode",
        "abcdef\r\x1b[4hXY\x1b[4l\r\n12345\x1b[3G\x1b[4h--\x1b[4lZ",
    ),
    (
        "insert pushes off the edge",
        "\x1b[1;25H123456\x1b[1;20H\x1b[4hABCDEFGH\x1b[4l",
    ),
    (
        "origin mode",
        "\x1b[3;6r\x1b[?6h\x1b[1;1Htop of region\x1b[2;3Hsecond\x1b[?6l\x1b[r\x1b[8;1Hend",
    ),
    (
        "origin mode clamps to the region",
        "\x1b[2;4r\x1b[?6h\x1b[9;1Hclamped\x1b[?6l\x1b[r",
    ),
    (
        "scroll region",
        "\x1b[1;1Hhead\x1b[8;1Hfoot\x1b[2;7r\x1b[7;1Hone\nl2\nl3\nl4\x1b[r",
    ),
    (
        "reverse index at the top margin",
        "\x1b[1;1Hrow1\x1b[2;1Hrow2\x1b[3;1Hrow3\x1b[2;4r\x1b[2;1H\x1bMnew\x1b[r",
    ),
    (
        "insert and delete lines",
        "a\r\nb\r\nc\r\nd\r\ne\x1b[2;1H\x1b[2Lins\x1b[5;1H\x1b[1Mx",
    ),
    (
        "insert and delete characters",
        "0123456789\x1b[1;3H\x1b[2@\x1b[1;8H\x1b[3P",
    ),
    (
        "erase with a background",
        "abcdef\x1b[1;3H\x1b[44m\x1b[K\x1b[0m\r\nxyz\x1b[2;2H\x1b[1X",
    ),
    (
        "autowrap and the pending wrap",
        "123456789012345678901234567890X\r\n\x1b[?7lABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\x1b[?7h",
    ),
    // (Combining marks are left out: the model drops them, tmux keeps them on the cell before.
    // Line drawing is too: tmux's capture prints those cells as the letters that were sent.)
    ("wide characters at the edge", "\x1b[1;29H日本語\r\nabc"),
    (
        "alternate screen",
        "main text\x1b[?1049h\x1b[Halt text\x1b[?1049l more",
    ),
    (
        "tab stops and backspace",
        "a\tb\tc\x08\x08X\r\n\x1b[5C\x1b[2Dy",
    ),
    (
        "save and restore the cursor",
        "\x1b[3;4Hsaved\x1b7\x1b[6;1Hmoved\x1b8R",
    ),
    ("repeat", "ab\x1b[5b|"),
];

#[test]
fn the_model_shows_what_tmux_shows() {
    let mut differ = Vec::new();
    for (name, bytes) in CASES {
        let with_marker = format!("{bytes}@");
        let Some(shown) = Tmux::render(with_marker.as_bytes(), COLS, ROWS) else {
            return;
        };
        let tmux_rows: Vec<String> = shown
            .lines()
            .map(|l| l.trim_end().to_owned())
            .chain(std::iter::repeat(String::new()))
            .take(usize::from(ROWS))
            .collect();
        let rows = model_rows(with_marker.as_bytes());
        if rows != tmux_rows {
            differ.push(format!(
                "{name}:\n  model: {rows:?}\n  tmux:  {tmux_rows:?}"
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
