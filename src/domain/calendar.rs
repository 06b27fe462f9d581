//! The one calendar: "today" is the date in Vietnam (UTC+7, no daylight
//! saving), for event dates and for which administrative unit is current.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// Vietnam's offset from UTC, in seconds.
const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;

/// Today's date in Vietnam.
pub fn today() -> NaiveDate {
    let tz = FixedOffset::east_opt(VIETNAM_OFFSET_SECS).expect("UTC+7 is a valid offset");
    Utc::now().with_timezone(&tz).date_naive()
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
