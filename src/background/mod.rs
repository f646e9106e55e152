//! The background protocol: another process — an LLM agent, a script, a person over ssh — makes
//! the decisions a run would otherwise ask at the terminal. `autoapprove --background DIR -- CMD`
//! serves a Unix socket in DIR ([`server`]); `autoapprove wait DIR` and `autoapprove respond DIR
//! SEQ ACTION` are its clients ([`client`]). Waiting costs nothing and wakes at once: a client
//! blocks on the socket (or, before the run has started, on an inotify watch of DIR), never polls.
//! What a run tells its clients and what they answer is [`protocol`]; how DIR is made safe to
//! share is [`dir`]. `autoapprove skill` prints the manual for an LLM caller ([`SKILL`]).

pub mod client;
pub mod dir;
pub mod outbox;
pub mod protocol;
pub mod server;

/// `autoapprove skill`: what a program driving autoapprove needs to know.
pub const SKILL: &str = include_str!("skill.md");
