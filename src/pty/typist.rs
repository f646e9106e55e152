//! The automation's typing: a thread types the engine's answers and nudges into the child's PTY,
//! in order, one write per key with the configured gap between keys — on its own thread, so a
//! child that stops reading its input never holds up the session.
//!
//! (The user's own keys go straight from the stdin thread.)

use std::fs::File;
use std::io::Write as _;
use std::os::fd::OwnedFd;
use std::sync::mpsc::{Sender, channel};
use std::time::Duration;

use crate::prompts::keys::Key;

/// Starts the thread, writing to `pty` (the PTY master). It ends when the sender is dropped or
/// the child's side is gone (the session notices that through the relay).
pub fn start(pty: OwnedFd, gap: Duration) -> std::io::Result<Sender<Vec<Key>>> {
    let (sends, keys) = channel::<Vec<Key>>();
    let mut pty = File::from(pty);
    std::thread::Builder::new()
        .name("typist".into())
        .spawn(move || {
            for keys in keys {
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 && !gap.is_zero() {
                        // Pacing, as a person types: some programs drop keys sent all at once.
                        std::thread::sleep(gap);
                    }
                    if pty.write_all(&key.0).is_err() {
                        return;
                    }
                }
            }
        })?;
    Ok(sends)
}
