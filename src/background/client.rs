//! The clients: `autoapprove wait DIR` and `autoapprove respond DIR SEQ ACTION [--pattern P]`.
//! Each connects to the run serving DIR — waiting, on an inotify watch of DIR, for a run that has
//! not started yet — sends one request and prints the event it gets back as one JSON line. After
//! the run, the done event is read from DIR.
//!
//! Exit codes: 0 when an event was printed (`respond`: the program's exit code when that event is
//! the done one); 2 for a request that cannot be sent (unknown action, bad pattern); 1 when the
//! run refuses it (the question is not open) or cannot be reached.

use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::net::UnixStream;
use std::path::Path;

use crate::background::dir::{DONE, Dir, SOCKET};
use crate::background::protocol::{self, Action, Event, Request};
use crate::exit;

/// A failure: the message, and the exit code.
struct Failure(String, i32);

/// `wait DIR`.
pub fn wait(dir: &Path) -> i32 {
    finish(ask(dir, &Request::Wait).map(|event| (event, false)))
}

/// `respond DIR SEQ ACTION [--pattern PATTERN]`.
pub fn respond(dir: &Path, seq: u64, action: &str, pattern: Option<String>) -> i32 {
    // Checked here too: a bad request is the caller's mistake, told before anything is sent.
    if let Err(why) = Action::parse(action, pattern.as_deref()) {
        to_stderr!("error: respond: {why}");
        return exit::USAGE;
    }
    let request = Request::Respond {
        seq,
        action: action.to_owned(),
        pattern,
    };
    finish(ask(dir, &request).map(|event| (event, true)))
}

/// Prints the event (or the error); the exit code.
fn finish(result: Result<(String, bool), Failure>) -> i32 {
    match result {
        Ok((line, responding)) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(line.as_bytes()).is_err() || out.flush().is_err() {
                return exit::FAILURE;
            }
            match serde_json::from_str::<Event>(line.trim()) {
                Ok(Event::Done { exit_code }) if responding => exit_code,
                _ => 0,
            }
        }
        Err(Failure(message, code)) => {
            to_stderr!("error: {message}");
            code
        }
    }
}

/// Sends `request` to the run serving `dir`; the event line it answers with.
fn ask(dir: &Path, request: &Request) -> Result<String, Failure> {
    let dir = Dir::open(dir).map_err(|e| Failure(e, exit::FAILURE))?;
    let fail = |why: String| Failure(why, exit::FAILURE);
    let Some(stream) = connect(&dir)? else {
        // The run has ended.
        let done = std::fs::read_to_string(dir.path(DONE))
            .map_err(|e| fail(format!("{}: cannot read {DONE}: {e}", dir.shown.display())))?;
        if let Request::Respond { seq, .. } = request {
            return Err(fail(format!(
                "event {seq} cannot be answered: the run in {} has ended ({})",
                dir.shown.display(),
                done.trim()
            )));
        }
        return Ok(done);
    };
    let mut writer = stream
        .try_clone()
        .map_err(|e| fail(format!("cannot use the socket: {e}")))?;
    writer
        .write_all(protocol::line(request).as_bytes())
        .map_err(|e| fail(format!("cannot send the request: {e}")))?;
    let mut lines = BufReader::new(stream).lines();
    let mut next = || match lines.next() {
        Some(Ok(line)) => Ok(line),
        _ => Err(fail(format!(
            "the run serving {} stopped without answering (was it killed?)",
            dir.shown.display()
        ))),
    };
    let mut line = next()?;
    if let Ok(serde_json::Value::Object(reply)) = serde_json::from_str(&line) {
        if let Some(why) = reply.get("error").and_then(|e| e.as_str()) {
            return Err(fail(why.to_owned()));
        }
        if reply.get("ok").is_some() {
            line = next()?;
        }
    }
    line.push('\n');
    Ok(line)
}

/// A connection to the run serving `dir`, waiting for one to start; `None` once it has ended.
fn connect(dir: &Dir) -> Result<Option<UnixStream>, Failure> {
    use rustix::fs::inotify;
    let fail = |why: String| Failure(why, exit::FAILURE);
    // Tried first without a watch: closing an inotify descriptor waits for the kernel's RCU
    // grace period (10–20 ms), which would be most of an answer's time.
    match reach(dir)? {
        Reach::Served(stream) => return Ok(Some(stream)),
        Reach::Ended => return Ok(None),
        Reach::NotYet => {}
    }
    // Said once: a mistyped DIR would otherwise wait without a word.
    to_stderr!(
        "autoapprove: no run serves {} yet: waiting for one to start",
        dir.shown.display()
    );
    let watch =
        inotify::init(inotify::CreateFlags::CLOEXEC).map_err(|e| fail(format!("inotify: {e}")))?;
    inotify::add_watch(
        &watch,
        dir.itself(),
        inotify::WatchFlags::CREATE | inotify::WatchFlags::MOVED_TO,
    )
    .map_err(|e| fail(format!("{}: cannot watch it: {e}", dir.shown.display())))?;
    loop {
        // Looked at again once watched: a socket made in between is not missed.
        match reach(dir)? {
            Reach::Served(stream) => return Ok(Some(stream)),
            Reach::Ended => return Ok(None),
            Reach::NotYet => {}
        }
        let mut buf = [0u8; 4096];
        // Blocks until something is made in DIR.
        match rustix::io::read(&watch, &mut buf) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(fail(format!("inotify: {e}"))),
        }
    }
}

/// What DIR holds now.
enum Reach {
    /// A run serves it: connected.
    Served(UnixStream),
    /// Its run has ended: the done event is there.
    Ended,
    /// No run has served it yet.
    NotYet,
}

fn reach(dir: &Dir) -> Result<Reach, Failure> {
    let fail = |why: String| Failure(why, exit::FAILURE);
    match UnixStream::connect(dir.path(SOCKET)) {
        Ok(stream) => Ok(Reach::Served(stream)),
        Err(_) if dir.path(DONE).exists() => Ok(Reach::Ended),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Reach::NotYet),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(fail(format!(
            "{}: the run that served it is gone without finishing (was it killed?)",
            dir.shown.display()
        ))),
        Err(e) => Err(fail(format!(
            "{}: cannot connect: {e}",
            dir.shown.display()
        ))),
    }
}
