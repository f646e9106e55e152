//! The directory a background run and its clients share. It is created `0700`; one owned by
//! another user, or that others may write, is refused: whoever can write in it could answer for
//! the user. It is held open and reached through `/proc/self/fd/N/…`, so a directory swapped for
//! a symbolic link after the check changes nothing (and the socket's path is never too long).

use std::os::fd::{AsRawFd as _, OwnedFd};
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

/// The socket a run serves.
pub const SOCKET: &str = "socket";
/// The last event of a finished run: `{"status":"done",…}`.
pub const DONE: &str = "done.json";

/// A checked directory.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    /// As the user named it, for messages.
    pub shown: PathBuf,
}

impl Dir {
    /// Opens `path`, creating it (`0700`) if it does not exist, and checks who may write in it.
    pub fn open(path: &Path) -> Result<Self, String> {
        let shown = path.to_owned();
        let fail =
            |what: &str, e: &dyn std::fmt::Display| format!("{}: {what}: {e}", path.display());
        match std::fs::DirBuilder::new().mode(0o700).create(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(fail("cannot create it", &e)),
        }
        let fd = rustix::fs::open(
            path,
            OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::RDONLY,
            Mode::empty(),
        )
        .map_err(|e| fail("cannot open it as a directory", &e))?;
        let meta = std::fs::metadata(format!("/proc/self/fd/{}", fd.as_raw_fd()))
            .map_err(|e| fail("cannot read it", &e))?;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(format!(
                "{}: owned by uid {}, not by you (uid {me}): refused, its owner could answer for you",
                path.display(),
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "{}: others may write in it (mode {:o}): refused; `chmod 700` it or use a new one",
                path.display(),
                meta.mode() & 0o777
            ));
        }
        Ok(Self { fd, shown })
    }

    /// A file in the directory, through the open descriptor.
    pub fn path(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}/{name}", self.fd.as_raw_fd()))
    }

    /// The directory itself, through the open descriptor.
    pub fn itself(&self) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.fd.as_raw_fd()))
    }

    /// Writes `name` whole or not at all (a temporary file renamed over it).
    pub fn write_atomically(&self, name: &str, text: &str) -> std::io::Result<()> {
        let tmp = self.path(&format!(".{name}.{}", std::process::id()));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, self.path(name))
    }

    pub fn remove(&self, name: &str) {
        let _ = std::fs::remove_file(self.path(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn a_directory_is_created_private_and_one_others_may_write_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let new = root.path().join("bg");
        let dir = Dir::open(&new).unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        dir.write_atomically("x.json", "{}").unwrap();
        assert_eq!(std::fs::read_to_string(new.join("x.json")).unwrap(), "{}");
        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = Dir::open(&new).unwrap_err();
        assert!(e.contains("others may write in it (mode 777)"), "{e}");
        let file = root.path().join("file");
        std::fs::write(&file, "").unwrap();
        let e = Dir::open(&file).unwrap_err();
        assert!(e.contains("cannot open it as a directory"), "{e}");
        // Someone else's directory (only root can make one here to test with).
        if rustix::process::geteuid().is_root() {
            let theirs = root.path().join("theirs");
            std::fs::create_dir(&theirs).unwrap();
            std::os::unix::fs::chown(&theirs, Some(65534), None).unwrap();
            let e = Dir::open(&theirs).unwrap_err();
            assert!(e.contains("owned by uid 65534, not by you"), "{e}");
        }
    }
}
