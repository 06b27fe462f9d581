//! The one pagination cursor codec: a cursor is the sort key of the last
//! item of a page, as integers joined by `_` (`1733140000000000_42`).
//! Clients treat it as opaque; a cursor this service did not issue is 422.

use crate::error::ApiError;

/// Encodes a sort key.
pub fn encode<const N: usize>(key: [i64; N]) -> String {
    key.map(|k| k.to_string()).join("_")
}

/// Decodes a cursor with exactly `N` parts.
pub fn decode<const N: usize>(cursor: &str) -> Result<[i64; N], ApiError> {
    let bad = || ApiError::field("cursor", "not a cursor returned by this endpoint");
    let mut out = [0i64; N];
    let mut parts = cursor.split('_');
    for slot in &mut out {
        *slot = parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    }
    match parts.next() {
        None => Ok(out),
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_foreign_cursors() {
        assert_eq!(
            decode::<2>(&encode([1_733_140_000_000_000, 42])).unwrap(),
            [1_733_140_000_000_000, 42]
        );
        assert_eq!(decode::<1>(&encode([7])).unwrap(), [7]);
        for bad in [
            "",
            "_",
            "1_",
            "x_1",
            "1_2_3",
            "1.5_2",
            "99999999999999999999_1",
        ] {
            assert!(decode::<2>(bad).is_err(), "{bad}");
        }
        assert!(decode::<1>("1_2").is_err());
    }
}
