//! The `autoapprove` binary: parse the command line, run, exit with the code `run` chose.

fn main() -> std::process::ExitCode {
    return_freed_blocks_to_the_system();
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

/// glibc serves a block from the heap once a block that size has been freed, and the heap never
/// shrinks below its high-water mark. Start-up frees 320 KB blocks (the regex compiler's table for
/// each Unicode class), which would stay resident for the whole session; a fixed threshold keeps
/// such blocks in their own mappings, unmapped when freed. And glibc gives each thread that
/// allocates an arena of its own; ours allocate little and seldom, so they share one
/// (BENCHMARKS.md, memory).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn return_freed_blocks_to_the_system() {
    // SAFETY: mallopt only sets allocator parameters; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_freed_blocks_to_the_system() {}
