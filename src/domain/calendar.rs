//! The one calendar: "today" is the date in Vietnam (UTC+7, no daylight
//! saving), for event dates and for which administrative unit is current;
//! and the range of dates the API accepts anywhere ([`Day`], [`Instant`]):
//! 1900-01-01 to 2100-12-31, so that no date reaches a database that stores
//! or compares it differently (PostgreSQL refuses year -5000; SQLite would
//! compare `+10000-01-01` as text).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;

/// Vietnam's offset from UTC, in seconds.
const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;

/// Vietnam's time zone (UTC+7).
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(VIETNAM_OFFSET_SECS).expect("UTC+7 is a valid offset")
}

/// Today's date in Vietnam.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&vietnam()).date_naive()
}

/// The first day the API accepts.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");
/// The last day the API accepts.
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid date");

/// The refusal of a date out of range.
pub fn out_of_range() -> String {
    format!("must be between {FIRST_DAY} and {LAST_DAY}")
}

/// `day` if the API accepts it.
pub fn check_day(day: NaiveDate) -> Result<NaiveDate, String> {
    if (FIRST_DAY..=LAST_DAY).contains(&day) {
        Ok(day)
    } else {
        Err(out_of_range())
    }
}

/// A date parameter (`YYYY-MM-DD`) between [`FIRST_DAY`] and [`LAST_DAY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "NaiveDate")]
pub struct Day(pub NaiveDate);

impl TryFrom<NaiveDate> for Day {
    type Error = String;

    fn try_from(d: NaiveDate) -> Result<Self, String> {
        check_day(d).map(Day)
    }
}

/// A time parameter (RFC 3339) on a day between [`FIRST_DAY`] and [`LAST_DAY`] (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "DateTime<Utc>")]
pub struct Instant(pub DateTime<Utc>);

impl TryFrom<DateTime<Utc>> for Instant {
    type Error = String;

    fn try_from(t: DateTime<Utc>) -> Result<Self, String> {
        check_day(t.date_naive()).map(|_| Instant(t))
    }
}

/// The UTC time at which a day in Vietnam begins: date filters on stored
/// timestamps bound them with this (`from`: at or after the start of the
/// day; `to`: before the start of the next day).
pub fn start_of_day_utc(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).expect("midnight exists")
        - chrono::Duration::seconds(i64::from(VIETNAM_OFFSET_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_outside_the_range_are_refused() {
        let day = |s: &str| serde_json::from_value::<Day>(serde_json::json!(s));
        assert!(day("1900-01-01").is_ok());
        assert!(day("2100-12-31").is_ok());
        for bad in ["1899-12-31", "2101-01-01", "-5000-01-01", "+10000-01-01"] {
            let e = day(bad).unwrap_err().to_string();
            assert!(e.contains("between") || e.contains("input"), "{bad}: {e}");
        }
        let t = |s: &str| serde_json::from_value::<Instant>(serde_json::json!(s));
        assert!(t("2024-01-01T00:00:00Z").is_ok());
        assert!(t("+200000-01-01T00:00:00Z").is_err());
        assert!(t("-5000-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn a_vietnamese_day_starts_at_17_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(
            start_of_day_utc(d),
            NaiveDate::from_ymd_opt(2024, 2, 29)
                .unwrap()
                .and_hms_opt(17, 0, 0)
                .unwrap()
        );
    }

    #[test]
    fn today_is_vietnams_date() {
        let utc = Utc::now().date_naive();
        let vn = today();
        // Vietnam is 7 hours ahead: the same date as UTC, or the next one.
        assert!(vn == utc || vn == utc.succ_opt().unwrap(), "{vn} vs {utc}");
    }
}
