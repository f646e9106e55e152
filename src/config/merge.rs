//! Layering: each file (the built-in defaults, the user's file, a profile) is a [`Partial`] that
//! sets some keys; [`Partial::over`] is the one place one layer is put over another, and
//! [`Partial::complete`] turns the result into a [`Config`], with the keys nobody set at their
//! fallbacks.

use std::time::Duration;

use crate::config::error::{ConfigError, missing};
use crate::config::{Config, GuardSettings, NudgeStep, Profile, Rule};
use regex::Regex;

use crate::prompts::keys::Key;

use crate::policy::{self, Denylist};

/// What one layer sets, validated.
#[derive(Debug, Default, Clone)]
pub struct Partial {
    pub idle_timeout: Option<Duration>,
    pub min_send_interval: Option<Duration>,
    pub settle: Option<Duration>,
    pub settle_max: Option<Duration>,
    pub key_gap: Option<Duration>,
    pub context_lines: Option<usize>,
    pub whole_screen: Option<bool>,
    pub nudge_max_retries: Option<u32>,
    pub nudge_sequence: Option<Vec<NudgeStep>>,
    pub nudge_full_screen: Option<bool>,
    pub keep_input_open: Option<bool>,
    pub manual_timeout: Option<Duration>,
    pub toggle_key: Option<(u8, String)>,
    pub approve_once: Option<Vec<Key>>,
    pub rules: Option<Vec<Rule>>,
    pub denylist: DenylistLayer,
    pub guard: GuardLayer,
    pub profiles: Option<Vec<Profile>>,
}

impl Partial {
    /// Every key this layer sets, and `base`'s for the rest.
    pub fn over(self, base: Self) -> Self {
        Self {
            idle_timeout: self.idle_timeout.or(base.idle_timeout),
            min_send_interval: self.min_send_interval.or(base.min_send_interval),
            settle: self.settle.or(base.settle),
            settle_max: self.settle_max.or(base.settle_max),
            key_gap: self.key_gap.or(base.key_gap),
            context_lines: self.context_lines.or(base.context_lines),
            whole_screen: self.whole_screen.or(base.whole_screen),
            nudge_max_retries: self.nudge_max_retries.or(base.nudge_max_retries),
            nudge_sequence: self.nudge_sequence.or(base.nudge_sequence),
            nudge_full_screen: self.nudge_full_screen.or(base.nudge_full_screen),
            keep_input_open: self.keep_input_open.or(base.keep_input_open),
            manual_timeout: self.manual_timeout.or(base.manual_timeout),
            toggle_key: self.toggle_key.or(base.toggle_key),
            approve_once: self.approve_once.or(base.approve_once),
            rules: self.rules.or(base.rules),
            denylist: self.denylist.over(base.denylist),
            guard: self.guard.over(base.guard),
            profiles: self.profiles.or(base.profiles),
        }
    }

    /// The configuration these layers make, named `source`; it keeps the layers so a profile can
    /// go over them ([`Config::with_profile`]).
    pub fn complete(self, source: &str) -> Result<Config, ConfigError> {
        let layers = self.clone();
        let settle = self.settle.unwrap_or_default();
        let (toggle_key, toggle_key_name) = self
            .toggle_key
            .ok_or_else(|| missing(source, "toggle_key"))?;
        Ok(Config {
            source: source.to_owned(),
            idle_timeout: self
                .idle_timeout
                .ok_or_else(|| missing(source, "idle_timeout"))?,
            min_send_interval: self.min_send_interval.unwrap_or_default(),
            settle,
            settle_max: self.settle_max.unwrap_or_default().max(settle),
            key_gap: self.key_gap.unwrap_or_default(),
            context_lines: self.context_lines.unwrap_or(1),
            whole_screen: self.whole_screen.unwrap_or(false),
            nudge_max_retries: self.nudge_max_retries.unwrap_or(0),
            nudge_sequence: self.nudge_sequence.unwrap_or_default(),
            nudge_full_screen: self.nudge_full_screen.unwrap_or(false),
            keep_input_open: self.keep_input_open.unwrap_or(false),
            manual_timeout: self
                .manual_timeout
                .ok_or_else(|| missing(source, "manual_timeout"))?,
            toggle_key,
            toggle_key_name,
            approve_once: self.approve_once.unwrap_or_default(),
            rules: self.rules.unwrap_or_default(),
            denylist: self.denylist.complete(),
            guard: self.guard.complete(),
            profiles: self.profiles.unwrap_or_default(),
            profile: None,
            layers,
        })
    }
}

/// What one layer's `denylist:` section sets. Each of its keys is layered on its own, so a
/// section that sets only `allow:` keeps the built-in rules: they are turned off only by
/// naming them under `disable:`.
#[derive(Debug, Default, Clone)]
pub struct DenylistLayer {
    /// Ids of built-in rules and packs turned off.
    pub disable: Option<Vec<String>>,
    /// The user's rules, in the packs' schema.
    pub rules: Option<Vec<policy::Rule>>,
    pub patterns: Option<Vec<(String, Regex)>>,
    pub allow: Option<Vec<Regex>>,
}

impl DenylistLayer {
    fn over(self, base: Self) -> Self {
        Self {
            disable: self.disable.or(base.disable),
            rules: self.rules.or(base.rules),
            patterns: self.patterns.or(base.patterns),
            allow: self.allow.or(base.allow),
        }
    }

    fn complete(self) -> Denylist {
        Denylist::new(
            &self.disable.unwrap_or_default(),
            self.rules.unwrap_or_default(),
            self.patterns.unwrap_or_default(),
            self.allow.unwrap_or_default(),
        )
    }
}

/// What one layer's `guard:` section sets; each key layered on its own.
#[derive(Debug, Default, Clone)]
pub struct GuardLayer {
    pub ask_timeout: Option<Duration>,
    pub allow_paths: Option<Vec<String>>,
    pub allow_exec: Option<bool>,
}

impl GuardLayer {
    fn over(self, base: Self) -> Self {
        Self {
            ask_timeout: self.ask_timeout.or(base.ask_timeout),
            allow_paths: self.allow_paths.or(base.allow_paths),
            allow_exec: self.allow_exec.or(base.allow_exec),
        }
    }

    fn complete(self) -> GuardSettings {
        GuardSettings {
            ask_timeout: self.ask_timeout.unwrap_or(GuardSettings::ASK_TIMEOUT),
            allow_paths: self.allow_paths.unwrap_or_default(),
            allow_exec: self.allow_exec.unwrap_or(false),
        }
    }
}
