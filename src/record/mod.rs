//! Session recordings: `--record FILE.cast` writes what the program showed, the window's resizes,
//! (with `--record-input`) what the user typed, and a marker at every decision, as an asciicast
//! v2 file that asciinema plays; `autoapprove replay` reads one back through the current rules
//! ([`replay`]).
//!
//! The relay only appends each chunk to a queue under a lock held for a copy (a flood of bytes
//! that are never part of a character is kept as a count: [`kept`]); a thread of its own
//! at the lowest priority turns entries into JSON lines and writes them. It wakes at the first
//! entry after a pause and lets more gather for a moment, so a flood costs the relay no wake-up
//! per read and the recording trails it by milliseconds. During a flood it holds off (the JSON of
//! a flood would take its CPU time from the program, the relay and the screen model, two cores
//! having none to spare) until the flood has passed or half the queue's room is used. The
//! session's end, and a panic, write what is left from a thread at normal priority (on a busy
//! machine the writer would get next to no time) and wait for it while the file takes it (one
//! that takes nothing for [`FINISH_WAIT`] is given up); a kill loses it, never half a line. The
//! relay waits only when [`MOST_WAITING`] bytes wait, as a terminal that stops reading would
//! stop it; the room is held only during the flood.

pub mod cast;
mod kept;
pub mod replay;

use std::fs::File;
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

use crate::events::Event;
use cast::{Entry, Header, Kind, Utf8Stream};
use kept::Stretch;

/// How long the writer lets entries gather once the first has woken it: a flood wakes it a
/// hundred times a second, not at every 4 KiB read, and a replay cannot tell the difference.
const GATHER: Duration = Duration::from_millis(10);
/// Memory the queue holds ([`Waiting::held`]) beyond which a sender waits for the writer: a few
/// seconds of a flood, so that the writer can let a 128 MiB flood pass (see [`hold_off`])
/// before it takes CPU time from it. Below it the relay never waits for the recording. Held
/// only during the flood: the writer gives the room back once it has caught up.
const MOST_WAITING: usize = 256 << 20;
/// Output arriving faster than this each [`GATHER`] (25 MB/s) is a flood, which the writer lets
/// pass before it writes (see [`hold_off`]); a program at work, even a busy TUI, writes far less.
const FLOOD: usize = 256 << 10;
/// The writer's nice value: the lowest, it runs when a core has nothing else to do.
const WRITER_NICE: i32 = 19;
/// How much of its JSON the writer writes with one system call.
const WRITE_BATCH: usize = 64 * 1024;
/// Capacity the writer keeps between batches; what a flood grew beyond it is given back.
const KEEP: usize = 1 << 20;
/// Entries (and stretches) the writer keeps room for between batches: those of [`KEEP`]
/// bytes of output read 4 KiB at a time, four times over.
const KEEP_ENTRIES: usize = KEEP / 1024;
/// How long the session's end waits for the recording when the file takes nothing: a big
/// flood is waited for as long as its writing goes on.
const FINISH_WAIT: Duration = Duration::from_secs(5);

/// The writer thread's name.
const WRITER: &str = "record";
/// The name of the thread that finishes the recording at the session's end.
const FINISHER: &str = "record-end";

/// The session's recording, for the panic hook ([`Recorder::finish_on_panic`]).
static ACTIVE: Mutex<Option<Weak<Queue>>> = Mutex::new(None);

/// One entry the session and its threads hand the writer.
enum Queued {
    /// Output kept as this many bytes, next in [`Waiting::bytes`], and this many stretches
    /// left out of them, next in [`Waiting::stretches`] (see [`kept`]).
    Output(Duration, usize, usize),
    /// This many bytes of input, next in [`Waiting::bytes`].
    Input(Duration, usize),
    Resize(Duration, u16, u16),
    Marker(Duration, String),
}

/// What is waiting for the writer, in order; it takes all of it at once.
#[derive(Default)]
struct Waiting {
    entries: Vec<Queued>,
    /// The bytes of the output and input entries, back to back.
    bytes: Vec<u8>,
    /// The stretches left out of the output entries' bytes, in order.
    stretches: Vec<Stretch>,
    /// How many bytes of output and input the entries stand for, stretches counted.
    stand_for: usize,
    /// The writer sleeps until an entry comes: the next sender wakes it.
    asleep: bool,
    /// No handle is left (the writer writes what is here and ends), or the writer has ended
    /// (the disk is full, say: what comes is dropped, the session goes on).
    closed: bool,
}

impl Waiting {
    /// The memory the queue holds: the bytes, and the entries and stretches, which are all a
    /// flood kept as counts adds (an endless one must not grow it for ever).
    fn held(&self) -> usize {
        self.bytes.len()
            + self.entries.len() * size_of::<Queued>()
            + self.stretches.len() * size_of::<Stretch>()
    }
}

/// What the handles and the writer share.
struct Queue {
    waiting: Mutex<Waiting>,
    /// How many bytes of output and input wait ([`Waiting::stand_for`]), and the memory the
    /// queue holds for them ([`Waiting::held`]): what the writer watches a flood and the room
    /// by without taking the lock. A nice-19 thread preempted while holding it would stop the
    /// relay for as long as the busy cores leave it waiting.
    poured: AtomicUsize,
    held: AtomicUsize,
    /// The writer waits here for entries.
    wake: Condvar,
    /// A sender waits here while the queue holds `most_waiting` bytes.
    taken: Condvar,
    /// [`MOST_WAITING`], but for tests.
    most_waiting: usize,
    /// Steps written so far: the session's end waits as long as this goes up.
    steps: AtomicUsize,
    /// The file and the batch being written to it. Whoever holds it writes the next step: the
    /// writer thread, or at the session's end a thread at normal priority (a busy machine
    /// would leave the nice-19 writer next to no time, and the user waits for the end).
    writing: Mutex<Writing>,
}

impl Queue {
    /// An empty queue writing to `file`, whose senders wait beyond `most_waiting` bytes.
    fn new(file: File, most_waiting: usize) -> Self {
        Self {
            waiting: Mutex::default(),
            poured: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            wake: Condvar::new(),
            taken: Condvar::new(),
            most_waiting,
            steps: AtomicUsize::new(0),
            writing: Mutex::new(Writing::new(file)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiting> {
        // Nothing panics while holding the lock; if something did, the entries are still whole.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn writing(&self) -> MutexGuard<'_, Writing> {
        self.writing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes until nothing waits, a step at a time; false if the file failed.
    fn drain(&self) -> bool {
        loop {
            let mut file = self.writing();
            if file.failed {
                return false;
            }
            if file.next == file.batch.entries.len() {
                let mut waiting = self.lock();
                if waiting.entries.is_empty() {
                    return true;
                }
                file.take(&mut waiting);
                self.poured.store(0, Relaxed);
                self.held.store(0, Relaxed);
                self.taken.notify_all();
            }
            if file.step().is_err() {
                file.failed = true;
                let mut waiting = self.lock();
                *waiting = Waiting {
                    closed: true,
                    ..Waiting::default()
                };
                self.poured.store(0, Relaxed);
                self.held.store(0, Relaxed);
                self.taken.notify_all();
                return false;
            }
            self.steps.fetch_add(1, Relaxed);
        }
    }

    /// Writes what is queued from a thread at the caller's priority, waiting for it while the
    /// file takes it; false if it failed, or took nothing for [`FINISH_WAIT`].
    fn finish(self: &Arc<Self>) -> bool {
        let (done, wait) = sync_channel(1);
        let queue = Arc::clone(self);
        let finisher = std::thread::Builder::new()
            .name(FINISHER.into())
            .spawn(move || {
                let _ = done.send(queue.drain());
            });
        if finisher.is_err() {
            return false;
        }
        let mut seen = self.steps.load(Relaxed);
        loop {
            match wait.recv_timeout(FINISH_WAIT) {
                Ok(complete) => return complete,
                Err(RecvTimeoutError::Timeout) if self.steps.load(Relaxed) != seen => {
                    seen = self.steps.load(Relaxed);
                }
                Err(_) => return false,
            }
        }
    }

    /// Queues the entry `add` makes, having put its bytes into the queue; wakes the writer if
    /// it sleeps.
    fn push(&self, add: impl FnOnce(&mut Waiting) -> Queued) {
        let mut waiting = self.lock();
        while waiting.held() >= self.most_waiting && !waiting.closed {
            waiting = self
                .taken
                .wait(waiting)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if waiting.closed {
            return;
        }
        let entry = add(&mut waiting);
        self.poured.store(waiting.stand_for, Relaxed);
        self.held.store(waiting.held(), Relaxed);
        waiting.entries.push(entry);
        if std::mem::take(&mut waiting.asleep) {
            self.wake.notify_one();
        }
    }
}

struct Inner {
    queue: Arc<Queue>,
    start: Instant,
    input: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.queue.lock().closed = true;
        self.queue.wake.notify_one();
    }
}

/// A handle on the recording, cheap to clone; one made by [`Recorder::off`] does nothing.
#[derive(Clone)]
pub struct Recorder(Option<Arc<Inner>>);

impl Recorder {
    pub fn off() -> Self {
        Self(None)
    }

    /// Creates `path` (replacing what was there), writes the header and starts the writer.
    /// `input`: the user's keys are recorded too.
    pub fn start(
        path: &Path,
        cols: u16,
        rows: u16,
        command: &str,
        input: bool,
    ) -> io::Result<Self> {
        Self::start_with(path, cols, rows, command, input, MOST_WAITING)
    }

    fn start_with(
        path: &Path,
        cols: u16,
        rows: u16,
        command: &str,
        input: bool,
        most_waiting: usize,
    ) -> io::Result<Self> {
        let mut file = crate::output_file::open(path, crate::output_file::Mode::Replace)?;
        let timestamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let header = Header {
            version: 2,
            width: cols,
            height: rows,
            timestamp: Some(timestamp),
            command: Some(command.to_owned()),
        };
        file.write_all(header.to_line().as_bytes())?;
        let queue = Arc::new(Queue::new(file, most_waiting));
        *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::downgrade(&queue));
        let shared = Arc::clone(&queue);
        std::thread::Builder::new()
            .name(WRITER.into())
            .spawn(move || write_all(&shared))?;
        Ok(Self(Some(Arc::new(Inner {
            queue,
            start: Instant::now(),
            input,
        }))))
    }

    fn push(&self, add: impl FnOnce(Duration, &mut Waiting) -> Queued) {
        if let Some(inner) = &self.0 {
            let at = inner.start.elapsed();
            inner.queue.push(|waiting| add(at, waiting));
        }
    }

    /// Output as it reached the user.
    pub fn output(&self, bytes: &[u8]) {
        self.push(|at, waiting| {
            let before = waiting.stretches.len();
            let len = kept::keep(bytes, &mut waiting.bytes, &mut waiting.stretches);
            waiting.stand_for += bytes.len();
            Queued::Output(at, len, waiting.stretches.len() - before)
        });
    }

    /// What the relay writes output with: to the user's terminal, recorded as it goes.
    pub fn writer(&self) -> impl FnMut(&[u8]) -> bool + Send + 'static {
        let recorder = self.clone();
        move |bytes: &[u8]| {
            recorder.output(bytes);
            crate::pty::term::write_output(bytes)
        }
    }

    /// Keys the user typed, if input is recorded.
    pub fn input(&self, bytes: &[u8]) {
        if !bytes.is_empty() && self.0.as_ref().is_some_and(|inner| inner.input) {
            self.push(|at, waiting| {
                waiting.bytes.extend_from_slice(bytes);
                waiting.stand_for += bytes.len();
                Queued::Input(at, bytes.len())
            });
        }
    }

    /// An event of the session: a resize, or a marker saying what was decided and why.
    pub fn event(&self, event: &Event) {
        match event {
            Event::Resized { cols, rows } => self.push(|at, _| Queued::Resize(at, *cols, *rows)),
            _ => self.push(|at, _| Queued::Marker(at, event.summary())),
        }
    }

    /// Waits until everything sent so far is in the file, as long as the file takes it; says
    /// so on stderr (the terminal is the user's again) if it took nothing for [`FINISH_WAIT`]
    /// — a reader of a FIFO that stopped reading, a stalled disk — or the writer had failed.
    pub fn finish(&self) {
        if self.0.as_ref().is_some_and(|inner| !inner.queue.finish()) {
            to_stderr!(
                "autoapprove: --record: the recording is incomplete: the file took nothing \
                 for {} s (a full disk, or a reader that stopped reading)",
                FINISH_WAIT.as_secs()
            );
        }
    }

    /// What the panic hook calls: the recording of the session that is ending is made complete
    /// (while the file takes it), so a crash in a flood does not lose the flood — the part most
    /// worth replaying. Not from the recorder's own threads: one may hold the file's lock.
    pub fn finish_on_panic() {
        if matches!(std::thread::current().name(), Some(WRITER | FINISHER)) {
            return;
        }
        // `try_lock`: the panic may have come from a thread holding it.
        let active = ACTIVE.try_lock().ok().and_then(|a| a.as_ref()?.upgrade());
        if let Some(queue) = active {
            queue.finish();
        }
    }
}

/// The writer: sleeps until an entry comes, lets more gather (see [`hold_off`]), and writes
/// them, one line per entry. If the file cannot be written (a full disk), the recording ends
/// there and the session goes on.
fn write_all(queue: &Queue) {
    // The relay, the screen model and the program itself are what the user waits for; the
    // recording can follow a flood a little behind (a full priority writer made floods up to
    // twice as slow on two cores). Nice applies to this thread alone on Linux.
    let _ = rustix::process::setpriority_process(None, WRITER_NICE);
    loop {
        {
            let mut waiting = queue.lock();
            while waiting.entries.is_empty() && !waiting.closed {
                waiting.asleep = true;
                waiting = queue
                    .wake
                    .wait(waiting)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if waiting.entries.is_empty() {
                return;
            }
        }
        hold_off(queue);
        if !queue.drain() {
            return;
        }
    }
}

/// Lets entries gather for [`GATHER`], and for as long as output keeps pouring in faster than
/// [`FLOOD`] while the queue is less than half full: on two cores the writer's JSON would take
/// its time from the program, the relay and the screen model. The flood is written once it has
/// passed (or the room runs short), when the cores have time for it.
fn hold_off(queue: &Queue) {
    let mut seen = 0;
    loop {
        std::thread::sleep(GATHER);
        let now = queue.poured.load(Relaxed);
        let held = queue.held.load(Relaxed);
        if !flood_goes_on(now, seen, held, queue.most_waiting) {
            return;
        }
        seen = now;
    }
}

/// Whether the writer goes on holding off, `now` bytes waiting in `held` bytes of the queue:
/// output still pours in (more than [`FLOOD`] since it saw `seen`) and there is room. Once the
/// handles are gone nothing more comes, so that ends it too; the session's end does not wait
/// for it anyway: it writes what is queued itself ([`Queue::finish`]).
fn flood_goes_on(now: usize, seen: usize, held: usize, most_waiting: usize) -> bool {
    now >= seen + FLOOD && held < most_waiting / 2
}

/// The file, and the batch being written to it with where the writing is.
struct Writing {
    file: File,
    output: Utf8Stream,
    input: Utf8Stream,
    /// JSON lines not yet written.
    lines: Vec<u8>,
    /// Entries taken from the queue, with their bytes.
    batch: Waiting,
    /// The next entry of `batch` to write, where its bytes start and its first stretch.
    next: usize,
    offset: usize,
    stretch: usize,
    /// The file could not be written: the recording has ended.
    failed: bool,
}

impl Writing {
    fn new(file: File) -> Self {
        Self {
            file,
            output: Utf8Stream::default(),
            input: Utf8Stream::default(),
            lines: Vec::new(),
            batch: Waiting::default(),
            next: 0,
            offset: 0,
            stretch: 0,
            failed: false,
        }
    }

    /// Takes everything waiting as the next batch (the last one is all written).
    fn take(&mut self, waiting: &mut Waiting) {
        self.batch.entries.clear();
        self.batch.bytes.clear();
        self.batch.stretches.clear();
        std::mem::swap(&mut waiting.entries, &mut self.batch.entries);
        std::mem::swap(&mut waiting.bytes, &mut self.batch.bytes);
        std::mem::swap(&mut waiting.stretches, &mut self.batch.stretches);
        waiting.stand_for = 0;
        (self.next, self.offset, self.stretch) = (0, 0, 0);
    }

    /// Writes the batch's next entries, up to [`WRITE_BATCH`] of JSON, with one system call,
    /// each line whole; at the batch's end, gives back the room a flood took.
    fn step(&mut self) -> io::Result<()> {
        while self.next < self.batch.entries.len() && self.lines.len() < WRITE_BATCH {
            let lines = &mut self.lines;
            let bytes = &self.batch.bytes[self.offset..];
            match &self.batch.entries[self.next] {
                Queued::Output(at, len, count) => {
                    let stretches = &self.batch.stretches[self.stretch..self.stretch + count];
                    self.output
                        .write_line(at.as_secs_f64(), "o", &bytes[..*len], stretches, lines);
                    (self.offset, self.stretch) = (self.offset + len, self.stretch + count);
                }
                Queued::Input(at, len) => {
                    self.input
                        .write_line(at.as_secs_f64(), "i", &bytes[..*len], &[], lines);
                    self.offset += len;
                }
                Queued::Resize(at, cols, rows) => write_entry(
                    *at,
                    Kind::Resize {
                        cols: *cols,
                        rows: *rows,
                    },
                    lines,
                ),
                Queued::Marker(at, label) => write_entry(*at, Kind::Marker(label.clone()), lines),
            }
            self.next += 1;
        }
        self.file.write_all(&self.lines)?;
        self.lines.clear();
        if self.next == self.batch.entries.len() {
            self.lines.shrink_to(KEEP);
            self.batch.entries.clear();
            self.batch.entries.shrink_to(KEEP_ENTRIES);
            self.batch.bytes.clear();
            self.batch.bytes.shrink_to(KEEP);
            self.batch.stretches.clear();
            self.batch.stretches.shrink_to(KEEP_ENTRIES);
            (self.next, self.offset, self.stretch) = (0, 0, 0);
        }
        Ok(())
    }
}

fn write_entry(at: Duration, kind: Kind, lines: &mut Vec<u8>) {
    let entry = Entry {
        at: at.as_secs_f64(),
        kind,
    };
    entry.write_line(lines);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a recording holds after its header.
    fn entries(path: &Path) -> Vec<Kind> {
        let text = std::fs::read_to_string(path).unwrap();
        text.lines()
            .skip(1)
            .map(|line| Entry::parse(line).unwrap().unwrap().kind)
            .collect()
    }

    /// The output a recording holds, all its output events' text joined.
    fn recorded_output(path: &Path) -> String {
        entries(path)
            .into_iter()
            .filter_map(|kind| match kind {
                Kind::Output(text) => Some(text),
                _ => None,
            })
            .collect()
    }

    /// Entries from the session's threads share one queue of bytes: each is written in the
    /// order it came, with its own bytes, a character cut between two reads whole.
    #[test]
    fn entries_are_written_in_order_each_with_its_own_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.cast");
        let recorder = Recorder::start(&path, 80, 24, "sh", true).unwrap();
        recorder.output(b"one ");
        recorder.input(b"y\r");
        recorder.event(&Event::Resized {
            cols: 100,
            rows: 30,
        });
        recorder.output(b"two \xe2\x94");
        recorder.output(b"\x80!");
        recorder.finish();
        assert_eq!(
            entries(&path),
            [
                Kind::Output("one ".into()),
                Kind::Input("y\r".into()),
                Kind::Resize {
                    cols: 100,
                    rows: 30
                },
                Kind::Output("two ".into()),
                Kind::Output("─!".into()),
            ]
        );
    }

    /// Below its limit the queue takes whatever comes without waiting, however far behind the
    /// writer is (here there is none at all): a flood is never slowed by the recording.
    #[test]
    fn below_its_limit_the_queue_never_makes_a_sender_wait() {
        let queue = Arc::new(Queue::new(tempfile::tempfile().unwrap(), 2 << 20));
        let (done, pushed) = sync_channel(1);
        let sender = Arc::clone(&queue);
        std::thread::spawn(move || {
            let chunk = [b'x'; 4096];
            for k in 0..(1 << 20) / chunk.len() {
                sender.push(|waiting| {
                    waiting.bytes.extend_from_slice(&chunk);
                    Queued::Output(Duration::from_millis(k as u64), chunk.len(), 0)
                });
            }
            let _ = done.send(());
        });
        pushed
            .recv_timeout(Duration::from_secs(30))
            .expect("a sender waited with the queue below its limit");
        let waiting = queue.lock();
        assert_eq!((waiting.entries.len(), waiting.bytes.len()), (256, 1 << 20));
    }

    /// The writer holds off while output pours in, and not once the room is half used or the
    /// output slows.
    #[test]
    fn the_writer_holds_off_only_while_a_flood_goes_on() {
        let most = 4 * FLOOD;
        assert!(flood_goes_on(FLOOD, 0, FLOOD, most));
        assert!(flood_goes_on(3 * FLOOD / 2, FLOOD / 2, FLOOD, most));
        assert!(!flood_goes_on(FLOOD - 1, 0, FLOOD - 1, most), "slow output");
        assert!(
            !flood_goes_on(3 * FLOOD, FLOOD, 2 * FLOOD, most),
            "half full"
        );
        assert!(
            flood_goes_on(3 * FLOOD, FLOOD, 100, most),
            "a flood kept as counts takes no room"
        );
    }

    /// Floods of bytes never in a character, kept as counts, read back as the lossy text of
    /// the output however it was cut into chunks: after the start of a character, between
    /// characters, across chunks.
    #[test]
    fn a_flood_kept_as_counts_reads_back_as_its_lossy_text() {
        let mut stream = b"ok \xe2\x94".to_vec();
        stream.extend_from_slice(&[0xff; 300]);
        stream.extend_from_slice("\u{2500} \u{1f600}".as_bytes());
        stream.extend_from_slice(&[0xc0; 200]);
        stream.extend_from_slice(b"\xf0\x9f\x98");
        stream.extend_from_slice(&[0xf5; 129]);
        stream.extend_from_slice(b" end");
        let dir = tempfile::tempdir().unwrap();
        for cut in [1, 3, 64, 100, 4096] {
            let path = dir.path().join(format!("{cut}.cast"));
            let recorder = Recorder::start(&path, 80, 24, "cat", false).unwrap();
            for chunk in stream.chunks(cut) {
                recorder.output(chunk);
            }
            recorder.finish();
            let text = recorded_output(&path);
            assert_eq!(text, String::from_utf8_lossy(&stream), "chunks of {cut}");
        }
    }

    /// A flood kept as counts adds no bytes, only entries: they count towards the room too, so
    /// that an endless one makes the writer write and the sender wait, as any flood does.
    #[test]
    fn a_flood_kept_as_counts_fills_the_room_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.cast");
        let most_waiting = 64 << 10;
        let recorder = Recorder::start_with(&path, 80, 24, "cat", false, most_waiting).unwrap();
        let queue = &recorder.0.as_ref().unwrap().queue;
        let chunk = [0xff; 64];
        let chunks = 20_000;
        let mut most_held = 0;
        for _ in 0..chunks {
            recorder.output(&chunk);
            most_held = most_held.max(queue.lock().held());
        }
        let entry = size_of::<Queued>() + size_of::<Stretch>();
        assert!(most_held <= most_waiting + entry, "{most_held}");
        recorder.finish();
        let text = recorded_output(&path);
        assert_eq!(text.chars().count(), chunks * chunk.len());
        assert!(text.chars().all(|c| c == '\u{fffd}'));
    }

    /// More than the queue holds, faster than one batch: the relay waits for the writer and
    /// nothing is lost.
    #[test]
    fn a_flood_beyond_the_queue_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.cast");
        let most_waiting = 1 << 20;
        let recorder = Recorder::start_with(&path, 80, 24, "cat", false, most_waiting).unwrap();
        let chunk: Vec<u8> = b"abcdefghijklmnopqrstuvwxyz".repeat(630);
        let chunks = 8 * most_waiting / chunk.len();
        for _ in 0..chunks {
            recorder.output(&chunk);
        }
        recorder.finish();
        assert_eq!(recorded_output(&path).len(), chunks * chunk.len());
    }
}
