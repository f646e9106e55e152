//! What autoapprove draws over the child, judged by a real terminal emulator (tmux): the question
//! box pauses the child, draws, reads a key that never reaches the child, and leaves the screen —
//! text, colours, attributes, cursor and modes — exactly as it was; a banner never moves the
//! child's saved cursor and is gone at exit.

mod support;

use support::tmux::Tmux;
use support::{bin, fast_config};

const PAINTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/painter.py");
/// The terminal state tmux keeps besides the cells.
const STATE: &str = "#{cursor_x},#{cursor_y},#{cursor_flag},#{insert_flag},#{origin_flag},#{wrap_flag},#{scroll_region_upper},#{scroll_region_lower}";

struct Painter {
    tmux: Tmux,
    _dir: tempfile::TempDir,
}

/// The painter under autoapprove in an 80×24 tmux pane, once it is ready. When autoapprove ends,
/// the pane says `EXITED` on its last row (no scrolling) and stays.
fn painter(test_box: bool) -> Option<Painter> {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rules.yaml");
    std::fs::write(&config, fast_config("nudge_sequence: []\n")).unwrap();
    let command = format!(
        "{} --config {} -- python3 {PAINTER}; printf '\\033[24;1HEXITED'; exec cat",
        bin(),
        config.display()
    );
    let env: &[(&str, &str)] = if test_box {
        &[("AUTOAPPROVE_TEST_BOX", "1")]
    } else {
        &[]
    };
    let tmux = Tmux::start(&command, env, dir.path(), 80, 24)?;
    tmux.expect("READY");
    Some(Painter { tmux, _dir: dir })
}

impl Painter {
    fn state(&self) -> String {
        self.tmux.format(STATE)
    }
}

#[test]
fn the_question_box_restores_the_screen_exactly_and_its_key_stays_away_from_the_child() {
    let Some(with_box) = painter(true) else {
        return;
    };
    let t = &with_box.tmux;
    let (before, state) = (t.capture(), with_box.state());

    t.send(&[0x1e]); // the test box's key
    t.expect("autoapprove test box");
    assert_ne!(t.capture(), before, "the box is drawn");
    t.send(b"x"); // answers the box: never reaches the child
    t.wait_for("the box to close", |text| {
        !text.contains("autoapprove test box")
    });
    assert_eq!(
        t.capture(),
        before,
        "every cell, colour and attribute is back"
    );
    assert_eq!(with_box.state(), state, "cursor and modes are back");

    // The child carries on with the state it left: the same as a run that never saw the box.
    t.send(b"c");
    t.expect("got c DONE");
    let Some(without) = painter(false) else {
        return;
    };
    without.tmux.send(b"c");
    without.tmux.expect("got c DONE");
    assert_eq!(t.capture(), without.tmux.capture());
    assert_eq!(with_box.state(), without.state());
    assert!(!t.text().contains("UNEXPECTED"), "{}", t.text());
}

#[test]
fn a_banner_leaves_the_saved_cursor_alone_and_is_gone_at_exit() {
    let Some(p) = painter(false) else { return };
    let t = &p.tmux;
    let top = t.text().lines().next().unwrap_or_default().to_owned();
    assert!(top.starts_with("bold red"), "{top}");

    t.send(&[0x1d]); // Ctrl-]: MANUAL_MODE, with its banner over the top row
    t.expect("MANUAL_MODE");
    t.send(b"r"); // the child restores its saved cursor (ESC 8) and writes X there
    t.expect("got r DONE");
    let text = t.text();
    let row6: Vec<char> = text.lines().nth(5).unwrap_or_default().chars().collect();
    assert_eq!(
        row6.get(11),
        Some(&'X'),
        "X landed where the child saved its cursor:\n{text}"
    );

    t.send(b"q");
    t.expect("EXITED");
    let text = t.text();
    assert!(text.starts_with("bold red"), "the top row is back:\n{text}");
    assert!(!text.contains("autoapprove:"), "{text}");
}

#[test]
fn a_banner_is_cut_at_a_word_within_the_width_and_its_row_comes_back() {
    let Some(p) = painter(false) else { return };
    let t = &p.tmux;
    let (before, text_before) = (t.capture(), t.text());
    let top_before = before.lines().next().unwrap_or_default().to_owned();

    t.send(&[0x1d]); // Ctrl-]: MANUAL_MODE, with its banner over the top row
    t.expect("MANUAL_MODE");
    let top = t.text().lines().next().unwrap_or_default().to_owned();
    assert!(top.chars().count() <= 80, "{top:?}");
    // The whole notice is wider than 80 columns: cut after a whole word, and said so.
    assert!(top.trim_end().ends_with("resumes…"), "{top:?}");

    // A few seconds later the row is the child's again: text, colours and attributes.
    t.wait_for("the banner to go", |text| !text.contains("autoapprove:"));
    assert_eq!(t.capture().lines().next().unwrap_or_default(), top_before);
    // (The rows below are compared as text: tmux encodes the next row's first colours against
    // the end of this one, which is now written blanks where it was never-written cells.)
    assert_eq!(t.text(), text_before);
    t.send(b"q");
    t.expect("EXITED");
}

/// A program that ends with the alternate screen, mouse reports and a hidden cursor still on
/// leaves a shell that cannot be used; run bare, tmux shows those modes still on after it ends,
/// run under autoapprove, all off.
#[test]
fn modes_the_program_left_on_are_off_after_it_ends() {
    const MODES: &str = "#{alternate_on},#{mouse_any_flag},#{mouse_sgr_flag},#{cursor_flag}";
    let program = r"printf '\033[?1049h\033[?1003h\033[?1006h\033[?2004h\033[?25lFULL SCREEN'";
    let dir = tempfile::tempdir().unwrap();
    let left_on = |command: String| {
        let tmux = Tmux::start(
            &format!("{command}; tmux wait-for -S ended; exec cat"),
            &[],
            dir.path(),
            80,
            24,
        )?;
        tmux.wait_for_signal("ended");
        Some(tmux.format(MODES))
    };
    let Some(bare) = left_on(format!("sh -c \"{program}\"")) else {
        return;
    };
    assert_eq!(bare, "1,1,1,0", "tmux sees the modes the program turns on");
    let wrapped = left_on(format!("{} -- sh -c \"{program}\"", bin())).unwrap();
    assert_eq!(
        wrapped, "0,0,0,1",
        "after autoapprove: alternate screen, mouse, cursor"
    );
}
