//! The project: the directory autoapprove was started in. A file a prompt names (`rm: remove
//! regular file 'a.txt'?`) is inside it when, resolved as the asking process resolves it —
//! against its working directory, through symbolic links — it lies under that directory and is
//! not itself a symbolic link (writing through one may land anywhere).

use std::path::{Path, PathBuf};

pub struct Project {
    root: PathBuf,
}

impl Project {
    /// The project rooted at `root`, as the kernel resolves it; `None` if it cannot be read.
    pub fn at(root: &Path) -> Option<Self> {
        Some(Self {
            root: root.canonicalize().ok()?,
        })
    }

    /// Whether `path`, as a process working in `cwd` names it, is inside the project. A relative
    /// path with no known `cwd` is not.
    pub fn contains(&self, cwd: Option<&Path>, path: &str) -> bool {
        let path = Path::new(path);
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            match cwd {
                Some(cwd) => cwd.join(path),
                None => return false,
            }
        };
        // `a/..` has no file name: it names a directory by a way round, so not this one.
        let (Some(parent), Some(name)) = (full.parent(), full.file_name()) else {
            return false;
        };
        let Ok(parent) = parent.canonicalize() else {
            return false;
        };
        let resolved = parent.join(name);
        let is_link =
            std::fs::symlink_metadata(&resolved).is_ok_and(|m| m.file_type().is_symlink());
        !is_link && resolved.starts_with(&self.root) && resolved != self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_under_the_root_are_inside_and_the_rest_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("etc-dir")).unwrap();
        let project = Project { root: root.clone() };
        let src = root.join("src");
        assert!(project.contains(Some(&root), "src/a.rs"));
        assert!(project.contains(Some(&src), "a.rs"));
        assert!(project.contains(Some(&src), "new-file"));
        assert!(project.contains(None, root.join("src/a.rs").to_str().unwrap()));
        assert!(!project.contains(None, "src/a.rs"), "relative, with no cwd");
        assert!(!project.contains(Some(&src), "../../x"), "above the root");
        assert!(!project.contains(Some(&root), "link"), "a symbolic link");
        assert!(
            !project.contains(Some(&root), "etc-dir/passwd"),
            "through a linked directory"
        );
        assert!(!project.contains(Some(&root), "/etc/passwd"));
        assert!(!project.contains(Some(&src), ".."), "the root itself");
    }
}
