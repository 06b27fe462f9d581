//! The versions a conditional request names (`If-Match`, RFC 9110 13.1.1):
//! one strong entity tag or a list of them. The condition holds when the
//! stored version is among them; a weak tag (`W/"7"`) never matches, since
//! `If-Match` compares strongly.

/// The strong versions named; empty when only weak tags were sent (then
/// nothing matches: 412).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions(pub Vec<i64>);

impl Versions {
    /// One version.
    pub fn one(v: i64) -> Self {
        Versions(vec![v])
    }

    /// Whether `current` is among them.
    pub fn matches(&self, current: i64) -> bool {
        self.0.contains(&current)
    }

    /// The versions in words for a 412: `7`, `3 or 4`, or a note that weak
    /// tags never match.
    pub fn describe(&self) -> String {
        match self.0.as_slice() {
            [] => "a weak tag (W/...), which If-Match never matches".to_string(),
            [v] => v.to_string(),
            many => many
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_matches_any_of_its_versions_and_an_empty_one_none() {
        let v = Versions(vec![3, 4]);
        assert!(v.matches(3) && v.matches(4) && !v.matches(5));
        assert_eq!(v.describe(), "3 or 4");
        assert!(!Versions(Vec::new()).matches(0));
        assert!(Versions::one(7).matches(7));
    }
}
