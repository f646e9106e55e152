//! Database clients: dropping or emptying a database, in the client's arguments, in what is
//! piped into it, or in a here-doc. Frameworks' reset commands are declared (packs/databases.yaml).

use std::sync::LazyLock;

use regex::Regex;

use crate::policy::category::{DATABASE_DROP, SQL_UNBOUNDED};
use crate::policy::shell::{Command, RedirectKind, Script, Word};
use crate::policy::walk::Judge;

/// Statements that drop or empty a database, in SQL and the usual other query languages.
static DROP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bdrop\s+(database|schema|table|keyspace|collection|owned)\b|\btruncate\s+(table\s+)?\w|dropDatabase\s*\(|\.drop\s*\(\s*\)|\bflushall\b|\bflushdb\b")
        .expect("drop regex")
});

/// A `DELETE FROM` or `UPDATE … SET` statement: it changes every row unless it has a `WHERE`.
static ROW_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*(?:with\b.*?\)\s*)?(?:delete\s+from\s+\S+|update\s+\S+\s+set\b)")
        .expect("row change regex")
});
static WHERE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bwhere\b|\blimit\s+\d").expect("where regex"));

/// The first statement in `sql` that deletes or updates every row of a table.
fn unbounded_change(sql: &str) -> Option<&str> {
    sql.split(';')
        .find(|statement| ROW_CHANGE.is_match(statement) && !WHERE.is_match(statement))
        .map(str::trim)
}

/// The statement in `text` (prose, a migration's summary) that drops or empties a database.
pub fn drop_statement(text: &str) -> Option<&str> {
    DROP.find(text).map(|m| m.as_str())
}

impl Judge<'_> {
    pub(super) fn database(
        &mut self,
        script: &Script,
        command: &Command,
        name: &str,
        args: &[Word],
        text: &str,
    ) {
        let client = matches!(
            name,
            "psql"
                | "mysql"
                | "mariadb"
                | "sqlite3"
                | "mongo"
                | "mongosh"
                | "redis-cli"
                | "cockroach"
                | "clickhouse-client"
                | "cqlsh"
                | "sqlcmd"
                | "duckdb"
        );
        let drops = match name {
            "dropdb" | "dropuser" => true,
            "mysqladmin" => args.iter().any(|a| a.text == "drop"),
            _ if client => {
                let mut texts: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
                if let Some(p) = command.piped_from.map(|i| &script.commands[i]) {
                    texts.extend(p.words.iter().map(|w| w.text.as_str()));
                }
                for r in &command.redirects {
                    if let Some(body) = &r.body {
                        texts.push(body);
                    } else if r.kind == RedirectKind::Here {
                        texts.push(&r.target.text);
                    }
                }
                if let Some(statement) = texts.iter().find_map(|t| unbounded_change(t)) {
                    self.found(SQL_UNBOUNDED, format!("{text} ({statement})"));
                }
                texts.iter().any(|t| DROP.is_match(t))
            }
            _ => false,
        };
        if drops {
            self.found(DATABASE_DROP, text.to_owned());
        }
    }
}
