//! The session's inbox: the one channel every thread reports through, carrying one enum. The
//! session's loop reads it in one place; signals and the child's exit are its only other inputs.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::background::protocol::Action;
use crate::guard::supervisor::Report;

/// What a thread tells the session.
#[derive(Debug)]
pub enum Message {
    /// Relay: output came while the session was listening for it.
    Output,
    /// Relay: writing to stdout failed (whoever read it is gone); it stops writing, not reading.
    StdoutGone,
    /// Relay: the PTY reached its end (every slave fd is closed).
    PtyClosed,
    /// Keyboard: the user pressed the hotkey `toggles` times (taken out of the keys), Ctrl-C
    /// (`interrupt`), or the overlay test key (`test_box`).
    Keys {
        toggles: usize,
        interrupt: bool,
        test_box: bool,
    },
    /// Keyboard: what the user typed while the overlay reads the keys (none reached the child).
    OverlayKeys(Vec<u8>),
    /// Keyboard: stdin reached its end or failed; nothing more will come.
    StdinClosed,
    /// Guard: a call that waits for the person, or one decided that is worth a log line.
    Guard(Report),
    /// Background: a client answered question `seq`.
    Responded { seq: u64, action: Action },
}

/// A thread's handle on the inbox.
#[derive(Debug, Clone)]
pub struct Sender(UnboundedSender<Message>);

impl Sender {
    /// Delivers `message`; false once the session is gone (the thread may then stop).
    pub fn send(&self, message: Message) -> bool {
        self.0.send(message).is_ok()
    }
}

/// The session's end of the inbox.
pub type Receiver = UnboundedReceiver<Message>;

pub fn channel() -> (Sender, Receiver) {
    let (tx, rx) = unbounded_channel();
    (Sender(tx), rx)
}
