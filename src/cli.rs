//! The command line: what the user can type, parsed by clap into [`Cli`]. Validation of what the
//! values mean (config files, durations) happens in `config` and `lib`, not here.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Parser, Subcommand};

use crate::log::Format;

const EXAMPLES: &str = "\
Examples:
  autoapprove -- claude                        run Claude Code under autoapprove
  autoapprove --config rules.yaml -- claude    with your own rules
  autoapprove --idle 30s -- apt-get upgrade    nudge after 30 s of silence
  autoapprove --log-file aa.log --log-format json -- ./agent.sh
  autoapprove --show-defaults > rules.yaml     start your own rules from the built-in ones
  autoapprove explain 'sudo rm -r -f /'        would the denylist let this through?

While it runs, Ctrl-] (the toggle_key) hands control to you (MANUAL_MODE) and back.
Exit status: the program's own; 128+N if signal N killed it; 127 command not found;
126 not executable; 2 usage or configuration error; 1 autoapprove's own failure.";

/// Runs an interactive program in a pseudo-terminal and answers its prompts by rules — except
/// the dangerous ones, which it leaves to you.
#[derive(Debug, Parser)]
#[command(
    name = "autoapprove",
    version,
    about,
    after_help = EXAMPLES,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub action: Option<Action>,

    /// Prompt rules and settings (YAML); keys it leaves out keep their built-in values.
    #[arg(short, long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Silence before the idle nudges start, e.g. 20s (overrides `idle_timeout`).
    #[arg(long, value_name = "DURATION", value_parser = parse_idle)]
    pub idle: Option<Duration>,

    /// Use this profile's settings (`none`: no profile). By default a profile is chosen by the
    /// program's name, e.g. `claude-code` for `claude`.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Print the built-in configuration as YAML (a valid --config file) and exit.
    #[arg(long)]
    pub show_defaults: bool,

    /// Write every event to this file (appending) instead of stderr.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    /// How events are written.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    pub log_format: Format,

    /// Log more (rate-limit waits, resizes).
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,

    /// Log only warnings (dangerous commands, manual mode).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// The program to run, after `--`, with its arguments.
    #[arg(
        last = true,
        value_name = "CMD",
        required_unless_present = "show_defaults"
    )]
    pub command: Vec<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Judge a shell command with the denylist (and your --config's): prints the verdict, the
    /// category and the part that triggered it, or how each command was read. Exits 0 when it
    /// would be allowed, 1 when it would be blocked.
    Explain {
        /// The command: one quoted argument, or several words.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
}

fn parse_idle(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => Err("the idle timeout must be more than 0".into()),
        Ok(d) => Ok(d),
        Err(_) => Err(format!(
            "`{text}` is not a duration: expected e.g. 500ms, 20s, 2m"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn everything_after_the_double_dash_is_the_command() {
        let cli = Cli::try_parse_from(["autoapprove", "--idle", "20s", "--", "ls", "-la"]).unwrap();
        assert_eq!(cli.idle, Some(Duration::from_secs(20)));
        assert_eq!(
            cli.command,
            vec![OsString::from("ls"), OsString::from("-la")]
        );
    }

    #[test]
    fn explain_takes_the_rest_as_the_command() {
        let cli = Cli::try_parse_from(["autoapprove", "explain", "rm", "-rf", "/"]).unwrap();
        match cli.action {
            Some(Action::Explain { command }) => assert_eq!(command, vec!["rm", "-rf", "/"]),
            None => panic!("no subcommand"),
        }
        let cli = Cli::try_parse_from(["autoapprove", "--", "explain"]).unwrap();
        assert!(cli.action.is_none());
        assert_eq!(cli.command, vec![OsString::from("explain")]);
    }

    #[test]
    fn usage_errors() {
        for args in [
            vec!["autoapprove"],
            vec!["autoapprove", "--bogus", "--", "ls"],
            vec!["autoapprove", "--idle", "soon", "--", "ls"],
            vec!["autoapprove", "--idle", "0s", "--", "ls"],
        ] {
            let err = Cli::try_parse_from(&args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }
}
