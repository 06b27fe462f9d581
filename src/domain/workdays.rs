//! Working days and the deadlines of a request from a person recorded
//! (PRIVACY.md, "Deadlines"): counted from the day it was received in Vietnam (UTC+7), that day not counted.
//!
//! - acknowledge by the 2nd working day after it (Decree 356/2025/NĐ-CP:
//!   an answer within 2 working days);
//! - complete by the 15th day after it ([`DAYS`]), extendable once by 15
//!   more ([`EXTENSION_DAYS`]); a deadline that falls on a day off moves to
//!   the next working day (Civil Code 2015, art. 148).
//!
//! Working days are Monday to Friday except the configured public holidays
//! (`PUBLIC_HOLIDAYS`: Tết and the Hùng Kings' day follow the lunar
//! calendar, so the list is the deployment's, year by year).

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Days to complete a request.
pub const DAYS: u64 = 15;

/// Days one extension adds.
pub const EXTENSION_DAYS: u64 = 15;

/// Working days to acknowledge a request.
pub const ACKNOWLEDGE_WORKING_DAYS: u32 = 2;

/// The days off of Vietnam 2026-2027 besides weekends (Labour Code 2019,
/// art. 112: New Year, Tết, the Hùng Kings' day, 30 April, 1 May, National
/// Day and the day beside it), a holiday falling on a weekend moved to the
/// next working day. 2027's Tết days are the five working days around the
/// lunar new year (6 February 2027) until the government announces them.
pub const DEFAULT_HOLIDAYS: &str = "2026-01-01,2026-02-16,2026-02-17,2026-02-18,2026-02-19,\
2026-02-20,2026-04-27,2026-04-30,2026-05-01,2026-09-01,2026-09-02,2027-01-01,2027-02-05,\
2027-02-08,2027-02-09,2027-02-10,2027-02-11,2027-04-16,2027-04-30,2027-05-03,2027-09-02,\
2027-09-03";

/// The working-day calendar: weekends and public holidays off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// A calendar with these public holidays.
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// Parses `PUBLIC_HOLIDAYS`: ISO dates separated by commas, or `none`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().eq_ignore_ascii_case("none") {
            return Ok(Self::default());
        }
        text.split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    format!(
                        "PUBLIC_HOLIDAYS: {d:?} is not a date (YYYY-MM-DD, separated by commas)"
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self::new)
    }

    /// The public holidays, in order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// Whether `day` is a working day.
    pub fn is_working(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// `day`, or the first working day after it.
    fn roll(&self, mut day: NaiveDate) -> NaiveDate {
        while !self.is_working(day) {
            day = day + Days::new(1);
        }
        day
    }

    /// The `n`th working day after `day`.
    pub fn working_days_after(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        for _ in 0..n {
            d = self.roll(d + Days::new(1));
        }
        d
    }

    /// The last day of a period of `days` days counted from the day after
    /// `received`, moved to the next working day when it is a day off.
    pub fn due(&self, received: NaiveDate, days: u64) -> NaiveDate {
        self.roll(received + Days::new(days))
    }

    /// The day a request received on `received` must be acknowledged by.
    pub fn acknowledge_by(&self, received: NaiveDate) -> NaiveDate {
        self.working_days_after(received, ACKNOWLEDGE_WORKING_DAYS)
    }

    /// Its due date, once `extended` or not.
    pub fn due_date(&self, received: NaiveDate, extended: bool) -> NaiveDate {
        let days = if extended {
            DAYS + EXTENSION_DAYS
        } else {
            DAYS
        };
        self.due(received, days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_default_list_reads() {
        let c = Calendar::parse(DEFAULT_HOLIDAYS).unwrap();
        assert!(!c.is_working(d("2026-02-17")), "Tết");
        assert!(c.is_working(d("2026-02-23")));
        assert!(Calendar::parse("2026-13-01").is_err());
        assert_eq!(Calendar::parse("none").unwrap(), Calendar::default());
    }

    #[test]
    fn acknowledgement_counts_working_days() {
        let c = Calendar::parse(DEFAULT_HOLIDAYS).unwrap();
        // Friday: Monday and Tuesday.
        assert_eq!(c.acknowledge_by(d("2026-12-04")), d("2026-12-08"));
        // Before Tết 2026 (16-20 February off, then a weekend).
        assert_eq!(c.acknowledge_by(d("2026-02-12")), d("2026-02-23"));
    }

    #[test]
    fn a_deadline_on_a_day_off_moves_to_the_next_working_day() {
        let c = Calendar::parse(DEFAULT_HOLIDAYS).unwrap();
        // Received Monday 2 February 2026: the 15th day is 17 February (Tết),
        // so the deadline is Monday 23 February.
        assert_eq!(c.due_date(d("2026-02-02"), false), d("2026-02-23"));
        // Received Monday 7 December 2026: Tuesday 22 December.
        assert_eq!(c.due_date(d("2026-12-07"), false), d("2026-12-22"));
        // Extended once: 30 days, Wednesday 6 January 2027.
        assert_eq!(c.due_date(d("2026-12-07"), true), d("2027-01-06"));
        // Without holidays, the 15th day a Saturday moves to Monday.
        assert_eq!(
            Calendar::default().due_date(d("2026-12-04"), false),
            d("2026-12-21")
        );
    }
}
