//! What an agent should not do to the machine it runs on, or to the secrets kept there: signal
//! processes it did not start (by name, by pattern, pid 1), turn off the system's services and
//! protections, read private keys and stored credentials, open a shell for the network, erase the
//! traces of what was done. Each is a category of its own.

use crate::policy::category::{
    CREDENTIALS, Category, HISTORY_WIPE, KILL_OTHERS, NETWORK_SHELL, SECURITY_OFF,
};
use crate::policy::paths::{home_relative, normalize};
use crate::policy::runners::program_name;
use crate::policy::shell::Word;
use crate::policy::walk::Judge;

/// Programs that print or copy a file they are given (a secret read is a secret leaked).
const READERS: &[&str] = &[
    "cat", "less", "more", "head", "tail", "bat", "batcat", "xxd", "od", "hexdump", "base64",
    "base32", "strings", "nl", "tac", "cp", "scp", "rsync", "tar", "zip", "7z", "curl", "wget",
    "nc", "ncat", "openssl", "gpg", "jq", "yq", "grep", "awk", "sed", "python3", "python", "node",
];

impl Judge<'_> {
    pub(super) fn host(&mut self, name: &str, args: &[Word], text: &str) {
        if let Some(category) = host_category(name, args) {
            self.found(category, text.to_owned());
            return;
        }
        if READERS.contains(&name) && args.iter().any(|a| read_paths(&a.text).any(is_credential)) {
            self.found(CREDENTIALS, text.to_owned());
        }
    }
}

/// The category `name ARGS…` falls in by what it does to the host, if any.
fn host_category(name: &str, args: &[Word]) -> Option<Category> {
    let word = |w: &str| args.iter().any(|a| a.text == w);
    let flag = |short: char, long: &str| {
        args.iter().any(|a| {
            a.text == long
                || (a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains(short))
        })
    };
    let first = args.first().map_or("", |a| a.text.as_str());
    let network = args
        .iter()
        .any(|a| a.text.contains("/dev/tcp/") || a.text.contains("/dev/udp/"));
    if network {
        return Some(NETWORK_SHELL);
    }
    Some(match name {
        // By name or pattern, whoever started them.
        "pkill" | "killall" | "skill" | "slay" => KILL_OTHERS,
        "kill" if pids(args).any(|a| a.text == "1" || pid_by_name(&a.text)) => KILL_OTHERS,
        // The system's services (a user's own, `--user`, are theirs).
        "systemctl"
            if !word("--user")
                && args.iter().any(|a| {
                    matches!(
                        a.text.as_str(),
                        "stop" | "disable" | "mask" | "kill" | "isolate"
                    )
                }) =>
        {
            SECURITY_OFF
        }
        "service" if args.get(1).is_some_and(|a| a.text == "stop") => SECURITY_OFF,
        "ufw" if matches!(first, "disable" | "reset") => SECURITY_OFF,
        "iptables" | "ip6tables" | "iptables-legacy" | "iptables-nft"
            if flag('F', "--flush")
                || flag('X', "--delete-chain")
                || (flag('P', "--policy") && word("ACCEPT")) =>
        {
            SECURITY_OFF
        }
        "nft" if word("flush") => SECURITY_OFF,
        "setenforce" if matches!(first, "0" | "Permissive" | "permissive") => SECURITY_OFF,
        "aa-teardown" | "aa-disable" | "aa-complain" | "swapoff" | "rmmod" => SECURITY_OFF,
        "auditctl" if word("-D") || (word("-e") && word("0")) => SECURITY_OFF,
        "sysctl" if flag('w', "--write") || args.iter().any(|a| a.text.contains('=')) => {
            SECURITY_OFF
        }
        "modprobe" if flag('r', "--remove") => SECURITY_OFF,
        "mount" if args.iter().any(|a| a.text.contains("remount")) => SECURITY_OFF,
        // A shell for whoever connects, or connected to.
        "nc" | "ncat" | "netcat" if flag('e', "--exec") || flag('c', "--sh-exec") => NETWORK_SHELL,
        "socat"
            if args.iter().any(|a| {
                let t = a.text.to_ascii_lowercase();
                t.contains("exec:") || t.contains("system:")
            }) =>
        {
            NETWORK_SHELL
        }
        // The traces of what was done.
        "history"
            if args
                .iter()
                .any(|a| a.text.starts_with('-') && a.text.contains('c')) =>
        {
            HISTORY_WIPE
        }
        "unset" if word("HISTFILE") => HISTORY_WIPE,
        "journalctl" if args.iter().any(|a| a.text.starts_with("--vacuum")) => HISTORY_WIPE,
        _ => return None,
    })
}

/// `kill`'s pids: its arguments without the signal (`-9`, `-s KILL`, `-n 9`, `--signal KILL`).
fn pids(args: &[Word]) -> impl Iterator<Item = &Word> {
    let mut skip_next = false;
    args.iter().filter(move |a| {
        if std::mem::take(&mut skip_next) {
            return false;
        }
        if matches!(a.text.as_str(), "-s" | "-n" | "--signal") {
            skip_next = true;
            return false;
        }
        !a.text.starts_with('-') || a.text == "-1"
    })
}

/// A pid found by name: `$(pgrep node)`, `` `pidof nginx` ``, `$(ps aux | grep node | …)`.
fn pid_by_name(arg: &str) -> bool {
    ["pgrep", "pidof"].iter().any(|p| arg.contains(p))
        || (arg.starts_with("$(ps ") && arg.contains("grep"))
}

/// The paths an argument names for reading: itself, and what an upload names after `@` or `<`
/// (`curl -F f=@path`, `-d @path`, `--data-binary @path`, `http x field@path`).
fn read_paths(arg: &str) -> impl Iterator<Item = &str> {
    let embedded = arg
        .split_once(['@', '<'])
        .map(|(_, path)| path.split(';').next().unwrap_or(path));
    std::iter::once(arg).chain(embedded)
}

/// Whether `words` (a command) prints a variable whose name says it holds a secret: `echo
/// $GITHUB_TOKEN`, `printf %s "${API_KEY}"`, `printenv AWS_SECRET_ACCESS_KEY`.
pub fn prints_secret_variable(words: &[Word]) -> bool {
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    match program_name(&program.text) {
        "echo" | "printf" => args.iter().any(|a| referenced(&a.text).any(names_a_secret)),
        "printenv" => args.iter().any(|a| names_a_secret(&a.text)),
        _ => false,
    }
}

/// Whether `words` (a command) prints every variable of the environment, secrets included:
/// `env`, `printenv`, `export -p`, `set` with no operands.
pub fn prints_environment(words: &[Word]) -> bool {
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    match program_name(&program.text) {
        "env" | "printenv" => args.iter().all(|a| a.text == "-0" || a.text == "--null"),
        "export" => args.iter().all(|a| a.text == "-p"),
        "set" => args.is_empty(),
        _ => false,
    }
}

/// Whether `consumer` (the command the environment is piped into) shows the secrets in it: one
/// that passes everything on (`sort`, `less`, `tee` …), or a filter looking for them (`grep -i
/// token`).
pub fn shows_secrets(consumer: &[Word]) -> bool {
    let Some((program, args)) = consumer.split_first() else {
        return false;
    };
    match program_name(&program.text) {
        "sort" | "cat" | "less" | "more" | "head" | "tail" | "tee" | "column" | "uniq" | "nl" => {
            true
        }
        "grep" | "egrep" | "rg" | "ag" | "awk" | "sed" => args.iter().any(|a| {
            let pattern = a.text.to_ascii_uppercase();
            ["TOKEN", "SECRET", "PASS", "KEY", "CRED", "AUTH"]
                .iter()
                .any(|word| pattern.contains(word))
        }),
        _ => false,
    }
}

/// The names of the variables `$NAME` and `${NAME…}` in `text`.
fn referenced(text: &str) -> impl Iterator<Item = &str> {
    text.split('$').skip(1).map(|after| {
        let after = after.strip_prefix('{').unwrap_or(after);
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        &after[..end]
    })
}

/// Whether a variable's name says it holds a secret.
fn names_a_secret(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|marker| name.contains(marker))
}

/// Private keys and stored credentials, in anyone's home or the system's, and the folders that
/// hold them.
pub fn is_credential(path: &str) -> bool {
    let p = normalize(path);
    let public = std::path::Path::new(&p)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pub"));
    if p.starts_with("/etc/ssh/ssh_host_") && !public || p == "/etc/shadow" || p == "/etc/gshadow" {
        return true;
    }
    // Whose home it is does not matter: `~/.netrc`, `/root/.netrc`, `/home/bob/.netrc`.
    let Some(rel) = home_relative(&p) else {
        return false;
    };
    let under = |dir: &str| rel == dir || rel.starts_with(&format!("{dir}/"));
    // A folder that holds them, read whole (`tar -czf - ~/.ssh`, `grep -r … ~/.config`).
    let holds = ["", ".ssh", ".config", ".gnupg", ".aws", ".docker", ".kube"]
        .contains(&rel.trim_end_matches('*').trim_end_matches('/'));
    let ssh_key = rel
        .strip_prefix(".ssh/")
        .is_some_and(|f| (f.starts_with("id_") || f.ends_with("_key")) && !public);
    ssh_key
        || holds
        || [
            ".aws/credentials",
            ".config/gcloud",
            ".azure",
            ".kube/config",
            ".docker/config.json",
            ".netrc",
            ".npmrc",
            ".pypirc",
            ".git-credentials",
            ".password-store",
            ".gnupg/private-keys-v1.d",
            ".config/gh/hosts.yml",
            ".cargo/credentials",
            ".cargo/credentials.toml",
            ".vault-token",
            ".terraform.d/credentials.tfrc.json",
        ]
        .iter()
        .any(|rel| under(rel))
}
