//! The supervisor: a thread that serves the seccomp listener of the child (and of everything it
//! starts), deciding each stopped call by the rules and answering the kernel at once — or, when
//! the person must decide, handing a [`Question`] to the session and going straight back to the
//! listener: while one question is open, every other thread's calls keep being decided.
//!
//! Setting up: [`Supervisor::start`] makes a socket pair and starts the thread, which waits for
//! the listener; [`ChildSetup`] goes into the child, which installs the filter between fork and
//! exec and sends the listener over the socket ([`crate::sys::supervise_before_exec`]). The
//! thread must already be waiting: the child's `execve` of the command is itself supervised, and
//! the parent's spawn waits for that exec. That first exec is allowed.
//!
//! If autoapprove dies, the listener closes and the kernel fails every supervised call from then
//! on (`ENOSYS`): nothing runs unguarded.

use std::collections::HashSet;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd as _, OwnedFd};
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::time::Duration;

use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SocketFlags, SocketType,
};

use crate::config::Config;
use crate::guard::call::Call;
use crate::guard::choices::{self, Change};
use crate::guard::decide::{BUILT_IN_ALLOW, Decision, Mode, Patterns, Reason, Rules};
use crate::guard::decode::{self, Decoded, Process as _, Thread};
use crate::guard::filter::{self, Kind};
use crate::guard::pattern::Pattern;
use crate::guard::places::Places;
use crate::guard::tree;
use crate::inbox::{self, Message};
use crate::sys::{self, Instruction, Notification, Verdict};

/// What the child needs to put itself under supervision.
pub struct ChildSetup {
    pub program: Vec<Instruction>,
    /// The child's end of the socket the listener is sent over.
    pub channel: OwnedFd,
    /// Set `no_new_privs` first: needed to install a filter without `CAP_SYS_ADMIN`.
    pub no_new_privs: bool,
}

/// What the guard is told at start.
pub struct Options {
    pub mode: Mode,
    /// `--guard-allow` / `--guard-deny`.
    pub session: Patterns,
    /// The program's key in the remembered choices: the command's absolute path.
    pub app_key: String,
    /// Where remembered choices live (`None`: no home to keep them in).
    pub choices_path: Option<PathBuf>,
    /// The program's remembered choices, as read at start.
    pub remembered: Patterns,
    /// Log calls allowed by a pattern too.
    pub verbose: bool,
    /// `guard.allow_paths`, made concrete for this run.
    pub places: Places,
}

/// A call that waits for the person.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: u64,
    pub tid: i32,
    pub description: String,
    /// `pid command`, then its parent, up to the command autoapprove started.
    pub chain: Vec<String>,
}

/// What the supervisor tells the session.
#[derive(Debug)]
pub enum Report {
    Ask(Question),
    /// A call decided without the person, worth a log line.
    Decided {
        description: String,
        tid: i32,
        allowed: bool,
        why: String,
    },
    /// Something the person should know (a setuid program that cannot elevate).
    Notice(String),
}

/// The person's answer to a [`Question`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    AllowOnce,
    /// Allow, and remember this pattern for the program.
    AllowPattern(String),
    /// Allow this process and its descendants for the rest of the run.
    TrustProcess,
    /// Allow everything for the rest of the run.
    TrustAll,
    DenyOnce,
    /// Deny, and remember this pattern for the program.
    DenyPattern(String),
}

impl Reply {
    /// The answer, for the log.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::AllowOnce => "allow once",
            Self::AllowPattern(_) => "allow pattern",
            Self::TrustProcess => "trust process",
            Self::TrustAll => "trust all",
            Self::DenyOnce => "deny once",
            Self::DenyPattern(_) => "deny pattern",
        }
    }
}

/// What a reply adds to the rules while the program runs.
#[derive(Default)]
struct Learned {
    remembered: Patterns,
    /// Processes trusted with their descendants (thread-group ids).
    trusted: HashSet<i32>,
    trust_all: bool,
}

/// The state the supervisor thread and the session share.
struct Shared {
    listener: OwnedFd,
    config: Arc<Config>,
    session: Patterns,
    built_in: Patterns,
    places: Places,
    mode: Mode,
    app_key: String,
    choices_path: Option<PathBuf>,
    verbose: bool,
    no_new_privs: bool,
    /// The user's home (`$HOME`), for reading an `exec`'s command line.
    home: Option<Vec<u8>>,
    learned: Mutex<Learned>,
    /// The command autoapprove started (the root of the supervised tree); 0 until its exec.
    root: std::sync::atomic::AtomicI32,
}

/// The session's handle on the guard.
pub struct Supervisor {
    shared: Arc<Mutex<Option<Arc<Shared>>>>,
    /// How setting up went, once the child has reported.
    setup: mpsc::Receiver<io::Result<()>>,
    /// `no_new_privs` is set in the child: setuid programs cannot elevate.
    pub no_new_privs: bool,
}

/// How long the parent waits to hear why the child could not set up the filter.
const SETUP_REPORT: Duration = Duration::from_secs(2);

impl Supervisor {
    /// Starts the thread, which waits for the child's listener; the [`ChildSetup`] goes to
    /// `sys::supervise_before_exec`.
    pub fn start(
        options: Options,
        config: Arc<Config>,
        inbox: inbox::Sender,
    ) -> io::Result<(Self, ChildSetup)> {
        let (ours, theirs) = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC,
            None,
        )?;
        let no_new_privs = !has_cap_sys_admin();
        let built_in = Patterns {
            allow: BUILT_IN_ALLOW
                .iter()
                .map(|p| Pattern::new(p).expect("the built-in patterns are valid"))
                .collect(),
            deny: Vec::new(),
        };
        let slot: Arc<Mutex<Option<Arc<Shared>>>> = Arc::default();
        let (report, setup) = mpsc::channel();
        let thread_slot = Arc::clone(&slot);
        std::thread::Builder::new()
            .name("guard".into())
            .spawn(move || {
                let listener = match receive_listener(&ours) {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = report.send(Err(e));
                        return;
                    }
                };
                sys::prefer_sync_wakeup(listener.as_fd());
                let shared = Arc::new(Shared {
                    listener,
                    config,
                    session: options.session,
                    built_in,
                    places: options.places,
                    mode: options.mode,
                    app_key: options.app_key,
                    choices_path: options.choices_path,
                    verbose: options.verbose,
                    no_new_privs,
                    home: std::env::var_os("HOME").map(std::ffi::OsString::into_encoded_bytes),
                    learned: Mutex::new(Learned {
                        remembered: options.remembered,
                        ..Learned::default()
                    }),
                    root: std::sync::atomic::AtomicI32::new(0),
                });
                *thread_slot.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(Arc::clone(&shared));
                let _ = report.send(Ok(()));
                serve(&shared, &inbox);
            })?;
        let setup_for_child = ChildSetup {
            program: filter::program(),
            channel: theirs,
            no_new_privs,
        };
        Ok((
            Self {
                shared: slot,
                setup,
                no_new_privs,
            },
            setup_for_child,
        ))
    }

    /// Why the child could not put itself under supervision, if that is why it did not start
    /// (and not, say, a program that was not found: then the child never reported).
    pub fn setup_failure(&self) -> Option<String> {
        match self.setup.recv_timeout(SETUP_REPORT) {
            Ok(Err(e)) if e.raw_os_error().is_some() => Some(explain_setup_error(&e)),
            _ => None,
        }
    }

    fn shared(&self) -> Option<Arc<Shared>> {
        self.shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Carries out the person's `reply` to `question`: answers the kernel, and remembers what
    /// the reply says to remember. Returns a problem to report (a pattern that could not be
    /// saved), if any.
    pub fn answer(&self, question: &Question, reply: &Reply) -> Result<(), String> {
        let Some(shared) = self.shared() else {
            return Ok(());
        };
        let allowed = matches!(
            reply,
            Reply::AllowOnce | Reply::AllowPattern(_) | Reply::TrustProcess | Reply::TrustAll
        );
        let mut problem = Ok(());
        match reply {
            Reply::AllowPattern(p) | Reply::DenyPattern(p) => {
                let deny = matches!(reply, Reply::DenyPattern(_));
                problem = shared.remember(p, deny);
            }
            Reply::TrustProcess => {
                if let Some(pid) = tree::process_of(question.tid) {
                    shared.learned().trusted.insert(pid);
                }
            }
            Reply::TrustAll => shared.learned().trust_all = true,
            Reply::AllowOnce | Reply::DenyOnce => {}
        }
        shared.respond(question.id, allowed);
        problem
    }

    /// Whether what the person answered since makes `question` decided without asking (a
    /// pattern or trust that covers it): then it is answered, and true.
    pub fn settle(&self, question: &Question) -> bool {
        let Some(shared) = self.shared() else {
            return false;
        };
        match shared.decide_learned(question.tid, &question.description) {
            Some(allowed) => {
                shared.respond(question.id, allowed);
                true
            }
            None => false,
        }
    }

    /// [`Supervisor::settle`], but only once `take` says the question is still ours to answer
    /// (a background client may have answered it meanwhile).
    pub fn settle_if(&self, question: &Question, take: impl FnOnce() -> bool) -> bool {
        let Some(shared) = self.shared() else {
            return false;
        };
        match shared.decide_learned(question.tid, &question.description) {
            Some(allowed) if take() => {
                shared.respond(question.id, allowed);
                true
            }
            _ => false,
        }
    }

    /// Denies `question` without asking (nobody can be asked, or the program is ending).
    pub fn deny(&self, question: &Question) {
        if let Some(shared) = self.shared() {
            shared.respond(question.id, false);
        }
    }
}

impl Shared {
    fn learned(&self) -> MutexGuard<'_, Learned> {
        self.learned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn respond(&self, id: u64, allowed: bool) {
        let verdict = if allowed {
            Verdict::Continue
        } else {
            Verdict::Fail(libc::EACCES)
        };
        // ENOENT: the thread is gone (killed meanwhile); nothing waits for the answer.
        let _ = sys::respond(self.listener.as_fd(), id, verdict);
    }

    /// Adds `pattern` to the program's remembered choices, on disk and for this run.
    fn remember(&self, pattern: &str, deny: bool) -> Result<(), String> {
        let compiled = Pattern::new(pattern).map_err(|e| format!("`{pattern}`: {e}"))?;
        {
            let mut learned = self.learned();
            let list = if deny {
                &mut learned.remembered.deny
            } else {
                &mut learned.remembered.allow
            };
            list.push(compiled);
        }
        let Some(path) = &self.choices_path else {
            return Err("no home directory to remember choices in".into());
        };
        choices::change(
            path,
            Change::Add {
                program: &self.app_key,
                pattern,
                deny,
            },
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    }

    /// The full decision for a call.
    fn decide(&self, tid: i32, call: &Call, description: &str) -> Decision {
        let learned = self.learned();
        let rules = Rules {
            session: &self.session,
            remembered: &learned.remembered,
            built_in: &self.built_in,
            denylist: &self.config.denylist,
            places: &self.places,
            allow_exec: self.config.guard.allow_exec,
            mode: self.mode,
            home: self.home.as_deref(),
        };
        let cwd = match call {
            Call::Exec { .. } => Thread { tid }.cwd().ok(),
            _ => None,
        };
        let decision = rules.decide(call, description, cwd.as_deref());
        let by_mode = matches!(decision, Decision::Ask | Decision::Deny(Reason::Mode(_)));
        if by_mode && (learned.trust_all || self.trusted(&learned, tid)) {
            return Decision::Allow(Reason::Trusted);
        }
        decision
    }

    /// A decision that no longer needs the person, after what they answered since.
    fn decide_learned(&self, tid: i32, description: &str) -> Option<bool> {
        let learned = self.learned();
        if learned
            .remembered
            .deny
            .iter()
            .any(|p| p.matches(description))
        {
            return Some(false);
        }
        let allowed = learned.trust_all
            || learned
                .remembered
                .allow
                .iter()
                .any(|p| p.matches(description))
            || self.trusted(&learned, tid);
        allowed.then_some(true)
    }

    fn trusted(&self, learned: &Learned, tid: i32) -> bool {
        if learned.trusted.is_empty() {
            return false;
        }
        let root = self.root.load(std::sync::atomic::Ordering::Relaxed);
        tree::ancestors(tid, root)
            .iter()
            .any(|pid| learned.trusted.contains(pid))
    }
}

/// How long the receive loop waits before trying again after an unexpected error.
const RETRY: Duration = Duration::from_millis(10);

/// The receive loop: until the listener hangs up (no supervised process left).
fn serve(shared: &Shared, inbox: &inbox::Sender) {
    let listener = shared.listener.as_fd();
    let mut first_exec = true;
    loop {
        let mut fds = [rustix::event::PollFd::new(
            &listener,
            rustix::event::PollFlags::IN,
        )];
        // Only a hang-up ends the loop: while a supervised process lives, leaving would leave
        // its calls waiting for ever. An error that should not happen is tried again, slowly.
        if rustix::event::poll(&mut fds, None).is_err() {
            std::thread::sleep(RETRY);
            continue;
        }
        let revents = fds[0].revents();
        if !revents.contains(rustix::event::PollFlags::IN) {
            if revents.intersects(rustix::event::PollFlags::HUP | rustix::event::PollFlags::ERR) {
                return;
            }
            continue;
        }
        let n = match sys::receive(listener) {
            Ok(n) => n,
            // The call went away before we took it (its thread was killed).
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            Err(_) => {
                std::thread::sleep(RETRY);
                continue;
            }
        };
        let Some(kind) = filter::kind_of(n.nr) else {
            // The filter stops only what the table holds.
            shared.respond(n.id, false);
            continue;
        };
        if first_exec && matches!(kind, Kind::Execve | Kind::Execveat) {
            // The command autoapprove itself starts; the only process under the filter yet.
            first_exec = false;
            shared
                .root
                .store(n.tid, std::sync::atomic::Ordering::Relaxed);
            shared.respond(n.id, true);
            continue;
        }
        handle(shared, inbox, kind, &n);
    }
}

fn handle(shared: &Shared, inbox: &inbox::Sender, kind: Kind, n: &Notification) {
    let thread = Thread { tid: n.tid };
    let decoded = decode::decode(kind, n, &thread);
    // What was read belongs to this call only if it still waits: the thread could have died and
    // its id been reused.
    if !sys::still_waiting(shared.listener.as_fd(), n.id) {
        return;
    }
    let call = match decoded {
        Ok(Decoded::Change(call)) => call,
        Ok(Decoded::Harmless) => return shared.respond(n.id, true),
        Err(e) => {
            inbox.send(Message::Guard(Report::Decided {
                description: format!("a call the guard could not read ({kind:?})"),
                tid: n.tid,
                allowed: false,
                why: format!("unreadable: {e}"),
            }));
            return shared.respond(n.id, false);
        }
    };
    let root = shared.root.load(std::sync::atomic::Ordering::Relaxed);
    match &call {
        Call::Kill { pid, .. } if tree::signal_stays_inside(*pid, n.tid, root) => {
            return shared.respond(n.id, true);
        }
        // A `PATH` search trying a directory where the program is not: the kernel says ENOENT.
        Call::Exec { path, .. } if !exists(path) => return shared.respond(n.id, true),
        _ => {}
    }
    let description = call.describe();
    let decision = shared.decide(n.tid, &call, &description);
    let (allowed, reason) = match decision {
        Decision::Allow(reason) => (true, reason),
        Decision::Deny(reason) => (false, reason),
        Decision::Ask => {
            let question = Question {
                id: n.id,
                tid: n.tid,
                description,
                chain: tree::chain(n.tid, root),
            };
            if !inbox.send(Message::Guard(Report::Ask(question))) {
                shared.respond(n.id, false);
            }
            return;
        }
    };
    // The line goes out before the call goes on: the session reads it even when the program
    // exits right after.
    let worth_a_line = !allowed || shared.verbose || !matches!(reason, Reason::Pattern { .. });
    if worth_a_line {
        inbox.send(Message::Guard(Report::Decided {
            description,
            tid: n.tid,
            allowed,
            why: reason.to_string(),
        }));
    }
    if allowed && let Call::Exec { path, .. } = &call {
        setuid_notice(shared, inbox, path);
    }
    shared.respond(n.id, allowed);
}

/// Under `no_new_privs`, a setuid or setgid program runs without its privileges: sudo refuses.
fn setuid_notice(shared: &Shared, inbox: &inbox::Sender, path: &[u8]) {
    use std::os::unix::ffi::OsStrExt as _;
    if !shared.no_new_privs {
        return;
    }
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(path));
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o6000 != 0) {
        inbox.send(Message::Guard(Report::Notice(format!(
            "{} is setuid/setgid: under the guard (no_new_privs) it cannot gain privileges",
            path.display()
        ))));
    }
}

fn exists(path: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt as _;
    std::fs::symlink_metadata(std::ffi::OsStr::from_bytes(path)).is_ok()
}

/// The listener the child sends, or the errno it reports instead.
fn receive_listener(socket: &OwnedFd) -> io::Result<OwnedFd> {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut status = [0u8; 8];
    let received = loop {
        match rustix::net::recvmsg(
            socket,
            &mut [io::IoSliceMut::new(&mut status)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        ) {
            Err(rustix::io::Errno::INTR) => {}
            other => break other?,
        }
    };
    let listener = control.drain().find_map(|m| match m {
        RecvAncillaryMessage::ScmRights(mut fds) => fds.next(),
        _ => None,
    });
    match (listener, received.bytes) {
        (Some(fd), _) => Ok(fd),
        (None, 5) if status[0] == sys::SETUP_FAILED => {
            Err(io::Error::from_raw_os_error(i32::from_le_bytes([
                status[1], status[2], status[3], status[4],
            ])))
        }
        // No errno: the child never got as far as reporting (it was not started).
        _ => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the child did not send its listener",
        )),
    }
}

/// A one-line reason the guard cannot run here.
pub fn explain_setup_error(e: &io::Error) -> String {
    let why = match e.raw_os_error() {
        Some(libc::EBUSY) => {
            "another seccomp supervisor is already attached to this process (EBUSY)"
        }
        Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP) => {
            "this kernel does not support seccomp user notification (Linux 5.0 or later is needed)"
        }
        Some(libc::EPERM | libc::EACCES) => {
            "the system's policy forbids installing a seccomp filter (a container's seccomp profile?)"
        }
        _ => return format!("cannot supervise the program: {e}"),
    };
    format!("cannot supervise the program: {why}")
}

/// Whether the kernel can supervise at all: checked before anything starts.
pub fn check_support() -> Result<(), String> {
    sys::notify_supported().map_err(|e| explain_setup_error(&e))
}

fn has_cap_sys_admin() -> bool {
    const CAP_SYS_ADMIN: u32 = 21;
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let hex = s
                .lines()
                .find_map(|l| l.strip_prefix("CapEff:"))?
                .trim()
                .to_owned();
            u64::from_str_radix(&hex, 16).ok()
        })
        .is_some_and(|caps| caps & (1 << CAP_SYS_ADMIN) != 0)
}
