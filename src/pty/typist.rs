//! The automation's typing: a thread types the engine's answers and nudges into the child's PTY,
//! in order, one write per key with the configured gap between keys — on its own thread, so a
//! child that stops reading its input never holds up the session.
//!
//! Keys still queued when automation stops (the hotkey, Ctrl-C, a dangerous command) are dropped
//! at once: after [`Stop::drop_queued`] returns, no key queued before it reaches the PTY. (The
//! user's own keys go straight from the keyboard thread.)

use std::fs::File;
use std::io::Write as _;
use std::os::fd::OwnedFd;
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::prompts::keys::Key;

/// The current generation of queued keys; a batch of an older one is dropped.
#[derive(Default)]
struct Shared {
    generation: Mutex<u64>,
    bumped: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, u64> {
        self.generation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The session's handle: queue keys to type.
pub struct Typist {
    queue: Sender<(u64, Vec<Key>)>,
    shared: Arc<Shared>,
}

/// Drops whatever the typist has not typed yet; cheap to clone into other threads.
#[derive(Clone)]
pub struct Stop(Arc<Shared>);

impl Stop {
    pub fn drop_queued(&self) {
        *self.0.lock() += 1;
        self.0.bumped.notify_all();
    }
}

/// Starts the thread, writing to `pty` (the PTY master). It ends when the [`Typist`] is dropped
/// or the child's side is gone (the session notices that through the relay).
pub fn start(pty: OwnedFd, gap: Duration) -> std::io::Result<Typist> {
    let (queue, batches) = channel::<(u64, Vec<Key>)>();
    let shared = Arc::new(Shared::default());
    let typing = Arc::clone(&shared);
    let mut pty = File::from(pty);
    std::thread::Builder::new()
        .name("typist".into())
        .spawn(move || {
            for (generation, keys) in batches {
                for (i, key) in keys.iter().enumerate() {
                    let mut current = typing.lock();
                    if i > 0 && !gap.is_zero() {
                        // Pacing, as a person types: some programs drop keys sent all at once.
                        // A drop ends the wait at once.
                        current = typing
                            .bumped
                            .wait_timeout_while(current, gap, |g| *g == generation)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                    }
                    if *current != generation {
                        break;
                    }
                    // Written under the lock: a drop that returned has seen this key or stops it.
                    if pty.write_all(&key.0).is_err() {
                        return;
                    }
                }
            }
        })?;
    Ok(Typist { queue, shared })
}

impl Typist {
    /// Queues `keys`, typed after whatever is queued already.
    pub fn type_keys(&self, keys: Vec<Key>) {
        let generation = *self.shared.lock();
        let _ = self.queue.send((generation, keys));
    }

    pub fn stop(&self) -> Stop {
        Stop(Arc::clone(&self.shared))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;
    use std::time::Instant;

    use super::*;

    #[test]
    fn queued_keys_are_dropped_the_moment_typing_stops() {
        let (mut read, write) = std::io::pipe().unwrap();
        // A gap no loaded machine outlasts: the drop comes while the typist waits in it.
        let typist = start(write.into(), Duration::from_secs(600)).unwrap();
        let keys = (0..30).map(|_| Key(b"k".to_vec())).collect();
        typist.type_keys(keys);
        let mut first = [0u8; 1];
        read.read_exact(&mut first).unwrap();
        typist.stop().drop_queued();
        // Keys queued after the drop are typed: the typist goes on working.
        typist.type_keys(vec![Key(b"!".to_vec())]);
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while !seen.ends_with(b"!") && Instant::now() < deadline {
            let mut byte = [0u8; 1];
            read.read_exact(&mut byte).unwrap();
            seen.push(byte[0]);
        }
        assert_eq!(
            seen, b"!",
            "nothing of the dropped answer came after the drop"
        );
    }
}
