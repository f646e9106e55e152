//! The seccomp filter installed in the child before it runs the command: which system calls stop
//! for the supervisor, which go on untouched, and which never run. Built once, before the fork,
//! as plain data ([`program`]); `sys::install_filter` loads it.
//!
//! - Calls of another architecture (a 32-bit `int 0x80` from a 64-bit program) kill the process:
//!   the supervisor would read their arguments wrongly. x32 calls fail with `ENOSYS`, as on a
//!   kernel built without x32.
//! - `io_uring_setup` fails with `ENOSYS`: a ring's operations never pass through seccomp, and
//!   libuv (Node) and others fall back to plain calls when it is missing.
//! - `open` and `openat` stop only with write intent (`O_WRONLY`, `O_RDWR`, `O_CREAT`,
//!   `O_TRUNC`, `O_APPEND`), checked in the filter: reads cost nothing. `openat2` keeps its flags
//!   in memory, so every `openat2` stops and the supervisor reads them.
//! - The other supervised calls ([`Kind`]) always stop; everything else runs.

use crate::sys::Instruction;

/// A supervised system call, by what it does and how its arguments are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Open,
    Openat,
    Openat2,
    Creat,
    Unlink,
    Unlinkat,
    Rmdir,
    Rename,
    Renameat,
    Renameat2,
    Mkdir,
    Mkdirat,
    Mknod,
    Mknodat,
    Link,
    Linkat,
    Symlink,
    Symlinkat,
    Chmod,
    Fchmodat,
    Fchmodat2,
    Chown,
    Lchown,
    Fchownat,
    Truncate,
    Utime,
    Utimes,
    Utimensat,
    Futimesat,
    Setxattr,
    Lsetxattr,
    Fsetxattr,
    Removexattr,
    Lremovexattr,
    Fremovexattr,
    Execve,
    Execveat,
    Kill,
    Tkill,
    Tgkill,
    PidfdSendSignal,
}

/// `fchmodat2` (Linux 6.6) has no constant in every libc yet; its number is the same everywhere.
const SYS_FCHMODAT2: i64 = 452;

/// Every supervised call and its number on this architecture. The calls only x86-64 still has
/// (`open`, `unlink`, …) are absent elsewhere, where libc uses their `*at` forms.
#[rustfmt::skip]
pub const SUPERVISED: &[(Kind, i64)] = &[
    #[cfg(target_arch = "x86_64")] (Kind::Open, libc::SYS_open),
    (Kind::Openat, libc::SYS_openat),
    (Kind::Openat2, libc::SYS_openat2),
    #[cfg(target_arch = "x86_64")] (Kind::Creat, libc::SYS_creat),
    #[cfg(target_arch = "x86_64")] (Kind::Unlink, libc::SYS_unlink),
    (Kind::Unlinkat, libc::SYS_unlinkat),
    #[cfg(target_arch = "x86_64")] (Kind::Rmdir, libc::SYS_rmdir),
    #[cfg(target_arch = "x86_64")] (Kind::Rename, libc::SYS_rename),
    #[cfg(target_arch = "x86_64")] (Kind::Renameat, libc::SYS_renameat),
    (Kind::Renameat2, libc::SYS_renameat2),
    #[cfg(target_arch = "x86_64")] (Kind::Mkdir, libc::SYS_mkdir),
    (Kind::Mkdirat, libc::SYS_mkdirat),
    #[cfg(target_arch = "x86_64")] (Kind::Mknod, libc::SYS_mknod),
    (Kind::Mknodat, libc::SYS_mknodat),
    #[cfg(target_arch = "x86_64")] (Kind::Link, libc::SYS_link),
    (Kind::Linkat, libc::SYS_linkat),
    #[cfg(target_arch = "x86_64")] (Kind::Symlink, libc::SYS_symlink),
    (Kind::Symlinkat, libc::SYS_symlinkat),
    #[cfg(target_arch = "x86_64")] (Kind::Chmod, libc::SYS_chmod),
    (Kind::Fchmodat, libc::SYS_fchmodat),
    (Kind::Fchmodat2, SYS_FCHMODAT2),
    #[cfg(target_arch = "x86_64")] (Kind::Chown, libc::SYS_chown),
    #[cfg(target_arch = "x86_64")] (Kind::Lchown, libc::SYS_lchown),
    (Kind::Fchownat, libc::SYS_fchownat),
    (Kind::Truncate, libc::SYS_truncate),
    #[cfg(target_arch = "x86_64")] (Kind::Utime, libc::SYS_utime),
    #[cfg(target_arch = "x86_64")] (Kind::Utimes, libc::SYS_utimes),
    (Kind::Utimensat, libc::SYS_utimensat),
    #[cfg(target_arch = "x86_64")] (Kind::Futimesat, libc::SYS_futimesat),
    (Kind::Setxattr, libc::SYS_setxattr),
    (Kind::Lsetxattr, libc::SYS_lsetxattr),
    (Kind::Fsetxattr, libc::SYS_fsetxattr),
    (Kind::Removexattr, libc::SYS_removexattr),
    (Kind::Lremovexattr, libc::SYS_lremovexattr),
    (Kind::Fremovexattr, libc::SYS_fremovexattr),
    (Kind::Execve, libc::SYS_execve),
    (Kind::Execveat, libc::SYS_execveat),
    (Kind::Kill, libc::SYS_kill),
    (Kind::Tkill, libc::SYS_tkill),
    (Kind::Tgkill, libc::SYS_tgkill),
    (Kind::PidfdSendSignal, libc::SYS_pidfd_send_signal),
];

/// The supervised call with number `nr`.
pub fn kind_of(nr: i64) -> Option<Kind> {
    SUPERVISED.iter().find(|(_, n)| *n == nr).map(|(k, _)| *k)
}

/// This architecture's `AUDIT_ARCH_*`: calls that report another are not ours to read.
#[cfg(target_arch = "x86_64")]
pub const NATIVE_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
pub const NATIVE_ARCH: u32 = 0xC000_00B7;

/// The open flags that change a file: `O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND`.
pub const WRITE_INTENT: u32 = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000;

/// Offsets into `struct seccomp_data`.
const NR: u32 = 0;
const ARCH: u32 = 4;
/// The low 32 bits of argument `i` (little-endian).
const fn arg_low(i: u32) -> u32 {
    16 + 8 * i
}

/// Classic BPF opcodes (`linux/bpf_common.h`): all fit in the instruction's 16-bit code.
const LD_W_ABS: u16 = 0x20;
const JEQ_K: u16 = 0x15;
const JSET_K: u16 = 0x45;
const RET_K: u16 = 0x06;

/// Where a jump goes, resolved when the program is laid out.
#[derive(Clone, Copy)]
enum Target {
    Next,
    Notify,
    Kill,
    NoSys,
    OpenFlags(u32),
}

enum Op {
    Load(u32),
    /// Jump to `then` if the accumulator equals `k`, else to `otherwise`.
    Eq(u32, Target, Target),
    /// Jump to `then` if the accumulator has any bit of `k`, else to `otherwise`.
    Any(u32, Target, Target),
}

/// The filter program for this architecture.
pub fn program() -> Vec<Instruction> {
    let mut ops = vec![
        Op::Load(ARCH),
        Op::Eq(NATIVE_ARCH, Target::Next, Target::Kill),
        Op::Load(NR),
    ];
    #[cfg(target_arch = "x86_64")]
    ops.push(Op::Any(0x4000_0000, Target::NoSys, Target::Next));
    ops.push(Op::Eq(
        number(libc::SYS_io_uring_setup),
        Target::NoSys,
        Target::Next,
    ));
    for &(kind, nr) in SUPERVISED {
        let then = match kind {
            #[cfg(target_arch = "x86_64")]
            Kind::Open => Target::OpenFlags(1),
            Kind::Openat => Target::OpenFlags(2),
            _ => Target::Notify,
        };
        ops.push(Op::Eq(number(nr), then, Target::Next));
    }
    lay_out(&ops)
}

fn number(nr: i64) -> u32 {
    u32::try_from(nr).expect("system call numbers are small")
}

/// Lays the operations out, then the shared tails: the flag checks of `open`/`openat` and the
/// returns. Jumps are forward and short (a few dozen instructions), as classic BPF requires.
fn lay_out(ops: &[Op]) -> Vec<Instruction> {
    let nosys = libc::SECCOMP_RET_ERRNO | u32::try_from(libc::ENOSYS).unwrap_or(38);
    // After the ops: "allow" (falling off the list), then open's flag check (argument 1),
    // openat's (argument 2), "allow" for both, and the other returns.
    let allow_at = ops.len();
    let flags_at = |arg: u32| allow_at + 1 + if arg == 1 { 0 } else { 2 };
    let flags_allow_at = allow_at + 5;
    let notify_at = allow_at + 6;
    let target = |t: Target, here: usize| -> u8 {
        let to = match t {
            Target::Next => here + 1,
            Target::OpenFlags(arg) => flags_at(arg),
            Target::Notify => notify_at,
            Target::NoSys => notify_at + 1,
            Target::Kill => notify_at + 2,
        };
        u8::try_from(to - here - 1).expect("the filter's jumps fit in a byte")
    };
    let stmt = |code, k| Instruction {
        code,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |code, k, jt, jf| Instruction { code, jt, jf, k };
    let mut out: Vec<Instruction> = Vec::with_capacity(notify_at + 3);
    for (here, op) in ops.iter().enumerate() {
        out.push(match *op {
            Op::Load(offset) => stmt(LD_W_ABS, offset),
            Op::Eq(k, then, otherwise) => {
                jump(JEQ_K, k, target(then, here), target(otherwise, here))
            }
            Op::Any(k, then, otherwise) => {
                jump(JSET_K, k, target(then, here), target(otherwise, here))
            }
        });
    }
    out.push(stmt(RET_K, libc::SECCOMP_RET_ALLOW));
    for arg in [1, 2] {
        out.push(stmt(LD_W_ABS, arg_low(arg)));
        let here = out.len();
        let to_allow = u8::try_from(flags_allow_at - here - 1).expect("short jump");
        out.push(jump(
            JSET_K,
            WRITE_INTENT,
            target(Target::Notify, here),
            to_allow,
        ));
    }
    out.push(stmt(RET_K, libc::SECCOMP_RET_ALLOW));
    out.push(stmt(RET_K, libc::SECCOMP_RET_USER_NOTIF));
    out.push(stmt(RET_K, nosys));
    out.push(stmt(RET_K, libc::SECCOMP_RET_KILL_PROCESS));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classic-BPF interpreter for the instructions the filter uses: what the kernel would
    /// return for a call.
    fn run(program: &[Instruction], arch: u32, nr: u32, args: [u32; 6]) -> u32 {
        let mut acc = 0u32;
        let mut pc = 0usize;
        loop {
            let i = program[pc];
            pc += 1;
            match i.code {
                LD_W_ABS => {
                    acc = match i.k {
                        NR => nr,
                        ARCH => arch,
                        k => args[((k - 16) / 8) as usize],
                    }
                }
                JEQ_K | JSET_K => {
                    let hit = if i.code == JEQ_K {
                        acc == i.k
                    } else {
                        acc & i.k != 0
                    };
                    pc += usize::from(if hit { i.jt } else { i.jf });
                }
                RET_K => return i.k,
                other => panic!("unexpected instruction {other:#x}"),
            }
        }
    }

    fn open_number() -> i64 {
        #[cfg(target_arch = "x86_64")]
        return libc::SYS_open;
        #[cfg(not(target_arch = "x86_64"))]
        return -1;
    }

    #[test]
    fn the_opcodes_are_the_kernels() {
        assert_eq!(
            u32::from(LD_W_ABS),
            libc::BPF_LD | libc::BPF_W | libc::BPF_ABS
        );
        assert_eq!(
            u32::from(JEQ_K),
            libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K
        );
        assert_eq!(
            u32::from(JSET_K),
            libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K
        );
        assert_eq!(u32::from(RET_K), libc::BPF_RET | libc::BPF_K);
    }

    #[test]
    fn the_filter_stops_what_changes_files_and_nothing_else() {
        let p = program();
        let call = |nr: i64, args: [u32; 6]| run(&p, NATIVE_ARCH, number(nr), args);
        let notify = libc::SECCOMP_RET_USER_NOTIF;
        let allow = libc::SECCOMP_RET_ALLOW;
        // openat: read-only goes on, any write intent stops.
        assert_eq!(call(libc::SYS_openat, [0, 0, 0, 0, 0, 0]), allow);
        for flag in [0o1, 0o2, 0o100, 0o1000, 0o2000] {
            assert_eq!(call(libc::SYS_openat, [0, 0, flag, 0, 0, 0]), notify);
            // The flags are argument 2, not 1.
            assert_eq!(call(libc::SYS_openat, [0, flag, 0, 0, 0, 0]), allow);
        }
        #[cfg(target_arch = "x86_64")]
        {
            assert_eq!(call(libc::SYS_open, [0, 0o101, 0, 0, 0, 0]), notify);
            assert_eq!(call(libc::SYS_open, [0, 0o4000, 0, 0, 0, 0]), allow);
            // x32 calls never run.
            assert_eq!(
                run(&p, NATIVE_ARCH, 0x4000_0000 | 2, [0; 6]),
                libc::SECCOMP_RET_ERRNO | libc::ENOSYS.cast_unsigned()
            );
        }
        // Every other supervised call stops, whatever its arguments.
        for &(kind, nr) in SUPERVISED {
            let checks_flags = matches!(kind, Kind::Openat) || nr == open_number();
            if !checks_flags {
                assert_eq!(call(nr, [0; 6]), notify, "{kind:?}");
            }
        }
        for nr in [
            libc::SYS_read,
            libc::SYS_write,
            libc::SYS_close,
            libc::SYS_getpid,
        ] {
            assert_eq!(call(nr, [0o1; 6]), allow);
        }
        assert_eq!(
            call(libc::SYS_io_uring_setup, [0; 6]),
            libc::SECCOMP_RET_ERRNO | libc::ENOSYS.cast_unsigned()
        );
        assert_eq!(
            run(&p, 0x4000_0003, number(libc::SYS_write), [0; 6]),
            libc::SECCOMP_RET_KILL_PROCESS,
            "a foreign architecture's call kills"
        );
    }
}
