//! The user's keyboard: a dedicated thread reads stdin and writes what the user typed straight to
//! the child's PTY — one hop, so typing is as fast as without autoapprove — after taking out the
//! hotkey. It wakes the session for the hotkey and Ctrl-C; that the user typed is only flagged.
//!
//! It never decides anything: the session and the engine do.

use std::fs::File;
use std::io::Write as _;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use tokio::sync::mpsc;

use crate::prompts::keys;
use crate::pty::term;

/// Ctrl-C as the terminal sends it in raw mode.
const CTRL_C: u8 = 0x03;

/// What the stdin thread reports through the channel: only what the session must act on at once.
#[derive(Debug, PartialEq, Eq)]
pub enum UserInput {
    /// The user pressed the hotkey `toggles` times (taken out of the keys), or Ctrl-C
    /// (`interrupt`), or both.
    Keys { toggles: usize, interrupt: bool },
    /// stdin reached end-of-file or failed: nothing more will come.
    Closed,
}

/// Whether the user typed anything for the child since the session last asked. Ordinary keys
/// only matter to the engine's next decision, so they set a flag instead of waking the session.
pub struct Typing(Arc<AtomicBool>);

impl Typing {
    /// True once after the user typed; false until they type again.
    pub fn take(&self) -> bool {
        self.0.swap(false, Relaxed)
    }
}

/// Starts the reader thread, writing to `pty` (the PTY master). On a terminal, `toggle` (a control
/// byte) is the hotkey; from a pipe, every byte is data. The thread ends at EOF; at exit it is
/// simply abandoned.
pub fn spawn(
    pty: OwnedFd,
    toggle: u8,
    terminal: bool,
) -> std::io::Result<(mpsc::UnboundedReceiver<UserInput>, Typing)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let typed = Arc::new(AtomicBool::new(false));
    let typing = Typing(Arc::clone(&typed));
    let mut pty = File::from(pty);
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match rustix::io::read(rustix::stdio::stdin(), &mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let mut bytes = buf[..n].to_vec();
                        let mut toggles = 0;
                        let mut interrupt = false;
                        if terminal {
                            while let Some(at) = keys::find_control(&bytes, toggle) {
                                bytes.drain(at);
                                toggles += 1;
                            }
                            interrupt = keys::find_control(&bytes, CTRL_C).is_some();
                        }
                        // The child's side may be gone; the session notices through the relay.
                        let _ = pty.write_all(&bytes);
                        if !bytes.is_empty() {
                            typed.store(true, Relaxed);
                        }
                        if (toggles > 0 || interrupt)
                            && tx.send(UserInput::Keys { toggles, interrupt }).is_err()
                        {
                            return;
                        }
                    }
                    Err(rustix::io::Errno::INTR) => {}
                    // A stdin left non-blocking by someone else: wait until it is readable.
                    Err(rustix::io::Errno::AGAIN) => {
                        term::wait_for(rustix::stdio::stdin(), rustix::event::PollFlags::IN);
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send(UserInput::Closed);
        })?;
    Ok((rx, typing))
}
