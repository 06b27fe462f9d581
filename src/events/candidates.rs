//! Duplicate candidates: pairs of reports by different agencies, not linked
//! yet, that may describe the same real event, each with its reasons.

use chrono::NaiveDate;
use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::event_links::{self, CandidateRow};
use crate::db::events::{self as table, EventRow, EventSets};
use crate::error::ApiError;

/// Two reports that may describe the same real event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    /// One report: the caller's own for an agency; for an admin, the
    /// earlier recorded.
    #[schema(format = Uuid)]
    pub event_id: String,
    /// Its agency.
    pub agency: String,
    /// The other report.
    #[schema(format = Uuid)]
    pub other_id: String,
    /// The other's agency.
    pub other_agency: String,
    /// Why they look alike: `dates_overlap`, `same_area` or `area_contains`,
    /// `same_kind`, `shared_topics:<topic>,...`.
    pub reasons: Vec<String>,
    /// What a person needs to recognise the same meeting in each report
    /// (the first, then the other): its days, kind and place. No figures.
    pub meetings: [Meeting; 2],
}

/// A report as a duplicate candidate shows it: when, what and where, never
/// its figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Meeting {
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Kind of activity.
    pub kind: String,
    /// The unit's code.
    pub area: Option<String>,
    /// The unit's name.
    pub area_name: Option<String>,
}

/// Where a page of candidate pairs ends: the last pair's (seq, seq).
pub type PairCursor = (i64, i64);

/// Pairs of live reports by different agencies, not linked yet, whose dates
/// overlap, whose areas are the same or one inside the other, and that share
/// the kind or a topic. `agency` restricts to pairs with one of its reports
/// (its report first). Ordered by the pair's seqs; `after` resumes after a
/// pair. A page looks at most [`event_links::CANDIDATE_SCAN`] reports, so
/// it may hold fewer than `limit` pairs and still have a next one.
pub fn duplicate_candidates(
    conn: &mut DbConn,
    agency: Option<&str>,
    after: Option<PairCursor>,
    limit: i64,
) -> Result<(Vec<DuplicateCandidate>, Option<PairCursor>), ApiError> {
    let (mut rows, scanned_to) = event_links::candidates(conn, agency, after, limit + 1)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| (r.a_seq, r.b_seq))
    } else {
        // Reports remain beyond this page's scan: the next page starts
        // after the last one scanned (a page may hold fewer than `limit`
        // pairs, even none, and still have a next one).
        scanned_to.map(|seq| (seq, i64::MAX))
    };
    let seqs: Vec<i64> = rows.iter().flat_map(|r| [r.a_seq, r.b_seq]).collect();
    let sets = table::sets_of(conn, &seqs)?;
    let events: HashMap<i64, EventRow> = table::by_seqs(conn, &seqs)?
        .into_iter()
        .map(|e| (e.seq, e))
        .collect();
    let mut area_ids: Vec<i64> = events.values().map(|e| e.area_id).collect();
    area_ids.sort_unstable();
    area_ids.dedup();
    let units = crate::db::aggregates::area_names(conn, &area_ids)?;
    let meeting = |seq: i64| -> Result<Meeting, ApiError> {
        let e = events
            .get(&seq)
            .ok_or_else(|| ApiError::internal(format!("candidate {seq} vanished")))?;
        let unit = units.get(&e.area_id);
        Ok(Meeting {
            start_date: e.start_date,
            end_date: e.end_date,
            kind: e.kind.clone(),
            area: unit.map(|u| u.0.clone()),
            area_name: unit.map(|u| u.1.clone()),
        })
    };
    let empty = EventSets::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let meetings = [meeting(r.a_seq)?, meeting(r.b_seq)?];
        let ta = sets.get(&r.a_seq).unwrap_or(&empty);
        let tb = sets.get(&r.b_seq).unwrap_or(&empty);
        out.push(candidate(r, ta, tb, meetings));
    }
    Ok((out, next))
}

/// A candidate pair with the reasons it looks alike (dates overlap and areas
/// match by construction of the query).
fn candidate(
    r: CandidateRow,
    a: &EventSets,
    b: &EventSets,
    meetings: [Meeting; 2],
) -> DuplicateCandidate {
    let mut reasons = vec!["dates_overlap".to_string()];
    reasons.push(
        if r.a_area == r.b_area {
            "same_area"
        } else {
            "area_contains"
        }
        .to_string(),
    );
    if r.a_kind == r.b_kind {
        reasons.push("same_kind".into());
    }
    let shared: Vec<&str> = a
        .topics
        .iter()
        .filter(|t| b.topics.contains(t))
        .map(String::as_str)
        .collect();
    if !shared.is_empty() {
        reasons.push(format!("shared_topics:{}", shared.join(",")));
    }
    DuplicateCandidate {
        event_id: r.a_id,
        agency: r.a_agency,
        other_id: r.b_id,
        other_agency: r.b_agency,
        reasons,
        meetings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(a_area: i64, b_area: i64, a_kind: &str, b_kind: &str) -> CandidateRow {
        CandidateRow {
            a_seq: 1,
            b_seq: 2,
            a_id: "a".into(),
            b_id: "b".into(),
            a_agency: "police".into(),
            b_agency: "youth".into(),
            a_kind: a_kind.into(),
            b_kind: b_kind.into(),
            a_area,
            b_area,
        }
    }

    fn topics(t: &[&str]) -> EventSets {
        EventSets {
            topics: t.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn meetings() -> [Meeting; 2] {
        let m = Meeting {
            start_date: NaiveDate::from_ymd_opt(2024, 3, 8).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2024, 3, 8).unwrap(),
            kind: "training_class".into(),
            area: None,
            area_name: None,
        };
        [m.clone(), m]
    }

    #[test]
    fn reasons_name_area_kind_and_shared_topics() {
        let c = candidate(
            row(7, 7, "training_class", "training_class"),
            &topics(&["drugs", "human_trafficking"]),
            &topics(&["human_trafficking"]),
            meetings(),
        );
        assert_eq!(
            c.reasons,
            [
                "dates_overlap",
                "same_area",
                "same_kind",
                "shared_topics:human_trafficking"
            ]
        );
        let c = candidate(row(7, 8, "a", "b"), &topics(&[]), &topics(&[]), meetings());
        assert_eq!(c.reasons, ["dates_overlap", "area_contains"]);
    }
}
