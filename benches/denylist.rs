//! How long the denylist takes per command, on the project's corpus, beside the seed's approach (a
//! list of regexes over the raw text) in the same run. Prints medians of several rounds and the
//! ratio; asserts nothing. `make bench` runs it; `-- --quick` does one short round (for CI).

use std::hint::black_box;
use std::time::{Duration, Instant};

use autoapprove::denylist::{Denylist, Subject};
use regex::Regex;

fn corpus() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/denylist");
    let dangerous = std::fs::read_to_string(format!("{dir}/dangerous.tsv")).unwrap();
    let harmless = std::fs::read_to_string(format!("{dir}/harmless.txt")).unwrap();
    dangerous
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, c)| c))
        .chain(harmless.lines())
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.replace('⏎', "\n"))
        .collect()
}

/// Median time per command over `rounds` passes of `check` over `commands`.
fn per_command(commands: &[String], rounds: usize, check: impl Fn(&str) -> bool) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for c in commands {
                black_box(check(black_box(c)));
            }
            start.elapsed() / u32::try_from(commands.len()).unwrap()
        })
        .collect();
    times.sort_unstable();
    times[times.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 1 } else { 31 };
    let commands = corpus();
    let denylist = Denylist::default();
    let seed: Vec<Regex> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/denylist/seed-patterns.txt"
    ))
    .unwrap()
    .lines()
    .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    .map(|p| Regex::new(p).unwrap())
    .collect();
    // Warm up both (lazy regexes, caches).
    per_command(&commands, 1, |c| {
        denylist.check(Subject::Command(c)).is_some()
    });
    per_command(&commands, 1, |c| seed.iter().any(|r| r.is_match(c)));

    let ours = per_command(&commands, rounds, |c| {
        denylist.check(Subject::Command(c)).is_some()
    });
    let theirs = per_command(&commands, rounds, |c| seed.iter().any(|r| r.is_match(c)));
    let text = per_command(&commands, rounds, |c| {
        denylist.check(Subject::Text(c)).is_some()
    });
    println!(
        "denylist check, {} commands, median of {rounds} rounds",
        commands.len()
    );
    println!("| check | per command | vs seed regex list |");
    println!("|---|---|---|");
    let ratio = |d: Duration| d.as_secs_f64() / theirs.as_secs_f64();
    println!(
        "| shell-aware, command | {:.2} µs | {:.1}× |",
        ours.as_secs_f64() * 1e6,
        ratio(ours)
    );
    println!(
        "| shell-aware, text scan | {:.2} µs | {:.1}× |",
        text.as_secs_f64() * 1e6,
        ratio(text)
    );
    println!(
        "| seed regex list | {:.2} µs | 1.0× |",
        theirs.as_secs_f64() * 1e6
    );
}
