//! The prompt layer: reading what the child shows and deciding what to type.
//!
//! Theory of operation: the [`watcher`] thread feeds every byte of output through the
//! [`screen`] model (and its text [`tail`]); when output settles the session asks it what the
//! screen shows, and the [`detector`] names the rule whose prompt is live. The [`engine`] — pure,
//! clock-free — turns that, the user's keys and timers into actions: keys (written in [`keys`]
//! notation) for the typist, events for the log, notices for the overlay.

pub mod detector;
pub mod engine;
pub mod keys;
pub mod screen;
pub mod tail;
pub mod watcher;
