//! The denylist measured on the project's corpus (tests/fixtures/denylist): every dangerous
//! command must be blocked, in its expected category, and at most 2% of the harmless ones. The
//! seed's approach — a list of regexes over the raw text — runs on the same corpus for comparison.

use autoapprove::policy::{Denylist, Scope, Subject};
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

/// `FIELD<TAB>command` lines.
fn tagged(name: &str) -> Vec<(String, String)> {
    lines(name)
        .into_iter()
        .map(|l| {
            let (tag, command) = l.split_once('\t').expect("tag<TAB>command");
            (tag.to_owned(), command.to_owned())
        })
        .collect()
}

/// Each dangerous command with the rule that must block it.
fn dangerous() -> Vec<(String, String)> {
    tagged("dangerous.tsv")
}

/// Each harmless command with the pack it looks like (`-`: none in particular).
fn harmless() -> Vec<(String, String)> {
    tagged("harmless.tsv")
}

fn harmless_commands() -> Vec<String> {
    harmless().into_iter().map(|(_, c)| c).collect()
}

/// The pack of a built-in rule.
fn pack_of(rule: &str) -> String {
    autoapprove::policy::rules::builtin(rule)
        .unwrap_or_else(|| panic!("`{rule}` is no built-in rule"))
        .pack
        .clone()
}

/// Where the corpus's commands run: an agent's project in a user's home.
fn scope() -> Scope {
    Scope {
        project: "/home/dev/proj".into(),
        cwd: "/home/dev/proj".into(),
        home: Some("/home/dev".into()),
        tmp: "/tmp".into(),
        cache: Some("/home/dev/.cache".into()),
    }
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

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        return 0.0;
    }
    100.0 * f64::from(u32::try_from(n).unwrap()) / f64::from(u32::try_from(of).unwrap())
}

#[test]
fn the_corpus_is_large_enough_and_covers_every_rule() {
    let dangerous = dangerous();
    let harmless = harmless();
    assert!(dangerous.len() >= 600, "{} dangerous", dangerous.len());
    assert!(harmless.len() >= 600, "{} harmless", harmless.len());
    for rule in autoapprove::policy::rules::builtin_rules() {
        assert!(
            dangerous.iter().any(|(c, _)| *c == rule.id),
            "no dangerous example of {}",
            rule.id
        );
    }
    let packs: Vec<&str> = autoapprove::policy::rules::PACKS
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    for (pack, command) in &harmless {
        assert!(
            pack == "-" || packs.contains(&pack.as_str()),
            "{command}: unknown pack {pack}"
        );
    }
    // At least a third of the harmless commands look like a pack's dangerous ones.
    let alike = harmless.iter().filter(|(p, _)| p != "-").count();
    assert!(alike * 3 >= harmless.len(), "{alike} look-alikes");
    for pack in packs {
        assert!(
            harmless.iter().any(|(p, _)| p == pack),
            "no harmless look-alike for {pack}"
        );
    }
}

#[test]
fn every_dangerous_command_is_blocked_and_few_harmless_ones_are() {
    let denylist = Denylist::default();
    let dangerous = dangerous();
    let harmless = harmless();

    let mut missed = Vec::new();
    let mut miscategorised = Vec::new();
    let scope = scope();
    let check = |command: &str| denylist.check_in(Subject::Command(command), Some(&scope));
    // Per pack: dangerous, blocked, harmless, blocked.
    let mut per_pack = std::collections::BTreeMap::<String, [usize; 4]>::new();
    for (expected, command) in &dangerous {
        let row = per_pack.entry(pack_of(expected)).or_default();
        row[0] += 1;
        match check(command) {
            None => missed.push(command.clone()),
            Some(v) if &v.id != expected => {
                row[1] += 1;
                miscategorised.push(format!("{command}  →  {} (expected {expected})", v.id));
            }
            Some(_) => row[1] += 1,
        }
    }
    let mut false_positives = Vec::new();
    for (pack, command) in &harmless {
        let row = per_pack.entry(pack.clone()).or_default();
        row[2] += 1;
        if let Some(v) = check(command) {
            row[3] += 1;
            false_positives.push(format!("{command}  →  {}: {}", v.id, v.excerpt));
        }
    }
    let seed_recall = dangerous.iter().filter(|(_, c)| seed_blocks(c)).count();
    let seed_false = harmless.iter().filter(|(_, c)| seed_blocks(c)).count();

    let recall = dangerous.len() - missed.len();
    println!(
        "denylist corpus: {} dangerous, {} harmless\n\
         shell-aware check: recall {recall}/{} ({:.1}%), false positives {}/{} ({:.1}%)\n\
         seed regex list:   recall {seed_recall}/{} ({:.1}%), false positives {seed_false}/{} ({:.1}%)\n\
         per pack            recall              false positives (look-alikes; `-`: others)",
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
    for (pack, [d, db, h, hb]) in &per_pack {
        println!(
            "  {pack:<16}  {db:>3}/{d:<3} ({:>5.1}%)   {hb:>3}/{h:<3} ({:>4.1}%)",
            pct(*db, *d),
            pct(*hb, *h)
        );
    }
    assert!(
        missed.is_empty(),
        "dangerous commands allowed:\n{}",
        missed.join("\n")
    );
    assert!(
        miscategorised.is_empty(),
        "blocked under another rule:\n{}",
        miscategorised.join("\n")
    );
    assert!(
        pct(false_positives.len(), harmless.len()) <= 2.0,
        "false positives over 2%:\n{}",
        false_positives.join("\n")
    );
}

/// How programs frame a command in a question.
const FRAMES: [&str; 8] = [
    "Run {}? [y/n]",
    "Run '{}'? [y/n]",
    "Allow command \"{}\"? [y/n]",
    "Run `{}`, ok? [y/n]",
    "Command: {}⏎Proceed? [y/n]",
    "{\"command\": \"{}\"}⏎Proceed? [y/n]",
    "• {}⏎Approve? (y/n)",
    "execute_command(command: \"{}\")",
];

/// A prompt screen as the detector hands it over ("⏎" is a newline).
fn prompts(name: &str) -> Vec<String> {
    lines(name)
}

/// Prompt text, judged as prose (no rule names the command): every dangerous screen in the
/// corpus is blocked, and at most 5% of the harmless ones. Then the command corpus again, framed
/// the ways programs frame a command in a question: every dangerous command blocked in every
/// framing, and at most 2% of the harmless ones in any.
#[test]
fn prompt_text_is_read_as_a_person_reads_it() {
    let denylist = Denylist::default();
    let scope = scope();
    let dangerous = prompts("prompts-dangerous.txt");
    let harmless = prompts("prompts-harmless.txt");
    assert!(dangerous.len() >= 40 && harmless.len() >= 50);
    let missed: Vec<&String> = dangerous
        .iter()
        .filter(|t| denylist.check_in(Subject::Text(t), Some(&scope)).is_none())
        .collect();
    let blocked: Vec<String> = harmless
        .iter()
        .filter_map(|t| {
            denylist
                .check_in(Subject::Text(t), Some(&scope))
                .map(|v| format!("{t}  →  {}: {}", v.id, v.excerpt))
        })
        .collect();

    let framed = |command: &str| {
        FRAMES
            .iter()
            // A frame whose quote the command itself uses reads differently to a person too.
            .filter(|f| !(f.contains('"') && command.contains('"')))
            .filter(|f| !(f.contains('\'') && command.contains('\'')))
            .filter(|f| !(f.contains('`') && command.contains('`')))
            .map(|f| f.replace("{}", command).replace('⏎', "\n"))
            .collect::<Vec<_>>()
    };
    let mut framed_missed = Vec::new();
    let mut framings = 0;
    let (readable, opaque_only): (Vec<_>, Vec<_>) = dangerous_commands_on_one_line()
        .into_iter()
        .partition(|(category, c)| {
            !(opaque_by_construction(c) || environment_printed(category, c))
        });
    for (_, command) in readable {
        for text in framed(&command) {
            framings += 1;
            if denylist
                .check_in(Subject::Text(&text), Some(&scope))
                .is_none()
            {
                framed_missed.push(text);
            }
        }
    }
    let mut framed_blocked = Vec::new();
    let mut harmless_framings = 0;
    for command in harmless_commands().iter().filter(|c| !c.contains('\n')) {
        for text in framed(command) {
            harmless_framings += 1;
            if let Some(v) = denylist.check_in(Subject::Text(&text), Some(&scope)) {
                framed_blocked.push(format!("{text}  →  {}: {}", v.id, v.excerpt));
            }
        }
    }
    println!(
        "prompt corpus: dangerous {}/{} blocked, harmless {}/{} blocked ({:.1}%)\n\
         framed commands: dangerous {}/{framings} blocked, harmless {}/{harmless_framings} blocked ({:.1}%)\n\
         not framed (opaque only as a command line): {}",
        dangerous.len() - missed.len(),
        dangerous.len(),
        blocked.len(),
        harmless.len(),
        pct(blocked.len(), harmless.len()),
        framings - framed_missed.len(),
        framed_blocked.len(),
        pct(framed_blocked.len(), harmless_framings),
        opaque_only.len(),
    );
    assert!(missed.is_empty(), "dangerous prompts allowed:\n{missed:#?}");
    assert!(
        pct(blocked.len(), harmless.len()) <= 5.0,
        "harmless prompts blocked:\n{}",
        blocked.join("\n")
    );
    assert!(
        framed_missed.is_empty(),
        "framed dangerous commands allowed:\n{}",
        framed_missed.join("\n")
    );
    assert!(
        pct(framed_blocked.len(), harmless_framings) <= 2.0,
        "framed harmless commands blocked:\n{}",
        framed_blocked.join("\n")
    );
}

/// Commands dangerous only because a command line that reads like this cannot be seen through:
/// a bare variable as the command, text cut with `…`, an unclosed quote. In prose such text is
/// everywhere (`$5`, `Installing…`, an apostrophe), so prose does not count it as opaque; a rule
/// that names the command (`command` group) judges it strictly.
fn opaque_by_construction(command: &str) -> bool {
    let unclosed = |q: char| command.matches(q).count() % 2 == 1;
    command.starts_with('$')
        || command.starts_with("\"$")
        || command.ends_with('…')
        || unclosed('"')
        || unclosed('\'')
        // A pattern as the command's name: in prose `?` and `*` are punctuation.
        || command
            .split_whitespace()
            .next()
            .is_some_and(|w| w.contains(['?', '*', '[']))
}

/// The whole environment printed (`env`, `env | sort`): in prose a bare `env` is as likely a
/// subcommand's word (`eval $(opam env)`), so it is read so only in a command line.
fn environment_printed(category: &str, command: &str) -> bool {
    let mut words = command.trim_start_matches("sudo ").split_whitespace();
    category == "secret-variable-print"
        && matches!(words.next(), Some("env" | "printenv" | "export"))
        && matches!(words.next(), None | Some("|" | "-0" | "-p"))
}

/// The dangerous commands that fit on one screen line.
fn dangerous_commands_on_one_line() -> Vec<(String, String)> {
    dangerous()
        .into_iter()
        .filter(|(_, c)| !c.contains('\n'))
        .collect()
}
