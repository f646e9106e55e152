//! The `autoapprove` binary: parse the command line, run, exit with the code `run` chose.

fn main() -> std::process::ExitCode {
    autoapprove::sys::return_freed_blocks_to_the_system();
    let code = match autoapprove::cli::parse(std::env::args_os().skip(1)) {
        Ok(cli) => {
            autoapprove::pty::term::install_panic_hook();
            autoapprove::run(cli)
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{}", autoapprove::cli::USAGE);
            autoapprove::exit::USAGE
        }
    };
    autoapprove::exit::to_process(code)
}
