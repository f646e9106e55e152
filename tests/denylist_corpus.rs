//! The denylist measured on the project's corpus (tests/fixtures/denylist): every dangerous
//! command must be blocked, in its expected category, and at most 2% of the harmless ones. The
//! seed's approach — a list of regexes over the raw text — runs on the same corpus for comparison.

use autoapprove::policy::{Denylist, Subject};
use regex::Regex;

fn lines(name: &str) -> Vec<String> {
    let path = format!(
        "{}/tests/fixtures/denylist/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.replace('⏎', "\n"))
        .collect()
}

fn dangerous() -> Vec<(String, String)> {
    lines("dangerous.tsv")
        .into_iter()
        .map(|l| {
            let (category, command) = l.split_once('\t').expect("category<TAB>command");
            (category.to_owned(), command.to_owned())
        })
        .collect()
}

/// The seed's approach: a handful of regexes over the raw text.
fn seed_blocks(command: &str) -> bool {
    static PATTERNS: std::sync::LazyLock<Vec<Regex>> = std::sync::LazyLock::new(|| {
        lines("seed-patterns.txt")
            .iter()
            .map(|p| Regex::new(p).unwrap())
            .collect()
    });
    PATTERNS.iter().any(|r| r.is_match(command))
}

#[test]
fn the_corpus_is_large_enough_and_covers_every_category() {
    let dangerous = dangerous();
    assert!(dangerous.len() >= 150, "{} dangerous", dangerous.len());
    assert!(lines("harmless.txt").len() >= 150);
    for id in autoapprove::policy::builtin_ids() {
        assert!(
            dangerous.iter().any(|(c, _)| c == id),
            "no dangerous example of {id}"
        );
    }
}

#[test]
fn every_dangerous_command_is_blocked_and_few_harmless_ones_are() {
    let denylist = Denylist::default();
    let dangerous = dangerous();
    let harmless = lines("harmless.txt");

    let mut missed = Vec::new();
    let mut miscategorised = Vec::new();
    for (expected, command) in &dangerous {
        match denylist.check(Subject::Command(command)) {
            None => missed.push(command.clone()),
            Some(v) if &v.id != expected => {
                miscategorised.push(format!("{command}  →  {} (expected {expected})", v.id));
            }
            Some(_) => {}
        }
    }
    let false_positives: Vec<String> = harmless
        .iter()
        .filter_map(|c| {
            denylist
                .check(Subject::Command(c))
                .map(|v| format!("{c}  →  {}: {}", v.id, v.excerpt))
        })
        .collect();
    let seed_recall = dangerous.iter().filter(|(_, c)| seed_blocks(c)).count();
    let seed_false = harmless.iter().filter(|c| seed_blocks(c)).count();

    let pct = |n: usize, of: usize| {
        100.0 * f64::from(u32::try_from(n).unwrap()) / f64::from(u32::try_from(of).unwrap())
    };
    let recall = dangerous.len() - missed.len();
    println!(
        "denylist corpus: {} dangerous, {} harmless\n\
         shell-aware check: recall {recall}/{} ({:.1}%), false positives {}/{} ({:.1}%)\n\
         seed regex list:   recall {seed_recall}/{} ({:.1}%), false positives {seed_false}/{} ({:.1}%)",
        dangerous.len(),
        harmless.len(),
        dangerous.len(),
        pct(recall, dangerous.len()),
        false_positives.len(),
        harmless.len(),
        pct(false_positives.len(), harmless.len()),
        dangerous.len(),
        pct(seed_recall, dangerous.len()),
        harmless.len(),
        pct(seed_false, harmless.len()),
    );
    assert!(
        missed.is_empty(),
        "dangerous commands allowed:\n{}",
        missed.join("\n")
    );
    assert!(
        miscategorised.is_empty(),
        "blocked under another category:\n{}",
        miscategorised.join("\n")
    );
    assert!(
        pct(false_positives.len(), harmless.len()) <= 2.0,
        "false positives over 2%:\n{}",
        false_positives.join("\n")
    );
}
