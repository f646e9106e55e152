//! The terminal side: the child on its PTY, the user's terminal, and the threads that move bytes
//! between them.
//!
//! Theory of operation: the child runs on a PTY whose master is a plain blocking fd. The
//! [`relay`] thread is its only reader and writes each chunk to the user first; the [`keyboard`]
//! thread is stdin's only reader and writes the user's keys straight to the PTY; the [`typist`]
//! types the automation's keys. Everything autoapprove itself draws on the user's terminal goes
//! through the [`overlay`], which shares the relay's output gate so it never lands inside one of
//! the child's escape sequences. [`term`] owns the user's terminal modes; [`child`] starts and
//! signals the child. None of these decide anything: they report to the session's inbox.

pub mod child;
pub mod gate;
pub mod keyboard;
pub mod overlay;
pub mod relay;
pub mod term;
pub mod typist;
