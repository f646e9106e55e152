//! Tools that delete, write or change the permissions of files: `rm`, `find`, `dd`, `chmod` and
//! its kin, and every tool with an output file (`cp`, `tee`, `sed -i`, `curl -o` …). Each reads
//! its arguments by its own option spec.

use crate::policy::argv::{self, NONE, Spec, attached, flag, value};
use crate::policy::category::{
    DISK_WIPE, NETWORK_SHELL, OUTSIDE_PROJECT, PERMISSION_SWEEP, RECURSIVE_DELETE, SSH_KEYS,
    STARTUP_FILES, SUDOERS, SYSTEM_FILES,
};
use crate::policy::paths::{
    in_system_dir, is_block_device, is_protected_tree, is_ssh, is_startup_file, is_sudoers,
    normalize,
};
use crate::policy::rules::glob;
use crate::policy::runners::program_name;
use crate::policy::scope::Class;
use crate::policy::shell::{self, Word};
use crate::policy::walk::Judge;

const RM: Spec = Spec {
    options: &[
        flag('r', "recursive"),
        flag('R', "recursive"),
        flag('f', "force"),
        flag('i', ""),
        flag('I', ""),
        flag('d', "dir"),
        flag('v', "verbose"),
        attached(NONE, "interactive"),
        flag(NONE, "one-file-system"),
        flag(NONE, "no-preserve-root"),
        attached(NONE, "preserve-root"),
        // srm, rmdir
        flag('p', "parents"),
        flag('s', ""),
        flag('z', "zero"),
        flag(NONE, "ignore-fail-on-non-empty"),
    ],
    permute: true,
};

/// Whether `path` can only be a directory: it ends in `/`, or names `.`, `..` or `~`.
fn names_a_dir(path: &str) -> bool {
    path.ends_with('/') || path == "~" || matches!(path.rsplit('/').next(), Some("." | ".."))
}

/// The entry of `dir` that copying `source` into it writes: its last part, or any entry when
/// that is a directory's contents (`src/.`, `src/` for rsync) or a glob of every name.
fn entry_in(dir: &str, source: &str) -> String {
    let name = source
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let name = if source.ends_with('/') || ["", ".", "..", "*"].contains(&name) {
        "?*"
    } else {
        name
    };
    format!("{}/{name}", dir.trim_end_matches('/'))
}

/// Whether a `-name` or `-iname` test of `find`'s expression can pick a `.git` (find's
/// patterns match a leading dot), one followed by `-prune` aside: that one keeps it out.
fn names_git(args: &[Word]) -> bool {
    args.windows(2).enumerate().any(|(i, pair)| {
        let ignore_case = match pair[0].text.as_str() {
            "-name" => false,
            "-iname" => true,
            _ => return false,
        };
        let pruned = args.get(i + 2).is_some_and(|a| a.text == "-prune");
        !pruned && glob::shell_pattern_matches(&pair[1].text, ".git", ignore_case)
    })
}

/// `find`'s tests: with one, the expression picks what is acted on (not every file, not the root).
const FIND_TESTS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-regex",
    "-iregex",
    "-type",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-newer",
    "-size",
    "-empty",
    "-user",
    "-group",
    "-perm",
    "-links",
    "-inum",
    "-samefile",
    "-lname",
    "-ilname",
];

const CHMOD: Spec = Spec {
    options: &[
        flag('R', "recursive"),
        flag('c', "changes"),
        flag('f', "silent"),
        flag('v', "verbose"),
        flag('h', "no-dereference"),
        flag('H', ""),
        flag('L', ""),
        flag('P', ""),
        flag(NONE, "dereference"),
        flag(NONE, "no-preserve-root"),
        flag(NONE, "preserve-root"),
        value(NONE, "reference"),
        value(NONE, "from"),
    ],
    permute: true,
};

const COPY: Spec = Spec {
    options: &[
        value('t', "target-directory"),
        flag('T', "no-target-directory"),
        value('S', "suffix"),
        attached(NONE, "backup"),
        flag('b', ""),
        flag('a', "archive"),
        flag('r', "recursive"),
        flag('R', "recursive"),
        flag('f', "force"),
        flag('i', "interactive"),
        flag('n', "no-clobber"),
        flag('u', "update"),
        flag('v', "verbose"),
        flag('p', ""),
        flag('s', "symbolic"),
        flag('l', "link"),
        flag('L', "dereference"),
        flag('P', "no-dereference"),
        flag('d', ""),
        flag('x', "one-file-system"),
        flag('D', ""),
        value('m', "mode"),
        value('o', "owner"),
        value('g', "group"),
        // rsync and scp
        value('e', "rsh"),
        value('F', ""),
        value('J', ""),
        value('c', ""),
        value(NONE, "exclude"),
        value(NONE, "include"),
        value(NONE, "filter"),
    ],
    permute: true,
};

const SED: Spec = Spec {
    options: &[
        attached('i', "in-place"),
        value('e', "expression"),
        value('f', "file"),
        value('l', "line-length"),
        flag('n', "quiet"),
        flag('E', "regexp-extended"),
        flag('r', "regexp-extended"),
        flag('s', "separate"),
        flag('u', "unbuffered"),
        flag('z', "null-data"),
        flag(NONE, "debug"),
        flag(NONE, "posix"),
        flag(NONE, "sandbox"),
    ],
    permute: true,
};

/// perl's own option parser: `-i` takes an attached extension, as sed's does.
const PERL: Spec = Spec {
    options: &[
        attached('i', ""),
        value('e', ""),
        value('E', ""),
        flag('p', ""),
        flag('n', ""),
        flag('a', ""),
        flag('w', ""),
        attached('l', ""),
        attached('0', ""),
        attached('F', ""),
        attached('I', ""),
        attached('M', ""),
        attached('m', ""),
    ],
    permute: false,
};

const CURL: Spec = Spec {
    options: &[
        value('o', "output"),
        value(NONE, "output-dir"),
        value('D', "dump-header"),
        value('c', "cookie-jar"),
        value(NONE, "trace"),
        value(NONE, "trace-ascii"),
        value(NONE, "stderr"),
        value('H', "header"),
        value('d', "data"),
        value(NONE, "data-binary"),
        value(NONE, "data-raw"),
        value(NONE, "data-urlencode"),
        value('F', "form"),
        value('X', "request"),
        value('u', "user"),
        value('A', "user-agent"),
        value('e', "referer"),
        value('b', "cookie"),
        value('T', "upload-file"),
        value('K', "config"),
        value('m', "max-time"),
        value('w', "write-out"),
        value('x', "proxy"),
        value('r', "range"),
        value('C', "continue-at"),
        value('E', "cert"),
        value(NONE, "connect-timeout"),
        value(NONE, "retry"),
        value(NONE, "url"),
        flag('O', "remote-name"),
        flag('J', "remote-header-name"),
        flag('s', "silent"),
        flag('S', "show-error"),
        flag('f', "fail"),
        flag('L', "location"),
        flag('k', "insecure"),
        flag('v', "verbose"),
        flag('I', "head"),
        flag('i', "include"),
        flag('#', "progress-bar"),
    ],
    permute: true,
};

const WGET: Spec = Spec {
    options: &[
        value('O', "output-document"),
        value('P', "directory-prefix"),
        value('o', "output-file"),
        value('a', "append-output"),
        value('e', "execute"),
        value('i', "input-file"),
        value('t', "tries"),
        value('T', "timeout"),
        value('w', "wait"),
        value('U', "user-agent"),
        value(NONE, "header"),
        value(NONE, "post-data"),
        value(NONE, "user"),
        value(NONE, "password"),
        flag('q', "quiet"),
        flag('c', "continue"),
        flag('N', "timestamping"),
        flag('r', "recursive"),
        flag('v', "verbose"),
        flag('x', "force-directories"),
    ],
    permute: true,
};

const SSH_KEYGEN: Spec = Spec {
    options: &[
        value('f', ""),
        value('t', ""),
        value('b', ""),
        value('C', ""),
        value('N', ""),
        value('P', ""),
        value('F', ""),
        value('R', ""),
        value('E', ""),
        value('m', ""),
        value('Z', ""),
        value('a', ""),
        value('n', ""),
        value('O', ""),
        value('s', ""),
        value('I', ""),
        value('V', ""),
        value('z', ""),
        flag('l', ""),
        flag('y', ""),
        flag('q', ""),
        flag('p', ""),
        flag('c', ""),
        flag('e', ""),
        flag('i', ""),
        flag('H', ""),
        flag('v', ""),
    ],
    permute: true,
};

/// Options of the tools that take files as plain operands (`tee`, editors, `truncate`).
const OPERANDS: Spec = Spec {
    options: &[
        flag('a', "append"),
        flag('i', "ignore-interrupts"),
        value('s', "size"),
        value('r', "reference"),
        flag('c', "no-create"),
        flag('o', "io-blocks"),
    ],
    permute: true,
};

impl Judge<'_> {
    pub(super) fn rm(&mut self, args: &[Word], text: &str) {
        let parsed = argv::parse(&RM, args);
        if parsed.has("no-preserve-root") {
            self.found(RECURSIVE_DELETE, text.to_owned());
            return;
        }
        if parsed.has("recursive")
            && parsed
                .operand_texts()
                .any(|t| is_protected_tree(&self.resolve(t)))
        {
            self.found(RECURSIVE_DELETE, text.to_owned());
        }
        for target in parsed.operand_texts() {
            self.write_target(target, text);
        }
    }

    /// `find ROOT… EXPR`: `-delete`, and `-exec CMD {} ;` run over every file under each root —
    /// the root itself too, unless a test (`-name`, `-type` …) picks what is acted on.
    pub(super) fn find(&mut self, args: &[Word], text: &str, depth: usize) {
        let roots: Vec<String> = args
            .iter()
            .take_while(|a| !a.text.starts_with('-') && a.text != "(" && a.text != "!")
            .map(|r| self.resolve(&r.text))
            .collect();
        // Without a root, find walks the working directory.
        let roots = if roots.is_empty() {
            vec![self.resolve(".")]
        } else {
            roots
        };
        let protected = roots.iter().find(|r| is_protected_tree(r)).cloned();
        let picked = args.iter().any(|a| FIND_TESTS.contains(&a.text.as_str()));
        // What is acted on: the roots, or (picked by a test) entries under them — a `.git` among
        // them when a name test can pick it.
        let acted_on: Vec<String> = if picked {
            let git = names_git(args);
            roots
                .iter()
                .flat_map(|r| {
                    let r = r.trim_end_matches('/');
                    [Some(format!("{r}/?*")), git.then(|| format!("{r}/.git"))]
                })
                .flatten()
                .collect()
        } else {
            roots.clone()
        };
        let mut i = 0;
        while i < args.len() {
            match args[i].text.as_str() {
                "-delete" if protected.is_some() => self.found(RECURSIVE_DELETE, text.to_owned()),
                "-delete" => {
                    for target in &acted_on {
                        self.write_target(target, text);
                    }
                }
                "-exec" | "-execdir" | "-ok" | "-okdir" => {
                    let end = args[i + 1..]
                        .iter()
                        .position(|a| a.text == ";" || a.text == "+")
                        .map_or(args.len(), |p| i + 1 + p);
                    self.find_exec(
                        &args[i + 1..end],
                        &acted_on,
                        protected.as_deref(),
                        text,
                        depth,
                    );
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// The command `find -exec` runs: once for every file under the roots, so a command that
    /// deletes or changes permissions does it to the whole tree.
    fn find_exec(
        &mut self,
        command: &[Word],
        roots: &[String],
        protected: Option<&str>,
        text: &str,
        depth: usize,
    ) {
        let takes_files = command.iter().any(|w| w.text.contains("{}"));
        if let (Some(root), true) = (protected, takes_files) {
            let name = command.first().map_or("", |w| program_name(&w.text));
            match name {
                "rm" | "unlink" | "rmdir" | "srm" | "shred" => {
                    self.found(
                        RECURSIVE_DELETE,
                        format!("{text} (deletes everything under {root})"),
                    );
                    return;
                }
                "chmod" | "chown" | "chgrp" | "setfacl" | "chattr" => {
                    self.found(
                        PERMISSION_SWEEP,
                        format!("{text} (changes everything under {root})"),
                    );
                    return;
                }
                _ => {}
            }
        }
        // Judged as run on what each root stands for (entries under it, its `.git`).
        for root in roots {
            let inner: Vec<String> = command
                .iter()
                .map(|w| shell::quote(&w.text.replace("{}", root)))
                .collect();
            self.nested(&inner.join(" "), text, depth);
        }
    }

    pub(super) fn dd(&mut self, args: &[Word], text: &str) {
        for arg in args {
            if let Some(target) = arg.text.strip_prefix("of=") {
                self.write_target(target, text);
            }
        }
    }

    pub(super) fn permissions(&mut self, args: &[Word], text: &str) {
        let parsed = argv::parse(&CHMOD, args);
        let recursive = parsed.has("recursive");
        // The first operand is the mode or owner (unless `--reference` gives it); the rest are
        // paths.
        let skip = usize::from(parsed.value("reference").is_none());
        for target in parsed.operand_texts().skip(skip) {
            let path = normalize(target);
            let swept = is_protected_tree(target) || (recursive && in_system_dir(&path));
            if swept {
                self.found(PERMISSION_SWEEP, text.to_owned());
                return;
            }
            if is_sudoers(&path) {
                self.found(SUDOERS, text.to_owned());
            } else if is_ssh(&path) {
                self.found(SSH_KEYS, text.to_owned());
            }
        }
    }

    /// Paths the command writes or removes, besides redirections.
    pub(super) fn writes(&mut self, name: &str, args: &[Word], text: &str) {
        let targets: Vec<&str> = match name {
            "tee" | "truncate" => argv::parse(&OPERANDS, args).operand_texts().collect(),
            // An editor given a directory (`code .`) opens it; it writes the files in it.
            "vi" | "vim" | "nvim" | "nano" | "emacs" | "ed" | "pico" | "micro" | "code"
            | "gedit" => {
                let (dirs, files): (Vec<&str>, Vec<&str>) = argv::parse(&OPERANDS, args)
                    .operand_texts()
                    .partition(|o| names_a_dir(o));
                for dir in dirs {
                    self.write_target(&entry_in(dir, ""), text);
                }
                files
            }
            "cp" | "mv" | "install" | "ln" | "rsync" | "scp" => {
                let parsed = argv::parse(&COPY, args);
                let operands: Vec<&str> = parsed.operand_texts().collect();
                let named_dir = parsed.value("target-directory");
                let (sources, target) = match named_dir {
                    Some(dir) => (&operands[..], Some(dir)),
                    None => match operands.split_last() {
                        Some((last, rest)) => (rest, Some(*last)),
                        None => (&operands[..], None),
                    },
                };
                // `mv` moves its sources away: they are changed as much as the target.
                let moved = if name == "mv" { sources } else { &[] };
                match target {
                    // Into a directory: what is written is an entry of it, named after each
                    // source (`cp /tmp/a.txt .` writes `./a.txt`, not the project itself).
                    Some(dir) if named_dir.is_some() || sources.len() > 1 || names_a_dir(dir) => {
                        for source in sources {
                            self.write_target(&entry_in(dir, source), text);
                        }
                        moved.to_vec()
                    }
                    _ => moved.iter().copied().chain(target).collect(),
                }
            }
            "sed" => {
                let parsed = argv::parse(&SED, args);
                let script_given = parsed.has("expression") || parsed.has("file");
                if parsed.has("in-place") {
                    // Without `-e`/`-f` the first operand is the script.
                    let skip = usize::from(!script_given);
                    parsed.operand_texts().skip(skip).collect()
                } else {
                    Vec::new()
                }
            }
            "perl" => {
                let parsed = argv::parse(&PERL, args);
                if parsed.has("i") {
                    let skip = usize::from(!parsed.has("e") && !parsed.has("E"));
                    parsed.operand_texts().skip(skip).collect()
                } else {
                    Vec::new()
                }
            }
            "curl" => {
                let parsed = argv::parse(&CURL, args);
                self.downloads(
                    parsed.values_of(&["output"]),
                    parsed.has("remote-name"),
                    &parsed,
                );
                // Into `--output-dir`: files in it, not the directory.
                for dir in parsed.values_of(&["output-dir"]) {
                    self.write_target(&entry_in(dir, ""), text);
                }
                parsed.values_of(&[
                    "output",
                    "dump-header",
                    "cookie-jar",
                    "trace",
                    "trace-ascii",
                    "stderr",
                ])
            }
            "wget" => {
                let parsed = argv::parse(&WGET, args);
                let named = parsed.values_of(&["output-document"]);
                // Without -O, wget names the file after the URL, as `curl -O` does.
                self.downloads(named.clone(), named.is_empty(), &parsed);
                for dir in parsed.values_of(&["directory-prefix"]) {
                    self.write_target(&entry_in(dir, ""), text);
                }
                parsed.values_of(&["output-document", "output-file", "append-output"])
            }
            "ssh-keygen" => {
                let parsed = argv::parse(&SSH_KEYGEN, args);
                // `-l` (fingerprint), `-y` (public key) and `-F` (lookup) only read the key.
                if ["l", "y", "F"].iter().any(|o| parsed.has(o)) {
                    Vec::new()
                } else {
                    parsed.value("f").into_iter().collect()
                }
            }
            "chmod" | "chown" | "chgrp" => {
                let parsed = argv::parse(&CHMOD, args);
                let skip = usize::from(parsed.value("reference").is_none());
                parsed.operand_texts().skip(skip).collect()
            }
            _ => Vec::new(),
        };
        for target in targets {
            self.write_target(target, text);
        }
    }

    /// Remembers the files a downloader writes: `named` ones, and with `by_url` the last path
    /// segment of each URL operand.
    fn downloads(&mut self, named: Vec<&str>, by_url: bool, parsed: &argv::Args<'_>) {
        let from_urls = parsed
            .operand_texts()
            .filter(|_| by_url)
            .filter(|u| u.contains("://"))
            .filter_map(|u| u.split(['?', '#']).next()?.rsplit('/').next())
            .filter(|name| !name.is_empty());
        let files: Vec<String> = named
            .into_iter()
            .chain(from_urls)
            .filter(|f| *f != "-")
            .map(|f| normalize(&self.resolve(f)))
            .collect();
        self.downloaded.extend(files);
    }

    /// Whether writing (or removing) `path` is dangerous in itself.
    pub fn write_target(&mut self, path: &str, text: &str) {
        let raw = path;
        let path = normalize(path);
        if path.starts_with("/dev/tcp/") || path.starts_with("/dev/udp/") {
            self.found(NETWORK_SHELL, text.to_owned());
        } else if is_block_device(&path) {
            self.found(DISK_WIPE, text.to_owned());
        } else if is_sudoers(&path) {
            self.found(SUDOERS, text.to_owned());
        } else if is_startup_file(&path) {
            self.found(STARTUP_FILES, text.to_owned());
        } else if is_ssh(&path) {
            self.found(SSH_KEYS, text.to_owned());
        } else if in_system_dir(&path) {
            self.found(SYSTEM_FILES, text.to_owned());
        } else if let Some(scope) = self.scope
            && !raw.trim().is_empty()
            && !path.starts_with("/dev/")
            && !path.starts_with("/proc/self/")
        {
            let class = scope.class(raw, self.cwd.as_deref());
            // In prose a `` ` `` or `$` is as likely punctuation or a price; and a relative path
            // read after a `cd` this reading did not see is somewhere unknown.
            let named = ["/", "~", "$HOME", "${HOME}"]
                .iter()
                .any(|p| raw.starts_with(p));
            let lost = self.prose_cd && self.cwd.is_none() && !named;
            // A function's parameters (`$1`, `"$@"`) read outside the function that gets them.
            let parameter = raw.contains("$@")
                || raw.contains("$*")
                || (raw.contains('$') && raw.chars().any(|c| c.is_ascii_digit()));
            let vague = self.prose
                && ((class == Class::Unknown && (raw.contains('`') || parameter)) || lost);
            if class.out_of_bounds() && !vague {
                self.found(
                    OUTSIDE_PROJECT,
                    format!("{text} ({raw}: {})", class.as_str()),
                );
            }
        }
    }
}
