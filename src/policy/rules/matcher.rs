//! A declared rule's `match`: which program, which subcommand path, which options and operands —
//! read on the parsed command (after its wrappers), never on the raw text.
//!
//! Options are read as the command-line parsers of these tools read them (Go's `pflag`, Python's
//! `argparse`, `clap`): `--name=value` and `--name value` for the options the pack says take a
//! value, `-xVALUE` and `-x VALUE` likewise, clusters of one-letter flags (`-af`), and `--`
//! ending options. Every option a tool does not declare is a flag, so a forgotten value option
//! can only turn its value into an operand.

use crate::policy::rules::glob::Glob;
use crate::policy::scope::Class;
use crate::policy::shell::Word;

/// One way a rule matches. Every condition given must hold.
#[derive(Debug, Clone)]
pub struct Match {
    /// Program names (the file name, after wrappers).
    pub programs: Vec<String>,
    /// The subcommand path: one set of alternatives per level (`system|image prune`), matched
    /// against the first operands in order.
    pub command: Vec<Glob>,
    /// At least one of these options is present (when any are named).
    pub options: Vec<String>,
    /// None of these is present (`--dry-run`).
    pub unless: Vec<String>,
    /// One of `options` has one of `values` (`-X DELETE`), compared without case.
    pub option_value: Option<(Vec<String>, Glob)>,
    /// At least one operand after the subcommand path matches (when given).
    pub operands: Option<Glob>,
    /// No operand after the subcommand path matches (`DELETE … WHERE`).
    pub unless_operands: Option<Glob>,
    /// At least one operand after the subcommand path is in one of these places (when any are
    /// named; never where no project is known).
    pub operand_class: Vec<Class>,
    /// The last operand — the destination, for tools that copy or sync — is in one of these.
    pub target_class: Vec<Class>,
    /// The options of these programs that take a separate value.
    pub takes_value: Vec<String>,
}

/// A command line read by the generic option rules above.
#[derive(Debug, Default)]
pub struct Read<'w> {
    /// Each option as written before `=` (`--force`, `-f`), with its value if it has one.
    options: Vec<(&'w str, Option<&'w str>)>,
    /// Letters of one-letter flag clusters (`-af`: `a`, `f`).
    letters: Vec<char>,
    pub operands: Vec<&'w str>,
}

impl<'w> Read<'w> {
    pub fn new(args: &'w [Word], takes_value: &[String]) -> Self {
        let mut read = Read::default();
        let takes = |name: &str| takes_value.iter().any(|t| t == name);
        let mut words = args.iter().map(|w| w.text.as_str());
        while let Some(word) = words.next() {
            if word == "--" {
                read.operands.extend(words.by_ref());
                break;
            }
            if let Some(long) = word.strip_prefix("--").filter(|l| !l.is_empty()) {
                let (name, value) = match long.split_once('=') {
                    Some((name, value)) => (&word[..name.len() + 2], Some(value)),
                    None if takes(word) => (word, words.next()),
                    None => (word, None),
                };
                read.options.push((name, value));
            } else if word.len() > 1 && word.starts_with('-') && !is_number(word) {
                // A single-dash long option (Go's `-destroy`, `-auto-approve=true`), or a short
                // one with its value attached, or a cluster of flags.
                let (name, attached) = match word.split_once('=') {
                    Some((name, value)) => (name, Some(value)),
                    None => (word, None),
                };
                if takes(name) {
                    read.options.push((name, attached.or_else(|| words.next())));
                    continue;
                }
                let short = &word[..word.char_indices().nth(2).map_or(word.len(), |(i, _)| i)];
                if takes(short) {
                    let rest = &word[short.len()..];
                    let value = if rest.is_empty() {
                        words.next()
                    } else {
                        Some(rest)
                    };
                    read.options.push((short, value));
                    continue;
                }
                read.options.push((name, attached));
                if name[1..].chars().all(|c| c.is_ascii_alphanumeric()) {
                    read.letters.extend(name[1..].chars());
                }
            } else {
                read.operands.push(word);
            }
        }
        read
    }

    pub fn has(&self, option: &str) -> bool {
        self.options.iter().any(|(name, _)| *name == option)
            || (is_short(option) && option[1..].chars().all(|c| self.letters.contains(&c)))
    }

    fn values<'a>(&'a self, names: &'a [String]) -> impl Iterator<Item = &'w str> + 'a {
        self.options
            .iter()
            .filter(|(name, _)| names.iter().any(|n| n == name))
            .filter_map(|(_, value)| *value)
            .chain(
                // `-XDELETE`: a short option with its value attached, undeclared.
                self.options.iter().filter_map(|(name, _)| {
                    names
                        .iter()
                        .filter(|n| is_short(n))
                        .find_map(|n| name.strip_prefix(n.as_str()).filter(|v| !v.is_empty()))
                }),
            )
    }
}

impl Match {
    /// Whether `name ARGS…` is matched; `class` says where a path is (`None`: no project known).
    pub fn matches(
        &self,
        name: &str,
        args: &[Word],
        class: &dyn Fn(&str) -> Option<Class>,
    ) -> bool {
        if !self.programs.iter().any(|p| p == name) {
            return false;
        }
        let read = Read::new(args, &self.takes_value);
        if read.operands.len() < self.command.len()
            || !self
                .command
                .iter()
                .zip(&read.operands)
                .all(|(level, word)| level.is_match(word))
        {
            return false;
        }
        let rest = &read.operands[self.command.len()..];
        (self.options.is_empty() || self.options.iter().any(|o| read.has(o)))
            && !self.unless.iter().any(|o| read.has(o))
            && self
                .option_value
                .as_ref()
                .is_none_or(|(names, values)| read.values(names).any(|v| values.is_match(v)))
            && self
                .operands
                .as_ref()
                .is_none_or(|r| rest.iter().any(|o| r.is_match(o)))
            && self
                .unless_operands
                .as_ref()
                .is_none_or(|r| !rest.iter().any(|o| r.is_match(o)))
            && (self.operand_class.is_empty()
                || rest
                    .iter()
                    .any(|o| class(o).is_some_and(|c| self.operand_class.contains(&c))))
            && (self.target_class.is_empty()
                || rest
                    .last()
                    .and_then(|o| class(o))
                    .is_some_and(|c| self.target_class.contains(&c)))
    }
}

fn is_short(option: &str) -> bool {
    option.len() == 2 && option.starts_with('-')
}

/// `-1`, `-9`: a number (a pid, a signal), not options.
fn is_number(word: &str) -> bool {
    word[1..].chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::shell;

    fn words(line: &str) -> Vec<Word> {
        shell::parse(line).unwrap().commands.remove(0).words
    }

    fn docker_prune() -> Match {
        Match {
            programs: vec!["docker".into()],
            command: vec![
                Glob::new("system|image", false).unwrap(),
                Glob::new("prune", false).unwrap(),
            ],
            options: vec!["-a".into(), "--all".into()],
            unless: vec!["--dry-run".into()],
            option_value: None,
            operands: None,
            unless_operands: None,
            operand_class: Vec::new(),
            target_class: Vec::new(),
            takes_value: vec!["-H".into(), "--host".into(), "--filter".into()],
        }
    }

    fn matches(m: &Match, line: &str) -> bool {
        let w = words(line);
        m.matches(&w[0].text, &w[1..], &|_| None)
    }

    #[test]
    fn subcommand_path_and_options_in_every_spelling() {
        let m = docker_prune();
        for line in [
            "docker system prune -a",
            "docker system prune -af",
            "docker -H tcp://x system prune --all",
            "docker --host=tcp://x image prune -fa",
            "docker system prune --filter until=24h -a",
        ] {
            assert!(matches(&m, line), "{line}");
        }
        for line in [
            "docker system prune",
            "docker system df -a",
            "docker image ls -a",
            "docker system prune -a --dry-run",
            "podman system prune -a",
            "docker --host system prune -a",
        ] {
            assert!(!matches(&m, line), "{line}");
        }
    }

    #[test]
    fn option_values_attached_or_not() {
        let m = Match {
            programs: vec!["curl".into()],
            command: Vec::new(),
            options: Vec::new(),
            unless: Vec::new(),
            option_value: Some((
                vec!["-X".into(), "--request".into()],
                Glob::new("delete", true).unwrap(),
            )),
            operands: Some(Glob::new("https://api.github.com/*", false).unwrap()),
            unless_operands: None,
            operand_class: Vec::new(),
            target_class: Vec::new(),
            takes_value: vec!["-X".into(), "--request".into(), "-H".into()],
        };
        for line in [
            "curl -X DELETE https://api.github.com/repos/o/r",
            "curl -XDELETE https://api.github.com/repos/o/r",
            "curl --request=delete -H 'Authorization: x' https://api.github.com/repos/o/r",
        ] {
            assert!(matches(&m, line), "{line}");
        }
        assert!(!matches(&m, "curl -X GET https://api.github.com/repos/o/r"));
        assert!(!matches(&m, "curl -X DELETE https://example.com/x"));
    }
}
