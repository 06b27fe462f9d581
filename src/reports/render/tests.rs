//! Tests of the report's words and formats.

use super::html::escape;
use super::markdown::md_escape;
use super::*;

#[test]
fn numbers_and_dates_follow_the_language() {
    assert_eq!(number(6770, Lang::Vi), "6.770");
    assert_eq!(number(1_234_567, Lang::Vi), "1.234.567");
    assert_eq!(number(118, Lang::Vi), "118");
    assert_eq!(number(6770, Lang::En), "6,770");
    assert_eq!(number(0, Lang::En), "0");
    let d = NaiveDate::from_ymd_opt(2019, 10, 8).unwrap();
    assert_eq!(date(d, Lang::Vi), "08/10/2019");
    assert_eq!(date(d, Lang::En), "8 October 2019");
}

#[test]
fn every_kind_has_its_words() {
    for k in Kind::ALL {
        assert!(
            !noun(*k, Lang::Vi).is_empty() && !noun(*k, Lang::En).is_empty(),
            "{k:?}"
        );
    }
}

#[test]
fn names_cannot_inject_markup() {
    assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    assert_eq!(md_escape("a*b_[x](y) | c"), "a\\*b\\_\\[x\\](y) \\| c");
}
