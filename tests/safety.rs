//! The prompt layer on programs it was not written for: nothing is typed where it does harm.
//! The real binary on a real PTY; assertions are on what the child received, what the terminal
//! showed, the event log and exit codes.

mod support;

use support::{Term, bin};

#[test]
fn an_autoapprove_inside_autoapprove_refuses_unless_asked() {
    let inner = [bin(), "--", "sh", "-c", "echo inner-ran"];
    let t = Term::autoapprove(&[&["-q", "--"][..], &inner].concat());
    assert_eq!(t.wait(), 2);
    t.expect("error: already running inside autoapprove (pid ");
    t.expect("pass --nested to run it anyway");
    assert!(!t.output().contains("inner-ran"), "{}", t.output());

    let nested = [bin(), "--nested", "-q", "--", "sh", "-c", "echo inner-ran"];
    let t = Term::autoapprove(&[&["-q", "--"][..], &nested].concat());
    assert_eq!(t.wait(), 0);
    t.expect("inner-ran");
}
