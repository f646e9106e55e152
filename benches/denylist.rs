//! How long the denylist takes (divan), over the project's whole corpus per iteration, beside the
//! seed's approach (a list of regexes over the raw text) in the same run: per-command time is the
//! median divided by the corpus size (shown as items/s). Asserts nothing. `make bench` runs it;
//! `make bench-quick` takes a few samples only (for CI).

use std::hint::black_box;
use std::sync::LazyLock;

use autoapprove::policy::{Denylist, Scope, Subject};
use divan::Bencher;
use divan::counter::ItemsCount;
use regex::Regex;

fn main() {
    divan::main();
}

/// Every command of tests/fixtures/denylist, dangerous and harmless.
static CORPUS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/denylist");
    let dangerous = std::fs::read_to_string(format!("{dir}/dangerous.tsv")).unwrap();
    let harmless = std::fs::read_to_string(format!("{dir}/harmless.tsv")).unwrap();
    dangerous
        .lines()
        .chain(harmless.lines())
        .filter_map(|l| l.split_once('\t').map(|(_, c)| c))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.replace('⏎', "\n"))
        .collect()
});

fn over_corpus(bencher: Bencher, check: impl Fn(&str) -> bool) {
    // Once first: lazy regexes and caches are built outside the timing.
    for c in CORPUS.iter() {
        check(c);
    }
    bencher
        .counter(ItemsCount::of_iter(CORPUS.iter()))
        .bench_local(|| {
            for c in CORPUS.iter() {
                black_box(check(black_box(c)));
            }
        });
}

#[divan::bench]
fn shell_aware_command(bencher: Bencher) {
    let denylist = Denylist::default();
    over_corpus(bencher, |c| denylist.check(Subject::Command(c)).is_some());
}

/// As the session judges a prompt's command: within a project (the corpus test's).
#[divan::bench]
fn shell_aware_command_in_a_project(bencher: Bencher) {
    let denylist = Denylist::default();
    let scope = Scope {
        project: "/home/dev/proj".into(),
        cwd: "/home/dev/proj".into(),
        home: Some("/home/dev".into()),
        tmp: "/tmp".into(),
        cache: Some("/home/dev/.cache".into()),
    };
    over_corpus(bencher, |c| {
        denylist
            .check_in(Subject::Command(c), Some(&scope))
            .is_some()
    });
}

#[divan::bench]
fn shell_aware_text_scan(bencher: Bencher) {
    let denylist = Denylist::default();
    over_corpus(bencher, |c| denylist.check(Subject::Text(c)).is_some());
}

#[divan::bench]
fn seed_regex_list(bencher: Bencher) {
    let seed: Vec<Regex> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/denylist/seed-patterns.txt"
    ))
    .unwrap()
    .lines()
    .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    .map(|p| Regex::new(p).unwrap())
    .collect();
    over_corpus(bencher, |c| seed.iter().any(|r| r.is_match(c)));
}
