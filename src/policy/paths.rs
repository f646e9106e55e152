//! Paths as the checks see them: lexical normalisation (`~`, `$HOME`, `..`) and the classes
//! that matter — a system's own files, devices, homes and the trees that must never be deleted,
//! sudoers, SSH files, shell startup files. Pure text: nothing is read from disk.

use std::sync::LazyLock;

use regex::Regex;

/// The directories at the root of a Unix system, and what each holds. The one list both the
/// tree check ([`is_protected_tree`]) and the file check ([`in_system_dir`]) read.
const ROOT_DIRS: &[(&str, Holds)] = &[
    ("bin", Holds::System),
    ("boot", Holds::System),
    ("dev", Holds::Devices),
    ("etc", Holds::System),
    ("lib", Holds::System),
    ("lib32", Holds::System),
    ("lib64", Holds::System),
    ("libx32", Holds::System),
    ("opt", Holds::System),
    ("proc", Holds::System),
    ("sbin", Holds::System),
    ("srv", Holds::System),
    ("sys", Holds::System),
    ("usr", Holds::System),
    ("var", Holds::System),
    ("snap", Holds::System),
    ("home", Holds::Users),
    ("root", Holds::Users),
    ("mnt", Holds::Users),
    ("media", Holds::Users),
];

/// What a directory at the root holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// The system's own files: writing any of them changes the system.
    System,
    /// Devices: judged one by one ([`is_block_device`]).
    Devices,
    /// Homes and mounts: the files belong to users, but the tree as a whole is not to be deleted.
    Users,
}

/// Places under a system directory that are not the system's: local installs, a process's view
/// of itself, scratch space.
const NOT_SYSTEM: &[&str] = &["/usr/local/", "/proc/self/", "/var/tmp/"];

fn root_dir(path: &str) -> Option<(&str, Holds)> {
    let top = path.strip_prefix('/')?.split('/').next()?;
    ROOT_DIRS.iter().find(|(name, _)| *name == top).copied()
}

/// A path as the shell would leave it, lexically: `~`, `$HOME` and `${HOME}` become `~`; `//`, `.`
/// and `..` are resolved; a trailing `/` or `/*` is dropped.
pub fn normalize(path: &str) -> String {
    let mut p = path.trim().to_owned();
    for home in ["${HOME}", "$HOME"] {
        if let Some(rest) = p.strip_prefix(home) {
            p = format!("~{rest}");
        }
    }
    let (root, rest) = if let Some(rest) = p.strip_prefix('~') {
        if rest.is_empty() || rest.starts_with('/') {
            ("~", rest)
        } else {
            return p; // `~user`
        }
    } else if let Some(rest) = p.strip_prefix('/') {
        ("/", rest)
    } else {
        ("", p.as_str())
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    while matches!(parts.last(), Some(&("*" | ".*"))) {
        parts.pop();
    }
    let joined = parts.join("/");
    match root {
        "/" => format!("/{joined}"),
        "~" if joined.is_empty() => "~".to_owned(),
        "~" => format!("~/{joined}"),
        _ => joined,
    }
}

/// Whether deleting this tree destroys a system or a home: `/`, a system directory or a direct
/// child of one (`/usr/lib`), a home directory (`~`, `/home/alice`, `/root`), `~/.ssh`, `~/.gnupg`.
pub fn is_protected_tree(path: &str) -> bool {
    let p = normalize(path);
    if p == "/" || p == "~" || p == "~/.ssh" || p == "~/.gnupg" || p == "~/.config" {
        return true;
    }
    let Some(rest) = p.strip_prefix('/') else {
        return false;
    };
    let depth = rest.split('/').count();
    root_dir(&p).is_some() && depth <= 2 && !p.starts_with("/var/tmp")
}

/// Inside a directory the system itself lives in, except `NOT_SYSTEM`; devices are judged by
/// [`is_block_device`].
pub fn in_system_dir(path: &str) -> bool {
    root_dir(path).is_some_and(|(_, holds)| holds == Holds::System)
        && !NOT_SYSTEM
            .iter()
            .any(|p| path.starts_with(p) || path == p.trim_end_matches('/'))
}

pub fn is_block_device(path: &str) -> bool {
    static DEVICE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^/dev/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|rdisk\d|md\d|dm-\d|mapper/|loop\d|sr\d)")
            .expect("device regex")
    });
    DEVICE.is_match(path)
}

pub fn is_sudoers(path: &str) -> bool {
    path == "/etc/sudoers" || path.starts_with("/etc/sudoers.d")
}

pub fn is_ssh(path: &str) -> bool {
    path == "~/.ssh"
        || path.starts_with("~/.ssh/")
        || path.starts_with("/root/.ssh")
        || path.starts_with("/etc/ssh/")
        || (path.starts_with("/home/") && path.contains("/.ssh"))
}

/// `path` (normalised) from its home directory on — `~`, `/root` or `/home/NAME` — with no
/// leading `/` (`""` for the home itself); `None` outside every home.
pub fn home_relative(path: &str) -> Option<&str> {
    let rest = if let Some(rest) = path.strip_prefix('~') {
        rest
    } else if let Some(rest) = path.strip_prefix("/root") {
        rest
    } else {
        let user = path.strip_prefix("/home/")?;
        user.find('/').map_or("", |at| &user[at..])
    };
    match rest {
        "" => Some(""),
        _ => rest.strip_prefix('/'),
    }
}

pub fn is_startup_file(path: &str) -> bool {
    const HOME_FILES: &[&str] = &[
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".bash_logout",
        ".profile",
        ".zshrc",
        ".zshenv",
        ".zprofile",
        ".zlogin",
        ".config/fish/config.fish",
        ".xinitrc",
        ".xprofile",
    ];
    if home_relative(path).is_some_and(|f| HOME_FILES.contains(&f)) {
        return true;
    }
    matches!(
        path,
        "/etc/profile"
            | "/etc/bash.bashrc"
            | "/etc/bashrc"
            | "/etc/zshrc"
            | "/etc/zsh/zshrc"
            | "/etc/environment"
    ) || path.starts_with("/etc/profile.d/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("/*"), "/");
        assert_eq!(normalize("//usr/./lib/../"), "/usr");
        assert_eq!(normalize("$HOME/"), "~");
        assert_eq!(normalize("${HOME}/.ssh/id_rsa"), "~/.ssh/id_rsa");
        assert_eq!(normalize("/tmp/../etc"), "/etc");
        assert_eq!(normalize("./build"), "build");
    }

    #[test]
    fn one_list_serves_trees_and_files() {
        assert!(is_protected_tree("/var/lib") && in_system_dir("/var/lib/dpkg/status"));
        assert!(is_protected_tree("/home") && !in_system_dir("/home/alice/notes.txt"));
        assert!(!in_system_dir("/usr/local/bin/tool") && !in_system_dir("/var/tmp/x"));
        assert!(is_protected_tree("/dev") && !in_system_dir("/dev/null"));
    }
}
