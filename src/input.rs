//! The user's keyboard: a dedicated thread reads stdin and writes what the user typed straight to
//! the child's PTY — one hop, so typing is as fast as without autoapprove — after taking out the
//! hotkey. It tells the session what happened (a key, the hotkey, Ctrl-C) through a channel.
//!
//! It never decides anything: the session and the engine do.

use std::os::fd::OwnedFd;

use tokio::sync::mpsc;

use crate::keys;

/// Ctrl-C as the terminal sends it in raw mode.
const CTRL_C: u8 = 0x03;

/// What the stdin thread reports.
#[derive(Debug, PartialEq, Eq)]
pub enum UserInput {
    /// The user typed: `typed` if anything went to the child, `toggles` hotkey presses (taken
    /// out), and whether Ctrl-C was among the keys.
    Keys {
        typed: bool,
        toggles: usize,
        interrupt: bool,
    },
    /// stdin reached end-of-file or failed: nothing more will come.
    Closed,
}

/// Starts the reader thread, writing to `pty` (the PTY master). On a terminal, `toggle` (a control
/// byte) is the hotkey; from a pipe, every byte is data. The thread ends at EOF; at exit it is
/// simply abandoned.
pub fn spawn(pty: OwnedFd, toggle: u8, terminal: bool) -> mpsc::UnboundedReceiver<UserInput> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match rustix::io::read(rustix::stdio::stdin(), &mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let mut bytes = buf[..n].to_vec();
                        let report = if terminal {
                            let mut toggles = 0;
                            while let Some(at) = keys::find_control(&bytes, toggle) {
                                bytes.drain(at);
                                toggles += 1;
                            }
                            UserInput::Keys {
                                typed: !bytes.is_empty(),
                                toggles,
                                interrupt: keys::find_control(&bytes, CTRL_C).is_some(),
                            }
                        } else {
                            UserInput::Keys {
                                typed: true,
                                toggles: 0,
                                interrupt: false,
                            }
                        };
                        // The child's side may be gone; the session notices on its own.
                        let _ = write_all(&pty, &bytes);
                        if tx.send(report).is_err() {
                            return;
                        }
                    }
                    Err(rustix::io::Errno::INTR) => {}
                    // A stdin left non-blocking by someone else: wait until it is readable.
                    Err(rustix::io::Errno::AGAIN) => {
                        wait(&rustix::stdio::stdin(), rustix::event::PollFlags::IN);
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send(UserInput::Closed);
        })
        .expect("spawning the stdin thread");
    rx
}

/// Writes all of `bytes` to the (non-blocking) PTY master, waiting while it is full.
fn write_all(pty: &OwnedFd, mut bytes: &[u8]) -> rustix::io::Result<()> {
    while !bytes.is_empty() {
        match rustix::io::write(pty, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => wait(pty, rustix::event::PollFlags::OUT),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn wait(fd: &impl rustix::fd::AsFd, flags: rustix::event::PollFlags) {
    let mut fds = [rustix::event::PollFd::new(fd, flags)];
    let _ = rustix::event::poll(&mut fds, None);
}
