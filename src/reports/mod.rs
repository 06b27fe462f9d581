//! The summary report a province signs at the end of a period, in the form
//! of the 2019 provincial report (`../shared/context/`): for each agency a
//! paragraph (its activities by kind, person-times and people stated
//! separately), the province-wide deduplicated totals (never a sum of the
//! agencies'), the people reached by more than one agency, the people
//! reached for the first time, and a table. Every figure is an aggregate
//! answer's ([`Summary::compute`]); [`render`] writes it in Vietnamese or
//! English, as printable HTML or Markdown.

pub mod render;

use chrono::NaiveDate;

use crate::agencies::Agency;
use crate::aggregates::{self, Answer, Filters, GroupBy, Measures, Request};
use crate::analytics::{self, Overlap};
use crate::db::DbConn;
use crate::domain::Kind;
use crate::error::ApiError;
use crate::reach::Reach;

/// One agency's part of the report.
#[derive(Debug, Clone)]
pub struct AgencyPart {
    /// The agency.
    pub agency: Agency,
    /// Real events by kind (joint events count for each organiser).
    pub kinds: Vec<(Kind, i64)>,
    /// Its measures (its real events, reported or co-organised with confirmation).
    pub measures: Measures,
}

/// Everything the report states.
#[derive(Debug, Clone)]
pub struct Summary {
    /// First day (None: from the first event).
    pub from: Option<NaiveDate>,
    /// Last day (None: to the last event).
    pub to: Option<NaiveDate>,
    /// One part per agency that organised anything, in code order.
    pub agencies: Vec<AgencyPart>,
    /// Province-wide, every real event once.
    pub totals: Measures,
    /// Identified people reached by two agencies or more.
    pub shared_people: i64,
    /// When the report was made (Vietnam's date).
    pub made_on: NaiveDate,
}

/// An aggregate answer from the reach index, or on the SQL path.
fn answer(conn: &mut DbConn, reach: &Reach, request: &Request) -> Result<Answer, ApiError> {
    match reach.answer(conn, request)? {
        Some(a) => Ok(a),
        None => aggregates::compute(conn, request),
    }
}

/// The overlap between agencies, from the index or on the SQL path.
fn overlap(conn: &mut DbConn, reach: &Reach, request: &Request) -> Result<Overlap, ApiError> {
    match reach.overlap(conn, request)? {
        Some(o) => Ok(o),
        None => analytics::overlap(conn, request),
    }
}

impl Summary {
    /// Computes the report over `filters` (a period, perhaps an area).
    pub fn compute(conn: &mut DbConn, reach: &Reach, filters: &Filters) -> Result<Self, ApiError> {
        let request = |group_by: &str| -> Result<Request, ApiError> {
            Ok(Request {
                filters: filters.clone(),
                group_by: GroupBy::parse(Some(group_by))?,
            })
        };
        let totals = answer(conn, reach, &request("")?)?.totals;
        let by_agency = answer(conn, reach, &request("agency")?)?;
        let by_kind = answer(conn, reach, &request("agency,kind")?)?;
        let shared_people = overlap(conn, reach, &request("")?)?
            .combinations
            .iter()
            .filter(|(agencies, _)| agencies.len() > 1)
            .map(|(_, n)| n)
            .sum();
        let names = crate::agencies::list(conn)?;
        let mut agencies = Vec::new();
        for row in by_agency.rows {
            let Some(code) = row.keys.first().cloned().flatten() else {
                continue;
            };
            let agency = names
                .iter()
                .find(|a| a.code == code)
                .cloned()
                .ok_or_else(|| {
                    ApiError::internal(format!("aggregate row of unknown agency {code}"))
                })?;
            let mut kinds: Vec<(Kind, i64)> = by_kind
                .rows
                .iter()
                .filter(|r| r.keys.first().cloned().flatten().as_deref() == Some(code.as_str()))
                .filter_map(|r| {
                    let kind = r.keys.get(1).cloned().flatten()?;
                    Some((Kind::parse(&kind)?, r.measures.events))
                })
                .collect();
            kinds.sort_by_key(|(k, n)| (std::cmp::Reverse(*n), *k));
            agencies.push(AgencyPart {
                agency,
                kinds,
                measures: row.measures,
            });
        }
        Ok(Summary {
            from: filters.from,
            to: filters.to,
            agencies,
            totals,
            shared_people,
            made_on: crate::domain::calendar::today(),
        })
    }
}
