//! Prompt detection: runs the prompt rules over what the user sees (the screen model, then the text
//! tail) and says which prompt, if any, is waiting for an answer.
//!
//! Only the live part of the output counts: on a normal screen a match must end on the prompt's
//! line (the last non-blank line at or above the cursor), so old prompts scrolled above are never
//! answered again; on the alternate screen the whole screen is live. It decides nothing about
//! whether to answer: that is the engine's job.

use std::hash::{Hash, Hasher};

use crate::config::{Config, Rule, Source};
use crate::prompts::screen::Snapshot;
use crate::prompts::tail::{self, Tail};

/// Where a prompt was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Screen,
    Tail,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Screen => "screen",
            Self::Tail => "tail",
        }
    }
}

/// A prompt waiting for an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Index of the rule that matched, in the configuration's order.
    pub rule: usize,
    pub origin: Origin,
    /// Equal for the same prompt instance seen again (same rule, same place, same text); a prompt
    /// redrawn elsewhere or with other text is a new instance.
    pub identity: u64,
    /// The text the rule matched.
    pub matched: String,
    /// The lines around the prompt, ending with its line: what the denylist reads without a command.
    pub context: String,
    /// The command the prompt asks about, from the rule's `command` group (never empty).
    pub command: Option<String>,
    /// Other ways to read `command`, each judged too: a command a program wrapped over rows
    /// itself, read with its rows joined without a space (a token broken mid-way).
    pub command_readings: Vec<String>,
    /// What kind of request it is (`Bash command`, `Edit file`), from the rule's `tool` group.
    pub tool: Option<String>,
    /// The file the prompt asks to write, from the rule's `path` group.
    pub path: Option<String>,
    /// `path` lies inside the project: resolved against the asking process's working directory,
    /// it is under the directory autoapprove started in. Set by the session, which can look at
    /// the file system; false until then.
    pub in_project: bool,
    /// Where the text tail ended when it was seen: answering it moves the start of what the next
    /// prompt is judged against here.
    pub tail_end: u64,
    /// What the program showed before the prompt, for the denylist to read besides it.
    pub shown: Shown,
}

/// What a prompt is judged against besides its own text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Nothing more: its rule says what it is about (a `command`, `path` or `context` group).
    Scoped,
    /// Everything shown since the previous answered prompt (or since start).
    Since(String),
    /// More was shown since than the tail keeps.
    Lost,
}

/// What the live part of the output shows once it settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The first rule, in order, that matches.
    pub prompt: Option<Prompt>,
    /// The live text (the prompt's context, or what would be one): the denylist reads it before
    /// an idle nudge types into whatever is waiting there.
    pub context: String,
    /// The alternate screen (a full-screen program) is showing.
    pub alternate: bool,
}

/// Runs the rules over the live screen, then the tail. A prompt found carries the text shown
/// since tail offset `since` (the previous answered prompt's `tail_end`).
pub fn detect(config: &Config, screen: &Snapshot, tail: &Tail, since: u64) -> Seen {
    let whole = screen.alternate || config.whole_screen;
    let screen_region = screen_region(screen, whole, config.context_lines);
    let tail_region = tail_region(tail, config.context_lines);
    let prompt = config.rules.iter().enumerate().find_map(|(index, rule)| {
        let on_screen = || {
            screen_region
                .as_ref()
                .and_then(|r| find(index, rule, r, Origin::Screen))
        };
        let in_tail = || {
            tail_region
                .as_ref()
                .and_then(|r| find(index, rule, r, Origin::Tail))
        };
        match rule.source {
            Source::Any => on_screen().or_else(in_tail),
            Source::Screen => on_screen(),
            Source::Tail => in_tail(),
        }
    });
    let prompt = prompt.map(|p| {
        let rule = &config.rules[p.rule];
        let scoped = p.command.is_some()
            || p.path.is_some()
            || rule.regex.capture_names().any(|n| n == Some("context"));
        // Only an unscoped prompt needs the history: no copy of it otherwise.
        let shown = if scoped {
            Shown::Scoped
        } else {
            tail.since(since)
                .map_or(Shown::Lost, |text| Shown::Since(text.into_owned()))
        };
        Prompt {
            tail_end: tail.end(),
            shown,
            ..p
        }
    });
    let context = match &prompt {
        Some(p) => p.context.clone(),
        None => screen_region
            .or(tail_region)
            .map(|r| r.text)
            .unwrap_or_default(),
    };
    Seen {
        prompt,
        context,
        alternate: screen.alternate,
    }
}

/// Text to match, the offset where the live part starts, and how to turn a match's end offset
/// into a position that stays put while the output moves on.
struct Region {
    text: String,
    live_from: usize,
    positions: Positions,
}

enum Positions {
    /// Tail text: the absolute offset of `text[0]` in what the tail stored.
    Bytes(u64),
    /// Screen text: (offset in `text` where a line starts, that line's absolute row).
    Rows(Vec<(usize, u64)>),
}

impl Region {
    fn position(&self, offset: usize) -> u64 {
        match &self.positions {
            Positions::Bytes(base) => base + tail::stored_len(&self.text[..offset]) as u64,
            Positions::Rows(rows) => {
                let i = rows.partition_point(|&(start, _)| start <= offset);
                rows[i.saturating_sub(1)].1
            }
        }
    }
}

fn find(index: usize, rule: &Rule, region: &Region, origin: Origin) -> Option<Prompt> {
    let caps = rule
        .regex
        .captures_iter(&region.text)
        .filter(|c| c.get(0).is_some_and(|m| m.end() > region.live_from))
        .last()?;
    let whole = caps.get(0)?;
    let matched = whole.as_str().trim().to_owned();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (index, origin, region.position(whole.end()), &matched).hash(&mut hasher);
    Some(Prompt {
        rule: index,
        origin,
        identity: hasher.finish(),
        matched,
        in_project: false,
        tail_end: 0,
        shown: Shown::Scoped,
        // A rule may say which part of the screen is the prompt's context.
        context: caps
            .name("context")
            .map_or_else(|| region.text.clone(), |m| m.as_str().trim().to_owned()),
        command_readings: caps
            .name("command")
            .filter(|_| rule.unwrap_command)
            .map(|m| unwrap_rows(m.as_str(), ""))
            .into_iter()
            .collect(),
        // An empty capture says nothing: the denylist then judges the whole context instead.
        command: caps
            .name("command")
            .map(|m| {
                if rule.unwrap_command {
                    unwrap_rows(m.as_str(), " ")
                } else {
                    m.as_str().trim().to_owned()
                }
            })
            .filter(|c| !c.is_empty()),
        tool: caps.name("tool").map(|m| m.as_str().trim().to_owned()),
        path: caps
            .name("path")
            .map(|m| m.as_str().trim().to_owned())
            .filter(|p| !p.is_empty()),
    })
}

/// A command wrapped over rows, as Claude Code shows a long one (` │ first part` / ` │ rest`),
/// read back as one line: gutter and indentation removed, rows joined by `joint` — a space where
/// the program broke the line between words, nothing where it broke a long token.
fn unwrap_rows(text: &str, joint: &str) -> String {
    text.lines()
        .map(|row| {
            let row = row.trim();
            row.strip_prefix('│').map_or(row, str::trim_start)
        })
        .filter(|row| !row.is_empty())
        .collect::<Vec<_>>()
        .join(joint)
}

fn screen_region(screen: &Snapshot, whole: bool, context_lines: usize) -> Option<Region> {
    let lines = &screen.lines;
    let (first, prompt_line, last) = if whole {
        // A full-screen program's screen is all current: every line is live.
        let last = lines.iter().rposition(|l| !l.text.trim().is_empty())?;
        (0, 0, last)
    } else {
        let upto = screen.cursor_line.min(lines.len().checked_sub(1)?);
        let prompt = lines[..=upto]
            .iter()
            .rposition(|l| !l.text.trim().is_empty())?;
        (prompt.saturating_sub(context_lines - 1), prompt, prompt)
    };
    let mut text = String::new();
    let mut live_from = 0;
    let mut rows = Vec::new();
    for (i, line) in lines.iter().enumerate().take(last + 1).skip(first) {
        if i == prompt_line {
            live_from = text.len();
        }
        rows.push((text.len(), line.abs_row));
        text.push_str(&line.text);
        if i < last {
            text.push('\n');
        }
    }
    Some(Region {
        text,
        live_from,
        positions: Positions::Rows(rows),
    })
}

fn tail_region(tail: &Tail, context_lines: usize) -> Option<Region> {
    let (text, base) = tail.text();
    let trimmed = text.trim_end();
    if trimmed.is_empty() {
        return None;
    }
    let prompt_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
    let mut start = prompt_start;
    for _ in 1..context_lines {
        match trimmed[..start.saturating_sub(1)].rfind('\n') {
            Some(i) if start > 0 => start = i + 1,
            _ => {
                start = 0;
                break;
            }
        }
    }
    Some(Region {
        text: trimmed[start..].to_owned(),
        live_from: prompt_start - start,
        positions: Positions::Bytes(base + tail::stored_len(&trimmed[..start]) as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::prompts::screen::Screen;

    fn run(bytes: &[u8]) -> Option<Prompt> {
        let config = config::defaults();
        let mut s = Screen::new(40, 10);
        s.feed(bytes);
        detect(&config, &s.snapshot(), s.tail(), 0).prompt
    }

    #[test]
    fn a_line_prompt_at_the_cursor_is_found() {
        let p = run(b"Installing...\r\nContinue? [y/n] ").unwrap();
        assert_eq!(config::defaults().rules[p.rule].name, "Yes/No prompt");
        assert_eq!(p.origin, Origin::Screen);
        assert_eq!(p.matched, "[y/n]");
        assert_eq!(p.context, "Installing...\nContinue? [y/n]");
        // Its rule names nothing: it carries all that was shown since the start.
        assert_eq!(
            p.shown,
            Shown::Since("Installing...\nContinue? [y/n] ".into())
        );
        // One whose rule names the file needs no history.
        let p = run(b"lots of output\r\nrm: remove regular file 'a.txt'? ").unwrap();
        assert_eq!(p.path.as_deref(), Some("a.txt"));
        assert_eq!(p.shown, Shown::Scoped);
    }

    #[test]
    fn an_answered_prompt_above_the_cursor_is_not_live() {
        assert_eq!(run(b"Continue? [y/n] y\r\nworking\r\n"), None);
        assert_eq!(run(b"Continue? [y/n] y\r\n"), None);
    }

    #[test]
    fn a_prompt_followed_by_a_newline_is_still_live() {
        let p = run(b"Press Enter to continue\r\n").unwrap();
        assert_eq!(p.matched, "Press Enter to continue");
    }

    #[test]
    fn the_same_prompt_redrawn_in_place_keeps_its_identity() {
        let a = run(b"Continue? [y/n] ").unwrap();
        let b = run(b"Continue? [y/n] \r\x1b[KContinue? [y/n] ").unwrap();
        assert_eq!(a.identity, b.identity);
        let next = run(b"Continue? [y/n] y\r\nContinue? [y/n] ").unwrap();
        assert_ne!(a.identity, next.identity);
    }

    #[test]
    fn the_tail_finds_prompts_the_screen_lost() {
        let config = config::defaults();
        let mut s = Screen::new(40, 10);
        // The prompt is printed, then the line is wiped while the program waits.
        s.feed(b"Continue? [y/n] \r\x1b[K");
        let p = detect(&config, &s.snapshot(), s.tail(), 0).prompt.unwrap();
        assert_eq!(p.origin, Origin::Tail);
    }

    /// The tail stores U+FFFD in one byte: a place in its text counts it as one, so the end of
    /// the text is the end of the tail.
    #[test]
    fn tail_places_are_counted_in_what_the_tail_stored() {
        let mut s = Screen::new(40, 10);
        s.feed(b"\xff\xffbinary\r\n\xffOK?");
        let region = tail_region(s.tail(), 5).unwrap();
        assert_eq!(region.text, "\u{fffd}\u{fffd}binary\n\u{fffd}OK?");
        assert_eq!(region.position(region.text.len()), s.tail().end());
        assert_eq!(s.tail().end(), 13);
    }

    #[test]
    fn without_a_prompt_the_live_text_is_still_reported() {
        let mut config = config::defaults();
        config.context_lines = 1;
        let mut s = Screen::new(40, 10);
        s.feed(b"old\r\nType DELETE to wipe /dev/sda: ");
        let seen = detect(&config, &s.snapshot(), s.tail(), 0);
        assert_eq!(seen.prompt, None);
        assert_eq!(seen.context, "Type DELETE to wipe /dev/sda:");
    }

    #[test]
    fn a_context_group_narrows_what_is_judged() {
        let config = config::from_yaml(
            "prompt_rules:\n  - description: box\n    match_regex: '(?s)BOX\\n(?P<context>.*)\\nOK\\?'\n    send: y\n",
            "t",
        )
        .unwrap();
        let mut s = Screen::new(40, 10);
        s.feed(b"\x1b[?1049hold rm -rf /\r\nBOX\r\nfetch example.com\r\nOK?");
        let seen = detect(&config, &s.snapshot(), s.tail(), 0);
        assert_eq!(seen.context, "fetch example.com");
    }

    #[test]
    fn wrapped_commands_are_unwrapped() {
        assert_eq!(
            unwrap_rows(
                " │ touch ./marker && echo a b\n │ c d >\n │ ./long.txt",
                " "
            ),
            "touch ./marker && echo a b c d > ./long.txt"
        );
        assert_eq!(unwrap_rows(" rm -rf /tmp/x\n", " "), "rm -rf /tmp/x");
        assert_eq!(unwrap_rows(" rm -rf ~/.ss\n h", ""), "rm -rf ~/.ssh");
    }

    #[test]
    fn whole_screen_mode_reads_a_dialog_drawn_on_the_normal_screen() {
        let bytes = b"Delete it? [y/n]\r\n  Yes\r\n  No\r\nEnter to confirm\r\n";
        assert_eq!(run(bytes), None);
        let mut config = config::defaults();
        config.whole_screen = true;
        let mut s = Screen::new(40, 10);
        s.feed(bytes);
        assert!(detect(&config, &s.snapshot(), s.tail(), 0).prompt.is_some());
    }

    #[test]
    fn on_the_alternate_screen_anything_drawn_is_live() {
        let p = run(b"\x1b[?1049h\x1b[3;1HDelete it? [y/n]\x1b[9;1Hstatus bar").unwrap();
        assert_eq!(p.origin, Origin::Screen);
        assert!(p.context.contains("status bar"));
    }

    #[test]
    fn a_command_group_names_the_command() {
        let config = config::from_yaml(
            "prompt_rules:\n  - description: run\n    match_regex: 'Run (?P<command>.+)\\? \\[y/n\\]'\n    send: y\n",
            "t",
        )
        .unwrap();
        let mut s = Screen::new(40, 10);
        s.feed(b"Run ls -la? [y/n] ");
        let p = detect(&config, &s.snapshot(), s.tail(), 0).prompt.unwrap();
        assert_eq!(p.command.as_deref(), Some("ls -la"));
    }
}
