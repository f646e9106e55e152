//! autoapprove runs an interactive program in a pseudo-terminal, shows it to the user untouched,
//! and answers its prompts by rules — except dangerous ones, which it leaves to the human.
//!
//! Subsystems: [`pty`] (the child on its PTY, the user's terminal, the threads that move bytes,
//! the overlay), [`prompts`] (the screen model, prompt detection, the engine), [`policy`] (the
//! dangerous-command check), [`config`]. Every thread reports to the [`session`] through one
//! [`inbox`]; the session carries out the engine's actions. See IMPLEMENTATION.md for the module
//! map and the data flow.

/// `eprintln!` that cannot abort: when stderr is gone (a pipe whose reader has left), the
/// message is dropped and the exit code still says what happened.
macro_rules! to_stderr {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod background;
pub mod cli;
pub mod config;
pub mod escape;
pub mod events;
pub mod exit;
pub mod guard;
pub mod inbox;
pub mod log;
pub mod output_file;
pub mod policy;
pub mod project;
pub mod prompts;
pub mod pty;
pub mod record;
pub mod session;
pub mod sys;
pub mod utf8;

use std::io::Write as _;

use crate::cli::{Action, Cli};
use crate::events::Level;
use crate::pty::child::SpawnError;

/// Runs `work` on a thread of its own and waits for it. Reading the config goes deep (the YAML
/// parser recurses): on the main thread those stack pages would stay resident for the whole
/// session, while a thread's stack is given back when it ends (40 KiB, BENCHMARKS.md). Where no
/// thread can be had (a process limit), the work runs here.
fn on_scratch_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let work = std::sync::Mutex::new(Some(work));
    let run = || {
        let work = work
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        work.map(|w| w())
    };
    let on_thread = std::thread::scope(|s| {
        let handle = std::thread::Builder::new().spawn_scoped(s, run).ok()?;
        handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    });
    // The work is taken once: by the thread, or (if none started) here.
    on_thread
        .or_else(run)
        .expect("the work is either done on the thread or still here")
}

/// Runs the command line; returns the process exit code.
pub fn run(mut cli: Cli) -> i32 {
    let action = std::mem::replace(&mut cli.action, Action::Skill);
    let command = match answer(action, &cli) {
        Ok(code) => return code,
        Err(command) => command,
    };
    if let Some(outer) = std::env::var_os(pty::child::NESTED_ENV).filter(|_| !cli.nested) {
        to_stderr!(
            "error: already running inside autoapprove (pid {}, from ${}): a second layer would \
             answer every prompt twice; pass --nested to run it anyway",
            outer.to_string_lossy(),
            pty::child::NESTED_ENV
        );
        return exit::USAGE;
    }
    let program = command
        .first()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let config = on_scratch_stack(|| {
        load_config(&cli)?
            .with_profile(&program, cli.profile.as_deref())
            .map_err(|e| {
                to_stderr!("error: --profile: {e}");
                exit::USAGE
            })
    });
    let mut config = match config {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(idle) = cli.idle {
        config.idle_timeout = idle;
    }
    let mut log = match open_log(
        cli.log_file.as_deref(),
        cli.log_format,
        cli.quiet,
        cli.verbose,
    ) {
        Ok(log) => log,
        Err(code) => return code,
    };
    if let Some(path) = &cli.record {
        let (cols, rows) = pty::term::window_size();
        let argv: Vec<_> = command.iter().map(|a| a.to_string_lossy()).collect();
        let line = policy::shell::join(&argv);
        match record::Recorder::start(path, cols, rows, &line, cli.record_input) {
            Ok(recorder) => log.record_to(recorder),
            Err(e) => {
                to_stderr!("error: --record: cannot write {}: {e}", path.display());
                return exit::USAGE;
            }
        }
    }
    // Checked before anything starts: a directory others could write in is refused.
    let background = match cli.background.as_deref().map(background::dir::Dir::open) {
        Some(Err(e)) => {
            to_stderr!("error: --background: {e}");
            return exit::USAGE;
        }
        opened => opened.and_then(Result::ok),
    };
    // The project: `--project`, or where autoapprove starts.
    let scope = match scope_at(cli.project.as_deref(), "--project") {
        Ok(scope) => scope,
        Err(code) => return code,
    };
    let guard = match &cli.guard {
        Some(args) => match guard_options(
            args,
            &program,
            cli.verbose > 0,
            &config,
            background.is_some(),
            scope.as_ref(),
        ) {
            Ok(options) => Some(options),
            Err(code) => return code,
        },
        None => None,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            to_stderr!("error: cannot start the runtime: {e}");
            return exit::FAILURE;
        }
    };
    match runtime.block_on(session::run(command, config, log, guard, background, scope)) {
        Ok(code) => code,
        Err(e) => {
            pty::term::restore();
            to_stderr!("error: {e:#}");
            e.downcast_ref::<SpawnError>()
                .map_or(exit::FAILURE, SpawnError::exit_code)
        }
    }
}

/// The project rooted at `dir` (from `flag`), else where autoapprove runs; a `dir` that is not a
/// directory is a usage error.
fn scope_at(dir: Option<&std::path::Path>, flag: &str) -> Result<Option<policy::Scope>, i32> {
    if let Some(dir) = dir.filter(|d| !d.is_dir()) {
        to_stderr!("error: {flag}: {} is not a directory", dir.display());
        return Err(exit::USAGE);
    }
    Ok(policy::Scope::here(dir))
}

/// The event log `--log-file`, `--log-format`, `-q` and `-v` ask for.
fn open_log(
    file: Option<&std::path::Path>,
    format: log::Format,
    quiet: bool,
    verbose: u8,
) -> Result<log::Log, i32> {
    let level = match (quiet, verbose) {
        (true, _) => Level::Warn,
        (false, 0) => Level::Info,
        (false, _) => Level::Debug,
    };
    log::Log::open(file, format, level).map_err(|e| {
        let path = file.unwrap_or(std::path::Path::new(""));
        to_stderr!("error: cannot open log file {}: {e}", path.display());
        exit::USAGE
    })
}

/// Every action but running a program, answered: its exit code; the program to run otherwise.
fn answer(action: Action, cli: &Cli) -> Result<i32, Vec<std::ffi::OsString>> {
    Ok(match action {
        Action::ShowDefaults => print(&format!(
            "{}{}",
            config::DEFAULTS_YAML,
            guard::decide::built_in_allows_as_comment()
        )),
        Action::Explain(command) => {
            let scope = match scope_at(cli.cwd.as_deref(), "explain --cwd") {
                Ok(scope) => scope,
                Err(code) => return Ok(code),
            };
            if let Some(scope) = scope {
                load_config(cli).map_or_else(|code| code, |c| explain(&c, &command, &scope))
            } else {
                to_stderr!("error: explain: cannot tell where the command would run");
                exit::FAILURE
            }
        }
        Action::ExplainList => load_config(cli).map_or_else(
            |code| code,
            |c| {
                let user: Vec<policy::Rule> = c.denylist.user_rules().cloned().collect();
                print(&policy::rules::listing(&user))
            },
        ),
        Action::Choices(choices) => guard::command::run(&choices),
        Action::Wait(dir) => background::client::wait(&dir),
        Action::Respond {
            dir,
            seq,
            action,
            pattern,
        } => background::client::respond(&dir, seq, &action, pattern),
        Action::Skill => print(background::SKILL),
        Action::Replay(path) => {
            let scope = match scope_at(cli.project.as_deref(), "replay --project") {
                Ok(scope) => scope,
                Err(code) => return Ok(code),
            };
            match load_config(cli) {
                Err(code) => code,
                Ok(config) => {
                    match record::replay::replay(&path, config, cli.profile.as_deref(), scope) {
                        Ok(replayed) => {
                            if replayed.report.is_empty() {
                                // Said on stderr: stdout stays one line per decision.
                                to_stderr!(
                                    "autoapprove: replay: {}: no prompt and no decision in its {} \
                                     event{} ({:.1} s)",
                                    path.display(),
                                    replayed.events,
                                    if replayed.events == 1 { "" } else { "s" },
                                    replayed.length.as_secs_f64()
                                );
                            }
                            print(&replayed.report)
                        }
                        Err(e) => {
                            to_stderr!("error: replay: {e}");
                            exit::USAGE
                        }
                    }
                }
            }
        }
        Action::Completions(shell) => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli::command(), "autoapprove", &mut out);
            print(&String::from_utf8_lossy(&out))
        }
        Action::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(cli::command()).render(&mut out) {
                Ok(()) => print(&String::from_utf8_lossy(&out)),
                Err(e) => {
                    to_stderr!("error: man: {e}");
                    exit::FAILURE
                }
            }
        }
        Action::Run(command) => return Err(command),
    })
}

/// What the guard starts with, from `--guard`, its patterns and the remembered choices; exit 1
/// where the kernel cannot supervise (never run unguarded), 2 for remembered choices that cannot
/// be read.
fn guard_options(
    args: &cli::GuardArgs,
    program: &str,
    verbose: bool,
    config: &config::Config,
    background: bool,
    scope: Option<&policy::Scope>,
) -> Result<guard::supervisor::Options, i32> {
    use guard::decide::{Mode, Patterns};
    use guard::pattern::Pattern;
    if let Err(why) = guard::supervisor::check_support() {
        to_stderr!("error: --guard: {why}");
        return Err(exit::FAILURE);
    }
    let read = |list: &[String]| {
        list.iter()
            .map(|p| Pattern::new(p).expect("checked when the command line was read"))
            .collect()
    };
    let mut mode = args.mode;
    let at_a_terminal = pty::term::stdin_is_tty() && pty::term::stderr_is_tty();
    if mode == Mode::Ask && !background && at_a_terminal && no_block() {
        to_stderr!(
            "error: --guard would wait for an answer at the terminal, and AUTOAPPROVE_NO_BLOCK \
             (or PTAPP_NO_BLOCK) is set: add --background DIR and answer with `autoapprove wait \
             DIR` / `autoapprove respond DIR SEQ ACTION` (see `autoapprove skill`)"
        );
        return Err(exit::ABANDONED);
    }
    if mode == Mode::Ask && !background && !at_a_terminal {
        to_stderr!(
            "autoapprove: --guard: no terminal to ask on, so what no pattern allows is denied (as \
             --guard=deny); with --background DIR another process answers"
        );
        mode = Mode::Deny;
    }
    // A program that cannot be found fails to start anyway (127).
    let app_key = guard::choices::program_key(program).unwrap_or_else(|_| program.to_owned());
    let choices_path = guard::choices::Choices::default_path();
    let remembered = match &choices_path {
        Some(path) => match guard::choices::Choices::load(path) {
            Ok(choices) => choices.patterns_of(&app_key),
            Err(e) => {
                to_stderr!("error: --guard: the remembered choices: {e}");
                return Err(exit::USAGE);
            }
        },
        None => Patterns::default(),
    };
    Ok(guard::supervisor::Options {
        mode,
        session: Patterns {
            allow: read(&args.allow),
            deny: read(&args.deny),
        },
        app_key,
        choices_path,
        remembered,
        verbose,
        places: scope.map_or_else(guard::places::Places::default, |scope| {
            guard::places::Places::new(&config.guard.allow_paths, &guard::places::Vars::of(scope))
        }),
    })
}

/// `AUTOAPPROVE_NO_BLOCK=1` (or ptrace-approve's `PTAPP_NO_BLOCK=1`): the caller is a program
/// (an LLM agent) that must never be left waiting on a question nobody sees.
fn no_block() -> bool {
    ["AUTOAPPROVE_NO_BLOCK", "PTAPP_NO_BLOCK"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Writes `text` to stdout: exit code 0, or 1 when stdout is gone.
pub(crate) fn print(text: &str) -> i32 {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => 0,
        Err(_) => exit::FAILURE,
    }
}

/// The configuration: the `--config` file over the built-ins; else the user's own config file
/// over them, if there is one (and no `--no-user-config`); else the built-ins. A bad file is
/// reported here (with its snippet) and becomes exit code 2.
fn load_config(cli: &Cli) -> Result<config::Config, i32> {
    let user = || {
        config::user_file().filter(|f| !cli.no_user_config && std::fs::symlink_metadata(f).is_ok())
    };
    let Some(path) = cli.config.clone().or_else(user) else {
        return Ok(config::defaults());
    };
    config::load(&path).map_err(|e| {
        to_stderr!("error: {e}");
        if let Some(snippet) = e.snippet() {
            to_stderr!("{snippet}");
        }
        exit::USAGE
    })
}

/// `autoapprove explain COMMAND`: the denylist's verdict, printed; 0 allowed, 1 blocked.
fn explain(config: &config::Config, command: &str, scope: &policy::Scope) -> i32 {
    let explanation = config.denylist.explain(command, Some(scope));
    let mut out = std::io::stdout().lock();
    let written = if let Some(v) = &explanation.verdict {
        writeln!(
            out,
            "BLOCKED  {}: {}\n  rule: {}/{} ({})\n  because of: {}",
            v.id,
            v.reason,
            v.pack,
            v.id,
            v.severity.as_str(),
            escape::escape_str(&v.excerpt)
        )
    } else {
        let mut text = String::from("ALLOWED  no rule applies\n");
        for note in &explanation.notes {
            text.push_str("  ");
            text.push_str(&escape::escape_str(note));
            text.push('\n');
        }
        out.write_all(text.as_bytes())
    };
    match (written, explanation.verdict) {
        (Err(_), _) => exit::FAILURE,
        (Ok(()), Some(_)) => exit::BLOCKED,
        (Ok(()), None) => 0,
    }
}
