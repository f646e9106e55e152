//! From a stopped system call to the [`Call`] it would make: its numbers and pointers read out
//! of the calling thread — strings with `process_vm_readv` (falling back to `/proc/TID/mem`),
//! relative paths joined to the thread's working directory or `dirfd` as `/proc` has them, then
//! normalised. What cannot be read is an error, and the call is refused: never guessed.

use std::io;
use std::os::unix::ffi::OsStrExt as _;

use crate::guard::call::{self, Call, OpenFlags};
use crate::guard::filter::Kind;
use crate::sys::{self, Notification};

/// What a stopped call turns out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A change to decide.
    Change(Call),
    /// Nothing to decide: an `openat2` without write intent, a signal 0 (a liveness check).
    Harmless,
}

/// What decoding reads from the calling thread. The real one is [`Thread`]; tests use a fake.
pub trait Process {
    /// `buf.len()` bytes at `addr`, all of them.
    fn read(&self, addr: u64, buf: &mut [u8]) -> io::Result<()>;
    /// The NUL-terminated string at `addr`.
    fn string(&self, addr: u64) -> io::Result<Vec<u8>>;
    /// The thread's working directory.
    fn cwd(&self) -> io::Result<Vec<u8>>;
    /// What the thread's file descriptor `fd` names.
    fn fd_path(&self, fd: i32) -> io::Result<Vec<u8>>;
    /// What the magic link `what` (`fd/3`, `cwd`, `root`) of the thread — or, with `of`, of that
    /// process or thread — names.
    fn link(&self, of: Option<i64>, what: &str) -> io::Result<Vec<u8>>;
    /// The process a pidfd of the thread's refers to.
    fn pidfd_pid(&self, fd: i32) -> io::Result<i64>;
    /// The process (thread group) of thread `tid`.
    fn tgid_of(&self, tid: i64) -> io::Result<i64>;
}

/// `AT_FDCWD`: a relative path is relative to the working directory.
const AT_FDCWD: i32 = -100;
const AT_REMOVEDIR: u64 = 0x200;
/// The most `argv` entries read: far beyond what `ARG_MAX` lets through.
const MAX_ARGS: usize = 1 << 17;
/// The longest string read (`MAX_ARG_STRLEN` is 128 KiB).
const MAX_STRING: usize = 1 << 18;

/// Decodes the call `n` stopped at, of kind `kind`.
pub fn decode(kind: Kind, n: &Notification, p: &impl Process) -> io::Result<Decoded> {
    let a = n.args;
    let fd = |i: usize| int(a[i]);
    let path = |i: usize| path_at(p, AT_FDCWD, a[i]);
    let at = |d: usize, i: usize| path_at(p, fd(d), a[i]);
    let change = |c: Call| Ok(Decoded::Change(c));
    let kill = |pid: i32, signal: u64| Ok(kill(pid, int(signal)));
    match kind {
        Kind::Open | Kind::Openat => {
            let (path, flags) = if kind == Kind::Open {
                (path(0)?, a[1])
            } else {
                (at(0, 1)?, a[2])
            };
            Ok(open(path, flags))
        }
        Kind::Openat2 => {
            let mut how = [0u8; 8];
            p.read(a[2], &mut how)?;
            Ok(open(at(0, 1)?, u64::from_le_bytes(how)))
        }
        Kind::Creat => change(Call::Create(path(0)?)),
        Kind::Unlink => change(Call::Delete(path(0)?)),
        Kind::Rmdir => change(Call::Rmdir(path(0)?)),
        Kind::Unlinkat if a[2] & AT_REMOVEDIR != 0 => change(Call::Rmdir(at(0, 1)?)),
        Kind::Unlinkat => change(Call::Delete(at(0, 1)?)),
        Kind::Rename => change(Call::Rename {
            from: path(0)?,
            to: path(1)?,
        }),
        Kind::Renameat | Kind::Renameat2 => change(Call::Rename {
            from: at(0, 1)?,
            to: at(2, 3)?,
        }),
        Kind::Mkdir => change(Call::Mkdir(path(0)?)),
        Kind::Mkdirat => change(Call::Mkdir(at(0, 1)?)),
        Kind::Mknod => change(mknod(path(0)?, a[1])),
        Kind::Mknodat => change(mknod(at(0, 1)?, a[2])),
        Kind::Link => change(Call::Link {
            from: path(0)?,
            to: path(1)?,
        }),
        Kind::Linkat => change(Call::Link {
            from: at(0, 1)?,
            to: at(2, 3)?,
        }),
        // A symlink's target is stored as written: it is resolved only when the link is used.
        Kind::Symlink => change(Call::Symlink {
            target: p.string(a[0])?,
            link: path(1)?,
        }),
        Kind::Symlinkat => change(Call::Symlink {
            target: p.string(a[0])?,
            link: at(1, 2)?,
        }),
        Kind::Chmod => change(chmod(path(0)?, a[1])),
        Kind::Fchmodat | Kind::Fchmodat2 => change(chmod(at(0, 1)?, a[2])),
        Kind::Chown | Kind::Lchown => change(chown(path(0)?, a[1], a[2])),
        Kind::Fchownat => change(chown(at(0, 1)?, a[2], a[3])),
        Kind::Truncate => change(Call::Truncate(path(0)?)),
        Kind::Utime | Kind::Utimes => change(Call::Utime(path(0)?)),
        Kind::Utimensat | Kind::Futimesat => change(Call::Utime(at(0, 1)?)),
        Kind::Setxattr | Kind::Lsetxattr => change(Call::Setxattr {
            path: path(0)?,
            name: p.string(a[1])?,
        }),
        Kind::Fsetxattr => change(Call::Setxattr {
            path: p.fd_path(fd(0))?,
            name: p.string(a[1])?,
        }),
        Kind::Removexattr | Kind::Lremovexattr => change(Call::Removexattr {
            path: path(0)?,
            name: p.string(a[1])?,
        }),
        Kind::Fremovexattr => change(Call::Removexattr {
            path: p.fd_path(fd(0))?,
            name: p.string(a[1])?,
        }),
        Kind::Execve => exec(p, path(0)?, a[1]),
        Kind::Execveat => exec(p, at(0, 1)?, a[2]),
        Kind::Kill => kill(int(a[0]), a[1]),
        Kind::Tkill => {
            let pid = p.tgid_of(i64::from(int(a[0])))?;
            kill(i32::try_from(pid).unwrap_or(0), a[1])
        }
        Kind::Tgkill => kill(int(a[0]), a[2]),
        Kind::PidfdSendSignal => {
            let pid = p.pidfd_pid(fd(0))?;
            kill(i32::try_from(pid).unwrap_or(0), a[1])
        }
    }
}

/// An `int` argument: the register's low 32 bits, as the kernel reads it (the upper half may
/// hold anything).
#[allow(clippy::cast_possible_truncation)]
fn int(register: u64) -> i32 {
    (register as u32).cast_signed()
}

fn open(path: Vec<u8>, flags: u64) -> Decoded {
    match OpenFlags::from_bits(flags) {
        Some(flags) => Decoded::Change(Call::Open { path, flags }),
        None => Decoded::Harmless,
    }
}

fn chmod(path: Vec<u8>, mode: u64) -> Call {
    Call::Chmod {
        path,
        mode: int(mode & 0o7777).cast_unsigned(),
    }
}

/// `-1` (keep) is shown as `-1`, not as 4294967295.
fn chown(path: Vec<u8>, uid: u64, gid: u64) -> Call {
    Call::Chown {
        path,
        uid: i64::from(int(uid)),
        gid: i64::from(int(gid)),
    }
}

fn mknod(path: Vec<u8>, mode: u64) -> Call {
    let kind = match mode & 0o170_000 {
        0o010_000 => "fifo",
        0o020_000 => "char",
        0o060_000 => "block",
        0o140_000 => "socket",
        _ => "file",
    };
    Call::Mknod { path, kind }
}

fn kill(pid: i32, signal: i32) -> Decoded {
    if signal == 0 {
        Decoded::Harmless
    } else {
        Decoded::Change(Call::Kill {
            pid: i64::from(pid),
            signal,
        })
    }
}

fn exec(p: &impl Process, path: Vec<u8>, argv: u64) -> io::Result<Decoded> {
    let mut words = Vec::new();
    let mut at = argv;
    // A NULL argv is an empty one (Linux accepts it).
    while at != 0 {
        let mut word = [0u8; 8];
        p.read(at, &mut word)?;
        let ptr = u64::from_le_bytes(word);
        if ptr == 0 {
            break;
        }
        if words.len() == MAX_ARGS {
            return Err(io::Error::other("argv has too many entries"));
        }
        words.push(p.string(ptr)?);
        at += 8;
    }
    Ok(Decoded::Change(Call::Exec { path, argv: words }))
}

/// The path at `addr`, made absolute against `dirfd` (or the working directory) and normalised.
/// An empty path (`AT_EMPTY_PATH`, or `utimensat`'s NULL for "the fd itself") is `dirfd`'s own.
fn path_at(p: &impl Process, dirfd: i32, addr: u64) -> io::Result<Vec<u8>> {
    let path = if addr == 0 {
        Vec::new()
    } else {
        p.string(addr)?
    };
    if path.starts_with(b"/") {
        return Ok(walk(p, b"/", &path));
    }
    let base = if dirfd == AT_FDCWD {
        p.cwd()?
    } else {
        p.fd_path(dirfd)?
    };
    Ok(walk(p, &base, &path))
}

/// `path` from `base`, normalised (`.`, `..`, `//`) the way the kernel walks it — through
/// `/proc`'s magic links: `/proc/self/fd/13/f.txt` is `f.txt` in the directory fd 13 names (how
/// some runtimes write files), `/proc/self/cwd/x` is `x` in the working directory, a `..` after
/// one leaves the directory it reached; also `thread-self`, `/proc/PID/…` and `…/task/TID/…`.
/// Judged by its `/proc` spelling, a write anywhere would pass for one to the process's own
/// `/proc`. A link that does not name a path (a pipe, a socket) or cannot be read stays as is.
fn walk(p: &impl Process, base: &[u8], path: &[u8]) -> Vec<u8> {
    call::resolve_through(base, path, |segments| proc_link(p, segments))
}

/// What `segments` name when they are exactly a `/proc` magic link (`proc/self/fd/3`,
/// `proc/1234/task/1235/cwd`) that names a path.
fn proc_link(p: &impl Process, segments: &[Vec<u8>]) -> Option<Vec<u8>> {
    let number = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let parse = |s: &[u8]| std::str::from_utf8(s).ok()?.parse::<i64>().ok();
    let (who, rest) = match segments {
        [proc, who, rest @ ..] if proc == b"proc" => (who, rest),
        _ => return None,
    };
    let of = match who.as_slice() {
        b"self" | b"thread-self" => None,
        s if number(s) => Some(parse(s)?),
        _ => return None,
    };
    let (of, what) = match rest {
        [task, tid, what @ ..] if task == b"task" && number(tid) => (parse(tid), what),
        what => (of, what),
    };
    let link = match what {
        [fd, n] if fd == b"fd" && number(n) => format!("fd/{}", String::from_utf8_lossy(n)),
        [name] if name == b"cwd" || name == b"root" => String::from_utf8_lossy(name).into_owned(),
        _ => return None,
    };
    p.link(of, &link).ok().filter(|t| t.starts_with(b"/"))
}

/// The calling thread, read through the kernel.
pub struct Thread {
    pub tid: i32,
}

impl Thread {
    /// `/proc/TID/mem`, for when `process_vm_readv` is refused (some security modules).
    fn read_mem_file(&self, addr: u64, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt as _;
        let file = std::fs::File::open(format!("/proc/{}/mem", self.tid))?;
        file.read_at(buf, addr)
    }

    fn read_some(&self, addr: u64, buf: &mut [u8]) -> io::Result<usize> {
        match sys::read_memory(self.tid, addr, buf) {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM | libc::ENOSYS)) => {
                self.read_mem_file(addr, buf)
            }
            other => other,
        }
    }
}

impl Process for Thread {
    fn read(&self, addr: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let n = self.read_some(addr + done as u64, &mut buf[done..])?;
            if n == 0 {
                return Err(io::Error::from_raw_os_error(libc::EFAULT));
            }
            done += n;
        }
        Ok(())
    }

    fn string(&self, addr: u64) -> io::Result<Vec<u8>> {
        const PAGE: u64 = 4096;
        let mut out = Vec::new();
        let mut at = addr;
        let mut chunk = [0u8; 4096];
        loop {
            // Up to the end of the page: the next one may not be mapped.
            let len = usize::try_from(PAGE - at % PAGE).unwrap_or(1);
            let n = self.read_some(at, &mut chunk[..len])?;
            if n == 0 {
                return Err(io::Error::from_raw_os_error(libc::EFAULT));
            }
            if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..end]);
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
            if out.len() > MAX_STRING {
                return Err(io::Error::other("string too long"));
            }
            at += n as u64;
        }
    }

    fn cwd(&self) -> io::Result<Vec<u8>> {
        self.link(None, "cwd")
    }

    fn fd_path(&self, fd: i32) -> io::Result<Vec<u8>> {
        self.link(None, &format!("fd/{fd}"))
    }

    fn link(&self, of: Option<i64>, what: &str) -> io::Result<Vec<u8>> {
        let target = std::fs::read_link(format!("/proc/{}/{what}", of.unwrap_or(self.tid.into())))?;
        Ok(target.as_os_str().as_bytes().to_vec())
    }

    fn pidfd_pid(&self, fd: i32) -> io::Result<i64> {
        let path = format!("/proc/{}/fdinfo/{fd}", self.tid);
        let text = std::fs::read_to_string(&path)?;
        text.lines()
            .find_map(|l| l.strip_prefix("Pid:")?.trim().parse().ok())
            .ok_or_else(|| io::Error::other(format!("{path}: not a pidfd")))
    }

    fn tgid_of(&self, tid: i64) -> io::Result<i64> {
        let tid = i32::try_from(tid).map_err(|_| io::Error::from_raw_os_error(libc::ESRCH))?;
        crate::guard::tree::process_of(tid)
            .map(i64::from)
            .ok_or_else(|| io::Error::from_raw_os_error(libc::ESRCH))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A thread whose memory is a few strings and pointer arrays at chosen addresses.
    #[derive(Default)]
    struct Fake {
        memory: HashMap<u64, Vec<u8>>,
        fds: HashMap<i32, &'static str>,
    }

    impl Fake {
        fn put(&mut self, addr: u64, bytes: &[u8]) -> u64 {
            self.memory.insert(addr, bytes.to_vec());
            addr
        }
        fn text(&mut self, addr: u64, s: &str) -> u64 {
            self.put(addr, &[s.as_bytes(), b"\0"].concat())
        }
    }

    impl Process for Fake {
        fn read(&self, addr: u64, buf: &mut [u8]) -> io::Result<()> {
            let (start, bytes) = self
                .memory
                .iter()
                .find(|(a, b)| **a <= addr && addr < **a + b.len() as u64)
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EFAULT))?;
            let from = usize::try_from(addr - start).unwrap();
            buf.copy_from_slice(&bytes[from..from + buf.len()]);
            Ok(())
        }
        fn string(&self, addr: u64) -> io::Result<Vec<u8>> {
            let bytes = self
                .memory
                .get(&addr)
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EFAULT))?;
            Ok(bytes[..bytes.len() - 1].to_vec())
        }
        fn cwd(&self) -> io::Result<Vec<u8>> {
            Ok(b"/home/me/p".to_vec())
        }
        fn fd_path(&self, fd: i32) -> io::Result<Vec<u8>> {
            self.fds
                .get(&fd)
                .map(|p| p.as_bytes().to_vec())
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EBADF))
        }
        fn link(&self, of: Option<i64>, what: &str) -> io::Result<Vec<u8>> {
            match (of, what) {
                (None, "cwd") => self.cwd(),
                (None, fd) if fd.starts_with("fd/") => self.fd_path(fd[3..].parse().unwrap()),
                (Some(42), "fd/1") => Ok(b"/home/me/other.log".to_vec()),
                _ => Err(io::Error::from_raw_os_error(libc::ENOENT)),
            }
        }
        fn pidfd_pid(&self, _: i32) -> io::Result<i64> {
            Ok(77)
        }
        fn tgid_of(&self, tid: i64) -> io::Result<i64> {
            Ok(tid - 1)
        }
    }

    fn notif(args: [u64; 6]) -> Notification {
        Notification {
            id: 1,
            tid: 10,
            nr: 0,
            arch: 0,
            args,
        }
    }

    fn describe(kind: Kind, args: [u64; 6], p: &Fake) -> String {
        match decode(kind, &notif(args), p).unwrap() {
            Decoded::Change(c) => c.describe(),
            Decoded::Harmless => "harmless".into(),
        }
    }

    #[test]
    fn paths_are_made_absolute_against_the_cwd_or_the_dirfd() {
        let mut p = Fake::default();
        p.fds.insert(5, "/srv/data");
        let f = p.text(0x1000, "sub/../f.txt");
        let abs = p.text(0x2000, "/tmp//x/./y");
        let fdcwd = i64::from(AT_FDCWD).cast_unsigned();
        assert_eq!(
            describe(Kind::Openat, [fdcwd, f, 0o1101, 0, 0, 0], &p),
            "open(/home/me/p/f.txt, create+truncate+write)"
        );
        assert_eq!(
            describe(Kind::Unlinkat, [5, f, 0, 0, 0, 0], &p),
            "delete(/srv/data/f.txt)"
        );
        assert_eq!(
            describe(Kind::Unlinkat, [5, abs, AT_REMOVEDIR, 0, 0, 0], &p),
            "rmdir(/tmp/x/y)"
        );
        assert_eq!(
            describe(Kind::Renameat2, [fdcwd, f, 5, abs, 0, 0], &p),
            "rename(/home/me/p/f.txt -> /tmp/x/y)"
        );
        // `utimensat(fd, NULL, …)` is `futimens(fd)`: the fd's own file.
        assert_eq!(
            describe(Kind::Utimensat, [5, 0, 0, 0, 0, 0], &p),
            "utime(/srv/data)"
        );
        assert_eq!(
            describe(Kind::Openat, [fdcwd, f, 0, 0, 0, 0], &p),
            "harmless",
            "read-only"
        );
        // A dirfd that is not open cannot be read: an error, never a guess.
        assert!(decode(Kind::Unlinkat, &notif([9, f, 0, 0, 0, 0]), &p).is_err());
    }

    #[test]
    fn proc_magic_links_are_followed_to_the_file_they_reach() {
        let mut p = Fake::default();
        p.fds.insert(13, "/home/me/p/src");
        p.fds.insert(1, "pipe:[4242]");
        let mut open = |path: &str| {
            let addr = p.text(0x9000, path);
            describe(Kind::Open, [addr, 0o101, 0, 0, 0, 0], &p)
        };
        // How Claude Code writes a file: through a directory fd.
        assert_eq!(
            open("/proc/self/fd/13/main.rs.tmp"),
            "open(/home/me/p/src/main.rs.tmp, create+write)"
        );
        assert_eq!(
            open("/proc/thread-self/fd/13/../../x"),
            "open(/home/me/x, create+write)"
        );
        assert_eq!(open("/proc/self/cwd/f"), "open(/home/me/p/f, create+write)");
        assert_eq!(
            open("/proc/7/task/42/fd/1"),
            "open(/home/me/other.log, create+write)"
        );
        // Not a path (a pipe), or not a link: left as written.
        assert_eq!(
            open("/proc/self/fd/1"),
            "open(/proc/self/fd/1, create+write)"
        );
        assert_eq!(
            open("/proc/self/oom_score_adj"),
            "open(/proc/self/oom_score_adj, create+write)"
        );
        assert_eq!(
            open("/proc/self/fd/99/x"),
            "open(/proc/self/fd/99/x, create+write)"
        );
    }

    #[test]
    fn every_family_is_decoded() {
        let mut p = Fake::default();
        p.fds.insert(3, "/w/file");
        let a = p.text(0x1000, "a");
        let b = p.text(0x2000, "/w/b");
        let name = p.text(0x3000, "user.tag");
        let sh = p.text(0x4000, "/bin/sh");
        let dash_c = p.text(0x5000, "-c");
        let argv = p.put(
            0x6000,
            &[sh.to_le_bytes(), dash_c.to_le_bytes(), 0u64.to_le_bytes()].concat(),
        );
        let how = p.put(0x7000, &0o2u64.to_le_bytes());
        let fdcwd = i64::from(AT_FDCWD).cast_unsigned();
        for (kind, args, text) in [
            (
                Kind::Openat2,
                [fdcwd, a, how, 24, 0, 0],
                "open(/home/me/p/a, read-write)",
            ),
            (Kind::Creat, [a, 0o644, 0, 0, 0, 0], "create(/home/me/p/a)"),
            (Kind::Mkdirat, [fdcwd, b, 0o755, 0, 0, 0], "mkdir(/w/b)"),
            (
                Kind::Mknodat,
                [fdcwd, b, 0o010_644, 0, 0, 0],
                "mknod(/w/b, fifo)",
            ),
            (
                Kind::Linkat,
                [fdcwd, a, fdcwd, b, 0, 0],
                "link(/home/me/p/a -> /w/b)",
            ),
            (
                Kind::Symlinkat,
                [a, fdcwd, b, 0, 0, 0],
                "symlink(a -> /w/b)",
            ),
            (
                Kind::Fchmodat,
                [fdcwd, b, 0o4755, 0, 0, 0],
                "chmod(/w/b, 4755)",
            ),
            (
                Kind::Fchownat,
                [fdcwd, b, 1000, u64::from(u32::MAX), 0, 0],
                "chown(/w/b, 1000, -1)",
            ),
            (Kind::Truncate, [b, 0, 0, 0, 0, 0], "truncate(/w/b)"),
            (
                Kind::Fsetxattr,
                [3, name, 0, 0, 0, 0],
                "setxattr(/w/file, user.tag)",
            ),
            (
                Kind::Lremovexattr,
                [b, name, 0, 0, 0, 0],
                "removexattr(/w/b, user.tag)",
            ),
            (
                Kind::Execve,
                [sh, argv, 0, 0, 0, 0],
                "exec(/bin/sh, [/bin/sh, -c])",
            ),
            (Kind::Kill, [4242, 15, 0, 0, 0, 0], "kill(4242, SIGTERM)"),
            (Kind::Kill, [4242, 0, 0, 0, 0, 0], "harmless"),
            (Kind::Tkill, [51, 9, 0, 0, 0, 0], "kill(50, SIGKILL)"),
            (Kind::Tgkill, [60, 61, 2, 0, 0, 0], "kill(60, SIGINT)"),
            (
                Kind::PidfdSendSignal,
                [3, 15, 0, 0, 0, 0],
                "kill(77, SIGTERM)",
            ),
        ] {
            assert_eq!(describe(kind, args, &p), text, "{kind:?}");
        }
        // `kill(-1, …)` is every process the user may signal.
        assert_eq!(
            describe(Kind::Kill, [u64::MAX, 9, 0, 0, 0, 0], &p),
            "kill(-1, SIGKILL)"
        );
    }

    #[test]
    fn strings_are_read_from_a_real_thread_across_pages() {
        // This process reads itself: a string that crosses a page boundary.
        let mut buf = vec![b'x'; 3 * 4096];
        let end = 4096 + 100;
        buf[end] = 0;
        let addr = buf.as_ptr() as u64 + 4000;
        let me = Thread {
            tid: i32::try_from(std::process::id()).unwrap(),
        };
        let s = me.string(addr).unwrap();
        assert_eq!(s.len(), end - 4000);
        assert!(me.cwd().unwrap().starts_with(b"/"));
        assert!(me.string(8).is_err(), "unmapped memory is an error");
    }
}
