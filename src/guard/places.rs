//! Places where a program may change files without being asked: the guard's `allow_paths`
//! setting (a profile's, or the user's config). An entry is an absolute path or glob (`*` within
//! a segment, `**` across), which may start with a placeholder — `{project}` (the directory
//! autoapprove started in), `{home}`, `{tmp}` (`$TMPDIR`, else `/tmp`), `{cache}`
//! (`$XDG_CACHE_HOME`, else `~/.cache`), `{env:NAME}` or `{env:NAME:-DEFAULT}` (`DEFAULT` an
//! absolute path or one from `~/`) — and covers what it names and everything under it. An entry
//! whose placeholder has no value here (an unset variable, no home) covers nothing.
//!
//! A call is covered when every path it changes is, as the kernel will reach it: the existing
//! part of the path is resolved through symbolic links first, so a link inside the project that
//! points at the home directory does not make the home directory the project's. A `mkdir` of a
//! place's parent directories is covered too (`mkdir -p` on the way to it).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use regex::bytes::Regex;

use crate::guard::call::Call;
use crate::guard::pattern::glob_to_regex;
use crate::policy::Scope;

/// What the placeholders stand for in this run.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub project: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub tmp: Option<PathBuf>,
    pub cache: Option<PathBuf>,
}

impl Vars {
    /// The run's places ([`Scope`], their one home).
    pub fn of(scope: &Scope) -> Self {
        let path = |p: &str| PathBuf::from(p);
        Self {
            project: Some(path(&scope.project)),
            home: scope.home.as_deref().map(path),
            tmp: Some(path(&scope.tmp)),
            cache: scope.cache.as_deref().map(path),
        }
    }

    fn value(&self, name: &str) -> Option<PathBuf> {
        match name {
            "project" => self.project.clone(),
            "home" => self.home.clone(),
            "tmp" => self.tmp.clone(),
            "cache" => self.cache.clone(),
            _ => {
                let (var, default) = env_placeholder(name)?;
                let path = match std::env::var_os(var).filter(|v| !v.is_empty()) {
                    Some(value) => PathBuf::from(value),
                    None => match default?.strip_prefix("~/") {
                        Some(rest) => self.home.as_ref()?.join(rest),
                        None => PathBuf::from(default?),
                    },
                };
                Some(std::fs::canonicalize(&path).unwrap_or(path))
            }
        }
    }
}

/// `env:NAME` or `env:NAME:-DEFAULT`: the variable's name, and the default if any.
fn env_placeholder(name: &str) -> Option<(&str, Option<&str>)> {
    let rest = name.strip_prefix("env:")?;
    Some(match rest.split_once(":-") {
        Some((var, default)) => (var, Some(default)),
        None => (rest, None),
    })
}

/// Why an entry cannot be read; checked when the config is loaded.
pub fn check(entry: &str) -> Result<(), String> {
    match entry.strip_prefix('{') {
        Some(rest) => {
            let Some((name, _)) = rest.split_once('}') else {
                return Err(format!("`{entry}`: the `{{` is never closed"));
            };
            let known = matches!(name, "project" | "home" | "tmp" | "cache");
            match env_placeholder(name) {
                _ if known => Ok(()),
                Some(("", _)) | None => Err(format!(
                    "`{entry}`: unknown placeholder `{{{name}}}`, expected {{project}}, {{home}}, \
                     {{tmp}}, {{cache}}, {{env:NAME}} or {{env:NAME:-DEFAULT}}"
                )),
                Some((_, Some(default))) if !default.starts_with(['/', '~']) => Err(format!(
                    "`{entry}`: the default `{default}` is not an absolute path (or one from ~/)"
                )),
                Some(_) => Ok(()),
            }
        }
        None if entry.starts_with('/') => Ok(()),
        None => Err(format!(
            "`{entry}`: a place is an absolute path, or starts with a placeholder such as {{project}}"
        )),
    }
}

/// One entry, made concrete.
#[derive(Debug, Clone)]
struct Place {
    /// As written in the config, for the log.
    written: String,
    regex: Regex,
    /// The part before any glob: its parent directories may be made.
    fixed: Vec<u8>,
}

/// The places of a run.
#[derive(Debug, Clone, Default)]
pub struct Places(Vec<Place>);

impl Places {
    /// The `entries` (already checked) with the placeholders filled in from `vars`.
    pub fn new(entries: &[String], vars: &Vars) -> Self {
        Self(entries.iter().filter_map(|e| place(e, vars)).collect())
    }

    /// The entry that covers every path `call` changes, if one does; `None` for calls that change
    /// no path (`exec`, signals).
    pub fn covering(&self, call: &Call) -> Option<&str> {
        let paths = call.changed_paths()?;
        let mut by = None;
        for (path, follow) in paths {
            let real = real_path(path, follow);
            let mkdir = matches!(call, Call::Mkdir(_));
            let place = self.0.iter().find(|p| {
                p.regex.is_match(&real)
                    || (mkdir
                        && p.fixed.starts_with(&real)
                        && p.fixed.get(real.len()) == Some(&b'/'))
            })?;
            by.get_or_insert(place.written.as_str());
        }
        by
    }
}

fn place(entry: &str, vars: &Vars) -> Option<Place> {
    let (base, rest) = match entry.strip_prefix('{').and_then(|r| r.split_once('}')) {
        Some((name, rest)) => {
            let value = vars.value(name)?;
            // Text that would read as a glob, or is not text: this place cannot be written down.
            let value = value.to_str().filter(|v| !v.contains('*'))?.to_owned();
            (value.trim_end_matches('/').to_owned(), rest)
        }
        None => (String::new(), entry),
    };
    let glob = format!("{base}{rest}");
    let glob = glob.trim_end_matches('/');
    let glob = if glob.is_empty() { "/" } else { glob };
    let fixed = glob.split('*').next().unwrap_or("").as_bytes().to_vec();
    let regex = if glob == "/" {
        "^/.*$".to_owned()
    } else {
        format!("^(?:{})(?:/.*)?$", glob_to_regex(glob))
    };
    Some(Place {
        written: entry.to_owned(),
        regex: Regex::new(&format!("(?s-u){regex}")).ok()?,
        fixed,
    })
}

/// `path` as the kernel reaches it: its existing part resolved through symbolic links (the last
/// component too when `follow`: an `open` follows it, a `delete` acts on the link itself).
fn real_path(path: &[u8], follow: bool) -> Vec<u8> {
    let as_path = Path::new(OsStr::from_bytes(path));
    if follow && let Ok(real) = std::fs::canonicalize(as_path) {
        return real.as_os_str().as_bytes().to_vec();
    }
    match (as_path.parent(), as_path.file_name()) {
        (Some(parent), Some(name)) => {
            let mut real = real_path(parent.as_os_str().as_bytes(), true);
            if real != b"/" {
                real.push(b'/');
            }
            real.extend_from_slice(name.as_bytes());
            real
        }
        _ => path.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(dir: &Path) -> Vars {
        Vars {
            project: Some(dir.join("work")),
            home: Some(dir.join("home")),
            tmp: None,
            cache: None,
        }
    }

    fn delete(p: &Path) -> Call {
        Call::Delete(p.as_os_str().as_bytes().to_vec())
    }

    #[test]
    fn entries_cover_what_they_name_and_everything_under_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("work/src")).unwrap();
        std::fs::create_dir_all(root.join("home")).unwrap();
        let places = Places::new(
            &[
                "{project}".into(),
                "{home}/.claude.json*".into(),
                "{tmp}/x".into(),
            ],
            &vars(&root),
        );
        let covered = |c: &Call| places.covering(c);
        assert_eq!(
            covered(&delete(&root.join("work/src/a.rs"))),
            Some("{project}")
        );
        assert_eq!(covered(&delete(&root.join("work"))), Some("{project}"));
        assert_eq!(covered(&delete(&root.join("workshop"))), None);
        assert_eq!(
            covered(&delete(&root.join("home/.claude.json.backup"))),
            Some("{home}/.claude.json*")
        );
        assert_eq!(covered(&delete(&root.join("home/.bashrc"))), None);
        // A rename is covered only when both ends are.
        let rename = |from: &str, to: &str| Call::Rename {
            from: root.join(from).as_os_str().as_bytes().to_vec(),
            to: root.join(to).as_os_str().as_bytes().to_vec(),
        };
        assert!(covered(&rename("work/a", "work/b")).is_some());
        assert!(covered(&rename("work/a", "home/.bashrc")).is_none());
        // `mkdir -p` on the way to a place.
        let mkdir = |p: &str| Call::Mkdir(root.join(p).as_os_str().as_bytes().to_vec());
        assert!(covered(&mkdir("home")).is_some());
        assert!(covered(&mkdir("home/other")).is_none());
        // No exec is a change of a path; no `{tmp}` here: that entry covers nothing.
        assert!(Places::new(&["{tmp}/x".into()], &vars(&root)).0.is_empty());
    }

    #[test]
    fn an_unset_variable_takes_its_default_from_the_home() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let places = Places::new(
            &["{env:AUTOAPPROVE_TEST_UNSET_DIR:-~/.conf}/state".into()],
            &vars(&root),
        );
        let inside = root.join("home/.conf/state/x");
        assert!(places.covering(&delete(&inside)).is_some());
        assert!(
            places
                .covering(&delete(&root.join("home/.conf/other")))
                .is_none()
        );
    }

    #[test]
    fn a_symbolic_link_out_of_the_project_leads_out_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("work")).unwrap();
        std::fs::create_dir_all(root.join("home")).unwrap();
        std::os::unix::fs::symlink(root.join("home"), root.join("work/h")).unwrap();
        let places = Places::new(&["{project}".into()], &vars(&root));
        let open = Call::Open {
            path: root.join("work/h/.bashrc").as_os_str().as_bytes().to_vec(),
            flags: crate::guard::call::OpenFlags::default(),
        };
        assert_eq!(places.covering(&open), None);
        // The link itself is in the project: deleting it is.
        assert_eq!(
            places.covering(&delete(&root.join("work/h"))),
            Some("{project}")
        );
    }

    #[test]
    fn entries_are_checked() {
        assert!(check("{project}/build").is_ok());
        assert!(check("{env:CLAUDE_CONFIG_DIR}").is_ok());
        assert!(check("{env:CLAUDE_CONFIG_DIR:-~/.claude}/projects").is_ok());
        assert!(
            check("{env:X:-rel}")
                .unwrap_err()
                .contains("not an absolute path")
        );
        assert!(check("/opt/cache/**").is_ok());
        assert!(check("relative/dir").unwrap_err().contains("absolute"));
        assert!(
            check("{projekt}")
                .unwrap_err()
                .contains("unknown placeholder")
        );
        assert!(check("{project").unwrap_err().contains("never closed"));
    }
}
