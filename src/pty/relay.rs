//! The output relay: a dedicated thread reads the child's PTY and writes each chunk to the user's
//! terminal at once — a blocking read and a write, nothing in between, so what the child shows
//! reaches the user as fast as through the kernel alone — then parses it into the screen model
//! and records that output happened. Both happen through the output [`Gate`], so the overlay can
//! hold the output between two of the child's escape sequences, and finds the model up to date.
//!
//! The session is told of output only when it listens for it: once output has started it
//! follows it by its settle timer and looks when that fires, so a flood of output or a run of
//! echoed keys costs it no message per chunk.

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use crate::inbox::{self, Message};
use crate::prompts::watcher::Feed;
use crate::pty::gate::Gate;

/// How much is read from the PTY at once (a PTY read returns at most 4 KiB).
const CHUNK: usize = 16 * 1024;

/// What the relay records for the session.
struct Activity {
    /// What `last_output` counts from.
    epoch: Instant,
    /// Bytes of output relayed so far.
    relayed: AtomicU64,
    /// When the last chunk was relayed, in nanoseconds since `epoch`.
    last_output: AtomicU64,
    /// The session is listening: the next chunk tells it.
    listening: AtomicBool,
}

/// The session's view of the relay.
pub struct Relay {
    activity: Arc<Activity>,
}

/// What the relay had done when the session looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// Bytes of output relayed so far.
    pub relayed: u64,
    /// When the last of them was relayed.
    pub last_output: Instant,
}

/// Starts the relay thread, reading `pty` (the PTY master, blocking) until its end and writing
/// each chunk through `gate` with `out` ([`crate::pty::term::write_output`]; false once the output
/// is gone). It reports to the session's `inbox`; the session starts out listening.
pub fn start(
    pty: OwnedFd,
    feed: Feed,
    gate: Arc<Gate>,
    inbox: inbox::Sender,
    out: impl FnMut(&[u8]) -> bool + Send + 'static,
) -> std::io::Result<Relay> {
    let activity = Arc::new(Activity {
        epoch: Instant::now(),
        relayed: AtomicU64::new(0),
        last_output: AtomicU64::new(0),
        listening: AtomicBool::new(true),
    });
    let shared = Arc::clone(&activity);
    std::thread::Builder::new()
        .name("relay".into())
        .spawn(move || run(&pty, &feed, &gate, &inbox, &shared, out))?;
    Ok(Relay { activity })
}

impl Relay {
    /// Asks to be told of the next chunk of output. Look again afterwards: output may have come
    /// just before.
    pub fn listen(&self) {
        self.activity.listening.store(true, SeqCst);
    }

    /// What the relay has done so far.
    pub fn look(&self) -> Look {
        let activity = &self.activity;
        Look {
            relayed: activity.relayed.load(SeqCst),
            last_output: activity.epoch + Duration::from_nanos(activity.last_output.load(SeqCst)),
        }
    }
}

fn run(
    pty: &OwnedFd,
    feed: &Feed,
    gate: &Gate,
    inbox: &inbox::Sender,
    activity: &Activity,
    mut out: impl FnMut(&[u8]) -> bool,
) {
    let mut chunk = vec![0u8; CHUNK];
    let mut stdout_ok = true;
    loop {
        match rustix::io::read(pty, &mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                // The user sees the bytes first; the model parses them in the same turn of the
                // gate, so a pause finds it up to date.
                gate.relay(&chunk[..n], |part| {
                    if stdout_ok && !out(part) {
                        stdout_ok = false;
                        inbox.send(Message::StdoutGone);
                    }
                    feed.push(part);
                });
                let since = u64::try_from(activity.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
                activity.last_output.store(since, SeqCst);
                activity.relayed.fetch_add(n as u64, SeqCst);
                if activity.listening.swap(false, SeqCst) {
                    inbox.send(Message::Output);
                }
            }
            Err(rustix::io::Errno::INTR) => {}
            // EIO: every slave fd is closed — the PTY's end-of-file.
            Err(_) => break,
        }
    }
    inbox.send(Message::PtyClosed);
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::prompts::watcher::Watcher;

    /// The next message, up to a deadline that only a broken relay reaches.
    fn next(inbox: &mut inbox::Receiver) -> Option<Message> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match inbox.try_recv() {
                Ok(m) => return Some(m),
                Err(_) if Instant::now() > deadline => return None,
                Err(_) => std::thread::yield_now(),
            }
        }
    }

    /// Looks until `bytes` have been relayed, up to the same deadline.
    fn relayed(relay: &Relay, bytes: u64) -> Look {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let look = relay.look();
            if look.relayed >= bytes || Instant::now() > deadline {
                return look;
            }
            std::thread::yield_now();
        }
    }

    fn started(
        out: impl FnMut(&[u8]) -> bool + Send + 'static,
    ) -> (Relay, std::io::PipeWriter, inbox::Receiver) {
        let (read, write) = std::io::pipe().unwrap();
        let (tx, rx) = inbox::channel();
        let config = Arc::new(crate::config::defaults());
        let (_watcher, feed) = Watcher::new(config, 80, 24);
        let relay = start(read.into(), feed, Arc::default(), tx, out).unwrap();
        (relay, write, rx)
    }

    #[test]
    fn output_is_written_first_and_tells_the_session_only_when_it_listens() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let out = Arc::clone(&written);
        let (relay, write, mut inbox) = started(move |bytes: &[u8]| {
            out.lock().unwrap().extend_from_slice(bytes);
            true
        });

        rustix::io::write(&write, b"hello").unwrap();
        assert!(matches!(next(&mut inbox), Some(Message::Output)));
        assert_eq!(relayed(&relay, 5).relayed, 5);
        assert_eq!(*written.lock().unwrap(), b"hello");

        // Not listening: the session follows output by its timer, so more output says nothing.
        rustix::io::write(&write, b" world").unwrap();
        let look = relayed(&relay, 11);
        assert_eq!(look.relayed, 11);
        assert!(look.last_output <= Instant::now());
        assert!(inbox.try_recv().is_err());

        relay.listen();
        rustix::io::write(&write, b"!").unwrap();
        assert!(matches!(next(&mut inbox), Some(Message::Output)));
        assert_eq!(relayed(&relay, 12).relayed, 12);

        drop(write);
        assert!(
            matches!(next(&mut inbox), Some(Message::PtyClosed)),
            "the end of the output is told even when not listening"
        );
        assert_eq!(*written.lock().unwrap(), b"hello world!");
    }

    #[test]
    fn a_gone_output_is_reported_once_and_reading_goes_on() {
        let (relay, write, mut inbox) = started(|_: &[u8]| false);
        rustix::io::write(&write, b"lost").unwrap();
        assert!(matches!(next(&mut inbox), Some(Message::StdoutGone)));
        assert!(matches!(next(&mut inbox), Some(Message::Output)));
        rustix::io::write(&write, b"more").unwrap();
        assert_eq!(
            relayed(&relay, 8).relayed,
            8,
            "the child's output is still read"
        );
        drop(write);
        assert!(
            matches!(next(&mut inbox), Some(Message::PtyClosed)),
            "StdoutGone was reported once"
        );
    }
}
