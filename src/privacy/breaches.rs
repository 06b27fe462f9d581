//! The breach log (Decree 356/2025/NĐ-CP; PRIVACY.md): an admin records a
//! personal-data breach when the operator learns of it; the service
//! computes the deadline to notify the authority (72 hours from detection)
//! and shows it until the notification is recorded, with the reason when it
//! came late. Nothing personal is recorded: a description, the categories
//! of data concerned and an estimated number of people.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::db::breaches::{self as table, BreachRow};
use crate::db::{DbConn, write_tx};
use crate::error::{ApiError, FieldError};

/// Hours from detection to notification (Decree 356/2025/NĐ-CP).
pub const NOTIFY_WITHIN_HOURS: i64 = 72;
/// The categories of data a breach may concern.
pub const CATEGORIES: [&str; 6] = [
    "citizen_id",
    "phone",
    "student_id",
    "accounts",
    "aggregates",
    "other",
];
const MAX_TEXT: usize = 2000;

/// The schema of `data_categories` in a request: 1 to 6 of [`CATEGORIES`].
fn categories_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(CATEGORIES)),
        )
        .min_items(Some(1))
        .max_items(Some(CATEGORIES.len()))
        .description(Some(
            "Categories of data concerned, at least one: `citizen_id`, `phone`, \
             `student_id` (children's data), `accounts`, `aggregates`, `other`.",
        ))
        .build()
}

/// A breach to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBreach {
    /// When the operator became aware of it (RFC 3339); not in the future.
    #[schema(format = DateTime, example = "2026-12-05T08:30:00+07:00")]
    pub detected_at: String,
    /// What happened (no personal data), 1-2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// Categories of data concerned, at least one: `citizen_id`, `phone`,
    /// `student_id` (children's data), `accounts`, `aggregates`, `other`.
    #[schema(schema_with = categories_schema)]
    pub data_categories: Vec<String>,
    /// About how many people it concerns.
    #[schema(minimum = 0)]
    pub subjects_estimate: Option<i64>,
    /// Measures taken or planned (up to 2000 characters).
    #[schema(max_length = 2000)]
    pub measures: Option<String>,
}

/// The notification of a breach to the authority.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// When it was sent (RFC 3339); not before the breach was detected, not in the future.
    #[schema(format = DateTime, example = "2026-12-07T16:00:00+07:00")]
    pub notified_at: String,
    /// To whom (the authority), 1-500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub notified_to: String,
    /// Its reference (document number), up to 200 characters.
    #[schema(max_length = 200)]
    pub reference: Option<String>,
    /// Why it came after `notify_by`: required then (the decree asks for
    /// the reason of a late notification), up to 2000 characters.
    #[schema(max_length = 2000)]
    pub late_reason: Option<String>,
}

/// A breach as recorded and listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Breach {
    /// Breach id (UUID).
    #[schema(format = Uuid)]
    pub id: String,
    /// When the operator became aware of it.
    pub detected_at: DateTime<Utc>,
    /// When it was recorded here, and by whom.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: String,
    /// What happened.
    pub description: String,
    /// Categories of data concerned.
    pub data_categories: Vec<String>,
    /// About how many people.
    pub subjects_estimate: Option<i64>,
    /// Measures taken.
    pub measures: Option<String>,
    /// The last moment to notify the authority: `detected_at` + 72 hours.
    pub notify_by: DateTime<Utc>,
    /// `open` (to notify), `notified` or `notified_late`.
    #[schema(value_type = String)]
    pub status: String,
    /// When the authority was notified.
    pub notified_at: Option<DateTime<Utc>>,
    /// To whom.
    pub notified_to: Option<String>,
    /// The notification's reference.
    pub reference: Option<String>,
    /// Why it came late.
    pub late_reason: Option<String>,
}

impl Breach {
    fn of(r: BreachRow) -> Self {
        let utc = |t: chrono::NaiveDateTime| t.and_utc();
        let status = match r.notified_at {
            None => "open",
            Some(at) if at > r.notify_by => "notified_late",
            Some(_) => "notified",
        };
        Breach {
            id: r.id,
            detected_at: utc(r.detected_at),
            recorded_at: utc(r.recorded_at),
            recorded_by: r.recorded_by,
            description: r.description,
            data_categories: r.data_categories.split(',').map(str::to_string).collect(),
            subjects_estimate: r.subjects_estimate,
            measures: r.measures,
            notify_by: utc(r.notify_by),
            status: status.into(),
            notified_at: r.notified_at.map(utc),
            notified_to: r.notified_to,
            reference: r.notification_ref,
            late_reason: r.late_reason,
        }
    }
}

/// A free-text field, trimmed: required when `min` > 0, at most `max`
/// characters, and holding no identifier (the rule of a request's note: no
/// run of 9 or more digits), since the log holds no personal data.
fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: Option<&str>,
    min: usize,
    max: usize,
) -> Option<String> {
    let v = v.map(str::trim).filter(|v| !v.is_empty());
    match v {
        None if min > 0 => errors.push(FieldError::new(
            field,
            format!("required, 1 to {max} characters"),
        )),
        Some(v) if v.chars().count() > max => {
            errors.push(FieldError::new(field, format!("at most {max} characters")))
        }
        Some(v) if super::input::holds_a_number(v) => errors.push(FieldError::new(
            field,
            "must hold no identifier: no run of 9 or more digits",
        )),
        _ => {}
    }
    v.map(str::to_string)
}

/// A time as sent (RFC 3339), not in the future (a few minutes of clock
/// difference allowed); `None` (and an error recorded) otherwise.
fn moment(errors: &mut Vec<FieldError>, field: &str, text: &str) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(text.trim()) {
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "an RFC 3339 time, e.g. 2026-12-05T08:30:00+07:00",
            ));
            None
        }
        Ok(t) if t.with_timezone(&Utc) > Utc::now() + Duration::minutes(5) => {
            errors.push(FieldError::new(field, "must not be in the future"));
            None
        }
        Ok(t) => Some(t.with_timezone(&Utc)),
    }
}

/// Records a breach (admin) and its deadline to notify.
pub fn record(conn: &mut DbConn, actor: &Actor, new: &NewBreach) -> Result<Breach, ApiError> {
    let mut errors = Vec::new();
    let detected = moment(&mut errors, "detected_at", &new.detected_at);
    let description = text(
        &mut errors,
        "description",
        Some(&new.description),
        1,
        MAX_TEXT,
    );
    let measures = text(
        &mut errors,
        "measures",
        new.measures.as_deref(),
        0,
        MAX_TEXT,
    );
    let mut categories: Vec<&str> = Vec::new();
    for (i, c) in new.data_categories.iter().enumerate() {
        match CATEGORIES.iter().find(|k| **k == c.as_str()) {
            Some(k) if !categories.contains(k) => categories.push(k),
            Some(_) => errors.push(FieldError::new(
                format!("data_categories[{i}]"),
                "named twice",
            )),
            None => errors.push(FieldError::new(
                format!("data_categories[{i}]"),
                format!("one of {}", CATEGORIES.join(", ")),
            )),
        }
    }
    if new.data_categories.is_empty() {
        errors.push(FieldError::new("data_categories", "at least one category"));
    }
    if new.subjects_estimate.is_some_and(|n| n < 0) {
        errors.push(FieldError::new("subjects_estimate", "must be 0 or more"));
    }
    let Some(detected) = detected
        .filter(|_| errors.is_empty())
        .map(|d| d.naive_utc())
    else {
        return Err(ApiError::validation(errors));
    };
    let row = BreachRow {
        seq: 0,
        id: uuid::Uuid::new_v4().to_string(),
        detected_at: detected,
        recorded_at: crate::db::now(),
        recorded_by: actor.name(),
        description: description.unwrap_or_default(),
        data_categories: categories.join(","),
        subjects_estimate: new.subjects_estimate,
        measures,
        notify_by: detected + Duration::hours(NOTIFY_WITHIN_HOURS),
        notified_at: None,
        notified_to: None,
        notification_ref: None,
        late_reason: None,
    };
    write_tx(conn, |conn| {
        let stored = Breach::of(table::insert(conn, &row)?);
        audit::record(
            conn,
            actor,
            "create",
            "privacy_breach",
            &stored.id,
            None::<&Breach>,
            Some(&stored),
        )?;
        Ok(stored)
    })
}

/// Records that breach `id` was notified; a notification after
/// `notify_by` needs its reason. A breach is notified once (409 after).
pub fn notify(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    n: &Notification,
) -> Result<Breach, ApiError> {
    write_tx(conn, |conn| {
        let row =
            table::by_id(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("no breach {id}")))?;
        if row.notified_at.is_some() {
            return Err(ApiError::Conflict {
                detail: format!("breach {id} was notified already"),
                existing_id: None,
            });
        }
        let mut errors = Vec::new();
        let at = moment(&mut errors, "notified_at", &n.notified_at).map(|t| t.naive_utc());
        if at.is_some_and(|at| at < row.detected_at) {
            errors.push(FieldError::new(
                "notified_at",
                "must not be before the breach was detected",
            ));
        }
        let to = text(&mut errors, "notified_to", Some(&n.notified_to), 1, 500);
        let reference = text(&mut errors, "reference", n.reference.as_deref(), 0, 200);
        let late = text(
            &mut errors,
            "late_reason",
            n.late_reason.as_deref(),
            0,
            MAX_TEXT,
        );
        if at.is_some_and(|at| at > row.notify_by) && late.is_none() {
            errors.push(FieldError::new(
                "late_reason",
                "required: the notification comes after notify_by (72 hours from detection)",
            ));
        }
        let Some(at) = at.filter(|_| errors.is_empty()) else {
            return Err(ApiError::validation(errors));
        };
        let before = Breach::of(row.clone());
        table::notified(
            conn,
            row.seq,
            at,
            to.as_deref().unwrap_or_default(),
            reference.as_deref(),
            late.as_deref(),
        )?;
        let after = Breach::of(
            table::by_id(conn, id)?.ok_or_else(|| ApiError::internal("a breach went away"))?,
        );
        audit::record(
            conn,
            actor,
            "notify",
            "privacy_breach",
            id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// Breaches newest first, after `before`; the cursor of the next page.
pub fn list(
    conn: &mut DbConn,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<Breach>, Option<i64>), ApiError> {
    let mut rows = table::page(conn, before, limit + 1)?;
    let next = (rows.len() as i64 > limit).then(|| rows[limit as usize - 1].seq);
    rows.truncate(limit as usize);
    Ok((rows.into_iter().map(Breach::of).collect(), next))
}

/// One breach.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Breach, ApiError> {
    table::by_id(conn, id)?
        .map(Breach::of)
        .ok_or_else(|| ApiError::NotFound(format!("no breach {id}")))
}
