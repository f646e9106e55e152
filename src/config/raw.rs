//! The raw form: exactly what a YAML file says, with source positions, and its validation into
//! a [`Partial`] — durations parsed, regexes compiled, keys decoded — with an error that points
//! at the field for anything wrong.

use std::time::Duration;

use regex::Regex;

use crate::config::lazy_regex::LazyRegex;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::config::error::{ConfigError, Ctx, yaml_error};
use crate::config::merge::{DenylistLayer, GuardLayer, Partial};
use crate::config::{Answer, NudgeStep, Profile, Rule, Source};
use crate::policy;
use crate::prompts::keys::{self, Key};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    idle_timeout: Option<Spanned<String>>,
    min_send_interval: Option<Spanned<String>>,
    settle: Option<Spanned<String>>,
    settle_max: Option<Spanned<String>>,
    key_gap: Option<Spanned<String>>,
    context_lines: Option<Spanned<usize>>,
    whole_screen: Option<bool>,
    nudge_max_retries: Option<u32>,
    nudge_sequence: Option<Vec<RawNudge>>,
    nudge_full_screen: Option<bool>,
    keep_input_open: Option<bool>,
    manual_timeout: Option<Spanned<String>>,
    toggle_key: Option<Spanned<String>>,
    approve_once: Option<Spanned<String>>,
    prompt_rules: Option<Vec<RawRule>>,
    denylist: Option<RawDenylist>,
    guard: Option<RawGuard>,
    profiles: Option<Vec<RawProfile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuard {
    ask_timeout: Option<Spanned<String>>,
    allow_paths: Option<Vec<Spanned<String>>>,
    allow_exec: Option<bool>,
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
    secret: Option<bool>,
    destructive: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDenylist {
    /// Gone: read only to say so (see [`Ctx::denylist`]).
    builtin: Option<Spanned<serde::de::IgnoredAny>>,
    disable: Option<Vec<Spanned<String>>>,
    rules: Option<Vec<policy::rules::schema::RawRule>>,
    patterns: Option<Vec<RawPattern>>,
    allow: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    name: Spanned<String>,
    regex: Spanned<String>,
}

/// Parses and validates one file's text (`name` in errors): what it sets.
pub fn parse(text: &str, name: &str) -> Result<Partial, ConfigError> {
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

impl Ctx<'_> {
    fn duration(&self, raw: &Spanned<String>) -> Result<Duration, ConfigError> {
        crate::config::parse_duration(raw.value.trim()).ok_or_else(|| {
            self.error(
                raw,
                format!(
                    "invalid duration `{}`: expected a number and a unit, like 500ms, 15s or 2m",
                    raw.value
                ),
            )
        })
    }

    /// A timeout: a duration of at least [`crate::config::SHORTEST_TIMEOUT`].
    fn timeout(
        &self,
        raw: Option<&Spanned<String>>,
        name: &str,
    ) -> Result<Option<Duration>, ConfigError> {
        let Some(raw) = raw else {
            return Ok(None);
        };
        let duration = self.duration(raw)?;
        if duration < crate::config::SHORTEST_TIMEOUT {
            return Err(self.error(raw, format!("`{name}` must be at least 100ms")));
        }
        Ok(Some(duration))
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
        Regex::new(&raw.value).map_err(|e| self.regex_error(raw, &e.to_string()))
    }

    /// A prompt rule's regex: checked now, compiled when first used.
    fn lazy_regex(&self, raw: &Spanned<String>) -> Result<LazyRegex, ConfigError> {
        LazyRegex::new(&raw.value).map_err(|e| self.regex_error(raw, &e))
    }

    fn regex_error(&self, raw: &Spanned<String>, detail: &str) -> ConfigError {
        // The regex crate's message spans several lines; the last one says what is wrong.
        let why = detail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("invalid")
            .trim_start_matches("error: ");
        self.error(raw, format!("invalid regex `{}`: {why}", raw.value))
    }

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
                        if let Some(why) = needed_by_programs(bytes[0]) {
                            return Err(self.error(
                                &raw,
                                format!(
                                    "`toggle_key` `{}` is {why}: programs need it, so it cannot \
                                     be taken from them; choose another, such as <C-]>",
                                    raw.value
                                ),
                            ));
                        }
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
        if let Some(lines) = raw.context_lines.as_ref().filter(|l| l.value == 0) {
            return Err(self.error(lines, "`context_lines` must be at least 1"));
        }
        Ok(Partial {
            idle_timeout: self.timeout(raw.idle_timeout.as_ref(), "idle_timeout")?,
            min_send_interval: self.opt_duration(raw.min_send_interval.as_ref())?,
            settle: self.opt_duration(raw.settle.as_ref())?,
            settle_max: self.opt_duration(raw.settle_max.as_ref())?,
            key_gap: self.opt_duration(raw.key_gap.as_ref())?,
            context_lines: raw.context_lines.map(|l| l.value),
            whole_screen: raw.whole_screen,
            nudge_max_retries: raw.nudge_max_retries,
            nudge_sequence,
            nudge_full_screen: raw.nudge_full_screen,
            keep_input_open: raw.keep_input_open,
            manual_timeout: self.timeout(raw.manual_timeout.as_ref(), "manual_timeout")?,
            toggle_key,
            approve_once: raw
                .approve_once
                .map(|k| self.keys(&k, "approve_once"))
                .transpose()?,
            rules: raw.prompt_rules.map(|r| self.rules(&r)).transpose()?,
            denylist: raw
                .denylist
                .map(|d| self.denylist(d))
                .transpose()?
                .unwrap_or_default(),
            guard: raw
                .guard
                .map(|g| self.guard(g))
                .transpose()?
                .unwrap_or_default(),
            profiles: raw.profiles.map(|p| self.profiles(p)).transpose()?,
        })
    }

    fn guard(&self, raw: RawGuard) -> Result<GuardLayer, ConfigError> {
        let ask_timeout = self.timeout(raw.ask_timeout.as_ref(), "guard.ask_timeout")?;
        let allow_paths = raw
            .allow_paths
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        crate::guard::places::check(&e.value)
                            .map(|()| e.value.clone())
                            .map_err(|why| self.error(e, format!("`guard.allow_paths`: {why}")))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(GuardLayer {
            ask_timeout,
            allow_paths,
            allow_exec: raw.allow_exec,
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
                regex: self.lazy_regex(&r.match_regex)?,
                answer,
                cooldown: self.opt_duration(r.cooldown.as_ref())?.unwrap_or_default(),
                source: r.source.unwrap_or(Source::Any),
                unwrap_command: r.unwrap_command.unwrap_or(false),
                secret: r.secret.unwrap_or(false),
                destructive: r.destructive.unwrap_or(false),
            });
        }
        Ok(rules)
    }

    fn denylist(&self, raw: RawDenylist) -> Result<DenylistLayer, ConfigError> {
        if let Some(old) = &raw.builtin {
            return Err(self.error(
                old,
                "`denylist.builtin` is gone: every built-in rule is on unless you name it (or its pack) \
                 under `disable:`",
            ));
        }
        let given = raw.disable.is_some();
        let mut disable = Vec::new();
        for id in raw.disable.unwrap_or_default() {
            if policy::rules::builtin(&id.value).is_none() && !policy::rules::is_pack(&id.value) {
                return Err(self.error(
                    &id,
                    format!(
                        "`{}` is no built-in rule or pack (`autoapprove explain --list` lists them)",
                        id.value
                    ),
                ));
            }
            disable.push(id.value);
        }
        let rules = raw
            .rules
            .map(|rules| {
                let mut seen: Vec<&str> = Vec::new();
                rules
                    .iter()
                    .map(|r| {
                        let id = &r.id;
                        if policy::rules::builtin(&id.value).is_some() {
                            return Err(self.error(
                                id,
                                format!("rule id `{}` is a built-in rule's", id.value),
                            ));
                        }
                        if seen.contains(&id.value.as_str()) {
                            return Err(
                                self.error(id, format!("rule id `{}` is used twice", id.value))
                            );
                        }
                        seen.push(&id.value);
                        // A built-in rule may be matched by code; one of yours only by `match`.
                        if r.matches.is_empty() {
                            return Err(self.error(
                                id,
                                format!("rule `{}` has no `match`: it would never match", id.value),
                            ));
                        }
                        r.build(policy::rules::USER_PACK, &std::collections::BTreeMap::new())
                            .map_err(|(at, message)| {
                                self.error_at(at.line(), at.column(), &message)
                            })
                    })
                    .collect::<Result<Vec<_>, ConfigError>>()
            })
            .transpose()?;
        let patterns = raw
            .patterns
            .map(|patterns| {
                patterns
                    .iter()
                    .map(|p| Ok((p.name.value.clone(), self.regex(&p.regex)?)))
                    .collect::<Result<Vec<_>, ConfigError>>()
            })
            .transpose()?;
        let allow = raw
            .allow
            .map(|allow| {
                allow
                    .iter()
                    .map(|a| self.whole_command_regex(a))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(DenylistLayer {
            disable: given.then_some(disable),
            rules,
            patterns,
            allow,
        })
    }

    /// An `allow` entry: it must match a whole simple command, so `npm test` never allows
    /// `npm test; rm -rf ~` or `rm -rf ~ # npm test`.
    fn whole_command_regex(&self, raw: &Spanned<String>) -> Result<Regex, ConfigError> {
        self.regex(raw)?;
        Regex::new(&format!("^(?:{})$", raw.value)).map_err(|e| self.error(raw, e.to_string()))
    }
}

/// What a control key means to the program, when the program cannot do without it (the toggle
/// key never reaches the program).
fn needed_by_programs(byte: u8) -> Option<&'static str> {
    Some(match byte {
        0x03 => "Ctrl-C, the interrupt",
        0x04 => "Ctrl-D, end of input",
        0x08 => "Backspace",
        0x09 => "Tab",
        0x0a | 0x0d => "Enter",
        0x1a => "Ctrl-Z, suspend",
        0x1b => "Escape",
        _ => return None,
    })
}
