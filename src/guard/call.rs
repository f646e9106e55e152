//! A supervised call as the guard describes it — the text the person reads and patterns match:
//! `open(/abs/f, create+truncate+write)`, `delete(/abs/f)`, `rename(/a -> /b)`,
//! `exec(/usr/bin/git, [git, add, -A])`. Paths are absolute (resolved against the calling
//! thread's working directory or `dirfd`) and normalised (`.`, `..`, `//`); an argument that holds
//! a delimiter of the pattern language is quoted; bytes that are not UTF-8 are `\xNN`; nothing is
//! cut short.

use std::fmt::Write as _;

/// What a supervised call does, its paths already absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `open`/`openat`/`openat2` with write intent.
    Open {
        path: Vec<u8>,
        flags: OpenFlags,
    },
    /// `creat`.
    Create(Vec<u8>),
    /// `unlink`, `unlinkat` without `AT_REMOVEDIR`.
    Delete(Vec<u8>),
    /// `rmdir`, `unlinkat` with `AT_REMOVEDIR`.
    Rmdir(Vec<u8>),
    Rename {
        from: Vec<u8>,
        to: Vec<u8>,
    },
    Mkdir(Vec<u8>),
    Chmod {
        path: Vec<u8>,
        mode: u32,
    },
    Exec {
        path: Vec<u8>,
        argv: Vec<Vec<u8>>,
    },
    Link {
        from: Vec<u8>,
        to: Vec<u8>,
    },
    Symlink {
        target: Vec<u8>,
        link: Vec<u8>,
    },
    Truncate(Vec<u8>),
    Chown {
        path: Vec<u8>,
        uid: i64,
        gid: i64,
    },
    Utime(Vec<u8>),
    Mknod {
        path: Vec<u8>,
        kind: &'static str,
    },
    Setxattr {
        path: Vec<u8>,
        name: Vec<u8>,
    },
    Removexattr {
        path: Vec<u8>,
        name: Vec<u8>,
    },
    Kill {
        pid: i64,
        signal: i32,
    },
}

/// The write intent of an `open`, as its flags say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // the flags are independent, as the kernel has them
pub struct OpenFlags {
    pub create: bool,
    pub truncate: bool,
    pub write: bool,
    pub read_write: bool,
}

impl OpenFlags {
    const O_WRONLY: u64 = 0o1;
    const O_RDWR: u64 = 0o2;
    const O_CREAT: u64 = 0o100;
    const O_TRUNC: u64 = 0o1000;
    const O_APPEND: u64 = 0o2000;

    /// From `open(2)` flags; `None` when the open cannot change the file (read-only, without
    /// `O_CREAT` or `O_TRUNC`).
    pub fn from_bits(flags: u64) -> Option<Self> {
        let has = |bit| flags & bit != 0;
        let parsed = Self {
            create: has(Self::O_CREAT),
            truncate: has(Self::O_TRUNC),
            // `O_APPEND` writes too; the access mode is what says how.
            write: has(Self::O_WRONLY),
            read_write: has(Self::O_RDWR),
        };
        let changes = parsed != Self::default() || has(Self::O_APPEND);
        changes.then_some(parsed)
    }
}

impl Call {
    /// The paths the call changes, each with whether the kernel follows a symbolic link in its
    /// last component; `None` for calls that change no path (`exec`, signals).
    pub fn changed_paths(&self) -> Option<Vec<(&[u8], bool)>> {
        Some(match self {
            Self::Open { path, .. }
            | Self::Create(path)
            | Self::Truncate(path)
            | Self::Utime(path)
            | Self::Chmod { path, .. }
            | Self::Chown { path, .. }
            | Self::Setxattr { path, .. }
            | Self::Removexattr { path, .. } => vec![(path.as_slice(), true)],
            Self::Delete(path)
            | Self::Rmdir(path)
            | Self::Mkdir(path)
            | Self::Mknod { path, .. }
            | Self::Symlink { link: path, .. } => vec![(path.as_slice(), false)],
            // A hard link to a file elsewhere would make that file writable from here.
            Self::Rename { from, to } | Self::Link { from, to } => {
                vec![(from.as_slice(), false), (to.as_slice(), false)]
            }
            Self::Exec { .. } | Self::Kill { .. } => return None,
        })
    }

    /// The description: what the person is asked about and patterns match.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let path = |out: &mut String, p: &[u8]| arg(out, p);
        match self {
            Self::Open { path: p, flags } => {
                let mut mode = Vec::new();
                for (on, word) in [
                    (flags.create, "create"),
                    (flags.truncate, "truncate"),
                    (flags.write, "write"),
                    (flags.read_write, "read-write"),
                ] {
                    if on {
                        mode.push(word);
                    }
                }
                out.push_str("open(");
                path(&mut out, p);
                // `O_APPEND` alone on a read-only open still writes.
                let mode = if mode.is_empty() {
                    "write".to_owned()
                } else {
                    mode.join("+")
                };
                let _ = write!(out, ", {mode})");
            }
            Self::Create(p) => one(&mut out, "create", p),
            Self::Delete(p) => one(&mut out, "delete", p),
            Self::Rmdir(p) => one(&mut out, "rmdir", p),
            Self::Mkdir(p) => one(&mut out, "mkdir", p),
            Self::Truncate(p) => one(&mut out, "truncate", p),
            Self::Utime(p) => one(&mut out, "utime", p),
            Self::Rename { from, to } => arrow(&mut out, "rename", from, to),
            Self::Link { from, to } => arrow(&mut out, "link", from, to),
            Self::Symlink { target, link } => arrow(&mut out, "symlink", target, link),
            Self::Chmod { path: p, mode } => {
                out.push_str("chmod(");
                path(&mut out, p);
                let _ = write!(out, ", {mode:04o})");
            }
            Self::Chown { path: p, uid, gid } => {
                out.push_str("chown(");
                path(&mut out, p);
                let _ = write!(out, ", {uid}, {gid})");
            }
            Self::Mknod { path: p, kind } => {
                out.push_str("mknod(");
                path(&mut out, p);
                let _ = write!(out, ", {kind})");
            }
            Self::Setxattr { path: p, name } | Self::Removexattr { path: p, name } => {
                let call = if matches!(self, Self::Setxattr { .. }) {
                    "setxattr"
                } else {
                    "removexattr"
                };
                let _ = write!(out, "{call}(");
                path(&mut out, p);
                out.push_str(", ");
                arg(&mut out, name);
                out.push(')');
            }
            Self::Exec { path: p, argv } => {
                out.push_str("exec(");
                path(&mut out, p);
                out.push_str(", [");
                for (i, a) in argv.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    arg(&mut out, a);
                }
                out.push_str("])");
            }
            Self::Kill { pid, signal } => {
                let _ = write!(out, "kill({pid}, {})", signal_name(*signal));
            }
        }
        out
    }
}

fn one(out: &mut String, call: &str, path: &[u8]) {
    let _ = write!(out, "{call}(");
    arg(out, path);
    out.push(')');
}

fn arrow(out: &mut String, call: &str, from: &[u8], to: &[u8]) {
    let _ = write!(out, "{call}(");
    arg(out, from);
    out.push_str(" -> ");
    arg(out, to);
    out.push(')');
}

/// One argument: as is, or in `'…'` when it holds a delimiter of the pattern language (a space,
/// a tab, `(`, `)`, `[`, `]`, `,`, a quote) or is empty; `\xNN` for bytes that are not UTF-8,
/// control characters and, inside quotes, the quote itself.
fn arg(out: &mut String, bytes: &[u8]) {
    let quote = bytes.is_empty()
        || bytes
            .iter()
            .any(|b| b" \t()[],'\"".contains(b) || b.is_ascii_control());
    if quote {
        out.push('\'');
    }
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() || (quote && c == '\'') {
                for b in c.to_string().bytes() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    if quote {
        out.push('\'');
    }
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        12 => "SIGUSR2",
        15 => "SIGTERM",
        17 => "SIGCHLD",
        18 => "SIGCONT",
        19 => "SIGSTOP",
        _ => return signal.to_string(),
    };
    name.to_owned()
}

/// `path` as the kernel would start resolving it from `base` (an absolute directory: the
/// thread's working directory or a `dirfd`'s), normalised lexically: `.` and empty segments
/// dropped, `..` taking back one segment (never above `/`).
pub fn resolve(base: &[u8], path: &[u8]) -> Vec<u8> {
    resolve_through(base, path, |_| None)
}

/// [`resolve`], where `link` may say that the segments walked so far are a link to another
/// path: the walk goes on from there, and a `..` after it leaves the directory it reached.
pub fn resolve_through(
    base: &[u8],
    path: &[u8],
    link: impl Fn(&[Vec<u8>]) -> Option<Vec<u8>>,
) -> Vec<u8> {
    let mut at: Vec<Vec<u8>> = Vec::new();
    let parts = if path.starts_with(b"/") {
        vec![path]
    } else {
        vec![base, path]
    };
    for part in parts {
        for segment in part.split(|&b| b == b'/') {
            match segment {
                b"" | b"." => {}
                b".." => {
                    at.pop();
                }
                s => {
                    at.push(s.to_vec());
                    if let Some(target) = link(&at) {
                        at = target
                            .split(|&b| b == b'/')
                            .filter(|s| !s.is_empty())
                            .map(<[u8]>::to_vec)
                            .collect();
                    }
                }
            }
        }
    }
    if at.is_empty() {
        return b"/".to_vec();
    }
    at.iter()
        .flat_map(|s| [&b"/"[..], s])
        .flatten()
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::pattern::Pattern;

    fn p(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    #[test]
    fn every_call_kind_is_described() {
        let open = |flags| Call::Open {
            path: p("/w/f"),
            flags: OpenFlags::from_bits(flags).unwrap(),
        };
        for (call, text) in [
            (
                open(0o1 | 0o100 | 0o1000),
                "open(/w/f, create+truncate+write)",
            ),
            (open(0o2), "open(/w/f, read-write)"),
            (open(0o100 | 0o2), "open(/w/f, create+read-write)"),
            (open(0o2000), "open(/w/f, write)"),
            (Call::Create(p("/w/f")), "create(/w/f)"),
            (Call::Delete(p("/w/f")), "delete(/w/f)"),
            (Call::Rmdir(p("/w/d")), "rmdir(/w/d)"),
            (
                Call::Rename {
                    from: p("/w/a"),
                    to: p("/w/b"),
                },
                "rename(/w/a -> /w/b)",
            ),
            (Call::Mkdir(p("/w/d")), "mkdir(/w/d)"),
            (
                Call::Chmod {
                    path: p("/w/f"),
                    mode: 0o755,
                },
                "chmod(/w/f, 0755)",
            ),
            (
                Call::Exec {
                    path: p("/usr/bin/git"),
                    argv: vec![p("git"), p("commit"), p("-m"), p("a, b")],
                },
                "exec(/usr/bin/git, [git, commit, -m, 'a, b'])",
            ),
            (
                Call::Link {
                    from: p("/w/a"),
                    to: p("/w/b"),
                },
                "link(/w/a -> /w/b)",
            ),
            (
                Call::Symlink {
                    target: p("../x"),
                    link: p("/w/l"),
                },
                "symlink(../x -> /w/l)",
            ),
            (Call::Truncate(p("/w/f")), "truncate(/w/f)"),
            (
                Call::Chown {
                    path: p("/w/f"),
                    uid: 1000,
                    gid: -1,
                },
                "chown(/w/f, 1000, -1)",
            ),
            (Call::Utime(p("/w/f")), "utime(/w/f)"),
            (
                Call::Mknod {
                    path: p("/w/p"),
                    kind: "fifo",
                },
                "mknod(/w/p, fifo)",
            ),
            (
                Call::Setxattr {
                    path: p("/w/f"),
                    name: p("user.x"),
                },
                "setxattr(/w/f, user.x)",
            ),
            (
                Call::Removexattr {
                    path: p("/w/f"),
                    name: p("user.x"),
                },
                "removexattr(/w/f, user.x)",
            ),
            (
                Call::Kill {
                    pid: 4242,
                    signal: 15,
                },
                "kill(4242, SIGTERM)",
            ),
        ] {
            assert_eq!(call.describe(), text);
        }
        assert_eq!(OpenFlags::from_bits(0), None, "read-only is not supervised");
    }

    #[test]
    fn awkward_names_are_quoted_or_escaped_and_never_cut() {
        let d = |path: &[u8]| Call::Delete(path.to_vec()).describe();
        assert_eq!(d(b"/w/a b"), "delete('/w/a b')");
        assert_eq!(d(b"/w/it's"), "delete('/w/it\\x27s')");
        assert_eq!(d(b"/w/\xff\xfe"), "delete(/w/\\xff\\xfe)");
        assert_eq!(d(b"/w/new\nline"), "delete('/w/new\\x0aline')");
        let long = format!("/w/{}", "x".repeat(5000));
        assert_eq!(d(long.as_bytes()).len(), long.len() + "delete()".len());
        // A quoted argument is what a quoted pattern matches.
        assert!(
            Pattern::new("delete('/w/a b')")
                .unwrap()
                .matches(&d(b"/w/a b"))
        );
        assert!(Pattern::new("delete(/w/*)").unwrap().matches(&d(b"/w/a b")));
    }

    #[test]
    fn paths_are_resolved_and_normalised() {
        for (base, path, resolved) in [
            ("/home/me/p", "f", "/home/me/p/f"),
            ("/home/me/p", "./src/../f", "/home/me/p/f"),
            ("/home/me/p", "../../..//../etc/passwd", "/etc/passwd"),
            ("/home/me/p", "/tmp//x/./y/", "/tmp/x/y"),
            ("/", "..", "/"),
        ] {
            assert_eq!(
                resolve(base.as_bytes(), path.as_bytes()),
                resolved.as_bytes(),
                "{base} {path}"
            );
        }
        // `..` cannot escape an allow pattern: the pattern sees where the path really lands.
        let allow = Pattern::new("delete(/home/me/p/**)").unwrap();
        let escape = Call::Delete(resolve(b"/home/me/p", b"src/../../secrets")).describe();
        assert_eq!(escape, "delete(/home/me/secrets)");
        assert!(!allow.matches(&escape));
    }
}
