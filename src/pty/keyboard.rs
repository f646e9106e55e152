//! The user's keyboard: a dedicated thread reads stdin and writes what the user typed straight to
//! the child's PTY — one hop, so typing is as fast as without autoapprove — after taking out the
//! hotkey. It tells the session of the hotkey and Ctrl-C, and drops the automation's queued keys
//! right then; that the user typed is only flagged. While the overlay reads the keys (a question
//! box), they go to the session instead of the child.
//!
//! It never decides anything: the session and the engine do.

use std::fs::File;
use std::io::Write as _;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};

use crate::inbox::{self, Message};
use crate::prompts::keys;
use crate::pty::term;
use crate::pty::typist::Stop;

/// Ctrl-C as the terminal sends it in raw mode.
const CTRL_C: u8 = 0x03;

/// Whether the user typed anything for the child since the session last asked, and whether it
/// left a line unsubmitted. Ordinary keys only matter to the engine's next decision, so they set
/// flags instead of waking the session.
pub struct Typing(Arc<AtomicU8>);

/// [`Typing`]'s flags: the user typed; their last keys did not end a line.
const TYPED: u8 = 1;
const PENDING: u8 = 2;

impl Typing {
    /// Once after the user typed: `Some(pending)`, where `pending` says the line they typed is
    /// not submitted yet (their last key was not Enter, Ctrl-C, Ctrl-D or Ctrl-U). `None` until
    /// they type again.
    pub fn take(&self) -> Option<bool> {
        let flags = self.0.fetch_and(!TYPED, Relaxed);
        (flags & TYPED != 0).then_some(flags & PENDING != 0)
    }
}

/// Whether `keys` (what the user just typed) leave a line of theirs waiting: their last key is not
/// one that submits the line (Enter) or discards it (Ctrl-C, Ctrl-D, Ctrl-U), in the legacy or
/// the kitty keyboard form.
fn leaves_line_pending(keys: &[u8]) -> bool {
    const LAST_KEYS: [&[u8]; 10] = [
        b"\r",
        b"\n",
        b"\x03",
        b"\x04",
        b"\x15",
        b"\x1b[13u",
        b"\x1b[13;1u",
        b"\x1b[99;5u",
        b"\x1b[100;5u",
        b"\x1b[117;5u",
    ];
    !LAST_KEYS.iter().any(|k| keys.ends_with(k))
}

/// Where the user's keys go: to the child, or to the overlay.
#[derive(Clone)]
pub struct Route(Arc<AtomicBool>);

impl Route {
    /// While set, every key goes to the session as [`Message::OverlayKeys`].
    pub fn to_overlay(&self, on: bool) {
        self.0.store(on, Relaxed);
    }
}

/// What the keyboard thread looks for besides ordinary keys.
#[derive(Clone, Copy)]
pub struct Keys {
    /// The hotkey (a control byte).
    pub toggle: u8,
    /// The overlay's test key, if enabled (see [`crate::pty::overlay`]).
    pub test_box: Option<u8>,
}

/// Starts the reader thread, writing to `pty` (the PTY master). On a terminal, `keys.toggle` is
/// the hotkey; from a pipe, every byte is data. `stop` drops the automation's queued keys when the
/// user takes control. The thread ends at EOF; at exit it is simply abandoned.
pub fn spawn(
    pty: OwnedFd,
    keys: Keys,
    terminal: bool,
    inbox: inbox::Sender,
    stop: Stop,
) -> std::io::Result<(Typing, Route)> {
    let typed = Arc::new(AtomicU8::new(0));
    let typing = Typing(Arc::clone(&typed));
    let route = Route(Arc::new(AtomicBool::new(false)));
    let overlay = route.clone();
    let mut pty = File::from(pty);
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match rustix::io::read(rustix::stdio::stdin(), &mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if overlay.0.load(Relaxed) {
                            if !inbox.send(Message::OverlayKeys(buf[..n].to_vec())) {
                                return;
                            }
                            continue;
                        }
                        let mut bytes = buf[..n].to_vec();
                        let (mut toggles, mut interrupt, mut test_box) = (0, false, false);
                        if terminal {
                            toggles = take_all(&mut bytes, keys.toggle);
                            test_box = keys.test_box.is_some_and(|k| take_all(&mut bytes, k) > 0);
                            interrupt = keys::find_control(&bytes, CTRL_C).is_some();
                        }
                        if toggles > 0 || interrupt {
                            // Before the child sees the user's keys, and before the session
                            // hears of it: nothing the automation queued is typed after this.
                            stop.drop_queued();
                        }
                        // The child's side may be gone; the session notices through the relay.
                        let _ = pty.write_all(&bytes);
                        if !bytes.is_empty() {
                            let pending = if leaves_line_pending(&bytes) {
                                PENDING
                            } else {
                                0
                            };
                            typed.store(TYPED | pending, Relaxed);
                        }
                        if (toggles > 0 || interrupt || test_box)
                            && !inbox.send(Message::Keys {
                                toggles,
                                interrupt,
                                test_box,
                            })
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
            inbox.send(Message::StdinClosed);
        })?;
    Ok((typing, route))
}

/// Takes every `control` key (legacy or kitty form) out of `bytes`; returns how many.
fn take_all(bytes: &mut Vec<u8>, control: u8) -> usize {
    let mut count = 0;
    while let Some(at) = keys::find_control(bytes, control) {
        bytes.drain(at);
        count += 1;
    }
    count
}
