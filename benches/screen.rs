//! Micro-benchmarks (divan) of the pure parts on the hot path: screen feed and the recorder's
//! JSON per MB (plain text, TUI-style escape-heavy output, invalid UTF-8, random binary),
//! detection on a full screen and on a real prompt, one engine step. Asserts nothing.
//! `make bench` runs it; `make bench-quick` takes a few samples only (for CI).

use std::hint::black_box;
use std::time::Instant;

use autoapprove::config;
use autoapprove::prompts::detector;
use autoapprove::prompts::engine::{Engine, Input};
use autoapprove::prompts::screen::Screen;
use autoapprove::record::cast::Utf8Stream;
use divan::Bencher;
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

/// Output fed per iteration, in 4 KiB chunks: what a PTY read returns at most.
const FEED: usize = 1 << 20;

/// Lines of text, like a build log.
fn plain(bytes: usize) -> Vec<u8> {
    let line = b"   Compiling autoapprove v0.1.0 (/work/main) warning: unused variable `x` in 42 places\r\n";
    line.iter().copied().cycle().take(bytes).collect()
}

/// A TUI redrawing: colours, cursor moves, erases, wide characters.
fn tui(bytes: usize) -> Vec<u8> {
    let frame = "\x1b[H\x1b[38;5;246m\u{276f} \x1b[1mBash command\x1b[22m\x1b[3;2Hrm\x1b[6G-rf\x1b[10G/tmp/x\r\x1b[1B\x1b[2G\x1b[38;5;153m\u{276f}\x1b[4G1. Yes\x1b[K\r\x1b[1B\u{254c}\u{254c}\u{254c}\u{254c}\x1b[0m\x1b[20;1H\x1b[?25l";
    frame
        .as_bytes()
        .iter()
        .copied()
        .cycle()
        .take(bytes)
        .collect()
}

fn feed(bencher: Bencher, data: &[u8]) {
    bencher
        .counter(BytesCount::of_slice(data))
        .with_inputs(|| Screen::new(120, 40))
        .bench_local_refs(|screen| {
            for chunk in data.chunks(4096) {
                screen.feed(black_box(chunk));
            }
        });
}

#[divan::bench]
fn screen_feed_plain_text(bencher: Bencher) {
    feed(bencher, &plain(FEED));
}

#[divan::bench]
fn screen_feed_tui_escapes(bencher: Bencher) {
    feed(bencher, &tui(FEED));
}

/// Every byte an invalid UTF-8 sequence.
#[divan::bench]
fn screen_feed_invalid_utf8(bencher: Bencher) {
    feed(bencher, &vec![0xff; FEED]);
}

/// Random bytes (a fixed xorshift sequence): binary output, the odd escape sequence.
fn random(bytes: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..bytes)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

#[divan::bench]
fn screen_feed_random_binary(bencher: Bencher) {
    feed(bencher, &random(FEED));
}

/// The recorder's share of each read of output: its `"o"` event line, in the PTY's 4 KiB reads.
fn record(bencher: Bencher, data: &[u8]) {
    let mut stream = Utf8Stream::default();
    let mut lines = Vec::with_capacity(8 * data.len());
    bencher.counter(BytesCount::of_slice(data)).bench_local(|| {
        lines.clear();
        for chunk in data.chunks(4096) {
            stream.write_line(1.5, "o", black_box(chunk), &[], &mut lines);
        }
    });
}

#[divan::bench]
fn record_plain_text(bencher: Bencher) {
    record(bencher, &plain(FEED));
}

#[divan::bench]
fn record_tui_escapes(bencher: Bencher) {
    record(bencher, &tui(FEED));
}

#[divan::bench]
fn record_invalid_utf8(bencher: Bencher) {
    record(bencher, &vec![0xff; FEED]);
}

#[divan::bench]
fn record_random_binary(bencher: Bencher) {
    record(bencher, &random(FEED));
}

/// The Claude Code rules over a full 120×40 screen, as when output settles.
#[divan::bench]
fn detection_full_screen(bencher: Bencher) {
    let config = config::defaults().with_profile("claude", None).unwrap();
    let mut screen = Screen::new(120, 40);
    screen.feed(&tui(4096));
    bencher.bench_local(|| detector::detect(&config, &screen.snapshot(), screen.tail(), 0));
}

/// The Claude Code rules over a real prompt (Claude Code 2.1.330 asking to run `rm -rf`, 120×40):
/// the rule matches, and its captures are read.
#[divan::bench]
fn detection_claude_code_prompt(bencher: Bencher) {
    let config = config::defaults().with_profile("claude", None).unwrap();
    let mut screen = Screen::new(120, 40);
    screen.feed(include_bytes!(
        "../tests/fixtures/claude-code/prompt-bash-rm-rf.ansi"
    ));
    assert!(
        detector::detect(&config, &screen.snapshot(), screen.tail(), 0)
            .prompt
            .is_some(),
        "the fixture is a prompt"
    );
    bencher.bench_local(|| detector::detect(&config, &screen.snapshot(), screen.tail(), 0));
}

/// What the engine does for every chunk of output.
#[divan::bench]
fn engine_step_output(bencher: Bencher) {
    let config = config::defaults().with_profile("claude", None).unwrap();
    let mut engine = Engine::new(config, Instant::now());
    bencher.bench_local(|| engine.handle(Instant::now(), Input::Output));
}
