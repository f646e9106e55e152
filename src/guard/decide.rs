//! The order in which a supervised call is decided: deny patterns first (this run's, the
//! remembered ones, the built-in ones); then, for an `exec`, the denylist's verdict on the command
//! line it runs — a dangerous one is refused even where an allow pattern matches; then allow
//! patterns (this run's, remembered, built-in); then the config's places and `allow_exec`
//! (`guard:`, a profile's); then the mode: ask the person, deny, or log and allow.

use crate::guard::call::Call;
use crate::guard::pattern::{Described, Pattern};
use crate::guard::places::Places;
use crate::policy::{Denylist, Subject, shell};

/// What the guard does with a call no pattern decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Ask the person (`--guard`, `--guard=ask`).
    Ask,
    /// Deny it (`--guard=deny`).
    Deny,
    /// Allow it, and log it (`--guard=log`).
    Log,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ask => "ask",
            Self::Deny => "deny",
            Self::Log => "log",
        }
    }
}

/// The decision, and what made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow(Reason),
    Deny(Reason),
    /// Nothing decided it, and the mode asks the person.
    Ask,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A pattern: where it came from and its text.
    Pattern { from: Source, pattern: String },
    /// The denylist refused the command line an `exec` runs.
    Dangerous { category: String, excerpt: String },
    /// The mode decided (`deny`, or `log`).
    Mode(Mode),
    /// The person trusted the calling process's tree, or everything, for this run.
    Trusted,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Pattern { from, pattern } => {
                let from = match from {
                    Source::Session => "this run's pattern",
                    Source::Remembered => "remembered pattern",
                    Source::Config => "guard.allow_paths",
                    Source::BuiltIn => "built-in pattern",
                };
                write!(f, "{from} {pattern}")
            }
            Self::Dangerous { category, excerpt } => {
                write!(f, "dangerous command ({category}): {excerpt}")
            }
            Self::Mode(mode) => write!(f, "--guard={}", mode.as_str()),
            Self::Trusted => f.write_str("trusted"),
        }
    }
}

/// Where a pattern came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `--guard-allow` / `--guard-deny`.
    Session,
    /// The program's remembered choices.
    Remembered,
    /// The config's `guard:` section (`allow_paths`, `allow_exec`).
    Config,
    /// The few built in (`--show-defaults`).
    BuiltIn,
}

/// One source's patterns.
#[derive(Debug, Default, Clone)]
pub struct Patterns {
    pub allow: Vec<Pattern>,
    pub deny: Vec<Pattern>,
}

/// The calls allowed without asking: the terminal devices, `/dev/null`, the process's own
/// `/proc/self`, and exec attempts of paths that do not exist (a `PATH` search trying each
/// directory). The last is decided by the caller, which can look at the file system.
pub const BUILT_IN_ALLOW: &[&str] = &[
    "open(/dev/null, ...)",
    "open(/dev/tty, ...)",
    "open(/dev/pts/*, ...)",
    "open(/dev/ptmx, ...)",
    "open(/proc/self/**, ...)",
    "open(/proc/thread-self/**, ...)",
];

/// The built-in allows, as YAML comments for `--show-defaults` (they are not configurable: a
/// `--guard-deny` pattern overrides any of them).
pub fn built_in_allows_as_comment() -> String {
    let mut out = String::from(
        "\n# --guard allows these calls without asking (a --guard-deny pattern still wins):\n",
    );
    for pattern in BUILT_IN_ALLOW {
        out.push_str("#   ");
        out.push_str(pattern);
        out.push('\n');
    }
    out.push_str("#   exec of a path that does not exist (a PATH search trying each directory)\n");
    out
}

/// Everything a decision reads.
pub struct Rules<'a> {
    pub session: &'a Patterns,
    pub remembered: &'a Patterns,
    pub built_in: &'a Patterns,
    pub denylist: &'a Denylist,
    /// `guard.allow_paths`.
    pub places: &'a Places,
    /// `guard.allow_exec`.
    pub allow_exec: bool,
    pub mode: Mode,
    /// The user's home directory: an `exec`'s arguments that name it are read as `~`.
    pub home: Option<&'a [u8]>,
}

impl Rules<'_> {
    /// Decides `call`, whose description is `description` (`Call::describe`); `cwd` is the
    /// calling process's working directory, against which an `exec`'s relative paths are read.
    pub fn decide(&self, call: &Call, description: &str, cwd: Option<&[u8]>) -> Decision {
        let sources = [
            (Source::Session, self.session),
            (Source::Remembered, self.remembered),
            (Source::BuiltIn, self.built_in),
        ];
        let described = Described::new(description);
        let first = |deny: bool| {
            sources.iter().find_map(|(from, patterns)| {
                let list = if deny {
                    &patterns.deny
                } else {
                    &patterns.allow
                };
                list.iter()
                    .find(|p| p.covers(&described))
                    .map(|p| Reason::Pattern {
                        from: *from,
                        pattern: p.as_str().to_owned(),
                    })
            })
        };
        if let Some(reason) = first(true) {
            return Decision::Deny(reason);
        }
        if let Call::Exec { argv, .. } = call {
            let words: Vec<String> = argv
                .iter()
                .enumerate()
                .map(|(i, a)| match i {
                    0 => String::from_utf8_lossy(a).into_owned(),
                    _ => as_the_denylist_reads(a, cwd, self.home),
                })
                .collect();
            if let Some(v) = self.denylist.check(Subject::Exec(&shell::join(&words))) {
                return Decision::Deny(Reason::Dangerous {
                    category: v.id,
                    excerpt: v.excerpt,
                });
            }
        }
        if let Some(reason) = first(false) {
            return Decision::Allow(reason);
        }
        let configured = match call {
            Call::Exec { .. } if self.allow_exec => Some("allow_exec"),
            _ => self.places.covering(call),
        };
        if let Some(place) = configured {
            return Decision::Allow(Reason::Pattern {
                from: Source::Config,
                pattern: place.to_owned(),
            });
        }
        match self.mode {
            Mode::Ask => Decision::Ask,
            Mode::Deny => Decision::Deny(Reason::Mode(self.mode)),
            Mode::Log => Decision::Allow(Reason::Mode(self.mode)),
        }
    }
}

/// An argument of an `exec` as the denylist should read it: a path that lands in the user's home
/// (absolute, or relative to the process's `cwd`) is written from `~`, the way the denylist
/// knows homes — `rm -rf /home/me` and, run from there, `rm -rf .ssh` are `rm -rf ~`,
/// `rm -rf ~/.ssh`. Options and everything else are left as they are.
fn as_the_denylist_reads(word: &[u8], cwd: Option<&[u8]>, home: Option<&[u8]>) -> String {
    let as_is = || String::from_utf8_lossy(word).into_owned();
    let Some(home) = home.filter(|h| h.len() > 1) else {
        return as_is();
    };
    if word.is_empty() || word.starts_with(b"-") {
        return as_is();
    }
    let path = match (word.starts_with(b"/"), cwd) {
        (true, _) => crate::guard::call::resolve(b"/", word),
        (false, Some(cwd)) => crate::guard::call::resolve(cwd, word),
        (false, None) => return as_is(),
    };
    let home = crate::guard::call::resolve(b"/", home);
    match path.strip_prefix(home.as_slice()) {
        Some(b"") => "~".to_owned(),
        Some(rest) if rest.starts_with(b"/") => format!("~{}", String::from_utf8_lossy(rest)),
        _ => as_is(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(allow: &[&str], deny: &[&str]) -> Patterns {
        let read = |list: &[&str]| list.iter().map(|p| Pattern::new(p).unwrap()).collect();
        Patterns {
            allow: read(allow),
            deny: read(deny),
        }
    }

    fn decide(session: &Patterns, mode: Mode, call: &Call) -> Decision {
        decide_with(session, &Places::default(), false, mode, call)
    }

    fn decide_with(
        session: &Patterns,
        places: &Places,
        allow_exec: bool,
        mode: Mode,
        call: &Call,
    ) -> Decision {
        let built_in = patterns(BUILT_IN_ALLOW, &[]);
        let rules = Rules {
            session,
            remembered: &patterns(&["open(/w/**, _)"], &["delete(/w/keep)"]),
            built_in: &built_in,
            denylist: &Denylist::default(),
            places,
            allow_exec,
            mode,
            home: Some(b"/home/me"),
        };
        rules.decide(call, &call.describe(), Some(b"/home/me"))
    }

    #[test]
    fn configured_places_and_execs_are_allowed_after_deny_patterns_and_the_denylist() {
        let vars = crate::guard::places::Vars {
            project: Some("/w".into()),
            ..Default::default()
        };
        let places = Places::new(&["{project}".into()], &vars);
        let none = Patterns::default();
        let d = |call: &Call| decide_with(&none, &places, true, Mode::Ask, call);
        assert!(matches!(
            d(&Call::Delete(b"/w/build/x.o".to_vec())),
            Decision::Allow(Reason::Pattern { from: Source::Config, ref pattern }) if pattern == "{project}"
        ));
        // A remembered deny pattern still wins; outside the place the mode decides.
        assert!(matches!(
            d(&Call::Delete(b"/w/keep".to_vec())),
            Decision::Deny(_)
        ));
        assert_eq!(d(&Call::Delete(b"/elsewhere/x".to_vec())), Decision::Ask);
        assert!(matches!(
            d(&exec(&["sh", "-c", "make"])),
            Decision::Allow(_)
        ));
        assert!(matches!(
            d(&exec(&["sh", "-c", "rm -rf ~"])),
            Decision::Deny(Reason::Dangerous { .. })
        ));
    }

    fn exec(argv: &[&str]) -> Call {
        Call::Exec {
            path: b"/bin/sh".to_vec(),
            argv: argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
        }
    }

    #[test]
    fn deny_beats_allow_and_the_mode_decides_the_rest() {
        let none = Patterns::default();
        let keep = Call::Delete(b"/w/keep".to_vec());
        let allow_all = patterns(&["delete(_)", "exec(...)"], &[]);
        assert!(matches!(
            decide(&allow_all, Mode::Ask, &keep),
            Decision::Deny(Reason::Pattern {
                from: Source::Remembered,
                ..
            })
        ));
        let other = Call::Delete(b"/w/other".to_vec());
        assert!(matches!(
            decide(&allow_all, Mode::Deny, &other),
            Decision::Allow(Reason::Pattern {
                from: Source::Session,
                ..
            })
        ));
        assert_eq!(decide(&none, Mode::Ask, &other), Decision::Ask);
        assert_eq!(
            decide(&none, Mode::Deny, &other),
            Decision::Deny(Reason::Mode(Mode::Deny))
        );
        assert_eq!(
            decide(&none, Mode::Log, &other),
            Decision::Allow(Reason::Mode(Mode::Log))
        );
        let null = Call::Open {
            path: b"/dev/null".to_vec(),
            flags: crate::guard::call::OpenFlags::from_bits(1).unwrap(),
        };
        assert!(matches!(
            decide(&none, Mode::Deny, &null),
            Decision::Allow(Reason::Pattern {
                from: Source::BuiltIn,
                ..
            })
        ));
    }

    #[test]
    fn a_dangerous_exec_is_refused_though_an_allow_pattern_matches() {
        let allow_all = patterns(&["exec(...)"], &[]);
        let d = decide(&allow_all, Mode::Log, &exec(&["sh", "-c", "rm -rf ~"]));
        assert!(
            matches!(d, Decision::Deny(Reason::Dangerous { ref category, .. }) if category == "recursive-delete"),
            "{d:?}"
        );
        let d = decide(&allow_all, Mode::Deny, &exec(&["sh", "-c", "ls ~"]));
        assert!(matches!(d, Decision::Allow(_)), "{d:?}");
        // The home as the process names it: absolute, or relative to its working directory.
        for argv in [
            &["rm", "-rf", "/home/me"][..],
            &["rm", "-rf", "/home/me/"],
            &["rm", "-rf", "."],
            &["rm", "-rf", "../me/.ssh"],
        ] {
            let d = decide(&allow_all, Mode::Log, &exec(argv));
            assert!(
                matches!(d, Decision::Deny(Reason::Dangerous { .. })),
                "{argv:?}: {d:?}"
            );
        }
        let d = decide(
            &allow_all,
            Mode::Log,
            &exec(&["rm", "-rf", "project/build"]),
        );
        assert!(matches!(d, Decision::Allow(_)), "{d:?}");
    }

    #[test]
    fn what_a_program_prints_for_itself_is_no_leak() {
        // Claude Code runs `bash -c env` to learn its shell's environment: the output is its own.
        let allow_all = patterns(&["exec(...)"], &[]);
        for argv in [
            &["/bin/bash", "-c", "env"][..],
            &["sh", "-c", "echo $NPM_TOKEN"],
        ] {
            let d = decide(&allow_all, Mode::Log, &exec(argv));
            assert!(matches!(d, Decision::Allow(_)), "{argv:?}: {d:?}");
        }
        let d = decide(
            &allow_all,
            Mode::Log,
            &exec(&["cat", "/home/me/.ssh/id_rsa"]),
        );
        assert!(
            matches!(d, Decision::Deny(Reason::Dangerous { ref category, .. }) if category == "credentials"),
            "{d:?}"
        );
    }
}
