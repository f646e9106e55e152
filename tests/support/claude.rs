//! The real Claude Code, offline: installs `@anthropic-ai/claude-code` at the pinned version from
//! npm once (cached in `~/.cache/autoapprove`, or `$AUTOAPPROVE_CLAUDE_DIR`), and prepares a private
//! HOME and config dir that skip the first-run dialogs and point the CLI at the mock API.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::json;

use super::Options;
use super::mock_api::MockApi;

pub const VERSION: &str = "2.1.330";
/// Any key will do for the mock; the CLI remembers approval by its last 20 characters.
const API_KEY: &str = "sk-ant-api03-autoapprove-test-key-for-mock-0123456789";

/// The `claude` binary, installing it first if needed; `None` (with the reason printed) where npm
/// is not available, so the caller can skip.
pub fn binary() -> Option<PathBuf> {
    static BINARY: OnceLock<Option<PathBuf>> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let dir = std::env::var_os("AUTOAPPROVE_CLAUDE_DIR").map_or_else(
                || {
                    let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
                    Path::new(&home)
                        .join(".cache/autoapprove")
                        .join(format!("claude-code-{VERSION}"))
                },
                PathBuf::from,
            );
            let bin = dir.join("node_modules/.bin/claude");
            if bin.exists() {
                return Some(bin);
            }
            if Command::new("npm").arg("--version").output().is_err() {
                // CI installs npm (.ci/run): there, a missing npm is a broken machine, not a skip.
                assert!(
                    std::env::var_os("CI").is_none_or(|v| v != "true"),
                    "npm is not installed, and CI=true: Claude Code {VERSION} cannot be tested"
                );
                eprintln!(
                    "SKIPPED: npm is not installed, so Claude Code {VERSION} cannot be installed"
                );
                return None;
            }
            std::fs::create_dir_all(&dir).unwrap();
            let status = Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .arg(format!("@anthropic-ai/claude-code@{VERSION}"))
                .status()
                .unwrap();
            assert!(
                status.success(),
                "npm install of Claude Code {VERSION} failed"
            );
            assert!(bin.exists(), "npm installed no {}", bin.display());
            Some(bin)
        })
        .clone()
}

/// A private world for one Claude Code run.
pub struct World {
    pub root: tempfile::TempDir,
    /// The project folder Claude Code works in (its cwd).
    pub work: PathBuf,
    pub home: PathBuf,
}

impl World {
    /// Prepares HOME, the config dir and the work dir. With `trusted`, the work dir is already
    /// trusted; otherwise Claude Code asks the folder-trust question first.
    pub fn new(trusted: bool) -> Self {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("home");
        let config = home.join(".claude");
        let work = root.path().join("work");
        for d in [&config, &work, &root.path().join("tmp")] {
            std::fs::create_dir_all(d).unwrap();
        }
        let work = work.canonicalize().unwrap();
        let key_suffix = &API_KEY[API_KEY.len() - 20..];
        let mut projects = serde_json::Map::new();
        projects.insert(
            work.display().to_string(),
            json!({"hasTrustDialogAccepted": trusted, "allowedTools": []}),
        );
        let state = json!({
            "hasCompletedOnboarding": true,
            "lastOnboardingVersion": VERSION,
            "customApiKeyResponses": {"approved": [key_suffix], "rejected": []},
            "hasSeenAutoDefaultNotice": true,
            "hasSeenAutoDefaultNudge": true,
            "projects": projects,
        });
        std::fs::write(config.join(".claude.json"), state.to_string()).unwrap();
        let settings = json!({"permissions": {"defaultMode": "default"}});
        std::fs::write(config.join("settings.json"), settings.to_string()).unwrap();
        Self { root, work, home }
    }

    /// The terminal options that run Claude Code against `api`, offline, in a 120×40 terminal.
    pub fn options(&self, api: &MockApi) -> Options {
        let mut env_remove: Vec<String> = std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("ANTHROPIC_") || k.starts_with("CLAUDE"))
            .collect();
        env_remove.push("CI".into());
        let path = |p: &Path| p.display().to_string();
        let mut env: Vec<(String, String)> = vec![
            ("HOME".into(), path(&self.home)),
            ("CLAUDE_CONFIG_DIR".into(), path(&self.home.join(".claude"))),
            ("TMPDIR".into(), path(&self.root.path().join("tmp"))),
            ("ANTHROPIC_API_KEY".into(), API_KEY.into()),
            ("ANTHROPIC_BASE_URL".into(), api.base_url()),
        ];
        for flag in [
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
            "DISABLE_TELEMETRY",
            "DISABLE_AUTOUPDATER",
            "DISABLE_ERROR_REPORTING",
            "DISABLE_BUG_COMMAND",
            "DISABLE_COST_WARNINGS",
        ] {
            env.push((flag.into(), "1".into()));
        }
        Options {
            cols: 120,
            rows: 40,
            cwd: Some(self.work.clone()),
            env,
            env_remove,
        }
    }
}

/// A Write of a new file, then a Read and an Edit of an existing one, in the project: the tool
/// calls for the mock, and what the files must hold once all of them ran.
pub struct FileTools {
    pub created: PathBuf,
    pub target: PathBuf,
    /// What the Edit puts in place of `hello`'s object.
    edited: String,
}

impl FileTools {
    /// In `world`'s project; the Edit makes the target read `hello EDITED world`.
    pub fn new(world: &World, edited: &str) -> Self {
        let target = world.work.join("edit-target.txt");
        std::fs::write(&target, "hello world\n").unwrap();
        Self {
            created: world.work.join("created.txt"),
            target,
            edited: format!("hello {edited} world"),
        }
    }

    /// The three calls, in order.
    pub fn calls(&self) -> [(&'static str, serde_json::Value); 3] {
        [
            (
                "Write",
                json!({"file_path": self.created, "content": "written by the mock model\n"}),
            ),
            ("Read", json!({"file_path": self.target})),
            (
                "Edit",
                json!({"file_path": self.target, "old_string": "hello world", "new_string": self.edited}),
            ),
        ]
    }

    /// The files hold what the calls wrote.
    pub fn assert_done(&self) {
        assert_eq!(
            std::fs::read_to_string(&self.created).unwrap(),
            "written by the mock model\n"
        );
        assert_eq!(
            std::fs::read_to_string(&self.target).unwrap(),
            format!("{}\n", self.edited)
        );
    }
}
