//! The one calendar: "today" is the date in Vietnam (UTC+7, no daylight
//! saving), for event dates and for which administrative unit is current;
//! and the range of dates the API accepts anywhere ([`Day`], [`Instant`]):
//! 1900-01-01 to 2100-12-31, so that no date reaches a database that stores
//! or compares it differently (PostgreSQL refuses year -5000; SQLite would
//! compare `+10000-01-01` as text).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};
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

/// How the reporting calendar cuts its months. Everything that names a
/// period (the dashboard's pickers, `group_by=period:*`, locks,
/// publications and reports) follows the deployment's one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodRule {
    /// Calendar months: the 1st to the month's last day.
    #[default]
    Calendar,
    /// The reporting cut-off of Decree 09/2019/NĐ-CP: a month runs from
    /// the 15th of the month before to the 14th (quarter III: 15 June to
    /// 14 September; the year: 15 December to 14 December).
    Decree09,
}

impl PeriodRule {
    /// Every rule with its setting's spelling.
    pub const ALL: [(PeriodRule, &'static str); 2] = [
        (PeriodRule::Calendar, "calendar"),
        (PeriodRule::Decree09, "decree-09"),
    ];

    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, s)| *s)
            .expect("every rule is listed")
    }

    /// The rule a setting names.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, s)| *s == text).map(|(r, _)| *r)
    }

    /// The reporting month a day falls in, as `year * 12 + month0`.
    pub fn month_index(self, d: NaiveDate) -> i32 {
        let calendar = d.year() * 12 + d.month0() as i32;
        match self {
            PeriodRule::Decree09 if d.day() >= 15 => calendar + 1,
            _ => calendar,
        }
    }

    /// The first day of reporting month `index` (`year * 12 + month0`).
    pub fn month_start(self, index: i32) -> Option<NaiveDate> {
        let first =
            |m: i32| NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1);
        match self {
            PeriodRule::Calendar => first(index),
            PeriodRule::Decree09 => first(index - 1)?.with_day(15),
        }
    }

    /// The first and last days of `count` reporting months from month
    /// `first` (1-12) of `year`.
    pub fn span(self, year: i32, first: u32, count: u32) -> Option<(NaiveDate, NaiveDate)> {
        let index = year.checked_mul(12)? + first.checked_sub(1)? as i32;
        let start = self.month_start(index)?;
        let end = self.month_start(index + count as i32)?.pred_opt()?;
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decree_09_month_runs_from_the_15th_to_the_14th() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let month = |r: PeriodRule, s: &str| {
            let m = r.month_index(d(s));
            (m.div_euclid(12), m.rem_euclid(12) + 1)
        };
        assert_eq!(month(PeriodRule::Calendar, "2024-06-15"), (2024, 6));
        assert_eq!(month(PeriodRule::Decree09, "2024-06-14"), (2024, 6));
        assert_eq!(month(PeriodRule::Decree09, "2024-06-15"), (2024, 7));
        assert_eq!(month(PeriodRule::Decree09, "2024-12-15"), (2025, 1));
        assert_eq!(month(PeriodRule::Decree09, "2024-12-14"), (2024, 12));
        // Quarter III and the year, both ways.
        assert_eq!(
            PeriodRule::Decree09.span(2024, 7, 3),
            Some((d("2024-06-15"), d("2024-09-14")))
        );
        assert_eq!(
            PeriodRule::Calendar.span(2024, 7, 3),
            Some((d("2024-07-01"), d("2024-09-30")))
        );
        assert_eq!(
            PeriodRule::Decree09.span(2025, 1, 12),
            Some((d("2024-12-15"), d("2025-12-14")))
        );
        assert_eq!(
            PeriodRule::Decree09.span(2024, 3, 1),
            Some((d("2024-02-15"), d("2024-03-14")))
        );
        // Every day of a span falls in its months, and no other.
        for rule in [PeriodRule::Calendar, PeriodRule::Decree09] {
            let (start, end) = rule.span(2024, 1, 12).unwrap();
            let mut day = start.pred_opt().unwrap();
            assert_eq!(rule.month_index(day), 2023 * 12 + 11);
            while day < end {
                day = day.succ_opt().unwrap();
                assert_eq!(rule.month_index(day).div_euclid(12), 2024, "{day}");
            }
            assert_eq!(rule.month_index(end.succ_opt().unwrap()), 2025 * 12);
        }
        for (rule, text) in PeriodRule::ALL {
            assert_eq!(PeriodRule::parse(text), Some(rule));
            assert_eq!(rule.as_str(), text);
        }
    }

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
