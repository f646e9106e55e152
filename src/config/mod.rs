//! Configuration: YAML text → raw structs (serde) → a validated [`Config`] with compiled regexes,
//! parsed durations and key sequences. Nothing downstream sees an unvalidated string.
//!
//! The built-in defaults are the shipped `rules.yaml`, embedded in the binary. A user's file is
//! read the same way, and each top-level key it sets replaces the default for that key; keys it
//! leaves out keep their defaults. Every error names `FILE:LINE:COL`.

mod error;
pub mod lazy_regex;
mod merge;
mod raw;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use error::ConfigError;
use lazy_regex::LazyRegex;
use merge::Partial;

use crate::policy::Denylist;
use crate::prompts::keys::Key;

/// The built-in configuration, as YAML that `--config` accepts back unchanged.
pub const DEFAULTS_YAML: &str = include_str!("../../rules.yaml");

/// The longest duration any setting takes: a longer one (`9223372036854775807s`) is this. Timers
/// add durations to the clock, and a year is further than any session runs.
pub const LONGEST: Duration = Duration::from_secs(365 * 24 * 3600);

/// The shortest timeout (`idle_timeout`, `manual_timeout`, `guard.ask_timeout`, `--idle`): below
/// it a program cannot draw a prompt, nor a person read one, before the timeout acts.
pub const SHORTEST_TIMEOUT: Duration = Duration::from_millis(100);

/// A duration as the settings hold it: at most [`LONGEST`].
pub fn clamped(duration: Duration) -> Duration {
    duration.min(LONGEST)
}

/// A setting's duration (`500ms`, `15s`, `2m`), [`clamped`]: a number too large to count at all
/// is the longest too. `None` if it is not a duration.
pub fn parse_duration(text: &str) -> Option<Duration> {
    match humantime::parse_duration(text) {
        Ok(duration) => Some(clamped(duration)),
        Err(humantime::DurationError::NumberOverflow) => Some(LONGEST),
        Err(_) => None,
    }
}

/// The name errors and the `STARTED` event use for the embedded defaults.
pub const DEFAULTS_NAME: &str = "built-in defaults";

/// A validated configuration, ready for the engine and the detector.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from: a path, or [`DEFAULTS_NAME`].
    pub source: String,
    pub idle_timeout: Duration,
    pub min_send_interval: Duration,
    pub settle: Duration,
    pub settle_max: Duration,
    pub key_gap: Duration,
    pub context_lines: usize,
    /// Match anywhere on the screen, not only on the prompt's line (the alternate screen always is).
    pub whole_screen: bool,
    pub nudge_max_retries: u32,
    pub nudge_sequence: Vec<NudgeStep>,
    /// Nudge a full-screen program too — on the alternate screen, or reading keys one at a time
    /// (off: there an Enter edits a file).
    pub nudge_full_screen: bool,
    /// When stdin is not a terminal and ends, leave the child's input open instead of giving it
    /// the terminal's end-of-file.
    pub keep_input_open: bool,
    /// With nobody to hand over to (no terminal), how long `MANUAL_MODE` waits before ending the
    /// program.
    pub manual_timeout: Duration,
    /// The control byte that hands control between the user and the automation.
    pub toggle_key: u8,
    pub toggle_key_name: String,
    /// What a background client's `approve` types into a prompt whose rule leaves it (no
    /// `send`): the program's "yes, once". Empty: such a prompt cannot be approved that way.
    pub approve_once: Vec<Key>,
    pub rules: Vec<Rule>,
    pub denylist: Denylist,
    pub guard: GuardSettings,
    /// Settings for particular programs, applied by [`Config::with_profile`].
    pub profiles: Vec<Profile>,
    /// The profile in force, if any.
    pub profile: Option<String>,
    /// The layers this was made from, for a profile to go over; dropped once one is chosen.
    layers: Partial,
}

/// The guard's settings (`guard:`).
#[derive(Debug, Clone)]
pub struct GuardSettings {
    /// A question nobody answers for this long is denied.
    pub ask_timeout: Duration,
    /// Places where changes are allowed without asking ([`crate::guard::places`]).
    pub allow_paths: Vec<String>,
    /// Every `exec` allowed without asking (the denylist still judges its command line).
    pub allow_exec: bool,
}

impl GuardSettings {
    /// When the config does not say.
    pub const ASK_TIMEOUT: Duration = Duration::from_secs(600);
}

/// Settings for a particular program (Claude Code, say): each key it sets replaces the general one.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// Program names (the wrapped command's file name) that select this profile.
    pub commands: Vec<String>,
    settings: Partial,
}

impl Config {
    /// The profile for `program`: `forced` by name (`none` for no profile), else the first whose
    /// `commands` holds the program's file name. Errors name an unknown forced profile.
    pub fn with_profile(mut self, program: &str, forced: Option<&str>) -> Result<Self, String> {
        let chosen = match forced {
            Some("none") => None,
            Some(name) => Some(
                self.profiles
                    .iter()
                    .find(|p| p.name == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            self.profiles.iter().map(|p| p.name.as_str()).collect();
                        format!(
                            "unknown profile `{name}`: expected none or one of {}",
                            known.join(", ")
                        )
                    })?
                    .clone(),
            ),
            None => {
                let file_name = std::path::Path::new(program)
                    .file_name()
                    .map_or(program.into(), |f| f.to_string_lossy());
                self.profiles
                    .iter()
                    .find(|p| p.commands.iter().any(|c| *c == file_name))
                    .cloned()
            }
        };
        let layers = std::mem::take(&mut self.layers);
        if let Some(profile) = chosen {
            let source = std::mem::take(&mut self.source);
            self = profile
                .settings
                .over(layers)
                .complete(&source)
                .expect("a profile over complete layers is complete");
            self.profile = Some(profile.name);
        }
        // Applied: the profiles' and layers' own compiled rules need not stay in memory.
        self.profiles = Vec::new();
        self.layers = Partial::default();
        Ok(self)
    }
}

/// One step of the idle nudge sequence: wait `after` since the previous step, then send `keys`.
#[derive(Debug, Clone)]
pub struct NudgeStep {
    pub after: Duration,
    pub keys: Vec<Key>,
}

/// Which text a rule is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The rendered screen first, then the text tail.
    Any,
    Screen,
    Tail,
}

/// A prompt rule: when `regex` matches what the user sees, answer it — or leave it to the user.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub regex: LazyRegex,
    pub answer: Answer,
    pub cooldown: Duration,
    pub source: Source,
    /// The `command` group may wrap over rows: strip a `│` gutter and join rows with spaces.
    pub unwrap_command: bool,
    /// It answers prompts that read hidden input (passwords): the user opted in, knowing the risk.
    pub secret: bool,
    /// It answers even a confirmation that defaults to No or whose wording is destructive.
    pub destructive: bool,
}

/// What a rule does with its prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Type these keys.
    Send(Vec<Key>),
    /// Recognise the prompt but never answer it: the user must (a banner says so), and nothing
    /// automatic is sent while it is on screen.
    Leave,
}

/// autoapprove's folder in the user's config home: `$XDG_CONFIG_HOME/autoapprove`, else
/// `~/.config/autoapprove`; `None` when neither variable is set. The user's config and the
/// guard's remembered choices live there.
pub fn user_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("autoapprove"))
}

/// The user's config file, read over the built-ins when it exists (and no `--config` is given).
pub fn user_file() -> Option<PathBuf> {
    user_dir().map(|dir| dir.join("config.yaml"))
}

/// The largest config file read: a config is a few kilobytes, and `/dev/zero` never ends.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads and validates `path`, over the built-in defaults.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let name = path.display().to_string();
    let text = read_file(path).map_err(|reason| ConfigError::Read {
        path: name.clone(),
        reason,
    })?;
    from_yaml(&text, &name)
}

/// A config file's text: a regular file of at most [`MAX_FILE_BYTES`], opened without waiting
/// (a FIFO with no writer would block the open).
fn read_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::File::options()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed())
        .open(path)
        .map_err(|e| e.to_string())?;
    let kind = file.metadata().map_err(|e| e.to_string())?.file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_dir() {
            "a directory"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else {
            "not a file"
        };
        return Err(format!("{what}, not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err("larger than 1 MiB: not a config file".into());
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".into())
}

/// The built-in configuration.
pub fn defaults() -> Config {
    default_layer()
        .complete(DEFAULTS_NAME)
        .expect("the embedded rules.yaml is complete")
}

fn default_layer() -> Partial {
    raw::parse(DEFAULTS_YAML, DEFAULTS_NAME).expect("the embedded rules.yaml is valid")
}

/// Validates `text` as a configuration on its own, with no defaults under it: every required
/// key must be there (how `--show-defaults`' output is proven complete).
pub fn from_yaml_alone(text: &str, name: &str) -> Result<Config, ConfigError> {
    raw::parse(text, name)?.complete(name)
}

/// Validates `text` (named `name` in errors) over the built-in defaults, whatever its name.
pub fn from_yaml(text: &str, name: &str) -> Result<Config, ConfigError> {
    raw::parse(text, name)?.over(default_layer()).complete(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_defaults_are_valid_and_complete() {
        let c = defaults();
        assert_eq!(c.idle_timeout, Duration::from_secs(15));
        assert_eq!(c.min_send_interval, Duration::from_millis(500));
        assert_eq!(c.nudge_max_retries, 3);
        assert_eq!(c.nudge_sequence.len(), 3);
        assert_eq!(c.toggle_key, 0x1d);
        assert!(c.rules.len() >= 3);
        assert!(!c.denylist.is_empty());
    }

    #[test]
    fn a_file_overrides_only_the_keys_it_sets() {
        let c = from_yaml("idle_timeout: 2s\n", "t.yaml").unwrap();
        assert_eq!(c.idle_timeout, Duration::from_secs(2));
        assert_eq!(c.rules.len(), defaults().rules.len());
        assert_eq!(c.source, "t.yaml");
    }

    #[test]
    fn a_file_named_like_the_defaults_still_has_them() {
        let c = from_yaml("idle_timeout: 2s\n", DEFAULTS_NAME).unwrap();
        assert_eq!(c.idle_timeout, Duration::from_secs(2));
        assert_eq!(c.rules.len(), defaults().rules.len());
        assert_eq!(c.toggle_key, 0x1d);
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let c = from_yaml("# nothing\n", "e.yaml").unwrap();
        assert_eq!(c.rules.len(), defaults().rules.len());
    }

    #[test]
    fn the_claude_code_profile_is_chosen_by_the_program_name() {
        for program in [
            "claude",
            "/usr/local/bin/claude",
            "./node_modules/.bin/claude",
        ] {
            let c = defaults().with_profile(program, None).unwrap();
            assert_eq!(c.profile.as_deref(), Some("claude-code"), "{program}");
            assert!(c.nudge_sequence.is_empty());
            assert!(c.whole_screen);
            assert!(c.rules[0].name.starts_with("Claude Code"));
        }
        let plain = defaults().with_profile("bash", None).unwrap();
        assert_eq!(plain.profile, None);
        assert_eq!(plain.nudge_sequence.len(), 3);
    }

    #[test]
    fn a_profile_can_be_forced_or_refused() {
        let forced = defaults()
            .with_profile("my-agent", Some("claude-code"))
            .unwrap();
        assert_eq!(forced.profile.as_deref(), Some("claude-code"));
        let none = defaults().with_profile("claude", Some("none")).unwrap();
        assert_eq!(none.profile, None);
        let err = defaults()
            .with_profile("claude", Some("codex"))
            .unwrap_err();
        assert_eq!(
            err,
            "unknown profile `codex`: expected none or one of claude-code"
        );
    }

    #[test]
    fn a_profile_sets_only_its_own_keys() {
        let c = from_yaml(
            "idle_timeout: 3s\nprofiles:\n  - name: mine\n    commands: [tool]\n    settings:\n      min_send_interval: 2s\n",
            "p.yaml",
        )
        .unwrap()
        .with_profile("tool", None)
        .unwrap();
        assert_eq!(c.min_send_interval, Duration::from_secs(2));
        assert_eq!(c.idle_timeout, Duration::from_secs(3));
        assert_eq!(c.rules.len(), defaults().rules.len());
    }

    #[test]
    fn profiles_cannot_nest_or_share_names() {
        let nested =
            "profiles:\n  - name: a\n    commands: []\n    settings:\n      profiles: []\n";
        let e = from_yaml(nested, "n.yaml").unwrap_err().to_string();
        assert!(
            e.starts_with("n.yaml:5:7: a profile cannot hold `profiles`"),
            "{e}"
        );
        let twice = "profiles:\n  - name: a\n    commands: []\n    settings: {}\n  - name: a\n    commands: []\n    settings: {}\n";
        let e = from_yaml(twice, "t.yaml").unwrap_err().to_string();
        assert!(
            e.starts_with("t.yaml:5:11: profile name `a` is taken"),
            "{e}"
        );
    }

    #[test]
    fn a_rule_needs_an_answer_or_leave() {
        let e = from_yaml(
            "prompt_rules:\n  - description: x\n    match_regex: 'a'\n",
            "r.yaml",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "r.yaml:2:18: rule `x` needs `send` (the answer) or `leave: true`"
        );
        let e = from_yaml(
            "prompt_rules:\n  - description: x\n    match_regex: 'a'\n    send: y\n    leave: true\n",
            "r.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("r.yaml:4:11: a rule with `leave: true` sends nothing"),
            "{e}"
        );
    }

    #[test]
    fn rules_replace_the_default_rules() {
        let c = from_yaml(
            "prompt_rules:\n  - description: mine\n    match_regex: 'go\\?'\n    send: 'y<Enter>'\n    cooldown: 1s\n",
            "r.yaml",
        )
        .unwrap();
        assert_eq!(c.rules.len(), 1);
        assert_eq!(
            c.rules[0].answer,
            Answer::Send(vec![Key(b"y".to_vec()), Key(b"\r".to_vec())])
        );
        assert_eq!(c.rules[0].cooldown, Duration::from_secs(1));
        assert_eq!(c.rules[0].source, Source::Any);
    }
}
