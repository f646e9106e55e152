//! `autoapprove choices …`: the guard's remembered choices from the command line — list them,
//! show or clear a program's, add an allow or deny pattern, import ptrace-approve's
//! `profiles.json`. A program is named by a path or a name looked up in `PATH`, and keyed by its
//! absolute path.

use std::fmt::Write as _;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::cli;
use crate::exit;
use crate::guard::choices::{Change, Choices, ChoicesError};

/// Runs `choices …`; returns the exit code: 0, 2 for a bad request or file, 1 when the file
/// cannot be written.
pub fn run(request: &cli::Choices) -> i32 {
    let Some(path) = Choices::default_path() else {
        to_stderr!("error: choices: neither XDG_CONFIG_HOME nor HOME is set");
        return exit::FAILURE;
    };
    match run_at(&path, request) {
        Ok(out) => crate::print(&out),
        Err(Failure::Usage(message)) => {
            to_stderr!("error: choices: {message}");
            exit::USAGE
        }
        Err(Failure::File(e)) => {
            to_stderr!("error: {e}");
            exit::USAGE
        }
    }
}

enum Failure {
    Usage(String),
    File(ChoicesError),
}

impl From<ChoicesError> for Failure {
    fn from(e: ChoicesError) -> Self {
        Self::File(e)
    }
}

/// Does what `request` asks with the choices at `path`; returns what to print.
fn run_at(path: &Path, request: &cli::Choices) -> Result<String, Failure> {
    Ok(match request {
        cli::Choices::List => {
            let choices = Choices::load(path)?;
            let mut out = String::new();
            for program in choices.programs() {
                let (allow, deny) = choices.of(program);
                let _ = writeln!(
                    out,
                    "{program}  {} allowed, {} denied",
                    allow.len(),
                    deny.len()
                );
            }
            out
        }
        cli::Choices::Show { program } => show(&Choices::load(path)?, &key(program)?),
        cli::Choices::Clear { program } => {
            let program = key(program)?;
            change(path, Change::Clear { program: &program })?;
            format!("cleared {program}\n")
        }
        cli::Choices::Allow { program, pattern } | cli::Choices::Deny { program, pattern } => {
            // The command line checked the pattern.
            let program = key(program)?;
            let deny = matches!(request, cli::Choices::Deny { .. });
            let choices = change(
                path,
                Change::Add {
                    program: &program,
                    pattern,
                    deny,
                },
            )?;
            show(&choices, &program)
        }
        cli::Choices::Import { file } => {
            let from = match file {
                Some(file) => file.clone(),
                None => ptrace_approve_profiles().ok_or_else(|| {
                    Failure::Usage("HOME is not set: name the file to import".into())
                })?,
            };
            // `load` takes a missing file for no choices yet; here it is a mistake.
            if std::fs::symlink_metadata(&from).is_err_and(|e| e.kind() == ErrorKind::NotFound) {
                return Err(Failure::Usage(format!(
                    "{}: no such file to import",
                    from.display()
                )));
            }
            let theirs = Choices::load(&from)?;
            let count: usize = theirs
                .programs()
                .iter()
                .map(|p| {
                    let (a, d) = theirs.of(p);
                    a.len() + d.len()
                })
                .sum();
            change(path, Change::Import(theirs))?;
            format!("imported {count} patterns from {}\n", from.display())
        }
    })
}

fn change(path: &Path, change: Change<'_>) -> Result<Choices, Failure> {
    Ok(crate::guard::choices::change(path, change)?)
}

/// A program's patterns, one per line: `allow PATTERN` / `deny PATTERN`.
fn show(choices: &Choices, program: &str) -> String {
    let (allow, deny) = choices.of(program);
    let mut out = String::new();
    for p in allow {
        let _ = writeln!(out, "allow {p}");
    }
    for p in deny {
        let _ = writeln!(out, "deny {p}");
    }
    if out.is_empty() {
        out = format!("no choices for {program}\n");
    }
    out
}

fn key(program: &str) -> Result<String, Failure> {
    crate::guard::choices::program_key(program).map_err(Failure::Usage)
}

/// Where ptrace-approve keeps its choices.
fn ptrace_approve_profiles() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    Some(PathBuf::from(home).join(".config/ptrace-approve/profiles.json"))
}
