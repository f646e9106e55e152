//! The session's side of the protocol: the questions it has sent to the background clients —
//! calls the guard stopped, prompts the engine handed off — by event number, and since when. The
//! [`Server`] decides which answer wins; this remembers what each number was about, so the
//! session can carry the answer out, and takes back what runs out of time or no longer waits.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::background::protocol::{Kind, Pending};
use crate::background::server::Server;
use crate::guard::supervisor::Question;
use crate::prompts::engine::HandOff;

/// What an event was about.
pub enum About {
    /// A call the guard stopped.
    Call(Question),
    /// A prompt the engine handed off, by its identity.
    Prompt(u64),
}

struct Posted {
    about: About,
    at: Instant,
}

/// The questions out, with the server they went through.
pub struct Outbox {
    server: Server,
    posted: BTreeMap<u64, Posted>,
    /// The program, as its remembered choices name it (every event carries it).
    app_key: String,
}

impl Outbox {
    pub fn new(server: Server, app_key: String) -> Self {
        Self {
            server,
            posted: BTreeMap::new(),
            app_key,
        }
    }

    /// Sends a guard question; its event number.
    pub fn post_call(&mut self, question: Question) -> u64 {
        let seq = self.server.post(Pending {
            seq: 0,
            kind: Kind::Guard,
            description: question.description.clone(),
            app_key: self.app_key.clone(),
            pid: question.tid,
            chain: question.chain.clone(),
            rule: None,
            command: None,
            screen: None,
            answer: None,
        });
        self.insert(seq, About::Call(question));
        seq
    }

    /// Sends a prompt the engine handed off, shown by the program `pid`; its event number.
    pub fn post_prompt(&mut self, handed: HandOff, pid: i32) -> u64 {
        let seq = self.server.post(Pending {
            seq: 0,
            kind: Kind::Prompt,
            description: format!("{}: {}", handed.rule, handed.why),
            app_key: self.app_key.clone(),
            pid,
            chain: Vec::new(),
            rule: Some(handed.rule),
            command: handed.command,
            screen: Some(handed.screen),
            answer: handed.answer,
        });
        self.insert(seq, About::Prompt(handed.identity));
        seq
    }

    fn insert(&mut self, seq: u64, about: About) {
        let at = Instant::now();
        self.posted.insert(seq, Posted { about, at });
    }

    /// What event `seq`, just answered by a client, was about.
    pub fn answered(&mut self, seq: u64) -> Option<About> {
        self.posted.remove(&seq).map(|p| p.about)
    }

    /// The open guard questions, to update (a restarted call) or look through.
    pub fn calls_mut(&mut self) -> impl Iterator<Item = &mut Question> {
        self.posted.values_mut().filter_map(|p| match &mut p.about {
            About::Call(q) => Some(q),
            About::Prompt(_) => None,
        })
    }

    /// Takes back the guard questions `settled` answers now (what a client answered since
    /// covers them); `settled` is asked to answer only once the question is taken back.
    pub fn settle_calls(&mut self, settled: impl Fn(&Question, &mut dyn FnMut() -> bool) -> bool) {
        let server = &self.server;
        self.posted.retain(|seq, p| match &p.about {
            About::Call(q) => !settled(q, &mut || server.withdraw(*seq)),
            About::Prompt(_) => true,
        });
    }

    /// Takes back the prompt handed off as `identity`: it no longer waits.
    pub fn withdraw_prompt(&mut self, identity: u64) {
        let seq = self.posted.iter().find_map(|(seq, p)| {
            matches!(p.about, About::Prompt(i) if i == identity).then_some(*seq)
        });
        if let Some(seq) = seq {
            self.server.withdraw(seq);
            self.posted.remove(&seq);
        }
    }

    /// When the oldest question has waited `timeout`.
    pub fn deadline(&self, timeout: Duration) -> Option<Instant> {
        self.posted.values().map(|p| p.at + timeout).min()
    }

    /// Takes back what has waited `timeout` by `now` and no client has answered.
    pub fn expired(&mut self, now: Instant, timeout: Duration) -> Vec<About> {
        let late: Vec<u64> = self
            .posted
            .iter()
            .filter(|(_, p)| now >= p.at + timeout)
            .map(|(seq, _)| *seq)
            .collect();
        // A client may have answered one just now: then its answer stands.
        late.into_iter()
            .filter(|seq| self.server.withdraw(*seq))
            .filter_map(|seq| self.posted.remove(&seq).map(|p| p.about))
            .collect()
    }

    /// Takes back everything (the program is ending).
    pub fn withdraw_all(&mut self) -> Vec<About> {
        let posted = std::mem::take(&mut self.posted);
        posted
            .into_iter()
            .map(|(seq, p)| {
                self.server.withdraw(seq);
                p.about
            })
            .collect()
    }

    /// The program ended with `exit_code`: tells the clients.
    pub fn finish(&self, exit_code: i32) {
        self.server.finish(exit_code);
    }
}
