//! The categories of danger: a stable id each (config, logs, `explain`) and a one-line reason.
//! The built-in list is what `denylist.builtin` names.

/// A category of danger: a stable id (config, logs) and a one-line reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    pub id: &'static str,
    pub reason: &'static str,
}

pub const fn category(id: &'static str, reason: &'static str) -> Category {
    Category { id, reason }
}

pub const RECURSIVE_DELETE: Category = category(
    "recursive-delete",
    "recursive deletion of /, a home directory or a system directory",
);
pub const DISK_WIPE: Category = category(
    "disk-wipe",
    "creates a filesystem, wipes a disk or writes raw to a block device",
);
pub const POWER: Category = category("power", "shuts down or restarts the machine");
pub const PERMISSION_SWEEP: Category = category(
    "permission-sweep",
    "changes permissions or ownership of /, a home or a system directory",
);
pub const SUDOERS: Category = category("sudoers", "changes who may run commands as root");
pub const FORK_BOMB: Category = category("fork-bomb", "a fork bomb exhausts the machine");
pub const PIPE_TO_SHELL: Category =
    category("pipe-to-shell", "runs code downloaded from the network");
pub const OPAQUE: Category = category(
    "opaque-code",
    "runs code that cannot be read before it runs",
);
pub const GIT_HISTORY: Category = category("git-history", "rewrites or discards git history");
pub const GIT_DISCARD: Category = category(
    "git-discard",
    "discards uncommitted changes, stashes, tags or worktrees that no commit keeps",
);
pub const KILL_OTHERS: Category = category(
    "kill-by-name",
    "signals processes by name or pattern, or pid 1: processes the agent may not have started",
);
pub const SECURITY_OFF: Category = category(
    "security-off",
    "stops system services, or turns off a firewall, SELinux/AppArmor, auditing, swap or a \
     kernel setting",
);
pub const CREDENTIALS: Category = category(
    "credentials",
    "reads private keys or stored credentials (SSH, cloud, registries, password stores)",
);
pub const NETWORK_SHELL: Category = category(
    "network-shell",
    "opens a shell to or for the network, or sends the environment or secrets out",
);
pub const HISTORY_WIPE: Category = category(
    "history-wipe",
    "erases shell history or system logs: the traces of what was done",
);
pub const DATABASE_DROP: Category = category("database-drop", "drops or empties a database");
pub const KILL_ALL: Category = category("kill-all", "kills every process the user can signal");
pub const CRONTAB_REMOVE: Category = category("crontab-remove", "deletes the user's crontab");
pub const PACKAGE_PUBLISH: Category = category(
    "package-publish",
    "publishes a package or image to a registry",
);
pub const CLOUD_DESTROY: Category =
    category("cloud-destroy", "destroys cloud or cluster resources");
pub const STARTUP_FILES: Category = category(
    "startup-files",
    "overwrites a shell startup file, run at every login",
);
pub const SSH_KEYS: Category = category("ssh-keys", "changes SSH keys or SSH configuration");
pub const SYSTEM_FILES: Category = category(
    "system-file-write",
    "writes into a system directory (/etc, /boot, /usr, /bin …)",
);

/// Every built-in category, in the order they are reported.
pub const OUTSIDE_PROJECT: Category = category(
    "outside-project",
    "deletes, moves away, overwrites or changes the permissions of something outside the project \
     (or the project itself, or its repository)",
);

pub const BUILTIN: &[Category] = &[
    RECURSIVE_DELETE,
    DISK_WIPE,
    POWER,
    PERMISSION_SWEEP,
    SUDOERS,
    FORK_BOMB,
    PIPE_TO_SHELL,
    OPAQUE,
    GIT_HISTORY,
    GIT_DISCARD,
    KILL_OTHERS,
    SECURITY_OFF,
    CREDENTIALS,
    NETWORK_SHELL,
    HISTORY_WIPE,
    DATABASE_DROP,
    KILL_ALL,
    CRONTAB_REMOVE,
    PACKAGE_PUBLISH,
    CLOUD_DESTROY,
    STARTUP_FILES,
    SSH_KEYS,
    SYSTEM_FILES,
    OUTSIDE_PROJECT,
];

/// The ids of the built-in categories.
pub fn builtin_ids() -> Vec<&'static str> {
    BUILTIN.iter().map(|c| c.id).collect()
}

/// The built-in category with this id.
pub fn builtin(id: &str) -> Option<Category> {
    BUILTIN.iter().find(|c| c.id == id).copied()
}
