//! Commands dangerous by their name and plain arguments: disk wipes and partitioning, power,
//! sudo rights, killing every process, removing the crontab.

use crate::policy::argv::{self, NONE, Spec, flag, value};
use crate::policy::category::{CRONTAB_REMOVE, Category, DISK_WIPE, KILL_ALL, POWER, SUDOERS};
use crate::policy::shell::Word;

/// Partitioning tools' read-only forms.
const PARTITION: Spec = Spec {
    options: &[
        flag('l', "list"),
        flag('p', "print"),
        value('b', "sector-size"),
    ],
    permute: true,
};

const CRONTAB: Spec = Spec {
    options: &[
        flag('r', ""),
        flag('i', ""),
        flag('l', ""),
        flag('e', ""),
        value('u', ""),
        flag(NONE, "help"),
    ],
    permute: true,
};

/// The category a command falls in by its name and plain arguments alone.
pub fn by_name(name: &str, args: &[Word]) -> Option<Category> {
    let has = |pred: &dyn Fn(&str) -> bool| args.iter().any(|a| pred(&a.text));
    match name {
        "shred" | "wipefs" | "mke2fs" | "mkswap" | "mkdosfs" | "mkntfs" | "blkdiscard" => {
            Some(DISK_WIPE)
        }
        n if n.starts_with("mkfs") => Some(DISK_WIPE),
        "fdisk" | "sfdisk" | "gdisk" | "cfdisk" | "parted" | "sgdisk" => {
            let parsed = argv::parse(&PARTITION, args);
            let reads = parsed.has("list")
                || parsed.has("print")
                || parsed.operand_texts().any(|w| w == "print");
            (!reads).then_some(DISK_WIPE)
        }
        "shutdown" | "reboot" | "poweroff" | "halt" => Some(POWER),
        "init" | "telinit" if has(&|a| a == "0" || a == "6") => Some(POWER),
        "systemctl" | "loginctl"
            if has(&|a| matches!(a, "poweroff" | "reboot" | "halt" | "kexec" | "soft-reboot")) =>
        {
            Some(POWER)
        }
        "visudo" => Some(SUDOERS),
        "usermod" | "gpasswd" | "adduser" | "addgroup"
            if has(&|a| {
                a.split(',')
                    .any(|g| matches!(g, "sudo" | "wheel" | "admin" | "root"))
            }) =>
        {
            Some(SUDOERS)
        }
        "kill" if kills_everything(args) => Some(KILL_ALL),
        "killall5" => Some(KILL_ALL),
        "crontab" if argv::parse(&CRONTAB, args).has("r") => Some(CRONTAB_REMOVE),
        _ => None,
    }
}

/// `kill [-SIGNAL | -s SIGNAL | -n NUMBER] [--] PID…` with the PID `-1`: every process the user
/// may signal. A lone `-1` first is a signal number, not a PID.
fn kills_everything(args: &[Word]) -> bool {
    let mut pids = args;
    match pids.first().map(|w| w.text.as_str()) {
        Some("-s" | "-n" | "--signal") => pids = pids.get(2..).unwrap_or_default(),
        Some(first) if first.starts_with('-') && first != "--" && first.len() > 1 => {
            pids = &pids[1..];
        }
        _ => {}
    }
    if pids.first().is_some_and(|w| w.text == "--") {
        pids = &pids[1..];
    }
    pids.iter().any(|w| w.text == "-1")
}
