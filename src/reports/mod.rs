//! The summary report a province signs at the end of a period, in the form
//! of the 2019 provincial report (`docs/context/`): for each agency a
//! paragraph (its activities by kind, person-times and people stated
//! separately), the province-wide deduplicated totals (never a sum of the
//! agencies'), the people reached by more than one agency, the people
//! reached for the first time, a table by agency and one by the units one
//! level below the report's area, sex and age, and the same period a year
//! earlier. Every figure is an aggregate answer's ([`Summary::compute`]);
//! [`render`] lays it out as an administrative document (Decree
//! 30/2020/NĐ-CP) in Vietnamese or English, as Word, PDF, printable HTML or
//! Markdown.

pub mod period;
pub mod render;

use std::sync::Arc;

use chrono::NaiveDate;

use chrono::{DateTime, Utc};

use crate::agencies::Agency;
use crate::aggregates::{self, Answer, Filters, GroupBy, Measures, Request};
use crate::analytics::{self, Overlap};
use crate::areas::{Level, Resolution};
use crate::db::DbConn;
use crate::domain::calendar::PeriodRule;
use crate::domain::{Kind, TargetGroup, Topic};
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
    /// Person-times of women and girls (None: not reported, or withheld).
    pub female: Option<i64>,
    /// Person-times of men and boys.
    pub male: Option<i64>,
    /// Person-times of people under 18.
    pub under_18: Option<i64>,
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
            female: m.female_attendances,
            male: m.male_attendances,
            under_18: m.under_18_attendances,
        }
    }
}

/// An administrative unit as the report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaName {
    /// Its code.
    pub code: String,
    /// Its name on the period's last day ("Tỉnh Bắc Kạn").
    pub name: String,
    /// Its level.
    pub level: Level,
}

/// What the report's figures cover besides the period, each stated in it.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The area (None: every unit).
    pub area: Option<AreaName>,
    /// The agency whose own report this is (an agency's account or token):
    /// its activities, reported or co-organised with confirmation.
    pub own: Option<Agency>,
    /// Only activities of these agencies.
    pub agencies: Vec<Agency>,
    /// Only activities of this kind.
    pub kind: Option<Kind>,
    /// Only activities with this topic.
    pub topic: Option<Topic>,
    /// Only activities for this group.
    pub target_group: Option<TargetGroup>,
}

/// The report's table by the units one level below its area.
#[derive(Debug, Clone)]
pub struct Below {
    /// Their level.
    pub level: Level,
    /// Each unit's name and figures (a row without a unit at that level,
    /// e.g. an activity recorded at province level, is named "").
    pub rows: Vec<(String, Figures)>,
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
    /// How the deployment cuts reporting months (for naming the period).
    pub rule: PeriodRule,
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
    /// What the figures cover besides the period.
    pub scope: Scope,
    /// By the units one level below the area (live figures only).
    pub below: Option<Below>,
    /// The same slice a year earlier (live figures over two given dates).
    pub year_before: Option<Figures>,
    /// The locked periods the report's dates overlap.
    pub locked: Vec<String>,
    /// When the figures were read.
    pub as_of: DateTime<Utc>,
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
    /// Computes the report over `filters` (a period, an area, agencies,
    /// a kind, topic or group; `filters.scope`: an agency's own report).
    pub fn compute(
        conn: &mut DbConn,
        reach: &Reach,
        filters: &Filters,
        rule: PeriodRule,
    ) -> Result<Self, ApiError> {
        let as_of = Utc::now();
        let request = |group_by: &str| -> Result<Request, ApiError> {
            Ok(Request {
                filters: filters.clone(),
                group_by: GroupBy::parse(Some(group_by))?,
                rule,
            })
        };
        let totals = answer(conn, reach, &request("")?)?.totals;
        let names = crate::agencies::list(conn)?;
        let named = |code: &str| names.iter().find(|a| a.code == code).cloned();
        let on = filters
            .to
            .or(filters.from)
            .unwrap_or_else(crate::domain::calendar::today);
        let area = match &filters.area {
            Some(code) => Some(area_name(conn, code, on)?),
            None => None,
        };
        let scope = Scope {
            own: filters.scope.as_deref().and_then(named),
            agencies: filters.agency.iter().filter_map(|c| named(c)).collect(),
            kind: filters.kind,
            topic: filters.topic,
            target_group: filters.target_group,
            area,
        };
        let below = match below_level(scope.area.as_ref().map(|a| a.level), on) {
            Some(level) => {
                let group = format!("area:{}", level.as_str());
                let rows = answer(conn, reach, &request(&group)?)?
                    .rows
                    .into_iter()
                    .map(|r| {
                        let name = r.names.first().cloned().flatten().unwrap_or_default();
                        (name, Figures::of(&r.measures, false))
                    })
                    .collect();
                Some(Below { level, rows })
            }
            None => None,
        };
        let year_before = match (filters.from, filters.to) {
            (Some(f), Some(t)) => {
                let earlier = Request {
                    filters: Filters {
                        from: Some(period::year_before(f)),
                        to: Some(period::year_before(t)),
                        ..filters.clone()
                    },
                    group_by: GroupBy::parse(Some(""))?,
                    rule,
                };
                Some(Figures::of(&answer(conn, reach, &earlier)?.totals, false))
            }
            _ => None,
        };
        let locked = crate::periods::Locks::load(conn)?.overlapping(filters.from, filters.to);
        let by_agency = answer(conn, reach, &request("agency")?)?;
        let by_kind = answer(conn, reach, &request("agency,kind")?)?;
        let shared_people = overlap(conn, reach, &request("")?)?
            .combinations
            .iter()
            .filter(|(agencies, _)| agencies.len() > 1)
            .map(|(_, n)| n)
            .sum();
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
            rule,
            agencies,
            totals: Figures::of(&totals, filters.from.is_some()),
            shared_people: Some(shared_people),
            made_on: crate::domain::calendar::today(),
            source: None,
            scope,
            below,
            year_before,
            locked,
            as_of,
        })
    }

    /// The report of a publication (its latest version): the figures of its
    /// table by agency over the whole period (required), its kinds from a
    /// table by agency and kind, and the people reached by several agencies
    /// from an overlap table, when it has them. Withheld values stay
    /// withheld.
    pub fn from_publication(
        conn: &mut DbConn,
        period: &str,
        rule: PeriodRule,
    ) -> Result<Self, ApiError> {
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
            female: value(c, "female_attendances"),
            male: value(c, "male_attendances"),
            under_18: value(c, "under_18_attendances"),
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
        let locked = vec![p.period.clone()];
        Ok(Summary {
            from: Some(p.from),
            to: Some(p.to),
            rule,
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
            scope: Scope::default(),
            below: None,
            year_before: None,
            locked,
            as_of: p.published_at,
        })
    }
}

/// The unit `code` names on `on` (or, when none is valid then, its latest
/// unit: the report still names the place asked for).
fn area_name(conn: &mut DbConn, code: &str, on: chrono::NaiveDate) -> Result<AreaName, ApiError> {
    let rows = crate::db::areas::with_code(conn, code)?;
    let row = match crate::areas::resolve_in(&rows, on) {
        Resolution::Found(r) => r,
        _ => rows
            .into_iter()
            .max_by_key(|r| r.valid_from)
            .ok_or_else(|| {
                ApiError::field("area", format!("no administrative unit has code {code}"))
            })?,
    };
    Ok(AreaName {
        code: code.to_string(),
        level: row.level(),
        name: row.name,
    })
}

/// The level one below `level` (None: the whole country) on `on`: a
/// province's districts, or its communes from the 2025 reform on.
fn below_level(level: Option<Level>, on: chrono::NaiveDate) -> Option<Level> {
    match level {
        None => Some(Level::Province),
        Some(Level::Province) if on >= crate::areas::reform_date() => Some(Level::Commune),
        Some(Level::Province) => Some(Level::District),
        Some(Level::District) => Some(Level::Commune),
        Some(Level::Commune | Level::Village) => None,
    }
}
