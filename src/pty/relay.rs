//! The output relay: a dedicated thread reads the child's PTY and writes each chunk to the user's
//! terminal at once — a blocking read and a write, nothing in between, so what the child shows
//! reaches the user as fast as through the kernel alone — then appends it to the watcher's backlog
//! and records that output happened.
//!
//! The session is woken for output only when it listens for it: once output has started it
//! follows it by its settle timer and looks when that fires, so a flood of output or a run of
//! echoed keys costs it no wake per chunk.

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::prompts::watcher::Feed;

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
    /// The session is listening: the next chunk wakes it.
    listening: AtomicBool,
    /// Writing to stdout failed (whoever read it is gone); reported to one look.
    stdout_gone: AtomicBool,
    /// The PTY reached its end: every slave fd is closed.
    closed: AtomicBool,
    wake: Notify,
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
    /// Stdout was found gone since the last look (the relay then stops writing to it).
    pub stdout_gone: bool,
    /// The PTY reached its end.
    pub closed: bool,
}

/// Starts the relay thread, reading `pty` (the PTY master, blocking) until its end and writing
/// each chunk with `out` ([`crate::pty::term::write_output`]; false once the output is gone). The
/// session starts out listening.
pub fn start(
    pty: OwnedFd,
    feed: Feed,
    out: impl FnMut(&[u8]) -> bool + Send + 'static,
) -> std::io::Result<Relay> {
    let activity = Arc::new(Activity {
        epoch: Instant::now(),
        relayed: AtomicU64::new(0),
        last_output: AtomicU64::new(0),
        listening: AtomicBool::new(true),
        stdout_gone: AtomicBool::new(false),
        closed: AtomicBool::new(false),
        wake: Notify::new(),
    });
    let shared = Arc::clone(&activity);
    std::thread::Builder::new()
        .name("relay".into())
        .spawn(move || run(&pty, &feed, &shared, out))?;
    Ok(Relay { activity })
}

impl Relay {
    /// Waits for a wake: output while listening, stdout gone, or the PTY's end. The future does
    /// not borrow the relay, so the session's loop can wait on it and act.
    pub fn changed(&self) -> impl Future<Output = ()> + use<> {
        let activity = Arc::clone(&self.activity);
        async move { activity.wake.notified().await }
    }

    /// Asks to be woken by the next chunk of output. Look again afterwards: output may have come
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
            stdout_gone: activity.stdout_gone.swap(false, SeqCst),
            closed: activity.closed.load(SeqCst),
        }
    }

    /// Bytes of output relayed so far, without taking [`Look::stdout_gone`]'s report.
    pub fn relayed(&self) -> u64 {
        self.activity.relayed.load(SeqCst)
    }
}

fn run(pty: &OwnedFd, feed: &Feed, activity: &Activity, mut out: impl FnMut(&[u8]) -> bool) {
    let mut chunk = vec![0u8; CHUNK];
    let mut stdout_ok = true;
    loop {
        match rustix::io::read(pty, &mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                let bytes = &chunk[..n];
                // The user sees the bytes first; everything else comes after.
                if stdout_ok && !out(bytes) {
                    stdout_ok = false;
                    activity.stdout_gone.store(true, SeqCst);
                    activity.wake.notify_one();
                }
                feed.push(bytes);
                let since = u64::try_from(activity.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
                activity.last_output.store(since, SeqCst);
                activity.relayed.fetch_add(n as u64, SeqCst);
                if activity.listening.swap(false, SeqCst) {
                    activity.wake.notify_one();
                }
            }
            Err(rustix::io::Errno::INTR) => {}
            // EIO: every slave fd is closed — the PTY's end-of-file.
            Err(_) => break,
        }
    }
    activity.closed.store(true, SeqCst);
    activity.wake.notify_one();
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::task::{Context, Waker};

    use super::*;
    use crate::prompts::watcher::Watcher;

    /// Waits for the relay's wake, up to a deadline that only a broken relay reaches.
    fn woken(relay: &Relay) -> bool {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(20), relay.changed())
                .await
                .is_ok()
        })
    }

    fn still_asleep(relay: &Relay) -> bool {
        let mut wait = std::pin::pin!(relay.changed());
        wait.as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending()
    }

    /// Looks until `bytes` have been relayed, up to the same deadline; `stdout_gone` if any
    /// look saw it.
    fn relayed(relay: &Relay, bytes: u64) -> Look {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut gone = false;
        loop {
            let look = relay.look();
            gone |= look.stdout_gone;
            if look.relayed >= bytes || Instant::now() > deadline {
                return Look {
                    stdout_gone: gone,
                    ..look
                };
            }
            std::thread::yield_now();
        }
    }

    #[test]
    fn output_is_written_first_and_wakes_the_session_only_when_it_listens() {
        let (read, write) = std::io::pipe().unwrap();
        let config = Arc::new(crate::config::defaults());
        let (_watcher, feed, _answers) = Watcher::start(config, 80, 24).unwrap();
        let written = Arc::new(Mutex::new(Vec::new()));
        let out = Arc::clone(&written);
        let relay = start(read.into(), feed, move |bytes: &[u8]| {
            out.lock().unwrap().extend_from_slice(bytes);
            true
        })
        .unwrap();

        rustix::io::write(&write, b"hello").unwrap();
        assert!(woken(&relay), "the first output wakes a listening session");
        assert_eq!(relayed(&relay, 5).relayed, 5);
        assert_eq!(*written.lock().unwrap(), b"hello");

        // Not listening: the session follows output by its timer, so more output wakes nothing.
        rustix::io::write(&write, b" world").unwrap();
        let look = relayed(&relay, 11);
        assert_eq!(look.relayed, 11);
        assert!(look.last_output <= Instant::now());
        assert!(still_asleep(&relay));

        relay.listen();
        rustix::io::write(&write, b"!").unwrap();
        assert!(woken(&relay), "listening again, the next output wakes it");
        assert_eq!(relayed(&relay, 12).relayed, 12);

        drop(write);
        assert!(
            woken(&relay),
            "the end of the output wakes it even when not listening"
        );
        assert!(relay.look().closed);
        assert_eq!(*written.lock().unwrap(), b"hello world!");
    }

    #[test]
    fn a_gone_output_is_reported_once_and_reading_goes_on() {
        let (read, write) = std::io::pipe().unwrap();
        let config = Arc::new(crate::config::defaults());
        let (_watcher, feed, _answers) = Watcher::start(config, 80, 24).unwrap();
        let relay = start(read.into(), feed, |_: &[u8]| false).unwrap();
        rustix::io::write(&write, b"lost").unwrap();
        assert!(woken(&relay));
        let look = relayed(&relay, 4);
        assert!(look.stdout_gone);
        rustix::io::write(&write, b"more").unwrap();
        let look = relayed(&relay, 8);
        assert_eq!(look.relayed, 8, "the child's output is still read");
        assert!(!look.stdout_gone, "reported once");
    }
}
