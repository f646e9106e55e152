//! The child process: starting it on a new PTY as a session leader, signalling its process group,
//! and telling why it could not start.
//!
//! It opens the PTY but never reads or writes it: the relay, stdin and typist threads do.

use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd as _, OwnedFd};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use rustix::process::{Pid, Signal};

use crate::exit;
use crate::guard::supervisor::ChildSetup;

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("{0}: command not found")]
    NotFound(String),
    #[error("{0}: not executable: {1}")]
    NotExecutable(String, String),
    #[error("cannot start {0}: {1}")]
    Other(String, String),
}

impl SpawnError {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::NotFound(_) => exit::NOT_FOUND,
            Self::NotExecutable(..) => exit::NOT_EXECUTABLE,
            Self::Other(..) => exit::FAILURE,
        }
    }
}

/// A started child and the PTY it runs on.
pub struct Spawned {
    /// The PTY's master, in blocking mode: it is read and written by threads, not by the runtime.
    pub pty: OwnedFd,
    pub child: tokio::process::Child,
    pub pid: Pid,
}

/// Set in the child's environment to autoapprove's pid: an autoapprove started inside it knows it
/// is nested, and refuses (both layers would answer every prompt) unless given `--nested`.
pub const NESTED_ENV: &str = "AUTOAPPROVE_PID";

/// The working directory of the process in the foreground of the PTY `control` (the one a
/// prompt on screen is most likely from), if it can be read.
pub fn foreground_cwd(control: &impl std::os::fd::AsFd) -> Option<PathBuf> {
    let group = rustix::termios::tcgetpgrp(control).ok()?;
    std::fs::read_link(format!("/proc/{}/cwd", group.as_raw_nonzero())).ok()
}

/// Starts `command` on a new PTY of `cols`×`rows`; under the guard when `guard` is given.
pub fn spawn(
    command: &[OsString],
    cols: u16,
    rows: u16,
    guard: Option<ChildSetup>,
) -> Result<Spawned, SpawnError> {
    let program = command
        .first()
        .ok_or_else(|| SpawnError::NotFound(String::new()))?;
    // An empty name is shown as the shell would have it typed, not as nothing.
    let name = match program.to_string_lossy() {
        shown if shown.is_empty() => "''".to_owned(),
        shown => shown.into_owned(),
    };
    let path = resolve(program).ok_or_else(|| SpawnError::NotFound(name.clone()))?;
    let meta =
        std::fs::metadata(&path).map_err(|e| SpawnError::NotFound(format!("{name}: {e}")))?;
    if meta.is_dir() {
        return Err(SpawnError::NotExecutable(name, "is a directory".into()));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(SpawnError::NotExecutable(name, "permission denied".into()));
    }
    let other = |e: &dyn std::fmt::Display| SpawnError::Other(name.clone(), e.to_string());
    let (pty, pts) = pty_process::open().map_err(|e| other(&e))?;
    pty.resize(pty_process::Size::new(rows, cols))
        .map_err(|e| other(&e))?;
    let mut child = pty_process::Command::new(&path)
        .arg0(program)
        .args(&command[1..])
        .env(NESTED_ENV, std::process::id().to_string());
    if let Some(setup) = guard {
        child = crate::sys::supervise_before_exec(
            child,
            setup.program,
            setup.channel,
            setup.no_new_privs,
        );
    }
    let child = child.spawn(pts).map_err(|e| match e {
        // The checks above make these rare: the file changed, or an interpreter is missing.
        pty_process::Error::Io(io) => {
            match io.raw_os_error().map(rustix::io::Errno::from_raw_os_error) {
                // The file is there (resolve found it), so what is missing is its interpreter.
                Some(rustix::io::Errno::NOENT) => SpawnError::NotExecutable(
                    name.clone(),
                    format!("{io} (is its #! interpreter missing?)"),
                ),
                Some(rustix::io::Errno::ACCESS | rustix::io::Errno::NOEXEC) => {
                    SpawnError::NotExecutable(name.clone(), io.to_string())
                }
                _ => other(&io),
            }
        }
        e => other(&e),
    })?;
    let pid = child
        .id()
        .and_then(|id| Pid::from_raw(i32::try_from(id).ok()?))
        .ok_or_else(|| other(&"the child exited before it could be watched"))?;
    // Off the runtime: a registered fd would wake the session's loop for every chunk of output.
    let master = rustix::io::dup(pty.as_fd()).map_err(|e| other(&e))?;
    drop(pty);
    rustix::io::ioctl_fionbio(&master, false).map_err(|e| other(&e))?;
    Ok(Spawned {
        pty: master,
        child,
        pid,
    })
}

/// Finds `program` the way a shell does: a name with a slash is a path, anything else is looked
/// up in `PATH`.
pub fn resolve(program: &OsStr) -> Option<PathBuf> {
    let as_path = Path::new(program);
    if program.as_encoded_bytes().contains(&b'/') {
        return as_path.exists().then(|| as_path.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let candidates: Vec<PathBuf> = std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .filter(|p| p.is_file())
        .collect();
    // Prefer an executable match, as execvp does; else report the first (not executable).
    candidates
        .iter()
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
        })
        .or(candidates.first())
        .cloned()
}

/// Sends `signal` to the child's whole process group (the child leads its own session).
/// Whether the child has stopped (a job-control stop: `kill -STOP`, Ctrl-Z on its terminal) since
/// last asked; the notice is taken, its exit is left to be waited for.
pub fn stopped(pid: Pid) -> bool {
    use rustix::process::{WaitId, WaitIdOptions, waitid};
    waitid(
        WaitId::Pid(pid),
        WaitIdOptions::STOPPED | WaitIdOptions::NOHANG,
    )
    .ok()
    .flatten()
    .is_some_and(|s| s.stopped())
}

pub fn signal_group(pid: Pid, signal: Signal) {
    let _ = rustix::process::kill_process_group(pid, signal);
}
