//! What each tool does with its arguments: one module per family of tools, each reading its
//! arguments by the tool's own option spec ([`crate::policy::argv`]). The walk hands every simple
//! command, its wrappers looked through, to [`Judge::tool`].

mod code;
pub(super) mod database;
mod files;
mod git;
mod host;
mod system;

pub use host::{is_credential, prints_environment, prints_secret_variable, shows_secrets};

use crate::policy::shell::{Command, Script, Word};
use crate::policy::walk::Judge;

impl Judge<'_> {
    /// Judges one simple command by what its program does with `args`.
    pub fn tool(
        &mut self,
        script: &Script,
        command: &Command,
        name: &str,
        args: &[Word],
        text: &str,
        depth: usize,
    ) {
        if crate::policy::walk::asks_for_help(args) {
            return;
        }
        if let Some(category) = system::by_name(name, args) {
            self.found(category, text.to_owned());
        }
        match name {
            // `rimraf` and `trash` take paths as `rm` does.
            "rm" | "unlink" | "rmdir" | "srm" | "rimraf" | "trash" | "trash-put" => {
                self.rm(args, text);
            }
            "find" => self.find(args, text, depth),
            "dd" => self.dd(args, text),
            "chmod" | "chown" | "chgrp" | "setfacl" | "chattr" => self.permissions(args, text),
            "git" => self.git(args, text, depth),
            _ => {}
        }
        self.runs_code_in_arguments(name, args, text, depth);
        self.writes(name, args, text);
        self.database(script, command, name, args, text);
        // Last: what a command writes says more than that it also reads a secret.
        self.host(name, args, text);
    }
}
