//! The output gate: what orders every write to the user's terminal (the child's output,
//! autoapprove's own drawing), and the pause that holds the child's output while autoapprove
//! draws over it. No lock is held across a write: one that blocks cannot stall an exit.
//!
//! A PTY read can end anywhere, even inside an escape sequence or a UTF-8 character; the gate
//! follows the stream with a [`Tracker`] so a pause begins only between sequences and characters
//! — what autoapprove writes then never lands inside one of the child's. While paused, the relay
//! keeps what it read and stops reading, so the child blocks on a full PTY; on resume the rest
//! goes out in order.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Where the stream is, as a terminal's parser sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tracker {
    #[default]
    Ground,
    /// Inside a UTF-8 character, this many continuation bytes to come.
    Utf8(u8),
    Escape,
    EscapeIntermediate,
    Csi,
    /// OSC, DCS, SOS, PM, APC: ended by ST (`ESC \`), OSC also by BEL. The ESC of ST needs no
    /// state of its own: `\` after a plain ESC ends an escape sequence just the same.
    String {
        osc: bool,
    },
}

const ESC: u8 = 0x1b;
const CAN: u8 = 0x18;
const SUB: u8 = 0x1a;
const BEL: u8 = 0x07;

impl Tracker {
    pub fn at_ground(self) -> bool {
        self == Self::Ground
    }

    /// The state after one more byte. One arm per transition, as the terminal's parser has
    /// them, even where two lead to the same state.
    #[must_use]
    #[allow(clippy::match_same_arms)]
    pub fn step(self, byte: u8) -> Self {
        match (self, byte) {
            // ESC starts a sequence from anywhere (aborting a character or another sequence, or
            // beginning a string's ST); CAN and SUB abort to ground.
            (_, ESC) => Self::Escape,
            (_, CAN | SUB) => Self::Ground,
            (Self::Ground, 0xc2..=0xdf) => Self::Utf8(1),
            (Self::Ground, 0xe0..=0xef) => Self::Utf8(2),
            (Self::Ground, 0xf0..=0xf4) => Self::Utf8(3),
            (Self::Ground, _) => Self::Ground,
            (Self::Utf8(n), 0x80..=0xbf) if n > 1 => Self::Utf8(n - 1),
            (Self::Utf8(_), 0x80..=0xbf) => Self::Ground,
            // A broken character: the byte starts afresh.
            (Self::Utf8(_), b) => Self::Ground.step(b),
            (Self::Escape, b'[') => Self::Csi,
            (Self::Escape, b']') => Self::String { osc: true },
            (Self::Escape, b'P' | b'X' | b'^' | b'_') => Self::String { osc: false },
            (Self::Escape | Self::EscapeIntermediate, 0x20..=0x2f) => Self::EscapeIntermediate,
            (Self::Escape | Self::EscapeIntermediate, 0x30..=0x7e) => Self::Ground,
            (Self::Csi, 0x40..=0x7e) => Self::Ground,
            (Self::String { osc: true }, BEL) => Self::Ground,
            // Parameters, intermediates, string bodies and executed controls keep the state.
            (state, _) => state,
        }
    }

    /// The state after `bytes`. Only what follows the last ESC can matter (ESC restarts the
    /// parser from any state), so plain text costs one backwards search and a look at its end.
    #[must_use]
    pub fn advance(self, bytes: &[u8]) -> Self {
        if let Some(last) = memchr::memrchr(ESC, bytes) {
            return Self::run(Self::Ground, &bytes[last..]);
        }
        match self {
            Self::Ground | Self::Utf8(_) => {
                // Finish a character split by the last chunk, then only the end can be open.
                let head = bytes.len().min(3);
                let state = Self::run(self, &bytes[..head]);
                let tail = bytes.len().saturating_sub(4).max(head);
                Self::run(state, &bytes[tail..])
            }
            _ => Self::run(self, bytes),
        }
    }

    fn run(self, bytes: &[u8]) -> Self {
        bytes.iter().fold(self, |state, &b| state.step(b))
    }

    /// How many of `bytes` take the stream to ground (at least one byte), if they do.
    fn ground_within(self, bytes: &[u8]) -> Option<usize> {
        let mut state = self;
        for (i, &b) in bytes.iter().enumerate() {
            state = state.step(b);
            if state.at_ground() {
                return Some(i + 1);
            }
        }
        None
    }
}

#[derive(Debug, Default)]
struct State {
    tracker: Tracker,
    /// Pauses in force (a banner may be drawn while a box holds the output).
    paused: usize,
    /// A pause is asked for; it begins when the stream reaches ground.
    pausing: bool,
    /// The relay is writing (outside the lock): nothing else may write to the terminal now.
    writing: bool,
    /// Callers of [`Gate::pause`] waiting for the relay: only then does a write end with a
    /// wake-up (a system call per chunk otherwise, for nobody).
    waiting: usize,
}

/// The gate, shared by the relay and the overlay.
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<State>,
    changed: Condvar,
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The relay's way out: `write` gets the child's bytes in order, each part once, whenever the
    /// gate is open (it waits while paused). `write` runs outside the gate's lock, marked as in
    /// flight: a write that blocks (a stdout nobody reads) holds up no one but the relay — a pause
    /// waits for it only as long as it was willing to wait.
    pub fn relay(&self, mut bytes: &[u8], mut write: impl FnMut(&[u8])) {
        let mut state = self.lock();
        while !bytes.is_empty() {
            if state.paused > 0 {
                state = self
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // Up to where a pause asked for can begin, or all of it.
            let ground = if state.pausing {
                state.tracker.ground_within(bytes)
            } else {
                None
            };
            let part = &bytes[..ground.unwrap_or(bytes.len())];
            state.tracker = if ground.is_some() {
                Tracker::Ground
            } else {
                state.tracker.advance(part)
            };
            state.writing = true;
            drop(state);
            write(part);
            state = self.lock();
            state.writing = false;
            // Unless the pause stopped waiting meanwhile (this write took too long).
            if ground.is_some() && state.pausing {
                state.pausing = false;
                state.paused = 1;
            }
            if state.waiting > 0 {
                self.changed.notify_all();
            }
            bytes = &bytes[part.len()..];
        }
    }

    /// Holds the child's output at a point between sequences, waiting up to `wait` for the
    /// stream to get there (and for a write in flight to finish); `None` if it did not (the child
    /// stopped inside a sequence, or stdout takes nothing). The output is held until the
    /// [`Held`] is dropped; pauses nest (a banner over an open box).
    pub fn pause(self: &Arc<Self>, wait: Duration) -> Option<Held> {
        self.begin_pause(wait).then(|| Held(Arc::clone(self)))
    }

    fn begin_pause(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut state = self.lock();
        // A write in flight first: nothing may be written beside it.
        while state.writing {
            let Some(later) = self.wait_until(state, deadline) else {
                return false;
            };
            state = later;
        }
        // Already paused means already between sequences.
        if state.paused > 0 || state.tracker.at_ground() {
            state.paused += 1;
            return true;
        }
        state.pausing = true;
        while state.paused == 0 {
            let Some(later) = self.wait_until(state, deadline) else {
                let mut state = self.lock();
                // Begun meanwhile: the relay only begins a pause still asked for.
                if state.paused > 0 {
                    return true;
                }
                state.pausing = false;
                return false;
            };
            state = later;
        }
        true
    }

    /// Waits for a change, until `deadline`; `None` (the lock let go) once it has passed.
    fn wait_until<'s>(
        &'s self,
        mut state: MutexGuard<'s, State>,
        deadline: Instant,
    ) -> Option<MutexGuard<'s, State>> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        state.waiting += 1;
        let mut state = self
            .changed
            .wait_timeout(state, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        state.waiting -= 1;
        Some(state)
    }

    fn end_pause(&self) {
        let mut state = self.lock();
        state.paused = state.paused.saturating_sub(1);
        if state.paused == 0 {
            self.changed.notify_all();
        }
    }

    /// Whether the child's output is held.
    pub fn is_paused(&self) -> bool {
        self.lock().paused > 0
    }
}

/// The child's output is held while this lives.
pub struct Held(Arc<Gate>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.end_pause();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tracker_knows_when_the_stream_is_between_sequences() {
        let cases: &[(&[u8], Tracker)] = &[
            (b"plain text", Tracker::Ground),
            (b"\x1b[31", Tracker::Csi),
            (b"\x1b[31mred", Tracker::Ground),
            (b"\x1b]2;title", Tracker::String { osc: true }),
            (b"\x1b]2;title\x07", Tracker::Ground),
            (b"\x1bP+q\x1b", Tracker::Escape),
            (b"\x1bP+q\x1b\\", Tracker::Ground),
            (b"\x1b(", Tracker::EscapeIntermediate),
            (b"\x1b(0", Tracker::Ground),
            ("ab\u{65e5}".as_bytes(), Tracker::Ground),
            (&"ab\u{65e5}".as_bytes()[..3], Tracker::Utf8(2)),
            (b"\x1b[3\x18", Tracker::Ground),
        ];
        for (bytes, want) in cases {
            assert_eq!(Tracker::Ground.advance(bytes), *want, "{bytes:?}");
            // Byte by byte, in any chunking, the same.
            let mut t = Tracker::Ground;
            for b in bytes.chunks(1) {
                t = t.advance(b);
            }
            assert_eq!(t, *want, "{bytes:?} byte by byte");
        }
        // A long run of text after a split character finishes the character.
        let long = [&"\u{65e5}".as_bytes()[1..], &[b'x'; 100][..]].concat();
        assert_eq!(Tracker::Utf8(2).advance(&long), Tracker::Ground);
    }

    #[test]
    fn a_pause_waits_for_the_end_of_a_sequence_and_holds_the_rest() {
        let gate = Arc::new(Gate::default());
        let written = Arc::new(Mutex::new(Vec::new()));
        let write = |w: &Arc<Mutex<Vec<u8>>>| {
            let w = Arc::clone(w);
            move |b: &[u8]| w.lock().unwrap().extend_from_slice(b)
        };
        gate.relay(b"ab\x1b[3", write(&written));
        let relay = {
            let (gate, written) = (Arc::clone(&gate), Arc::clone(&written));
            std::thread::spawn(move || {
                // Waits for the pause to be asked for, then sends the rest of the sequence.
                while !gate.lock().pausing {
                    std::thread::yield_now();
                }
                gate.relay(b"1mred", write(&written));
            })
        };
        let paused = gate.pause(Duration::from_secs(20)).expect("reached ground");
        assert_eq!(
            *written.lock().unwrap(),
            b"ab\x1b[31m",
            "stopped right after the CSI"
        );
        drop(paused);
        relay.join().unwrap();
        assert_eq!(*written.lock().unwrap(), b"ab\x1b[31mred");
    }

    #[test]
    fn pauses_nest() {
        let gate = Arc::new(Gate::default());
        let held = gate.pause(Duration::from_secs(1)).unwrap();
        drop(gate.pause(Duration::from_secs(1)).unwrap());
        assert!(gate.is_paused(), "a banner's pause ends, the box's goes on");
        drop(held);
        assert!(!gate.is_paused());
    }

    /// A write that never returns (a stdout nobody reads) stalls only the relay: a pause gives up
    /// at its deadline, and later pauses are not held up by the lock.
    #[test]
    fn a_blocked_write_holds_up_no_pause_beyond_its_wait() {
        let gate = Arc::new(Gate::default());
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let (started, in_write) = std::sync::mpsc::channel::<()>();
        let relay = {
            let gate = Arc::clone(&gate);
            std::thread::spawn(move || {
                gate.relay(b"text", |_| {
                    started.send(()).unwrap();
                    blocked.recv().unwrap();
                });
            })
        };
        in_write.recv().unwrap();
        assert!(gate.pause(Duration::from_millis(50)).is_none());
        assert!(!gate.is_paused(), "the lock is free while the write blocks");
        release.send(()).unwrap();
        relay.join().unwrap();
        assert!(gate.pause(Duration::from_secs(5)).is_some());
    }

    #[test]
    fn a_stream_stuck_inside_a_sequence_is_not_paused() {
        let gate = Arc::new(Gate::default());
        gate.relay(b"\x1b]2;tit", |_| {});
        assert!(gate.pause(Duration::from_millis(1)).is_none());
        assert!(!gate.is_paused());
    }
}
