//! The `autoapprove` binary: parse the command line, run, exit with the code `run` chose.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = autoapprove::cli::Cli::parse();
    autoapprove::term::install_panic_hook();
    let code = autoapprove::run(cli);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
