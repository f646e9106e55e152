//! The watcher: the screen model, fed by the relay and asked by the session.
//!
//! The relay thread parses each chunk of the child's output itself, right after writing it to
//! the user, in the same turn of the output gate: a pause finds the model up to date, and no
//! chunk waits for its own parse to be seen. A thread of the model's own cost more than the
//! parsing: a copy of every byte, a wake-up per batch, and on a flood a third busy thread beside
//! the child and the relay, on two cores up to 1.2× the C relay's time where parsing in the
//! relay took 0.9–1.1× (BENCHMARKS.md, issue 15, sixth part).
//!
//! The session asks what the screen shows once output has settled, so it rarely holds the model
//! while the relay has a chunk to parse, and then for one detection (0.04 ms on a full screen of
//! text, 0.74 ms on Claude Code's prompt: `cargo bench --bench screen -- detection`). Matching a
//! copy outside the lock was tried: the tail's copy put private memory at rest at 1060 KiB, over
//! the 1 MiB target, for a wait the relay meets once per settled screen.
//!
//! It only models and detects; it never writes to the terminal or the child.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::config::Config;
use crate::prompts::detector::{self, Seen};
use crate::prompts::screen::{Screen, View};

/// What the screen showed, and how much output it had seen then.
#[derive(Debug)]
pub struct Answer {
    pub seen: Seen,
    pub upto: u64,
}

struct Model {
    screen: Screen,
    /// Bytes of output parsed so far.
    parsed: u64,
}

/// The model, shared by the relay ([`Feed`]) and the session ([`Watcher`]).
type Shared = Arc<Mutex<Model>>;

fn lock(model: &Mutex<Model>) -> MutexGuard<'_, Model> {
    // A panic aborts the process (Cargo.toml), so the model is never left half-changed.
    model.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The session's handle: resizes and questions.
pub struct Watcher {
    config: Arc<Config>,
    model: Shared,
}

/// The relay's handle: output, in order.
pub struct Feed {
    model: Shared,
}

impl Watcher {
    /// A screen of `cols`×`rows`, detecting with `config`'s rules, and the relay's handle on it.
    pub fn new(config: Arc<Config>, cols: u16, rows: u16) -> (Self, Feed) {
        let model = Arc::new(Mutex::new(Model {
            screen: Screen::new(cols, rows),
            parsed: 0,
        }));
        let feed = Feed {
            model: Arc::clone(&model),
        };
        (Self { config, model }, feed)
    }

    /// The terminal is now `cols`×`rows`: what was parsed so far was at the old size.
    pub fn resize(&self, cols: u16, rows: u16) {
        lock(&self.model).screen.resize(cols, rows);
    }

    /// Rows `rows` of the screen and the terminal's state, with all output relayed so far.
    pub fn view(&self, rows: std::ops::Range<usize>) -> View {
        lock(&self.model).screen.view(rows)
    }

    /// What the screen shows; a prompt found carries the text shown since tail offset `since`.
    pub fn detect(&self, since: u64) -> Answer {
        let model = lock(&self.model);
        let seen = detector::detect(
            &self.config,
            &model.screen.snapshot(),
            model.screen.tail(),
            since,
        );
        Answer {
            seen,
            upto: model.parsed,
        }
    }
}

impl Feed {
    /// Parses output that has reached the user.
    pub fn push(&self, bytes: &[u8]) {
        let mut model = lock(&self.model);
        model.screen.feed(bytes);
        model.parsed += bytes.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watcher() -> (Watcher, Feed) {
        Watcher::new(Arc::new(crate::config::defaults()), 20, 3)
    }

    fn row(watcher: &Watcher, at: usize) -> String {
        let view = watcher.view(at..at + 1);
        view.lines[0].1.iter().map(|cell| cell.0).collect()
    }

    #[test]
    fn output_pushed_is_on_the_screen_at_once_and_counted() {
        let (watcher, feed) = watcher();
        feed.push(b"hel");
        feed.push(b"lo\r\nworld");
        assert_eq!(row(&watcher, 0).trim_end(), "hello");
        assert_eq!(row(&watcher, 1).trim_end(), "world");
        assert_eq!(watcher.detect(0).upto, 12);
    }

    #[test]
    fn output_after_a_resize_is_parsed_at_the_new_size() {
        let (watcher, feed) = watcher();
        watcher.resize(5, 3);
        feed.push(b"abcdefg");
        assert_eq!(row(&watcher, 0), "abcde");
        assert_eq!(row(&watcher, 1).trim_end(), "fg");
    }

    #[test]
    fn a_prompt_on_the_screen_is_detected_with_what_was_parsed() {
        let (watcher, feed) = watcher();
        assert!(watcher.detect(0).seen.prompt.is_none(), "an empty screen");
        let prompt = b"Install it? [y/n] ";
        feed.push(prompt);
        let answer = watcher.detect(0);
        assert_eq!(answer.upto, prompt.len() as u64);
        let found = answer.seen.prompt.expect("a y/n question is a prompt");
        let rule = &crate::config::defaults().rules[found.rule];
        assert_eq!(rule.name, "Yes/No prompt");
    }

    #[test]
    fn the_relay_and_the_session_share_the_model_across_threads() {
        let (watcher, feed) = watcher();
        let relay = std::thread::spawn(move || {
            for _ in 0..1000 {
                feed.push(b"x");
            }
        });
        // Asked while the relay feeds: every answer is of a whole number of pushes, none lost.
        while !relay.is_finished() {
            assert!(watcher.detect(0).upto <= 1000);
        }
        relay.join().unwrap();
        assert_eq!(watcher.detect(0).upto, 1000);
    }
}
