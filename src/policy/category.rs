//! The rules matched in code: each a typed name for a rule whose id, reason and severity live in
//! its pack ([`crate::policy::rules`]). A handler that finds one reports it by this name, so a
//! misspelt id cannot compile; the tests check every name is in a pack.

/// A rule matched in code, by its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    pub id: &'static str,
}

const fn rule(id: &'static str) -> Category {
    Category { id }
}

pub const RECURSIVE_DELETE: Category = rule("recursive-delete");
pub const PERMISSION_SWEEP: Category = rule("permission-sweep");
pub const SYSTEM_FILES: Category = rule("system-file-write");
pub const OUTSIDE_PROJECT: Category = rule("outside-project");
pub const FORK_BOMB: Category = rule("fork-bomb");
pub const PIPE_TO_SHELL: Category = rule("pipe-to-shell");
pub const OPAQUE: Category = rule("opaque-code");
pub const GIT_HISTORY: Category = rule("git-history");
pub const GIT_DISCARD: Category = rule("git-discard");
pub const DATABASE_DROP: Category = rule("database-drop");
pub const SQL_UNBOUNDED: Category = rule("sql-unbounded-change");
pub const KILL_OTHERS: Category = rule("kill-by-name");
pub const KILL_ALL: Category = rule("kill-all");
pub const POWER: Category = rule("power");
pub const SECURITY_OFF: Category = rule("security-off");
pub const HISTORY_WIPE: Category = rule("history-wipe");
pub const CREDENTIALS: Category = rule("credentials");
pub const SECRET_VARIABLE_PRINT: Category = rule("secret-variable-print");
pub const NETWORK_SHELL: Category = rule("network-shell");
pub const CRONTAB_REMOVE: Category = rule("crontab-remove");
pub const STARTUP_FILES: Category = rule("startup-files");
pub const SSH_KEYS: Category = rule("ssh-keys");
pub const SUDOERS: Category = rule("sudoers");
pub const DISK_WIPE: Category = rule("disk-wipe");

/// Every rule matched in code.
pub const IN_CODE: &[Category] = &[
    RECURSIVE_DELETE,
    PERMISSION_SWEEP,
    SYSTEM_FILES,
    OUTSIDE_PROJECT,
    FORK_BOMB,
    PIPE_TO_SHELL,
    OPAQUE,
    GIT_HISTORY,
    GIT_DISCARD,
    DATABASE_DROP,
    SQL_UNBOUNDED,
    KILL_OTHERS,
    KILL_ALL,
    POWER,
    SECURITY_OFF,
    HISTORY_WIPE,
    CREDENTIALS,
    SECRET_VARIABLE_PRINT,
    NETWORK_SHELL,
    CRONTAB_REMOVE,
    STARTUP_FILES,
    SSH_KEYS,
    SUDOERS,
    DISK_WIPE,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules;

    #[test]
    fn every_rule_in_code_is_in_a_pack_and_the_reverse() {
        for category in IN_CODE {
            let rule = rules::builtin(category.id)
                .unwrap_or_else(|| panic!("{} is in no pack", category.id));
            assert!(
                rule.matches.is_empty(),
                "{} is declared and in code",
                rule.id
            );
        }
        for rule in rules::builtin_rules().filter(|r| r.matches.is_empty()) {
            assert!(
                IN_CODE.iter().any(|c| c.id == rule.id),
                "{} has no `match` and no code",
                rule.id
            );
        }
    }
}
