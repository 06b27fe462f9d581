//! The words for a report's period: a month, a quarter, the first six or
//! nine months, the second half or a whole year when the dates are exactly
//! one ("quý III năm 2024"), else the two dates.

use chrono::{Datelike, NaiveDate};

use super::render::{Lang, date};
use crate::domain::calendar::PeriodRule;

/// A calendar span the dates are exactly, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// One month (1-12).
    Month(i32, u32),
    /// One quarter (1-4).
    Quarter(i32, u32),
    /// January to June.
    FirstHalf(i32),
    /// July to December.
    SecondHalf(i32),
    /// January to September.
    NineMonths(i32),
    /// The whole year.
    Year(i32),
}

impl Named {
    /// The span `from`..=`to` is exactly, if one, in reporting months cut
    /// by `rule` (under Decree 09, quarter III is 15 June to 14 September).
    pub fn of(from: NaiveDate, to: NaiveDate, rule: PeriodRule) -> Option<Self> {
        let (f, t) = (rule.month_index(from), rule.month_index(to));
        let next = to.succ_opt()?;
        if rule.month_start(f) != Some(from)
            || rule.month_start(t + 1) != Some(next)
            || f.div_euclid(12) != t.div_euclid(12)
        {
            return None;
        }
        let y = f.div_euclid(12);
        let (f, t) = (f.rem_euclid(12) as u32 + 1, t.rem_euclid(12) as u32 + 1);
        match (f, t) {
            (f, t) if f == t => Some(Named::Month(y, f)),
            (1, 12) => Some(Named::Year(y)),
            (1, 6) => Some(Named::FirstHalf(y)),
            (7, 12) => Some(Named::SecondHalf(y)),
            (1, 9) => Some(Named::NineMonths(y)),
            (f, t) if f % 3 == 1 && t == f + 2 => Some(Named::Quarter(y, f.div_ceil(3))),
            _ => None,
        }
    }

    /// "quý III năm 2024" / "the third quarter of 2024".
    pub fn words(self, lang: Lang) -> String {
        const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];
        const ORDINAL: [&str; 4] = ["first", "second", "third", "fourth"];
        let month_en = |m: u32| {
            NaiveDate::from_ymd_opt(2000, m, 1)
                .map(|d| d.format("%B").to_string())
                .unwrap_or_default()
        };
        match (self, lang) {
            (Named::Month(y, m), Lang::Vi) => format!("tháng {m} năm {y}"),
            (Named::Month(y, m), Lang::En) => format!("{} {y}", month_en(m)),
            (Named::Quarter(y, q), Lang::Vi) => format!("quý {} năm {y}", ROMAN[q as usize - 1]),
            (Named::Quarter(y, q), Lang::En) => {
                format!("the {} quarter of {y}", ORDINAL[q as usize - 1])
            }
            (Named::FirstHalf(y), Lang::Vi) => format!("6 tháng đầu năm {y}"),
            (Named::FirstHalf(y), Lang::En) => format!("the first half of {y}"),
            (Named::SecondHalf(y), Lang::Vi) => format!("6 tháng cuối năm {y}"),
            (Named::SecondHalf(y), Lang::En) => format!("the second half of {y}"),
            (Named::NineMonths(y), Lang::Vi) => format!("9 tháng năm {y}"),
            (Named::NineMonths(y), Lang::En) => format!("the first nine months of {y}"),
            (Named::Year(y), Lang::Vi) => format!("năm {y}"),
            (Named::Year(y), Lang::En) => format!("{y}"),
        }
    }
}

/// The period in words: its name when it is one, else its dates.
pub fn words(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    rule: PeriodRule,
    lang: Lang,
) -> String {
    let vi = lang == Lang::Vi;
    match (from, to) {
        (Some(f), Some(t)) => match Named::of(f, t, rule) {
            Some(n) => n.words(lang),
            None if vi => format!("từ ngày {} đến ngày {}", date(f, lang), date(t, lang)),
            None => format!("from {} to {}", date(f, lang), date(t, lang)),
        },
        (Some(f), None) if vi => format!("từ ngày {} đến nay", date(f, lang)),
        (Some(f), None) => format!("from {} to date", date(f, lang)),
        (None, Some(t)) if vi => format!("đến ngày {}", date(t, lang)),
        (None, Some(t)) => format!("up to {}", date(t, lang)),
        (None, None) if vi => "từ khi bắt đầu ghi nhận đến nay".into(),
        (None, None) => "since records began".into(),
    }
}

/// The same dates a year earlier (29 February becomes 28 February).
pub fn year_before(d: NaiveDate) -> NaiveDate {
    d.with_year(d.year() - 1)
        .or_else(|| NaiveDate::from_ymd_opt(d.year() - 1, d.month(), 28))
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn exact_spans_are_named() {
        let cases = [
            ("2024-07-01", "2024-09-30", Some("quý III năm 2024")),
            ("2024-10-01", "2024-12-31", Some("quý IV năm 2024")),
            ("2024-01-01", "2024-06-30", Some("6 tháng đầu năm 2024")),
            ("2024-07-01", "2024-12-31", Some("6 tháng cuối năm 2024")),
            ("2024-01-01", "2024-09-30", Some("9 tháng năm 2024")),
            ("2024-01-01", "2024-12-31", Some("năm 2024")),
            ("2024-02-01", "2024-02-29", Some("tháng 2 năm 2024")),
            ("2024-07-01", "2024-09-29", None),
            ("2024-07-02", "2024-09-30", None),
            ("2024-02-01", "2024-04-30", None),
            ("2024-12-01", "2025-01-31", None),
        ];
        for (f, t, want) in cases {
            let got = Named::of(d(f), d(t), PeriodRule::Calendar).map(|n| n.words(Lang::Vi));
            assert_eq!(got.as_deref(), want, "{f}..{t}");
        }
        // Under the Decree 09 cut-off the same names cover other days.
        let cut = [
            ("2024-06-15", "2024-09-14", Some("quý III năm 2024")),
            ("2024-12-15", "2025-12-14", Some("năm 2025")),
            ("2024-12-15", "2025-06-14", Some("6 tháng đầu năm 2025")),
            ("2024-12-15", "2025-09-14", Some("9 tháng năm 2025")),
            ("2025-01-15", "2025-02-14", Some("tháng 2 năm 2025")),
            ("2024-07-01", "2024-09-30", None),
            ("2024-06-15", "2024-09-15", None),
        ];
        for (f, t, want) in cut {
            let got = Named::of(d(f), d(t), PeriodRule::Decree09).map(|n| n.words(Lang::Vi));
            assert_eq!(got.as_deref(), want, "decree 09: {f}..{t}");
        }
        assert_eq!(
            words(
                Some(d("2024-07-01")),
                Some(d("2024-08-15")),
                PeriodRule::Calendar,
                Lang::Vi
            ),
            "từ ngày 01/07/2024 đến ngày 15/08/2024"
        );
        assert_eq!(
            Named::Quarter(2024, 3).words(Lang::En),
            "the third quarter of 2024"
        );
    }

    #[test]
    fn a_year_before_keeps_the_day() {
        assert_eq!(year_before(d("2024-09-30")), d("2023-09-30"));
        assert_eq!(year_before(d("2024-02-29")), d("2023-02-28"));
    }
}
