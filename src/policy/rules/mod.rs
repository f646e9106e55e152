//! Rules as data. Every reason the check can give is a rule with a stable id, a one-line reason
//! and a severity, and lives in a pack, one per family of tools (`src/policy/packs/*.yaml`,
//! compiled into the binary). A rule either declares how it matches — the program after its
//! wrappers, its subcommand path, its options, its operands ([`matcher`]) — or is matched in code,
//! where reading takes more than a table can say (paths and the project boundary, SQL, code run by
//! shells and interpreters): its metadata still lives in the pack, and the code names it by id
//! ([`crate::policy::category`]).
//!
//! Users turn off a pack or a rule by id and add rules in the same schema ([`schema`]).

pub mod glob;
pub mod matcher;
pub mod schema;

use std::fmt::Write as _;
use std::sync::LazyLock;

use crate::policy::rules::matcher::Match;
use crate::policy::rules::schema::RawPack;

/// How bad it is when a rule is right. The most severe finding is the one reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Risky or hard to take back: publishing, reading secrets, changing the machine's settings.
    Medium,
    /// Destroys work or data, or opens the machine to others.
    High,
    /// Destroys the machine, the home directory or everything of a kind, beyond recovery.
    Critical,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "critical" => Self::Critical,
            "high" => Self::High,
            "medium" => Self::Medium,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
        }
    }
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub pack: String,
    pub reason: String,
    pub severity: Severity,
    /// How it matches; empty: in code.
    pub matches: Vec<Match>,
}

/// A family of rules.
#[derive(Debug, Clone)]
pub struct Pack {
    pub id: String,
    pub title: String,
    pub rules: Vec<Rule>,
}

/// The pack of the rules a user writes in their config.
pub const USER_PACK: &str = "user";

/// The pack files, in the order `explain --list` shows them. Of two findings of one severity the
/// first reported wins, so a pack for particular services comes before a generic one.
const PACK_FILES: &[(&str, &str)] = &[
    ("filesystem.yaml", include_str!("../packs/filesystem.yaml")),
    ("code.yaml", include_str!("../packs/code.yaml")),
    ("vcs.yaml", include_str!("../packs/vcs.yaml")),
    ("databases.yaml", include_str!("../packs/databases.yaml")),
    ("processes.yaml", include_str!("../packs/processes.yaml")),
    ("services.yaml", include_str!("../packs/services.yaml")),
    ("logs.yaml", include_str!("../packs/logs.yaml")),
    (
        "credentials.yaml",
        include_str!("../packs/credentials.yaml"),
    ),
    ("network.yaml", include_str!("../packs/network.yaml")),
    (
        "persistence.yaml",
        include_str!("../packs/persistence.yaml"),
    ),
    ("containers.yaml", include_str!("../packs/containers.yaml")),
    ("forges.yaml", include_str!("../packs/forges.yaml")),
    ("registries.yaml", include_str!("../packs/registries.yaml")),
    (
        "data-services.yaml",
        include_str!("../packs/data-services.yaml"),
    ),
    // After the packs for particular services: a cloud CLI's generic `delete` is their fallback.
    ("cloud.yaml", include_str!("../packs/cloud.yaml")),
    ("system.yaml", include_str!("../packs/system.yaml")),
    ("disks.yaml", include_str!("../packs/disks.yaml")),
];

/// The built-in packs. The files are part of the program: one that does not read is a bug, and
/// the tests read every one.
pub static PACKS: LazyLock<Vec<Pack>> = LazyLock::new(|| {
    let packs: Vec<Pack> = PACK_FILES
        .iter()
        .map(|(name, text)| {
            read_pack(text).unwrap_or_else(|e| panic!("src/policy/packs/{name}: {e}"))
        })
        .collect();
    let mut ids: Vec<&str> = packs
        .iter()
        .flat_map(|p| p.rules.iter().map(|r| r.id.as_str()))
        .collect();
    ids.sort_unstable();
    if let Some([id, _]) = ids.windows(2).find(|w| w[0] == w[1]) {
        panic!("rule id `{id}` is in two packs");
    }
    packs
});

fn read_pack(text: &str) -> Result<Pack, String> {
    let raw: RawPack = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    let mut rules = raw
        .rules
        .iter()
        .map(|r| r.build(&raw.pack, &raw.value_options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|(at, e)| format!("{}:{}: {e}", at.line(), at.column()))?;
    // Built-in rules live as long as the program: no spare room.
    rules.shrink_to_fit();
    Ok(Pack {
        id: raw.pack,
        title: raw.title,
        rules,
    })
}

/// Every built-in rule, pack by pack.
pub fn builtin_rules() -> impl Iterator<Item = &'static Rule> {
    PACKS.iter().flat_map(|p| p.rules.iter())
}

/// The built-in rule with this id.
pub fn builtin(id: &str) -> Option<&'static Rule> {
    builtin_rules().find(|r| r.id == id)
}

/// Whether `id` names a built-in pack.
pub fn is_pack(id: &str) -> bool {
    PACKS.iter().any(|p| p.id == id)
}

/// Every pack and rule, one per line, for `autoapprove explain --list`.
pub fn listing(user: &[Rule]) -> String {
    let mut out = String::new();
    let mut section = |id: &str, title: &str, rules: &mut dyn Iterator<Item = &Rule>| {
        let _ = writeln!(out, "{id}: {title}");
        for rule in rules {
            let how = if rule.matches.is_empty() {
                "code"
            } else {
                "declared"
            };
            let _ = writeln!(
                out,
                "  {:<22} {:<8} {:<8} {}",
                rule.id,
                rule.severity.as_str(),
                how,
                rule.reason
            );
        }
    };
    for pack in PACKS.iter() {
        section(&pack.id, &pack.title, &mut pack.rules.iter());
    }
    if !user.is_empty() {
        section(USER_PACK, "your rules (denylist.rules)", &mut user.iter());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pack_reads_and_every_id_is_unique() {
        assert!(PACKS.len() >= 15);
        assert!(builtin_rules().count() >= 40);
        for pack in PACKS.iter() {
            assert!(!pack.rules.is_empty(), "{} has no rules", pack.id);
        }
    }

    #[test]
    fn the_listing_names_every_rule() {
        let list = listing(&[]);
        for rule in builtin_rules() {
            assert!(list.contains(&format!("  {:<22} ", rule.id)), "{}", rule.id);
        }
    }
}
