//! Confirmations whose safe answer is No: ones that default to No (`[y/N]`: the capital is the
//! program's own advice) and ones worded as destruction ("delete", "overwrite", "cannot be
//! undone" …). The built-in rules leave them to the person unless the command or file they
//! concern was judged safe.

use std::sync::LazyLock;

use regex::Regex;

/// `[y/N]`, `(y/N)`, `[yes/NO]`: the capital marks the default, and the default is No.
static DEFAULT_NO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\[(]\s*(?:y|yes)\s*/\s*(?:N|NO|No)\s*[\])]").expect("a valid regex")
});

/// Words a confirmation uses when saying Yes destroys something.
static DESTRUCTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:
            delet(?:e|es|ed|ing|ion) | remov(?:e|es|ed|ing|al) | overwrit(?:e|es|ing|ten)
          | replac(?:e|es|ing) | eras(?:e|es|ing|ure) | destroy(?:s|ing)? | drop(?:s|ping)?
          | wip(?:e|es|ing) | purg(?:e|es|ing) | truncat(?:e|es|ing) | discard(?:s|ing)?
          | shred(?:s|ding)? | uninstall(?:s|ing)? | format(?:ting)?\s+(?:the\s+)?(?:disk|drive|partition|volume)
          | permanently | irreversibl[ey] | irrecoverabl[ey] | unrecoverable
          | can(?:not|'t|\s+not)\s+be\s+(?:undone|recovered|reversed)
          | no\s+way\s+to\s+undo
        )\b",
    )
    .expect("a valid regex")
});

/// Why answering Yes to this confirmation (its text, ending with the prompt's line) is the
/// person's call, if it is.
pub fn risky(text: &str) -> Option<String> {
    if let Some(m) = DEFAULT_NO.find(text) {
        return Some(format!("it defaults to No ({})", m.as_str()));
    }
    DESTRUCTIVE
        .find(text)
        .map(|m| format!("its wording is destructive ({})", m.as_str().to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_no_and_destructive_wording_are_risky() {
        for text in [
            "Delete all 3,214 photos permanently? [y/N]",
            "Proceed? [y/N]",
            "Continue (yes/NO)?",
            "This cannot be undone. Continue? [y/n]",
            "Overwrite (y/n)?",
            "rm: remove regular file 'a.txt'?",
            "Wipe the volume? (y/n)",
            "DROP the table users? [y/n]",
            "The following packages will be REMOVED:\n  libc6\nDo you want to continue? [Y/n]",
        ] {
            assert!(risky(text).is_some(), "{text}");
        }
    }

    #[test]
    fn ordinary_confirmations_are_not() {
        for text in [
            "Continue? [y/n]",
            "Do you want to continue? [Y/n]",
            "Install 3 packages? (Y/n)",
            "The following NEW packages will be installed:\n  jq\nDo you want to continue? [Y/n]",
            "Is this OK? (yes)",
            "Format output as JSON? [y/n]",
            "Run the tests? (y/n)",
        ] {
            assert_eq!(risky(text), None, "{text}");
        }
    }
}
