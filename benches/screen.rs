//! Micro-benchmarks of the pure parts on the hot path: screen feed per MB (plain text and
//! TUI-style escape-heavy output), detection on a full screen, one engine step. Prints medians;
//! asserts nothing. `-- --quick` does one short round (for CI).

use std::hint::black_box;
use std::time::{Duration, Instant};

use autoapprove::config;
use autoapprove::detector;
use autoapprove::engine::{Engine, Input};
use autoapprove::screen::Screen;

fn median(rounds: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..rounds).map(|_| f()).collect();
    times.sort_unstable();
    times[times.len() / 2]
}

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

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, size) = if quick { (1, 4 << 20) } else { (9, 64 << 20) };
    println!("| micro-benchmark | median |");
    println!("|---|---|");
    for (name, data) in [
        ("screen feed, plain text", plain(size)),
        ("screen feed, TUI escapes", tui(size)),
    ] {
        let t = median(rounds, || {
            let mut screen = Screen::new(120, 40);
            let start = Instant::now();
            for chunk in data.chunks(64 * 1024) {
                screen.feed(black_box(chunk));
            }
            start.elapsed()
        });
        let bytes = f64::from(u32::try_from(data.len()).unwrap());
        let mb = bytes / 1e6;
        println!(
            "| {name} | {:.0} MB/s ({:.2} ns/byte) |",
            mb / t.as_secs_f64(),
            t.as_secs_f64() * 1e9 / bytes
        );
    }
    let config = config::defaults().with_profile("claude", None).unwrap();
    let mut screen = Screen::new(120, 40);
    screen.feed(&tui(4096));
    let t = median(rounds * 100, || {
        let start = Instant::now();
        black_box(detector::detect(&config, &screen.snapshot(), screen.tail()));
        start.elapsed()
    });
    println!(
        "| detection on a full 120×40 screen (Claude Code rules) | {:.1} µs |",
        t.as_secs_f64() * 1e6
    );
    let mut engine = Engine::new(config.clone(), Instant::now());
    let t = median(rounds * 100, || {
        let start = Instant::now();
        black_box(engine.handle(Instant::now(), Input::Output));
        start.elapsed()
    });
    println!("| engine step (output) | {:.0} ns |", t.as_secs_f64() * 1e9);
}
