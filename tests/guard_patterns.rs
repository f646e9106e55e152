//! The guard's pattern language against ptrace-approve 3.1.1's own matcher: every pattern and
//! description pair in `tests/fixtures/guard/patterns.tsv` was run through that matcher, and
//! each must match here exactly when it matched there.

use autoapprove::guard::pattern::Pattern;

#[test]
fn every_pair_matches_as_ptrace_approve_matches_it() {
    let table = include_str!("fixtures/guard/patterns.tsv");
    let mut differ = Vec::new();
    let (mut pairs, mut matched) = (0, 0);
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut fields = line.split('\t');
        let (Some(pattern), Some(description), Some(expected)) =
            (fields.next(), fields.next(), fields.next())
        else {
            panic!("not pattern<TAB>description<TAB>match|no: {line:?}");
        };
        let expected = expected == "match";
        let got = Pattern::new(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .matches(description);
        pairs += 1;
        matched += usize::from(expected);
        if got != expected {
            differ.push(format!(
                "{pattern}  ~  {description}: expected {expected}, got {got}"
            ));
        }
    }
    assert!(
        pairs > 1000 && matched > 50,
        "{pairs} pairs, {matched} matches"
    );
    assert!(
        differ.is_empty(),
        "{} of {pairs} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
