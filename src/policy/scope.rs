//! Where a command runs, and the classes of the paths it touches: the one home for the places
//! that both the dangerous-command check and the guard's `allow_paths` placeholders name — the
//! project (the directory autoapprove started in, or `--project`), the temp directory, the cache
//! directory, the home. Classing is lexical (nothing is read from disk): a path is made absolute
//! against the working directory, `~` and the variables whose value is known here (`$HOME`,
//! `$TMPDIR`, `$PWD`) are expanded, and a glob is judged by the directory it cannot leave.

use std::path::{Path, PathBuf};

use crate::policy::paths::normalize;
use crate::policy::rules::glob;

/// Stands for the entries a glob names, inside the directory it cannot leave.
const GLOBBED: &str = "\u{0}glob";

/// The places a run knows, as absolute paths without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub project: String,
    /// Where the command runs (relative paths are in it).
    pub cwd: String,
    pub home: Option<String>,
    /// `$TMPDIR`, else `/tmp`.
    pub tmp: String,
    /// `$XDG_CACHE_HOME`, else `~/.cache`.
    pub cache: Option<String>,
}

/// What a path is to the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Inside the project (not its root, not its VCS internals).
    Project,
    /// The project directory itself, or a scratch directory that holds it (deleting it deletes
    /// the project).
    ProjectRoot,
    /// The project's `.git` directory (its objects and refs too).
    Vcs,
    /// The temp directory (and `/var/tmp`), or the user's cache directory.
    Scratch,
    /// The home directory, or under it outside the project (in the temp directory too).
    Home,
    /// Anywhere else.
    Elsewhere,
    /// Cannot be known without running something: a variable, a substitution.
    Unknown,
}

impl Class {
    /// Whether deleting, moving away, overwriting or changing the permissions of a path of this
    /// class is out of an agent's bounds.
    pub fn out_of_bounds(self) -> bool {
        !matches!(self, Self::Project | Self::Scratch)
    }

    /// Its name in a rule (`operand_class`): `project`, `project-root`, `vcs`, `scratch`, `home`,
    /// `elsewhere`, `unknown`.
    pub fn parse(id: &str) -> Option<Self> {
        Some(match id {
            "project" => Self::Project,
            "project-root" => Self::ProjectRoot,
            "vcs" => Self::Vcs,
            "scratch" => Self::Scratch,
            "home" => Self::Home,
            "elsewhere" => Self::Elsewhere,
            "unknown" => Self::Unknown,
            _ => return None,
        })
    }

    /// Every class out of an agent's bounds ([`Class::out_of_bounds`]): what `outside` names in
    /// a rule.
    pub const OUTSIDE: [Self; 5] = [
        Self::ProjectRoot,
        Self::Vcs,
        Self::Home,
        Self::Elsewhere,
        Self::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "inside the project",
            Self::ProjectRoot => "the project itself, or what holds it",
            Self::Vcs => "the project's repository",
            Self::Scratch => "temporary or cache",
            Self::Home => "in the home directory, outside the project",
            Self::Elsewhere => "outside the project",
            Self::Unknown => "a path that cannot be known before it runs",
        }
    }
}

impl Scope {
    /// From the environment: the project is `project`, or the working directory.
    pub fn here(project: Option<&Path>) -> Option<Self> {
        let env = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let real = |p: PathBuf| std::fs::canonicalize(&p).unwrap_or(p);
        let text = |p: PathBuf| {
            p.to_str().map(|s| match s.trim_end_matches('/') {
                "" => "/".to_owned(),
                trimmed => trimmed.to_owned(),
            })
        };
        let project = match project {
            Some(p) => real(p.to_owned()),
            None => std::env::current_dir().ok()?,
        };
        let home = env("HOME").map(real);
        let cache = env("XDG_CACHE_HOME")
            .or_else(|| home.as_ref().map(|h| h.join(".cache")))
            .map(real);
        let project = text(project)?;
        Some(Self {
            cwd: project.clone(),
            project,
            home: home.and_then(text),
            tmp: text(real(env("TMPDIR").unwrap_or_else(|| "/tmp".into())))
                .unwrap_or_else(|| "/tmp".into()),
            cache: cache.and_then(text),
        })
    }

    /// The class of `path` as a command run from `cwd` (or the scope's own) names it.
    pub fn class(&self, path: &str, cwd: Option<&str>) -> Class {
        let Some(absolute) = self.absolute(path, cwd) else {
            return Class::Unknown;
        };
        let under = |dir: &str| {
            absolute == dir || absolute.starts_with(&format!("{}/", dir.trim_end_matches('/')))
        };
        if absolute == self.project {
            return Class::ProjectRoot;
        }
        let git = format!("{}/.git", self.project);
        if absolute == git
            || ["objects", "refs"]
                .iter()
                .any(|d| under(&format!("{git}/{d}")))
        {
            return Class::Vcs;
        }
        if under(&self.project) {
            return Class::Project;
        }
        let inside = |d: &str| under(d) && absolute != d;
        let in_cache = self.cache.as_deref().is_some_and(inside);
        let in_home = self
            .home
            .as_deref()
            .is_some_and(|home| under(home) || home.starts_with(&format!("{absolute}/")));
        if in_cache || inside(&self.tmp) || inside("/var/tmp") {
            // A project kept in the temp directory is not scratch, nor what holds it; nor is a
            // home kept there (as some containers and CI runners keep it), but for its cache.
            if self.project.starts_with(&format!("{absolute}/")) {
                return Class::ProjectRoot;
            }
            return if in_home && !in_cache {
                Class::Home
            } else {
                Class::Scratch
            };
        }
        match &self.home {
            Some(home) if under(home) => Class::Home,
            _ => Class::Elsewhere,
        }
    }

    /// `path` made absolute and normalised; a glob cut to the directory it cannot leave; `None`
    /// when it holds what cannot be expanded here.
    fn absolute(&self, path: &str, cwd: Option<&str>) -> Option<String> {
        // A `cd` earlier in the command line may have named its directory relatively.
        let base = match cwd {
            Some(dir) => self.absolute(dir, None)?,
            None => self.cwd.clone(),
        };
        let base = base.as_str();
        let mut p = path.trim().to_owned();
        let home = self.home.as_deref();
        for (name, value) in [
            ("TMPDIR", Some(self.tmp.as_str())),
            ("PWD", Some(base)),
            ("HOME", home),
        ] {
            if let (Some(rest), Some(value)) = (expanded_prefix(&p, name), value) {
                p = format!("{value}{rest}");
            }
        }
        if p.contains(['$', '`']) {
            return None;
        }
        let joined = if let Some(rest) = p.strip_prefix('~') {
            if !(rest.is_empty() || rest.starts_with('/')) {
                // `~user`: someone's home.
                return Some("/home".into());
            }
            format!("{}{rest}", home?)
        } else if p.starts_with('/') {
            p
        } else {
            format!("{base}/{p}")
        };
        // `dir/*` is all that `dir` holds: judged as `dir` itself — except for the scratch
        // directories, whose contents are anyone's to delete while the directory is not.
        let mut joined = joined.trim_end_matches('/').to_owned();
        while let Some((dir, pattern)) = joined
            .rsplit_once('/')
            .filter(|(_, p)| ["*", ".*"].contains(p))
        {
            let dir = normalize(dir);
            let scratch = [
                Some(self.tmp.as_str()),
                Some("/var/tmp"),
                self.cache.as_deref(),
            ];
            if scratch.contains(&Some(dir.as_str())) {
                let entry = self.entry_matched(&dir, pattern).unwrap_or(GLOBBED);
                return Some(format!("{dir}/{entry}"));
            }
            joined = dir;
        }
        // Another glob names entries of a directory: each wildcard part stands for the entry it
        // can match that matters most here (the project, its `.git`), else for any entry.
        if joined.contains(['*', '?', '[']) {
            let mut path = String::new();
            for part in joined.split('/').filter(|p| !p.is_empty()) {
                if part.contains(['*', '?', '[']) {
                    path = normalize(&format!("/{path}"));
                    let entry = self.entry_matched(&path, part).unwrap_or(GLOBBED);
                    path = format!("{}/{entry}", path.trim_end_matches('/'));
                } else {
                    path = format!("{path}/{part}");
                }
            }
            joined = path;
        }
        let normal = normalize(&joined);
        Some(if normal.is_empty() {
            "/".into()
        } else {
            normal
        })
    }

    /// The entry of `dir` that the shell pattern `pattern` can name and that deleting would
    /// most hurt: the project's `.git`, or what holds the project, or the home.
    fn entry_matched(&self, dir: &str, pattern: &str) -> Option<&str> {
        // The entry of `dir` on the way to `place`.
        fn toward<'p>(dir: &str, place: &'p str) -> Option<&'p str> {
            let inside = place.strip_prefix(dir.trim_end_matches('/'))?;
            inside.strip_prefix('/')?.split('/').next()
        }
        let git = (dir == self.project).then_some(".git");
        let home = self.home.as_deref().and_then(|home| toward(dir, home));
        [git, toward(dir, &self.project), home]
            .into_iter()
            .flatten()
            .find(|entry| shell_pattern_matches(pattern, entry))
    }
}

/// Whether the shell would let `pattern` name the entry `name`: wholly, and a leading dot only
/// if the pattern writes one.
fn shell_pattern_matches(pattern: &str, name: &str) -> bool {
    (pattern.starts_with('.') || !name.starts_with('.'))
        && glob::shell_pattern_matches(pattern, name, false)
}

/// What follows `$NAME` at the start of `path`, in the forms that expand to NAME's value when it is
/// set: `$NAME`, `${NAME}`, `${NAME:-…}` and `${NAME-…}` (a default), `${NAME:=…}`, `${NAME:?…}`
/// (an error when unset), `${NAME%/}` and `${NAME%%/}` (a trailing slash cut).
fn expanded_prefix<'p>(path: &'p str, name: &str) -> Option<&'p str> {
    let rest = path.strip_prefix('$')?;
    if let Some(after) = rest.strip_prefix(name) {
        // `$HOMEDIR` is another variable.
        return (!after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(after);
    }
    let inner = rest.strip_prefix('{')?.strip_prefix(name)?;
    let close = inner.find('}')?;
    let op = &inner[..close];
    let same = op.is_empty()
        || ["%/", "%%/"].contains(&op)
        || [":-", "-", ":=", "=", ":?", "?"]
            .iter()
            .any(|o| op.starts_with(o) && !op[o.len()..].contains(['$', '`']));
    same.then(|| &inner[close + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            project: "/home/me/proj".into(),
            cwd: "/home/me/proj".into(),
            home: Some("/home/me".into()),
            tmp: "/tmp".into(),
            cache: Some("/home/me/.cache".into()),
        }
    }

    #[test]
    fn shell_patterns_match_as_the_shell_does() {
        for (pattern, name) in [
            (".g*", ".git"),
            (".[!a]it", ".git"),
            ("a|b", "a|b"),
            ("[x", "[x"),
        ] {
            assert!(shell_pattern_matches(pattern, name), "{pattern} {name}");
        }
        for (pattern, name) in [
            ("*", ".git"),
            ("?git", ".git"),
            (".[!g]it", ".git"),
            ("a|b", "a"),
        ] {
            assert!(!shell_pattern_matches(pattern, name), "{pattern} {name}");
        }
    }

    #[test]
    fn paths_are_classed_against_the_project() {
        let s = scope();
        let c = |p: &str| s.class(p, None);
        for p in [
            "build",
            "./target/debug",
            "src/../node_modules",
            "/home/me/proj/x",
            "*.o",
        ] {
            assert_eq!(c(p), Class::Project, "{p}");
        }
        for p in [".", "./", "../proj", "~/proj", "$PWD", "*"] {
            assert_eq!(c(p), Class::ProjectRoot, "{p}");
        }
        assert_eq!(c(".git"), Class::Vcs);
        assert_eq!(c(".git/objects/ab"), Class::Vcs);
        assert_eq!(c(".git/index.lock"), Class::Project);
        for p in [
            "/tmp/x",
            "$TMPDIR/build",
            "${TMPDIR:-/tmp}/build",
            "${TMPDIR%/}/x",
            "/var/tmp/y",
            "~/.cache/pip",
        ] {
            assert_eq!(c(p), Class::Scratch, "{p}");
        }
        for p in [
            "../other",
            "~/Documents",
            "$HOME/notes",
            "${HOME:?}/notes",
            "${HOME%/}",
            "/home/me",
            "../*",
        ] {
            assert_eq!(c(p), Class::Home, "{p}");
        }
        // A glob is judged by the entry it can name that matters most.
        for p in [
            ".g*",
            ".gi?",
            ".[g]it",
            "./.g*t",
            "./*/../.git",
            "src/*/../../.git",
        ] {
            assert_eq!(c(p), Class::Vcs, "{p}");
        }
        for p in ["../pro?", "../[p]roj*", "~/*/../proj"] {
            assert_eq!(c(p), Class::ProjectRoot, "{p}");
        }
        for p in ["*.o", ".[a-f]*", "*it", ".g[!i]t"] {
            assert_eq!(c(p), Class::Project, "{p}");
        }
        assert_eq!(c("/tmp/*"), Class::Scratch);
        assert_eq!(s.class("*", Some("/tmp")), Class::Scratch);
        assert_eq!(s.class("*", Some("build")), Class::Project);
        for p in ["/srv/data", "/", "~bob/x", "/tmp"] {
            assert_eq!(c(p), Class::Elsewhere, "{p}");
        }
        for p in [
            "$BUILD_DIR",
            "$(pwd)/x",
            "`pwd`/x",
            "${OUT:-/tmp}/x",
            "$HOMEDIR/x",
            "${HOME:+/x}",
            "${HOME#/}",
        ] {
            assert_eq!(c(p), Class::Unknown, "{p}");
        }
        // A home kept in the temp directory is the home, but for its cache.
        let s = Scope {
            home: Some("/tmp/home".into()),
            cache: Some("/tmp/home/.cache".into()),
            ..scope()
        };
        for p in ["/tmp/home", "/tmp/home/notes", "~/.bashrc", "/tmp/*"] {
            assert_eq!(s.class(p, None), Class::Home, "{p}");
        }
        for p in ["~/.cache/pip", "/tmp/build", "/tmp/[!h]*"] {
            assert_eq!(s.class(p, None), Class::Scratch, "{p}");
        }
        // A project kept in the temp directory: neither it nor what holds it is scratch.
        let s = Scope {
            project: "/tmp/a/proj".into(),
            cwd: "/tmp/a/proj".into(),
            ..scope()
        };
        for p in ["..", "/tmp/a", "/tmp/*", "/tmp/?", "../*", "/tmp/a/p*"] {
            assert_eq!(s.class(p, None), Class::ProjectRoot, "{p}");
        }
        for p in ["/tmp/b", "/tmp/[b-z]", "../other", "/tmp/a/x*"] {
            assert_eq!(s.class(p, None), Class::Scratch, "{p}");
        }
        let s = scope();
        // From another directory, after a `cd`.
        assert_eq!(s.class("x", Some("/home/me/other")), Class::Home);
        assert_eq!(s.class("x", Some("/home/me/proj/sub")), Class::Project);
    }
}
