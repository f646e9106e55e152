//! Session recordings: `--record FILE.cast` writes what the program showed, the window's resizes,
//! (with `--record-input`) what the user typed, and a marker at every decision, as an asciicast
//! v2 file that asciinema plays; `autoapprove replay` reads one back through the current rules
//! ([`replay`]).
//!
//! The relay only copies each chunk into a channel; a thread of its own turns entries into JSON
//! lines and writes them as soon as it has them (what queued up meanwhile in one write, never a
//! line in two), so the relay never waits on the disk (unless the channel fills, as a terminal
//! that stops reading would stop it) and a crash loses only what had not reached the writer.

pub mod cast;
pub mod replay;

use std::fs::File;
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant, SystemTime};

use crate::events::Event;
use cast::{Entry, Header, Kind, Utf8Stream};

/// Entries waiting for the writer: several MiB of output at the PTY's 4 KiB reads.
const QUEUE: usize = 1024;
/// How much of the queue the writer writes with one system call.
const WRITE_BATCH: usize = 64 * 1024;
/// How long the session's end waits for the writer to catch up.
const FINISH_WAIT: Duration = Duration::from_secs(5);

/// What the session and its threads hand the writer.
enum Raw {
    Output(Duration, Vec<u8>),
    Input(Duration, Vec<u8>),
    Resize(Duration, u16, u16),
    Marker(Duration, String),
    /// Everything before this is written: say so.
    Flush(SyncSender<()>),
}

struct Inner {
    to: SyncSender<Raw>,
    start: Instant,
    input: bool,
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
        let mut file = File::create(path)?;
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
        let (to, from) = sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("record".into())
            .spawn(move || write_all(file, &from))?;
        Ok(Self(Some(Arc::new(Inner {
            to,
            start: Instant::now(),
            input,
        }))))
    }

    fn send(&self, make: impl FnOnce(Duration) -> Raw) {
        if let Some(inner) = &self.0 {
            let _ = inner.to.send(make(inner.start.elapsed()));
        }
    }

    /// Output as it reached the user.
    pub fn output(&self, bytes: &[u8]) {
        self.send(|at| Raw::Output(at, bytes.to_vec()));
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
            self.send(|at| Raw::Input(at, bytes.to_vec()));
        }
    }

    /// An event of the session: a resize, or a marker saying what was decided and why.
    pub fn event(&self, event: &Event) {
        match event {
            Event::Resized { cols, rows } => self.send(|at| Raw::Resize(at, *cols, *rows)),
            _ => self.send(|at| Raw::Marker(at, event.summary())),
        }
    }

    /// Waits (a bounded time) until everything sent so far is in the file.
    pub fn finish(&self) {
        if let Some(inner) = &self.0 {
            let (done, wait) = sync_channel(1);
            if inner.to.send(Raw::Flush(done)).is_ok() {
                let _ = wait.recv_timeout(FINISH_WAIT);
            }
        }
    }
}

/// The writer: one line per entry. What has queued up while it wrote is written at once, up to
/// [`WRITE_BATCH`] (a flood costs a system call per batch, not per read), each line whole.
fn write_all(mut file: File, from: &Receiver<Raw>) {
    let (mut output, mut input) = (Utf8Stream::default(), Utf8Stream::default());
    let mut lines = Vec::new();
    while let Ok(first) = from.recv() {
        let mut next = Some(first);
        while let Some(raw) = next.take() {
            match raw {
                Raw::Output(at, bytes) => {
                    output.write_line(at.as_secs_f64(), "o", &bytes, &mut lines);
                }
                Raw::Input(at, bytes) => {
                    input.write_line(at.as_secs_f64(), "i", &bytes, &mut lines);
                }
                Raw::Resize(at, cols, rows) => {
                    write_entry(at, Kind::Resize { cols, rows }, &mut lines);
                }
                Raw::Marker(at, label) => write_entry(at, Kind::Marker(label), &mut lines),
                Raw::Flush(done) => {
                    // A full disk must not stop the session: the recording just ends there.
                    if file.write_all(&lines).is_err() {
                        return;
                    }
                    lines.clear();
                    let _ = done.send(());
                }
            }
            if lines.len() < WRITE_BATCH {
                next = from.try_recv().ok();
            }
        }
        if file.write_all(&lines).is_err() {
            return;
        }
        lines.clear();
    }
}

fn write_entry(at: Duration, kind: Kind, lines: &mut Vec<u8>) {
    let entry = Entry {
        at: at.as_secs_f64(),
        kind,
    };
    entry.write_line(lines);
}
