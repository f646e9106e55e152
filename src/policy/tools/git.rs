//! `git`: the subcommands that rewrite or discard history (force pushes, hard resets, forced
//! cleans and branch deletions, history filters), read with git's own options.

use crate::policy::argv::{self, NONE, Spec, attached, flag, value};
use crate::policy::category::{GIT_DISCARD, GIT_HISTORY};
use crate::policy::shell::Word;
use crate::policy::walk::Judge;

/// Options before the subcommand.
const GLOBAL: Spec = Spec {
    options: &[
        value('C', ""),
        value('c', ""),
        value(NONE, "git-dir"),
        value(NONE, "work-tree"),
        value(NONE, "namespace"),
        value(NONE, "config-env"),
        attached(NONE, "exec-path"),
        flag('p', "paginate"),
        flag('P', "no-pager"),
        flag(NONE, "bare"),
        flag(NONE, "no-replace-objects"),
        flag(NONE, "literal-pathspecs"),
    ],
    permute: false,
};

const PUSH: Spec = Spec {
    options: &[
        flag('f', "force"),
        attached(NONE, "force-with-lease"),
        flag(NONE, "force-if-includes"),
        flag(NONE, "mirror"),
        flag('d', "delete"),
        flag(NONE, "prune"),
        flag('n', "dry-run"),
        flag('u', "set-upstream"),
        flag(NONE, "all"),
        flag(NONE, "tags"),
        flag('q', "quiet"),
        flag('v', "verbose"),
        value('o', "push-option"),
        value(NONE, "repo"),
        value(NONE, "receive-pack"),
        value(NONE, "exec"),
    ],
    permute: true,
};

const RESET: Spec = Spec {
    options: &[
        flag(NONE, "hard"),
        flag(NONE, "soft"),
        flag(NONE, "mixed"),
        flag(NONE, "keep"),
        flag(NONE, "merge"),
        flag('q', "quiet"),
        flag('p', "patch"),
    ],
    permute: true,
};

const CLEAN: Spec = Spec {
    options: &[
        flag('f', "force"),
        flag('d', ""),
        flag('x', ""),
        flag('X', ""),
        flag('n', "dry-run"),
        flag('i', "interactive"),
        flag('q', "quiet"),
        value('e', "exclude"),
    ],
    permute: true,
};

const BRANCH: Spec = Spec {
    options: &[
        flag('D', ""),
        flag('d', "delete"),
        flag('f', "force"),
        flag('m', "move"),
        flag('M', ""),
        flag('c', "copy"),
        flag('C', ""),
        flag('r', "remotes"),
        flag('a', "all"),
        flag('l', "list"),
        flag('v', "verbose"),
        value('u', "set-upstream-to"),
        value(NONE, "sort"),
        value(NONE, "format"),
    ],
    permute: true,
};

const UPDATE_REF: Spec = Spec {
    options: &[
        flag('d', ""),
        value('m', ""),
        flag(NONE, "stdin"),
        flag('z', ""),
    ],
    permute: true,
};

impl Judge<'_> {
    pub(super) fn git(&mut self, args: &[Word], text: &str, depth: usize) {
        let global = argv::parse(&GLOBAL, args);
        // `-c key=value` settings that are commands git runs.
        for setting in global.values_of(&["c"]) {
            if let Some(command) = setting
                .split_once('=')
                .and_then(|(key, value)| command_setting(key, value))
            {
                self.nested(command, text, depth);
            }
        }
        let Some(sub) = args.get(global.stop) else {
            return;
        };
        // `git config [set] KEY VALUE`: the same settings, kept for every later git command.
        if sub.text == "config" {
            let operands: Vec<&str> = config_operands(&args[global.stop + 1..]);
            let operands = match operands.split_first() {
                Some((&"set", rest)) => rest,
                _ => &operands[..],
            };
            if let [key, value, ..] = operands
                && let Some(command) = command_setting(key, value)
            {
                self.nested(command, text, depth);
            }
        }
        let rest = &args[global.stop + 1..];
        let destroys = match sub.text.as_str() {
            "push" => {
                let push = argv::parse(&PUSH, rest);
                // `--prune` deletes the remote's branches that are not here.
                ["force", "force-with-lease", "mirror", "delete", "prune"]
                    .iter()
                    .any(|o| push.has(o))
                    // `+branch` is a forced refspec; `:branch` deletes it.
                    || push
                        .operand_texts()
                        .skip(1)
                        .any(|r| (r.starts_with('+') || r.starts_with(':')) && r.len() > 1)
            }
            "reset" => argv::parse(&RESET, rest).has("hard"),
            "clean" => argv::parse(&CLEAN, rest).has("force"),
            "branch" => {
                let branch = argv::parse(&BRANCH, rest);
                branch.has("D") || (branch.has("delete") && branch.has("force"))
            }
            "filter-branch" | "filter-repo" => true,
            "reflog" => rest
                .first()
                .is_some_and(|a| a.text == "expire" || a.text == "delete"),
            "update-ref" => argv::parse(&UPDATE_REF, rest).has("d"),
            "gc" | "prune" => rest.iter().any(|a| {
                matches!(
                    a.text.as_str(),
                    "--prune=now" | "--prune=all" | "--expire=now"
                )
            }),
            _ => false,
        };
        if destroys {
            self.found(GIT_HISTORY, text.to_owned());
        } else if discards(&sub.text, rest) {
            self.found(GIT_DISCARD, text.to_owned());
        }
    }
}

/// The command a git setting `key = value` makes git run later, if it is one: an alias starting
/// with `!`, a pager, an editor, an SSH command, a file-system monitor, a credential helper, a
/// diff or filter driver, a signing program.
fn command_setting<'v>(key: &str, value: &'v str) -> Option<&'v str> {
    let key = key.to_ascii_lowercase();
    if key.starts_with("alias.") {
        return value.strip_prefix('!');
    }
    let runs = matches!(
        key.as_str(),
        "core.pager"
            | "core.editor"
            | "core.sshcommand"
            | "core.fsmonitor"
            | "core.askpass"
            | "sequence.editor"
            | "diff.external"
            | "credential.helper"
            | "gpg.program"
    ) || key.starts_with("pager.")
        || (key.starts_with("filter.")
            && [".clean", ".smudge", ".process"]
                .iter()
                .any(|end| key.ends_with(end)));
    (runs && !value.is_empty()).then(|| value.trim_start_matches('!'))
}

/// The operands of `git config …`: its words but options, and the values of those that take one.
fn config_operands(rest: &[Word]) -> Vec<&str> {
    let mut operands = Vec::new();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        match word.text.as_str() {
            "-f" | "--file" | "--blob" | "--type" | "--default" | "--comment" => {
                words.next();
            }
            option if option.starts_with('-') => {}
            operand => operands.push(operand),
        }
    }
    operands
}

/// Whether `git SUB REST…` throws away work no commit keeps: changes in the working tree
/// (`checkout -- path`, `checkout .`, `restore path`, a forced `checkout`, `switch` or `rm`: what
/// git refuses without the force is a change no commit holds), stashes
/// (`stash drop`, `stash clear`), tags (`tag -d`), a worktree or submodule with changes
/// (`worktree remove -f`, `submodule deinit -f`).
fn discards(sub: &str, rest: &[Word]) -> bool {
    let has = |flags: &[&str]| {
        rest.iter().any(|a| {
            flags.contains(&a.text.as_str())
                || (a.text.starts_with('-')
                    && !a.text.starts_with("--")
                    && flags
                        .iter()
                        .any(|f| f.len() == 2 && a.text[1..].contains(&f[1..])))
        })
    };
    let operands = || rest.iter().filter(|a| !a.text.starts_with('-'));
    match sub {
        "checkout" => {
            has(&["-f", "--force"])
                || rest.iter().any(|a| a.text == "--")
                || operands().any(|a| a.text == "." || a.text == ":/")
        }
        "restore" => {
            // `--staged` alone only unstages: the working tree keeps the changes.
            let staged_only = has(&["-S", "--staged"]) && !has(&["-W", "--worktree"]);
            !staged_only && operands().next().is_some()
        }
        "switch" => has(&["-f", "--force", "--discard-changes"]),
        // `--cached` leaves the files as they are.
        "rm" => has(&["-f", "--force"]) && !has(&["--cached"]),
        "stash" => rest
            .first()
            .is_some_and(|a| a.text == "drop" || a.text == "clear"),
        "tag" => has(&["-d", "--delete"]),
        "worktree" => rest.first().is_some_and(|a| a.text == "remove") && has(&["-f", "--force"]),
        // Forced, it removes a submodule's working tree with its local changes.
        "submodule" => rest.first().is_some_and(|a| a.text == "deinit") && has(&["-f", "--force"]),
        _ => false,
    }
}
