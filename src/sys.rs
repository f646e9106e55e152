//! The one module with `unsafe` code: the kernel interfaces neither std nor rustix wraps — the
//! seccomp filter and its user notifications, reading another process's memory, and the
//! allocator's tuning. Each function is a thin, safe wrapper; what the calls mean is decided
//! elsewhere (`guard::filter` builds the program, `guard::supervisor` serves the listener).
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd as _, BorrowedFd, FromRawFd as _, OwnedFd};

/// One instruction of a classic BPF program.
pub type Instruction = libc::sock_filter;

/// A supervised call, as the kernel reports it: `tid` is the calling thread (not the process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notification {
    pub id: u64,
    pub tid: i32,
    pub nr: i64,
    pub arch: u32,
    pub args: [u64; 6],
}

/// How a notified call goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The kernel runs the call as if never stopped.
    Continue,
    /// The call fails with this errno; the program keeps running.
    Fail(i32),
}

/// The larger of the kernel's and our size of `struct seccomp_notif`: a newer kernel may write
/// more than the struct we know.
const NOTIF_BUFFER: usize = 256;

/// Whether this kernel can notify a supervisor (`SECCOMP_RET_USER_NOTIF`), and the sizes fit.
pub fn notify_supported() -> io::Result<()> {
    let action: u32 = libc::SECCOMP_RET_USER_NOTIF;
    // SAFETY: GET_ACTION_AVAIL reads one u32 from the pointer, which is valid for the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_GET_ACTION_AVAIL,
            0,
            std::ptr::from_ref(&action),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut sizes = libc::seccomp_notif_sizes {
        seccomp_notif: 0,
        seccomp_notif_resp: 0,
        seccomp_data: 0,
    };
    // SAFETY: GET_NOTIF_SIZES writes one `seccomp_notif_sizes` to the pointer, valid and owned.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_GET_NOTIF_SIZES,
            0,
            std::ptr::from_mut(&mut sizes),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    if usize::from(sizes.seccomp_notif) > NOTIF_BUFFER
        || usize::from(sizes.seccomp_notif_resp) < size_of::<libc::seccomp_notif_resp>()
    {
        return Err(io::Error::other("unexpected seccomp notification sizes"));
    }
    Ok(())
}

/// Installs `program` as a seccomp filter on the calling thread and returns its listener.
/// `wait_killable`: once the supervisor has received a call, only a fatal signal interrupts the
/// wait (a restarted call would be asked about twice). Runs in the child between fork and exec:
/// it allocates nothing and makes only system calls.
pub fn install_filter(program: &[Instruction], wait_killable: bool) -> io::Result<OwnedFd> {
    let Ok(len) = u16::try_from(program.len()) else {
        return Err(io::Error::from_raw_os_error(libc::E2BIG));
    };
    let prog = libc::sock_fprog {
        len,
        filter: program.as_ptr().cast_mut(),
    };
    let mut flags = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if wait_killable {
        flags |= libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    }
    // SAFETY: the kernel copies the program (`len` instructions at `filter`, alive for the call)
    // and returns a new file descriptor, which we then own.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            std::ptr::from_ref(&prog),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = i32::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
    // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Waits for the next supervised call (`SECCOMP_IOCTL_NOTIF_RECV`). `ENOENT`: the call it was
/// about went away (its thread was killed) before it could be received.
pub fn receive(listener: BorrowedFd<'_>) -> io::Result<Notification> {
    #[repr(C, align(8))]
    struct Buffer([u8; NOTIF_BUFFER]);
    let mut buffer = Buffer([0; NOTIF_BUFFER]);
    // SAFETY: the buffer is zeroed (the kernel requires it), aligned for and at least as large as
    // the kernel's `seccomp_notif` (checked in `notify_supported`), and lives across the call.
    let r = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_RECV,
            buffer.0.as_mut_ptr(),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel filled a `seccomp_notif` at the start of the buffer, which is aligned
    // for it (`align(8)`); every bit pattern is a valid value of its plain integer fields.
    #[allow(clippy::cast_ptr_alignment)]
    let notif: libc::seccomp_notif =
        unsafe { std::ptr::read(buffer.0.as_ptr().cast::<libc::seccomp_notif>()) };
    Ok(Notification {
        id: notif.id,
        tid: i32::try_from(notif.pid).unwrap_or(0),
        nr: i64::from(notif.data.nr),
        arch: notif.data.arch,
        args: notif.data.args,
    })
}

/// Answers the call `id` (`SECCOMP_IOCTL_NOTIF_SEND`). `ENOENT`: it is gone (its thread died).
pub fn respond(listener: BorrowedFd<'_>, id: u64, verdict: Verdict) -> io::Result<()> {
    let (error, flags) = match verdict {
        Verdict::Continue => (
            0,
            u32::try_from(libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE).unwrap_or(1),
        ),
        Verdict::Fail(errno) => (-errno, 0),
    };
    let mut resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error,
        flags,
    };
    // SAFETY: the kernel reads one `seccomp_notif_resp` from the pointer, valid for the call.
    let r = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            std::ptr::from_mut(&mut resp),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether the call `id` still waits for an answer: checked after reading its memory, so what
/// was read belongs to that call's thread and not to a process that reused its id.
pub fn still_waiting(listener: BorrowedFd<'_>, id: u64) -> bool {
    let mut id = id;
    // SAFETY: the kernel reads one u64 from the pointer, valid for the call.
    let r = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
            std::ptr::from_mut(&mut id),
        )
    };
    r == 0
}

/// Asks the kernel to wake the supervisor on the caller's CPU and switch straight to it
/// (`SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP`, Linux 6.6): a call answered at once costs less.
/// Older kernels refuse; nothing else changes.
pub fn prefer_sync_wakeup(listener: BorrowedFd<'_>) {
    const SYNC_WAKE_UP: u64 = 1;
    // SAFETY: SET_FLAGS takes the flags as the integer argument itself; no memory is shared.
    unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS,
            SYNC_WAKE_UP,
        );
    }
}

/// Reads `buf.len()` bytes at `addr` in thread `tid`'s address space; the count read, which is
/// short where the memory ends.
pub fn read_memory(tid: i32, addr: u64, buf: &mut [u8]) -> io::Result<usize> {
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: usize::try_from(addr).unwrap_or(usize::MAX) as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: the local iovec covers `buf`, which is valid for writes of its length for the
    // call; the remote one is only read by the kernel, which checks it against the other process.
    let n = unsafe { libc::process_vm_readv(tid, &raw const local, 1, &raw const remote, 1, 0) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// glibc serves a block from the heap once a block that size has been freed, and the heap never
/// shrinks below its high-water mark. Start-up frees 320 KB blocks (the regex compiler's table for
/// each Unicode class), which would stay resident for the whole session; a fixed threshold keeps
/// such blocks in their own mappings, unmapped when freed. And glibc gives each thread that
/// allocates an arena of its own; ours allocate little and seldom, so they share one
/// (BENCHMARKS.md, memory).
pub fn return_freed_blocks_to_the_system() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets allocator parameters; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// The first byte of the child's report when it could not install the filter (an errno
/// follows, little-endian); otherwise it sends the listener.
pub const SETUP_FAILED: u8 = 0xff;

/// Makes `command`'s child put itself under the guard before it execs: set `no_new_privs` if
/// asked, install `program` with a listener, send the listener over `channel` and close its own
/// copy (the program must never hold it, or it could answer for itself). A failure is reported
/// over `channel` and fails the spawn.
pub fn supervise_before_exec(
    command: pty_process::Command,
    program: Vec<Instruction>,
    channel: OwnedFd,
    no_new_privs: bool,
) -> pty_process::Command {
    let setup = move || match install_in_child(&program, no_new_privs) {
        Ok(listener) => {
            let sent = send_listener(&channel, &listener);
            drop(listener);
            sent
        }
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(libc::EIO).to_le_bytes();
            let report = [SETUP_FAILED, errno[0], errno[1], errno[2], errno[3]];
            let _ = rustix::net::send(&channel, &report, rustix::net::SendFlags::empty());
            Err(e)
        }
    };
    // SAFETY: the closure runs in the child between fork and exec, where only async-signal-safe
    // work is allowed: it makes system calls (prctl, seccomp, sendmsg, close) on memory
    // allocated before the fork, allocates nothing and takes no lock.
    unsafe { command.pre_exec(setup) }
}

fn install_in_child(program: &[Instruction], no_new_privs: bool) -> io::Result<OwnedFd> {
    if no_new_privs {
        rustix::thread::set_no_new_privs(true)?;
    }
    match install_filter(program, true) {
        // Before Linux 5.19 there is no WAIT_KILLABLE_RECV; a restarted call is asked about
        // once all the same (the session matches it to the open question).
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => install_filter(program, false),
        other => other,
    }
}

fn send_listener(channel: &OwnedFd, listener: &OwnedFd) -> io::Result<()> {
    use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
    let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let fds = [std::os::fd::AsFd::as_fd(listener)];
    if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
        return Err(io::Error::from_raw_os_error(libc::ENOBUFS));
    }
    rustix::net::sendmsg(
        channel,
        &[io::IoSlice::new(&[0])],
        &mut control,
        SendFlags::empty(),
    )?;
    Ok(())
}
