//! The rule schema, as a pack file (`src/policy/packs/*.yaml`) and a user's `denylist.rules`
//! write it, and its validation into [`Rule`]s. One schema for both: a user's rule is a pack
//! rule they wrote.

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use crate::policy::rules::glob::Glob;
use crate::policy::rules::matcher::Match;
use crate::policy::rules::{Rule, Severity};
use crate::policy::scope::Class;

/// `[outside, home, …]` as classes.
fn classes(raw: Option<&Spanned<Vec<String>>>) -> Result<Vec<Class>, Invalid> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for name in &raw.value {
        match (name.as_str(), Class::parse(name)) {
            ("outside", _) => out.extend(Class::OUTSIDE),
            (_, Some(class)) => out.push(class),
            _ => {
                return Err((
                    raw.referenced,
                    format!(
                        "unknown place `{name}`, expected outside, project, project-root, vcs, \
                         scratch, home, elsewhere or unknown"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// A pack file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPack {
    pub pack: String,
    pub title: String,
    /// Per program, its options that take a separate value (`-n NAMESPACE`).
    #[serde(default)]
    pub value_options: std::collections::BTreeMap<String, Vec<String>>,
    pub rules: Vec<RawRule>,
}

/// One rule. Without `match` it is matched in code (the walk and the tool handlers): its id,
/// reason and severity still live here.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Spanned<String>,
    pub reason: Spanned<String>,
    pub severity: Spanned<String>,
    #[serde(rename = "match", default)]
    pub matches: Vec<RawMatch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatch {
    pub programs: Spanned<Vec<String>>,
    /// `LEVEL LEVEL…`, each level `glob|glob…`.
    pub command: Option<Spanned<String>>,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub unless: Vec<String>,
    pub option_value: Option<RawOptionValue>,
    pub operands: Option<Spanned<String>>,
    pub unless_operands: Option<Spanned<String>>,
    #[serde(default)]
    pub value_options: Vec<String>,
    /// Place names ([`Class::parse`]), or `outside` for every place out of bounds.
    pub operand_class: Option<Spanned<Vec<String>>>,
    pub target_class: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOptionValue {
    pub options: Vec<String>,
    pub values: Spanned<String>,
}

/// A rule that is not valid: where, and why.
pub type Invalid = (Location, String);

/// Rule ids: lower-case words joined by `-`, so they read the same in config, logs and `explain`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

impl RawRule {
    /// The rule, in `pack`; `value_options` per program (the pack's).
    pub fn build(
        &self,
        pack: &str,
        value_options: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Rule, Invalid> {
        if !valid_id(&self.id.value) {
            return Err((
                self.id.referenced,
                format!(
                    "rule id `{}` must be lower-case words joined by `-`",
                    self.id.value
                ),
            ));
        }
        let severity = Severity::parse(&self.severity.value).ok_or_else(|| {
            (
                self.severity.referenced,
                format!(
                    "unknown severity `{}`, expected critical, high or medium",
                    self.severity.value
                ),
            )
        })?;
        if self.reason.value.trim().is_empty() || self.reason.value.contains('\n') {
            return Err((self.reason.referenced, "a reason is one line".into()));
        }
        let mut matches: Vec<Match> = self
            .matches
            .iter()
            .map(|m| m.build(value_options))
            .collect::<Result<_, _>>()?;
        // Collected without knowing the count: the spare room would stay for the whole session.
        matches.shrink_to_fit();
        Ok(Rule {
            id: self.id.value.clone(),
            pack: pack.to_owned(),
            reason: self.reason.value.clone(),
            severity,
            matches,
        })
    }
}

impl RawMatch {
    fn build(
        &self,
        value_options: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Match, Invalid> {
        let pattern = |raw: &Spanned<String>, ignore_case: bool| {
            Glob::new(&raw.value, ignore_case).map_err(|e| (raw.referenced, e))
        };
        if self.programs.value.is_empty() {
            return Err((
                self.programs.referenced,
                "`programs` names no program".into(),
            ));
        }
        let command = match &self.command {
            Some(raw) => raw
                .value
                .split_whitespace()
                .map(|level| Glob::new(level, false).map_err(|e| (raw.referenced, e)))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let mut takes_value = self.value_options.clone();
        for program in &self.programs.value {
            takes_value.extend(value_options.get(program).into_iter().flatten().cloned());
        }
        if let Some(ov) = &self.option_value {
            takes_value.extend(ov.options.iter().cloned());
        }
        takes_value.shrink_to_fit();
        for option in self.options.iter().chain(&self.unless).chain(&takes_value) {
            if !option.starts_with('-') || option.len() < 2 {
                return Err((
                    self.programs.referenced,
                    format!("`{option}` is not an option (options start with `-`)"),
                ));
            }
        }
        Ok(Match {
            programs: self.programs.value.clone(),
            command,
            options: self.options.clone(),
            unless: self.unless.clone(),
            option_value: self
                .option_value
                .as_ref()
                .map(|ov| Ok((ov.options.clone(), pattern(&ov.values, true)?)))
                .transpose()?,
            operands: self
                .operands
                .as_ref()
                .map(|p| pattern(p, true))
                .transpose()?,
            unless_operands: self
                .unless_operands
                .as_ref()
                .map(|p| pattern(p, true))
                .transpose()?,
            operand_class: classes(self.operand_class.as_ref())?,
            target_class: classes(self.target_class.as_ref())?,
            takes_value,
        })
    }
}
