//! Administrative areas: any valid token searches and reads them; admins add
//! units and import lists (`text/csv`), all or nothing.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, IntoResponses};

use crate::areas::{self, Area, AreaDetail, AreaFilter, AreaPage, ImportSummary, Level, NewArea};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::Principal;
use crate::http::extract::{JsonBody, QueryParams, RawBody};
use crate::http::{AuthErrors, BodyErrors, NotFound, page_size, with_conn};
use crate::state::AppState;

/// Filters and paging of the area list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AreaQuery {
    /// Code of a unit: only its direct children (the parent is resolved on `on`).
    #[param(min_length = 1)]
    pub parent: Option<String>,
    /// Only units of this level.
    #[param(value_type = Option<Level>)]
    pub level: Option<String>,
    /// Text contained in the name, ignoring case and Vietnamese accents
    /// ("cho moi" and "CHỢ MỚI" both find "Huyện Chợ Mới"; "đ" matches "d").
    #[param(min_length = 1)]
    pub q: Option<String>,
    /// Units valid on this day, `YYYY-MM-DD` (default: today).
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
    /// Page size, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// The date a unit is looked up on.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// The unit valid on this day, `YYYY-MM-DD` (default: today).
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

/// The period of an imported list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// First day the file's units are valid, `YYYY-MM-DD` (absent: open).
    #[param(value_type = Option<NaiveDate>)]
    pub valid_from: Option<String>,
    /// Last day the file's units are valid, `YYYY-MM-DD` (absent: open).
    /// At least one of the two is required.
    #[param(value_type = Option<NaiveDate>)]
    pub valid_until: Option<String>,
}

/// Errors of an import with a `text/csv` body.
#[expect(
    dead_code,
    reason = "documents responses in the OpenAPI document; never constructed"
)]
#[derive(IntoResponses)]
pub enum CsvBodyErrors {
    /// The body is not UTF-8.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// The body is larger than the configured limit.
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// The body is not `text/csv`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Nothing was imported: `errors` lists every bad row as
    /// `{"field": "line N", "message": reason}` (the header is line 1), or
    /// the bad query parameter.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// Parses an optional `YYYY-MM-DD` parameter, recording a problem under its name.
fn date_param(errors: &mut Vec<FieldError>, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let v = value?.trim();
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => match crate::domain::calendar::check_day(d) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError::new(field, e));
                None
            }
        },
        Err(_) => {
            errors.push(FieldError::new(field, "must be a date YYYY-MM-DD"));
            None
        }
    }
}

/// Parses an optional level (any case; empty: none), recording a problem under `level`.
fn level_param(errors: &mut Vec<FieldError>, value: Option<&str>) -> Option<Level> {
    let v = value?.trim();
    if v.is_empty() {
        return None;
    }
    let parsed = Level::parse(&v.to_ascii_lowercase());
    if parsed.is_none() {
        errors.push(FieldError::new(
            "level",
            "must be province, district, commune or village",
        ));
    }
    parsed
}

fn csv_text(body: &RawBody) -> Result<String, ApiError> {
    String::from_utf8(body.0.to_vec())
        .map_err(|_| ApiError::field("body", "the CSV must be UTF-8 text"))
}

/// Search units valid on a date (default today), by code, with cursor
/// pagination: by parent, level, and accent-insensitive name.
#[utoipa::path(operation_id = "areas_list", tag = "areas", security(("bearer" = [])), params(AreaQuery),
    responses((status = 200, description = "A page of units", body = AreaPage), AuthErrors,
        (status = 422, description = "Invalid filter (a bad date or level, or a parent that is unknown or not valid on `on`)",
         body = Problem, content_type = "application/problem+json")))]
#[get("/areas")]
pub async fn list(
    state: web::Data<AppState>,
    _who: Principal,
    q: QueryParams<AreaQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let mut errors = Vec::new();
    let on = date_param(&mut errors, "on", q.on.as_deref())
        .unwrap_or_else(crate::domain::calendar::today);
    let level = level_param(&mut errors, q.level.as_deref());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let filter = AreaFilter {
        on,
        parent_code: q
            .parent
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        level,
        folded_query: q
            .q
            .as_deref()
            .map(|t| areas::fold(t.trim()))
            .filter(|t| !t.is_empty()),
        after_code: q.cursor,
    };
    let limit = page_size(q.limit, 100)?;
    let page = with_conn(&state, move |c| areas::page(c, &filter, limit)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Import a list of units (admin), all valid in `valid_from..=valid_until`:
/// a `text/csv` body with the header `code,name,level,parent_code`. New units
/// are added; units with the same code and `valid_from` are updated when
/// their name, parent or end date differ, so re-importing a file changes
/// nothing. All or nothing: one bad row and nothing is written.
#[utoipa::path(operation_id = "areas_import", tag = "areas", security(("bearer" = [])), params(ImportQuery),
    request_body(content((String = "text/csv"), (Vec<u8> = "application/octet-stream")),
        description = "`code,name,level,parent_code` (UTF-8 CSV, as `text/csv` or as a file upload, `application/octet-stream`); a parent is in the file or stored and valid throughout the period"),
    responses((status = 200, description = "Imported", body = ImportSummary), AuthErrors, CsvBodyErrors))]
#[post("/areas/import")]
pub async fn import(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ImportQuery>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let mut errors = Vec::new();
    let from = date_param(&mut errors, "valid_from", q.0.valid_from.as_deref());
    let until = date_param(&mut errors, "valid_until", q.0.valid_until.as_deref());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let text = csv_text(&body)?;
    let actor = who.actor();
    let summary = with_conn(&state, move |c| {
        areas::import_units(c, &text, from, until, &actor, &|_, _| {})
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Import successors (admin): a `text/csv` body with the header
/// `old_code,new_code,default`. `old_code` names the most recently retired
/// unit with that code, `new_code` the unit valid on the day after it was
/// retired; an old unit with several successors marks one `default` 1. The
/// file's rows for an old unit replace its stored links. Successors of
/// retired provinces and districts are then derived from their communes'
/// (default: the unit that received most of their communes). All or nothing.
#[utoipa::path(operation_id = "areas_import_successors", tag = "areas", security(("bearer" = [])),
    request_body(content((String = "text/csv"), (Vec<u8> = "application/octet-stream")),
        description = "`old_code,new_code,default` (UTF-8 CSV, as `text/csv` or as a file upload, `application/octet-stream`)"),
    responses((status = 200, description = "Imported", body = ImportSummary), AuthErrors, CsvBodyErrors))]
#[post("/areas/successors/import")]
pub async fn import_successors(
    state: web::Data<AppState>,
    who: Principal,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let text = csv_text(&body)?;
    let actor = who.actor();
    let summary = with_conn(&state, move |c| {
        areas::import_successors(c, &text, &actor, &|_, _| {})
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Add a unit (admin), e.g. a village under a commune. The parent is resolved
/// on `valid_from` (or today); omitted dates are the parent's.
#[utoipa::path(operation_id = "areas_create", tag = "areas", security(("bearer" = [])), request_body = NewArea,
    responses(
        (status = 201, description = "Created", body = Area,
         headers(("Location" = String, description = "URL of the new unit"))),
        (status = 409, description = "The code already names a unit from the same day",
         body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors))]
#[post("/areas")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<NewArea>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let actor = who.actor();
    let area = with_conn(&state, move |c| areas::create_area(c, &actor, &body.0)).await?;
    let location = match area.valid_from {
        Some(d) => format!("/api/v1/areas/{}?on={d}", area.code),
        None => format!("/api/v1/areas/{}", area.code),
    };
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .json(area))
}

/// One unit by its code on a date (default today): with its ancestors up to
/// the province, its successors (once retired), its predecessors, and the
/// unit valid today it maps to. 404 when the code is unknown, or when it
/// names no unit on that date (the detail says in which periods it does).
#[utoipa::path(operation_id = "areas_get", tag = "areas", security(("bearer" = [])), params(
        ("code" = String, Path, description = "Official code, e.g. `893`"), OnQuery),
    responses((status = 200, description = "The unit", body = AreaDetail), AuthErrors, NotFound,
        (status = 422, description = "Invalid date", body = Problem, content_type = "application/problem+json")))]
#[get("/areas/{code}")]
pub async fn get(
    state: web::Data<AppState>,
    _who: Principal,
    code: web::Path<String>,
    q: QueryParams<OnQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let on = date_param(&mut errors, "on", q.0.on.as_deref())
        .unwrap_or_else(crate::domain::calendar::today);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let code = code.into_inner();
    let detail = with_conn(&state, move |c| areas::detail_on(c, &code, on)).await?;
    Ok(HttpResponse::Ok().json(detail))
}
