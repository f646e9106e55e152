//! Walking a command line as a shell would run it: each simple command after its wrappers
//! (`sudo`, `env`, `timeout` …) are looked through, code handed to a shell or an interpreter
//! (`sh -c`, `eval`, `python -c`, a pipe into `bash`, `ssh host CMD`) judged as code, and each
//! tool's own arguments handed to its handler in [`crate::policy::tools`].
//!
//! What cannot be seen through counts as dangerous ([`OPAQUE`]).

use std::sync::LazyLock;

use regex::Regex;

use crate::policy::Denylist;
use crate::policy::argv;
use crate::policy::category::{
    CREDENTIALS, Category, DATABASE_DROP, FORK_BOMB, NETWORK_SHELL, OPAQUE, PIPE_TO_SHELL,
    RECURSIVE_DELETE, SECRET_VARIABLE_PRINT,
};
use crate::policy::paths::is_protected_tree;
use crate::policy::prose;
use crate::policy::runners::{
    INTERPRETERS, SHELLS, SSH, SU, code_spec, command_strings, program_name, unwrap,
};
use crate::policy::scope::Scope;
use crate::policy::shell::{self, Command, RedirectKind, Script, Word};
use crate::policy::tools::database;

/// One judgement in progress.
// How the text is read (explained, as prose, after a `cd`, shown to the agent) are independent
// switches.
#[allow(clippy::struct_excessive_bools)]
pub struct Judge<'a> {
    pub list: &'a Denylist,
    /// Rules found (indices into the list's rules), each with what triggered it.
    pub findings: Vec<(usize, String)>,
    pub notes: Vec<String>,
    pub explain: bool,
    /// The directory an earlier `cd` in the same command line moved to: relative paths are in it.
    pub cwd: Option<String>,
    /// Where the command runs and what its project is: then a change outside it is dangerous.
    pub scope: Option<&'a Scope>,
    /// The text is prose, read as if every word could start a command.
    pub prose: bool,
    /// The prose line being read has a `cd` (or `pushd`) in it: a reading that started after it
    /// does not know where its relative paths are.
    pub prose_cd: bool,
    /// Files a downloader wrote earlier in the command line (normalised): running one is running
    /// downloaded code, in two steps instead of a pipe.
    pub downloaded: Vec<String>,
    /// Functions and aliases defined earlier in the command line: name → body.
    pub defined: Vec<(String, String)>,
    /// Files written earlier in the command line with text it shows (`cat > x.sh <<EOF`, `echo
    /// … > x.sh`), normalised → that text: running one runs it.
    pub written: Vec<(String, String)>,
    /// What the command prints reaches the agent: false for a command a supervised program
    /// runs for itself ([`crate::policy::Subject::Exec`]).
    pub shown: bool,
}

pub const DOWNLOADERS: &[&str] = &[
    "curl",
    "wget",
    "fetch",
    "aria2c",
    "http",
    "https",
    "lwp-request",
    "lynx",
    "links",
    "nc",
    "ncat",
    "socat",
];

/// Programs that turn encoded or compressed text back into what it hides.
const DECODERS: &[&str] = &[
    "base64", "base32", "basenc", "xxd", "od", "uudecode", "gunzip", "zcat", "gzip", "bzcat",
    "bzip2", "xzcat", "xz", "unxz", "zstdcat", "zstd", "openssl", "gpg", "rev", "tr",
];

impl Judge<'_> {
    pub fn found(&mut self, category: Category, excerpt: impl Into<String>) {
        if let Some(rule) = self.list.in_force(category.id) {
            self.findings.push((rule, excerpt.into()));
        }
    }

    /// The declared rules ([`crate::policy::rules::matcher`]) for `name ARGS…`.
    fn declared(&mut self, name: &str, args: &[Word], text: &str) {
        if asks_for_help(args) {
            return;
        }
        let list = self.list;
        let class = |path: &str| self.scope.map(|s| s.class(path, self.cwd.as_deref()));
        let found: Vec<(usize, &crate::policy::Rule)> = list
            .declared_for(name)
            .filter(|(_, rule)| rule.matches.iter().any(|m| m.matches(name, args, &class)))
            .collect();
        for (i, rule) in found {
            self.findings.push((i, text.to_owned()));
            self.note(|| format!("`{text}`: rule {}/{}", rule.pack, rule.id));
        }
    }

    fn note(&mut self, note: impl FnOnce() -> String) {
        if self.explain {
            self.notes.push(note());
        }
    }

    /// A command line, strictly parsed.
    pub fn command_line(&mut self, source: &str, depth: usize) {
        let trimmed = source.trim_end();
        // Screens cut long text with `…` (`...` is real syntax: `go test ./...`).
        if depth == 0 && trimmed.ends_with('…') {
            self.found(
                OPAQUE,
                format!("{trimmed} (cut short: the rest is not visible)"),
            );
            return;
        }
        fork_bomb(self, source);
        match shell::parse(source) {
            Ok(script) => self.script(&script, depth, false),
            Err(e) => self.found(OPAQUE, format!("{} (cannot be parsed: {e})", source.trim())),
        }
    }

    /// Prose with commands in it: every word of every reading a person may make of it
    /// ([`prose::readings`]) may start a command. What a person cannot see through there is opaque
    /// too (`$CMD`, code piped or fed by a here-doc into a shell), but not text that does not parse.
    pub fn text(&mut self, text: &str) {
        fork_bomb(self, text);
        for line in prose::readings(text) {
            let line = line.trim();
            self.prose_cd = line.split_whitespace().any(|w| {
                let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                matches!(w, "cd" | "pushd" | "popd")
            });
            // SQL on screen is no shell command, yet a person reads `DROP DATABASE prod` as one.
            if let Some(statement) = database::drop_statement(line) {
                self.found(DATABASE_DROP, statement.to_owned());
                return;
            }
            let mut starts = vec![0];
            starts.extend(
                line.char_indices()
                    .filter(|&(i, c)| {
                        i > 0 && !c.is_whitespace() && line[..i].ends_with(char::is_whitespace)
                    })
                    .map(|(i, _)| i),
            );
            for start in starts {
                let script = shell::parse_lenient(&line[start..]);
                self.script(&script, 0, true);
                if !self.findings.is_empty() {
                    return;
                }
            }
        }
    }

    pub fn script(&mut self, script: &Script, depth: usize, prose: bool) {
        for command in &script.commands {
            if self.list.allow.iter().any(|a| a.is_match(&command.text())) {
                self.note(|| format!("`{}`: allowed by your `allow` list", command.text()));
                continue;
            }
            let words = unwrap(&command.words);
            if words
                .first()
                .is_some_and(|w| w.text == "cd" || w.text == "pushd")
            {
                self.cwd = words.get(1).map(|dir| self.resolve(&dir.text));
            }
            let before = self.findings.len();
            if self.definition(words) {
                continue;
            }
            if let Some(body) = self.called(words) {
                self.nested(&body, &command.text(), depth);
            }
            self.command(script, command, depth, prose);
            if self.findings.len() == before {
                self.note(|| {
                    let words = unwrap(&command.words);
                    let name = words.first().map_or("", |w| program_name(&w.text));
                    let why = match name {
                        "echo" | "printf" => "prints its arguments: data, not a command",
                        "git" if words.iter().any(|w| w.text == "commit") => {
                            "a commit message is data, not a command"
                        }
                        _ => "no rule applies",
                    };
                    format!("`{}`: {why}", command.text())
                });
            }
        }
    }

    /// One simple command, after its wrappers are looked through.
    fn command(&mut self, script: &Script, command: &Command, depth: usize, prose: bool) {
        self.remember_written(command);
        for redirect in &command.redirects {
            let target = &redirect.target.text;
            match redirect.kind {
                // `>& /dev/tcp/HOST/PORT`, `< /dev/tcp/…`: the shell's own network socket.
                _ if target.starts_with("/dev/tcp/") || target.starts_with("/dev/udp/") => {
                    self.found(NETWORK_SHELL, command.text());
                }
                RedirectKind::Write | RedirectKind::Append => {
                    self.write_target(target, &command.text());
                }
                RedirectKind::Read if crate::policy::tools::is_credential(target) => {
                    self.found(CREDENTIALS, command.text());
                }
                _ => {}
            }
        }
        // The environment (its tokens and keys) piped to the network.
        if let Some(producer) = command.piped_from.map(|i| &script.commands[i])
            && producer
                .words
                .first()
                .is_some_and(|w| matches!(program_name(&w.text), "env" | "printenv" | "set"))
            && producer.words.len() == 1
            && unwrap(&command.words)
                .first()
                .is_some_and(|w| DOWNLOADERS.contains(&program_name(&w.text)))
        {
            self.found(
                NETWORK_SHELL,
                format!("{} | {}", producer.text(), command.text()),
            );
        }
        self.secret_printed(script, command);
        let words = unwrap(&command.words);
        let Some(first) = words.first() else {
            return;
        };
        let name = program_name(&first.text);
        let fed: Vec<Word>;
        let wrappers = &command.words[..command.words.len() - words.len()];
        let args = if wrappers.iter().any(|w| program_name(&w.text) == "xargs") {
            fed = words[1..]
                .iter()
                .cloned()
                .chain(input_operands(script, command, wrappers, prose))
                .collect();
            &fed[..]
        } else {
            &words[1..]
        };
        if first.text.contains('/') {
            let text = command.text();
            self.runs_a_file(&first.text, &text, true, depth);
        }
        let text = words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        if !prose && is_pure_variable(first) {
            self.found(OPAQUE, format!("{text} (the command is a variable)"));
            return;
        }
        // `/bin/r? -rf ~`: which program runs depends on the files the pattern matches.
        if !prose && is_glob(&first.text) {
            self.found(OPAQUE, format!("{text} (the command's name is a pattern)"));
            return;
        }
        self.declared(name, args, &text);
        let here = command
            .redirects
            .iter()
            .find(|r| r.kind == RedirectKind::Here);
        if SHELLS.contains(&name) || INTERPRETERS.contains(&name) {
            self.run_code(script, command, name, args, &text, here, depth, prose);
        }
        match name {
            "eval" => self.eval(args, &text, depth),
            // In prose `.` is as likely a `jq` filter or a full stop as `source`: only what it
            // could only mean as `source` (`. <(curl …)`) counts there.
            "source" | "." => self.source(args, &text, !(prose && name == "."), depth),
            "ssh" => self.ssh(args, depth),
            "su" => {
                if let Some(code) = argv::parse(&SU, args).value("command") {
                    self.nested(code, &text, depth);
                }
            }
            // `at` and `batch` run what they read later, as a shell would now.
            "at" | "batch" if !args.iter().any(|w| w.text.starts_with("-f")) => {
                self.run_code(script, command, "sh", &[], &text, here, depth, prose);
            }
            // `trap 'CMD' SIGNAL…`: CMD runs when the signal (or exit) comes.
            "trap" => {
                if let Some(code) = args.first().filter(|a| !a.text.starts_with('-')) {
                    self.nested(&code.text, &text, depth);
                }
            }
            "script" | "runuser" | "watch" | "tmux" | "env" | "parallel" => {
                for code in command_strings(name, args) {
                    self.nested(&code, &text, depth);
                }
            }
            _ => self.tool(script, command, name, args, &text, depth),
        }
    }

    /// A secret variable printed where the agent reads it. Into a file (`> .env`) or piped into
    /// a program (`| docker login --password-stdin`) it is that file or program's; piped to the
    /// network, it is sent out.
    /// The whole environment printed (`env`, `env | grep -i token`) is too, unless what it is
    /// piped into keeps the secrets out of sight (`env | grep PATH`, `env | wc -l`).
    fn secret_printed(&mut self, script: &Script, command: &Command) {
        use crate::policy::tools::{prints_environment, prints_secret_variable, shows_secrets};
        let to_a_file = command.redirects.iter().any(|r| {
            matches!(r.kind, RedirectKind::Write | RedirectKind::Append)
                && !r.target.text.starts_with("/dev/std")
        });
        let words = unwrap(&command.words);
        let one = prints_secret_variable(words);
        // `env` alone is no wrapper: what it unwraps to is nothing. Not in prose, where any
        // word may start a command (`eval $(opam env)`).
        let all = !self.prose && (prints_environment(words) || prints_environment(&command.words));
        if to_a_file || !(one || all) || !self.shown {
            return;
        }
        let consumer = script.commands.iter().find(|c| {
            c.piped_from
                .is_some_and(|i| std::ptr::eq(&raw const script.commands[i], command))
        });
        let consumer = consumer.map(|c| unwrap(&c.words));
        match consumer.and_then(|c| c.first()) {
            None => self.found(SECRET_VARIABLE_PRINT, command.text()),
            // The environment piped to the network is judged where the pipeline is.
            Some(w) if DOWNLOADERS.contains(&program_name(&w.text)) => {
                if one {
                    self.found(NETWORK_SHELL, command.text());
                }
            }
            Some(_) if all && consumer.is_some_and(shows_secrets) => {
                self.found(SECRET_VARIABLE_PRINT, command.text());
            }
            Some(_) => {}
        }
    }

    /// A shell or interpreter: what code does it run?
    #[allow(clippy::too_many_arguments)]
    fn run_code(
        &mut self,
        script: &Script,
        command: &Command,
        name: &str,
        args: &[Word],
        text: &str,
        here: Option<&shell::Redirect>,
        depth: usize,
        prose: bool,
    ) {
        let shell = SHELLS.contains(&name);
        let (spec, code_options) = code_spec(name);
        let parsed = argv::parse(&spec, args);
        let inline = if shell {
            // `-c` is a flag: the command string is the first operand.
            parsed
                .has("c")
                .then(|| parsed.operands.first().map(|w| (*w).clone()))
                .flatten()
        } else {
            code_options.iter().find_map(|o| parsed.value_word(o))
        };
        if let Some(code) = &inline {
            if is_pure_variable(code) && (!prose || is_named_variable(code)) {
                self.found(OPAQUE, format!("{text} (the code is a variable)"));
            } else if let Some(body) = pure_substitution(code) {
                self.generated(body, text);
            } else if shell {
                self.nested(&code.text, text, depth);
            } else {
                self.code(&code.text, text);
            }
            return;
        }
        // A script file given as a process substitution: `bash <(curl …)`.
        if let Some(process) = args.iter().find(|a| a.process) {
            self.generated(
                process.substitutions.first().map_or("", String::as_str),
                text,
            );
            return;
        }
        let reads_stdin = parsed.has("s")
            || parsed.operands.is_empty()
            || parsed.operands.first().is_some_and(|w| w.text == "-");
        if !reads_stdin {
            // Runs a script file: not readable from here — unless it was just downloaded.
            if let Some(file) = parsed.operands.first() {
                self.runs_a_file(&file.text, text, shell, depth);
            }
            return;
        }
        self.code_from_stdin(script, command, text, here, (shell, prose), depth);
    }

    /// What a shell or interpreter that reads its code from standard input is fed: a here-doc,
    /// another command's output (`< <(curl …)`), or a pipe.
    fn code_from_stdin(
        &mut self,
        script: &Script,
        command: &Command,
        text: &str,
        here: Option<&shell::Redirect>,
        (shell, prose): (bool, bool),
        depth: usize,
    ) {
        // `bash -s < <(curl …)`: stdin is another command's output.
        if let Some(process) = command
            .redirects
            .iter()
            .find(|r| r.kind == RedirectKind::Read && r.target.process)
        {
            let body = process
                .target
                .substitutions
                .first()
                .map_or("", String::as_str);
            self.generated(body, text);
            return;
        }
        if let Some(here) = here {
            match (&here.body, shell) {
                (_, true) => self.found(
                    OPAQUE,
                    format!("{text} <<{} (a here-doc run by a shell)", here.target.text),
                ),
                (Some(body), false) => self.code(body, text),
                (None, false) => self.code(&here.target.text, text),
            }
            return;
        }
        let Some(producer) = command.piped_from.map(|i| &script.commands[i]) else {
            return;
        };
        // Walk back through the pipeline: any downloader feeding a shell runs downloaded code.
        let mut stage = Some(producer);
        while let Some(p) = stage {
            let words = unwrap(&p.words);
            if words
                .first()
                .is_some_and(|w| DOWNLOADERS.contains(&program_name(&w.text)))
            {
                self.found(PIPE_TO_SHELL, format!("{} | {text}", p.text()));
                return;
            }
            stage = p.piped_from.map(|i| &script.commands[i]);
        }
        let producer_words = unwrap(&producer.words);
        let producer_name = producer_words.first().map_or("", |w| program_name(&w.text));
        match producer_name {
            "echo" | "printf" => {
                let code = producer_words[1..]
                    .iter()
                    .filter(|w| !w.text.starts_with('-'))
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                if shell {
                    self.nested(&code, text, depth);
                } else {
                    self.code(&code, text);
                }
            }
            "cat" | "git" | "head" | "tail" if producer_words[1..].iter().all(|w| !w.expands) => {}
            // In prose a pipe into a shell is opaque only from a decoder: there is no doubt the
            // shell runs hidden code. From anything else it may be a program's own wording.
            name if prose && !DECODERS.contains(&name) => {}
            _ => self.found(
                OPAQUE,
                format!(
                    "{} | {text} (code generated by a command, run by a shell)",
                    producer.text()
                ),
            ),
        }
    }

    /// A command string run by a shell (`sh -c`, `eval`, `su -c`): judged like a command line.
    pub fn nested(&mut self, code: &str, outer: &str, depth: usize) {
        if depth + 1 > shell::MAX_DEPTH {
            self.found(OPAQUE, format!("{outer} (nested too deeply)"));
            return;
        }
        let before = self.findings.len();
        self.command_line(code, depth + 1);
        // Report the whole wrapper for context, but keep the inner trigger visible.
        for finding in &mut self.findings[before..] {
            if !finding.1.contains(outer) && outer != code {
                finding.1 = format!("{} (in: {outer})", finding.1);
            }
        }
    }

    /// Code produced at run time by `body` and run: downloaded (pipe-to-shell) or unreadable.
    fn generated(&mut self, body: &str, outer: &str) {
        let script = shell::parse_lenient(body);
        if let [only] = script.commands.as_slice()
            && prints_its_own_shell_setup(unwrap(&only.words))
        {
            self.note(|| format!("`{outer}`: a tool's own shell set-up, not opaque code"));
            return;
        }
        let downloads = script.commands.iter().any(|c| {
            unwrap(&c.words)
                .first()
                .is_some_and(|w| DOWNLOADERS.contains(&program_name(&w.text)))
        });
        if downloads {
            self.found(PIPE_TO_SHELL, outer.to_owned());
        } else {
            self.found(OPAQUE, format!("{outer} (code produced at run time)"));
        }
    }

    /// Inline interpreter code (`python3 -c`, `perl -e`): its string literals may be commands it
    /// runs, and its calls may delete trees.
    fn code(&mut self, code: &str, outer: &str) {
        static LITERAL: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r#"'([^'\\]|\\.)*'|"([^"\\]|\\.)*"|`[^`]*`"#).expect("literal regex")
        });
        static TREE_DELETE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"rmtree|rmSync|rm_rf|rm_r\b|remove_dir_all|remove_tree|rimraf|FileUtils\.rm|unlink|os\.remove|\brm\s+-[a-zA-Z]*[rR]",
            )
            .expect("tree regex")
        });
        // The home directory, as code builds it: from the environment or the language's own call.
        static HOME: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r#"expanduser\(\s*['"]~['"]?\s*\)|homedir\(\)|Dir\.home|Path\.home\(\)|UserHomeDir\(\)|home_dir\(\)|\$ENV\{\s*['"]?HOME|ENV\[\s*['"]HOME|environ\s*(\[|\.get\()\s*['"]HOME|getenv\(\s*['"]HOME|env\.HOME\b|\$_SERVER\[\s*['"]HOME"#,
            )
            .expect("home regex")
        });
        fork_bomb(self, code);
        let deletes = TREE_DELETE.is_match(code);
        if deletes && let Some(home) = HOME.find(code) {
            self.found(
                RECURSIVE_DELETE,
                format!("{outer} (deletes the home directory: {})", home.as_str()),
            );
        }
        for literal in LITERAL.find_iter(code) {
            let inner = &literal.as_str()[1..literal.as_str().len() - 1];
            if deletes && is_protected_tree(inner) {
                self.found(RECURSIVE_DELETE, format!("{outer} (deletes {inner})"));
            }
            if inner.contains(' ') {
                let before = self.findings.len();
                let script = shell::parse_lenient(inner);
                self.script(&script, 1, true);
                for finding in &mut self.findings[before..] {
                    finding.1 = format!("{} (in: {outer})", finding.1);
                }
            }
        }
    }

    fn eval(&mut self, args: &[Word], text: &str, depth: usize) {
        if let [only] = args
            && let Some(body) = pure_substitution(only)
        {
            self.generated(body, text);
            return;
        }
        if args.iter().any(|a| a.expands && !a.text.contains(' ')) {
            self.found(OPAQUE, format!("{text} (eval of a variable)"));
            return;
        }
        let code = args
            .iter()
            .map(|a| a.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        self.nested(&code, text, depth);
    }

    /// `source FILE` / `. FILE`; `files`: judge a plain file too (what it sources).
    fn source(&mut self, args: &[Word], text: &str, files: bool, depth: usize) {
        let Some(file) = args.first() else { return };
        if file.process || pure_substitution(file).is_some() {
            let body = file.substitutions.first().map_or("", String::as_str);
            self.generated(body, text);
        } else if files && (file.text == "/dev/stdin" || file.text == "-") {
            self.found(OPAQUE, format!("{text} (sources its standard input)"));
        } else if files {
            self.runs_a_file(&file.text, text, true, depth);
        }
    }

    /// A script file run (by a shell, `source`, or as the command itself): downloaded earlier in
    /// the same command line, it is downloaded code; written earlier with text the command line
    /// shows, that text is judged as what runs (as shell code, or with `shell` false as an
    /// interpreter's).
    pub fn runs_a_file(&mut self, file: &str, text: &str, shell: bool, depth: usize) {
        let path = crate::policy::paths::normalize(&self.resolve(file));
        if self.downloaded.contains(&path) {
            self.found(
                PIPE_TO_SHELL,
                format!("{text} (runs {file}, downloaded above)"),
            );
        }
        let written = self.written.iter().rev().find(|(p, _)| *p == path);
        if let Some((_, code)) = written.cloned() {
            if shell {
                self.nested(&code, text, depth);
            } else {
                self.code(&code, text);
            }
        }
    }

    /// The text `command` writes to a file, when the command line shows it: a here-doc `cat` or
    /// `tee` copies, or what `echo` and `printf` print, redirected to the file.
    fn remember_written(&mut self, command: &Command) {
        let words = unwrap(&command.words);
        let Some((program, args)) = words.split_first() else {
            return;
        };
        let here = command
            .redirects
            .iter()
            .find_map(|r| (r.kind == RedirectKind::Here).then_some(r.body.as_deref()?));
        let mut targets: Vec<&str> = command
            .redirects
            .iter()
            .filter(|r| matches!(r.kind, RedirectKind::Write | RedirectKind::Append))
            .map(|r| r.target.text.as_str())
            .collect();
        let text = match program_name(&program.text) {
            "cat" if args.is_empty() => here.map(str::to_owned),
            "tee" => {
                targets.extend(
                    args.iter()
                        .filter(|a| !a.text.starts_with('-'))
                        .map(|a| a.text.as_str()),
                );
                here.map(str::to_owned)
            }
            "echo" | "printf" => Some(
                args.iter()
                    .filter(|a| !a.text.starts_with('-'))
                    .map(|a| a.text.replace("\\n", "\n"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        };
        if let Some(text) = text {
            for target in targets {
                let path = crate::policy::paths::normalize(&self.resolve(target));
                self.written.push((path, text.clone()));
            }
        }
    }

    fn ssh(&mut self, args: &[Word], depth: usize) {
        let parsed = argv::parse(&SSH, args);
        // The first operand is the host; the rest is a command run there.
        if let [host, remote @ ..] = parsed.operands.as_slice()
            && !remote.is_empty()
        {
            let remote = remote
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let outer = format!("ssh {} {remote}", host.text);
            self.nested(&remote, &outer, depth);
        }
    }

    /// A function (`f() { …`, `function f { …`) or an alias (`alias x='…'`) being defined:
    /// remembered, and judged where it is called (a definition alone runs nothing). True when
    /// `words` was a definition.
    fn definition(&mut self, words: &[Word]) -> bool {
        let Some(first) = words.first() else {
            return false;
        };
        if first.text == "alias" {
            for arg in &words[1..] {
                if let Some((name, value)) = arg.text.split_once('=') {
                    self.defined.push((name.to_owned(), value.to_owned()));
                }
            }
            return true;
        }
        let (name, body_from) = if first.text == "function" {
            match words.get(1) {
                Some(name) => (name.text.trim_end_matches("()").to_owned(), 2),
                None => return false,
            }
        } else if let Some(name) = first.text.split_once("()").map(|(n, _)| n) {
            (name.to_owned(), 1)
        } else {
            return false;
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        {
            return false;
        }
        // `f(){ rm …`: the `{` may stick to the name or stand alone.
        let rest: Vec<&str> = std::iter::once(first.text.split_once('{').map_or("", |(_, r)| r))
            .filter(|_| body_from == 1)
            .chain(words[body_from..].iter().map(|w| w.text.as_str()))
            .filter(|w| !w.is_empty() && *w != "{")
            .collect();
        let body =
            crate::policy::shell::join(&rest.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>());
        self.defined.push((name, body));
        true
    }

    /// The body a call of a defined function or alias runs, its arguments in place of `$1`…`$9`,
    /// `$@` and `$*` (an alias's arguments follow its text).
    fn called(&self, words: &[Word]) -> Option<String> {
        let first = words.first()?;
        let (_, body) = self
            .defined
            .iter()
            .rev()
            .find(|(name, _)| *name == first.text)?;
        let args: Vec<String> = words[1..].iter().map(|w| w.text.clone()).collect();
        let all = crate::policy::shell::join(&args);
        let mut expanded = body
            .replace("\"$@\"", &all)
            .replace("$@", &all)
            .replace("$*", &all);
        for (i, arg) in args.iter().enumerate().take(9).rev() {
            let quoted = crate::policy::shell::quote(arg);
            for spelling in [
                format!("\"${}\"", i + 1),
                format!("${{{}}}", i + 1),
                format!("${}", i + 1),
            ] {
                expanded = expanded.replace(&spelling, &quoted);
            }
        }
        if !body.contains('$') && !args.is_empty() {
            expanded = format!("{expanded} {all}");
        }
        Some(expanded)
    }

    /// `path` as seen from the directory of an earlier `cd`, if it is relative.
    pub fn resolve(&self, path: &str) -> String {
        match &self.cwd {
            Some(dir) if !path.starts_with(['/', '~', '$']) => format!("{dir}/{path}"),
            _ => path.to_owned(),
        }
    }
}

/// Tools whose output is meant to be `eval`ed, and the arguments that ask for it: the lines
/// they print set up the shell for them (`eval "$(direnv hook bash)"`, `eval "$(ssh-agent -s)"`).
/// What they print is theirs, not the command line's: no more opaque than running them.
const SHELL_SETUP: &[(&str, &[&str])] = &[
    ("direnv", &["hook"]),
    ("ssh-agent", &["-s", "-c"]),
    ("pyenv", &["init", "virtualenv-init"]),
    ("rbenv", &["init"]),
    ("nodenv", &["init"]),
    ("goenv", &["init"]),
    ("jenv", &["init"]),
    ("plenv", &["init"]),
    ("zoxide", &["init"]),
    ("starship", &["init"]),
    ("fnm", &["env"]),
    ("mise", &["activate", "hook-env"]),
    ("rtx", &["activate"]),
    ("brew", &["shellenv"]),
    ("opam", &["env"]),
    ("thefuck", &["--alias"]),
    ("conda", &["shell.bash", "shell.zsh"]),
    ("micromamba", &["shell"]),
    ("dircolors", &["-b", "--sh"]),
    ("keychain", &["--eval"]),
    ("gpg-agent", &["--daemon"]),
    ("luarocks", &["path"]),
    ("register-python-argcomplete", &[]),
    ("kubectl", &["completion"]),
    ("helm", &["completion"]),
    ("rustup", &["completions"]),
];

/// Whether `words` is one of [`SHELL_SETUP`]'s tools asked for its set-up (no more than that:
/// `pyenv init -` yes, `pyenv exec rm` no).
fn prints_its_own_shell_setup(words: &[Word]) -> bool {
    let Some((first, args)) = words.split_first() else {
        return false;
    };
    let name = program_name(&first.text);
    SHELL_SETUP.iter().any(|(tool, asks)| {
        *tool == name
            && (asks.is_empty()
                || args
                    .first()
                    .is_some_and(|a| asks.contains(&a.text.as_str())))
            && args
                .iter()
                .all(|a| !a.expands && !a.text.contains(['|', ';', '&']))
    })
}

/// Fork bombs are recognised on the raw text: they are functions calling themselves twice.
/// What `xargs` (among a command's `wrappers`) adds to its arguments: what its input lists. Under a directory lister
/// (`find DIR`, `fd PATTERN DIR`, `ls DIR`, `git ls-files`, `git diff --name-only`) the entries
/// under those directories;
/// anything else (a file's contents, a process list, the terminal) is only known when it runs,
/// and reads as the command substitution it amounts to. In prose only a reading that starts at a
/// program known to list or print names counts: the others start mid-sentence.
fn input_operands(script: &Script, command: &Command, wrappers: &[Word], prose: bool) -> Vec<Word> {
    const LISTERS: &[&str] = &[
        "find", "fd", "fdfind", "ls", "git", "cat", "tac", "head", "tail", "grep", "rg", "awk",
        "sed", "cut", "sort", "uniq", "jq", "yq", "locate", "pgrep", "pidof", "ps", "docker",
        "kubectl",
    ];
    let word = |text: String| Word {
        text,
        expands: false,
        substitutions: Vec::new(),
        process: false,
    };
    // `xargs -a FILE`, `--arg-file=FILE`: the names are in a file.
    if wrappers
        .iter()
        .any(|w| w.text == "-a" || w.text.starts_with("--arg-file"))
    {
        return vec![word("$(cat FILE)".into())];
    }
    let Some(producer) = command.piped_from.map(|i| &script.commands[i]) else {
        return if prose {
            Vec::new()
        } else {
            vec![word("$(input)".into())]
        };
    };
    let words = unwrap(&producer.words);
    if prose
        && !words
            .first()
            .is_some_and(|w| LISTERS.contains(&program_name(&w.text)))
    {
        return Vec::new();
    }
    let operands = || {
        words[1..]
            .iter()
            .map(|w| w.text.as_str())
            .filter(|t| !t.starts_with('-'))
    };
    let dirs: Vec<&str> = match words.first().map(|w| program_name(&w.text)) {
        Some("find") => words[1..]
            .iter()
            .map(|w| w.text.as_str())
            .take_while(|t| !t.starts_with('-') && *t != "(" && *t != "!")
            .collect(),
        Some("fd" | "fdfind") => operands().skip(1).collect(),
        Some("ls") => operands().collect(),
        // Paths of the repository's own files.
        Some("git")
            if words.get(1).is_some_and(|w| w.text == "ls-files")
                || words.iter().any(|w| w.text == "--name-only") =>
        {
            Vec::new()
        }
        _ => {
            // The whole pipeline upstream, as `$( … )` would run it.
            let mut stages = vec![producer.text()];
            let mut stage = producer.piped_from.map(|i| &script.commands[i]);
            while let Some(p) = stage {
                stages.push(p.text());
                stage = p.piped_from.map(|i| &script.commands[i]);
            }
            stages.reverse();
            return vec![word(format!("$({})", stages.join(" | ")))];
        }
    };
    let dirs = if dirs.is_empty() { vec!["."] } else { dirs };
    dirs.iter()
        .map(|d| word(format!("{}/?*", d.trim_end_matches('/'))))
        .collect()
}

/// A word the shell expands as a file name pattern (`r?`, `/usr/bin/r*`, `[r]m`); `[` and `[[`
/// are the test commands.
fn is_glob(text: &str) -> bool {
    text != "["
        && text != "[["
        && (text.contains(['*', '?']) || text.contains('[') && text.contains(']'))
}

/// `TOOL … --help`: the tool prints its usage and does nothing else.
pub fn asks_for_help(args: &[Word]) -> bool {
    args.last().is_some_and(|w| w.text == "--help")
}

pub fn fork_bomb(judge: &mut Judge<'_>, text: &str) {
    static DEFINITION: LazyLock<Regex> = LazyLock::new(|| {
        // No Unicode classes: `\w` would compile to a large automaton held for the whole run.
        Regex::new(r"([^ \t\n(){}|&;<>'\x22\x60$]+)[ \t]*\([ \t]*\)[ \t\n]*\{([^}]*)\}")
            .expect("function regex")
    });
    static PERL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\bfork\s+while\s+fork\b|while\s*\(\s*1\s*\)\s*\{?\s*fork\b|while\s+True\s*:\s*os\.fork\(\)")
            .expect("fork regex")
    });
    for caps in DEFINITION.captures_iter(text) {
        let name = &caps[1];
        let body: String = caps[2].split_whitespace().collect();
        if body.contains(&format!("{name}|{name}")) && body.contains('&') {
            judge.found(FORK_BOMB, caps[0].to_owned());
            return;
        }
    }
    if let Some(m) = PERL.find(text) {
        judge.found(FORK_BOMB, m.as_str().to_owned());
    }
}

/// A word that is only a variable (`$CMD`, `${CMD}`): what runs is not known.
pub fn is_pure_variable(word: &Word) -> bool {
    static VARIABLE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\$([A-Za-z0-9_]+|\{[^}]*\})$").expect("variable regex"));
    word.expands && VARIABLE.is_match(&word.text)
}

/// A variable with a name (`$CODE`, `${PAYLOAD}`), not a positional one (`$5`): in prose, `$5` is
/// a price, while code that is `$CODE` hides what it runs.
fn is_named_variable(word: &Word) -> bool {
    word.text
        .trim_start_matches("${")
        .trim_start_matches('$')
        .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

/// The body of a word that is nothing but one command substitution: `"$(curl …)"`.
fn pure_substitution(word: &Word) -> Option<&str> {
    let t = word.text.as_str();
    let whole =
        (t.starts_with("$(") && t.ends_with(')')) || (t.starts_with('`') && t.ends_with('`'));
    match word.substitutions.as_slice() {
        [body] if whole || word.process => Some(body),
        _ => None,
    }
}
