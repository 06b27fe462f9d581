//! The one calendar: "today" is the date in Vietnam (UTC+7, no daylight
//! saving), for event dates and for which administrative unit is current.

use chrono::{FixedOffset, NaiveDate, Utc};

/// Vietnam's offset from UTC, in seconds.
const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;

/// Today's date in Vietnam.
pub fn today() -> NaiveDate {
    let tz = FixedOffset::east_opt(VIETNAM_OFFSET_SECS).expect("UTC+7 is a valid offset");
    Utc::now().with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_vietnams_date() {
        let utc = Utc::now().date_naive();
        let vn = today();
        // Vietnam is 7 hours ahead: the same date as UTC, or the next one.
        assert!(vn == utc || vn == utc.succ_opt().unwrap(), "{vn} vs {utc}");
    }
}
