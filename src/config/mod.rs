//! Configuration: YAML text → raw structs (serde) → a validated [`Config`] with compiled regexes,
//! parsed durations and key sequences. Nothing downstream sees an unvalidated string.
//!
//! The built-in defaults are the shipped `rules.yaml`, embedded in the binary. A user's file is
//! read the same way, and each top-level key it sets replaces the default for that key; keys it
//! leaves out keep their defaults. Every error names `FILE:LINE:COL`.

use std::path::Path;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::policy::{self, Denylist};
use crate::prompts::keys::{self, Key};

/// The built-in configuration, as YAML that `--config` accepts back unchanged.
pub const DEFAULTS_YAML: &str = include_str!("../../rules.yaml");

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
    /// The control byte that hands control between the user and the automation.
    pub toggle_key: u8,
    pub toggle_key_name: String,
    pub rules: Vec<Rule>,
    pub denylist: Denylist,
    /// Settings for particular programs, applied by [`Config::with_profile`].
    pub profiles: Vec<Profile>,
    /// The profile in force, if any.
    pub profile: Option<String>,
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
        if let Some(profile) = chosen {
            profile.settings.apply(&mut self);
            self.profile = Some(profile.name);
        }
        // Applied: the profiles' own compiled rules need not stay in memory for the session.
        self.profiles = Vec::new();
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
    pub regex: Regex,
    pub answer: Answer,
    pub cooldown: Duration,
    pub source: Source,
    /// The `command` group may wrap over rows: strip a `│` gutter and join rows with spaces.
    pub unwrap_command: bool,
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

/// A configuration that could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: u64,
        column: u64,
        message: String,
        /// The offending source line, for a caret under the column.
        source_line: Option<String>,
    },
}

impl ConfigError {
    /// The offending line with a caret under the column, as a compiler shows it.
    pub fn snippet(&self) -> Option<String> {
        match self {
            Self::Invalid {
                line,
                column,
                source_line: Some(text),
                ..
            } => {
                let gutter = line.to_string();
                let pad = " ".repeat(gutter.len());
                let caret = " ".repeat(usize::try_from(column.saturating_sub(1)).unwrap_or(0));
                Some(format!("{pad} |\n{gutter} | {text}\n{pad} | {caret}^"))
            }
            _ => None,
        }
    }
}

/// Reads and validates `path`, over the built-in defaults.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: name.clone(),
        reason: e.to_string(),
    })?;
    from_yaml(&text, &name)
}

/// The built-in configuration.
pub fn defaults() -> Config {
    from_yaml(DEFAULTS_YAML, DEFAULTS_NAME).expect("the embedded rules.yaml is valid")
}

/// Validates `text` (named `name` in errors) over the built-in defaults.
pub fn from_yaml(text: &str, name: &str) -> Result<Config, ConfigError> {
    let user = Partial::parse(text, name)?;
    let base = if name == DEFAULTS_NAME {
        Partial::default()
    } else {
        Partial::parse(DEFAULTS_YAML, DEFAULTS_NAME).expect("the embedded rules.yaml is valid")
    };
    user.over(base, name)
}

// ---------------------------------------------------------------------------------------------
// Raw form: exactly what the YAML says, with source positions.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    idle_timeout: Option<Spanned<String>>,
    min_send_interval: Option<Spanned<String>>,
    settle: Option<Spanned<String>>,
    settle_max: Option<Spanned<String>>,
    key_gap: Option<Spanned<String>>,
    context_lines: Option<Spanned<usize>>,
    whole_screen: Option<bool>,
    nudge_max_retries: Option<u32>,
    nudge_sequence: Option<Vec<RawNudge>>,
    toggle_key: Option<Spanned<String>>,
    prompt_rules: Option<Vec<RawRule>>,
    denylist: Option<RawDenylist>,
    profiles: Option<Vec<RawProfile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Spanned<String>,
    commands: Vec<String>,
    settings: Spanned<RawConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNudge {
    send: Spanned<String>,
    after: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    description: Spanned<String>,
    match_regex: Spanned<String>,
    send: Option<Spanned<String>>,
    leave: Option<bool>,
    cooldown: Option<Spanned<String>>,
    source: Option<Source>,
    unwrap_command: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDenylist {
    builtin: Option<Vec<Spanned<String>>>,
    patterns: Option<Vec<RawPattern>>,
    allow: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    name: Spanned<String>,
    regex: Spanned<String>,
}

// ---------------------------------------------------------------------------------------------
// Validated, possibly partial form: what one file sets.

#[derive(Debug, Default, Clone)]
struct Partial {
    idle_timeout: Option<Duration>,
    min_send_interval: Option<Duration>,
    settle: Option<Duration>,
    settle_max: Option<Duration>,
    key_gap: Option<Duration>,
    context_lines: Option<usize>,
    whole_screen: Option<bool>,
    nudge_max_retries: Option<u32>,
    nudge_sequence: Option<Vec<NudgeStep>>,
    toggle_key: Option<(u8, String)>,
    rules: Option<Vec<Rule>>,
    denylist: Option<Denylist>,
    profiles: Option<Vec<Profile>>,
}

/// Builds errors that point into one file.
struct Ctx<'a> {
    name: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn error<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> ConfigError {
        let loc = at.referenced;
        self.error_at(loc.line(), loc.column(), message.into())
    }

    fn error_at(&self, line: u64, column: u64, message: String) -> ConfigError {
        let source_line = usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|l| self.text.lines().nth(l))
            .map(str::to_owned);
        ConfigError::Invalid {
            path: self.name.to_owned(),
            line,
            column,
            message,
            source_line,
        }
    }

    fn duration(&self, raw: &Spanned<String>) -> Result<Duration, ConfigError> {
        humantime::parse_duration(raw.value.trim()).map_err(|_| {
            self.error(
                raw,
                format!(
                    "invalid duration `{}`: expected a number and a unit, like 500ms, 15s or 2m",
                    raw.value
                ),
            )
        })
    }

    fn opt_duration(&self, raw: Option<&Spanned<String>>) -> Result<Option<Duration>, ConfigError> {
        raw.map(|r| self.duration(r)).transpose()
    }

    fn keys(&self, raw: &Spanned<String>, what: &str) -> Result<Vec<Key>, ConfigError> {
        if raw.value.is_empty() {
            return Err(self.error(
                raw,
                format!("`{what}` is empty: it must send at least one key"),
            ));
        }
        keys::parse(&raw.value).map_err(|e| self.error(raw, e.to_string()))
    }

    fn regex(&self, raw: &Spanned<String>) -> Result<Regex, ConfigError> {
        Regex::new(&raw.value).map_err(|e| {
            // The regex crate's message spans several lines; the last one says what is wrong.
            let detail = e.to_string();
            let why = detail
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid")
                .trim_start_matches("error: ")
                .to_owned();
            self.error(raw, format!("invalid regex `{}`: {why}", raw.value))
        })
    }
}

impl Partial {
    fn parse(text: &str, name: &str) -> Result<Self, ConfigError> {
        let ctx = Ctx { name, text };
        // An empty file (or one with only comments) sets nothing.
        let raw: RawConfig = if text.lines().all(|l| {
            let l = l.trim();
            l.is_empty() || l.starts_with('#') || l == "---"
        }) {
            RawConfig::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| yaml_error(&ctx, &e))?
        };
        ctx.validate(raw)
    }

    /// This file's settings, with `base` filling what it leaves out.
    fn over(self, base: Self, name: &str) -> Result<Config, ConfigError> {
        let settle = self.settle.or(base.settle).unwrap_or_default();
        let settle_max = self.settle_max.or(base.settle_max).unwrap_or_default();
        let (toggle_key, toggle_key_name) = self
            .toggle_key
            .or(base.toggle_key)
            .ok_or_else(|| missing(name, "toggle_key"))?;
        Ok(Config {
            source: name.to_owned(),
            idle_timeout: self
                .idle_timeout
                .or(base.idle_timeout)
                .ok_or_else(|| missing(name, "idle_timeout"))?,
            min_send_interval: self
                .min_send_interval
                .or(base.min_send_interval)
                .unwrap_or_default(),
            settle,
            settle_max: settle_max.max(settle),
            key_gap: self.key_gap.or(base.key_gap).unwrap_or_default(),
            context_lines: self.context_lines.or(base.context_lines).unwrap_or(1),
            whole_screen: self.whole_screen.or(base.whole_screen).unwrap_or(false),
            nudge_max_retries: self
                .nudge_max_retries
                .or(base.nudge_max_retries)
                .unwrap_or(0),
            nudge_sequence: self
                .nudge_sequence
                .or(base.nudge_sequence)
                .unwrap_or_default(),
            toggle_key,
            toggle_key_name,
            rules: self.rules.or(base.rules).unwrap_or_default(),
            denylist: self.denylist.or(base.denylist).unwrap_or_default(),
            profiles: self.profiles.or(base.profiles).unwrap_or_default(),
            profile: None,
        })
    }

    /// Replaces in `config` every setting this partial sets.
    fn apply(&self, config: &mut Config) {
        fn set<T: Clone>(target: &mut T, value: Option<&T>) {
            if let Some(v) = value {
                target.clone_from(v);
            }
        }
        set(&mut config.idle_timeout, self.idle_timeout.as_ref());
        set(
            &mut config.min_send_interval,
            self.min_send_interval.as_ref(),
        );
        set(&mut config.settle, self.settle.as_ref());
        set(&mut config.settle_max, self.settle_max.as_ref());
        config.settle_max = config.settle_max.max(config.settle);
        set(&mut config.key_gap, self.key_gap.as_ref());
        set(&mut config.context_lines, self.context_lines.as_ref());
        set(&mut config.whole_screen, self.whole_screen.as_ref());
        set(
            &mut config.nudge_max_retries,
            self.nudge_max_retries.as_ref(),
        );
        set(&mut config.nudge_sequence, self.nudge_sequence.as_ref());
        if let Some((key, name)) = &self.toggle_key {
            config.toggle_key = *key;
            config.toggle_key_name.clone_from(name);
        }
        set(&mut config.rules, self.rules.as_ref());
        set(&mut config.denylist, self.denylist.as_ref());
    }
}

impl Ctx<'_> {
    fn validate(&self, raw: RawConfig) -> Result<Partial, ConfigError> {
        let nudge_sequence = raw
            .nudge_sequence
            .map(|steps| {
                steps
                    .iter()
                    .map(|s| {
                        Ok(NudgeStep {
                            after: self.opt_duration(s.after.as_ref())?.unwrap_or_default(),
                            keys: self.keys(&s.send, "send")?,
                        })
                    })
                    .collect::<Result<Vec<_>, ConfigError>>()
            })
            .transpose()?;
        let toggle_key = raw
            .toggle_key
            .map(|raw| {
                let keys = self.keys(&raw, "toggle_key")?;
                match keys.as_slice() {
                    [Key(bytes)] if bytes.len() == 1 && bytes[0] < 0x20 => {
                        Ok((bytes[0], raw.value.clone()))
                    }
                    _ => Err(self.error(
                        &raw,
                        format!(
                            "`toggle_key` must be one control key such as <C-]>, not `{}`",
                            raw.value
                        ),
                    )),
                }
            })
            .transpose()?;
        if let Some(idle) = &raw.idle_timeout
            && self.duration(idle)?.is_zero()
        {
            return Err(self.error(idle, "`idle_timeout` must be more than 0"));
        }
        if let Some(lines) = raw.context_lines.as_ref().filter(|l| l.value == 0) {
            return Err(self.error(lines, "`context_lines` must be at least 1"));
        }
        Ok(Partial {
            idle_timeout: self.opt_duration(raw.idle_timeout.as_ref())?,
            min_send_interval: self.opt_duration(raw.min_send_interval.as_ref())?,
            settle: self.opt_duration(raw.settle.as_ref())?,
            settle_max: self.opt_duration(raw.settle_max.as_ref())?,
            key_gap: self.opt_duration(raw.key_gap.as_ref())?,
            context_lines: raw.context_lines.map(|l| l.value),
            whole_screen: raw.whole_screen,
            nudge_max_retries: raw.nudge_max_retries,
            nudge_sequence,
            toggle_key,
            rules: raw.prompt_rules.map(|r| self.rules(&r)).transpose()?,
            denylist: raw.denylist.map(|d| self.denylist(d)).transpose()?,
            profiles: raw.profiles.map(|p| self.profiles(p)).transpose()?,
        })
    }

    fn profiles(&self, raw: Vec<RawProfile>) -> Result<Vec<Profile>, ConfigError> {
        let mut profiles: Vec<Profile> = Vec::with_capacity(raw.len());
        for p in raw {
            if profiles.iter().any(|x| x.name == p.name.value) || p.name.value == "none" {
                return Err(
                    self.error(&p.name, format!("profile name `{}` is taken", p.name.value))
                );
            }
            if p.settings.value.profiles.is_some() {
                return Err(self.error(&p.settings, "a profile cannot hold `profiles`"));
            }
            profiles.push(Profile {
                name: p.name.value.clone(),
                commands: p.commands,
                settings: self.validate(p.settings.value)?,
            });
        }
        Ok(profiles)
    }

    fn rules(&self, raw: &[RawRule]) -> Result<Vec<Rule>, ConfigError> {
        let mut rules: Vec<Rule> = Vec::with_capacity(raw.len());
        for r in raw {
            if r.description.value.trim().is_empty() {
                return Err(self.error(&r.description, "`description` is empty"));
            }
            if rules.iter().any(|x| x.name == r.description.value) {
                return Err(self.error(
                    &r.description,
                    format!(
                        "duplicate rule description `{}`: each rule needs its own, logs name rules by it",
                        r.description.value
                    ),
                ));
            }
            let answer = match (&r.send, r.leave.unwrap_or(false)) {
                (Some(send), false) => Answer::Send(self.keys(send, "send")?),
                (None, true) => Answer::Leave,
                (Some(send), true) => {
                    return Err(self.error(
                        send,
                        "a rule with `leave: true` sends nothing: remove `send`",
                    ));
                }
                (None, false) => {
                    return Err(self.error(
                        &r.description,
                        format!(
                            "rule `{}` needs `send` (the answer) or `leave: true`",
                            r.description.value
                        ),
                    ));
                }
            };
            rules.push(Rule {
                name: r.description.value.clone(),
                regex: self.regex(&r.match_regex)?,
                answer,
                cooldown: self.opt_duration(r.cooldown.as_ref())?.unwrap_or_default(),
                source: r.source.unwrap_or(Source::Any),
                unwrap_command: r.unwrap_command.unwrap_or(false),
            });
        }
        Ok(rules)
    }

    fn denylist(&self, raw: RawDenylist) -> Result<Denylist, ConfigError> {
        let mut builtin = Vec::new();
        for id in raw.builtin.unwrap_or_default() {
            let category = policy::builtin(&id.value).ok_or_else(|| {
                self.error(
                    &id,
                    format!(
                        "unknown built-in denylist category `{}`, expected one of {}",
                        id.value,
                        policy::builtin_ids().join(", ")
                    ),
                )
            })?;
            builtin.push(category);
        }
        let mut custom = Vec::new();
        for p in raw.patterns.unwrap_or_default() {
            custom.push((p.name.value.clone(), self.regex(&p.regex)?));
        }
        let allow = raw
            .allow
            .unwrap_or_default()
            .iter()
            .map(|a| self.regex(a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Denylist::new(builtin, custom, allow))
    }
}

fn missing(name: &str, key: &str) -> ConfigError {
    ConfigError::Read {
        path: name.to_owned(),
        reason: format!("`{key}` is not set"),
    }
}

/// A YAML or shape error from the parser, as `FILE:LINE:COL: message`.
fn yaml_error(ctx: &Ctx<'_>, e: &serde_saphyr::Error) -> ConfigError {
    let text = e.without_snippet().to_string();
    let loc = e.location();
    let (line, column) = loc.map_or((1, 1), |l| (l.line().max(1), l.column().max(1)));
    // The parser appends " at line N, column M"; we put the position in front instead.
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    };
    let message = match message.as_str() {
        "invalid u32" | "invalid usize" => "expected a whole number".to_owned(),
        _ => message,
    };
    ctx.error_at(line, column, message)
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
