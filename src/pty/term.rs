//! The user's terminal: raw mode and its restoration on every exit path, the window size, and
//! the writes to it (the child's output on stdout, the overlay's drawing on stderr).
//!
//! This is the only module that changes terminal modes. It never touches the child's PTY.

use std::os::fd::BorrowedFd;
use std::sync::{Mutex, PoisonError};

use rustix::termios::{self, OptionalActions, Termios};

/// The settings to put back, shared with the panic hook.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

fn stdin_fd() -> BorrowedFd<'static> {
    rustix::stdio::stdin()
}

pub fn stdin_is_tty() -> bool {
    termios::isatty(stdin_fd())
}

pub fn stdout_is_tty() -> bool {
    termios::isatty(rustix::stdio::stdout())
}

pub fn stderr_is_tty() -> bool {
    termios::isatty(rustix::stdio::stderr())
}

/// The size to give the child: the user's terminal (from stdout), or 80×24 when stdout is not one.
pub fn window_size() -> (u16, u16) {
    termios::tcgetwinsize(rustix::stdio::stdout())
        .ok()
        .filter(|w| w.ws_col > 0 && w.ws_row > 0)
        .map_or((80, 24), |w| (w.ws_col, w.ws_row))
}

/// Raw mode on stdin while alive; the previous settings come back on drop, on panic (see
/// [`install_panic_hook`]) and through [`restore`].
pub struct RawMode {
    active: bool,
}

impl RawMode {
    /// Puts stdin in raw mode if it is a terminal; does nothing otherwise.
    pub fn enable() -> std::io::Result<Self> {
        if !stdin_is_tty() {
            return Ok(Self { active: false });
        }
        let original = termios::tcgetattr(stdin_fd())?;
        let mut raw = original.clone();
        raw.make_raw();
        *SAVED.lock().unwrap_or_else(PoisonError::into_inner) = Some(original);
        termios::tcsetattr(stdin_fd(), OptionalActions::Flush, &raw)?;
        Ok(Self { active: true })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.active {
            restore();
        }
    }
}

/// Puts back the terminal settings saved by [`RawMode::enable`], if any. Safe to call twice.
pub fn restore() {
    let saved = SAVED.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(original) = saved {
        // Drain rather than flush: keys typed during exit still reach the shell.
        let _ = termios::tcsetattr(stdin_fd(), OptionalActions::Drain, &original);
    }
}

/// Job control, as `sudo` and `ssh` do it: the terminal as it was before autoapprove, then
/// autoapprove stopped (SIGSTOP) until the shell continues it (`fg`), then raw mode again. While
/// stopped the shell has the terminal; the settings it leaves are the ones raw mode starts from.
pub fn stop_self() {
    let saved = SAVED.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let Some(original) = saved else {
        return;
    };
    let _ = termios::tcsetattr(stdin_fd(), OptionalActions::Drain, &original);
    let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::STOP);
    // Continued.
    if let Ok(now) = termios::tcgetattr(stdin_fd()) {
        let mut raw = now.clone();
        raw.make_raw();
        *SAVED.lock().unwrap_or_else(PoisonError::into_inner) = Some(now);
        let _ = termios::tcsetattr(stdin_fd(), OptionalActions::Flush, &raw);
    }
}

/// Restores the terminal before the default panic message is printed, so it is readable; then
/// lets a recording write what it still holds.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        crate::record::Recorder::finish_on_panic();
    }));
}

/// Writes all of the child's `bytes` to stdout, waiting while it is full. Returns false once
/// stdout is gone (a closed pipe, a hung-up terminal). The output gate orders it with the
/// overlay's writes.
pub fn write_output(bytes: &[u8]) -> bool {
    write_all(rustix::stdio::stdout(), bytes)
}

/// Writes autoapprove's own drawing to stderr (the terminal the overlay draws on).
pub fn write_overlay(bytes: &[u8]) -> bool {
    write_all(rustix::stdio::stderr(), bytes)
}

fn write_all(out: BorrowedFd<'_>, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        match rustix::io::write(out, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::INTR) => {}
            // A stdout left non-blocking by someone else: wait until it takes more.
            Err(rustix::io::Errno::AGAIN) => wait_for(out, rustix::event::PollFlags::OUT),
            Err(_) => return false,
        }
    }
    true
}

/// Waits until `fd` is ready for `flags`: for a stdin or stdout that someone else left
/// non-blocking.
pub fn wait_for(fd: impl rustix::fd::AsFd, flags: rustix::event::PollFlags) {
    let mut fds = [rustix::event::PollFd::new(&fd, flags)];
    let _ = rustix::event::poll(&mut fds, None);
}
