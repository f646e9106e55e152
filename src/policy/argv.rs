//! A command's options, read the way the tool itself reads them (`getopt` and `getopt_long`): every
//! spelling of a value (`-oFILE`, `-o FILE`, `--output=FILE`, `--output FILE`), clusters (`-rfv`,
//! `-rfoFILE`), unique abbreviations of long options (`--recur`), `--` and, for tools that allow
//! it, options after operands.
//!
//! Each tool states its options once, in a [`Spec`]; handlers ask the parsed [`Args`] by name and
//! never compare flag strings themselves. An option the spec does not know is kept as unknown (it
//! takes no value), so an incomplete spec can only turn a value into an operand.

use crate::policy::shell::Word;

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Flag,
    /// The next word, or the rest of the word (`-oFILE`, `--output=FILE`).
    Value,
    /// Only when attached: `-i.bak`, `--in-place=.bak`; alone it is a flag (`sed -i`, `perl -i`).
    Attached,
}

/// One option: its short letter, its long name (either may be empty) and its arity.
#[derive(Debug, Clone, Copy)]
pub struct Opt {
    pub short: char,
    pub long: &'static str,
    pub arity: Arity,
}

impl Opt {
    /// Whether handlers asking for `name` mean this option: its long name, or its letter when it
    /// has none.
    fn is(&self, name: &str) -> bool {
        if self.long.is_empty() {
            let mut letters = name.chars();
            letters.next() == Some(self.short) && letters.next().is_none()
        } else {
            self.long == name
        }
    }
}

/// `Opt` constructors, short enough for tables.
pub const fn flag(short: char, long: &'static str) -> Opt {
    Opt {
        short,
        long,
        arity: Arity::Flag,
    }
}

pub const fn value(short: char, long: &'static str) -> Opt {
    Opt {
        short,
        long,
        arity: Arity::Value,
    }
}

pub const fn attached(short: char, long: &'static str) -> Opt {
    Opt {
        short,
        long,
        arity: Arity::Attached,
    }
}

/// No short letter.
pub const NONE: char = '\0';

/// How a tool reads its command line.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub options: &'static [Opt],
    /// Options may follow operands (GNU tools); false where the first operand ends them (a
    /// wrapper's command, git's subcommand, ssh's host).
    pub permute: bool,
}

/// A known option as found, with its value and the word that value came from.
#[derive(Debug, Clone, Copy)]
struct Found<'w> {
    opt: Opt,
    value: Option<&'w str>,
    /// The word holding the value: the value is all of it (`-o FILE`) or its end (`-oFILE`).
    word: Option<&'w Word>,
}

/// What a command line says, by the spec.
#[derive(Debug, Default)]
pub struct Args<'w> {
    /// Known options, each with its value, in order.
    options: Vec<Found<'w>>,
    /// Options the spec does not know, as written.
    pub unknown: Vec<&'w str>,
    pub operands: Vec<&'w Word>,
    /// Where reading stopped in the words (without `permute`: the first operand; else their
    /// end).
    pub stop: usize,
}

impl<'w> Args<'w> {
    pub fn has(&self, name: &str) -> bool {
        self.options.iter().any(|f| f.opt.is(name))
    }

    /// The value of the last `name` (as the tools do, the last one wins).
    pub fn value(&self, name: &str) -> Option<&'w str> {
        self.values(name).last()
    }

    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'w str> + 'a {
        self.options
            .iter()
            .filter(move |f| f.opt.is(name))
            .filter_map(|f| f.value)
    }

    /// The values of every option in `names`, in that order.
    pub fn values_of(&self, names: &[&str]) -> Vec<&'w str> {
        names.iter().flat_map(|name| self.values(name)).collect()
    }

    /// The value of the last `name` as a word of its own: all of the next word, or the rest of
    /// the option's word (keeping what it says about expansions and substitutions).
    pub fn value_word(&self, name: &str) -> Option<Word> {
        let found = self.options.iter().rev().find(|f| f.opt.is(name))?;
        let (value, word) = (found.value?, found.word?);
        if value.len() == word.text.len() {
            return Some(word.clone());
        }
        Some(Word {
            text: value.to_owned(),
            ..word.clone()
        })
    }

    /// The operands' texts.
    pub fn operand_texts(&self) -> impl Iterator<Item = &'w str> + '_ {
        self.operands.iter().map(|w| w.text.as_str())
    }
}

impl<'w> Args<'w> {
    fn push(&mut self, opt: Opt, value: Option<&'w str>, word: Option<&'w Word>) {
        self.options.push(Found { opt, value, word });
    }
}

/// Reads `words` (the arguments, without the command's name) by `spec`.
pub fn parse<'w>(spec: &Spec, words: &'w [Word]) -> Args<'w> {
    let mut args = Args::default();
    let mut i = 0;
    while i < words.len() {
        let text = words[i].text.as_str();
        i += 1;
        if text == "--" {
            args.operands.extend(&words[i..]);
            i = words.len();
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            i += long_option(spec, &words[i - 1], long, words.get(i), &mut args);
        } else if text.len() > 1 && text.starts_with('-') {
            i += short_cluster(spec, &words[i - 1], &text[1..], words.get(i), &mut args);
        } else {
            args.operands.push(&words[i - 1]);
            if !spec.permute {
                args.operands.extend(&words[i..]);
                args.stop = i - 1;
                return args;
            }
        }
    }
    args.stop = i;
    args
}

/// `--name`, `--name=value`, or a unique abbreviation; returns how many following words it took.
fn long_option<'w>(
    spec: &Spec,
    word: &'w Word,
    long: &'w str,
    next: Option<&'w Word>,
    args: &mut Args<'w>,
) -> usize {
    let (name, attached_value) = match long.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (long, None),
    };
    let Some(opt) = find_long(spec, name) else {
        args.unknown.push(long);
        return 0;
    };
    match (opt.arity, attached_value) {
        (_, Some(v)) => {
            args.push(opt, Some(v), Some(word));
            0
        }
        (Arity::Value, None) => {
            args.push(opt, next.map(|w| w.text.as_str()), next);
            usize::from(next.is_some())
        }
        (Arity::Flag | Arity::Attached, None) => {
            args.push(opt, None, None);
            0
        }
    }
}

/// The long option `name` names exactly, else the one it uniquely abbreviates.
fn find_long(spec: &Spec, name: &str) -> Option<Opt> {
    if name.is_empty() {
        return None;
    }
    if let Some(exact) = spec.options.iter().find(|o| o.long == name) {
        return Some(*exact);
    }
    let mut candidates = spec.options.iter().filter(|o| o.long.starts_with(name));
    let first = candidates.next()?;
    // Two letters may share a long name (`-r`, `-R`: `--recursive`): that is no ambiguity.
    candidates.all(|o| o.long == first.long).then_some(*first)
}

/// `-abc`, `-oFILE`, `-o FILE`; returns how many following words it took.
fn short_cluster<'w>(
    spec: &Spec,
    word: &'w Word,
    cluster: &'w str,
    next: Option<&'w Word>,
    args: &mut Args<'w>,
) -> usize {
    for (at, letter) in cluster.char_indices() {
        let Some(opt) = spec
            .options
            .iter()
            .find(|o| o.short == letter && letter != NONE)
        else {
            args.unknown.push(&cluster[at..at + letter.len_utf8()]);
            continue;
        };
        let rest = &cluster[at + letter.len_utf8()..];
        match opt.arity {
            Arity::Flag => args.push(*opt, None, None),
            Arity::Attached => {
                let value = (!rest.is_empty()).then_some(rest);
                args.push(*opt, value, value.map(|_| word));
                return 0;
            }
            Arity::Value if !rest.is_empty() => {
                args.push(*opt, Some(rest), Some(word));
                return 0;
            }
            Arity::Value => {
                args.push(*opt, next.map(|w| w.text.as_str()), next);
                return usize::from(next.is_some());
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURL: Spec = Spec {
        options: &[
            value('o', "output"),
            value('H', "header"),
            flag('s', "silent"),
            flag('L', "location"),
            value(NONE, "output-dir"),
        ],
        permute: true,
    };
    const RM: Spec = Spec {
        options: &[
            flag('r', "recursive"),
            flag('R', "recursive"),
            flag('f', "force"),
            flag(NONE, "no-preserve-root"),
            flag(NONE, "preserve-root"),
        ],
        permute: true,
    };

    fn words(line: &str) -> Vec<Word> {
        crate::policy::shell::parse(line).unwrap().commands[0].words[1..].to_vec()
    }

    #[test]
    fn a_value_in_every_spelling() {
        for line in [
            "curl -o/etc/profile URL",
            "curl -o /etc/profile URL",
            "curl --output=/etc/profile URL",
            "curl --output /etc/profile URL",
            "curl -sLo/etc/profile URL",
            "curl -sLo /etc/profile URL",
            "curl URL -o /etc/profile",
        ] {
            let w = words(line);
            let args = parse(&CURL, &w);
            assert_eq!(args.value("output"), Some("/etc/profile"), "{line}");
            assert_eq!(args.operand_texts().collect::<Vec<_>>(), ["URL"], "{line}");
        }
    }

    #[test]
    fn clusters_abbreviations_and_the_end_of_options() {
        let w = words("rm -fR --no-pres x -- -r");
        let args = parse(&RM, &w);
        assert!(args.has("recursive") && args.has("force") && args.has("no-preserve-root"));
        assert_eq!(args.operand_texts().collect::<Vec<_>>(), ["x", "-r"]);
        // `--pre` abbreviates `--preserve-root` alone; `--out` both `--output` and `--output-dir`.
        let w = words("rm --pre x");
        assert!(parse(&RM, &w).has("preserve-root"));
        let w = words("curl --out x URL");
        let args = parse(&CURL, &w);
        assert_eq!(args.unknown, ["out"]);
        assert_eq!(args.value("output"), None);
    }

    #[test]
    fn without_permutation_the_first_operand_ends_the_options() {
        const SUDO: Spec = Spec {
            options: &[value('u', "user")],
            permute: false,
        };
        let w = words("sudo -uroot rm -rf /");
        let args = parse(&SUDO, &w[..]);
        assert_eq!(args.value("user"), Some("root"));
        assert_eq!(args.stop, 1);
        assert_eq!(w[args.stop].text, "rm");
    }

    #[test]
    fn attached_values_only_when_attached() {
        const SED: Spec = Spec {
            options: &[
                attached('i', "in-place"),
                value('e', "expression"),
                flag('n', ""),
            ],
            permute: true,
        };
        let w = words("sed -ni.bak s/a/b/ f");
        let args = parse(&SED, &w);
        assert!(args.has("n"));
        assert_eq!(args.value("in-place"), Some(".bak"));
        let w = words("sed -i -e s/a/b/ f");
        let args = parse(&SED, &w);
        assert!(args.has("in-place") && args.value("in-place").is_none());
        assert_eq!(args.value("expression"), Some("s/a/b/"));
        assert_eq!(args.operand_texts().collect::<Vec<_>>(), ["f"]);
    }
}
