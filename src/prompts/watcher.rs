//! The watcher: a thread that owns the screen model. The relay thread appends every chunk of the
//! child's output to a shared backlog after it reached the user, and wakes the watcher once a
//! batch has gathered (so an echoed key or a spinner frame does not wake it); the session asks it,
//! when output settles, what the screen shows, and the answer comes back through the session's
//! inbox.
//!
//! It only models and detects; it never writes to the terminal or the child.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::config::Config;
use crate::inbox::{self, Message as Report};
use crate::prompts::detector::{self, Seen};
use crate::prompts::screen::{Screen, View};

/// Unparsed output at which the watcher is woken to parse it: a few of the PTY's 4 KiB reads,
/// so a flood costs a wake-up per 16 KiB, not per read (each one is a system call on both
/// sides, which cost more than parsing the bytes).
const BATCH: usize = 16 * 1024;
/// The backlog's ring, kept for the session's life: what the parser is behind by while it keeps
/// up (a few batches).
const RING: usize = 48 * 1024;
/// How far behind the parser may fall before the relay waits for it: a time slice of the parser
/// thread preempted on a busy machine, at a flood's pace, is several hundred KB. Allocated only
/// while the ring is full, at a size the allocator maps on its own
/// (`sys::return_freed_blocks_to_the_system`), so it goes back to the system once the parser has
/// caught up.
const SPILL: usize = 512 * 1024;

enum Message {
    /// A batch of output is waiting in the backlog.
    Output,
    /// The terminal is now `cols`×`rows`, as of `at` bytes of output.
    Resize { cols: u16, rows: u16, at: u64 },
    /// What the screen shows; a prompt carries the text shown since tail offset `since`.
    Detect { since: u64 },
    /// What some rows and the terminal state are, once all output so far is parsed.
    View {
        rows: std::ops::Range<usize>,
        reply: SyncSender<View>,
    },
}

/// What the screen showed, and how much output it had seen then (see `Backlog::end`).
#[derive(Debug)]
pub struct Answer {
    pub seen: Seen,
    pub upto: u64,
}

/// Output relayed but not parsed yet.
struct Backlog {
    /// What the relay appended and the watcher has not taken, in order.
    bytes: Pending,
    /// How many bytes of output were ever appended: `bytes` is the stretch just before this.
    end: u64,
    /// An [`Message::Output`] is on its way.
    woken: bool,
    /// The relay waits for room (so taking bytes must wake it).
    full: bool,
}

struct Shared {
    backlog: Mutex<Backlog>,
    /// Signalled when the watcher has taken the backlog.
    room: Condvar,
}

/// Bytes waiting for the parser: a fixed ring, and while the parser is far behind, a spill after
/// it. Output goes to the spill as long as there is one (so order holds); the ring is taken
/// first, and the spill is freed once it is empty.
struct Pending {
    ring: VecDeque<u8>,
    spill: Option<VecDeque<u8>>,
}

impl Pending {
    fn len(&self) -> usize {
        self.ring.len() + self.spill.as_ref().map_or(0, VecDeque::len)
    }

    /// Appends `bytes` unless the spill is full. The ring never grows; a new spill takes any
    /// amount (a spill is freed once drained, so a chunk larger than one never waits forever).
    fn append(&mut self, bytes: &[u8]) -> bool {
        let fits = |buffer: &VecDeque<u8>| buffer.len() + bytes.len() <= buffer.capacity();
        let buffer = match &mut self.spill {
            None if fits(&self.ring) => &mut self.ring,
            None => self.spill.insert(VecDeque::with_capacity(SPILL + BATCH)),
            Some(spill) if fits(spill) => spill,
            Some(_) => return false,
        };
        buffer.extend(bytes);
        true
    }

    /// Moves the first `count` bytes (at most [`Pending::len`]) to `into`; returns the spill if
    /// that emptied it, to be freed outside the lock.
    fn take(&mut self, count: usize, into: &mut Vec<u8>) -> Option<VecDeque<u8>> {
        let from_ring = count.min(self.ring.len());
        drain_into(&mut self.ring, from_ring, into);
        let spill = self.spill.as_mut()?;
        drain_into(spill, count - from_ring, into);
        if spill.is_empty() {
            self.spill.take()
        } else {
            None
        }
    }
}

fn drain_into(from: &mut VecDeque<u8>, count: usize, into: &mut Vec<u8>) {
    let (front, back) = from.as_slices();
    let from_front = count.min(front.len());
    into.extend_from_slice(&front[..from_front]);
    into.extend_from_slice(&back[..count - from_front]);
    from.drain(..count);
}

impl Default for Backlog {
    fn default() -> Self {
        Self {
            bytes: Pending {
                ring: VecDeque::with_capacity(RING),
                spill: None,
            },
            end: 0,
            woken: false,
            full: false,
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Backlog> {
        self.backlog.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The session's handle: resizes and questions.
pub struct Watcher {
    to: SyncSender<Message>,
}

/// The relay's handle: output, in order.
pub struct Feed {
    shared: Arc<Shared>,
    to: SyncSender<Message>,
}

impl Watcher {
    /// Starts the thread with a screen of `cols`×`rows`, detecting with `config`'s rules. The
    /// `inbox` gets what the screen showed, one answer per [`Watcher::detect`], in order.
    pub fn start(
        config: Arc<Config>,
        cols: u16,
        rows: u16,
        inbox: inbox::Sender,
    ) -> std::io::Result<(Self, Feed)> {
        // Few messages are ever in flight: an `Output` or two (see `Backlog::woken`), one `Detect`,
        // the odd resize.
        let (to, from) = sync_channel(4);
        let shared = Arc::new(Shared {
            backlog: Mutex::new(Backlog::default()),
            room: Condvar::new(),
        });
        let parser = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("screen".into())
            .spawn(move || run(&config, Screen::new(cols, rows), &parser, &from, &inbox))?;
        let feed = Feed {
            shared,
            to: to.clone(),
        };
        Ok((Self { to }, feed))
    }

    /// The terminal was resized after `at` bytes of output: what came before is parsed at the
    /// old size.
    pub fn resize(&self, cols: u16, rows: u16, at: u64) {
        let _ = self.to.send(Message::Resize { cols, rows, at });
    }

    /// Rows `rows` of the screen and the terminal's state, once all output appended so far is
    /// parsed; `None` if the watcher does not answer within `wait` (it is gone).
    pub fn view(&self, rows: std::ops::Range<usize>, wait: std::time::Duration) -> Option<View> {
        let (reply, answer) = sync_channel(1);
        self.to.send(Message::View { rows, reply }).ok()?;
        answer.recv_timeout(wait).ok()
    }

    /// Asks what the screen shows once all output appended so far is parsed; a prompt found
    /// carries the text shown since tail offset `since`.
    pub fn detect(&self, since: u64) {
        let _ = self.to.send(Message::Detect { since });
    }
}

impl Feed {
    /// Appends output (after it reached the user); waits while the parser is far behind.
    pub fn push(&self, bytes: &[u8]) {
        let mut backlog = self.shared.lock();
        while !backlog.bytes.append(bytes) {
            backlog.full = true;
            backlog = self
                .shared
                .room
                .wait(backlog)
                .unwrap_or_else(PoisonError::into_inner);
        }
        backlog.end += bytes.len() as u64;
        if backlog.bytes.len() >= BATCH && !backlog.woken {
            backlog.woken = true;
            drop(backlog);
            let _ = self.to.send(Message::Output);
        }
    }
}

fn run(
    config: &Config,
    mut screen: Screen,
    shared: &Shared,
    from: &Receiver<Message>,
    inbox: &inbox::Sender,
) {
    let mut taken = Vec::with_capacity(BATCH);
    // Ends when the session and the relay have both dropped their senders.
    for message in from {
        match message {
            Message::Output => {
                parse(shared, &mut screen, &mut taken, u64::MAX);
            }
            Message::Resize { cols, rows, at } => {
                parse(shared, &mut screen, &mut taken, at);
                screen.resize(cols, rows);
                parse(shared, &mut screen, &mut taken, u64::MAX);
            }
            Message::View { rows, reply } => {
                parse(shared, &mut screen, &mut taken, u64::MAX);
                let _ = reply.send(screen.view(rows));
            }
            Message::Detect { since } => {
                let upto = parse(shared, &mut screen, &mut taken, u64::MAX);
                let seen = detector::detect(config, &screen.snapshot(), screen.tail(), since);
                if !inbox.send(Report::Seen(Box::new(Answer { seen, upto }))) {
                    return;
                }
            }
        }
    }
}

/// Parses the backlog's bytes before `limit`, or before its end as it is now if that comes
/// first; returns how much output the screen has seen.
fn parse(shared: &Shared, screen: &mut Screen, taken: &mut Vec<u8>, limit: u64) -> u64 {
    let mut limit = limit;
    loop {
        let (upto, end) = take(shared, limit, taken);
        limit = limit.min(end);
        screen.feed(taken);
        taken.clear();
        if upto >= limit {
            return upto;
        }
    }
}

/// Moves up to a batch of the backlog's bytes before `limit` into `into` (empty), so they are
/// parsed without holding the lock; returns how much output that makes in all, and how much
/// was appended in all.
fn take(shared: &Shared, limit: u64, into: &mut Vec<u8>) -> (u64, u64) {
    let mut backlog = shared.lock();
    let start = backlog.end - backlog.bytes.len() as u64;
    let count = usize::try_from(limit.saturating_sub(start))
        .unwrap_or(usize::MAX)
        .min(backlog.bytes.len())
        .min(BATCH);
    let freed = backlog.bytes.take(count, into);
    let upto = start + count as u64;
    let end = backlog.end;
    if upto >= limit.min(end) {
        // The last take of this parse: output from now on needs a new wake-up.
        backlog.woken = false;
    }
    let full = std::mem::take(&mut backlog.full);
    drop(backlog);
    drop(freed);
    if full {
        shared.room.notify_all();
    }
    (upto, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> (Feed, Arc<Shared>, Receiver<Message>) {
        let shared = Arc::new(Shared {
            backlog: Mutex::new(Backlog::default()),
            room: Condvar::new(),
        });
        // Few messages are ever in flight: an `Output` or two (see `Backlog::woken`), one `Detect`,
        // the odd resize.
        let (to, from) = sync_channel(4);
        let feed = Feed {
            shared: Arc::clone(&shared),
            to,
        };
        (feed, shared, from)
    }

    #[test]
    fn a_limit_takes_only_the_output_before_it() {
        let (feed, shared, _from) = feed();
        feed.push(b"abc");
        feed.push(b"def");
        let mut taken = Vec::new();
        assert_eq!(take(&shared, 4, &mut taken), (4, 6));
        assert_eq!(taken, b"abcd");
        taken.clear();
        feed.push(b"gh");
        assert_eq!(take(&shared, u64::MAX, &mut taken), (8, 8));
        assert_eq!(taken, b"efgh");
        taken.clear();
        assert_eq!(take(&shared, u64::MAX, &mut taken), (8, 8));
        assert!(taken.is_empty());
    }

    #[test]
    fn a_take_is_one_batch_and_a_parse_goes_on_to_the_end_it_saw() {
        let (feed, shared, _from) = feed();
        let output: Vec<u8> = (b'a'..=b'z').cycle().take(RING).collect();
        for piece in output.chunks(5000) {
            feed.push(piece);
        }
        let mut taken = Vec::new();
        assert_eq!(take(&shared, u64::MAX, &mut taken).0, BATCH as u64);
        assert_eq!(taken, output[..BATCH]);
        taken.clear();
        let mut screen = Screen::new(80, 24);
        let total = output.len() as u64;
        assert_eq!(parse(&shared, &mut screen, &mut taken, u64::MAX), total);
        assert_eq!(shared.lock().bytes.len(), 0, "all of it parsed");
    }

    #[test]
    fn a_flood_beyond_the_ring_spills_reaches_the_parser_in_order_and_the_spill_is_freed() {
        let (feed, shared, _from) = feed();
        let output: Vec<u8> = (0..=u8::MAX).cycle().take(RING + SPILL).collect();
        for piece in output.chunks(4096) {
            feed.push(piece);
        }
        assert!(
            shared.lock().bytes.spill.is_some(),
            "the ring alone cannot hold it"
        );
        let mut parsed = Vec::new();
        let mut taken = Vec::new();
        // Taken while more arrives: what comes once the spill started goes after it, even when
        // the ring has room again.
        for piece in b"after" {
            take(&shared, u64::MAX, &mut taken);
            parsed.append(&mut taken);
            feed.push(&[*piece]);
        }
        assert_eq!(
            shared.lock().bytes.ring.len(),
            0,
            "the ring taken, nothing new in it"
        );
        loop {
            let (upto, end) = take(&shared, u64::MAX, &mut taken);
            parsed.append(&mut taken);
            if upto == end {
                break;
            }
        }
        assert_eq!(parsed.len(), output.len() + 5);
        assert!(parsed[..output.len()] == output[..], "every byte, in order");
        assert_eq!(&parsed[output.len()..], b"after");
        let backlog = shared.lock();
        assert!(backlog.bytes.spill.is_none(), "freed once drained");
        assert_eq!(
            backlog.bytes.ring.capacity(),
            RING,
            "the ring is kept, not regrown"
        );
    }

    #[test]
    fn a_chunk_larger_than_the_spill_goes_through_and_the_ring_keeps_its_size() {
        let (feed, shared, _from) = feed();
        let huge = vec![7u8; 2 * (RING + SPILL)];
        feed.push(&huge);
        let mut parsed = Vec::new();
        let mut taken = Vec::new();
        let mut take_all = |parsed: &mut Vec<u8>| {
            loop {
                let (upto, end) = take(&shared, u64::MAX, &mut taken);
                parsed.append(&mut taken);
                if upto == end {
                    break;
                }
            }
        };
        take_all(&mut parsed);
        // Not before: a spill that cannot take a chunk waits for the parser, as the relay does.
        feed.push(b"last");
        take_all(&mut parsed);
        assert_eq!(parsed.len(), huge.len() + 4);
        assert!(parsed[..huge.len()] == huge[..]);
        assert_eq!(&parsed[huge.len()..], b"last");
        let backlog = shared.lock();
        assert_eq!(
            backlog.bytes.ring.capacity(),
            RING,
            "the ring is never regrown"
        );
        assert!(backlog.bytes.spill.is_none());
    }

    #[test]
    fn the_relay_waits_only_when_the_spill_is_full() {
        let (feed, shared, _from) = feed();
        let feed = Arc::new(feed);
        for piece in vec![0u8; RING + SPILL].chunks(BATCH) {
            feed.push(piece);
        }
        let pusher = {
            let feed = Arc::clone(&feed);
            std::thread::spawn(move || feed.push(&vec![1; BATCH + 1]))
        };
        // The push cannot go in until a take makes room; it marks the backlog full meanwhile.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !shared.lock().full {
            assert!(
                std::time::Instant::now() < deadline,
                "the relay never waited"
            );
            std::thread::yield_now();
        }
        assert_eq!(shared.lock().bytes.len(), RING + SPILL);
        assert!(!pusher.is_finished());
        let mut taken = Vec::new();
        while !shared.lock().bytes.ring.is_empty() {
            take(&shared, u64::MAX, &mut taken);
        }
        take(&shared, u64::MAX, &mut taken);
        pusher.join().unwrap();
        // A batch taken off the spill, the waiting push in.
        assert_eq!(shared.lock().bytes.len(), SPILL - BATCH + (BATCH + 1));
    }

    #[test]
    fn the_watcher_is_woken_once_per_batch_not_per_chunk() {
        let (feed, shared, from) = feed();
        for _ in 0..BATCH - 1 {
            feed.push(b"x");
        }
        assert!(from.try_recv().is_err(), "less than a batch wakes nobody");
        feed.push(b"x");
        feed.push(b"more");
        assert!(matches!(from.try_recv(), Ok(Message::Output)));
        assert!(
            from.try_recv().is_err(),
            "one wake until the batch is taken"
        );
        take(&shared, u64::MAX, &mut Vec::new());
        feed.push(&[b'y'; BATCH]);
        assert!(from.try_recv().is_err(), "still woken: the parse goes on");
        parse(&shared, &mut Screen::new(80, 24), &mut Vec::new(), u64::MAX);
        feed.push(&[b'y'; BATCH]);
        assert!(matches!(from.try_recv(), Ok(Message::Output)));
    }
}
