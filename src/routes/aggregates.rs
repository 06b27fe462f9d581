//! `GET /api/v1/aggregates`: deduplicated counts for dashboards, as JSON, CSV or a workbook.

use std::str::FromStr;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::aggregates::drill::{self, Drill, DrillPage, RowKeys};
use crate::aggregates::view::AggregateAnswer;
use crate::aggregates::{self, Engine, GroupBy, Request};
use crate::auth::Role;
use crate::domain::Lang;
use crate::domain::calendar::PeriodRule;
use crate::error::{ApiError, Problem};
use crate::http::Principal;
use crate::http::extract::{QueryParams, given};
use crate::http::{AuthErrors, cursor, page_size, with_conn};
use crate::state::AppState;

super::slice::slice_query! {
    /// Slice, grouping and format.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct AggregateQuery {
        /// Comma-separated dimensions (at most 4): `agency`, `kind`, `topic`,
        /// `target_group`, `area:province`, `area:district`, `area:commune`,
        /// `period:month`, `period:quarter`, `period:year`. Absent: totals only.
        #[param(min_length = 1)]
        pub group_by: Option<String>,
        /// Kept for existing callers of `GET /api/v1/aggregates`: `csv` (or
        /// `Accept: text/csv`) answers CSV there. Documented clients use
        /// `GET /api/v1/aggregates.csv`.
        #[param(ignore)]
        pub format: Option<String>,
        /// With CSV: add a second header line of HXL hashtags (documented on
        /// `GET /api/v1/aggregates.csv`).
        #[param(ignore)]
        pub hxl: Option<bool>,
    }
}

super::slice::slice_query! {
    /// Slice, grouping and language of a workbook.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct WorkbookQuery {
        /// Comma-separated dimensions, as `GET /api/v1/aggregates`.
        #[param(min_length = 1)]
        pub group_by: Option<String>,
        /// `vi` (default) or `en`: headers and names.
        #[param(value_type = Option<String>, pattern = "^(vi|en)$")]
        pub lang: Option<String>,
    }
}

super::slice::slice_query! {
    /// The slice and one row's keys.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct DrillQuery {
        /// The row's `province` key (a province code).
        #[param(min_length = 1)]
        pub province: Option<String>,
        /// The row's `district` key.
        #[param(min_length = 1)]
        pub district: Option<String>,
        /// The row's `commune` key.
        #[param(min_length = 1)]
        pub commune: Option<String>,
        /// The row's `province_name`: picks the unit when several carried
        /// the row's code (before and after the 2025 reform).
        #[param(min_length = 1)]
        pub province_name: Option<String>,
        /// The row's `district_name` (likewise).
        #[param(min_length = 1)]
        pub district_name: Option<String>,
        /// The row's `commune_name` (likewise).
        #[param(min_length = 1)]
        pub commune_name: Option<String>,
        /// The row's `period` key: `2025-07`, `2025-Q3` or `2025`.
        #[param(min_length = 1)]
        pub period: Option<String>,
        /// Real events per page, 1-500 (default 100; outside that range: 422).
        #[param(minimum = 1, maximum = 500)]
        pub limit: Option<i64>,
        /// `next_cursor` of the previous page.
        #[param(min_length = 1)]
        pub cursor: Option<String>,
    }
}

/// How the answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    /// A workbook for people, in this language.
    Xlsx(Lang),
    /// The workbook's table as CSV with a byte-order mark, for people.
    PeopleCsv(Lang),
}

impl FromStr for Format {
    type Err = ApiError;

    /// Parses the `format` parameter.
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            _ => Err(ApiError::field("format", "must be json or csv")),
        }
    }
}

/// The query, parsed.
struct Parsed {
    request: Request,
    format: Format,
    hxl: bool,
}

impl AggregateQuery {
    /// Parses the query; `accept_csv`: the `Accept` header asks for CSV.
    /// The checks run in a fixed order: a query with several problems
    /// reports the first.
    fn parse(mut self, accept_csv: bool, rule: PeriodRule) -> Result<Parsed, ApiError> {
        let group_by = GroupBy::parse(given(self.group_by.take()).as_deref())?;
        let filters = self.filters()?;
        let format = match self.format.as_deref() {
            None if accept_csv => Format::Csv,
            None => Format::Json,
            Some(f) => f.parse()?,
        };
        Ok(Parsed {
            request: Request {
                filters,
                group_by,
                rule,
            },
            format,
            hxl: self.hxl.unwrap_or(false),
        })
    }
}

/// Deduplicated aggregates (viewer, agency and admin tokens). An agency
/// token's answer covers only the real events it reports or confirmed
/// co-organising (`meta.filters.scope` names it); viewer and admin tokens
/// see the whole province.
///
/// Measures, for every row and for the totals:
/// - `events`: distinct real events; reports linked as the same event count once;
/// - `attendances`: person-times ("lượt người"), the sum of the events' attendance
///   totals (for linked reports, the largest reported); `female_`, `male_`,
///   `under_18_attendances` where reported;
/// - `identified_attendances`: attendances backed by a participant identifier;
/// - `unique_participants`: distinct identified people ("người") over the row's
///   events: a person at three events counts once;
/// - `reach_min` = max(unique_participants, largest event's total) and
///   `reach_max` = unique_participants + (attendances - identified_attendances):
///   bounds on how many different people were reached;
/// - `first_time_participants`: people of the row first reached in the
///   row's period (its `period` key, else `from`..`to`), judged over their
///   attendances at any date at real events matching the other filters;
/// - `cumulative_participants` (with a period grouping): distinct people of
///   the row's other keys from `from` through the end of the row's period.
///
/// A joint event appears in each organising agency's row when grouping by
/// agency, and once everywhere else. Totals are computed over the whole
/// slice, never by summing rows. The same answer as CSV:
/// `GET /api/v1/aggregates.csv`.
#[utoipa::path(operation_id = "aggregates_query", tag = "aggregates", security(("bearer" = [])), params(AggregateQuery),
    responses(
        (status = 200, description = "Rows, totals and their meaning", body = AggregateAnswer),
        (status = 422, description = "Invalid filter or grouping", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/aggregates")]
pub async fn query(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<AggregateQuery>,
) -> Result<HttpResponse, ApiError> {
    who.forbid_public()?;
    let accept_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    let parsed = q.0.parse(accept_csv, state.settings.period_rule)?;
    let csv = parsed.format == Format::Csv;
    let mut resp = answer(state, who, parsed).await?;
    if csv {
        // CSV here is deprecated (README, "Versioning"): the answer says
        // so, when it goes, and where to go instead.
        let h = resp.headers_mut();
        for (name, value) in DEPRECATED_CSV {
            h.insert(
                header::HeaderName::from_static(name),
                header::HeaderValue::from_static(value),
            );
        }
    }
    Ok(resp)
}

/// The headers of a CSV answer from `GET /api/v1/aggregates` (`format=csv`
/// or `Accept: text/csv`): deprecated since 0.3.0 (RFC 9745), gone after
/// its sunset (RFC 8594); `GET /api/v1/aggregates.csv` is the successor.
const DEPRECATED_CSV: [(&str, &str); 3] = [
    ("deprecation", "@1796515200"),
    ("sunset", "Wed, 30 Jun 2027 00:00:00 GMT"),
    (
        "link",
        "</api/v1/aggregates.csv>; rel=\"successor-version\"",
    ),
];

/// The aggregates as CSV that cannot double count: a `row_type` column
/// (`row` for each row, then one `total` line whose first key column says
/// `TOTAL`: the totals over the whole slice, never a sum of rows), the keys
/// (with a name column per area key), the measures, and `additive_measures` (on the totals line, `;`-separated: the
/// measures whose rows do add up to the totals in this answer). Text that a
/// spreadsheet would run as a formula is prefixed with `'`. Readable by
/// `pandas.read_csv` as is; `hxl=true` is the HXL variant, with a second
/// header line of HXL hashtags for HXL tools. Same parameters and rules as
/// `GET /api/v1/aggregates`.
#[utoipa::path(operation_id = "aggregates_query_csv", tag = "aggregates", security(("bearer" = [])),
    params(AggregateQuery, ("hxl" = Option<bool>, Query, description = "Add a second header line of HXL hashtags (the HXL variant)")),
    responses(
        (status = 200, description = "Rows and a totals line", body = String, content_type = "text/csv"),
        (status = 422, description = "Invalid filter or grouping", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/aggregates.csv")]
pub async fn query_csv(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<AggregateQuery>,
) -> Result<HttpResponse, ApiError> {
    who.forbid_public()?;
    if q.0.format.is_some() {
        return Err(ApiError::field(
            "format",
            "not a parameter here: this operation always answers CSV",
        ));
    }
    let mut parsed = q.0.parse(true, state.settings.period_rule)?;
    parsed.format = Format::Csv;
    answer(state, who, parsed).await
}

/// The aggregates as a workbook for people: Vietnamese headers (`lang=en`:
/// English), each key's name and code in columns of their own (agency
/// names, the vocabularies' names, unit names, "Quý III/2024"), the
/// measures, then the total without double counting (never a sum of the
/// rows); a second sheet says what the figures cover. Same parameters and
/// rules as `GET /api/v1/aggregates`; programs read the CSV or JSON.
#[utoipa::path(operation_id = "aggregates_query_xlsx", tag = "aggregates", security(("bearer" = [])),
    params(WorkbookQuery),
    responses(
        (status = 200, description = "A workbook", body = Vec<u8>,
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 422, description = "Invalid filter, grouping or language", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/aggregates.xlsx")]
pub async fn query_xlsx(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<WorkbookQuery>,
) -> Result<HttpResponse, ApiError> {
    for_people(state, who, q.0, Format::Xlsx).await
}

/// The workbook's table as CSV for people (the dashboard's CSV download):
/// UTF-8 with a byte-order mark, so that Excel on Windows shows the
/// diacritics; Vietnamese headers (`lang=en`: English), each key's name
/// and code, the measures, the total without double counting, then what
/// the figures cover. Same parameters as `GET /api/v1/aggregates.xlsx`.
/// Programs read `GET /api/v1/aggregates.csv`, which stays as it is.
#[utoipa::path(operation_id = "aggregates_query_people_csv", tag = "aggregates", security(("bearer" = [])),
    params(WorkbookQuery),
    responses(
        (status = 200, description = "CSV with a byte-order mark", body = String, content_type = "text/csv"),
        (status = 422, description = "Invalid filter, grouping or language", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/aggregates/people.csv")]
pub async fn query_people_csv(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<WorkbookQuery>,
) -> Result<HttpResponse, ApiError> {
    for_people(state, who, q.0, Format::PeopleCsv).await
}

/// A table for people, in the language the query asks.
async fn for_people(
    state: web::Data<AppState>,
    who: Principal,
    mut q: WorkbookQuery,
    format: fn(Lang) -> Format,
) -> Result<HttpResponse, ApiError> {
    who.forbid_public()?;
    let lang = match q.lang.as_deref() {
        None | Some("vi") => Lang::Vi,
        Some("en") => Lang::En,
        Some(_) => return Err(ApiError::field("lang", "must be vi or en")),
    };
    let group_by = GroupBy::parse(given(q.group_by.take()).as_deref())?;
    let filters = q.filters()?;
    let parsed = Parsed {
        request: Request {
            filters,
            group_by,
            rule: state.settings.period_rule,
        },
        format: format(lang),
        hxl: false,
    };
    answer(state, who, parsed).await
}

/// What an answer covers, in words, for the workbook's notes sheet.
fn covers(f: &aggregates::Filters, rule: PeriodRule, lang: Lang) -> Vec<String> {
    let vi = lang == Lang::Vi;
    let mut out = vec![format!(
        "{}: {}",
        if vi { "Kỳ" } else { "Period" },
        crate::reports::period::words(f.from, f.to, rule, lang)
    )];
    let mut add = |vi_word: &str, en_word: &str, value: String| {
        out.push(format!("{}: {value}", if vi { vi_word } else { en_word }));
    };
    if let Some(a) = &f.area {
        add("Mã đơn vị hành chính", "Area code", a.clone());
    }
    if !f.agency.is_empty() {
        add("Cơ quan", "Agencies", f.agency.join(", "));
    }
    if let Some(scope) = &f.scope {
        add("Hoạt động của đơn vị", "Own activities of", scope.clone());
    }
    if let Some(k) = f.kind {
        add(
            "Loại hoạt động",
            "Kind",
            crate::domain::names::kind(k).into(),
        );
    }
    if let Some(t) = f.topic {
        add("Chủ đề", "Topic", crate::domain::names::topic(t).into());
    }
    if let Some(g) = f.target_group {
        add(
            "Đối tượng",
            "Target group",
            crate::domain::names::target_group(g).into(),
        );
    }
    out
}

/// The real events behind one row of an aggregate answer, and their
/// reports: pass the answer's filters and the row's keys (`agency`, `kind`,
/// `topic` and `target_group` keys as those filters; `province`,
/// `district`, `commune` and `period` as themselves). Each event carries
/// its figures as the row counts them (a real event's headcounts are the
/// largest of its reports'), and `totals` over every page equal the row's
/// `events`, `attendances`, sex and age attendances and
/// `identified_attendances`. Admins see every report; an agency token's
/// slice is its own events (as in its aggregates), and it sees its own
/// reports and those it confirmed co-organising (`hidden_reports` counts
/// the others). An area key names every unit that carried its code unless
/// the row's `*_name` is passed too. Dashboard and public tokens: 403 (they read figures, not
/// records). A row whose key is null (no district) cannot be selected by
/// that key.
#[utoipa::path(operation_id = "aggregates_events", tag = "aggregates", security(("bearer" = [])), params(DrillQuery),
    responses(
        (status = 200, description = "A page of the row's real events, and its totals", body = DrillPage),
        (status = 422, description = "Invalid filter, key or cursor", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/aggregates/events")]
pub async fn events(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<DrillQuery>,
) -> Result<HttpResponse, ApiError> {
    let reader = super::reader(&who)?;
    let mut q = q.0;
    let mut filters = q.filters()?;
    filters.scope = reader.scope().map(str::to_string);
    super::slice::scope_area(&state, &who, &mut filters.area).await?;
    let keys = RowKeys {
        province: given(q.province),
        district: given(q.district),
        commune: given(q.commune),
        period: given(q.period),
        names: [
            given(q.province_name),
            given(q.district_name),
            given(q.commune_name),
        ],
    };
    let after = given(q.cursor)
        .as_deref()
        .map(cursor::decode::<1>)
        .transpose()?
        .map(|[g]| g);
    let limit = page_size(q.limit, 100)?;
    let drill = Drill {
        filters,
        keys,
        rule: state.settings.period_rule,
    };
    let (items, totals, next) = with_conn(&state, move |c| {
        drill::events(c, &reader, &drill, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DrillPage {
        items,
        totals,
        next_cursor: next.map(|g| cursor::encode([g])),
    }))
}

/// Answers with at most this many rows are written on the async worker
/// that received the request, larger ones on the blocking pool.
const WRITE_HERE_UP_TO: usize = 1_000;

/// The cells of an answer of `rows` rows (plus totals) grouped by `keys`
/// keys; refused over `max` (`ANSWER_CELLS_MAX`): written out, it could
/// take hundreds of megabytes. The 422 says how to narrow the request.
fn within_budget(rows: usize, keys: usize, max: usize) -> Result<usize, ApiError> {
    let columns = keys + aggregates::measure::MEASURES.len();
    let cells = (rows + 1).saturating_mul(columns);
    if cells <= max {
        return Ok(cells);
    }
    Err(ApiError::field(
        "group_by",
        format!(
            "this answer would have {cells} cells ({rows} rows x {columns} columns), over the limit of {max}; \
             narrow it: a shorter period (from, to), one area (area), fewer group_by keys, or coarser ones \
             (area:district instead of area:commune, period:quarter instead of period:month)"
        ),
    ))
}

/// Computes a parsed request for `who` and writes it as JSON or CSV.
async fn answer(
    state: web::Data<AppState>,
    who: Principal,
    parsed: Parsed,
) -> Result<HttpResponse, ApiError> {
    let Parsed {
        request,
        format,
        hxl,
    } = parsed;
    let mut request = request;
    if who.role == Role::Agency {
        // An agency sees only its own (and confirmed joint) events: no
        // membership oracle through its own writes.
        request.filters.scope = who.agency.clone();
    }
    super::slice::scope_area(&state, &who, &mut request.filters.area).await?;
    // One of the places for heavy answers, held until the client has read
    // the answer.
    let place = state.heavy.enter(&who.jti).await?;
    let started = std::time::Instant::now();
    let (answer, engine, locked) = {
        let request = request.clone();
        let reach = state.reach.clone();
        with_conn(&state, move |c| {
            let locked = crate::periods::Locks::load(c)?
                .overlapping(request.filters.from, request.filters.to);
            match reach.answer(c, &request)? {
                Some(answer) => Ok((answer, Engine::Index, locked)),
                None => Ok((
                    Arc::new(aggregates::compute(c, &request)?),
                    Engine::Sql,
                    locked,
                )),
            }
        })
        .await?
    };
    state.metrics.observe_aggregate(
        engine.as_str(),
        match format {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx(_) => "xlsx",
            Format::PeopleCsv(_) => "people-csv",
        },
        started.elapsed(),
    );
    let cells = within_budget(
        answer.rows.len(),
        request.group_by.len(),
        state.settings.answer_cells_max,
    )?;
    // Its cells, from the budget of answers being written at once, held
    // with the place until the client has read the answer.
    let place = place.with(state.cells.take(cells).await?);
    // A large answer is written on the blocking pool (it takes a while); a
    // small one here, where the hop to the pool would cost more than the
    // writing.
    let here = answer.rows.len() <= WRITE_HERE_UP_TO;
    if format == Format::Csv {
        let write = move || {
            let additive = answer.additive_measures(!request.group_by.is_empty());
            aggregates::csv::to_csv(&request.group_by, &answer, &additive, hxl)
        };
        let body = if here {
            write()?
        } else {
            web::block(write).await??
        };
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(place.hold(body)));
    }
    if let Format::Xlsx(lang) | Format::PeopleCsv(lang) = format {
        let agencies: Vec<(String, String, String)> = with_conn(&state, crate::agencies::list)
            .await?
            .into_iter()
            .map(|a| (a.code, a.name, a.name_en))
            .collect();
        let body = web::block(move || {
            let covers = covers(&request.filters, request.rule, lang);
            let table = aggregates::people::people_table(
                &request.group_by,
                &answer,
                &agencies,
                &covers,
                lang,
            );
            match format {
                Format::PeopleCsv(_) => aggregates::people::to_people_csv(&table),
                _ => aggregates::people::to_xlsx(&table),
            }
        })
        .await??;
        let (content_type, name) = match format {
            Format::PeopleCsv(_) => ("text/csv; charset=utf-8", "so-lieu.csv"),
            _ => (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "so-lieu.xlsx",
            ),
        };
        return Ok(HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .body(place.hold(body)));
    }
    let write = move || aggregates::view::to_json_parts(&request, &answer, engine, &locked);
    let body = if here {
        write()
    } else {
        web::block(write).await?
    }
    .map_err(|e| ApiError::internal_with("writing an aggregate answer", e))?;
    Ok(HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(place.hold_parts(body.into_iter().map(Into::into).collect())))
}
