//! Retention of identifiers (`PARTICIPANT_RETENTION_YEARS`; PRIVACY.md):
//! events that ended more than that many years ago lose their participants'
//! keys, but only where their period is published, so the signed figures
//! stay readable from the publications (which hold aggregates, not keys).
//! Their live figures then count those people as unidentified attendance:
//! headcounts stay, identified people go. Run once a day by the service
//! when the setting is set, and by an admin (`POST
//! /api/v1/privacy/retention`, with a dry run).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::config::PeriodRule;
use crate::db::{DbConn, event_links, privacy as table, publications, write_tx};
use crate::error::ApiError;
use crate::periods::Period;

/// What a retention run did (or, dry, would do).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Retention {
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Years kept.
    pub years: u32,
    /// Events that ended before this day are past retention.
    pub cutoff: NaiveDate,
    /// Events past retention that still hold identified people.
    pub events_past_retention: usize,
    /// Of those, in a published period: their keys go.
    pub events_cleared: usize,
    /// Participant links removed (0 on a dry run).
    pub links_removed: usize,
    /// The published periods that allowed it.
    pub published_periods: Vec<String>,
}

/// The day `years` years before `today` (29 February falls to the 28th).
fn years_before(today: NaiveDate, years: u32) -> NaiveDate {
    let y = today.year() - years as i32;
    NaiveDate::from_ymd_opt(y, today.month(), today.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, today.month(), 28))
        .unwrap_or(today)
}

/// Applies retention as of `today`.
pub fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    years: u32,
    today: NaiveDate,
    rule: PeriodRule,
    dry_run: bool,
) -> Result<Retention, ApiError> {
    let cutoff = years_before(today, years);
    write_tx(conn, |conn| {
        // Event writes in flight finish first; later ones wait (as an erasure).
        if !dry_run {
            event_links::lock_all(conn)?;
        }
        let mut periods: Vec<String> = publications::versions(conn)?
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        periods.sort();
        periods.dedup();
        let spans: Vec<(String, NaiveDate, NaiveDate)> = periods
            .iter()
            .filter_map(|p| {
                Period::parse(p, rule)
                    .ok()
                    .map(|q| (p.clone(), q.starts_on(), q.ends_on()))
            })
            .collect();
        let past = table::holding_before(conn, cutoff)?;
        let mut used: Vec<String> = Vec::new();
        let cleared: Vec<i64> = past
            .iter()
            .filter_map(|(seq, day)| {
                let span = spans
                    .iter()
                    .find(|(_, from, to)| from <= day && day <= to)?;
                if !used.contains(&span.0) {
                    used.push(span.0.clone());
                }
                Some(*seq)
            })
            .collect();
        used.sort();
        let links_removed = if dry_run {
            0
        } else {
            table::forget_people_of(conn, &cleared)?
        };
        let out = Retention {
            dry_run,
            years,
            cutoff,
            events_past_retention: past.len(),
            events_cleared: cleared.len(),
            links_removed,
            published_periods: used,
        };
        if !dry_run && !cleared.is_empty() {
            // Counts and periods only: never which people.
            audit::record(
                conn,
                actor,
                "retention",
                "privacy_retention",
                &cutoff.to_string(),
                None::<&Retention>,
                Some(&out),
            )?;
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_counted_back_from_today() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(years_before(d(2026, 12, 7), 5), d(2021, 12, 7));
        assert_eq!(years_before(d(2028, 2, 29), 1), d(2027, 2, 28));
    }
}
