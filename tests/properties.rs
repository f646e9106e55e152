//! Properties over many generated cases: how output is chunked never changes what is seen or
//! detected, nor what the screen model holds; the screen model survives any bytes and resizes;
//! the engine never sends in manual mode and never twice within the global interval; the
//! denylist survives any text; a joined command line reads back as its words.

use std::time::{Duration, Instant};

use autoapprove::config::{self, Config};
use autoapprove::events::{Event, State};
use autoapprove::prompts::detector::{self, Origin, Prompt, Shown};
use autoapprove::prompts::engine::{Action, Engine, Input, Mode};
use autoapprove::prompts::screen::Screen;
use proptest::prelude::*;

/// Streams that end on a prompt: a line-based one and a cursor-painted one.
const STREAMS: &[&[u8]] = &[
    b"Reading package lists... Done\r\n\x1b[1mDo you want to continue?\x1b[0m [Y/n] ",
    b"\x1b[?1049h\x1b[2J\x1b[3;2HDelete\x1b[10Gall\x1b[14Gfiles?\r\x1b[1B\x1b[2G[y/n]\x1b[20;1H",
    "\x1b[?1049h\x1b[H\u{276f} 1. Yes\r\n  2. No\r\n\x1b[5;1HPress Enter to continue\x1b[K"
        .as_bytes(),
];

fn detect_in_chunks(config: &Config, stream: &[u8], cuts: &[usize]) -> (String, Option<Prompt>) {
    let mut screen = Screen::new(80, 24);
    let mut start = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    for cut in cuts.into_iter().chain([stream.len()]) {
        screen.feed(&stream[start..cut.max(start)]);
        start = cut.max(start);
    }
    let seen = detector::detect(config, &screen.snapshot(), screen.tail(), 0);
    (screen.text(), seen.prompt)
}

proptest! {
    #[test]
    fn chunking_never_changes_what_is_detected(
        which in 0..STREAMS.len(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let config = config::defaults();
        let stream = STREAMS[which];
        let whole = detect_in_chunks(&config, stream, &[]);
        prop_assert!(whole.1.is_some(), "stream {which} must hold a prompt");
        prop_assert_eq!(detect_in_chunks(&config, stream, &cuts), whole);
    }

    #[test]
    fn the_screen_model_survives_any_bytes_and_resizes(
        chunks in proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 0..200), 1u16..300, 1u16..120),
            1..20,
        ),
        escapes in proptest::collection::vec(
            prop_oneof![
                Just(&b"\x1b[?1049h"[..]), Just(&b"\x1b[?1049l"[..]), Just(&b"\x1b[5;200r"[..]),
                Just(&b"\x1b[999;999H"[..]), Just(&b"\x1b[65535L"[..]), Just(&b"\x1b[65535M"[..]),
                Just(&b"\x1b[65535@"[..]), Just(&b"\x1b[65535P"[..]), Just(&b"\x1b[65535b"[..]),
                Just(&b"\x1bM\x1bM"[..]), Just(&b"\x1b[2J"[..]), Just(&b"\x1b[?7l"[..]),
                Just("\u{65e5}\u{672c}\u{fe0f}\u{301}".as_bytes()), Just(&b"\x1bc"[..]),
            ],
            0..30,
        ),
    ) {
        let mut screen = Screen::new(80, 24);
        for (i, (bytes, cols, rows)) in chunks.iter().enumerate() {
            screen.feed(bytes);
            if let Some(e) = escapes.get(i) {
                screen.feed(e);
            }
            screen.resize(*cols, *rows);
            let _ = screen.snapshot();
        }
    }

    /// Binary output goes through the model's fast paths only when a chunk holds enough of it;
    /// fed a byte at a time it never does. Both must leave the same screen and the same text.
    #[test]
    fn any_bytes_read_the_same_whole_cut_or_a_byte_at_a_time(
        bytes in proptest::collection::vec(
            prop_oneof![any::<u8>(), Just(b'\n'), Just(0xe2), Just(0x9d), Just(b'a')],
            0..4000,
        ),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let read = |chunks: &mut dyn Iterator<Item = &[u8]>| {
            let mut screen = Screen::new(40, 10);
            for chunk in chunks {
                screen.feed(chunk);
            }
            let (text, at) = screen.tail().text();
            (screen.view(0..10), text.into_owned(), at, screen.tail().end())
        };
        let whole = read(&mut std::iter::once(&bytes[..]));
        prop_assert_eq!(&read(&mut bytes.chunks(1)), &whole);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let pieces: Vec<&[u8]> = cuts
            .iter()
            .chain([&bytes.len()])
            .scan(0, |start, &end| {
                let piece = &bytes[*start..end];
                *start = end;
                Some(piece)
            })
            .collect();
        prop_assert_eq!(&read(&mut pieces.into_iter()), &whole);
    }

    /// Narrow text that wraps at the bottom of the scroll region scrolls the region once for
    /// all its rows and writes only the rows that stay. The screen, where wrapped rows join and
    /// how far it scrolled must be as if each character had been printed, wrapped and scrolled
    /// in turn: the same text sent another way (U+FFFD as UTF-8, letters by REP) takes the
    /// character-at-a-time path. Whatever the margins, the cursor, the modes, the pen and the
    /// size, whole or a byte at a time.
    #[test]
    fn narrow_text_scrolled_in_at_once_reads_as_if_printed_a_character_at_a_time(
        parts in proptest::collection::vec(
            prop_oneof![
                (1usize..1500, prop_oneof![Just(0xffu8), Just(b'x'), Just(0xc0)])
                    .prop_map(|(len, byte)| (vec![byte; len], true)),
                prop_oneof![
                    Just(&b"\x1b[3;6r"[..]), Just(&b"\x1b[r"[..]), Just(&b"\x1b[2;2H"[..]),
                    Just(&b"\x1b[99;1H"[..]), Just(&b"\x1b[4h"[..]), Just(&b"\x1b[4l"[..]),
                    Just(&b"\x1b[?7l"[..]), Just(&b"\x1b[?7h"[..]), Just(&b"\x1b(0"[..]),
                    Just(&b"\x1b(B"[..]), Just(&b"\r\n"[..]), Just(&b"ab\xe2\x9d"[..]),
                    Just(&b"\x1b[?1049h"[..]), Just(&b"\x1b[?1049l"[..]),
                    Just(&b"\x1b[1;41m"[..]), Just(&b"\x1b[m"[..]),
                ].prop_map(|bytes| (bytes.to_vec(), false)),
            ],
            1..12,
        ),
        cols in 1u16..30,
        rows in 1u16..9,
    ) {
        let raw: Vec<u8> = parts.iter().flat_map(|(bytes, _)| bytes.clone()).collect();
        // The same characters, each printed by itself.
        let mut reference = Vec::new();
        for (bytes, text) in &parts {
            match bytes.first() {
                Some(&b'x') if *text => {
                    reference.push(b'x');
                    for _ in 1..bytes.len() {
                        reference.extend_from_slice(b"\x1b[b");
                    }
                }
                Some(_) if *text => {
                    let replacements = "\u{fffd}".repeat(bytes.len());
                    reference.extend_from_slice(replacements.as_bytes());
                }
                _ => reference.extend_from_slice(bytes),
            }
        }
        let read = |chunks: &mut dyn Iterator<Item = &[u8]>| {
            let mut screen = Screen::new(cols, rows);
            for chunk in chunks {
                screen.feed(chunk);
            }
            (screen.snapshot(), screen.view(0..usize::from(rows)))
        };
        let expected = read(&mut std::iter::once(&reference[..]));
        prop_assert_eq!(read(&mut std::iter::once(&raw[..])), expected.clone());
        prop_assert_eq!(read(&mut raw.chunks(1)), expected);
    }

    #[test]
    fn the_engine_never_sends_in_manual_mode_nor_faster_than_the_interval(
        steps in proptest::collection::vec((0u64..3000, 0u8..11, 0u64..4), 1..80),
    ) {
        let config = config::from_yaml(
            "idle_timeout: 2s\nmin_send_interval: 500ms\nnudge_max_retries: 2\n",
            "prop.yaml",
        )
        .unwrap();
        let interval = config.min_send_interval;
        let mut now = Instant::now();
        let mut engine = Engine::new(config, now);
        let mut last_send: Option<Instant> = None;
        // The prompt instance answered last: the engine does not judge it again while it stays.
        let mut answered: Option<u64> = None;
        let mut offered: Option<u64> = None;
        // The child reads hidden input; the user's line is unsubmitted: nothing may be typed.
        let (mut hidden, mut user_line) = (false, false);
        for (advance, kind, identity) in steps {
            now += Duration::from_millis(advance);
            let prompt = |context: &str| Prompt {
                rule: 0,
                origin: Origin::Screen,
                identity,
                matched: "[y/n]".into(),
                context: context.into(),
                command: None,
            command_readings: Vec::new(),
                tool: None,
                path: None,
                in_project: false,
            tail_end: 0,
            shown: Shown::Since(context.into()),
            };
            let input = match kind {
                0 => Input::Output,
                1 => Input::Settled { prompt: None, context: String::new(), alternate: false },
                2 => Input::Settled { prompt: Some(prompt("Go? [y/n]")), context: String::new(), alternate: false },
                3 => Input::Settled { prompt: Some(prompt("rm -rf / ? [y/n]")), context: "rm -rf /".into(), alternate: false },
                4 => Input::Interrupt,
                5 => Input::Toggle,
                6 => Input::UserKey { pending: true },
                7 => Input::UserKey { pending: false },
                8 => Input::Mode(Mode { hidden: true, raw: false }),
                9 => Input::Mode(Mode::default()),
                _ => Input::Tick,
            };
            match kind {
                6 | 7 => user_line = kind == 6,
                8 | 9 => hidden = kind == 8,
                // Resuming automation is the user saying it may type again.
                5 if engine.state() == State::Manual => user_line = false,
                _ => {}
            }
            let manual_before = engine.state() == State::Manual && input != Input::Toggle;
            let actions = engine.handle(now, input);
            let sends = actions.iter().filter(|a| matches!(a, Action::Send(_))).count();
            prop_assert!(sends <= 1);
            // An answer (not a nudge) may come at once or, deferred, on a later tick: either
            // way it answers the prompt offered last.
            let answers = actions.iter().any(|a| {
                matches!(a, Action::Emit(Event::InputSent { reason, .. }) if !reason.starts_with("idle_nudge"))
            });
            if kind == 2 {
                offered = Some(identity);
            }
            if answers {
                answered = offered;
            }
            match kind {
                1 => answered = None,
                // A dangerous prompt: nothing typed, and the human has control until the hotkey
                // (which the MANUAL_MODE check above holds to).
                3 => {
                    prop_assert_eq!(sends, 0, "a key was sent for a dangerous prompt");
                    if answered != Some(identity) {
                        prop_assert_eq!(engine.state(), State::Manual);
                    }
                }
                _ => {}
            }
            if sends == 1 {
                prop_assert!(!hidden, "typed into hidden input");
                prop_assert!(!user_line, "typed over the user's unsubmitted line");
                prop_assert!(!manual_before, "sent in MANUAL_MODE");
                prop_assert!(engine.state() != State::Manual);
                if let Some(prev) = last_send {
                    prop_assert!(now - prev >= interval, "sent {:?} after the last send", now - prev);
                }
                last_send = Some(now);
            }
        }
    }
}

proptest! {
    #[test]
    fn the_denylist_never_panics_on_any_text(
        text in proptest::collection::vec(
            prop_oneof![
                Just("rm"), Just("-rf"), Just("/"), Just("'"), Just("\""), Just("$("), Just(")"),
                Just("`"), Just("|"), Just("&&"), Just(";"), Just("<<EOF\n"), Just("EOF"), Just("\n"),
                Just("sudo"), Just("sh -c"), Just("eval"), Just("${"), Just("}"), Just("\\"),
                Just("~"), Just("*"), Just("<("), Just(">"), Just("2>&1"), Just("cd"), Just("…"),
                Just("(){"), Just(":|:&"), Just("python3 -c"), Just("find"), Just("-exec"), Just("{}"),
            ],
            0..40,
        ).prop_map(|parts| parts.join(" ")),
        noise in "\\PC{0,40}",
    ) {
        let denylist = autoapprove::policy::Denylist::default();
        for subject in [&text, &noise] {
            let _ = denylist.check(autoapprove::policy::Subject::Command(subject));
            let _ = denylist.check(autoapprove::policy::Subject::Text(subject));
            let _ = denylist.check(autoapprove::policy::Subject::Path(subject));
        }
    }
}

proptest! {
    #[test]
    fn a_joined_command_line_is_read_back_as_the_same_words(
        program in "[a-z][a-z0-9_.-]{0,7}",
        args in proptest::collection::vec("[ -~]{0,8}", 0..6),
    ) {
        // What explain, the STARTED event and the recording's header show of a command's
        // arguments: a program, then any printable words.
        use autoapprove::policy::shell;
        let argv: Vec<String> = std::iter::once(program).chain(args).collect();
        let line = shell::join(&argv);
        let script = shell::parse(&line).unwrap();
        let words: Vec<&str> = script.commands[0].words.iter().map(|w| w.text.as_str()).collect();
        prop_assert_eq!(words, argv.iter().map(String::as_str).collect::<Vec<_>>(), "{}", line);
    }
}
