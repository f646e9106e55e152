//! The run's side: a thread that accepts clients on DIR's socket, and the table of open
//! questions they answer. The session posts a question ([`Server::post`]) and hears the answer
//! through its inbox ([`Message::Responded`]); the table decides who wins: the first answer takes
//! the question out, and a second one for the same number is told it is not open. A question can
//! also be withdrawn (its time ran out, the program is ending). When the program ends,
//! [`Server::finish`] writes the done event to DIR, tells every waiting client, and removes the
//! socket.
//!
//! Each client has its own thread; none is polled. A waiting client's thread sleeps on a condition
//! variable the table signals on every change.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::background::dir::{DONE, Dir, SOCKET};
use crate::background::protocol::{self, Action, Event, Pending, Request};
use crate::inbox::{self, Message};

/// The longest request read: a pattern is short.
const MAX_REQUEST: u64 = 64 * 1024;
/// A client that connects and says nothing is let go after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the accept loop waits after a failed accept.
const RETRY: Duration = Duration::from_millis(10);
/// How long the end waits for waiting clients to be sent the done event.
const FAREWELL: Duration = Duration::from_secs(1);

/// The open questions, and the end.
#[derive(Default)]
struct Table {
    open: BTreeMap<u64, Pending>,
    last_seq: u64,
    /// The done event's line, once the program has ended.
    done: Option<String>,
    /// Clients being served.
    clients: usize,
}

struct Shared {
    table: Mutex<Table>,
    changed: Condvar,
    inbox: inbox::Sender,
}

impl Shared {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The session's handle on the protocol.
pub struct Server {
    shared: Arc<Shared>,
    dir: Dir,
}

impl Server {
    /// Serves `dir` (already checked): refused while another run serves it; what an earlier run
    /// left (its socket, its done event) is removed first, so no client of this run reads it.
    pub fn start(dir: Dir, inbox: inbox::Sender) -> Result<Self, String> {
        let socket = dir.path(SOCKET);
        if UnixStream::connect(&socket).is_ok() {
            return Err(format!(
                "{}: another autoapprove run is serving it; give each run its own directory",
                dir.shown.display()
            ));
        }
        dir.remove(DONE);
        dir.remove(SOCKET);
        // Bound and listening under another name first: a client that sees `socket` appear
        // can connect at once (between bind and listen it would be refused).
        let fail = |e: std::io::Error| {
            format!("{}: cannot serve a socket in it: {e}", dir.shown.display())
        };
        let early = dir.path(&format!(".{SOCKET}.{}", std::process::id()));
        let _ = std::fs::remove_file(&early);
        let listener = UnixListener::bind(&early).map_err(fail)?;
        std::fs::rename(&early, &socket).map_err(fail)?;
        let shared = Arc::new(Shared {
            table: Mutex::new(Table::default()),
            changed: Condvar::new(),
            inbox,
        });
        let accepting = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("background".into())
            .spawn(move || accept(&listener, &accepting))
            .map_err(|e| format!("cannot start the background thread: {e}"))?;
        Ok(Self { shared, dir })
    }

    /// Opens a question; `pending.seq` is set here. Returns its number.
    pub fn post(&self, mut pending: Pending) -> u64 {
        let mut table = self.shared.table();
        table.last_seq += 1;
        pending.seq = table.last_seq;
        table.open.insert(pending.seq, pending);
        self.shared.changed.notify_all();
        table.last_seq
    }

    /// Takes question `seq` back unanswered; false when a client answered it first.
    pub fn withdraw(&self, seq: u64) -> bool {
        let taken = self.shared.table().open.remove(&seq).is_some();
        self.shared.changed.notify_all();
        taken
    }

    /// The program ended with `exit_code`: the done event is written to DIR and sent to every
    /// waiting client, and the socket goes.
    pub fn finish(&self, exit_code: i32) {
        let done = protocol::line(&Event::Done { exit_code });
        // On disk first: a client that comes after the socket is gone reads it there.
        let _ = self.dir.write_atomically(DONE, &done);
        let mut table = self.shared.table();
        table.open.clear();
        table.done = Some(done);
        self.shared.changed.notify_all();
        self.dir.remove(SOCKET);
        let until = Instant::now() + FAREWELL;
        while table.clients > 0 {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            table = self
                .shared
                .changed
                .wait_timeout(table, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

fn accept(listener: &UnixListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of descriptors, say: try again, not at once.
            std::thread::sleep(RETRY);
            continue;
        };
        let shared = Arc::clone(shared);
        shared.table().clients += 1;
        let spawned = std::thread::Builder::new()
            .name("background client".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || {
                    serve(stream, &shared);
                    shared.table().clients -= 1;
                    shared.changed.notify_all();
                }
            });
        if spawned.is_err() {
            shared.table().clients -= 1;
        }
    }
}

/// One client: its request, then the events it is owed.
fn serve(stream: UnixStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
    let Ok(reading) = stream.try_clone() else {
        return;
    };
    let mut text = String::new();
    let mut reader = BufReader::new(reading.take(MAX_REQUEST));
    let mut out = stream;
    if reader.read_line(&mut text).is_err() {
        return;
    }
    let request = match serde_json::from_str::<Request>(text.trim()) {
        Ok(r) => r,
        Err(e) => {
            let _ = out.write_all(error(&format!("malformed request: {e}")).as_bytes());
            return;
        }
    };
    if let Request::Respond {
        seq,
        action,
        pattern,
    } = request
    {
        let reply = match respond(shared, seq, &action, pattern.as_deref()) {
            Ok(()) => "{\"ok\":true}\n".to_owned(),
            Err(why) => error(&why),
        };
        let failed = reply.starts_with("{\"error\"");
        if out.write_all(reply.as_bytes()).is_err() || failed {
            return;
        }
    }
    let next = next_event(shared);
    let _ = out.write_all(next.as_bytes());
}

fn error(why: &str) -> String {
    protocol::line(&serde_json::json!({ "error": why }))
}

/// Takes question `seq` out with the answer, and hands the answer to the session.
fn respond(shared: &Shared, seq: u64, action: &str, pattern: Option<&str>) -> Result<(), String> {
    let action = Action::parse(action, pattern)?;
    let mut table = shared.table();
    if table.done.is_some() {
        return Err("the run has ended".into());
    }
    let Some(pending) = table.open.get(&seq) else {
        return Err(if seq > table.last_seq {
            format!(
                "no event {seq} has been sent (the last is {})",
                table.last_seq
            )
        } else {
            format!("event {seq} is not open: it was answered already, or withdrawn")
        });
    };
    if let Some(why) = action.refused_by(pending) {
        return Err(why);
    }
    table.open.remove(&seq);
    // Under the lock: the session hears answers in the order the table took them.
    shared.inbox.send(Message::Responded { seq, action });
    shared.changed.notify_all();
    Ok(())
}

/// The oldest open question, or the done event; waits for one.
fn next_event(shared: &Shared) -> String {
    let mut table = shared.table();
    loop {
        if let Some(pending) = table.open.values().next() {
            return protocol::line(&Event::Pending(pending.clone()));
        }
        if let Some(done) = &table.done {
            return done.clone();
        }
        table = shared
            .changed
            .wait(table)
            .unwrap_or_else(PoisonError::into_inner);
    }
}
