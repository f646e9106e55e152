//! Commands that run other commands, and their option specs: wrappers that run the command
//! after their own options (`sudo`, `env`, `timeout`, `xargs` …), shells and interpreters with
//! inline code (`sh -c`, `python -c`, `node -e`), `su -c` and `ssh HOST CMD`.

use crate::policy::argv::{self, NONE, Spec, attached, flag, value};
use crate::policy::shell::Word;

/// Shells: what `sh -c`, a pipe or a here-doc feeds them is run as shell code.
pub const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "mksh"];
/// Interpreters: inline code (`-c`, `-e`) is scanned for what it runs.
pub const INTERPRETERS: &[&str] = &[
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "nodejs",
    "php",
    "lua",
    "Rscript",
    "osascript",
    "deno",
    "bun",
    "pwsh",
    "powershell",
];
/// Commands that only run the command after their own options: `sudo rm …` is judged as `rm …`.
const WRAPPERS: &[&str] = &[
    "sudo",
    "doas",
    "env",
    "nice",
    "nohup",
    "timeout",
    "xargs",
    "exec",
    "command",
    "builtin",
    "time",
    "stdbuf",
    "ionice",
    "chrt",
    "taskset",
    "setsid",
    "unbuffer",
    "caffeinate",
    "flock",
    "systemd-run",
    "run0",
    "pkexec",
    "proxychains",
    "torsocks",
    "strace",
    "ltrace",
    // Namespaces, fake roots and other users: the command after their options still runs.
    "unshare",
    "fakeroot",
    "chroot",
    "nsenter",
    "firejail",
    "bwrap",
    // Multi-call binaries: `busybox rm …` is `rm …`.
    "busybox",
    "toybox",
    // A detached terminal runs its command all the same.
    "screen",
    "dtach",
];
/// Words that start or continue a compound command rather than naming one.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
    "coproc",
];

/// The words after leading assignments, compound-command keywords and wrappers such as `sudo`.
pub fn unwrap(words: &[Word]) -> &[Word] {
    let mut words = words;
    loop {
        let Some(first) = words.first() else {
            return words;
        };
        let text = first.text.as_str();
        if is_assignment(text) || RESERVED.contains(&text) {
            words = &words[1..];
            continue;
        }
        let name = program_name(text);
        if let Some(rest) = launched(name, &words[1..]) {
            words = rest;
            continue;
        }
        if !WRAPPERS.contains(&name) {
            return words;
        }
        // `env -S STRING` runs a command line: judged whole, not unwrapped.
        if name == "env" && argv::parse(&ENV, &words[1..]).has("split-string") {
            return words;
        }
        // `command -v x` and `type`-like lookups run nothing.
        if name == "command"
            && words
                .get(1)
                .is_some_and(|w| w.text == "-v" || w.text == "-V")
        {
            return &words[..0];
        }
        words = skip_wrapper_options(name, &words[1..]);
    }
}

/// What a package manager or environment runner runs: `npx prisma …`, `uv run pytest`,
/// `bundle exec rails …`, `python -m twine …`, `poetry run …` — the command after the runner's
/// subcommand and options.
fn launched<'w>(name: &str, args: &'w [Word]) -> Option<&'w [Word]> {
    let sub = |i: usize| args.get(i).map(|w| w.text.as_str());
    let after = match (name, sub(0)) {
        ("npx" | "bunx" | "pnpx" | "uvx", _) => 0,
        ("pipx" | "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "rye" | "pixi", Some("run"))
        | ("npm" | "pnpm" | "yarn", Some("exec" | "dlx"))
        | ("bun", Some("x"))
        | ("bundle" | "mise" | "asdf", Some("exec" | "x"))
        | ("python" | "python3", Some("-m")) => 1,
        ("uv", Some("tool")) if sub(1) == Some("run") => 2,
        _ => return None,
    };
    let mut rest = &args[after..];
    // The runner's own options, up to the command (a `--` ends them).
    while let Some(first) = rest.first() {
        let t = first.text.as_str();
        if t == "--" {
            return Some(&rest[1..]);
        }
        if !t.starts_with('-') {
            break;
        }
        let takes_value = matches!(
            t,
            "-p" | "--package"
                | "--with"
                | "--python"
                | "--project"
                | "--directory"
                | "--env-file"
                | "--group"
                | "--extra"
                | "--from"
                | "-e"
                | "--env"
        );
        rest = &rest[if takes_value { 2 } else { 1 }.min(rest.len())..];
    }
    (!rest.is_empty()).then_some(rest)
}

/// Skips a wrapper's own options (and operands such as `timeout`'s duration).
fn skip_wrapper_options<'w>(name: &str, args: &'w [Word]) -> &'w [Word] {
    // `dtach -n SOCKET CMD…`: a mode, then the socket.
    if name == "dtach" {
        return args.get(2..).unwrap_or_default();
    }
    let spec = match name {
        "sudo" => &SUDO,
        "doas" => &DOAS,
        "env" => &ENV,
        "nice" => &NICE,
        "timeout" => &TIMEOUT,
        "xargs" => &XARGS,
        "exec" => &EXEC,
        "stdbuf" => &STDBUF,
        "ionice" => &IONICE,
        "flock" => &FLOCK,
        "watch" => &WATCH,
        "systemd-run" => &SYSTEMD_RUN,
        "strace" | "ltrace" => &STRACE,
        "unshare" => &UNSHARE,
        "fakeroot" => &FAKEROOT,
        "chroot" => &CHROOT,
        "nsenter" => &NSENTER,
        "screen" => &SCREEN,
        "firejail" | "bwrap" => &SANDBOXES,
        _ => &NO_OPTIONS,
    };
    let mut rest = &args[argv::parse(spec, args).stop..];
    while name == "env" && rest.first().is_some_and(|w| is_assignment(&w.text)) {
        rest = &rest[1..];
    }
    match name {
        // `timeout 10 cmd`, `chrt 10 cmd`, `taskset 0x3 cmd`, `flock /lock cmd`, `chroot /new
        // cmd`: one operand first.
        "timeout" | "chrt" | "taskset" | "flock" | "chroot" if !rest.is_empty() => &rest[1..],
        _ => rest,
    }
}

const fn wrapper(options: &'static [argv::Opt]) -> Spec {
    Spec {
        options,
        permute: false,
    }
}

const NO_OPTIONS: Spec = wrapper(&[]);
const SUDO: Spec = wrapper(&[
    value('u', "user"),
    value('g', "group"),
    value('h', "host"),
    value('p', "prompt"),
    value('C', "close-from"),
    value('D', "chdir"),
    value('r', "role"),
    value('t', "type"),
    value('T', "command-timeout"),
    value('U', "other-user"),
    value('R', "chroot"),
    flag('E', "preserve-env"),
    flag('H', "set-home"),
    flag('i', "login"),
    flag('s', "shell"),
    flag('n', "non-interactive"),
    flag('k', "reset-timestamp"),
    flag('b', "background"),
    flag('A', "askpass"),
    flag('S', "stdin"),
]);
const DOAS: Spec = wrapper(&[value('u', ""), value('C', ""), flag('n', ""), flag('s', "")]);
const ENV: Spec = wrapper(&[
    value('u', "unset"),
    value('C', "chdir"),
    value('S', "split-string"),
    flag('i', "ignore-environment"),
    flag('0', "null"),
    flag('v', "debug"),
]);
const NICE: Spec = wrapper(&[value('n', "adjustment")]);
const TIMEOUT: Spec = wrapper(&[
    value('s', "signal"),
    value('k', "kill-after"),
    flag('v', "verbose"),
    flag(NONE, "preserve-status"),
    flag(NONE, "foreground"),
]);
const XARGS: Spec = wrapper(&[
    value('I', "replace"),
    attached('i', ""),
    value('L', "max-lines"),
    attached('l', ""),
    value('n', "max-args"),
    value('P', "max-procs"),
    value('d', "delimiter"),
    value('E', "eof"),
    attached('e', ""),
    value('s', "max-chars"),
    value('a', "arg-file"),
    flag('0', "null"),
    flag('r', "no-run-if-empty"),
    flag('t', "verbose"),
    flag('p', "interactive"),
    flag('x', "exit"),
    value(NONE, "process-slot-var"),
]);
const EXEC: Spec = wrapper(&[value('a', ""), flag('c', ""), flag('l', "")]);
const STDBUF: Spec = wrapper(&[
    value('i', "input"),
    value('o', "output"),
    value('e', "error"),
]);
const IONICE: Spec = wrapper(&[
    value('c', "class"),
    value('n', "classdata"),
    value('p', "pid"),
    value('P', "pgid"),
    value('u', "uid"),
    flag('t', "ignore"),
]);
const FLOCK: Spec = wrapper(&[
    value('w', "timeout"),
    value('E', "conflict-exit-code"),
    flag('s', "shared"),
    flag('x', "exclusive"),
    flag('u', "unlock"),
    flag('n', "nonblock"),
    flag('o', "close"),
    value('c', "command"),
]);
const WATCH: Spec = wrapper(&[
    value('n', "interval"),
    attached('d', "differences"),
    flag('t', "no-title"),
    flag('x', "exec"),
    flag('e', "errexit"),
    flag('g', "chgexit"),
    flag('b', "beep"),
]);
const SYSTEMD_RUN: Spec = wrapper(&[
    value('u', "unit"),
    value('p', "property"),
    value(NONE, "uid"),
    value(NONE, "gid"),
    value('E', "setenv"),
    value(NONE, "working-directory"),
    value(NONE, "description"),
    value(NONE, "slice"),
    flag(NONE, "user"),
    flag('t', "pty"),
    flag('P', "pipe"),
    flag('q', "quiet"),
    flag(NONE, "wait"),
    flag('G', "collect"),
]);
const STRACE: Spec = wrapper(&[
    value('o', "output"),
    value('e', ""),
    value('p', "attach"),
    value('s', "string-limit"),
    value('u', "user"),
    value('E', "env"),
    value('a', ""),
    value('b', ""),
    value('I', ""),
    value('O', ""),
    value('S', ""),
    value('X', ""),
    value('P', "trace-path"),
    flag('f', "follow-forks"),
]);

const UNSHARE: Spec = wrapper(&[
    attached('m', "mount"),
    attached('u', "uts"),
    attached('i', "ipc"),
    attached('n', "net"),
    attached('p', "pid"),
    attached('U', "user"),
    attached('C', "cgroup"),
    attached('T', "time"),
    flag('f', "fork"),
    flag('r', "map-root-user"),
    flag('c', "map-current-user"),
    attached(NONE, "mount-proc"),
    value(NONE, "map-user"),
    value(NONE, "map-group"),
    value(NONE, "propagation"),
    value(NONE, "setgroups"),
    value('R', "root"),
    value('w', "wd"),
    value('S', "setuid"),
    value('G', "setgid"),
    flag(NONE, "kill-child"),
    flag(NONE, "keep-caps"),
]);
const FAKEROOT: Spec = wrapper(&[
    value('l', "lib"),
    value(NONE, "faked"),
    value('i', ""),
    value('s', ""),
    value('b', ""),
    flag('u', "unknown-is-real"),
]);
const CHROOT: Spec = wrapper(&[
    value(NONE, "userspec"),
    value(NONE, "groups"),
    flag(NONE, "skip-chdir"),
]);
const NSENTER: Spec = wrapper(&[
    value('t', "target"),
    attached('m', "mount"),
    attached('u', "uts"),
    attached('i', "ipc"),
    attached('n', "net"),
    attached('p', "pid"),
    attached('U', "user"),
    value('S', "setuid"),
    value('G', "setgid"),
    attached('r', "root"),
    attached('w', "wd"),
    flag('a', "all"),
    flag('F', "no-fork"),
]);
const SCREEN: Spec = wrapper(&[
    value('S', ""),
    value('t', ""),
    value('c', ""),
    value('e', ""),
    value('h', ""),
    value('p', ""),
    value('T', ""),
    value('X', ""),
    flag('d', ""),
    flag('D', ""),
    flag('m', ""),
    flag('L', ""),
    flag('a', ""),
    flag('A', ""),
    flag('q', ""),
    flag('U', ""),
]);
/// `firejail` and `bwrap`: options given as `--name=value` (firejail) or `--name value`.
const SANDBOXES: Spec = wrapper(&[
    value(NONE, "bind"),
    value(NONE, "ro-bind"),
    value(NONE, "dev-bind"),
    value(NONE, "chdir"),
    value(NONE, "tmpfs"),
    value(NONE, "proc"),
    value(NONE, "dev"),
    value(NONE, "setenv"),
    flag(NONE, "unshare-all"),
    flag(NONE, "die-with-parent"),
    flag(NONE, "noprofile"),
    flag(NONE, "quiet"),
]);
const SCRIPT: Spec = wrapper(&[
    value('c', "command"),
    value('E', "echo"),
    value('O', "log-out"),
    value('I', "log-in"),
    value('B', "log-io"),
    value('T', "log-timing"),
    value('m', "logging-format"),
    flag('a', "append"),
    flag('e', "return"),
    flag('f', "flush"),
    flag('q', "quiet"),
]);
const RUNUSER: Spec = Spec {
    permute: true,
    ..wrapper(&[
        value('u', "user"),
        value('g', "group"),
        value('G', "supp-group"),
        value('c', "command"),
        value('s', "shell"),
        value('w', "whitelist-environment"),
        value(NONE, "session-command"),
        flag('l', "login"),
        flag('m', "preserve-environment"),
        flag('p', ""),
        flag('P', "pty"),
    ])
};
const PARALLEL: Spec = wrapper(&[
    value('j', "jobs"),
    value('N', "max-args"),
    value('n', "max-args"),
    value('S', "sshlogin"),
    value(NONE, "joblog"),
    value(NONE, "results"),
    value(NONE, "delay"),
    value(NONE, "timeout"),
    value(NONE, "colsep"),
    value('d', "delimiter"),
    value('I', ""),
    flag('k', "keep-order"),
    flag('q', "quote"),
    flag('v', "verbose"),
    flag(NONE, "dry-run"),
    flag(NONE, "bar"),
    flag(NONE, "progress"),
    flag(NONE, "eta"),
    flag(NONE, "halt"),
    flag(NONE, "tag"),
    flag(NONE, "line-buffer"),
    flag('0', "null"),
    flag('X', ""),
    flag('m', ""),
]);
const TMUX_NEW: Spec = wrapper(&[
    value('s', ""),
    value('n', ""),
    value('c', ""),
    value('t', ""),
    value('x', ""),
    value('y', ""),
    value('e', ""),
    value('F', ""),
    value('f', ""),
    value('l', ""),
    value('p', ""),
    flag('d', ""),
    flag('A', ""),
    flag('D', ""),
    flag('E', ""),
    flag('P', ""),
    flag('X', ""),
    flag('h', ""),
    flag('v', ""),
    flag('b', ""),
    flag('k', ""),
    flag('a', ""),
    flag('Z', ""),
]);

/// What a command that runs another one given as text (or as words to be joined into text) runs:
/// `script -c CMD`, `runuser -c CMD`, `watch CMD…` (through `sh -c`, unless `-x`), `tmux
/// new-session … CMD`, `env -S CMD`, `parallel CMD ::: ARG…` (once per argument). Each is a
/// command line to judge.
pub fn command_strings(name: &str, args: &[Word]) -> Vec<String> {
    let joined = |words: &[&Word]| {
        words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match name {
        "script" => argv::parse(&SCRIPT, args)
            .value("command")
            .map(str::to_owned)
            .into_iter()
            .collect(),
        "runuser" => {
            let parsed = argv::parse(&RUNUSER, args);
            match parsed.value("command") {
                Some(code) => vec![code.to_owned()],
                // `runuser -u USER [--] CMD…`
                None if parsed.has("user") => vec![joined(&parsed.operands)],
                None => Vec::new(),
            }
        }
        "watch" => {
            let parsed = argv::parse(&WATCH, args);
            if parsed.has("exec") {
                let words: Vec<String> = parsed.operands.iter().map(|w| w.text.clone()).collect();
                vec![crate::policy::shell::join(&words)]
            } else {
                vec![joined(&parsed.operands)]
            }
        }
        "tmux" => {
            let Some(at) = args.iter().position(|w| {
                matches!(
                    w.text.as_str(),
                    "new"
                        | "new-session"
                        | "new-window"
                        | "neww"
                        | "split-window"
                        | "splitw"
                        | "respawn-pane"
                        | "respawnp"
                        | "respawn-window"
                        | "respawnw"
                )
            }) else {
                return Vec::new();
            };
            let parsed = argv::parse(&TMUX_NEW, &args[at + 1..]);
            if parsed.operands.is_empty() {
                Vec::new()
            } else {
                vec![joined(&parsed.operands)]
            }
        }
        "env" => argv::parse(&ENV, args)
            .value("split-string")
            .map(str::to_owned)
            .into_iter()
            .collect(),
        "parallel" => {
            let Some(at) = args.iter().position(|w| w.text.starts_with(":::")) else {
                return Vec::new();
            };
            let before = &args[..at];
            let command: Vec<&Word> = before[argv::parse(&PARALLEL, before).stop..]
                .iter()
                .collect();
            args[at + 1..]
                .iter()
                .filter(|w| !w.text.starts_with(":::"))
                .map(|arg| {
                    let line = joined(&command);
                    if line.contains("{}") {
                        line.replace("{}", &arg.text)
                    } else {
                        format!("{line} {}", arg.text)
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// `su`: `-c`/`--command` is a command line.
pub const SU: Spec = wrapper(&[
    value('c', "command"),
    value(NONE, "session-command"),
    value('s', "shell"),
    value('g', "group"),
    value('G', "supp-group"),
    value('w', "whitelist-environment"),
    flag('l', "login"),
    flag('m', "preserve-environment"),
    flag('p', ""),
    flag('P', "pty"),
    flag('f', "fast"),
]);

/// `ssh`: its options, then the host, then a command run there.
pub const SSH: Spec = wrapper(&[
    value('b', ""),
    value('c', ""),
    value('D', ""),
    value('E', ""),
    value('e', ""),
    value('F', ""),
    value('I', ""),
    value('i', ""),
    value('J', ""),
    value('L', ""),
    value('l', ""),
    value('m', ""),
    value('O', ""),
    value('o', ""),
    value('P', ""),
    value('p', ""),
    value('Q', ""),
    value('R', ""),
    value('S', ""),
    value('W', ""),
    value('w', ""),
    value('B', ""),
]);

/// Shells: `-c` is a flag whose command string is the first operand.
const SHELL_OPTIONS: Spec = wrapper(&[
    flag('c', ""),
    flag('s', ""),
    flag('i', ""),
    flag('l', "login"),
    flag('e', ""),
    flag('x', ""),
    flag('u', ""),
    flag('v', "verbose"),
    flag('n', ""),
    flag('f', ""),
    flag('a', ""),
    flag('m', ""),
    flag('p', ""),
    flag('r', "restricted"),
    flag('E', ""),
    flag('h', ""),
    flag('B', ""),
    flag('C', ""),
    flag('H', ""),
    flag('P', ""),
    flag('T', ""),
    value('o', ""),
    value('O', ""),
    flag(NONE, "norc"),
    flag(NONE, "noprofile"),
    flag(NONE, "posix"),
    flag(NONE, "noediting"),
    value(NONE, "rcfile"),
    value(NONE, "init-file"),
]);

/// An interpreter's options, and which of them carry inline code.
pub fn code_spec(name: &str) -> (Spec, &'static [&'static str]) {
    const PYTHON: Spec = wrapper(&[
        value('c', ""),
        value('m', ""),
        value('W', ""),
        value('X', ""),
        value('Q', ""),
    ]);
    const PERL: Spec = wrapper(&[
        value('e', ""),
        value('E', ""),
        attached('i', ""),
        attached('I', ""),
        attached('M', ""),
        attached('m', ""),
        attached('l', ""),
        attached('0', ""),
        attached('F', ""),
        attached('C', ""),
        attached('d', ""),
        attached('D', ""),
        attached('x', ""),
    ]);
    const RUBY: Spec = wrapper(&[
        value('e', ""),
        value('r', "require"),
        value('I', ""),
        attached('W', ""),
        attached('i', ""),
    ]);
    const NODE: Spec = wrapper(&[
        value('e', "eval"),
        value('p', "print"),
        value('r', "require"),
        value(NONE, "import"),
        value(NONE, "input-type"),
        value(NONE, "loader"),
    ]);
    const PHP: Spec = wrapper(&[
        value('r', ""),
        value('f', ""),
        value('d', ""),
        value('c', ""),
    ]);
    const CODE_E: Spec = wrapper(&[value('e', "")]);
    const PWSH: Spec = wrapper(&[value('c', ""), value('f', "")]);
    match name {
        _ if SHELLS.contains(&name) => (SHELL_OPTIONS, &[]),
        "python" | "python2" | "python3" => (PYTHON, &["c"]),
        "perl" => (PERL, &["e", "E"]),
        "ruby" => (RUBY, &["e"]),
        "node" | "nodejs" | "bun" | "deno" => (NODE, &["eval", "print"]),
        "php" => (PHP, &["r"]),
        "pwsh" | "powershell" => (PWSH, &["c"]),
        _ => (CODE_E, &["e"]),
    }
}

pub fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// `/usr/bin/rm` → `rm`, `"\rm"` → `rm`.
pub fn program_name(word: &str) -> &str {
    let name = word.rsplit('/').next().unwrap_or(word);
    name.trim_start_matches('\\')
}
