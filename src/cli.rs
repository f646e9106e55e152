//! The command line: every option and command defined once, with clap, and parsed into [`Cli`].
//! The same definition gives `--help`, each command's `-h`, typo suggestions, the shell
//! completions and the man page. What the values mean (config files, profiles) is checked in
//! `config` and `lib`, not here.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::guard::decide::Mode;
use crate::log::Format;

const ABOUT: &str = "Runs an interactive program in a pseudo-terminal and answers its prompts by \
                     rules, except the dangerous ones, which it leaves to you.";

const USAGE: &str = "autoapprove [OPTIONS] -- <CMD>...
       autoapprove [--config FILE] explain [--cwd DIR] <COMMAND>...
       autoapprove <COMMAND> [ARGS]...";

const AFTER_HELP: &str = "\
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

Exit status: the program's own; 128+N if signal N killed it; 127 command not found; 126 not
executable; 3 stopped with nobody to hand over to (no terminal, MANUAL_MODE for
`manual_timeout`; or AUTOAPPROVE_NO_BLOCK and a --guard that would ask at the terminal); 2 usage
or configuration error; 1 autoapprove's own failure (or no seccomp supervision for --guard).";

/// The command line as clap reads it; [`parse`] turns it into a [`Cli`].
// Its flags are independent switches, as on the command line.
#[allow(clippy::struct_excessive_bools)]
#[derive(Parser, Debug)]
#[command(
    name = "autoapprove",
    version,
    about = ABOUT,
    override_usage = USAGE,
    after_help = AFTER_HELP,
    max_term_width = 100
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    config: ConfigArgs,

    /// Silence before the idle nudges start, e.g. 20s (overrides `idle_timeout`; at least 100ms)
    #[arg(long, value_name = "DURATION", value_parser = parse_idle)]
    idle: Option<Duration>,

    /// Use this profile's settings (`none`: no profile). By default a profile is chosen by the
    /// program's name, e.g. `claude-code` for `claude`
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,

    /// Print the built-in configuration as YAML (a valid --config file) and exit
    #[arg(long)]
    show_defaults: bool,

    /// Write every event to this file (appending) instead of stderr
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,

    /// How events are written
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    /// Log more (rate-limit waits, resizes)
    #[arg(short, long, action = ArgAction::Count)]
    verbose: u8,

    /// Log only warnings (dangerous commands, manual mode)
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,

    /// Run even inside another autoapprove (both would answer prompts)
    #[arg(long)]
    nested: bool,

    /// The project's root (default: the working directory): a command that changes what lies
    /// outside it is left to you
    #[arg(long, value_name = "DIR")]
    project: Option<PathBuf>,

    /// Also supervise every change the program (and all it starts) makes to the file system:
    /// ask (you are asked, over the program's screen), deny (deny what no pattern allows), log
    /// (allow all, log each)
    #[arg(
        long,
        value_name = "MODE",
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "ask"
    )]
    guard: Option<GuardMode>,

    /// Allow the calls PATTERN covers, for this run (repeatable; implies --guard), e.g.
    /// 'open(/tmp/**, ...)'
    #[arg(long, value_name = "PATTERN", value_parser = guard_pattern)]
    guard_allow: Vec<String>,

    /// Deny the calls PATTERN covers, for this run (repeatable; implies --guard)
    #[arg(long, value_name = "PATTERN", value_parser = guard_pattern)]
    guard_deny: Vec<String>,

    /// Send the questions (the guard's, and prompts left to a person) to the clients of DIR
    /// (`wait`, `respond`) instead of the terminal
    #[arg(long, value_name = "DIR")]
    background: Option<PathBuf>,

    /// Record the session as an asciicast v2 file (asciinema plays it): output, resizes, and a
    /// marker at every decision
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,

    /// Record the keys you type too (they may hold passwords)
    #[arg(long, requires = "record")]
    record_input: bool,

    /// The program to run and its arguments, after `--`
    #[arg(last = true, value_name = "CMD")]
    program: Vec<OsString>,
}

/// Where the settings come from; `explain` takes these too.
#[derive(clap::Args, Debug, Default)]
struct ConfigArgs {
    /// Prompt rules and settings (YAML); keys it leaves out keep their built-in values. Without
    /// it, your own config is read if it exists: `$XDG_CONFIG_HOME/autoapprove/config.yaml`
    /// (else `~/.config/autoapprove/config.yaml`)
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Do not read your own config: the built-in values only
    #[arg(long)]
    no_user_config: bool,
}

impl ConfigArgs {
    /// A command's own `--config` and `--no-user-config` over the ones given before it.
    fn over(self, outer: Self) -> Self {
        Self {
            config: self.config.or(outer.config),
            no_user_config: self.no_user_config || outer.no_user_config,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Judge a shell command with the denylist (and your config's rules)
    ///
    /// Prints the verdict, the category and the part that triggered it, or how each command was
    /// read. One word is a command line ('rm -rf /'); several are one command's exact arguments
    /// (sh -c 'rm -rf /'). Deleting, moving away, overwriting or changing the permissions of
    /// anything outside the project (temp and cache aside), or of its root or its .git, is
    /// dangerous. Exits 0 when it would be allowed, 1 when blocked.
    Explain {
        #[command(flatten)]
        config: ConfigArgs,
        /// Where the command would run, and so its project (default: here)
        #[arg(long, value_name = "DIR")]
        cwd: Option<PathBuf>,
        /// List every pack and rule instead
        #[arg(long, conflicts_with = "command")]
        list: bool,
        /// The command to judge (one that starts with `-` goes after `--`)
        #[arg(
            value_name = "COMMAND",
            trailing_var_arg = true,
            required_unless_present = "list"
        )]
        command: Vec<String>,
    },
    /// The guard's remembered choices, per program (a path, or a name in PATH)
    #[command(subcommand)]
    Choices(Choices),
    /// Print the next event of the run serving DIR (--background) as one JSON line: its
    /// oldest open question, or the done event
    Wait {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Answer event SEQ of the run serving DIR, then print the next event; exits with the
    /// program's exit code once the run is done
    Respond {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The event's number (`seq`)
        #[arg(value_name = "SEQ")]
        seq: u64,
        /// The answer
        #[arg(value_name = "ACTION", value_parser = crate::background::protocol::ACTION_NAMES)]
        action: String,
        /// The pattern, for `pattern` and `deny_pattern`
        #[arg(long, value_name = "PATTERN")]
        pattern: Option<String>,
    },
    /// Feed a recording (asciicast v2: `--record`'s, or asciinema's) through the current rules,
    /// offline, and print every decision they would make
    Replay {
        #[command(flatten)]
        config: ConfigArgs,
        /// Use this profile (default: the one the recorded command's name chooses)
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// The project the commands are judged in (default: here)
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the manual for a program that drives autoapprove this way
    Skill,
    /// Print a completion script for SHELL
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
}

/// `autoapprove choices …`.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Choices {
    /// Every program with choices, and how many
    List,
    /// A program's patterns
    Show {
        #[arg(value_name = "PROGRAM")]
        program: String,
    },
    /// Forget a program's choices
    Clear {
        #[arg(value_name = "PROGRAM")]
        program: String,
    },
    /// Allow what PATTERN covers, for PROGRAM, from now on
    Allow {
        #[arg(value_name = "PROGRAM")]
        program: String,
        #[arg(value_name = "PATTERN", value_parser = guard_pattern)]
        pattern: String,
    },
    /// Deny what PATTERN covers, for PROGRAM, from now on
    Deny {
        #[arg(value_name = "PROGRAM")]
        program: String,
        #[arg(value_name = "PATTERN", value_parser = guard_pattern)]
        pattern: String,
    },
    /// Import ptrace-approve's profiles.json (default: its own,
    /// ~/.config/ptrace-approve/profiles.json)
    Import {
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum GuardMode {
    Ask,
    Deny,
    Log,
}

/// `--guard` and its patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardArgs {
    pub mode: Mode,
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
    /// `choices …`: the guard's remembered choices.
    Choices(Choices),
    /// `wait DIR`: the next event of a background run.
    Wait(PathBuf),
    /// `respond DIR SEQ ACTION [--pattern P]`: answer a background run's question.
    Respond {
        dir: PathBuf,
        seq: u64,
        action: String,
        pattern: Option<String>,
    },
    /// `replay FILE`: a recording through the current rules.
    Replay(PathBuf),
    /// `skill`: the manual for a program that drives autoapprove.
    Skill,
    ShowDefaults,
    /// `completions SHELL`.
    Completions(clap_complete::Shell),
    /// `man`.
    Man,
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
    /// `--record FILE`: the session as an asciicast.
    pub record: Option<PathBuf>,
    /// `--record-input`: with the user's keys.
    pub record_input: bool,
}

/// The whole command-line definition: for the completions and the man page.
pub fn command() -> clap::Command {
    Args::command()
}

/// Parses the arguments after the program name. An error is clap's: help and version too
/// (`Error::print` sends them to stdout, the rest to stderr; `Error::exit_code` is 0 for them,
/// 2 for a usage error).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
    let args: Vec<OsString> = args.into_iter().collect();
    let mut command = Args::command();
    let name = OsString::from("autoapprove");
    let matches = match command.try_get_matches_from_mut(std::iter::once(name).chain(args.clone()))
    {
        Ok(matches) => matches,
        Err(e) => return Err(hint(&mut command, &args, e)),
    };
    let parsed = Args::from_arg_matches(&matches).map_err(|e| e.format(&mut command))?;
    convert(parsed).map_err(|message| command.error(ErrorKind::MissingRequiredArgument, message))
}

/// A word where the program should be (`autoapprove claude`) is an error clap words for
/// commands; say where the program goes instead.
fn hint(command: &mut clap::Command, args: &[OsString], e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue};
    let context = match e.kind() {
        ErrorKind::InvalidSubcommand => ContextKind::InvalidSubcommand,
        ErrorKind::UnknownArgument => ContextKind::InvalidArg,
        _ => return e,
    };
    let Some(ContextValue::String(word)) = e.get(context) else {
        return e;
    };
    // Only a word of the top level, where no command was named before it.
    let commands: Vec<&str> = command
        .get_subcommands()
        .map(clap::Command::get_name)
        .collect();
    let before = args.iter().take_while(|a| a.to_str() != Some(word));
    if word.starts_with('-') || before.clone().any(|a| commands.iter().any(|c| a == *c)) {
        return e;
    }
    let word = word.clone();
    command.error(
        ErrorKind::UnknownArgument,
        format!(
            "unexpected argument `{word}`: put the program to run after `--`, \
             e.g. autoapprove -- {word}"
        ),
    )
}

fn convert(mut args: Args) -> Result<Cli, String> {
    let mut config = args.config;
    let mut cwd = None;
    let action = match args.command {
        _ if args.show_defaults => Action::ShowDefaults,
        Some(Command::Explain {
            config: own,
            cwd: dir,
            list,
            command,
        }) => {
            config = own.over(config);
            cwd = dir;
            if list {
                Action::ExplainList
            } else {
                // One word is a command line; several are the exact argv of one command, so
                // `explain sh -c 'rm -rf /'` judges what `sh` would be given.
                let line = match command.as_slice() {
                    [line] => line.clone(),
                    _ => crate::policy::shell::join(&command),
                };
                // Nothing would run, but `explain "$CMD"` with CMD unset is a mistake to report.
                if line.trim().is_empty() {
                    return Err("explain: the command is empty; give the one to judge, \
                                e.g. autoapprove explain 'rm -rf /'"
                        .into());
                }
                Action::Explain(line)
            }
        }
        Some(Command::Choices(choices)) => Action::Choices(choices),
        Some(Command::Wait { dir }) => Action::Wait(dir),
        Some(Command::Respond {
            dir,
            seq,
            action,
            pattern,
        }) => Action::Respond {
            dir,
            seq,
            action,
            pattern,
        },
        Some(Command::Replay {
            config: own,
            profile,
            project,
            file,
        }) => {
            config = own.over(config);
            args.profile = profile.or(args.profile);
            args.project = project.or(args.project);
            Action::Replay(file)
        }
        Some(Command::Skill) => Action::Skill,
        Some(Command::Completions { shell }) => Action::Completions(shell),
        Some(Command::Man) => Action::Man,
        None if args.program.is_empty() => {
            return Err("no program to run: put it after `--`, e.g. autoapprove -- claude".into());
        }
        None => Action::Run(args.program),
    };
    let patterns = !args.guard_allow.is_empty() || !args.guard_deny.is_empty();
    let guard = (args.guard.is_some() || patterns).then(|| GuardArgs {
        mode: match args.guard.unwrap_or(GuardMode::Ask) {
            GuardMode::Ask => Mode::Ask,
            GuardMode::Deny => Mode::Deny,
            GuardMode::Log => Mode::Log,
        },
        allow: args.guard_allow,
        deny: args.guard_deny,
    });
    Ok(Cli {
        action,
        config: config.config,
        no_user_config: config.no_user_config,
        idle: args.idle,
        profile: args.profile,
        log_file: args.log_file,
        log_format: match args.log_format {
            LogFormat::Text => Format::Text,
            LogFormat::Json => Format::Json,
        },
        verbose: args.verbose,
        quiet: args.quiet,
        nested: args.nested,
        guard,
        background: args.background,
        project: args.project,
        cwd,
        record: args.record,
        record_input: args.record_input,
    })
}

fn parse_idle(text: &str) -> Result<Duration, String> {
    match crate::config::parse_duration(text) {
        Some(d) if d < crate::config::SHORTEST_TIMEOUT => {
            Err("the idle timeout must be at least 100ms".into())
        }
        Some(d) => Ok(d),
        None => Err("not a duration: expected e.g. 500ms, 20s, 2m".into()),
    }
}

fn guard_pattern(text: &str) -> Result<String, String> {
    crate::guard::pattern::Pattern::new(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Cli, clap::Error> {
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
        for (args, kind) in [
            (&["--help"][..], ErrorKind::DisplayHelp),
            (&["-h", "--", "ls"][..], ErrorKind::DisplayHelp),
            (&["-V"][..], ErrorKind::DisplayVersion),
        ] {
            let e = parse_str(args).unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (kind, 0), "{args:?}");
        }
        // Each command has its own help.
        let help = parse_str(&["explain", "-h"]).unwrap_err().to_string();
        assert!(help.contains("--cwd <DIR>"), "{help}");
        assert!(!help.contains("--guard"), "{help}");
        let help = parse_str(&["choices", "allow", "--help"])
            .unwrap_err()
            .to_string();
        assert!(help.contains("<PROGRAM> <PATTERN>"), "{help}");
        assert_eq!(
            parse_str(&["--show-defaults"]).unwrap().action,
            Action::ShowDefaults
        );
    }

    #[test]
    fn the_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn commands_get_their_arguments_typed() {
        assert_eq!(
            parse_str(&["choices", "allow", "make", "open(/tmp/**, ...)"])
                .unwrap()
                .action,
            Action::Choices(Choices::Allow {
                program: "make".into(),
                pattern: "open(/tmp/**, ...)".into()
            })
        );
        assert_eq!(
            parse_str(&[
                "respond",
                "/tmp/d",
                "7",
                "pattern",
                "--pattern=delete(/tmp/**)"
            ])
            .unwrap()
            .action,
            Action::Respond {
                dir: "/tmp/d".into(),
                seq: 7,
                action: "pattern".into(),
                pattern: Some("delete(/tmp/**)".into())
            }
        );
        assert_eq!(
            parse_str(&["wait", "/tmp/d"]).unwrap().action,
            Action::Wait("/tmp/d".into())
        );
        assert_eq!(
            parse_str(&["completions", "zsh"]).unwrap().action,
            Action::Completions(clap_complete::Shell::Zsh)
        );
    }

    // One row per mistake: long, and easier to read as one table than split.
    #[allow(clippy::too_many_lines)]
    #[test]
    fn usage_errors_say_what_is_wrong() {
        for (args, kind, message) in [
            (
                &[][..],
                ErrorKind::MissingRequiredArgument,
                "no program to run",
            ),
            (
                &["--"][..],
                ErrorKind::MissingRequiredArgument,
                "no program to run",
            ),
            (
                &["claude"][..],
                ErrorKind::UnknownArgument,
                "unexpected argument `claude`: put the program to run after `--`",
            ),
            (
                &["--bogus", "--", "ls"][..],
                ErrorKind::UnknownArgument,
                "'--bogus'",
            ),
            (
                &["--confg", "x", "--", "ls"][..],
                ErrorKind::UnknownArgument,
                "a similar argument exists: '--config'",
            ),
            (&["-x", "--", "ls"][..], ErrorKind::UnknownArgument, "'-x'"),
            (
                &["explain", " "][..],
                ErrorKind::MissingRequiredArgument,
                "explain: the command is empty",
            ),
            (
                &["--idle", "soon", "--", "ls"][..],
                ErrorKind::ValueValidation,
                "not a duration",
            ),
            (
                &["--idle", "0s", "--", "ls"][..],
                ErrorKind::ValueValidation,
                "must be at least 100ms",
            ),
            (
                &["--idle", "1ns", "--", "ls"][..],
                ErrorKind::ValueValidation,
                "must be at least 100ms",
            ),
            (
                &["--idle"][..],
                ErrorKind::InvalidValue,
                "a value is required",
            ),
            // A value that looks like an option is not taken as one.
            (
                &["--idle", "--quiet", "--", "ls"][..],
                ErrorKind::InvalidValue,
                "a value is required",
            ),
            (
                &["--log-format", "xml", "--", "ls"][..],
                ErrorKind::InvalidValue,
                "'xml'",
            ),
            (
                &["--quiet=yes", "--", "ls"][..],
                ErrorKind::TooManyValues,
                "--quiet",
            ),
            (
                &["-q", "-v", "--", "ls"][..],
                ErrorKind::ArgumentConflict,
                "cannot be used with",
            ),
            (
                &["explain"][..],
                ErrorKind::MissingRequiredArgument,
                "<COMMAND>",
            ),
            (
                &["--guard=maybe", "--", "ls"][..],
                ErrorKind::InvalidValue,
                "'maybe'",
            ),
            (
                &["--guard-allow", "open(/x", "--", "ls"][..],
                ErrorKind::ValueValidation,
                "column 5",
            ),
            (
                &["explain", "--idle", "1s", "ls"][..],
                ErrorKind::UnknownArgument,
                "'--idle'",
            ),
            (
                &["choices", "frob"][..],
                ErrorKind::InvalidSubcommand,
                "'frob'",
            ),
            (
                &["choices", "allow", "make", "open("][..],
                ErrorKind::ValueValidation,
                "column",
            ),
            (
                &["respond", "/d", "x", "approve"][..],
                ErrorKind::ValueValidation,
                "'x'",
            ),
            (
                &["respond", "/d", "1", "maybe"][..],
                ErrorKind::InvalidValue,
                "'maybe'",
            ),
            (
                &["skill", "extra"][..],
                ErrorKind::UnknownArgument,
                "'extra'",
            ),
        ] {
            let e = parse_str(args).unwrap_err();
            let text = e.to_string();
            assert_eq!((e.kind(), e.exit_code()), (kind, 2), "{args:?}: {text}");
            assert!(text.contains(message), "{args:?}: {text}");
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
