//! The supervised process tree as `/proc` shows it: a thread's process and its ancestors up to
//! the command autoapprove started (the root), for trust ("this process and its descendants"),
//! for the chain shown with a question, and to tell a signal inside the tree (allowed) from one
//! sent outside it (supervised).
//!
//! A process whose parent exited is re-parented to init, so it no longer counts as inside: a
//! signal to it is asked about, never silently allowed.

/// The most ancestors walked: deeper than any real tree, short of a loop.
const MAX_DEPTH: usize = 512;

fn status_field(pid: i32, field: &str) -> Option<i32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.trim().parse().ok())
}

/// The process of thread `tid`.
pub fn process_of(tid: i32) -> Option<i32> {
    status_field(tid, "Tgid:")
}

fn parent_of(pid: i32) -> Option<i32> {
    status_field(pid, "PPid:")
}

/// Thread `tid`'s process, then its parent, … up to and including `root`; empty if `root` is
/// not among them (or `root` is 0: not known yet).
pub fn ancestors(tid: i32, root: i32) -> Vec<i32> {
    let mut out = Vec::new();
    if root <= 0 {
        return out;
    }
    let mut pid = process_of(tid).unwrap_or(tid);
    while out.len() < MAX_DEPTH {
        out.push(pid);
        if pid == root {
            return out;
        }
        match parent_of(pid) {
            Some(parent) if parent > 1 => pid = parent,
            _ => break,
        }
    }
    Vec::new()
}

/// Whether `kill(pid, …)` from thread `caller` reaches only processes inside the tree: its own
/// group (`0`), a process inside, or the group of one inside. `-1` (every process the user may
/// signal) never is.
pub fn signal_stays_inside(pid: i64, caller: i32, root: i32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    match pid {
        0 => caller > 0,
        -1 => false,
        p => !ancestors(p.saturating_abs(), root).is_empty(),
    }
}

/// `pid command` for thread `tid`'s process and each ancestor up to `root`, for the person.
pub fn chain(tid: i32, root: i32) -> Vec<String> {
    let pids = ancestors(tid, root);
    let pids = if pids.is_empty() {
        vec![process_of(tid).unwrap_or(tid)]
    } else {
        pids
    };
    pids.iter()
        .map(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            format!("{pid} {}", crate::escape::escape_str(comm.trim_end()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_inside_a_tree_rooted_at_itself_or_its_parent() {
        let me = i32::try_from(std::process::id()).unwrap();
        let parent = parent_of(me).unwrap();
        assert_eq!(ancestors(me, me), vec![me]);
        if parent > 1 {
            assert_eq!(ancestors(me, parent), vec![me, parent]);
        }
        assert!(signal_stays_inside(i64::from(me), me, me));
        assert!(signal_stays_inside(0, me, me));
        assert!(!signal_stays_inside(-1, me, me));
        // Init is outside any tree but its own.
        assert!(!signal_stays_inside(1, me, me));
        assert!(chain(me, me)[0].starts_with(&format!("{me} ")));
    }
}
