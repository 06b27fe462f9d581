//! The summary report a province signs at the end of a period, in the form
//! of the 2019 provincial report (`docs/context/`): for each agency a
//! paragraph (its activities by kind, person-times and people stated
//! separately), the province-wide deduplicated totals (never a sum of the
//! agencies'), the people reached by more than one agency, the people
//! reached for the first time, and a table. Every figure is an aggregate
//! answer's ([`Summary::compute`]); [`render`] writes it in Vietnamese or
//! English, as printable HTML or Markdown.

pub mod render;

use std::sync::Arc;

use chrono::NaiveDate;

use crate::agencies::Agency;
use crate::aggregates::{self, Answer, Filters, GroupBy, Measures, Request};
use crate::analytics::{self, Overlap};
use crate::db::DbConn;
use crate::domain::Kind;
use crate::error::ApiError;
use crate::reach::Reach;

/// The figures a report states; None where a publication withheld one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// Real events.
    pub events: Option<i64>,
    /// Sessions (mass media excluded).
    pub sessions: Option<i64>,
    /// Person-times.
    pub attendances: Option<i64>,
    /// Identified person-times.
    pub identified: Option<i64>,
    /// Identified people.
    pub unique: Option<i64>,
    /// Fewest different people.
    pub reach_min: Option<i64>,
    /// Most different people.
    pub reach_max: Option<i64>,
    /// People first reached in the period, where the report states them
    /// (live figures with a `from`; a publication that published them,
    /// the inner None where withheld).
    pub first_time: Option<Option<i64>>,
    /// Mass-media items.
    pub media_items: Option<i64>,
    /// Their estimated audience.
    pub audience: Option<i64>,
}

impl Figures {
    /// Live figures: all known.
    fn of(m: &Measures, first_time: bool) -> Self {
        Figures {
            events: Some(m.events),
            sessions: Some(m.sessions),
            attendances: Some(m.attendances),
            identified: Some(m.identified_attendances),
            unique: Some(m.unique_participants),
            reach_min: Some(m.reach_min),
            reach_max: Some(m.reach_max),
            first_time: first_time.then_some(Some(m.first_time_participants)),
            media_items: Some(m.media_items),
            audience: Some(m.audience),
        }
    }
}

/// One agency's part of the report.
#[derive(Debug, Clone)]
pub struct AgencyPart {
    /// The agency.
    pub agency: Agency,
    /// Sessions by kind (mass-media kinds: their items; joint events count
    /// for each organiser).
    pub kinds: Vec<(Kind, Option<i64>)>,
    /// Its figures (its real events, reported or co-organised with confirmation).
    pub figures: Figures,
}

/// The publication a report was written from.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its period.
    pub period: String,
    /// Its version.
    pub version: i64,
    /// The SHA-256 of its JSON.
    pub sha256: String,
    /// Whether the agencies' names are the ones it stored (false for
    /// versions published before names were stored: today's names).
    pub names_stored: bool,
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
    pub totals: Figures,
    /// Identified people reached by two agencies or more (None: withheld,
    /// or a publication without an overlap table).
    pub shared_people: Option<i64>,
    /// When the report was made (Vietnam's date).
    pub made_on: NaiveDate,
    /// The publication it was written from (None: live figures).
    pub source: Option<Source>,
}

/// An aggregate answer from the reach index, or on the SQL path.
fn answer(conn: &mut DbConn, reach: &Reach, request: &Request) -> Result<Answer, ApiError> {
    match reach.answer(conn, request)? {
        Some(a) => Ok(Arc::unwrap_or_clone(a)),
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
            let mut kinds: Vec<(Kind, Option<i64>)> = by_kind
                .rows
                .iter()
                .filter(|r| r.keys.first().cloned().flatten().as_deref() == Some(code.as_str()))
                .filter_map(|r| {
                    let kind = Kind::parse(&r.keys.get(1).cloned().flatten()?)?;
                    let m = &r.measures;
                    Some((
                        kind,
                        Some(if kind.is_media() {
                            m.media_items
                        } else {
                            m.sessions
                        }),
                    ))
                })
                .collect();
            kinds.sort_by_key(|(k, n)| (std::cmp::Reverse(*n), *k));
            agencies.push(AgencyPart {
                agency,
                kinds,
                figures: Figures::of(&row.measures, false),
            });
        }
        Ok(Summary {
            from: filters.from,
            to: filters.to,
            agencies,
            totals: Figures::of(&totals, filters.from.is_some()),
            shared_people: Some(shared_people),
            made_on: crate::domain::calendar::today(),
            source: None,
        })
    }

    /// The report of a publication (its latest version): the figures of its
    /// table by agency over the whole period (required), its kinds from a
    /// table by agency and kind, and the people reached by several agencies
    /// from an overlap table, when it has them. Withheld values stay
    /// withheld.
    pub fn from_publication(conn: &mut DbConn, period: &str) -> Result<Self, ApiError> {
        use crate::publications::{Analysis, Cells, PublishedTable, TableFilters};
        let row = crate::publications::get(conn, period, None)?;
        let p = crate::publications::parse(&row)?;
        let whole = |t: &&PublishedTable, group_by: &[&str], analysis: Analysis| {
            t.analysis == analysis && t.filters == TableFilters::default() && t.group_by == group_by
        };
        let by_agency = p
            .tables
            .iter()
            .find(|t| whole(t, &["agency"], Analysis::Aggregate))
            .ok_or_else(|| {
                ApiError::field(
                    "period",
                    "this publication has no table by agency over the whole period",
                )
            })?;
        let value = |c: &Cells, m: &str| c.values.get(m).copied().flatten();
        // Publications made before sessions existed (every record one
        // session, broadcasts counted as attendance) state no sessions: their
        // events are their sessions.
        let sessions = |c: &Cells| {
            if c.values.contains_key("sessions") {
                value(c, "sessions")
            } else {
                value(c, "events")
            }
        };
        let figures = |c: &Cells| Figures {
            events: value(c, "events"),
            sessions: sessions(c),
            attendances: value(c, "attendances"),
            identified: value(c, "identified_attendances"),
            unique: value(c, "unique_participants"),
            reach_min: value(c, "reach_min"),
            reach_max: value(c, "reach_max"),
            first_time: c
                .values
                .contains_key("first_time_participants")
                .then(|| value(c, "first_time_participants")),
            media_items: value(c, "media_items"),
            audience: value(c, "audience"),
        };
        let by_kind = p
            .tables
            .iter()
            .find(|t| whole(t, &["agency", "kind"], Analysis::Aggregate));
        // The names the publication stored; older versions name none, and
        // today's are used (the report says so).
        let names: Vec<Agency> = crate::agencies::list(conn)?
            .into_iter()
            .map(|mut a| {
                if let Some(stored) = p.agencies.iter().find(|s| s.code == a.code) {
                    a.name = stored.name.clone();
                    a.name_en = stored.name_en.clone();
                }
                a
            })
            .collect();
        let mut agencies = Vec::new();
        for r in &by_agency.rows {
            let Some(code) = r.key.get("agency").cloned().flatten() else {
                continue;
            };
            let agency = names
                .iter()
                .find(|a| a.code == code)
                .cloned()
                .ok_or_else(|| ApiError::internal(format!("published agency {code} is unknown")))?;
            let mut kinds: Vec<(Kind, Option<i64>)> = by_kind
                .map(|t| {
                    t.rows
                        .iter()
                        .filter(|k| {
                            k.key.get("agency").cloned().flatten().as_deref() == Some(code.as_str())
                        })
                        .filter_map(|k| {
                            let kind = Kind::parse(k.key.get("kind").cloned().flatten()?.as_str())?;
                            let count =
                                if kind.is_media() && k.cells.values.contains_key("media_items") {
                                    value(&k.cells, "media_items")
                                } else {
                                    sessions(&k.cells)
                                };
                            Some((kind, count))
                        })
                        .collect()
                })
                .unwrap_or_default();
            kinds.sort_by_key(|(k, n)| (std::cmp::Reverse(n.unwrap_or(0)), *k));
            agencies.push(AgencyPart {
                agency,
                kinds,
                figures: figures(&r.cells),
            });
        }
        let shared_people = p
            .tables
            .iter()
            .find(|t| whole(t, &[], Analysis::Overlap))
            .and_then(|t| {
                t.rows
                    .iter()
                    .filter(|r| {
                        r.key
                            .get("combination")
                            .cloned()
                            .flatten()
                            .is_some_and(|c| c.contains(';'))
                    })
                    .map(|r| value(&r.cells, "people"))
                    .sum::<Option<i64>>()
            });
        Ok(Summary {
            from: Some(p.from),
            to: Some(p.to),
            agencies,
            totals: figures(&by_agency.totals),
            shared_people,
            made_on: crate::domain::calendar::today(),
            source: Some(Source {
                names_stored: !p.agencies.is_empty(),
                period: p.period,
                version: p.version,
                sha256: row.sha256,
            }),
        })
    }
}
