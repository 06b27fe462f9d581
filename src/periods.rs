//! Locked periods: once a province has signed its figures for a period, an
//! admin locks it, and from then on no write may move them. Every write
//! path (single, upsert, batch items, deletes, links and their approvals,
//! co-organiser answers) asks [`Locks`] before it changes a report, about
//! the start dates of every report in the real event it touches, before and
//! after the change. An admin reopens a period with a reason; both are
//! audited.
//!
//! Locking takes the links lock exclusively (`db::event_links::lock_all`),
//! which every event write holds shared for its whole transaction: a lock
//! waits for the writes in flight, and every later write sees it. (SQLite
//! serialises writers anyway.)

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::db::periods::{self as table, LockRow, NewLock};
use crate::db::{DbConn, event_links, write_tx};
use crate::domain::calendar::PeriodRule;
use crate::error::ApiError;

/// A reporting period: a year (`2025`), a quarter (`2025-Q3`) or a month
/// (`2025-07`), its days cut by the deployment's [`PeriodRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    text: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    rule: PeriodRule,
}

impl Period {
    /// The period as written (its canonical form).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// First day.
    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }

    /// Last day.
    pub fn ends_on(&self) -> NaiveDate {
        self.ends_on
    }

    /// The rule its days were cut by.
    pub fn rule(&self) -> PeriodRule {
        self.rule
    }

    /// The period as one integer (year * 100, plus the month, or 20 plus
    /// the quarter): for pagination cursors.
    pub fn code(&self) -> i64 {
        // The text is canonical (parsed): `YYYY`, `YYYY-Qn` or `YYYY-MM`.
        let y: i64 = self.text[..4].parse().expect("a parsed period");
        match self.text.get(5..) {
            None => y * 100,
            Some(q) if q.starts_with('Q') => {
                y * 100 + 20 + q[1..].parse::<i64>().expect("a parsed quarter")
            }
            Some(m) => y * 100 + m.parse::<i64>().expect("a parsed month"),
        }
    }

    /// The period of a [`Self::code`].
    pub fn from_code(code: i64, rule: PeriodRule) -> Option<Self> {
        let (y, r) = (code / 100, code % 100);
        let text = match r {
            0 => format!("{y:04}"),
            1..=12 => format!("{y:04}-{r:02}"),
            21..=24 => format!("{y:04}-Q{}", r - 20),
            _ => return None,
        };
        Self::parse(&text, rule).ok()
    }

    fn months(rule: PeriodRule, year: i32, first: u32, count: u32, text: String) -> Option<Self> {
        let (starts_on, ends_on) = rule.span(year, first, count)?;
        Some(Period {
            text,
            starts_on,
            ends_on,
            rule,
        })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Fixes the deployment's rule for reporting periods at start: the rule
/// is recorded, and changing it is refused while any period is locked or
/// published (their days were cut by the rule recorded).
pub fn fix_rule(conn: &mut DbConn, rule: PeriodRule) -> Result<(), String> {
    let stored = table::stored_rule(conn).map_err(|e| e.to_string())?;
    if stored == rule.as_str() {
        return Ok(());
    }
    let fixed = table::fixed_periods(conn).map_err(|e| e.to_string())?;
    if fixed > 0 {
        return Err(format!(
            "REPORTING_PERIODS is {}, but {fixed} period lock(s) or publication(s) were made with \
             {stored}: their days were cut by it. Keep REPORTING_PERIODS={stored}, or reopen the \
             locks and remove the publications first",
            rule.as_str()
        ));
    }
    table::store_rule(conn, rule).map_err(|e| e.to_string())?;
    log::info!("reporting periods: {} (was {stored})", rule.as_str());
    Ok(())
}

/// Why a period did not parse.
pub const PERIOD_FORMAT: &str =
    "a year (2025), a quarter (2025-Q3) or a month (2025-07), from 1900 to 2100";

impl Period {
    /// The period written `s`, its days cut by `rule`.
    pub fn parse(s: &str, rule: PeriodRule) -> Result<Self, String> {
        let bad = || PERIOD_FORMAT.to_string();
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let y: i32 = year.parse().map_err(|_| bad())?;
        if !(1900..=2100).contains(&y) {
            return Err(bad());
        }
        let two_digits = |r: &str| r.len() == 2 && r.bytes().all(|b| b.is_ascii_digit());
        let period = match rest {
            None => Period::months(rule, y, 1, 12, s.to_string()),
            Some(q) if q.len() == 2 && q.starts_with('Q') => match q.as_bytes()[1] {
                n @ b'1'..=b'4' => {
                    let n = u32::from(n - b'0');
                    Period::months(rule, y, 3 * n - 2, 3, s.to_string())
                }
                _ => None,
            },
            Some(m) if two_digits(m) => {
                let m: u32 = m.parse().map_err(|_| bad())?;
                (1..=12)
                    .contains(&m)
                    .then(|| Period::months(rule, y, m, 1, s.to_string()))
                    .flatten()
            }
            Some(_) => None,
        };
        period.ok_or_else(bad)
    }
}

/// A period lock, active or reopened.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PeriodLock {
    /// Lock id.
    pub id: i64,
    /// The period: `2025`, `2025-Q3` or `2025-07`.
    #[schema(example = "2025-Q3")]
    pub period: String,
    /// First day of the period.
    pub starts_on: NaiveDate,
    /// Last day of the period.
    pub ends_on: NaiveDate,
    /// Whether writes to the period are refused now.
    pub active: bool,
    /// Why it was locked (absent for public tokens, which see no free text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was locked (UTC).
    pub locked_at: DateTime<Utc>,
    /// Who locked it: the admin token's id, or `cli` (absent for public
    /// tokens, which see no token ids).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_by: Option<String>,
    /// When it was reopened (UTC), if it was.
    pub reopened_at: Option<DateTime<Utc>>,
    /// Who reopened it (absent while active, and for public tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reopened_by: Option<String>,
    /// Why it was reopened (absent while active, and for public tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reopen_reason: Option<String>,
}

impl PeriodLock {
    /// The lock as a public token sees it: the period and its dates, with
    /// no token ids and no free text.
    pub fn for_public(self) -> Self {
        PeriodLock {
            reason: None,
            locked_by: None,
            reopened_by: None,
            reopen_reason: None,
            ..self
        }
    }
}

impl From<LockRow> for PeriodLock {
    fn from(r: LockRow) -> Self {
        PeriodLock {
            id: r.id,
            period: r.period,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            active: r.reopened_at.is_none(),
            reason: Some(r.reason),
            locked_at: r.locked_at.and_utc(),
            locked_by: Some(r.locked_by),
            reopened_at: r.reopened_at.map(|t| t.and_utc()),
            reopened_by: r.reopened_by,
            reopen_reason: r.reopen_reason,
        }
    }
}

/// The active locks, read inside a write's transaction.
#[derive(Debug, Clone, Default)]
pub struct Locks(Vec<LockRow>);

impl Locks {
    /// The locks active now.
    pub fn load(conn: &mut DbConn) -> Result<Self, ApiError> {
        Ok(Locks(table::active(conn)?))
    }

    /// The locked periods overlapping `from`..`to` (unbounded where None),
    /// in order.
    pub fn overlapping(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Vec<String> {
        let mut out: Vec<String> = self
            .0
            .iter()
            .filter(|l| from.is_none_or(|f| l.ends_on >= f) && to.is_none_or(|t| l.starts_on <= t))
            .map(|l| l.period.clone())
            .collect();
        out.sort();
        out
    }

    /// 409 (`period-locked`) when `day` falls in an active lock.
    pub fn check(&self, day: NaiveDate) -> Result<(), ApiError> {
        match self
            .0
            .iter()
            .find(|l| l.starts_on <= day && day <= l.ends_on)
        {
            None => Ok(()),
            Some(l) => Err(ApiError::Locked {
                period: l.period.clone(),
                detail: format!(
                    "period {} is locked (since {}): a report starting on {} cannot change; an admin may reopen the period",
                    l.period,
                    l.locked_at.format("%Y-%m-%d"),
                    day.format("%d/%m/%Y")
                ),
            }),
        }
    }

    /// [`Self::check`] for each of `days`.
    pub fn check_all(&self, days: impl IntoIterator<Item = NaiveDate>) -> Result<(), ApiError> {
        days.into_iter().try_for_each(|d| self.check(d))
    }

    /// Checks the start dates of every live report of real-event `groups`
    /// (read only when a lock is active), and `extra` (a new start date).
    pub fn check_groups(
        &self,
        conn: &mut DbConn,
        groups: &[i64],
        extra: &[NaiveDate],
    ) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Ok(());
        }
        self.check_all(extra.iter().copied())?;
        self.check_all(event_links::live_start_dates(conn, groups)?)
    }
}

/// Loads the active locks and checks `groups` and `extra` against them:
/// the one call a write path makes inside its transaction.
pub fn guard(conn: &mut DbConn, groups: &[i64], extra: &[NaiveDate]) -> Result<(), ApiError> {
    Locks::load(conn)?.check_groups(conn, groups, extra)
}

fn checked_reason(field: &str, reason: &str) -> Result<String, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::field(field, "required, 1 to 500 characters"));
    }
    Ok(reason.to_string())
}

fn who(actor: &Actor) -> String {
    actor.name()
}

/// Locks `period`; returns the lock and whether it is new (locking a
/// locked period returns its active lock unchanged).
pub fn lock(
    conn: &mut DbConn,
    actor: &Actor,
    period: &Period,
    reason: &str,
) -> Result<(bool, PeriodLock), ApiError> {
    let reason = checked_reason("reason", reason)?;
    write_tx(conn, |conn| {
        // Waits for every event write in flight (they hold it shared).
        event_links::lock_all(conn)?;
        if let Some(existing) = table::active_for(conn, period.as_str())? {
            return Ok((false, existing.into()));
        }
        let row = table::insert(
            conn,
            &NewLock {
                period: period.as_str(),
                starts_on: period.starts_on(),
                ends_on: period.ends_on(),
                reason: &reason,
                locked_at: crate::db::now(),
                locked_by: &who(actor),
            },
        )?;
        let out = PeriodLock::from(row);
        audit::record(
            conn,
            actor,
            "lock",
            "period",
            &out.period,
            None::<&()>,
            Some(&out),
        )?;
        Ok((true, out))
    })
}

/// Reopens `period` with a reason; 404 when it is not locked.
pub fn reopen(
    conn: &mut DbConn,
    actor: &Actor,
    period: &Period,
    reason: &str,
) -> Result<PeriodLock, ApiError> {
    let reason = checked_reason("reason", reason)?;
    write_tx(conn, |conn| {
        let row = table::active_for(conn, period.as_str())?
            .ok_or_else(|| ApiError::NotFound(format!("period {period} is not locked")))?;
        let before = PeriodLock::from(row.clone());
        table::reopen(conn, row.id, &who(actor), &reason, crate::db::now())?;
        let after = PeriodLock::from(table::by_id(conn, row.id)?);
        audit::record(
            conn,
            actor,
            "reopen",
            "period",
            &after.period,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// A page of locks, newest first: active ones, or all with `all`; the
/// last id when more follow.
pub fn list(
    conn: &mut DbConn,
    all: bool,
    period: Option<&Period>,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<PeriodLock>, Option<i64>), ApiError> {
    let mut rows = table::page(conn, all, period.map(Period::as_str), before, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok((rows.into_iter().map(PeriodLock::from).collect(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_parse_to_their_days() {
        let p = Period::parse("2025", PeriodRule::Calendar).unwrap();
        assert_eq!(
            (p.starts_on(), p.ends_on()),
            (d(2025, 1, 1), d(2025, 12, 31))
        );
        let p = Period::parse("2025-Q3", PeriodRule::Calendar).unwrap();
        assert_eq!(
            (p.starts_on(), p.ends_on()),
            (d(2025, 7, 1), d(2025, 9, 30))
        );
        let p = Period::parse("2024-02", PeriodRule::Calendar).unwrap();
        assert_eq!(
            (p.starts_on(), p.ends_on()),
            (d(2024, 2, 1), d(2024, 2, 29))
        );
        let p = Period::parse("2025-12", PeriodRule::Calendar).unwrap();
        assert_eq!(
            (p.starts_on(), p.ends_on()),
            (d(2025, 12, 1), d(2025, 12, 31))
        );
        assert_eq!(p.as_str(), "2025-12");
    }

    #[test]
    fn codes_round_trip() {
        for p in [
            "2025", "2025-Q1", "2025-Q4", "2024-02", "2025-12", "1900-01",
        ] {
            let period = Period::parse(p, PeriodRule::Calendar).unwrap();
            assert_eq!(
                Period::from_code(period.code(), PeriodRule::Calendar).unwrap(),
                period,
                "{p}"
            );
        }
        assert!(Period::from_code(202513, PeriodRule::Calendar).is_none());
    }

    #[test]
    fn other_spellings_are_refused() {
        for bad in [
            "",
            "25",
            "2025-7",
            "2025-13",
            "2025-00",
            "2025-Q0",
            "2025-Q5",
            "2025-q3",
            "1899",
            "2101",
            "2025-07-01",
            "２０２５",
            "2025-",
            "-2025",
            "+202",
        ] {
            assert!(
                Period::parse(bad, PeriodRule::Calendar).is_err(),
                "{bad:?} parsed"
            );
        }
    }

    #[test]
    fn a_lock_covers_its_first_and_last_day_only() {
        let p = Period::parse("2025-07", PeriodRule::Calendar).unwrap();
        let locks = Locks(vec![LockRow {
            id: 1,
            period: p.as_str().into(),
            starts_on: p.starts_on(),
            ends_on: p.ends_on(),
            reason: "signed".into(),
            locked_at: crate::db::now(),
            locked_by: "cli".into(),
            reopened_at: None,
            reopened_by: None,
            reopen_reason: None,
        }]);
        assert!(locks.check(d(2025, 6, 30)).is_ok());
        assert!(locks.check(d(2025, 8, 1)).is_ok());
        for day in [d(2025, 7, 1), d(2025, 7, 31)] {
            match locks.check(day) {
                Err(ApiError::Locked { period, .. }) => assert_eq!(period, "2025-07"),
                other => panic!("{other:?}"),
            }
        }
    }
}
