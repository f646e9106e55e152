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
use crate::record::Recorder;

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
    /// Once after the user typed: `Some(pending)`, where `pending` says they have typed text
    /// and not submitted it yet (see `line_pending_after`). `None` until they type again.
    pub fn take(&self) -> Option<bool> {
        let flags = self.0.fetch_and(!TYPED, Relaxed);
        (flags & TYPED != 0).then_some(flags & PENDING != 0)
    }
}

/// Whether the user has a line of theirs waiting after typing `keys`, given whether they had one
/// before. A key that submits the line (Enter) or discards it (Ctrl-C, Ctrl-D, Ctrl-U) ends it;
/// text typed after the last such key starts one; keys that type no text (arrows, Escape,
/// function keys: escape sequences and other control keys) change nothing. Enter and the
/// control keys are recognised in the legacy and the kitty keyboard form.
fn line_pending_after(keys: &[u8], before: bool) -> bool {
    let mut pending = before;
    let mut i = 0;
    while i < keys.len() {
        match keys[i] {
            b'\r' | b'\n' | 0x03 | 0x04 | 0x15 => pending = false,
            0x1b => {
                let (len, ends_line) = escape_sequence(&keys[i..]);
                if ends_line {
                    pending = false;
                }
                i += len;
                continue;
            }
            0x00..=0x1f | 0x7f => {}
            _ => pending = true,
        }
        i += 1;
    }
    pending
}

/// The length of the escape sequence at the start of `keys`, and whether it is a key that ends
/// the line (kitty's Enter, Ctrl-C, Ctrl-D, Ctrl-U).
fn escape_sequence(keys: &[u8]) -> (usize, bool) {
    const ENDS_LINE: [&[u8]; 5] = [
        b"\x1b[13u",
        b"\x1b[13;1u",
        b"\x1b[99;5u",
        b"\x1b[100;5u",
        b"\x1b[117;5u",
    ];
    let len = match keys.get(1) {
        // CSI: parameters and intermediates, then one final byte.
        Some(b'[') => keys[2..]
            .iter()
            .position(|b| (0x40..=0x7e).contains(b))
            .map_or(keys.len(), |end| end + 3),
        // SS3 (`ESC O A`) and Alt with a key (`ESC x`).
        Some(b'O') => 3.min(keys.len()),
        Some(_) => 2,
        None => 1,
    };
    let sequence = &keys[..len];
    (len, ENDS_LINE.contains(&sequence))
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
    /// At the end of a stdin that is a pipe or a file, give the child the terminal's end-of-file
    /// (as `script` does), so `printf 'x\n' | autoapprove -- cat` ends.
    pub end_of_input: bool,
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
    recorder: Recorder,
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
            // The user has typed text they have not submitted (see `line_pending_after`).
            let mut line_pending = false;
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
                        // The session hears of Ctrl-C before the child sees it (a child that
                        // exits on SIGINT must not end the session before the hand-over is
                        // told), with any hotkey in the same read first: Ctrl-C has the last
                        // word. A hotkey alone goes after the keys before it: resuming looks at
                        // a screen that has had them.
                        let mut heard =
                            (toggles > 0 || interrupt || test_box).then_some(Message::Keys {
                                toggles,
                                interrupt,
                                test_box,
                            });
                        if interrupt && heard.take().is_some_and(|keys| !inbox.send(keys)) {
                            return;
                        }
                        // The child's side may be gone; the session notices through the relay.
                        // Recorded first: what the child answers to it comes after it.
                        recorder.input(&bytes);
                        let _ = pty.write_all(&bytes);
                        if !bytes.is_empty() {
                            line_pending = line_pending_after(&bytes, line_pending);
                            let pending = if line_pending { PENDING } else { 0 };
                            typed.store(TYPED | pending, Relaxed);
                        }
                        if heard.is_some_and(|keys| !inbox.send(keys)) {
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
            if keys.end_of_input && !terminal && input_can_end() {
                end_of_file(&mut pty, line_pending);
            }
            inbox.send(Message::StdinClosed);
        })?;
    Ok((typing, route))
}

/// Whether stdin is input that ended — a pipe, a file — rather than no input at all: `/dev/null`
/// (a device) is how a job says nobody will type, and then autoapprove's answers are the input.
fn input_can_end() -> bool {
    use rustix::fs::FileType;
    rustix::fs::fstat(rustix::stdio::stdin()).is_ok_and(|s| {
        !matches!(
            FileType::from_raw_mode(s.st_mode),
            FileType::CharacterDevice
        )
    })
}

/// Types the end-of-file character of the child's terminal (`VEOF`, usually Ctrl-D): at the
/// start of a line it ends the input; after text not yet ended by Enter it first passes that text
/// on, so a second one ends the input.
fn end_of_file(pty: &mut File, line_pending: bool) {
    let eof = rustix::termios::tcgetattr(&*pty).map_or(0x04, |t| {
        t.special_codes[rustix::termios::SpecialCodeIndex::VEOF]
    });
    let times = if line_pending { 2 } else { 1 };
    let _ = pty.write_all(&vec![eof; times]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_starts_a_line_and_enter_or_ctrl_c_ends_it() {
        assert!(line_pending_after(b"echo hi", false));
        assert!(!line_pending_after(b"echo hi\r", false));
        assert!(line_pending_after(b"ls\rgit st", false));
        assert!(!line_pending_after(b"\x03", true));
        assert!(!line_pending_after(b"\x1b[13u", true), "kitty Enter");
        assert!(!line_pending_after(b"abc\x1b[99;5u", false), "kitty Ctrl-C");
    }

    #[test]
    fn keys_that_type_no_text_change_nothing() {
        for keys in [
            &b"\x1b"[..],
            b"\x1b[A",
            b"\x1bOB",
            b"\x1b[1;5C",
            b"\x7f",
            b"\x1b[200~",
        ] {
            assert!(!line_pending_after(keys, false), "{keys:?}");
            assert!(line_pending_after(keys, true), "{keys:?}");
        }
    }
}
