//! A file the user names for autoapprove's own output — the log (`--log-file`) and the recording
//! (`--record`) — opened before the program starts and without waiting: a regular file (created
//! if missing), a terminal, `/dev/null`, or a pipe that something already reads. Opening a FIFO
//! nobody reads would block before the program starts; it is refused instead.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// What becomes of a regular file's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Written after what is there (the log).
    Append,
    /// Replaced (a recording).
    Replace,
}

/// Opens `path` for writing as `mode` says; an error says what the file is when it is refused.
/// Writes to what it returns block (a slow reader slows the writer, never loses a line).
pub fn open(path: &Path, mode: Mode) -> io::Result<File> {
    let refuse = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, why.to_owned());
    let mut options = File::options();
    options.create(true);
    match mode {
        Mode::Append => options.append(true),
        Mode::Replace => options.write(true).truncate(true),
    };
    let file = options
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed())
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error()) {
                refuse("a FIFO that nothing reads")
            } else {
                e
            }
        })?;
    let kind = file.metadata()?.file_type();
    let terminal = rustix::termios::isatty(&file);
    let null = kind.is_char_device() && path == Path::new("/dev/null");
    if !(kind.is_file() || kind.is_fifo() || terminal || null) {
        return Err(refuse(
            "not a regular file, a terminal or a pipe being read",
        ));
    }
    let blocking = match mode {
        Mode::Append => rustix::fs::OFlags::APPEND,
        Mode::Replace => rustix::fs::OFlags::empty(),
    };
    rustix::fs::fcntl_setfl(&file, blocking)?;
    Ok(file)
}
