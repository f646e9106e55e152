//! The terminal output parser: the DEC ANSI state machine (<https://vt100.net/emu/dec_ansi_parser>)
//! over UTF-8 text, reduced to what the screen model acts on. It runs on the relay's thread, so
//! its speed on any byte stream, not only text, is part of the relay's: a run of printable ASCII
//! is handed over whole; in binary output the bytes that each show one narrow cell or nothing
//! (letters, bytes invalid by themselves, idle controls) are read by a table and handed over as
//! one run, with no branch on which they are (a long stretch of bytes that each show a cell, such
//! as 0xFF, is found 16 bytes at a time, without the table); every other character is decoded in
//! one pass (an invalid sequence is one U+FFFD, the maximal-subpart rule `from_utf8_lossy`
//! follows). OSC, DCS, SOS, PM and APC strings are read past and dropped: nothing on screen
//! depends on them.
//!
//! Byte for byte it acts as `vte` does, with one exception: DEL prints nothing (terminals ignore
//! it), where `vte` prints it as a character.

use crate::utf8::{self, Lead, lead, stretch};

/// What a byte of [`Perform::print_narrow`]'s text shows: printable ASCII itself, any other
/// byte U+FFFD.
#[inline]
pub fn narrow_char(byte: u8) -> char {
    if byte < 0x7f {
        char::from(byte)
    } else {
        char::REPLACEMENT_CHARACTER
    }
}

/// What the parser found, in order.
pub trait Perform {
    /// The C0 controls that do nothing in the ground state, bit `n` for control `n`: the parser
    /// reads past them there without a call, so binary output costs no call for them. (In an
    /// escape sequence every C0 control is still executed.)
    const IDLE_CONTROLS: u32 = 0;
    /// A run of characters one cell wide, never empty, as bytes that came: printable ASCII
    /// (0x20..=0x7E) as itself, and bytes that were an invalid UTF-8 sequence by themselves,
    /// each one U+FFFD ([`narrow_char`]). Never a control.
    fn print_narrow(&mut self, text: &[u8]);
    /// A character that is not printable ASCII, `times` times (≥ 1) in a row; U+FFFD too, for
    /// an invalid sequence of more than one byte or one the chunking cut.
    fn print(&mut self, c: char, times: usize);
    /// A C0 control. (C1 controls, raw or UTF-8 encoded, are dropped: no terminal in UTF-8
    /// mode acts on them, and `vte` reports them only to be ignored.)
    fn execute(&mut self, byte: u8);
    /// `CSI params intermediates action`. Not called for a sequence with too many parameters
    /// or intermediates, or with a private marker after a parameter.
    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], action: u8);
    /// `ESC intermediates byte`.
    fn esc_dispatch(&mut self, intermediates: &[u8], byte: u8);
}

/// Parameter values a CSI sequence may carry; more make it ignored (as `vte` does).
const MAX_PARAMS: usize = 32;
/// Intermediate bytes a sequence may carry; more make it ignored.
const MAX_INTERMEDIATES: usize = 2;

/// A CSI sequence's parameters: groups separated by `;`, each of values separated by `:`
/// (`38:2::1:2:3`). An absent value is 0; a value too large saturates.
#[derive(Debug, Default)]
pub struct Params {
    values: [u16; MAX_PARAMS],
    len: usize,
    /// Where each group ends in `values`.
    ends: [u8; MAX_PARAMS],
    groups: usize,
}

impl Params {
    /// The groups, each a non-empty slice of values.
    pub fn iter(&self) -> impl Iterator<Item = &[u16]> {
        let mut start = 0;
        self.ends[..self.groups].iter().map(move |&end| {
            let group = &self.values[start..usize::from(end)];
            start = usize::from(end);
            group
        })
    }

    pub fn is_empty(&self) -> bool {
        self.groups == 0
    }

    /// The first value of group `i`, if there is one: what most sequences read, without walking
    /// the groups before it.
    pub fn first(&self, i: usize) -> Option<u16> {
        if i >= self.groups {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.values.get(usize::from(start)).copied()
    }

    fn clear(&mut self) {
        self.len = 0;
        self.groups = 0;
    }

    fn is_full(&self) -> bool {
        self.len == MAX_PARAMS
    }

    /// Adds a value to the current group; `end` closes the group.
    fn push(&mut self, value: u16, end: bool) {
        self.values[self.len] = value;
        self.len += 1;
        if end {
            #[allow(clippy::cast_possible_truncation)] // len ≤ MAX_PARAMS
            let len = self.len as u8;
            self.ends[self.groups] = len;
            self.groups += 1;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Ground,
    Escape,
    EscapeIntermediate,
    CsiEntry,
    CsiParam,
    CsiIntermediate,
    CsiIgnore,
    /// Inside an OSC string: ends at BEL, CAN, SUB or ESC.
    Osc,
    /// A DCS sequence's data, after its head (read by the CSI states, see `Parser::dcs`):
    /// ends at ST (raw 0x9C), CAN, SUB or ESC.
    DcsData,
    /// A DCS head spoilt by a misplaced byte: ends at CAN, SUB or ESC only.
    DcsIgnore,
    /// Inside an SOS, PM or APC string: ends at CAN, SUB or ESC.
    Str,
}

/// What a byte of text beyond ASCII made.
enum Decoded {
    /// Nothing to act on: a character is open (more bytes to come), or a C1 control was
    /// dropped.
    Nothing,
    Char(char),
    /// A C0 control.
    Control(u8),
}

/// The same character, printed `times` times in a row.
#[derive(Default)]
struct Run {
    c: char,
    times: usize,
}

impl Run {
    fn flush<P: Perform>(&mut self, performer: &mut P) {
        if self.times > 0 {
            performer.print(self.c, self.times);
            self.times = 0;
        }
    }
}

/// A UTF-8 character begun but not finished.
#[derive(Debug, Default, Clone, Copy)]
struct Partial {
    /// Continuation bytes still to come; 0 when no character is open.
    needed: u8,
    /// Continuation bytes already read (0 means only the lead byte).
    seen: u8,
    code: u32,
    /// The range the next continuation byte must be in (narrower after E0, ED, F0, F4).
    lower: u8,
    upper: u8,
}

#[derive(Debug)]
pub struct Parser {
    state: State,
    utf8: Partial,
    params: Params,
    /// The parameter value being read.
    param: u16,
    intermediates: [u8; MAX_INTERMEDIATES],
    intermediate_len: usize,
    /// The sequence overflowed its parameters or intermediates: it will not be dispatched.
    ignoring: bool,
    /// The CSI states are reading a DCS head: its controls are dropped, its final byte starts
    /// the data and a misplaced byte spoils it for good.
    dcs: bool,
    /// Where `narrow` gathers its text (kept here: a fresh buffer would be cleared each time).
    narrow_text: [u8; NARROW_RUN],
}

fn is_printable_ascii(byte: u8) -> bool {
    (0x20..0x7f).contains(&byte)
}

/// Whether `byte` shows one narrow cell whatever comes next: printable ASCII, or a byte no
/// UTF-8 character holds there (a stray continuation byte past the C1 range, or one never in
/// a character: 0xC0, 0xC1, 0xF5–0xFF). One range test, not a call to
/// [`utf8::never_in_a_character`]: [`stretch`] tests it a vector at a time, and the call's
/// `||` made the 0xFF flood 40 % slower.
const fn shows_one_cell(byte: u8) -> bool {
    matches!(byte, 0x20..=0x7e | 0xa0..=0xc1 | 0xf5..=0xff)
}

/// How [`Parser::narrow`] reads a byte in the ground state.
#[derive(Clone, Copy)]
struct Narrow {
    /// 1 if the byte shows a cell, 0 if it shows nothing (DEL, a C1 control, an idle C0 one).
    keep: u8,
    /// Not narrow: the general path reads it.
    stop: bool,
    /// A lead byte: narrow (one U+FFFD) only when the next byte cannot continue it, which is
    /// when `next - low` (wrapping) is above `span`.
    lead: bool,
    low: u8,
    span: u8,
}

impl Narrow {
    /// Every byte's entry, for a performer whose idle controls are `idle`.
    const fn table(idle: u32) -> [Self; 256] {
        let stop = Self {
            keep: 0,
            stop: true,
            lead: false,
            low: 0,
            span: 0,
        };
        let nothing = Self {
            stop: false,
            ..stop
        };
        let shown = Self { keep: 1, ..nothing };
        let mut table = [stop; 256];
        let mut i = 0;
        while i < 256 {
            #[allow(clippy::cast_possible_truncation)] // i < 256
            let byte = i as u8;
            table[i] = match byte {
                _ if shows_one_cell(byte) => shown,
                0x1b => stop,
                0x00..=0x1f if idle >> byte & 1 == 1 => nothing,
                0x00..=0x1f => stop,
                // DEL prints nothing; a stray continuation byte in the C1 range is a C1
                // control, as `vte` reads it.
                0x7f..=0x9f => nothing,
                _ => match lead(byte) {
                    Some(opens) => {
                        let (low, span) = opens.first();
                        Self {
                            lead: true,
                            low,
                            span,
                            ..shown
                        }
                    }
                    None => shown,
                },
            };
            i += 1;
        }
        table
    }
}

/// [`Narrow::table`] for performer `P`, built at compile time.
struct NarrowTable<P>(std::marker::PhantomData<P>);

impl<P: Perform> NarrowTable<P> {
    const TABLE: [Narrow; 256] = Narrow::table(P::IDLE_CONTROLS);
}

/// How much narrow text is gathered before it is handed over.
const NARROW_RUN: usize = 256;
/// A run of printable ASCII shorter than this, followed by narrow bytes, is read again as
/// narrow text with them (one call instead of two); a longer one is handed over as it is.
const SHORT_TEXT: usize = 32;
/// How many bytes that each show a cell [`Parser::narrow`] looks for before taking the flood
/// path: a whole vector's worth, so looking costs random bytes no missed branch.
const FLOOD: usize = 32;

impl Parser {
    pub fn new() -> Self {
        Self {
            state: State::Ground,
            utf8: Partial::default(),
            params: Params::default(),
            param: 0,
            intermediates: [0; MAX_INTERMEDIATES],
            intermediate_len: 0,
            ignoring: false,
            dcs: false,
            narrow_text: [0; NARROW_RUN],
        }
    }

    /// Feeds bytes, in any chunking: a sequence or a character cut at the end is finished by
    /// the next call.
    pub fn advance<P: Perform>(&mut self, performer: &mut P, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            if self.state == State::Ground {
                i = self.ground(performer, bytes, i);
                continue;
            }
            if matches!(self.state, State::CsiEntry | State::CsiParam) {
                i = self.csi_params(bytes, i);
                if i == bytes.len() {
                    break;
                }
            }
            self.sequence(performer, bytes[i]);
            i += 1;
        }
    }

    /// Right after an ESC read in text: a CSI sequence whole in `bytes` — `[`, a private marker
    /// or none, parameters, a final byte; what TUIs send before nearly every run of text — is
    /// read and dispatched here, in the same steps the state machine takes, without it. Returns
    /// where reading stopped; the state says where in a sequence it did, for the state machine
    /// to go on from.
    #[inline]
    fn csi<P: Perform>(&mut self, performer: &mut P, bytes: &[u8], mut i: usize) -> usize {
        if bytes.get(i) != Some(&b'[') {
            return i;
        }
        self.state = State::CsiEntry;
        i += 1;
        if let Some(&marker @ 0x3c..=0x3f) = bytes.get(i) {
            self.collect(marker);
            self.state = State::CsiParam;
            i += 1;
        }
        i = self.csi_params(bytes, i);
        match bytes.get(i) {
            Some(&action @ 0x40..=0x7e) => {
                self.csi_dispatch(performer, action);
                i + 1
            }
            _ => i,
        }
    }

    /// Reads a CSI sequence's (or DCS head's) parameters from `i` in one loop: TUIs send one
    /// before nearly every run of text. Returns where they end.
    fn csi_params(&mut self, bytes: &[u8], mut i: usize) -> usize {
        while let Some(&byte) = bytes.get(i) {
            match byte {
                b'0'..=b'9' => self.digit(byte),
                b';' | b':' => self.next_param(byte == b';'),
                _ => break,
            }
            self.state = State::CsiParam;
            i += 1;
        }
        i
    }

    /// Whether the byte at `i` is not narrow (see [`Narrow`]). A lead byte last in the chunk
    /// may be continued by the next one: it is not narrow.
    #[inline]
    fn narrow_stops<P: Perform>(bytes: &[u8], i: usize) -> bool {
        let class = NarrowTable::<P>::TABLE[usize::from(bytes[i])];
        let next = bytes.get(i + 1).copied().unwrap_or(class.low);
        class.stop | (class.lead & utf8::fits(next, class.low, class.span))
    }

    /// Reads from `i` the bytes that each show one narrow cell or nothing — printable ASCII,
    /// bytes that are an invalid sequence by themselves, C1 and idle C0 controls — without a
    /// branch on which (binary output is all of these, in random order), and hands them over
    /// as narrow text. Returns where it stopped.
    fn narrow<P: Perform>(&mut self, performer: &mut P, bytes: &[u8], mut i: usize) -> usize {
        // A flood of bytes that each show a cell whatever follows them (0xFF, say) needs no
        // table: it is found 16 bytes at a time and handed over as it came.
        let flood = bytes.get(i..i + FLOOD).is_some_and(|head| {
            head.iter()
                .fold(true, |all, &byte| all & shows_one_cell(byte))
        });
        if flood {
            let cells = FLOOD + stretch(&bytes[i + FLOOD..], shows_one_cell);
            performer.print_narrow(&bytes[i..i + cells]);
            i += cells;
        }
        let text = &mut self.narrow_text;
        let mut n = 0;
        while i < bytes.len() && !Self::narrow_stops::<P>(bytes, i) {
            text[n] = bytes[i];
            n += usize::from(NarrowTable::<P>::TABLE[usize::from(bytes[i])].keep);
            i += 1;
            if n == NARROW_RUN {
                performer.print_narrow(text);
                n = 0;
            }
        }
        if n > 0 {
            performer.print_narrow(&text[..n]);
        }
        i
    }

    /// Reads text from `i` until the parser leaves the ground state or the bytes end; returns
    /// where it stopped.
    fn ground<P: Perform>(&mut self, performer: &mut P, bytes: &[u8], mut i: usize) -> usize {
        // Characters beyond ASCII often come as runs of one (a rule of box drawing, U+FFFD for
        // each byte of binary output): a run is printed at once.
        let mut run = Run::default();
        while i < bytes.len() {
            let byte = bytes[i];
            let decoded = if self.utf8.needed != 0 {
                let (taken, decoded) = self.continue_utf8(byte);
                i += usize::from(taken);
                decoded
            } else if is_printable_ascii(byte) {
                run.flush(performer);
                let start = i;
                i += 1 + stretch(&bytes[i + 1..], is_printable_ascii);
                if i - start < SHORT_TEXT && i < bytes.len() && !Self::narrow_stops::<P>(bytes, i) {
                    // Binary output: a few letters between invalid bytes. One run for all.
                    i = self.narrow(performer, bytes, start);
                } else {
                    performer.print_narrow(&bytes[start..i]);
                }
                continue;
            } else if !Self::narrow_stops::<P>(bytes, i) {
                run.flush(performer);
                i = self.narrow(performer, bytes, i);
                continue;
            } else {
                i += 1;
                match byte {
                    0x1b => {
                        run.flush(performer);
                        self.enter_escape();
                        i = self.csi(performer, bytes, i);
                        if self.state != State::Ground {
                            return i;
                        }
                        continue;
                    }
                    0x7f => continue,
                    0x00..=0x1f => Decoded::Control(byte),
                    _ => self.start_utf8(byte),
                }
            };
            match decoded {
                Decoded::Nothing => {}
                Decoded::Char(c) if run.times > 0 && run.c == c => run.times += 1,
                Decoded::Char(c) => {
                    run.flush(performer);
                    run = Run { c, times: 1 };
                }
                Decoded::Control(byte) => {
                    run.flush(performer);
                    performer.execute(byte);
                }
            }
        }
        run.flush(performer);
        i
    }

    /// A byte ≥ 0x80 outside a character: a lead byte opens one, anything else is invalid.
    fn start_utf8(&mut self, byte: u8) -> Decoded {
        let Some(Lead {
            needs: needed,
            low: lower,
            high: upper,
        }) = lead(byte)
        else {
            // A stray continuation byte is a C1 control where it is one, as `vte` reads it.
            return if byte <= 0x9f {
                Decoded::Nothing
            } else {
                Decoded::Char(char::REPLACEMENT_CHARACTER)
            };
        };
        // The lead byte's payload: 5, 4 or 3 bits.
        let code = byte & (0x7f >> (needed + 1));
        self.utf8 = Partial {
            needed,
            seen: 0,
            code: u32::from(code),
            lower,
            upper,
        };
        Decoded::Nothing
    }

    /// The next byte of an open character, and whether it was taken (a byte that cannot
    /// continue it ends it as invalid and is read again on its own).
    fn continue_utf8(&mut self, byte: u8) -> (bool, Decoded) {
        let open = &mut self.utf8;
        if !(open.lower..=open.upper).contains(&byte) {
            self.utf8 = Partial::default();
            return (false, Decoded::Char(char::REPLACEMENT_CHARACTER));
        }
        open.code = (open.code << 6) | u32::from(byte & 0x3f);
        open.seen += 1;
        (open.lower, open.upper) = (0x80, 0xbf);
        if open.seen < open.needed {
            return (true, Decoded::Nothing);
        }
        let code = open.code;
        self.utf8 = Partial::default();
        let decoded = match char::from_u32(code) {
            Some('\u{80}'..='\u{9f}') => Decoded::Nothing,
            Some(c) => Decoded::Char(c),
            None => Decoded::Char(char::REPLACEMENT_CHARACTER),
        };
        (true, decoded)
    }

    fn enter_escape(&mut self) {
        self.state = State::Escape;
        self.params.clear();
        self.param = 0;
        self.intermediate_len = 0;
        self.ignoring = false;
        self.dcs = false;
    }

    fn collect(&mut self, byte: u8) {
        if self.intermediate_len == MAX_INTERMEDIATES {
            self.ignoring = true;
        } else {
            self.intermediates[self.intermediate_len] = byte;
            self.intermediate_len += 1;
        }
    }

    fn digit(&mut self, byte: u8) {
        if self.params.is_full() {
            self.ignoring = true;
        } else {
            // Clamped, not checked at each step: one multiply-add a digit.
            let value = u32::from(self.param) * 10 + u32::from(byte - b'0');
            self.param = u16::try_from(value).unwrap_or(u16::MAX);
        }
    }

    /// `;` (`end`) or `:` after a value.
    fn next_param(&mut self, end: bool) {
        if self.params.is_full() {
            self.ignoring = true;
        } else {
            self.params.push(self.param, end);
            self.param = 0;
        }
    }

    fn csi_dispatch<P: Perform>(&mut self, performer: &mut P, action: u8) {
        self.state = State::Ground;
        if self.params.is_full() {
            self.ignoring = true;
        } else {
            self.params.push(self.param, true);
        }
        if !self.ignoring {
            performer.csi_dispatch(
                &self.params,
                &self.intermediates[..self.intermediate_len],
                action,
            );
        }
    }

    /// The final byte of a CSI sequence or a DCS head.
    fn finish<P: Perform>(&mut self, performer: &mut P, byte: u8) {
        if self.dcs {
            self.state = State::DcsData;
        } else {
            self.csi_dispatch(performer, byte);
        }
    }

    /// A byte out of place in a CSI sequence or DCS head.
    fn ignore(&mut self) {
        self.state = if self.dcs {
            State::DcsIgnore
        } else {
            State::CsiIgnore
        };
    }

    fn esc_dispatch<P: Perform>(&mut self, performer: &mut P, byte: u8) {
        self.state = State::Ground;
        if !self.ignoring {
            performer.esc_dispatch(&self.intermediates[..self.intermediate_len], byte);
        }
    }

    /// One byte inside an escape sequence or string.
    fn sequence<P: Perform>(&mut self, performer: &mut P, byte: u8) {
        // From any state: CAN and SUB cancel the sequence, ESC starts another one.
        match byte {
            0x18 | 0x1a => {
                self.state = State::Ground;
                return performer.execute(byte);
            }
            0x1b => {
                // `vte` keeps an ESC ESC's state as it was: nothing to clear but the same.
                if self.state != State::Escape {
                    self.enter_escape();
                }
                return;
            }
            _ => {}
        }
        match self.state {
            State::Osc => {
                if byte == 0x07 {
                    self.state = State::Ground;
                }
            }
            State::DcsData => {
                if byte == 0x9c {
                    self.state = State::Ground;
                }
            }
            // Strings are read past; and `sequence` is not called in the ground state.
            State::Str | State::DcsIgnore | State::Ground => {}
            // C0 controls inside an escape or CSI sequence act at once (a DCS head drops
            // them); DEL and bytes ≥ 0x80 are dropped.
            _ if byte < 0x20 => {
                if !self.dcs {
                    performer.execute(byte);
                }
            }
            _ if byte >= 0x7f => {}
            State::Escape => match byte {
                0x20..=0x2f => {
                    self.collect(byte);
                    self.state = State::EscapeIntermediate;
                }
                b'[' => self.state = State::CsiEntry,
                b']' => self.state = State::Osc,
                b'P' => {
                    self.dcs = true;
                    self.state = State::CsiEntry;
                }
                b'X' | b'^' | b'_' => self.state = State::Str,
                _ => self.esc_dispatch(performer, byte),
            },
            State::EscapeIntermediate => match byte {
                0x20..=0x2f => self.collect(byte),
                _ => self.esc_dispatch(performer, byte),
            },
            State::CsiEntry | State::CsiParam => match byte {
                b'0'..=b'9' => {
                    self.digit(byte);
                    self.state = State::CsiParam;
                }
                b':' | b';' => {
                    self.next_param(byte == b';');
                    self.state = State::CsiParam;
                }
                // A private marker (`?`, `>`, …) leads; after a parameter it spoils the sequence.
                0x3c..=0x3f if self.state == State::CsiEntry => {
                    self.collect(byte);
                    self.state = State::CsiParam;
                }
                0x3c..=0x3f => self.ignore(),
                0x20..=0x2f => {
                    self.collect(byte);
                    self.state = State::CsiIntermediate;
                }
                _ => self.finish(performer, byte),
            },
            State::CsiIntermediate => match byte {
                0x20..=0x2f => self.collect(byte),
                0x30..=0x3f => self.ignore(),
                _ => self.finish(performer, byte),
            },
            State::CsiIgnore => {
                if byte >= 0x40 {
                    self.state = State::Ground;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything the parser reports, written out.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Perform for Log {
        fn print_narrow(&mut self, text: &[u8]) {
            for &c in text {
                self.print(narrow_char(c), 1);
            }
        }
        fn print(&mut self, c: char, times: usize) {
            for _ in 0..times {
                match self.0.last_mut() {
                    Some(last) if last.starts_with('"') => last.insert(last.len() - 1, c),
                    _ => self.0.push(format!("\"{c}\"")),
                }
            }
        }
        fn execute(&mut self, byte: u8) {
            self.0.push(format!("x{byte:02x}"));
        }
        fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], action: u8) {
            let params: Vec<String> = params
                .iter()
                .map(|g| {
                    g.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .collect();
            self.0.push(format!(
                "CSI {}{}{}",
                String::from_utf8_lossy(intermediates),
                params.join(";"),
                action as char
            ));
        }
        fn esc_dispatch(&mut self, intermediates: &[u8], byte: u8) {
            self.0.push(format!(
                "ESC {}{}",
                String::from_utf8_lossy(intermediates),
                byte as char
            ));
        }
    }

    fn parse(bytes: &[u8]) -> Vec<String> {
        let mut log = Log::default();
        Parser::new().advance(&mut log, bytes);
        log.0
    }

    /// The same bytes fed one at a time.
    fn parse_bytewise(bytes: &[u8]) -> Vec<String> {
        let mut log = Log::default();
        let mut parser = Parser::new();
        for b in bytes {
            parser.advance(&mut log, std::slice::from_ref(b));
        }
        log.0
    }

    #[test]
    fn text_controls_and_sequences_in_order() {
        assert_eq!(
            parse(b"ab\r\n\x1b[1;38:2::1:2:3m\x1b[?25l\x1b(0\x1b7c\x1b[ q\x1b[m"),
            [
                "\"ab\"",
                "x0d",
                "x0a",
                "CSI 1;38:2:0:1:2:3m",
                "CSI ?25l",
                "ESC (0",
                "ESC 7",
                "\"c\"",
                "CSI  0q",
                "CSI 0m"
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_one_replacement_per_maximal_subpart() {
        // The cases `String::from_utf8_lossy` documents, except that a lone continuation byte
        // below 0xA0 is a C1 control (as `vte` reads it), dropped: `\xed\xa0\x80` is two U+FFFD.
        let bytes = b"a\xff\xe2\x82b\xf0\x9f\x98\x80\xed\xa0\x80\xc3\xa9\x9b\xc0\x80\xe2\x1b[Ke";
        assert_eq!(
            parse(bytes),
            [
                "\"a\u{fffd}\u{fffd}b\u{1f600}\u{fffd}\u{fffd}é\u{fffd}\u{fffd}\"",
                "CSI 0K",
                "\"e\""
            ]
        );
        assert_eq!(parse_bytewise(bytes), parse(bytes));
    }

    #[test]
    fn strings_are_read_past_and_sequences_cancelled() {
        assert_eq!(
            parse(b"\x1b]0;title\x07a\x1b]8;;http://x\x1b\\b\x1bP1$r\x9cc\x1b_apc\x1b\\d"),
            ["\"a\"", "ESC \\", "\"bc\"", "ESC \\", "\"d\""]
        );
        assert_eq!(
            parse(b"\x1b[1\x18x\x1b[2\x1b[3m"),
            ["x18", "\"x\"", "CSI 3m"]
        );
        // A control inside a sequence acts at once; the sequence goes on.
        assert_eq!(parse(b"\x1b[1\r0H"), ["x0d", "CSI 10H"]);
    }

    #[test]
    fn too_many_parameters_or_a_late_private_marker_ignores_the_sequence() {
        let many = format!("\x1b[{}m", "1;".repeat(40));
        assert_eq!(parse(many.as_bytes()), Vec::<String>::new());
        assert_eq!(parse(b"\x1b[1?hz\x1b[99999H"), ["\"z\"", "CSI 65535H"]);
        assert_eq!(parse(b"\x1b[ !\"qk"), ["\"k\""]);
    }

    /// Binary output: printable ASCII, lone invalid bytes, C1 and idle C0 controls come as one
    /// run of narrow text; a control that acts (here LF) splits it, and inside a sequence even
    /// an idle control is executed.
    #[test]
    fn binary_output_comes_as_runs_of_narrow_text() {
        #[derive(Default)]
        struct Calls(Vec<String>);
        impl Perform for Calls {
            const IDLE_CONTROLS: u32 = 1 << 0x01 | 1 << 0x07;
            fn print_narrow(&mut self, text: &[u8]) {
                let shown: String = text.iter().map(|&b| narrow_char(b)).collect();
                self.0.push(format!("narrow {shown}"));
            }
            fn print(&mut self, c: char, times: usize) {
                self.0.push(format!("print {c} {times}"));
            }
            fn execute(&mut self, byte: u8) {
                self.0.push(format!("x{byte:02x}"));
            }
            fn csi_dispatch(&mut self, _: &Params, _: &[u8], action: u8) {
                self.0.push(format!("CSI {}", char::from(action)));
            }
            fn esc_dispatch(&mut self, _: &[u8], _: u8) {}
        }
        let mut calls = Calls::default();
        let bytes = b"ab\xff\x01c\x80d\xe2(\x07\x7fe\nf\xc3\xa9\xe0\x80g\x1b[\x011K";
        Parser::new().advance(&mut calls, bytes);
        assert_eq!(
            calls.0,
            [
                "narrow ab\u{fffd}cd\u{fffd}(e",
                "x0a",
                "narrow f",
                "print \u{e9} 1",
                "narrow \u{fffd}g",
                "x01",
                "CSI K"
            ]
        );
    }

    #[test]
    fn del_prints_nothing() {
        assert_eq!(parse(b"a\x7fb"), ["\"ab\""]);
    }

    /// `vte`'s actions on `bytes`, written out as [`Log`] writes ours.
    fn vte_log(bytes: &[u8]) -> Vec<String> {
        struct Vte(Log);
        impl vte::Perform for Vte {
            fn print(&mut self, c: char) {
                if c != '\x7f' {
                    self.0.print(c, 1);
                }
            }
            fn execute(&mut self, byte: u8) {
                if byte < 0x80 {
                    self.0.execute(byte);
                }
            }
            fn csi_dispatch(&mut self, p: &vte::Params, i: &[u8], ignore: bool, action: char) {
                if !ignore {
                    let mut params = Params::default();
                    for group in p {
                        for (k, &v) in group.iter().enumerate() {
                            params.push(v, k + 1 == group.len());
                        }
                    }
                    self.0.csi_dispatch(&params, i, action as u8);
                }
            }
            fn esc_dispatch(&mut self, i: &[u8], ignore: bool, byte: u8) {
                if !ignore {
                    self.0.esc_dispatch(i, byte);
                }
            }
        }
        let mut theirs = Vte(Log::default());
        vte::Parser::new().advance(&mut theirs, bytes);
        theirs.0.0
    }

    /// Ours and `vte`'s actions on `bytes` are the same, whole and a byte at a time.
    fn assert_as_vte(bytes: &[u8]) {
        let theirs = vte_log(bytes);
        assert_eq!(parse(bytes), theirs, "{:?}", bytes.escape_ascii());
        assert_eq!(parse_bytewise(bytes), theirs, "{:?}", bytes.escape_ascii());
    }

    /// Against `vte` on arbitrary bytes: the same actions, whatever the chunking.
    #[test]
    fn acts_as_vte_does() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Bytes drawn mostly from the ones that matter to the parser.
        let alphabet =
            b"\x1b\x1b[[;;::0123?>  !m\x07\x18\x9c\x80\xc3\xa9\xe2\x9d\xaf\xf0\xffaZ]P_\r\n";
        for _ in 0..3000 {
            let len = usize::try_from(next() % 96).unwrap_or(0);
            let bytes: Vec<u8> = (0..len)
                .flat_map(|_| {
                    let r = next();
                    let byte = if r % 4 == 0 {
                        r.to_le_bytes()[1]
                    } else {
                        alphabet[usize::try_from(r >> 8).unwrap_or(0) % alphabet.len()]
                    };
                    // Runs of one byte too, longer than the parser's 16-byte scans.
                    let times = if r % 5 == 0 { 1 + (r >> 32) % 40 } else { 1 };
                    std::iter::repeat_n(byte, usize::try_from(times).unwrap_or(1))
                })
                .collect();
            assert_as_vte(&bytes);
        }
    }

    /// Long stretches of bytes that each show a cell (printable ASCII mixed with bytes no
    /// character holds), taken by the flood path, then whatever ends them: a lead byte that
    /// does or does not start a character, a C1 control, a line feed, an escape, the end.
    #[test]
    fn floods_of_one_cell_bytes_act_as_vte_does() {
        let cells = b"\xff\xf5\xa0\xbf\xc0\xc1a Z~";
        let ends: [&[u8]; 7] = [
            b"\xc3\xa9",
            b"\xc3(",
            b"\xe2\x9d",
            b"\x85",
            b"\n",
            b"\x1b[K",
            b"",
        ];
        for len in [31, 32, 33, 47, 48, 300] {
            for (k, end) in ends.iter().enumerate() {
                let mut bytes: Vec<u8> =
                    (0..len).map(|i| cells[(i * 7 + k) % cells.len()]).collect();
                bytes.extend_from_slice(end);
                bytes.extend(std::iter::repeat_n(0xff, len));
                assert_as_vte(&bytes);
            }
        }
    }
}
