//! Replays of Claude Code 2.1.330's real output (tests/fixtures/claude-code): each stream fed
//! through the screen model, the detector and the engine under the built-in `claude-code` profile
//! gives the expected dialog kind, extracted command and decision — however the stream is split.

use std::collections::BTreeSet;
use std::time::Instant;

use autoapprove::config::{self, Config};
use autoapprove::events::Event;
use autoapprove::prompts::detector::{self, Seen};
use autoapprove::prompts::engine::{Action, Engine, Input};
use autoapprove::prompts::screen::Screen;
use proptest::prelude::*;

fn claude() -> Config {
    config::defaults().with_profile("claude", None).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/claude-code/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    if std::path::Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ansi"))
    {
        // A pane capture: rows separated by LF. Replay it as a program would paint it.
        let mut painted = b"\x1b[?1049h\x1b[H".to_vec();
        for (i, row) in bytes.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                painted.extend_from_slice(b"\r\n");
            }
            painted.extend_from_slice(row);
        }
        painted
    } else {
        bytes
    }
}

fn seen(config: &Config, screen: &Screen) -> Seen {
    detector::detect(config, &screen.snapshot(), screen.tail(), 0)
}

/// What the engine does with it: "send 1", "left to the user", "dangerous: <category>", or "-".
fn decision(config: &Config, seen: &Seen) -> String {
    let mut engine = Engine::new(config.clone(), Instant::now());
    let actions = engine.handle(
        Instant::now(),
        Input::Settled {
            prompt: seen.prompt.clone(),
            context: seen.context.clone(),
            alternate: seen.alternate,
        },
    );
    for action in &actions {
        match action {
            Action::Send(keys) => {
                let bytes: Vec<u8> = keys.iter().flat_map(|k| k.0.clone()).collect();
                return format!("send {}", String::from_utf8_lossy(&bytes));
            }
            Action::Emit(Event::DangerousCommand { category, .. }) => {
                return format!("dangerous: {category}");
            }
            Action::Emit(Event::LeftToUser { .. }) => return "left to the user".into(),
            Action::Emit(_)
            | Action::StopTyping
            | Action::Notify(_)
            | Action::EndProgram
            | Action::HandOff(_)
            | Action::HandOffOver(_) => {}
        }
    }
    "-".into()
}

/// (rule, "tool: command", decision) for what the screen shows.
fn outcome(config: &Config, screen: &Screen) -> Option<(String, String, String)> {
    let seen = seen(config, screen);
    let prompt = seen.prompt.as_ref()?;
    let asks = match (
        &prompt.tool,
        prompt.command.as_ref().or(prompt.path.as_ref()),
    ) {
        (Some(tool), Some(command)) => format!("{tool}: {command}"),
        (tool, command) => tool
            .clone()
            .or_else(|| command.cloned())
            .unwrap_or_default(),
    };
    Some((
        config.rules[prompt.rule].name.clone(),
        asks,
        decision(config, &seen),
    ))
}

/// Every distinct outcome seen at any byte boundary of the stream.
fn outcomes_at_every_byte(config: &Config, stream: &[u8]) -> BTreeSet<(String, String, String)> {
    let mut screen = Screen::new(120, 40);
    let mut all = BTreeSet::new();
    for byte in stream {
        screen.feed(std::slice::from_ref(byte));
        all.extend(outcome(config, &screen));
    }
    all
}

fn expect(rule: &str, command: &str, decision: &str) -> (String, String, String) {
    (rule.into(), command.into(), decision.into())
}

#[test]
fn raw_streams_at_every_byte_boundary() {
    let config = claude();
    let cases = [
        (
            "raw-bash-touch-prompt-then-approve.bin",
            expect(
                "Claude Code: Bash command",
                "Bash command: touch ./approved-marker.txt",
                "send 1",
            ),
        ),
        (
            "raw-bash-rm-rf-prompt-left-open.bin",
            expect(
                "Claude Code: Bash command",
                "Bash command: rm -rf /tmp/autoapprove-claude-bash-danger.XXXXXX/canary-dir",
                "send 1",
            ),
        ),
        (
            "raw-auto-mode-no-yes-prompt.bin",
            expect("Claude Code: auto mode fallback", "", "left to the user"),
        ),
    ];
    for (name, expected) in cases {
        let all = outcomes_at_every_byte(&config, &fixture(name));
        assert!(
            all.contains(&expected),
            "{name}: never saw {expected:?} in {all:?}"
        );
        // Mid-draw, other frames may show a dialog's footer without its question (so it is left
        // to the user), but nothing else is ever answered or judged.
        for other in all.iter().filter(|o| **o != expected) {
            assert_eq!(other.2, "left to the user", "{name}: {other:?}");
        }
    }
}

/// (rule, command, decision), or nothing detected.
type Expected = Option<(&'static str, &'static str, &'static str)>;

#[test]
fn every_captured_screen() {
    let config = claude();
    let cases: &[(&str, Expected)] = &[
        (
            "prompt-bash-touch.ansi",
            Some((
                "Claude Code: Bash command",
                "Bash command: touch ./approved-marker.txt",
                "send 1",
            )),
        ),
        (
            "prompt-bash-curl-pipe-sh.ansi",
            Some((
                "Claude Code: Bash command",
                "Bash command: curl -fsS http://127.0.0.1:38509/install.sh | sh",
                "dangerous: pipe-to-shell",
            )),
        ),
        (
            "prompt-bash-rm-rf.ansi",
            Some((
                "Claude Code: Bash command",
                "Bash command: rm -rf /tmp/autoapprove-claude-bash-danger.XXXXXX/canary-dir",
                "send 1",
            )),
        ),
        (
            "prompt-edit-file.ansi",
            Some((
                "Claude Code: file change",
                "Edit file: edit-target.txt",
                "send 1",
            )),
        ),
        (
            "prompt-write-create-file.ansi",
            Some((
                "Claude Code: file change",
                "Create file: approved-write.txt",
                "send 1",
            )),
        ),
        (
            "prompt-auto-mode-no-yes.ansi",
            Some(("Claude Code: auto mode fallback", "", "left to the user")),
        ),
        (
            "dialog-auto-mode-cant-check.ansi",
            Some(("Claude Code: auto mode can't check", "", "left to the user")),
        ),
        (
            "dialog-make-auto-mode-default.ansi",
            Some(("Claude Code: auto mode as default", "", "left to the user")),
        ),
        (
            "dialog-settings-error.ansi",
            Some(("Claude Code: settings error", "", "left to the user")),
        ),
        (
            "firstrun-2-api-key-default-no.ansi",
            Some(("Claude Code: API key", "", "left to the user")),
        ),
        (
            "firstrun-2b-api-key-yes-selected.ansi",
            Some(("Claude Code: API key", "", "left to the user")),
        ),
        (
            "firstrun-4-trust-folder-default-no.ansi",
            Some(("Claude Code: folder trust", "", "left to the user")),
        ),
        (
            "firstrun-4b-trust-folder-yes-selected.ansi",
            Some(("Claude Code: folder trust", "", "left to the user")),
        ),
        ("firstrun-1-theme-picker.ansi", None),
        ("firstrun-3-security-notes.ansi", None),
        ("firstrun-5-auto-mode-default-notice.ansi", None),
        ("auto-mode-blocked-flagged.ansi", None),
    ];
    for (name, expected) in cases {
        let mut screen = Screen::new(120, 40);
        screen.feed(&fixture(name));
        let got = outcome(&config, &screen);
        let expected = expected.map(|(r, c, d)| expect(r, c, d));
        assert_eq!(got, expected, "{name}");
    }
}

proptest! {
    #[test]
    fn splitting_a_capture_anywhere_gives_the_same_outcome(
        which in 0usize..4,
        cuts in proptest::collection::vec(any::<usize>(), 1..16),
    ) {
        let name = [
            "raw-bash-rm-rf-prompt-left-open.bin",
            "raw-auto-mode-no-yes-prompt.bin",
            "prompt-bash-curl-pipe-sh.ansi",
            "prompt-edit-file.ansi",
        ][which];
        let config = claude();
        let stream = fixture(name);
        let mut whole = Screen::new(120, 40);
        whole.feed(&stream);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % stream.len()).collect();
        cuts.sort_unstable();
        let mut split = Screen::new(120, 40);
        let mut start = 0;
        for cut in cuts.into_iter().chain([stream.len()]) {
            split.feed(&stream[start..cut.max(start)]);
            start = cut.max(start);
        }
        prop_assert_eq!(split.text(), whole.text());
        prop_assert_eq!(outcome(&config, &split), outcome(&config, &whole));
    }
}

/// A Claude Code permission dialog as it draws one (rows as on screen), after `above`.
fn dialog(above: &str, title: &str, body: &str, question: &str) -> Vec<u8> {
    let rule = "─".repeat(60);
    let dash = "╌".repeat(60);
    let text = format!(
        "{above}{rule}\n {title}\n\n{dash}\n{body}\n{dash}\n {question}\n ❯ 1. Yes\n   2. No\n"
    );
    text.replace('\n', "\r\n").into_bytes()
}

fn decide(bytes: &[u8]) -> (Option<String>, String) {
    let config = claude();
    let mut screen = Screen::new(120, 40);
    screen.feed(bytes);
    let seen = seen(&config, &screen);
    (
        seen.prompt.as_ref().and_then(|p| p.command.clone()),
        decision(&config, &seen),
    )
}

#[test]
fn a_decoy_box_above_the_dialog_is_not_what_is_judged() {
    let rule = "─".repeat(60);
    let dash = "╌".repeat(60);
    let decoy = format!("{rule}\n Bash command\n\n{dash}\n ls -la\n{dash}\n\n");
    let bytes = dialog(
        &decoy,
        "Bash command",
        " rm -rf ~",
        "Do you want to proceed?",
    );
    let (command, decision) = decide(&bytes);
    assert_eq!(command.as_deref(), Some("rm -rf ~"));
    assert_eq!(decision, "dangerous: recursive-delete");
    // The same dialog without a decoy, with a harmless command, is answered.
    let (_, decision) = decide(&dialog(
        "",
        "Bash command",
        " ls -la",
        "Do you want to proceed?",
    ));
    assert_eq!(decision, "send 1");
}

#[test]
fn a_token_wrapped_mid_way_is_judged_joined_too() {
    let bytes = dialog(
        "",
        "Bash command",
        " rm -rf ~/.ss\n h",
        "Do you want to proceed?",
    );
    let (command, decision) = decide(&bytes);
    assert_eq!(command.as_deref(), Some("rm -rf ~/.ss h"));
    assert_eq!(decision, "dangerous: recursive-delete");
}

#[test]
fn an_mcp_tool_call_has_its_arguments_judged() {
    let rule = "─".repeat(60);
    let text = format!(
        "{rule}\n Tool use\n\n   shell - execute_command(command: \"rm -rf ~\") (MCP)\n\n Do you want to proceed?\n ❯ 1. Yes\n   2. No\n"
    );
    let (_, decision) = decide(text.replace('\n', "\r\n").as_bytes());
    assert_eq!(decision, "dangerous: recursive-delete");
    let text = text.replace("rm -rf ~", "ls ~/src");
    let (_, decision) = decide(text.replace('\n', "\r\n").as_bytes());
    assert_eq!(decision, "send 1");
}
