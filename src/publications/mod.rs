//! Publications: the official figures of a period, as a fixed set of
//! tables computed once, protected by disclosure control across the whole
//! set ([`disclosure`]), stored with a version number and the SHA-256 of
//! their canonical JSON, and never changed. Publishing a period again adds
//! version n+1; [`changes`] lists the cells that differ between versions.
//! Every token reads publications; public tokens read nothing else.

pub mod cells;
pub mod changes;
pub mod disclosure;
mod keys;
pub mod output;
mod prior;
pub mod tables;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::aggregates::measure;
use crate::aggregates::{AreaMode, Filters, GroupBy, Request};
use crate::audit::{self, Actor};
use crate::db::publications::{self as store, PublicationRow};
use crate::db::{DbConn, write_tx};
use crate::domain::calendar::PeriodRule;
use crate::domain::{Kind, TargetGroup, Topic};
use crate::error::ApiError;
use crate::periods::Period;

use cells::{Group, compute};
pub use changes::{Changes, changes};
use keys::{published_key, sort_key, unit_names};

/// Most tables in one publication.
pub const MAX_TABLES: usize = 20;

/// The slice of one table, narrower than the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TableFilters {
    /// Events organised by any of these agencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agency: Vec<String>,
    /// Events of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Events with this topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
    /// Events addressing this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<TargetGroup>,
    /// An administrative unit code: events in it or below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// `as_recorded` (default) or `current`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^(as_recorded|current)$")]
    pub areas: Option<String>,
}

/// What a table counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Analysis {
    /// The aggregate measures, by `group_by`.
    #[default]
    Aggregate,
    /// People by the exact combination of agencies that reached them
    /// (`combination` rows) and by pair of agencies (`pair` rows: reached
    /// by both), as `GET /reach/overlap`; no `group_by`.
    Overlap,
    /// People by how many real events they attended (`events` 1 to 9,
    /// then `10+`), as `GET /reach/frequency`; no `group_by`.
    Frequency,
}

impl Analysis {
    /// Whether its cells count people only (a `people` value each).
    pub fn counts_people(self) -> bool {
        self != Analysis::Aggregate
    }
}

/// One table to publish: an aggregate request over the period.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Its name, unique in the publication (default: its `group_by`, or `totals`).
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// Comma-separated dimensions, as for `GET /aggregates` (empty: the totals only).
    #[serde(default)]
    #[schema(example = "agency")]
    pub group_by: String,
    /// A narrower slice than the whole period.
    #[serde(default)]
    pub filters: TableFilters,
    /// What it counts (default `aggregate`).
    #[serde(default)]
    pub analysis: Analysis,
}

/// What to publish.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Title, e.g. the report the figures go into.
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "Kết quả truyền thông phòng, chống mua bán người quý III/2025"
    )]
    pub title: String,
    /// The period: `2025`, `2025-Q3` or `2025-07`.
    #[schema(
        example = "2025-Q3",
        pattern = r"^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
    )]
    pub period: String,
    /// The tables (1 to 20). Default: by agency, kind, target group,
    /// province and month.
    pub tables: Option<Vec<TableSpec>>,
}

/// A cell group's published values: each measure's value, null when
/// suppressed (and then named in `suppressed`) or not reported (sex and
/// age counts no event reported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Cells {
    /// Measure name to value.
    pub values: BTreeMap<String, Option<i64>>,
    /// The measures withheld here: their values are null, never zero.
    pub suppressed: Vec<String>,
}

/// One published row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishedRow {
    /// Its keys, named as in aggregate rows (`agency`, `province`,
    /// `province_name`, `period`, ...).
    pub key: BTreeMap<String, Option<String>>,
    /// Its values.
    #[serde(flatten)]
    pub cells: Cells,
}

/// One published table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishedTable {
    /// Its name.
    pub name: String,
    /// What it counts.
    pub analysis: Analysis,
    /// Its grouping.
    pub group_by: Vec<String>,
    /// Its slice within the period.
    pub filters: TableFilters,
    /// The measures of its rows and totals: the publication's `measures`
    /// for an aggregate table; `people` for overlap and frequency tables.
    pub measures: Vec<String>,
    /// Measures whose rows add up to the totals (each real event is in
    /// exactly one row).
    pub additive_measures: Vec<String>,
    /// Rows, by key.
    pub rows: Vec<PublishedRow>,
    /// The totals over its whole slice (never a sum of rows).
    pub totals: Cells,
}

/// A publication: what `GET /publications/{period}` serves, byte for byte
/// the JSON whose SHA-256 is its `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Publication {
    /// The period.
    pub period: String,
    /// Its first day.
    pub from: chrono::NaiveDate,
    /// Its last day.
    pub to: chrono::NaiveDate,
    /// 1, 2, ...
    pub version: i64,
    /// Title.
    pub title: String,
    /// When it was computed (UTC).
    pub published_at: DateTime<Utc>,
    /// Whether the period was locked then (if not, a later version may differ).
    pub period_locked: bool,
    /// The smallest count published: counts from 1 to threshold - 1 are
    /// withheld, with other cells as needed so none can be worked out.
    pub threshold: i64,
    /// The measures of aggregate tables.
    pub measures: Vec<String>,
    /// Withheld cells, in all tables.
    pub suppressed_cells: usize,
    /// The names of the agencies its tables name, as they were when it
    /// was published (a report of it quotes these). Absent in versions
    /// published before names were stored: their reports use today's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agencies: Vec<PublishedAgency>,
    /// The tables.
    pub tables: Vec<PublishedTable>,
}

/// An agency as a publication names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishedAgency {
    /// Its code.
    pub code: String,
    /// Its Vietnamese name then.
    pub name: String,
    /// Its English name then.
    pub name_en: String,
}

/// The agencies a publication's tables name: agency keys, and the agencies
/// of overlap combinations and pairs.
fn agencies_named(
    conn: &mut DbConn,
    tables: &[PublishedTable],
) -> Result<Vec<PublishedAgency>, ApiError> {
    let mut codes = std::collections::BTreeSet::new();
    for t in tables {
        for r in &t.rows {
            if let Some(Some(a)) = r.key.get("agency") {
                codes.insert(a.clone());
            }
            for k in ["combination", "pair"] {
                if let Some(Some(list)) = r.key.get(k) {
                    codes.extend(list.split(';').map(str::to_string));
                }
            }
        }
    }
    Ok(crate::agencies::list(conn)?
        .into_iter()
        .filter(|a| codes.contains(&a.code))
        .map(|a| PublishedAgency {
            code: a.code,
            name: a.name,
            name_en: a.name_en,
        })
        .collect())
}

/// A publication in a list (without its tables).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicationSummary {
    /// The period.
    pub period: String,
    /// The version.
    pub version: i64,
    /// Title.
    pub title: String,
    /// When (UTC).
    pub published_at: DateTime<Utc>,
    /// SHA-256 (hex) of the publication's JSON as served.
    pub sha256: String,
}

impl From<PublicationRow> for PublicationSummary {
    fn from(r: PublicationRow) -> Self {
        PublicationSummary {
            period: r.period,
            version: r.version,
            title: r.title,
            published_at: r.published_at.and_utc(),
            sha256: r.sha256,
        }
    }
}

/// The default tables: by agency, kind, target group, province and month.
fn default_tables() -> Vec<TableSpec> {
    [
        "agency",
        "kind",
        "target_group",
        "area:province",
        "period:month",
    ]
    .into_iter()
    .map(|g| TableSpec {
        name: None,
        group_by: g.to_string(),
        filters: TableFilters::default(),
        analysis: Analysis::Aggregate,
    })
    .collect()
}

/// A table spec checked into an aggregate request over `period`.
pub(super) fn request_of(
    spec: &TableSpec,
    period: &Period,
    index: usize,
) -> Result<(String, Request), ApiError> {
    let field = |f: &str| format!("tables[{index}].{f}");
    let group_by = GroupBy::parse(Some(&spec.group_by)).map_err(|_| {
        ApiError::field(
            field("group_by"),
            "unknown or repeated dimension, or more than 4",
        )
    })?;
    if spec.analysis.counts_people() && !group_by.is_empty() {
        return Err(ApiError::field(
            field("group_by"),
            "overlap and frequency tables have no group_by",
        ));
    }
    let areas = match spec.filters.areas.as_deref() {
        None => AreaMode::default(),
        Some(a) => a.parse().map_err(|_| {
            ApiError::field(field("filters.areas"), "must be as_recorded or current")
        })?,
    };
    if spec.filters.agency.len() > 50 {
        return Err(ApiError::field(
            field("filters.agency"),
            "at most 50 agencies",
        ));
    }
    let name = spec.name.clone().unwrap_or_else(|| match spec.analysis {
        Analysis::Overlap => "overlap".into(),
        Analysis::Frequency => "frequency".into(),
        Analysis::Aggregate if spec.group_by.trim().is_empty() => "totals".into(),
        Analysis::Aggregate => spec.group_by.clone(),
    });
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(ApiError::field(field("name"), "1 to 100 characters"));
    }
    Ok((
        name,
        Request {
            filters: Filters {
                from: Some(period.starts_on()),
                to: Some(period.ends_on()),
                agency: spec.filters.agency.clone(),
                kind: spec.filters.kind,
                topic: spec.filters.topic,
                target_group: spec.filters.target_group,
                area: spec.filters.area.clone(),
                areas,
                scope: None,
            },
            group_by,
            rule: period.rule(),
        },
    ))
}

/// A checked table: its spec, its name and its aggregate request.
pub type CheckedTable = (TableSpec, String, Request);

/// Checks a publish request: the period, the title and the tables.
pub fn check(
    req: &PublishRequest,
    rule: PeriodRule,
) -> Result<(Period, Vec<CheckedTable>), ApiError> {
    let period =
        Period::parse(&req.period, rule).map_err(|m: String| ApiError::field("period", m))?;
    let title = req.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(ApiError::field("title", "1 to 300 characters"));
    }
    let specs = req.tables.clone().unwrap_or_else(default_tables);
    if specs.is_empty() || specs.len() > MAX_TABLES {
        return Err(ApiError::field(
            "tables",
            format!("1 to {MAX_TABLES} tables"),
        ));
    }
    let mut out = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let (name, request) = request_of(&spec, &period, i)?;
        if out.iter().any(|(_, n, _): &CheckedTable| *n == name) {
            return Err(ApiError::field(
                format!("tables[{i}].name"),
                "names must be unique",
            ));
        }
        out.push((spec, name, request));
    }
    Ok((period, out))
}

/// A table's memberships: its rows' and totals' real events and people.
fn members_of(
    conn: &mut DbConn,
    analysis: Analysis,
    request: &Request,
    memo: &mut tables::Memo,
    people_of: &tables::PeopleOf,
) -> Result<tables::TableMembers, ApiError> {
    match analysis {
        Analysis::Aggregate => tables::load(conn, request, memo, people_of),
        a => tables::load_people(conn, request, a, &mut memo.figures, people_of),
    }
}

/// The aggregate request of a whole period, no grouping.
fn whole_period(period: &Period) -> Request {
    Request {
        filters: Filters {
            from: Some(period.starts_on()),
            to: Some(period.ends_on()),
            ..Filters::default()
        },
        group_by: GroupBy::default(),
        rule: period.rule(),
    }
}

/// A publication computed, not stored yet: what `publish` would store
/// now (its version, time and lock state are set when it is stored).
pub struct Computed {
    /// The period.
    pub period: Period,
    /// The tables, disclosure control applied.
    pub tables: Vec<PublishedTable>,
    /// Withheld cells, in all tables.
    pub suppressed_cells: usize,
    /// The agencies its tables name.
    pub agencies: Vec<PublishedAgency>,
}

impl Computed {
    /// As a publication of `version` published `at`.
    pub fn into_publication(
        self,
        title: String,
        version: i64,
        at: DateTime<Utc>,
        locked: bool,
        k: i64,
    ) -> Publication {
        Publication {
            period: self.period.as_str().to_string(),
            from: self.period.starts_on(),
            to: self.period.ends_on(),
            version,
            title,
            published_at: at,
            period_locked: locked,
            threshold: k,
            measures: measure::published().map(|m| m.name.to_string()).collect(),
            suppressed_cells: self.suppressed_cells,
            agencies: self.agencies,
            tables: self.tables,
        }
    }
}

/// Computes and stores a new version of a period's publication.
pub fn publish(
    conn: &mut DbConn,
    actor: &Actor,
    req: &PublishRequest,
    k: i64,
    rule: PeriodRule,
) -> Result<PublicationRow, ApiError> {
    let computed = compute_publication(conn, req, k, rule)?;
    let title = req.title.trim().to_string();
    let by = actor.name();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = write_tx(conn, |conn| {
            let version = store::latest_version(conn, computed.period.as_str())? + 1;
            let locked = crate::db::periods::active_for(conn, computed.period.as_str())?.is_some();
            let publication = Computed {
                period: computed.period.clone(),
                tables: computed.tables.clone(),
                suppressed_cells: computed.suppressed_cells,
                agencies: computed.agencies.clone(),
            }
            .into_publication(
                title.clone(),
                version,
                crate::db::now().and_utc(),
                locked,
                k,
            );
            let content = serde_json::to_string(&publication)
                .map_err(|e| ApiError::internal_with("serialising a publication", e))?;
            let row = PublicationRow {
                period: publication.period.clone(),
                version,
                title: title.clone(),
                published_at: publication.published_at.naive_utc(),
                published_by: by.clone(),
                sha256: hex::encode(Sha256::digest(content.as_bytes())),
                content,
            };
            store::insert(conn, &row)?;
            audit::record(
                conn,
                actor,
                "publish",
                "publication",
                &format!("{}/{version}", row.period),
                None::<&()>,
                Some(&PublicationSummary::from(row.clone())),
            )?;
            Ok(row)
        });
        match result {
            // Another admin published the same period at the same moment.
            Err(ApiError::Conflict { .. }) if attempt < 3 => continue,
            other => return other,
        }
    }
}

/// Computes what a new version of a period's publication would hold now.
pub fn compute_publication(
    conn: &mut DbConn,
    req: &PublishRequest,
    k: i64,
    rule: PeriodRule,
) -> Result<Computed, ApiError> {
    let (period, specs) = check(req, rule)?;
    let people_of = tables::people_of(conn, &whole_period(&period))?;
    let mut memo = tables::Memo::default();
    let mut groups = Vec::new();
    // Per table: whether every real event of it is in exactly one row (its
    // additive measures then add up).
    let mut single_row: Vec<bool> = Vec::new();
    for (t, (spec, _, request)) in specs.iter().enumerate() {
        let members = members_of(conn, spec.analysis, request, &mut memo, &people_of)?;
        let mut in_rows: Vec<i64> = members
            .rows
            .iter()
            .flat_map(|r| r.events.iter().copied())
            .collect();
        let occurrences = in_rows.len();
        in_rows.sort_unstable();
        in_rows.dedup();
        let total = members.totals.events.len();
        single_row
            .push(!request.group_by.is_empty() && occurrences == total && in_rows.len() == total);
        for r in members.rows {
            groups.push(Group {
                table: t,
                total: false,
                members: r,
                known: None,
                analysis: spec.analysis,
            });
        }
        groups.push(Group {
            table: t,
            total: true,
            members: members.totals,
            known: None,
            analysis: spec.analysis,
        });
    }
    drop(people_of);
    // What readers already know joins the same system: every cell of every
    // stored version of an overlapping period.
    groups.extend(prior::known_groups(conn, &period, specs.len(), &mut memo)?);
    let cells = compute(&groups, &memo.figures, k);
    let units = unit_names(
        conn,
        groups
            .iter()
            .filter(|g| !g.total && g.table < specs.len())
            .map(|g| (&specs[g.table].2.group_by, &g.members.keys)),
    )?;
    let mut out_tables: Vec<PublishedTable> = Vec::new();
    let mut suppressed_cells = 0;
    let mut cells = cells.into_iter();
    for (t, (spec, name, request)) in specs.iter().enumerate() {
        let table_groups: Vec<&Group> = groups.iter().filter(|g| g.table == t).collect();
        let mut rows = Vec::new();
        let mut totals = None;
        for g in table_groups {
            let (mut values, mut suppressed) = cells
                .next()
                .ok_or_else(|| ApiError::internal("publication cells out of step"))?;
            if spec.analysis.counts_people() {
                // Only the people are published: the unique count's cell.
                let withheld = suppressed.iter().any(|m| m == "unique_participants");
                values = BTreeMap::from([(
                    "people".to_string(),
                    if withheld {
                        None
                    } else {
                        values.remove("unique_participants").flatten()
                    },
                )]);
                suppressed = if withheld {
                    vec!["people".to_string()]
                } else {
                    Vec::new()
                };
            }
            suppressed_cells += suppressed.len();
            let c = Cells { values, suppressed };
            if g.total {
                totals = Some(c);
            } else {
                rows.push(PublishedRow {
                    key: published_key(spec.analysis, &request.group_by, &g.members.keys, &units),
                    cells: c,
                });
            }
        }
        rows.sort_by_key(|r| sort_key(&r.key));
        let single = single_row[t];
        out_tables.push(PublishedTable {
            name: name.clone(),
            analysis: spec.analysis,
            measures: if spec.analysis.counts_people() {
                vec!["people".to_string()]
            } else {
                measure::published().map(|m| m.name.to_string()).collect()
            },
            group_by: request
                .group_by
                .iter()
                .map(|d| d.as_str().to_string())
                .collect(),
            filters: spec.filters.clone(),
            additive_measures: if single {
                measure::published()
                    .filter(|m| m.additive)
                    .map(|m| m.name.to_string())
                    .collect()
            } else {
                Vec::new()
            },
            rows,
            totals: totals.ok_or_else(|| ApiError::internal("a table without totals"))?,
        });
    }
    let agencies = agencies_named(conn, &out_tables)?;
    Ok(Computed {
        period,
        tables: out_tables,
        suppressed_cells,
        agencies,
    })
}

/// Version `version` of `period` (the latest when None): 404 when absent.
pub fn get(
    conn: &mut DbConn,
    period: &str,
    version: Option<i64>,
) -> Result<PublicationRow, ApiError> {
    let version = match version {
        Some(v) => v,
        None => store::latest_version(conn, period)?,
    };
    store::get(conn, period, version)?
        .ok_or_else(|| ApiError::NotFound(format!("no publication {period} version {version}")))
}

/// A stored publication, read back.
pub fn parse(row: &PublicationRow) -> Result<Publication, ApiError> {
    serde_json::from_str(&row.content)
        .map_err(|e| ApiError::internal_with("a stored publication", e))
}

/// Where a page of publications ends: (published_at, version, period).
pub type PublicationCursor = (chrono::NaiveDateTime, i64, String);

/// A page of publications, newest first; the cursor after it when more follow.
pub fn list(
    conn: &mut DbConn,
    period: Option<&str>,
    before: Option<PublicationCursor>,
    limit: i64,
) -> Result<(Vec<PublicationSummary>, Option<PublicationCursor>), ApiError> {
    let mut rows = store::page(conn, period, before, limit + 1)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| (r.published_at, r.version, r.period.clone()))
    } else {
        None
    };
    Ok((
        rows.into_iter().map(PublicationSummary::from).collect(),
        next,
    ))
}
