//! The user's keyboard: a dedicated thread reads stdin (blocking reads there never hold up the
//! session or its shutdown) and hands the bytes to the session through a channel.
//!
//! It does not interpret keys; the session does.

use tokio::sync::mpsc;

/// What the stdin thread reports.
pub enum UserInput {
    Bytes(Vec<u8>),
    /// stdin reached end-of-file or failed: nothing more will come.
    Closed,
}

/// Starts the reader thread. It ends at EOF; at exit it is simply abandoned.
pub fn spawn() -> mpsc::UnboundedReceiver<UserInput> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match rustix::io::read(rustix::stdio::stdin(), &mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx.send(UserInput::Bytes(buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                    Err(rustix::io::Errno::INTR) => {}
                    // A stdin left non-blocking by someone else: wait until it is readable.
                    Err(rustix::io::Errno::AGAIN) => {
                        let fd = rustix::stdio::stdin();
                        let mut fds = [rustix::event::PollFd::new(
                            &fd,
                            rustix::event::PollFlags::IN,
                        )];
                        let _ = rustix::event::poll(&mut fds, None);
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send(UserInput::Closed);
        })
        .expect("spawning the stdin thread");
    rx
}
