//! The command line: what the user can type, parsed into [`Cli`]. Validation of what the values
//! mean (config files, profiles) happens in `config` and `lib`, not here.
//!
//! Parsed by hand rather than with an argument-parser crate: the grammar is small, and the code a
//! parser crate runs at start-up stays resident for the whole session (BENCHMARKS.md, memory).

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::log::Format;

/// `--help`'s text.
pub const HELP: &str = "\
Runs an interactive program in a pseudo-terminal and answers its prompts by rules, except the
dangerous ones, which it leaves to you.

Usage: autoapprove [OPTIONS] -- <CMD>...
       autoapprove [--config FILE] explain [--cwd DIR] <COMMAND>...
       autoapprove --show-defaults
       autoapprove choices list | show PROGRAM | clear PROGRAM | allow PROGRAM PATTERN
                           | deny PROGRAM PATTERN | import [FILE]
       autoapprove wait DIR | respond DIR SEQ ACTION [--pattern PATTERN] | skill

Commands:
  explain <COMMAND>...   Judge a shell command with the denylist (and your --config's): prints
                         the verdict, the category and the part that triggered it, or how each
                         command was read. One word is a command line ('rm -rf /'); several
                         are one command's exact arguments (sh -c 'rm -rf /'). It runs in
                         --cwd DIR (default: here), the project: deleting, moving away,
                         overwriting or changing the permissions of anything outside it
                         (temp and cache aside), or of the project root or its .git, is
                         dangerous.
                         Exits 0 when it would be allowed, 1 when blocked.
  choices ...            The guard's remembered choices, per program (a path, or a name in
                         PATH): list them, show or clear a program's, allow or deny a
                         pattern, import ptrace-approve's profiles.json (default: its own).
  wait DIR               Print the next event of the run serving DIR (--background) as one
                         JSON line: its oldest open question, or the done event
  respond DIR SEQ ACTION Answer event SEQ (approve, pattern, trust, deny, deny_pattern, quit;
                         pattern and deny_pattern take --pattern), then print the next event;
                         exits with the program's exit code once the run is done
  skill                  Print the manual for a program that drives autoapprove this way

Options:
  -c, --config <FILE>        Prompt rules and settings (YAML); keys it leaves out keep their
                             built-in values. Without it, your own config is read if it exists:
                             $XDG_CONFIG_HOME/autoapprove/config.yaml (else
                             ~/.config/autoapprove/config.yaml)
      --no-user-config       Do not read your own config: the built-in values only
      --idle <DURATION>      Silence before the idle nudges start, e.g. 20s (overrides
                             `idle_timeout`)
      --profile <NAME>       Use this profile's settings (`none`: no profile). By default a
                             profile is chosen by the program's name, e.g. `claude-code` for
                             `claude`
      --show-defaults        Print the built-in configuration as YAML (a valid --config file)
                             and exit
      --log-file <PATH>      Write every event to this file (appending) instead of stderr
      --log-format <FORMAT>  How events are written: text (default) or json
  -v, --verbose              Log more (rate-limit waits, resizes)
  -q, --quiet                Log only warnings (dangerous commands, manual mode)
      --nested               Run even inside another autoapprove (both would answer prompts)
      --project <DIR>        The project's root (default: the working directory): a command
                             that changes what lies outside it is left to you
      --guard[=MODE]         Also supervise every change the program (and all it starts)
                             makes to the file system: ask (default: you are asked, over the
                             program's screen), deny (deny what no pattern allows), log (allow
                             all, log each)
      --guard-allow <PATTERN>  Allow the calls PATTERN covers, for this run (repeatable;
                             implies --guard), e.g. 'open(/tmp/**, ...)'
      --guard-deny <PATTERN>   Deny the calls PATTERN covers, for this run (repeatable)
      --background <DIR>     Send the questions (the guard's, and prompts left to a person) to
                             the clients of DIR (`wait`, `respond`) instead of the terminal
  -h, --help                 Print this help
  -V, --version              Print the version

Examples:
  autoapprove -- claude                        run Claude Code under autoapprove
  autoapprove --config rules.yaml -- claude    with your own rules
  autoapprove --idle 30s -- apt-get upgrade    nudge after 30 s of silence
  autoapprove --log-file aa.log --log-format json -- ./agent.sh
  autoapprove --show-defaults > rules.yaml     start your own rules from the built-in ones
  autoapprove explain 'sudo rm -r -f /'        would the denylist let this through?
  autoapprove --guard -- make test             ask before each change make's processes make
  autoapprove --guard=deny --guard-allow 'open(/tmp/**, ...)' -- ./build.sh
  autoapprove --guard --background /tmp/aa -- make & autoapprove wait /tmp/aa

While it runs, Ctrl-] (the toggle_key) hands control to you (MANUAL_MODE) and back.
Exit status: the program's own; 128+N if signal N killed it; 127 command not found;
126 not executable; 3 stopped with nobody to hand over to (no terminal, MANUAL_MODE for
`manual_timeout`; or AUTOAPPROVE_NO_BLOCK and a --guard that would ask at the terminal); 2 usage or
configuration error; 1 autoapprove's own failure (or no seccomp supervision for --guard).
";

/// The short usage shown under a usage error.
pub const USAGE: &str = "\
Usage: autoapprove [OPTIONS] -- <CMD>...
       autoapprove [--config FILE] explain [--cwd DIR] <COMMAND>...

For more information, try '--help'.";

/// `--guard` and its patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardArgs {
    pub mode: crate::guard::decide::Mode,
    pub allow: Vec<String>,
    pub deny: Vec<String>,
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run this program (never empty) under autoapprove.
    Run(Vec<OsString>),
    /// Judge this command with the denylist.
    Explain(String),
    /// List every pack and rule (`explain --list`).
    ExplainList,
    /// `choices WORDS…`: the guard's remembered choices.
    Choices(Vec<String>),
    /// `wait WORDS…`: the next event of a background run.
    Wait(Vec<String>),
    /// `respond WORDS…`: answer a background run's question.
    Respond(Vec<String>),
    /// `skill`: the manual for a program that drives autoapprove.
    Skill,
    ShowDefaults,
    Help,
    Version,
}

// Its flags are independent switches, as on the command line.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cli {
    pub action: Action,
    pub config: Option<PathBuf>,
    /// `--no-user-config`: the user's own config file is not read.
    pub no_user_config: bool,
    pub idle: Option<Duration>,
    pub profile: Option<String>,
    pub log_file: Option<PathBuf>,
    pub log_format: Format,
    pub verbose: u8,
    pub quiet: bool,
    /// Run even under another autoapprove (see [`crate::pty::child::NESTED_ENV`]).
    pub nested: bool,
    /// Supervise the program's file-system changes.
    pub guard: Option<GuardArgs>,
    /// `--background DIR`: questions go to the clients of DIR instead of the terminal.
    pub background: Option<PathBuf>,
    /// `--project DIR`: the project's root (default: the working directory).
    pub project: Option<PathBuf>,
    /// `explain --cwd DIR`: where the command would run, and its project.
    pub cwd: Option<PathBuf>,
}

/// A command line that cannot be run; printed as `error: …` with [`USAGE`], exit status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

/// Options that take a value; every other option is a flag.
const VALUED: [&str; 10] = [
    "config",
    "idle",
    "profile",
    "log-file",
    "log-format",
    "guard-allow",
    "guard-deny",
    "background",
    "project",
    "cwd",
];
const FLAGS: [&str; 8] = [
    "show-defaults",
    "no-user-config",
    "list",
    "verbose",
    "quiet",
    "nested",
    "help",
    "version",
];

/// What has been read so far; [`Parsed::finish`] turns it into a [`Cli`].
// Its flags are independent switches, as on the command line.
#[allow(clippy::struct_excessive_bools)]
#[derive(Default)]
struct Parsed {
    config: Option<PathBuf>,
    no_user_config: bool,
    idle: Option<Duration>,
    profile: Option<String>,
    log_file: Option<PathBuf>,
    log_format: Format,
    verbose: u8,
    quiet: bool,
    nested: bool,
    /// `--guard`'s mode, if given.
    guard: Option<crate::guard::decide::Mode>,
    guard_allow: Vec<String>,
    guard_deny: Vec<String>,
    /// `--help`, `--version` or `--show-defaults`: answered without running anything; the
    /// first of them in that order wins.
    answer: Option<Action>,
    /// The program after `--`.
    command: Option<Vec<OsString>>,
    /// `explain`'s words; `Some(empty)` right after `explain`.
    explain: Option<Vec<String>>,
    /// A command that reads its own words (`choices`, `wait`, `respond`, `skill`), and
    /// everything after it.
    words: Option<(&'static str, Vec<String>)>,
    background: Option<PathBuf>,
    project: Option<PathBuf>,
    cwd: Option<PathBuf>,
    /// `explain --list`.
    list: bool,
}

/// The commands that read their own words.
const WORD_COMMANDS: [&str; 4] = ["choices", "wait", "respond", "skill"];

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, UsageError> {
    let mut parsed = Parsed::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if let Some((_, words)) = parsed.words.as_mut() {
            words.push(utf8(arg)?);
            continue;
        }
        // After `explain`'s first word, everything is the command being judged.
        if let Some(words) = parsed.explain.as_mut().filter(|w| !w.is_empty()) {
            words.push(utf8(arg)?);
            continue;
        }
        if arg == "--" {
            let rest: Vec<OsString> = args.by_ref().collect();
            match parsed.explain.as_mut() {
                Some(words) => {
                    for word in rest {
                        words.push(utf8(word)?);
                    }
                }
                None => parsed.command = Some(rest),
            }
            break;
        }
        let text = utf8(arg)?;
        let options = if let Some(long) = text.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => vec![(name.to_owned(), Some(value.to_owned()))],
                None => vec![(long.to_owned(), None)],
            }
        } else if let Some(shorts) = text.strip_prefix('-').filter(|s| !s.is_empty()) {
            short_cluster(shorts)?
        } else {
            parsed.word(text)?;
            continue;
        };
        for (name, inline) in options {
            if parsed.explain.is_some()
                && !matches!(
                    name.as_str(),
                    "config" | "no-user-config" | "help" | "cwd" | "list"
                )
            {
                return Err(usage(format!(
                    "`explain` takes only --config, --no-user-config, --cwd and --list; to judge a command that starts \
                     with `-`, put it after `--`: explain -- {text}"
                )));
            }
            parsed.option(&name, inline, &mut args)?;
        }
    }
    parsed.finish()
}

impl Parsed {
    /// A word that is not an option, before any `--`.
    fn word(&mut self, text: String) -> Result<(), UsageError> {
        match self.explain.as_mut() {
            Some(words) => words.push(text),
            None if text == "explain" => self.explain = Some(Vec::new()),
            None if WORD_COMMANDS.contains(&text.as_str()) => {
                let name = WORD_COMMANDS
                    .into_iter()
                    .find(|c| *c == text)
                    .expect("just checked");
                self.words = Some((name, Vec::new()));
            }
            None => {
                return Err(usage(format!(
                    "unexpected argument `{text}`: put the program to run after `--`, \
                     e.g. autoapprove -- {text}"
                )));
            }
        }
        Ok(())
    }

    /// `--name`, with its value inline (`--name=value`) or taken from the next argument.
    fn option(
        &mut self,
        name: &str,
        inline: Option<String>,
        args: &mut impl Iterator<Item = OsString>,
    ) -> Result<(), UsageError> {
        if name == "guard" {
            // Its value only ever comes inline: `--guard -- cmd` must not take `--`.
            use crate::guard::decide::Mode;
            self.guard = Some(match inline.as_deref() {
                None | Some("ask") => Mode::Ask,
                Some("deny") => Mode::Deny,
                Some("log") => Mode::Log,
                Some(other) => {
                    return Err(usage(format!(
                        "--guard: `{other}` is not a mode: expected ask, deny or log"
                    )));
                }
            });
            return Ok(());
        }
        if VALUED.contains(&name) {
            let Some(value) = inline.map(OsString::from).or_else(|| args.next()) else {
                return Err(usage(format!("--{name} needs a value")));
            };
            return self.value(name, value);
        }
        if !FLAGS.contains(&name) {
            return Err(usage(format!("unknown option `--{name}`")));
        }
        if inline.is_some() {
            return Err(usage(format!("--{name} takes no value")));
        }
        match name {
            "verbose" => self.verbose = self.verbose.saturating_add(1),
            "quiet" => self.quiet = true,
            "nested" => self.nested = true,
            "no-user-config" => self.no_user_config = true,
            "list" => self.list = true,
            "help" => self.answer = Some(Action::Help),
            "version" if self.answer != Some(Action::Help) => self.answer = Some(Action::Version),
            "show-defaults" if self.answer.is_none() => self.answer = Some(Action::ShowDefaults),
            _ => {}
        }
        Ok(())
    }

    /// Paths may be any bytes; the other values are text.
    fn value(&mut self, name: &str, value: OsString) -> Result<(), UsageError> {
        match name {
            "config" => self.config = Some(PathBuf::from(value)),
            "log-file" => self.log_file = Some(PathBuf::from(value)),
            "background" => self.background = Some(PathBuf::from(value)),
            "project" => self.project = Some(PathBuf::from(value)),
            "cwd" => self.cwd = Some(PathBuf::from(value)),
            "idle" => self.idle = Some(parse_idle(&utf8(value)?)?),
            "profile" => self.profile = Some(utf8(value)?),
            "guard-allow" | "guard-deny" => {
                let pattern = utf8(value)?;
                if let Err(e) = crate::guard::pattern::Pattern::new(&pattern) {
                    return Err(usage(format!("--{name} `{pattern}`: {e}")));
                }
                if name == "guard-allow" {
                    self.guard_allow.push(pattern);
                } else {
                    self.guard_deny.push(pattern);
                }
            }
            _ => {
                let value = utf8(value)?;
                self.log_format = match value.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    _ => {
                        return Err(usage(format!(
                            "--log-format: `{value}` is not a format: expected text or json"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Cli, UsageError> {
        if self.quiet && self.verbose > 0 {
            return Err(usage("--quiet and --verbose cannot be used together"));
        }
        let action = if let Some(answer) = self.answer {
            answer
        } else if let Some((command, words)) = self.words {
            match command {
                "choices" => Action::Choices(words),
                "wait" => Action::Wait(words),
                "respond" => Action::Respond(words),
                _ if words.is_empty() => Action::Skill,
                _ => return Err(usage("skill takes no arguments")),
            }
        } else if self.list && self.explain.is_none() {
            return Err(usage(
                "--list goes with explain: autoapprove explain --list",
            ));
        } else if let Some(words) = self.explain {
            if self.list {
                if !words.is_empty() {
                    return Err(usage("explain --list takes no command"));
                }
                Action::ExplainList
            } else if words.is_empty() {
                return Err(usage(
                    "explain needs the command to judge, e.g. explain 'rm -rf /'",
                ));
            } else {
                // One word is a command line; several are the exact argv of one command, so
                // `explain sh -c 'rm -rf /'` judges what `sh` would be given.
                match words.as_slice() {
                    [line] => Action::Explain(line.clone()),
                    _ => Action::Explain(crate::policy::shell::join(&words)),
                }
            }
        } else {
            match self.command {
                Some(command) if !command.is_empty() => Action::Run(command),
                _ => {
                    return Err(usage(
                        "no program to run: put it after `--`, e.g. autoapprove -- claude",
                    ));
                }
            }
        };
        let patterns = !self.guard_allow.is_empty() || !self.guard_deny.is_empty();
        let guard = (self.guard.is_some() || patterns).then(|| GuardArgs {
            mode: self.guard.unwrap_or(crate::guard::decide::Mode::Ask),
            allow: self.guard_allow,
            deny: self.guard_deny,
        });
        Ok(Cli {
            action,
            config: self.config,
            no_user_config: self.no_user_config,
            idle: self.idle,
            profile: self.profile,
            log_file: self.log_file,
            log_format: self.log_format,
            verbose: self.verbose,
            quiet: self.quiet,
            nested: self.nested,
            guard,
            background: self.background,
            project: self.project,
            cwd: self.cwd,
        })
    }
}

/// `-vvq`, `-cFILE`: flags may share a dash; `-c` takes the rest of the word as its value.
fn short_cluster(shorts: &str) -> Result<Vec<(String, Option<String>)>, UsageError> {
    let mut options = Vec::new();
    for (i, c) in shorts.char_indices() {
        let name = match c {
            'c' => {
                let rest = &shorts[i + 1..];
                options.push((
                    "config".to_owned(),
                    (!rest.is_empty()).then(|| rest.to_owned()),
                ));
                break;
            }
            'v' => "verbose",
            'q' => "quiet",
            'h' => "help",
            'V' => "version",
            other => return Err(usage(format!("unknown option `-{other}`"))),
        };
        options.push((name.to_owned(), None));
    }
    Ok(options)
}

fn utf8(arg: OsString) -> Result<String, UsageError> {
    arg.into_string()
        .map_err(|a| usage(format!("argument `{}` is not valid UTF-8", a.display())))
}

fn parse_idle(text: &str) -> Result<Duration, UsageError> {
    match humantime::parse_duration(text) {
        Ok(d) if d < crate::config::SHORTEST_TIMEOUT => {
            Err(usage("--idle: the idle timeout must be at least 100ms"))
        }
        Ok(d) => Ok(crate::config::clamped(d)),
        Err(_) => Err(usage(format!(
            "--idle: `{text}` is not a duration: expected e.g. 500ms, 20s, 2m"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Cli, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn everything_after_the_double_dash_is_the_command() {
        let cli = parse_str(&["--idle", "20s", "-vv", "--", "ls", "-la", "--", "-v"]).unwrap();
        assert_eq!(cli.idle, Some(Duration::from_secs(20)));
        assert_eq!(cli.verbose, 2);
        assert_eq!(
            cli.action,
            Action::Run(["ls", "-la", "--", "-v"].map(OsString::from).to_vec())
        );
    }

    #[test]
    fn values_come_inline_or_as_the_next_word() {
        let cli = parse_str(&[
            "--config=a.yaml",
            "--log-format",
            "json",
            "--profile=none",
            "--log-file",
            "x.log",
            "-q",
            "--",
            "true",
        ])
        .unwrap();
        assert_eq!(cli.config, Some(PathBuf::from("a.yaml")));
        assert_eq!(cli.log_format, Format::Json);
        assert_eq!(cli.profile.as_deref(), Some("none"));
        assert_eq!(cli.log_file, Some(PathBuf::from("x.log")));
        assert!(cli.quiet);
        let cli = parse_str(&["-cb.yaml", "--", "true"]).unwrap();
        assert_eq!(cli.config, Some(PathBuf::from("b.yaml")));
        let cli = parse_str(&["-vc", "c.yaml", "--", "true"]).unwrap();
        assert_eq!(
            (cli.verbose, cli.config),
            (1, Some(PathBuf::from("c.yaml")))
        );
    }

    #[test]
    fn explain_takes_the_rest_as_the_command() {
        let cli = parse_str(&["explain", "rm", "-rf", "/"]).unwrap();
        assert_eq!(cli.action, Action::Explain("rm -rf /".into()));
        let cli = parse_str(&["explain", "-c", "r.yaml", "sudo", "--", "x"]).unwrap();
        assert_eq!(cli.action, Action::Explain("sudo -- x".into()));
        assert_eq!(cli.config, Some(PathBuf::from("r.yaml")));
        let cli = parse_str(&["explain", "--", "-rf"]).unwrap();
        assert_eq!(cli.action, Action::Explain("-rf".into()));
        let cli = parse_str(&["--", "explain"]).unwrap();
        assert_eq!(cli.action, Action::Run(vec![OsString::from("explain")]));
    }

    #[test]
    fn guard_takes_its_mode_inline_and_patterns_imply_it() {
        use crate::guard::decide::Mode;
        let cli = parse_str(&["--guard", "--", "ls"]).unwrap();
        assert_eq!(cli.guard.map(|g| g.mode), Some(Mode::Ask));
        assert_eq!(cli.action, Action::Run(vec![OsString::from("ls")]));
        let cli = parse_str(&[
            "--guard=deny",
            "--guard-allow",
            "open(/tmp/**, ...)",
            "--",
            "ls",
        ]);
        let guard = cli.unwrap().guard.unwrap();
        assert_eq!(
            (guard.mode, guard.allow),
            (Mode::Deny, vec!["open(/tmp/**, ...)".to_owned()])
        );
        let guard = parse_str(&["--guard-deny=delete(_)", "--", "ls"])
            .unwrap()
            .guard
            .unwrap();
        assert_eq!((guard.mode, guard.deny.len()), (Mode::Ask, 1));
        assert!(parse_str(&["--", "ls"]).unwrap().guard.is_none());
    }

    #[test]
    fn help_version_and_show_defaults_need_no_command() {
        assert_eq!(parse_str(&["--help"]).unwrap().action, Action::Help);
        assert_eq!(parse_str(&["-h", "--", "ls"]).unwrap().action, Action::Help);
        assert_eq!(parse_str(&["explain", "-h"]).unwrap().action, Action::Help);
        assert_eq!(parse_str(&["-V"]).unwrap().action, Action::Version);
        assert_eq!(
            parse_str(&["--show-defaults"]).unwrap().action,
            Action::ShowDefaults
        );
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        for (args, message) in [
            (&[][..], "no program to run"),
            (&["--"][..], "no program to run"),
            (
                &["claude"][..],
                "unexpected argument `claude`: put the program to run after `--`",
            ),
            (&["--bogus", "--", "ls"][..], "unknown option `--bogus`"),
            (&["-x", "--", "ls"][..], "unknown option `-x`"),
            (
                &["--idle", "soon", "--", "ls"][..],
                "`soon` is not a duration",
            ),
            (&["--idle", "0s", "--", "ls"][..], "must be at least 100ms"),
            (&["--idle", "1ns", "--", "ls"][..], "must be at least 100ms"),
            (&["--idle"][..], "--idle needs a value"),
            (
                &["--log-format", "xml", "--", "ls"][..],
                "`xml` is not a format",
            ),
            (&["--quiet=yes", "--", "ls"][..], "--quiet takes no value"),
            (&["-q", "-v", "--", "ls"][..], "cannot be used together"),
            (&["explain"][..], "explain needs the command"),
            (&["--guard=maybe", "--", "ls"][..], "`maybe` is not a mode"),
            (
                &["--guard-allow", "open(/x", "--", "ls"][..],
                "--guard-allow `open(/x`: column",
            ),
            (
                &["explain", "--idle", "1s", "ls"][..],
                "`explain` takes only --config",
            ),
        ] {
            let err = parse_str(args).unwrap_err().to_string();
            assert!(err.contains(message), "{args:?}: {err}");
        }
    }

    #[test]
    fn non_utf8_is_fine_for_the_program_but_not_for_options() {
        use std::os::unix::ffi::OsStringExt as _;
        let odd = OsString::from_vec(vec![b'a', 0xff]);
        let cli = parse(["--".into(), odd.clone()]).unwrap();
        assert_eq!(cli.action, Action::Run(vec![odd.clone()]));
        let cli = parse(["--config".into(), odd.clone(), "--".into(), "ls".into()]).unwrap();
        assert_eq!(cli.config, Some(PathBuf::from(odd.clone())));
        assert!(parse(["--profile".into(), odd, "--".into(), "ls".into()]).is_err());
    }
}
