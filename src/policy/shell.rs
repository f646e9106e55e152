//! A shell parser for judging commands: splits a command line into simple commands the way a POSIX
//! shell would (`;`, `&&`, `||`, `|`, `&`, newlines, `( )`, `{ }`), with quoting, escapes,
//! redirections, here-docs, and the bodies of `$( )`, backticks and `<( )` parsed as commands too.
//!
//! It only parses: it never expands variables, globs or runs anything, and it never panics.
//! Deciding what is dangerous is `denylist`'s job.

use std::fmt::Write as _;

/// How deep `$( )` and `sh -c` nesting may go before the text counts as unreadable.
pub const MAX_DEPTH: usize = 8;

/// One word, after quote removal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    pub text: String,
    /// Holds an unquoted or double-quoted `$` expansion: its value is not known.
    pub expands: bool,
    /// The source of each `$( )`, backtick or `<( )`/`>( )` inside the word.
    pub substitutions: Vec<String>,
    /// The word is a process substitution `<( … )` (a file whose content is a command's output).
    pub process: bool,
}

/// Where a redirection sends or takes data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    /// `>`, `>|`, `&>`, `N>`: overwrite.
    Write,
    /// `>>`, `&>>`: append.
    Append,
    /// `<`: read.
    Read,
    /// `<<`, `<<-`, `<<<`: a here-doc or here-string feeds stdin.
    Here,
    /// `>&N`, `<&N`: duplicate a descriptor.
    Dup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub kind: RedirectKind,
    /// The file (or here-doc delimiter, or here-string).
    pub target: Word,
    /// A here-doc's text.
    pub body: Option<String>,
}

/// A simple command: words and redirections, as one line of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    /// The index (in [`Script::commands`]) of the command whose output this one reads by `|`.
    pub piped_from: Option<usize>,
    /// How deeply nested it was found (0: the command line itself).
    pub depth: usize,
}

impl Command {
    /// The words as text, joined by single spaces: how the command reads, for messages.
    pub fn text(&self) -> String {
        self.words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every simple command in a command line, nested ones included, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub commands: Vec<Command>,
}

/// Why a command line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unterminated {0}")]
    Unterminated(&'static str),
    #[error("unbalanced `)`")]
    Unbalanced,
    #[error("nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
}

/// Parses `source` strictly: an unterminated quote or substitution is an error.
pub fn parse(source: &str) -> Result<Script, ParseError> {
    let mut script = Script::default();
    parse_into(source, 0, &mut script, true)?;
    Ok(script)
}

/// Parses `source` leniently, for text that is not a command line (prose on a screen): what
/// cannot be closed is closed at the end.
pub fn parse_lenient(source: &str) -> Script {
    let mut script = Script::default();
    let _ = parse_into(source, 0, &mut script, false);
    script
}

fn parse_into(
    source: &str,
    depth: usize,
    script: &mut Script,
    strict: bool,
) -> Result<(), ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::TooDeep);
    }
    let tokens = Lexer::new(source, strict).run()?;
    let mut current = Command {
        depth,
        ..Command::default()
    };
    let mut pipe_pending = false;
    let mut nested = Vec::new();
    let finish = |current: &mut Command, script: &mut Script, piped: bool| -> Option<usize> {
        let done = std::mem::replace(
            current,
            Command {
                depth,
                ..Command::default()
            },
        );
        if done.words.is_empty() && done.redirects.is_empty() {
            return None;
        }
        let mut done = done;
        if piped {
            done.piped_from = script.commands.len().checked_sub(1);
        }
        script.commands.push(done);
        Some(script.commands.len() - 1)
    };
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            Token::Word(word) => {
                nested.extend(word.substitutions.iter().cloned());
                // `{` and `}` group commands only where a command starts or ends.
                if current.words.is_empty()
                    && (word.text == "{" || word.text == "}")
                    && !word.expands
                {
                    continue;
                }
                current.words.push(word);
            }
            Token::Redirect(kind, body) => {
                let target = match tokens.peek() {
                    Some(Token::Word(_)) => match tokens.next() {
                        Some(Token::Word(w)) => w,
                        _ => Word::default(),
                    },
                    _ => Word::default(),
                };
                nested.extend(target.substitutions.iter().cloned());
                current.redirects.push(Redirect { kind, target, body });
            }
            Token::Pipe => {
                let had = finish(&mut current, script, pipe_pending).is_some();
                pipe_pending = had;
            }
            Token::Separator => {
                finish(&mut current, script, pipe_pending);
                pipe_pending = false;
            }
        }
    }
    finish(&mut current, script, pipe_pending);
    for body in nested {
        parse_into(&body, depth + 1, script, strict)?;
    }
    Ok(())
}

#[derive(Debug)]
enum Token {
    Word(Word),
    Redirect(RedirectKind, Option<String>),
    Pipe,
    Separator,
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    source: &'a str,
    strict: bool,
    tokens: Vec<Token>,
    /// Here-doc delimiters waiting for the next newline: (delimiter, strip leading tabs).
    heredocs: Vec<(String, bool)>,
}

impl<'a> Lexer<'a> {
    fn new(source: &'a str, strict: bool) -> Self {
        Self {
            chars: source.char_indices().peekable(),
            source,
            strict,
            tokens: Vec::new(),
            heredocs: Vec::new(),
        }
    }

    fn unterminated(&self, what: &'static str) -> Result<(), ParseError> {
        if self.strict {
            Err(ParseError::Unterminated(what))
        } else {
            Ok(())
        }
    }

    fn run(mut self) -> Result<Vec<Token>, ParseError> {
        while let Some(&(_, c)) = self.chars.peek() {
            match c {
                '\n' => {
                    self.chars.next();
                    self.tokens.push(Token::Separator);
                    self.skip_heredoc_bodies();
                }
                c if c.is_whitespace() => {
                    self.chars.next();
                }
                '#' => {
                    // A comment runs to the end of the line.
                    while self.chars.peek().is_some_and(|&(_, c)| c != '\n') {
                        self.chars.next();
                    }
                }
                ';' | '&' | '|' | '(' | ')' => self.operator(c),
                '<' | '>' => self.redirect()?,
                c if c.is_ascii_digit() && self.digit_redirect() => {
                    self.chars.next();
                    self.redirect()?;
                }
                _ => {
                    let word = self.word()?;
                    for word in expand_unquoted(word) {
                        self.tokens.push(Token::Word(word));
                    }
                }
            }
        }
        Ok(self.tokens)
    }

    /// `2>file`: a digit directly followed by `<` or `>` is a descriptor number.
    fn digit_redirect(&self) -> bool {
        let mut look = self.chars.clone();
        look.next();
        matches!(look.peek(), Some(&(_, '<' | '>')))
    }

    fn operator(&mut self, c: char) {
        self.chars.next();
        let next = self.chars.peek().map(|&(_, n)| n);
        match (c, next) {
            ('|', Some('|')) | ('&', Some('&')) | (';', Some(';')) => {
                self.chars.next();
                self.tokens.push(Token::Separator);
            }
            ('|', Some('&')) => {
                self.chars.next();
                self.tokens.push(Token::Pipe);
            }
            ('|', _) => self.tokens.push(Token::Pipe),
            ('&', Some('>')) => {
                // `&>file` / `&>>file`: stdout and stderr to a file.
                self.chars.next();
                let kind = if self.chars.peek().is_some_and(|&(_, n)| n == '>') {
                    self.chars.next();
                    RedirectKind::Append
                } else {
                    RedirectKind::Write
                };
                self.tokens.push(Token::Redirect(kind, None));
            }
            _ => self.tokens.push(Token::Separator),
        }
    }

    fn redirect(&mut self) -> Result<(), ParseError> {
        let (_, c) = self.chars.next().unwrap_or((0, '>'));
        let next = self.chars.peek().map(|&(_, n)| n);
        let kind = match (c, next) {
            ('>', Some('>')) => {
                self.chars.next();
                RedirectKind::Append
            }
            ('>', Some('|')) | ('<', Some('>')) => {
                self.chars.next();
                RedirectKind::Write
            }
            ('>' | '<', Some('&')) => {
                self.chars.next();
                RedirectKind::Dup
            }
            ('>' | '<', Some('(')) => {
                // A process substitution used as a word, not a redirection.
                let word = self.word_from_process()?;
                self.tokens.push(Token::Word(word));
                return Ok(());
            }
            ('<', Some('<')) => {
                self.chars.next();
                if self.chars.peek().is_some_and(|&(_, n)| n == '<') {
                    self.chars.next();
                    RedirectKind::Here
                } else {
                    let strip = if self.chars.peek().is_some_and(|&(_, n)| n == '-') {
                        self.chars.next();
                        true
                    } else {
                        false
                    };
                    self.skip_blanks();
                    let mut delimiter = self.word()?;
                    delimiter.text = restore(&delimiter.text);
                    let body = self.heredoc_body(&delimiter.text, strip);
                    self.heredocs.push((delimiter.text.clone(), strip));
                    self.tokens
                        .push(Token::Redirect(RedirectKind::Here, Some(body)));
                    self.tokens.push(Token::Word(delimiter));
                    return Ok(());
                }
            }
            ('<', _) => RedirectKind::Read,
            _ => RedirectKind::Write,
        };
        self.tokens.push(Token::Redirect(kind, None));
        Ok(())
    }

    /// The text of a here-doc whose `<<DELIM` was just read: the lines after the current one, up to
    /// the delimiter line (or the end).
    fn heredoc_body(&mut self, delimiter: &str, strip: bool) -> String {
        let here = self.chars.peek().map_or(self.source.len(), |&(i, _)| i);
        let Some(newline) = self.source[here..].find('\n') else {
            return String::new();
        };
        let mut body = String::new();
        for line in self.source[here + newline + 1..].lines() {
            let line = if strip {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if line == delimiter {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    fn skip_blanks(&mut self) {
        while self
            .chars
            .peek()
            .is_some_and(|&(_, c)| c == ' ' || c == '\t')
        {
            self.chars.next();
        }
    }

    /// After a newline: the bodies of pending here-docs are data, not commands.
    fn skip_heredoc_bodies(&mut self) {
        for (delimiter, strip) in std::mem::take(&mut self.heredocs) {
            loop {
                let Some(&(start, _)) = self.chars.peek() else {
                    return;
                };
                let end = self.source[start..]
                    .find('\n')
                    .map_or(self.source.len(), |i| start + i);
                let line = &self.source[start..end];
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                while self.chars.peek().is_some_and(|&(i, _)| i <= end) {
                    self.chars.next();
                    if self.chars.peek().is_some_and(|&(i, _)| i > end) {
                        break;
                    }
                }
                if line == delimiter {
                    break;
                }
            }
        }
    }

    fn word_from_process(&mut self) -> Result<Word, ParseError> {
        self.chars.next(); // the `(`
        let body = self.until_close_paren()?;
        Ok(Word {
            text: format!("<({body})"),
            expands: true,
            substitutions: vec![body],
            process: true,
        })
    }

    /// Reads up to the `)` matching an already consumed `(`, minding quotes and nesting.
    fn until_close_paren(&mut self) -> Result<String, ParseError> {
        let mut depth = 1;
        let mut body = String::new();
        let mut quote: Option<char> = None;
        while let Some((_, c)) = self.chars.next() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some('"') | None, '\\') => {
                    body.push(c);
                    if let Some((_, n)) = self.chars.next() {
                        body.push(n);
                    }
                    continue;
                }
                (None, '\'' | '"') => quote = Some(c),
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(body);
                    }
                }
                _ => {}
            }
            body.push(c);
        }
        self.unterminated("`$(`")?;
        Ok(body)
    }

    /// A backtick substitution inside a word (the opening backtick not yet consumed).
    fn backtick(&mut self, word: &mut Word) -> Result<(), ParseError> {
        self.chars.next();
        let body = self.until_backtick()?;
        let _ = write!(word.text, "`{body}`");
        word.substitutions.push(body);
        word.expands = true;
        Ok(())
    }

    fn until_backtick(&mut self) -> Result<String, ParseError> {
        let mut body = String::new();
        while let Some((_, c)) = self.chars.next() {
            match c {
                '`' => return Ok(body),
                '\\' => {
                    if let Some((_, n)) = self.chars.next() {
                        body.push(n);
                    }
                }
                c => body.push(c),
            }
        }
        self.unterminated("backtick")?;
        Ok(body)
    }

    /// `$…` at the current position (the `$` not yet consumed), inside a word.
    fn dollar(&mut self, word: &mut Word) -> Result<(), ParseError> {
        self.chars.next();
        match self.chars.peek().map(|&(_, c)| c) {
            Some('(') => {
                self.chars.next();
                if self.chars.peek().is_some_and(|&(_, c)| c == '(') {
                    // `$(( … ))` is arithmetic, not a command.
                    self.chars.next();
                    let body = self.until_close_paren()?;
                    if self.chars.peek().is_some_and(|&(_, c)| c == ')') {
                        self.chars.next();
                    }
                    let _ = write!(word.text, "$(({body}))");
                } else {
                    let body = self.until_close_paren()?;
                    let _ = write!(word.text, "$({body})");
                    word.substitutions.push(body);
                }
                word.expands = true;
            }
            Some('{') => {
                word.text.push('$');
                for (_, c) in self.chars.by_ref() {
                    word.text.push(c);
                    if c == '}' {
                        break;
                    }
                }
                word.expands = true;
            }
            Some(c) if c.is_ascii_alphanumeric() || "_@*#?$!-".contains(c) => {
                word.text.push('$');
                if c.is_ascii_alphabetic() || c == '_' {
                    while let Some(&(_, c)) = self.chars.peek() {
                        if c.is_ascii_alphanumeric() || c == '_' {
                            word.text.push(c);
                            self.chars.next();
                        } else {
                            break;
                        }
                    }
                } else {
                    word.text.push(c);
                    self.chars.next();
                }
                word.expands = true;
            }
            Some('\'') => {
                self.chars.next();
                self.ansi_c_quoted(word)?;
            }
            _ => word.text.push('$'),
        }
        Ok(())
    }

    /// `$'…'`: ANSI-C quoting, its escapes decoded as the shell decodes them (`$'\x72\x6d'` is
    /// `rm`).
    fn ansi_c_quoted(&mut self, word: &mut Word) -> Result<(), ParseError> {
        while let Some((_, c)) = self.chars.next() {
            match c {
                '\'' => return Ok(()),
                '\\' => {
                    let Some((_, e)) = self.chars.next() else {
                        break;
                    };
                    let simple = match e {
                        'n' => Some('\n'),
                        't' => Some('\t'),
                        'r' => Some('\r'),
                        'a' => Some('\x07'),
                        'b' => Some('\x08'),
                        'e' | 'E' => Some('\x1b'),
                        'f' => Some('\x0c'),
                        'v' => Some('\x0b'),
                        '\\' | '\'' | '"' | '?' => Some(e),
                        _ => None,
                    };
                    if let Some(c) = simple {
                        word.text.push(c);
                        continue;
                    }
                    let (radix, max) = match e {
                        'x' => (16, 2),
                        'u' => (16, 4),
                        'U' => (16, 8),
                        '0'..='7' => (8, 2),
                        _ => {
                            word.text.push('\\');
                            word.text.push(e);
                            continue;
                        }
                    };
                    let mut digits = if radix == 8 {
                        e.to_string()
                    } else {
                        String::new()
                    };
                    while digits.len() < max + usize::from(radix == 8)
                        && self.chars.peek().is_some_and(|&(_, d)| d.is_digit(radix))
                    {
                        digits.push(self.chars.next().map_or('0', |(_, d)| d));
                    }
                    if let Some(c) = u32::from_str_radix(&digits, radix)
                        .ok()
                        .and_then(char::from_u32)
                    {
                        word.text.push(c);
                    } else {
                        // Not a character: kept as written (octal digits include `e`).
                        word.text.push('\\');
                        if radix != 8 {
                            word.text.push(e);
                        }
                        word.text.push_str(&digits);
                    }
                }
                c => word.text.push(c),
            }
        }
        self.unterminated("ANSI-C quote")
    }

    fn single_quoted(&mut self, word: &mut Word) -> Result<(), ParseError> {
        for (_, c) in self.chars.by_ref() {
            if c == '\'' {
                return Ok(());
            }
            word.text.push(c);
        }
        self.unterminated("single quote")
    }

    fn word(&mut self) -> Result<Word, ParseError> {
        let mut word = Word::default();
        while let Some(&(_, c)) = self.chars.peek() {
            match c {
                c if c.is_whitespace() => break,
                ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                    // `name()` in a function definition, `a=(x y)` arrays: keep them in the word.
                    if c == '(' && !word.text.is_empty() {
                        self.chars.next();
                        let body = self.until_close_paren()?;
                        let _ = write!(word.text, "({body})");
                        continue;
                    }
                    break;
                }
                '\'' => {
                    self.chars.next();
                    self.single_quoted(&mut word)?;
                }
                '"' => {
                    self.chars.next();
                    self.double_quoted(&mut word)?;
                }
                '\\' => {
                    self.chars.next();
                    match self.chars.next() {
                        Some((_, '\n')) | None => {}
                        Some((_, n)) => word.text.push(n),
                    }
                }
                '$' if self.unquoted_ifs() => word.text.push(IFS),
                '$' => self.dollar(&mut word)?,
                '`' => self.backtick(&mut word)?,
                '{' | ',' | '}' => {
                    word.text.push(match c {
                        '{' => OPEN,
                        ',' => COMMA,
                        _ => CLOSE,
                    });
                    self.chars.next();
                }
                c => {
                    word.text.push(c);
                    self.chars.next();
                }
            }
        }
        Ok(word)
    }

    /// At an unquoted `$IFS` or `${IFS}` (consumed): the shell splits the word there.
    fn unquoted_ifs(&mut self) -> bool {
        let rest = self.chars.peek().map_or("", |&(i, _)| &self.source[i..]);
        let len = if rest.starts_with("${IFS}") {
            6
        } else if rest.starts_with("$IFS")
            && !rest[4..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            4
        } else {
            return false;
        };
        for _ in 0..len {
            self.chars.next();
        }
        true
    }

    fn double_quoted(&mut self, word: &mut Word) -> Result<(), ParseError> {
        while let Some(&(_, c)) = self.chars.peek() {
            match c {
                '"' => {
                    self.chars.next();
                    return Ok(());
                }
                '\\' => {
                    self.chars.next();
                    match self.chars.next() {
                        Some((_, n @ ('"' | '\\' | '$' | '`'))) => word.text.push(n),
                        Some((_, '\n')) => {}
                        Some((_, n)) => {
                            word.text.push('\\');
                            word.text.push(n);
                        }
                        None => break,
                    }
                }
                '$' => self.dollar(word)?,
                '`' => self.backtick(word)?,
                c => {
                    word.text.push(c);
                    self.chars.next();
                }
            }
        }
        self.unterminated("double quote")
    }
}

/// Where an unquoted `$IFS` split a word, and unquoted `{`, `,` and `}` (brace expansion), as
/// characters no command line holds: the lexer marks them, [`expand_unquoted`] acts on them.
const IFS: char = '\u{E000}';
const OPEN: char = '\u{E001}';
const COMMA: char = '\u{E002}';
const CLOSE: char = '\u{E003}';

/// The most words one brace expansion may make; more reads as written.
const MAX_BRACE_WORDS: usize = 256;

/// A word as the shell hands it on: brace expansion first (`{rm,-rf,~}` is three words,
/// `~/{a,b}` two), then splitting where `$IFS` stood unquoted.
fn expand_unquoted(word: Word) -> Vec<Word> {
    if !word.text.contains([IFS, OPEN, COMMA, CLOSE]) {
        return vec![word];
    }
    let mut texts = vec![word.text.clone()];
    while let Some(i) = texts.iter().position(|t| brace_group(t).is_some()) {
        let text = texts.remove(i);
        let (open, alternatives, close) = brace_group(&text).expect("just found");
        let expanded: Vec<String> = alternatives
            .iter()
            .map(|alt| {
                format!(
                    "{}{alt}{}",
                    &text[..open],
                    &text[close + CLOSE.len_utf8()..]
                )
            })
            .collect();
        if texts.len() + expanded.len() > MAX_BRACE_WORDS {
            texts.insert(i, text.replace([OPEN, COMMA, CLOSE], ""));
            break;
        }
        for (j, t) in expanded.into_iter().enumerate() {
            texts.insert(i + j, t);
        }
    }
    texts
        .iter()
        .flat_map(|t| t.split(IFS).map(restore).collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .map(|text| Word {
            text,
            ..word.clone()
        })
        .collect()
}

/// The first `{a,b…}` or `{x..y[..step]}` group in `text` (marked characters): where it opens,
/// its alternatives, and where it closes. A group with neither is no expansion (`{}` in
/// `find -exec`).
fn brace_group(text: &str) -> Option<(usize, Vec<String>, usize)> {
    let mut opens = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            OPEN => opens.push(i),
            CLOSE => {
                let open = opens.pop()?;
                let inner = &text[open + OPEN.len_utf8()..i];
                // Commas at this group's own level.
                let mut depth = 0;
                let mut parts = Vec::new();
                let mut start = 0;
                for (j, c) in inner.char_indices() {
                    match c {
                        OPEN => depth += 1,
                        CLOSE => depth -= 1,
                        COMMA if depth == 0 => {
                            parts.push(&inner[start..j]);
                            start = j + COMMA.len_utf8();
                        }
                        _ => {}
                    }
                }
                if !parts.is_empty() {
                    parts.push(&inner[start..]);
                    return Some((open, parts.into_iter().map(str::to_owned).collect(), i));
                }
                if let Some(words) = sequence(inner) {
                    return Some((open, words, i));
                }
            }
            _ => {}
        }
    }
    None
}

/// The words of a sequence expression, `1..5`, `05..1..2` or `a..e`, as the shell makes them:
/// counting up or down, by the step's size, integers padded to the wider end's width when either
/// is written with a leading zero. None if `inner` is no sequence, or makes more than
/// [`MAX_BRACE_WORDS`] words (read as written).
fn sequence(inner: &str) -> Option<Vec<String>> {
    let mut ends = inner.split("..");
    let (from, to) = (ends.next()?, ends.next()?);
    let step = match ends.next() {
        Some(step) => step.parse::<i64>().ok()?.checked_abs()?.max(1),
        None => 1,
    };
    if ends.next().is_some() {
        return None;
    }
    let letter = |end: &str| match end.as_bytes() {
        [c] if c.is_ascii_alphabetic() => Some(i64::from(*c)),
        _ => None,
    };
    let (first, last, letters) = match (letter(from), letter(to)) {
        (Some(a), Some(b)) => (a, b, true),
        (None, None) => (from.parse::<i64>().ok()?, to.parse::<i64>().ok()?, false),
        _ => return None,
    };
    let count = usize::try_from(first.abs_diff(last) / step.unsigned_abs()).ok()? + 1;
    if count > MAX_BRACE_WORDS {
        return None;
    }
    let padded = |end: &str| {
        let digits = end.trim_start_matches('-');
        digits.len() > 1 && digits.starts_with('0')
    };
    let width = if padded(from) || padded(to) {
        from.len().max(to.len())
    } else {
        0
    };
    let step = if first <= last { step } else { -step };
    let values = std::iter::successors(Some(first), |n| n.checked_add(step)).take(count);
    Some(if letters {
        values
            .filter_map(|n| u8::try_from(n).ok())
            .map(|c| char::from(c).to_string())
            .collect()
    } else {
        values.map(|n| format!("{n:0width$}")).collect()
    })
}

/// The marked characters back as written.
fn restore(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            IFS => ' ',
            OPEN => '{',
            COMMA => ',',
            CLOSE => '}',
            c => c,
        })
        .collect()
}

/// The command line a shell would read as exactly these arguments.
pub fn join<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` as one shell word: as it is when nothing in it is special, else single-quoted (an
/// empty word too, and braces but `find`'s `{}`, which the shell would expand).
pub fn quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c);
    if text == "{}" || !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of the first command in `source`, as the shell hands them on.
    fn words(source: &str) -> Vec<String> {
        parse(source).unwrap().commands[0]
            .words
            .iter()
            .map(|w| w.text.clone())
            .collect()
    }

    fn texts(source: &str) -> Vec<String> {
        parse(source)
            .unwrap()
            .commands
            .iter()
            .map(Command::text)
            .collect()
    }

    #[test]
    fn splits_on_every_separator() {
        assert_eq!(
            texts("a 1; b 2 && c || d | e & f\ng"),
            vec!["a 1", "b 2", "c", "d", "e", "f", "g"]
        );
        assert_eq!(texts("(cd x && rm y); { z; }"), vec!["cd x", "rm y", "z"]);
    }

    #[test]
    fn join_is_read_back_as_the_same_words() {
        for argv in [
            &["rm", ""][..],
            &["echo", "{a,b}", "x{1..3}"],
            &["find", ".", "-exec", "rm", "{}", "+"],
            &["sh", "-c", "it's $HOME; ~ *"],
            &["printf", "a\tb", "--x=1,2:3@4%5"],
        ] {
            assert_eq!(words(&join(argv)), argv, "{}", join(argv));
        }
    }

    #[test]
    fn removes_quotes_and_escapes() {
        assert_eq!(
            texts(r#"rm -rf "/" 'a b' c\ d "x\"y""#),
            vec![r#"rm -rf / a b c d x"y"#]
        );
        assert_eq!(texts("echo $'a b'"), vec!["echo a b"]);
    }

    #[test]
    fn brace_expansion_ifs_and_ansi_c_quotes_as_the_shell_reads_them() {
        assert_eq!(words("{rm,-rf,~}"), ["rm", "-rf", "~"]);
        assert_eq!(words("rm -rf ~/{a,b}"), ["rm", "-rf", "~/a", "~/b"]);
        assert_eq!(
            words("mkdir -p src/{a,b}/c"),
            ["mkdir", "-p", "src/a/c", "src/b/c"]
        );
        assert_eq!(words("rm${IFS}-rf$IFS/"), ["rm", "-rf", "/"]);
        assert_eq!(
            words("$'\\x72\\x6d' $'\\162\\155' $'a\\tb'"),
            ["rm", "rm", "a\tb"]
        );
        // Sequences, as bash makes them.
        assert_eq!(words("rm -rf .{g..g}it"), ["rm", "-rf", ".git"]);
        assert_eq!(
            words("echo {1..3} {3..1}"),
            ["echo", "1", "2", "3", "3", "2", "1"]
        );
        assert_eq!(
            words("echo {08..10} {1..7..3}"),
            ["echo", "08", "09", "10", "1", "4", "7"]
        );
        assert_eq!(
            words("echo {-1..1} {c..a..2}"),
            ["echo", "-1", "0", "1", "c", "a"]
        );
        assert_eq!(
            words("echo x{a..b}{1..2}"),
            ["echo", "xa1", "xa2", "xb1", "xb2"]
        );
        // Not a sequence (mixed, a word, too many words): as written.
        assert_eq!(
            words("echo {a..3} {ab..c} {1..2..3..4} {1..100000}"),
            ["echo", "{a..3}", "{ab..c}", "{1..2..3..4}", "{1..100000}"]
        );
        // Quoted, or without a comma, braces are literal; `$IFS` quoted is one word.
        assert_eq!(
            words("echo '{a,b}' \"{c,d}\" {} {x}"),
            ["echo", "{a,b}", "{c,d}", "{}", "{x}"]
        );
        assert_eq!(words("echo \"$IFS\" $IFSX"), ["echo", "$IFS", "$IFSX"]);
        assert_eq!(words("awk '{print $1}' f"), ["awk", "{print $1}", "f"]);
    }

    #[test]
    fn pipelines_know_their_producer() {
        let s = parse("curl -s x | sudo bash; ls").unwrap();
        assert_eq!(s.commands[1].piped_from, Some(0));
        assert_eq!(s.commands[2].piped_from, None);
    }

    #[test]
    fn substitutions_are_commands_too() {
        let s = parse(r#"echo "$(rm -rf /)" `reboot` <(curl x)"#).unwrap();
        let all: Vec<String> = s.commands.iter().map(Command::text).collect();
        assert!(all.contains(&"rm -rf /".to_owned()), "{all:?}");
        assert!(all.contains(&"reboot".to_owned()), "{all:?}");
        assert!(all.contains(&"curl x".to_owned()), "{all:?}");
        assert!(s.commands[0].words[1].expands);
        assert!(s.commands[0].words[3].process);
        assert_eq!(s.commands[1].depth, 1);
    }

    #[test]
    fn redirections() {
        let s = parse("cat a > /dev/sda 2>/dev/null >> log < in").unwrap();
        let c = &s.commands[0];
        assert_eq!(c.text(), "cat a");
        let kinds: Vec<(RedirectKind, &str)> = c
            .redirects
            .iter()
            .map(|r| (r.kind, r.target.text.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (RedirectKind::Write, "/dev/sda"),
                (RedirectKind::Write, "/dev/null"),
                (RedirectKind::Append, "log"),
                (RedirectKind::Read, "in"),
            ]
        );
    }

    #[test]
    fn heredoc_bodies_are_data() {
        let s = parse("cat <<EOF > f\nrm -rf /\nEOF\nls").unwrap();
        assert_eq!(
            s.commands.iter().map(Command::text).collect::<Vec<_>>(),
            vec!["cat", "ls"]
        );
        assert_eq!(s.commands[0].redirects[0].kind, RedirectKind::Here);
        assert_eq!(
            s.commands[0].redirects[0].body.as_deref(),
            Some("rm -rf /\n")
        );
    }

    #[test]
    fn comments_and_arithmetic() {
        assert_eq!(texts("ls # rm -rf /"), vec!["ls"]);
        assert_eq!(texts("echo $((1 + 2))"), vec!["echo $((1 + 2))"]);
    }

    #[test]
    fn strict_and_lenient() {
        assert_eq!(
            parse("echo 'oops"),
            Err(ParseError::Unterminated("single quote"))
        );
        assert_eq!(parse("echo $(ls"), Err(ParseError::Unterminated("`$(`")));
        let prose = parse_lenient("don't run rm -rf / please");
        assert_eq!(prose.commands.len(), 1);
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = format!("{}x{}", "$(".repeat(12), ")".repeat(12));
        assert_eq!(parse(&deep), Err(ParseError::TooDeep));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "", ")", "((", "<<", "<<EOF", "2>", "&>", "$", "${", "`", "\\", "a(", "|&", "<(",
            "'\u{301}",
        ] {
            let _ = parse(s);
            let _ = parse_lenient(s);
        }
    }
}
