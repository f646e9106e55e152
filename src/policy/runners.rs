//! Commands that run other commands, and their option specs: wrappers that run the command
//! after their own options (`sudo`, `env`, `timeout`, `xargs` …), shells and interpreters with
//! inline code (`sh -c`, `python -c`, `node -e`), `su -c` and `ssh HOST CMD`.

use crate::policy::argv::{self, NONE, Spec, attached, flag, value};
use crate::policy::shell::Word;

/// Shells: what `sh -c`, a pipe or a here-doc feeds them is run as shell code.
pub const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "mksh", "busybox",
];
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
    "watch",
    "caffeinate",
    "flock",
    "systemd-run",
    "run0",
    "pkexec",
    "proxychains",
    "torsocks",
    "strace",
    "ltrace",
];
/// Words that start or continue a compound command rather than naming one.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
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
        if !WRAPPERS.contains(&name) {
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

/// Skips a wrapper's own options (and operands such as `timeout`'s duration).
fn skip_wrapper_options<'w>(name: &str, args: &'w [Word]) -> &'w [Word] {
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
        _ => &NO_OPTIONS,
    };
    let mut rest = &args[argv::parse(spec, args).stop..];
    while name == "env" && rest.first().is_some_and(|w| is_assignment(&w.text)) {
        rest = &rest[1..];
    }
    match name {
        // `timeout 10 cmd`, `chrt 10 cmd`, `taskset 0x3 cmd`, `flock /lock cmd`: one operand first.
        "timeout" | "chrt" | "taskset" | "flock" if !rest.is_empty() => &rest[1..],
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
