//! The `autoapprove` binary: parse the command line, run, exit with the code `run` chose.

fn main() -> std::process::ExitCode {
    autoapprove::sys::return_freed_blocks_to_the_system();
    let code = match autoapprove::cli::parse(std::env::args_os().skip(1)) {
        Ok(cli) => {
            autoapprove::pty::term::install_panic_hook();
            autoapprove::run(cli)
        }
        // Help and version too: clap prints them to stdout and says 0.
        Err(e) => {
            let _ = e.print();
            e.exit_code()
        }
    };
    autoapprove::exit::to_process(code)
}
