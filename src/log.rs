//! Where events go: a log file (`--log-file`), else stderr when stderr is not a terminal. When
//! stderr is the terminal the child draws on, full logs would corrupt its screen, so none are
//! written there (the session shows short banners instead).
//!
//! The only module that writes log lines.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::time::SystemTime;

use crate::events::{Event, Level};
use crate::output_file;
use crate::record::Recorder;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

enum Sink {
    File(File),
    Stderr,
    Nowhere,
}

pub struct Log {
    sink: Sink,
    format: Format,
    level: Level,
    /// `--record`: every event is also a marker in the recording (whatever the level).
    recorder: Recorder,
}

impl Log {
    /// Opens the log file (appending) if one is named; otherwise logs to stderr unless it is a
    /// terminal.
    pub fn open(path: Option<&Path>, format: Format, level: Level) -> io::Result<Self> {
        let sink = match path {
            Some(p) => Sink::File(output_file::open(p, output_file::Mode::Append)?),
            None if crate::pty::term::stderr_is_tty() => Sink::Nowhere,
            None => Sink::Stderr,
        };
        Ok(Self {
            sink,
            format,
            level,
            recorder: Recorder::off(),
        })
    }

    /// Events go into this recording too.
    pub fn record_to(&mut self, recorder: Recorder) {
        self.recorder = recorder;
    }

    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    pub fn emit(&mut self, event: &Event) {
        self.recorder.event(event);
        if event.level() < self.level {
            return;
        }
        let now = SystemTime::now();
        let mut line = match self.format {
            Format::Text => event.to_text(now),
            Format::Json => event.to_json(now),
        };
        line.push('\n');
        // One write per line, unbuffered, so a reader never sees half a line and nothing is lost
        // if autoapprove is killed. A failing log must not stop the session.
        let _ = match &mut self.sink {
            Sink::File(f) => f.write_all(line.as_bytes()),
            Sink::Stderr => io::stderr().lock().write_all(line.as_bytes()),
            Sink::Nowhere => Ok(()),
        };
    }
}
