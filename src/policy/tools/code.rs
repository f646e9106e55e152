//! Programs that run shell commands given in their own arguments: an editor's `-c`, `+` and
//! `--cmd` commands (`vim -c '!rm -rf ~'`), and `sed`'s `e` command and the `e` flag of `s`
//! (`sed '1e rm -rf ~'`), awk's `system("cmd")`, `print | "cmd"` and `"cmd" | getline`, and the
//! recipes of a makefile given on make's command line (`make --eval 'x:; rm -rf ~' x`). What they
//! run is judged as a command line of its own.

use std::sync::LazyLock;

use regex::Regex;

use crate::policy::category::OPAQUE;
use crate::policy::shell::Word;
use crate::policy::walk::Judge;

/// Editors whose command-line commands are ex commands, where `!cmd` runs `cmd`.
const EX_EDITORS: &[&str] = &["vim", "vi", "nvim", "ex", "view", "gvim", "vimdiff", "rvim"];

impl Judge<'_> {
    pub(super) fn runs_code_in_arguments(
        &mut self,
        name: &str,
        args: &[Word],
        text: &str,
        depth: usize,
    ) {
        if EX_EDITORS.contains(&name) {
            for command in ex_commands(args) {
                // `!cmd`, `:!cmd`, `silent !cmd`, `r !cmd`, `w !cmd`, `call system('cmd')`.
                if let Some(shell) = shell_of_ex(command) {
                    self.nested(&shell, text, depth);
                }
            }
        }
        if matches!(name, "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk") {
            for command in awk_commands(args) {
                self.nested(&command, text, depth);
            }
        }
        if matches!(name, "make" | "gmake") {
            for recipe in make_recipes(args) {
                self.nested(&recipe, text, depth);
            }
        }
        if name == "sed" {
            for script in sed_scripts(args) {
                self.sed_script(script, text, depth);
            }
        }
    }

    fn sed_script(&mut self, script: &str, text: &str, depth: usize) {
        // The `e COMMAND` command, after an optional address.
        static EXECUTE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"(?m)(?:^|[;{}\n])\s*(?:\d+|\$|/[^/]*/)?(?:,(?:\d+|\$|/[^/]*/))?\s*e\s+([^;\n}]+)",
            )
            .expect("sed e regex")
        });
        for m in EXECUTE.captures_iter(script) {
            self.nested(m[1].trim(), text, depth);
        }
        if substitutes_then_runs(script) {
            self.found(
                OPAQUE,
                format!("{text} (sed runs the edited text as a command)"),
            );
        }
    }
}

/// The shell commands an awk program runs, as literals: `system("…")`, `| "…"` (a pipe to a
/// command) and `"…" |` (`getline` from one). The program is the first operand, unless `-f`
/// names a file.
fn awk_commands(args: &[Word]) -> Vec<String> {
    static RUNS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"system\s*\(\s*"((?:[^"\\]|\\.)*)"|\|&?\s*"((?:[^"\\]|\\.)*)"|"((?:[^"\\]|\\.)*)"\s*\|"#)
            .expect("awk regex")
    });
    let mut words = args.iter().map(|w| w.text.as_str());
    let program = loop {
        match words.next() {
            Some("-f" | "--file") | None => return Vec::new(),
            Some("-F" | "-v" | "--assign" | "--field-separator") => {
                words.next();
            }
            Some(w) if w.starts_with('-') => {}
            Some(w) => break w,
        }
    };
    RUNS.captures_iter(program)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| m.as_str().to_owned())
        .collect()
}

/// The recipe lines of what `make --eval TEXT` (`-E TEXT`, `--eval=TEXT`) adds to the makefile:
/// after `TARGET: PREREQS;` on a rule's line, and each line that starts with a tab.
fn make_recipes(args: &[Word]) -> Vec<String> {
    let mut texts = Vec::new();
    let mut words = args.iter().map(|w| w.text.as_str());
    while let Some(word) = words.next() {
        if let Some(text) = word.strip_prefix("--eval=") {
            texts.push(text);
        } else if word == "--eval" || word == "-E" {
            texts.extend(words.next());
        } else if let Some(text) = word.strip_prefix("-E") {
            texts.push(text);
        }
    }
    let mut recipes = Vec::new();
    for line in texts.iter().flat_map(|t| t.lines()) {
        if let Some(recipe) = line.strip_prefix('\t') {
            recipes.push(recipe.trim_start_matches(['@', '-', '+']).to_owned());
        } else if let Some((_, after)) = line.split_once(':')
            && let Some((_, recipe)) = after.split_once(';')
        {
            recipes.push(recipe.trim().trim_start_matches(['@', '-', '+']).to_owned());
        }
    }
    // make's `$$` is the shell's `$`.
    recipes.iter().map(|r| r.replace("$$", "$")).collect()
}

/// Whether `script` holds an `s/…/…/FLAGS` whose flags have `e`: the edited pattern space is run
/// as a command.
fn substitutes_then_runs(script: &str) -> bool {
    let chars: Vec<char> = script.chars().collect();
    (0..chars.len()).any(|i| {
        let Some(&delimiter) = chars.get(i + 1) else {
            return false;
        };
        let starts = i == 0
            || matches!(chars[i - 1], ';' | '{' | '}' | '\n' | ' ' | '$')
            || chars[i - 1].is_ascii_digit()
            || chars[i - 1] == '/';
        if chars[i] != 's'
            || !starts
            || delimiter.is_alphanumeric()
            || delimiter.is_whitespace()
            || delimiter == '\\'
        {
            return false;
        }
        // Past the pattern and the replacement: two unescaped delimiters.
        let mut at = i + 2;
        let mut seen = 0;
        while at < chars.len() && seen < 2 {
            match chars[at] {
                '\\' => at += 1,
                c if c == delimiter => seen += 1,
                _ => {}
            }
            at += 1;
        }
        seen == 2
            && chars[at..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .any(|&c| c == 'e')
    })
}

/// The commands given to an ex-style editor on its command line.
fn ex_commands(args: &[Word]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut words = args.iter();
    while let Some(w) = words.next() {
        match w.text.as_str() {
            "-c" | "--cmd" => {
                if let Some(c) = words.next() {
                    out.push(c.text.as_str());
                }
            }
            t if t.starts_with('+') && t.len() > 1 => out.push(&t[1..]),
            t if t.starts_with("-c") && t.len() > 2 => out.push(&t[2..]),
            _ => {}
        }
    }
    out
}

/// The shell command an ex command runs, if it runs one.
fn shell_of_ex(command: &str) -> Option<String> {
    let c = command.trim().trim_start_matches(':').trim_start();
    let c = c
        .strip_prefix("silent")
        .map_or(c, |r| r.trim_start_matches('!').trim_start());
    if let Some(rest) = c.strip_prefix('!') {
        return Some(rest.to_owned());
    }
    for verb in ["r ", "read ", "w ", "write "] {
        if let Some(rest) = c
            .strip_prefix(verb)
            .and_then(|r| r.trim_start().strip_prefix('!'))
        {
            return Some(rest.to_owned());
        }
    }
    let call = c.find("system(")?;
    let inner = &c[call + "system(".len()..];
    let quote = inner.chars().next().filter(|q| *q == '\'' || *q == '"')?;
    let end = inner[1..].find(quote)?;
    Some(inner[1..=end].to_owned())
}

/// `sed`'s scripts: `-e`/`--expression` values, or the first operand.
fn sed_scripts(args: &[Word]) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut operand = None;
    let mut words = args.iter();
    while let Some(w) = words.next() {
        let t = w.text.as_str();
        if t == "-e" || t == "--expression" {
            if let Some(s) = words.next() {
                scripts.push(s.text.as_str());
            }
        } else if let Some(s) = t.strip_prefix("--expression=") {
            scripts.push(s);
        } else if let Some(s) = t.strip_prefix("-e").filter(|s| !s.is_empty()) {
            scripts.push(s);
        } else if t == "-f" || t == "--file" || t == "-l" {
            words.next();
        } else if !t.starts_with('-') && operand.is_none() {
            operand = Some(t);
        }
    }
    if scripts.is_empty() {
        scripts.extend(operand);
    }
    scripts
}
