//! The user's terminal: raw mode and its restoration on every exit path, the window size, and the
//! few things autoapprove itself draws there (a one-line banner, the window title, the bell), and
//! the one lock every write to it takes, so a banner never lands inside a chunk of the child's
//! output.
//!
//! This is the only module that changes terminal modes. It never touches the child's PTY.

use std::io::Write as _;
use std::os::fd::BorrowedFd;
use std::sync::{Mutex, PoisonError};

use rustix::termios::{self, OptionalActions, Termios};

/// The settings to put back, shared with the panic hook.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);
/// Held for each write to the user's terminal (the child's output, a banner).
static WRITING: Mutex<()> = Mutex::new(());

fn writing() -> std::sync::MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(PoisonError::into_inner)
}

fn stdin_fd() -> BorrowedFd<'static> {
    rustix::stdio::stdin()
}

pub fn stdin_is_tty() -> bool {
    termios::isatty(stdin_fd())
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

/// Restores the terminal before the default panic message is printed, so it is readable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// What autoapprove draws on the user's terminal itself: only when stderr is that terminal.
pub struct Banners {
    enabled: bool,
    title_pushed: bool,
}

impl Default for Banners {
    fn default() -> Self {
        Self::new()
    }
}

impl Banners {
    pub fn new() -> Self {
        Self {
            enabled: stderr_is_tty(),
            title_pushed: false,
        }
    }

    /// A one-line notice over the top row, in reverse video; the cursor is left where it was.
    /// `text` must already be escaped. Rings the bell when `bell` is set.
    pub fn show(&mut self, text: &str, cols: u16, bell: bool) {
        if !self.enabled {
            return;
        }
        let line: String = format!(" autoapprove: {text} ")
            .chars()
            .take(usize::from(cols))
            .collect();
        let bell = if bell { "\x07" } else { "" };
        Self::write(&format!(
            "\x1b7\x1b[1;1H\x1b[2K\x1b[7m{line}\x1b[0m\x1b8{bell}"
        ));
    }

    /// Sets the window title, saving the user's title first so [`Banners::finish`] can put it back.
    pub fn title(&mut self, text: &str) {
        if !self.enabled {
            return;
        }
        if !self.title_pushed {
            self.title_pushed = true;
            Self::write("\x1b[22;0t");
        }
        Self::write(&format!("\x1b]2;{text}\x07"));
    }

    /// Puts the user's window title back.
    pub fn finish(&mut self) {
        if self.enabled && self.title_pushed {
            self.title_pushed = false;
            Self::write("\x1b[23;0t");
        }
    }

    fn write(s: &str) {
        let _writing = writing();
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(s.as_bytes());
        let _ = err.flush();
    }
}

/// Writes all of the child's `bytes` to stdout, waiting while it is full. Returns false once
/// stdout is gone (a closed pipe, a hung-up terminal).
pub fn write_output(mut bytes: &[u8]) -> bool {
    let out = rustix::stdio::stdout();
    let _writing = writing();
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
