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
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use crate::inbox::{self, Message};
use crate::prompts::keys;
use crate::pty::term;
use crate::pty::typist::Stop;

/// Ctrl-C as the terminal sends it in raw mode.
const CTRL_C: u8 = 0x03;

/// Whether the user typed anything for the child since the session last asked. Ordinary keys
/// only matter to the engine's next decision, so they set a flag instead of waking the session.
pub struct Typing(Arc<AtomicBool>);

impl Typing {
    /// True once after the user typed; false until they type again.
    pub fn take(&self) -> bool {
        self.0.swap(false, Relaxed)
    }
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
    let typed = Arc::new(AtomicBool::new(false));
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
                            typed.store(true, Relaxed);
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
