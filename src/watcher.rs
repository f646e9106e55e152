//! The watcher: a thread that owns the screen model. The session hands it every chunk of the
//! child's output after relaying it, so parsing never delays what the user sees, and asks it,
//! when output settles, what the screen shows; the answer comes back on a channel the session's
//! loop waits on.
//!
//! It only models and detects; it never writes to the terminal or the child.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::config::Config;
use crate::detector::{self, Seen};
use crate::screen::Screen;

/// Chunks in flight at most (each up to 64 KiB): enough to ride out a scheduling hiccup, small
/// enough that memory stays flat; when full, the relay waits for the parser.
const QUEUE: usize = 8;

enum Message {
    Output(Vec<u8>),
    Resize(u16, u16),
    Detect,
}

pub struct Watcher {
    to: SyncSender<Message>,
}

impl Watcher {
    /// Starts the thread with a screen of `cols`×`rows`, detecting with `config`'s rules. The
    /// receiver gets what the screen showed, one answer per [`Watcher::detect`], in order.
    pub fn start(
        config: Arc<Config>,
        cols: u16,
        rows: u16,
    ) -> std::io::Result<(Self, UnboundedReceiver<Seen>)> {
        let (to, from) = sync_channel(QUEUE);
        let (answer, seen) = unbounded_channel();
        std::thread::Builder::new()
            .name("screen".into())
            .spawn(move || run(&config, Screen::new(cols, rows), &from, &answer))?;
        Ok((Self { to }, seen))
    }

    /// Hands over a chunk of output (after it reached the user).
    pub fn feed(&self, chunk: Vec<u8>) {
        let _ = self.to.send(Message::Output(chunk));
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        let _ = self.to.send(Message::Resize(cols, rows));
    }

    /// Asks what the screen shows once every chunk handed over so far is parsed.
    pub fn detect(&self) {
        let _ = self.to.send(Message::Detect);
    }
}

fn run(
    config: &Config,
    mut screen: Screen,
    from: &Receiver<Message>,
    answer: &UnboundedSender<Seen>,
) {
    // Ends when the session drops its sender.
    for message in from {
        match message {
            Message::Output(chunk) => screen.feed(&chunk),
            Message::Resize(cols, rows) => screen.resize(cols, rows),
            Message::Detect => {
                let seen = detector::detect(config, &screen.snapshot(), screen.tail());
                if answer.send(seen).is_err() {
                    return;
                }
            }
        }
    }
}
