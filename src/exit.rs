//! Every exit code autoapprove itself chooses, in one place. The child's own code passes through
//! unchanged; these are the others (QUICKSTART.md, "Exit codes").

use std::os::unix::process::ExitStatusExt as _;

/// autoapprove's own failure (the runtime, a thread, the terminal).
pub const FAILURE: i32 = 1;
/// `explain`: the command is dangerous.
pub const BLOCKED: i32 = 1;
/// A usage or configuration error: nothing was started.
pub const USAGE: i32 = 2;
/// `MANUAL_MODE` was entered with nobody to hand over to (no terminal), and `manual_timeout`
/// passed: autoapprove ended the program. Also: `AUTOAPPROVE_NO_BLOCK` refused a run whose guard
/// would wait for a person at the terminal.
pub const ABANDONED: i32 = 3;
/// The command exists but cannot be run (not executable, a directory, a missing `#!`
/// interpreter).
pub const NOT_EXECUTABLE: i32 = 126;
/// The command does not exist.
pub const NOT_FOUND: i32 = 127;
/// Added to the number of the signal that killed the child, as shells do.
pub const SIGNAL_BASE: i32 = 128;

/// The child's exit status as autoapprove's exit code: its code, or 128+N if signal N killed it
/// (with N).
pub fn of_child(status: std::process::ExitStatus) -> (i32, Option<i32>) {
    match (status.code(), status.signal()) {
        (Some(code), _) => (code, None),
        (None, Some(sig)) => (SIGNAL_BASE + sig, Some(sig)),
        (None, None) => (FAILURE, None),
    }
}

/// The code as a process exit status: out-of-range codes become [`FAILURE`].
pub fn to_process(code: i32) -> std::process::ExitCode {
    // 1 is [`FAILURE`], as a `u8`.
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
