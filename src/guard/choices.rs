//! Remembered choices: the patterns a person allowed or denied for a program, kept across runs
//! in `$XDG_CONFIG_HOME/autoapprove/choices.json` (else `~/.config/autoapprove/choices.json`), in
//! ptrace-approve's shape — `{"/usr/bin/app": [allow…], "/usr/bin/app:deny": [deny…]}` — so its
//! `profiles.json` can be imported as it is. A program is keyed by its absolute path.
//!
//! Changes are made under an exclusive lock on a lock file beside it, by re-reading the file,
//! changing it and renaming a complete new file over it: two sessions adding choices at once lose
//! neither, and a reader never sees half a file. A file that cannot be read is an error with its
//! position, never replaced.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::guard::pattern::Pattern;

/// The suffix of the key that holds a program's deny patterns.
const DENY_SUFFIX: &str = ":deny";

/// Why the choices cannot be read or written: the file and what is wrong.
#[derive(Debug)]
pub struct ChoicesError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ChoicesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ChoicesError {}

/// Every program's remembered patterns, as the file holds them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Choices {
    entries: BTreeMap<String, Vec<String>>,
}

impl Choices {
    /// Where choices are kept, from the environment.
    pub fn default_path() -> Option<PathBuf> {
        crate::config::user_dir().map(|dir| dir.join("choices.json"))
    }

    /// The choices in `path`; none if there is no file yet.
    pub fn load(path: &Path) -> Result<Self, ChoicesError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(error(path, format!("cannot read it: {e}"))),
        }
    }

    /// `program`'s patterns, compiled (each was checked when the file was read).
    pub fn patterns_of(&self, program: &str) -> crate::guard::decide::Patterns {
        let (allow, deny) = self.of(program);
        let compile = |list: &[String]| {
            list.iter()
                .filter_map(|p| Pattern::new(p).ok())
                .collect::<Vec<_>>()
        };
        crate::guard::decide::Patterns {
            allow: compile(allow),
            deny: compile(deny),
        }
    }

    /// Reads the file's text (`path` names it in errors). Every pattern must be readable.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ChoicesError> {
        let entries: BTreeMap<String, Vec<String>> = serde_json::from_str(text).map_err(|e| {
            // serde_json ends its message with the position, which comes first here.
            let message = e.to_string();
            let what = message
                .rsplit_once(" at line ")
                .map_or(&*message, |(what, _)| what);
            error(
                path,
                format!(
                    "line {} column {}: not a map of program to a list of patterns: {what}",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        for (key, patterns) in &entries {
            for pattern in patterns {
                Pattern::new(pattern)
                    .map_err(|e| error(path, format!("the pattern `{pattern}` of `{key}`, {e}")))?;
            }
        }
        Ok(Self { entries })
    }

    /// The programs that have choices, each once.
    pub fn programs(&self) -> Vec<&str> {
        let programs: std::collections::BTreeSet<&str> = self
            .entries
            .keys()
            .map(|k| k.strip_suffix(DENY_SUFFIX).unwrap_or(k))
            .collect();
        programs.into_iter().collect()
    }

    /// `program`'s allow patterns, then its deny patterns.
    pub fn of(&self, program: &str) -> (&[String], &[String]) {
        let get = |key: &str| self.entries.get(key).map_or(&[][..], Vec::as_slice);
        (get(program), get(&format!("{program}{DENY_SUFFIX}")))
    }

    fn add(&mut self, program: &str, pattern: &str, deny: bool) {
        let key = if deny {
            format!("{program}{DENY_SUFFIX}")
        } else {
            program.to_owned()
        };
        let list = self.entries.entry(key).or_default();
        if !list.iter().any(|p| p == pattern) {
            list.push(pattern.to_owned());
        }
    }

    fn clear(&mut self, program: &str) {
        self.entries.remove(program);
        self.entries.remove(&format!("{program}{DENY_SUFFIX}"));
    }

    fn merge(&mut self, other: Self) {
        for (key, patterns) in other.entries {
            let (program, deny) = match key.strip_suffix(DENY_SUFFIX) {
                Some(program) => (program.to_owned(), true),
                None => (key, false),
            };
            for pattern in patterns {
                self.add(&program, &pattern, deny);
            }
        }
    }
}

/// The key of a program: its absolute path — a path as given (it may be gone: its choices can
/// still be shown and cleared), a name as `PATH` resolves it.
pub fn program_key(program: &str) -> Result<String, String> {
    let found = if program.contains('/') {
        PathBuf::from(program)
    } else {
        crate::pty::child::resolve(std::ffi::OsStr::new(program))
            .ok_or_else(|| format!("no program `{program}` in PATH"))?
    };
    let absolute = std::path::absolute(&found).map_err(|e| format!("`{program}`: {e}"))?;
    Ok(absolute.to_string_lossy().into_owned())
}

/// A change to the file at `path`, made under its lock.
pub enum Change<'a> {
    Add {
        program: &'a str,
        pattern: &'a str,
        deny: bool,
    },
    Clear {
        program: &'a str,
    },
    /// Every choice of another file (ptrace-approve's `profiles.json`), added to these.
    Import(Choices),
}

/// Applies `change` to the file at `path` (made if missing) and returns the choices as they now
/// are: under an exclusive lock, re-read, changed, written whole and renamed into place.
pub fn change(path: &Path, change: Change<'_>) -> Result<Choices, ChoicesError> {
    if let Change::Add { pattern, .. } = &change {
        Pattern::new(pattern).map_err(|e| error(path, format!("the pattern `{pattern}`: {e}")))?;
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| error(path, format!("cannot make its folder: {e}")))?;
    let lock_path = path.with_extension("json.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| error(&lock_path, format!("cannot open the lock: {e}")))?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| error(&lock_path, format!("cannot lock it: {e}")))?;
    let mut choices = Choices::load(path)?;
    match change {
        Change::Add {
            program,
            pattern,
            deny,
        } => choices.add(program, pattern, deny),
        Change::Clear { program } => choices.clear(program),
        Change::Import(other) => choices.merge(other),
    }
    let text = serde_json::to_string_pretty(&choices.entries).expect("strings serialise");
    let temporary = path.with_extension(format!("json.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error(path, format!("cannot write it: {e}")));
    }
    // The lock goes with `lock`.
    Ok(choices)
}

fn error(path: &Path, message: String) -> ChoicesError {
    ChoicesError {
        path: path.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(path: &Path, program: &str, pattern: &str, deny: bool) -> Choices {
        change(
            path,
            Change::Add {
                program,
                pattern,
                deny,
            },
        )
        .unwrap()
    }

    #[test]
    fn choices_are_added_shown_cleared_and_imported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("autoapprove/choices.json");
        change(
            &path,
            Change::Add {
                program: "/usr/bin/app",
                pattern: "open(/tmp/**, _)",
                deny: false,
            },
        )
        .unwrap();
        add(&path, "/usr/bin/app", "delete(_)", true);
        let c = add(&path, "/usr/bin/app", "delete(_)", true);
        let (allow, deny) = c.of("/usr/bin/app");
        assert_eq!(
            (allow, deny),
            (
                &["open(/tmp/**, _)".to_owned()][..],
                &["delete(_)".to_owned()][..]
            )
        );
        assert_eq!(c.programs(), ["/usr/bin/app"]);
        let c = add(&path, "/usr/bin/app-x", "delete(_)", false);
        assert_eq!(c.programs(), ["/usr/bin/app", "/usr/bin/app-x"]);
        let c = change(
            &path,
            Change::Clear {
                program: "/usr/bin/app-x",
            },
        )
        .unwrap();
        assert_eq!(c.programs(), ["/usr/bin/app"]);
        // ptrace-approve's shape on disk.
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["/usr/bin/app:deny"][0], "delete(_)");

        let theirs = Choices::parse(
            r#"{"/bin/tool": ["exec(...)"], "/usr/bin/app:deny": ["rmdir(_)"]}"#,
            Path::new("profiles.json"),
        )
        .unwrap();
        let c = change(&path, Change::Import(theirs)).unwrap();
        assert_eq!(c.of("/bin/tool").0, ["exec(...)"]);
        assert_eq!(c.of("/usr/bin/app").1, ["delete(_)", "rmdir(_)"]);

        let c = change(
            &path,
            Change::Clear {
                program: "/usr/bin/app",
            },
        )
        .unwrap();
        assert_eq!(c.programs(), ["/bin/tool"]);
        assert_eq!(Choices::load(&path).unwrap(), c);
    }

    #[test]
    fn a_file_that_cannot_be_read_is_an_error_with_its_position_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("choices.json");
        std::fs::write(&path, "{\"/bin/a\": [\"exec(...)\",\n  oops]}").unwrap();
        let e = Choices::load(&path).unwrap_err();
        assert!(e.message.starts_with("line 2 column 3"), "{e}");
        assert_eq!(e.message.matches("line").count(), 1, "said once: {e}");
        let e = change(
            &path,
            Change::Add {
                program: "/bin/a",
                pattern: "exec(_)",
                deny: false,
            },
        )
        .unwrap_err();
        assert!(e.message.starts_with("line 2"), "{e}");
        assert!(
            std::fs::read_to_string(&path).unwrap().contains("oops"),
            "never replaced"
        );
        std::fs::write(&path, r#"{"/bin/a": ["open(/(x/, _)"]}"#).unwrap();
        assert!(
            Choices::load(&path)
                .unwrap_err()
                .message
                .contains("invalid regex")
        );
    }

    #[test]
    fn two_writers_at_once_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("choices.json");
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for j in 0..10 {
                        let pattern = format!("open(/w/{i}/{j}, _)");
                        add(&path, "/bin/a", &pattern, false);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(Choices::load(&path).unwrap().of("/bin/a").0.len(), 80);
    }
}
