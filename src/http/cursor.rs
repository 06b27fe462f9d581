//! The one pagination cursor codec: a cursor is the sort key of the last
//! item of a page, as integers joined by `_` (`1733140000000000_42`).
//! Clients treat it as opaque; a cursor this service did not issue is 422.

use chrono::{DateTime, NaiveDateTime};

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

/// Encodes a `(timestamp, seq)` sort key, the timestamp as microseconds
/// since the epoch (what both databases store).
pub fn encode_at(t: NaiveDateTime, seq: i64) -> String {
    encode([t.and_utc().timestamp_micros(), seq])
}

/// Decodes a cursor of [`encode_at`]. A time outside the accepted range was
/// never stored (and PostgreSQL would refuse to compare with it): refused.
pub fn decode_at(cursor: &str) -> Result<(NaiveDateTime, i64), ApiError> {
    let [t, seq] = decode(cursor)?;
    let t = DateTime::from_timestamp_micros(t)
        .filter(|t| crate::domain::calendar::check_day(t.date_naive()).is_ok())
        .ok_or_else(|| ApiError::field("cursor", "not a cursor returned by this endpoint"))?;
    Ok((t.naive_utc(), seq))
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

    #[test]
    fn time_keys_round_trip_to_the_microsecond() {
        let t = DateTime::from_timestamp_micros(1_733_140_000_123_456)
            .unwrap()
            .naive_utc();
        assert_eq!(decode_at(&encode_at(t, 42)).unwrap(), (t, 42));
        for foreign in [
            "9223372036854775807_1",
            "-9000000000000000000_1",
            "-62167219200000001_1",
        ] {
            assert!(decode_at(foreign).is_err(), "{foreign}");
        }
    }
}
