//! Recording outreach events: request validation into a [`ValidEvent`],
//! idempotent create / upsert / replace / soft delete, and batches.
//!
//! Raw participant identifiers exist only inside [`validate`]: they are
//! normalised, turned into keyed hashes, and dropped. The stored content
//! hash covers the keys, never the raw values.

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::db::agencies;
use crate::db::events::{self as table, EventIdentity, EventRow, EventSets, EventValues};
use crate::db::{DbConn, write_tx};
use crate::domain::{IdType, Kind, Pseudonymizer, TargetGroup, Topic, normalize_identifier};
use crate::error::{ApiError, FieldError};

/// Most identified participants in one event.
pub const MAX_PARTICIPANTS: usize = 10_000;

/// Headcounts of an event.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    /// Number of people present (required; at least the number of distinct identified participants).
    pub total: Option<i64>,
    /// Women and girls present (`female + male <= total`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub female: Option<i64>,
    /// Men and boys present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub male: Option<i64>,
    /// People under 18 present (`<= total`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under_18: Option<i64>,
}

/// One identified participant. The value is normalised, replaced by a keyed
/// hash, and never stored, logged or returned.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// How the value identifies the person.
    #[schema(value_type = IdType)]
    pub id_type: String,
    /// The identifier (citizen id, phone, student id, or the agency's own reference).
    pub value: String,
}

/// An event as an agency reports it. The agency comes from the token; unknown
/// fields are rejected.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// The agency's own id for the event (1-128 characters), unique per agency:
    /// the idempotency key.
    pub external_id: Option<String>,
    /// What kind of outreach it was.
    #[schema(value_type = Kind)]
    pub kind: Option<String>,
    /// Title, 1-300 characters.
    pub title: Option<String>,
    /// Free text, up to 5,000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// A non-empty set of topics.
    #[schema(value_type = Vec<Topic>)]
    pub topics: Option<Vec<String>>,
    /// First day (ISO date, Vietnam's calendar); not before 2000-01-01, not after tomorrow.
    #[schema(value_type = String, format = Date, example = "2024-03-08")]
    pub start_date: Option<String>,
    /// Last day; not before `start_date`.
    #[schema(value_type = String, format = Date, example = "2024-03-08")]
    pub end_date: Option<String>,
    /// Official code of the administrative unit where it took place, valid on `start_date`.
    pub area_code: Option<String>,
    /// Codes of other active agencies that ran the event jointly.
    #[serde(default)]
    pub co_organizers: Vec<String>,
    /// Who the event addressed.
    #[serde(default)]
    #[schema(value_type = Vec<TargetGroup>)]
    pub target_groups: Vec<String>,
    /// Headcounts.
    pub attendance: Option<Attendance>,
    /// Identified participants (at most 10,000). Repeats count once.
    #[serde(default)]
    pub participants: Vec<ParticipantInput>,
}

/// A request that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidEvent {
    /// Agency's own id.
    pub external_id: String,
    /// Kind.
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Topics.
    pub topics: BTreeSet<Topic>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Area code as given.
    pub area_code: String,
    /// Co-organisers.
    pub co_organizers: BTreeSet<String>,
    /// Target groups.
    pub target_groups: BTreeSet<TargetGroup>,
    /// Headcounts (`total` present).
    pub attendance: Attendance,
    /// Keyed hashes of the distinct participants.
    pub participant_keys: BTreeSet<String>,
}

impl ValidEvent {
    /// SHA-256 of the canonical content: equal requests give equal hashes.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }
}

/// Checks every field of a request, collecting every problem. `prefix` is
/// prepended to field names (`items[3].` in a batch).
pub fn validate(
    input: &EventInput,
    agency: &str,
    pseudonymizer: &Pseudonymizer,
    prefix: &str,
) -> Result<ValidEvent, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err =
        |field: &str, msg: String| errors.push(FieldError::new(format!("{prefix}{field}"), msg));

    let external_id = input.external_id.as_deref().map(str::trim).unwrap_or("");
    if external_id.is_empty()
        || external_id.chars().count() > 128
        || external_id.chars().any(char::is_control)
    {
        err(
            "external_id",
            "required, 1 to 128 printable characters".into(),
        );
    }
    let kind = match input.kind.as_deref() {
        None => {
            err("kind", format!("required, one of: {}", Kind::expected()));
            None
        }
        Some(k) => Kind::parse(k).or_else(|| {
            err(
                "kind",
                format!("unknown kind, expected one of: {}", Kind::expected()),
            );
            None
        }),
    };
    let title = input.title.as_deref().map(str::trim).unwrap_or("");
    if title.is_empty() || title.chars().count() > 300 {
        err("title", "required, 1 to 300 characters".into());
    }
    let description = input
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if description.is_some_and(|d| d.chars().count() > 5000) {
        err("description", "at most 5,000 characters".into());
    }
    let mut topics = BTreeSet::new();
    match &input.topics {
        None => err("topics", "required: a non-empty list of topics".into()),
        Some(list) if list.is_empty() => err("topics", "must not be empty".into()),
        Some(list) => {
            for (i, t) in list.iter().enumerate() {
                match Topic::parse(t) {
                    Some(t) => {
                        topics.insert(t);
                    }
                    None => err(
                        &format!("topics[{i}]"),
                        format!("unknown topic, expected one of: {}", Topic::expected()),
                    ),
                }
            }
        }
    }
    let mut target_groups = BTreeSet::new();
    for (i, g) in input.target_groups.iter().enumerate() {
        match TargetGroup::parse(g) {
            Some(g) => {
                target_groups.insert(g);
            }
            None => err(
                &format!("target_groups[{i}]"),
                format!(
                    "unknown target group, expected one of: {}",
                    TargetGroup::expected()
                ),
            ),
        }
    }
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    let latest = crate::domain::calendar::today() + chrono::Duration::days(1);
    let mut date = |field: &str, v: &Option<String>| -> Option<NaiveDate> {
        match v.as_deref() {
            None => {
                err(field, "required (YYYY-MM-DD)".into());
                None
            }
            Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Err(_) => {
                    err(field, "not a date in the form YYYY-MM-DD".into());
                    None
                }
                Ok(d) if d < earliest => {
                    err(field, "must not be before 2000-01-01".into());
                    None
                }
                Ok(d) if d > latest => {
                    err(field, format!("must not be after tomorrow ({latest})"));
                    None
                }
                Ok(d) => Some(d),
            },
        }
    };
    let start_date = date("start_date", &input.start_date);
    let end_date = date("end_date", &input.end_date);
    if let (Some(s), Some(e)) = (start_date, end_date)
        && e < s
    {
        err("end_date", "must not be before start_date".into());
    }
    let area_code = input.area_code.as_deref().map(str::trim).unwrap_or("");
    if area_code.is_empty()
        || area_code.len() > 20
        || !area_code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        err("area_code", "required: an administrative unit code".into());
    }
    let mut co_organizers = BTreeSet::new();
    for (i, c) in input.co_organizers.iter().enumerate() {
        if c == agency {
            err(
                &format!("co_organizers[{i}]"),
                "the reporting agency cannot co-organise its own event".into(),
            );
        } else if !crate::domain::codes::valid_agency_code(c) {
            err(&format!("co_organizers[{i}]"), "not an agency code".into());
        } else {
            co_organizers.insert(c.clone());
        }
    }
    let mut participant_keys = BTreeSet::new();
    if input.participants.len() > MAX_PARTICIPANTS {
        err(
            "participants",
            format!("at most {MAX_PARTICIPANTS} participants per event"),
        );
    } else {
        for (i, p) in input.participants.iter().enumerate() {
            let Some(id_type) = IdType::parse(&p.id_type) else {
                err(
                    &format!("participants[{i}].id_type"),
                    format!("expected one of: {}", IdType::expected()),
                );
                continue;
            };
            match normalize_identifier(id_type, &p.value, agency) {
                Ok(canonical) => {
                    participant_keys.insert(pseudonymizer.key_of(&canonical));
                }
                Err(why) => err(&format!("participants[{i}].value"), why.into()),
            }
        }
    }
    let attendance = match &input.attendance {
        None => {
            err("attendance", "required: {\"total\": N}".into());
            Attendance::default()
        }
        Some(a) => {
            let limit = 10_000_000;
            for (name, v) in [
                ("total", a.total),
                ("female", a.female),
                ("male", a.male),
                ("under_18", a.under_18),
            ] {
                if v.is_some_and(|n| !(0..=limit).contains(&n)) {
                    err(
                        &format!("attendance.{name}"),
                        format!("must be 0 to {limit}"),
                    );
                }
            }
            match a.total {
                None => err("attendance.total", "required".into()),
                Some(total) => {
                    if a.female.unwrap_or(0) + a.male.unwrap_or(0) > total {
                        err("attendance", "female + male must not exceed total".into());
                    }
                    if a.under_18.is_some_and(|u| u > total) {
                        err("attendance.under_18", "must not exceed total".into());
                    }
                    if (participant_keys.len() as i64) > total {
                        err(
                            "attendance.total",
                            format!(
                                "must be at least the {} distinct identified participants",
                                participant_keys.len()
                            ),
                        );
                    }
                }
            }
            a.clone()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidEvent {
        external_id: external_id.to_string(),
        kind: kind.expect("checked"),
        title: title.to_string(),
        description: description.map(str::to_string),
        topics,
        start_date: start_date.expect("checked"),
        end_date: end_date.expect("checked"),
        area_code: area_code.to_string(),
        co_organizers,
        target_groups,
        attendance,
        participant_keys,
    })
}

/// An event as the API returns it (never raw participants).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct EventOut {
    /// Public id (UUID).
    pub id: String,
    /// Reporting agency.
    pub agency: String,
    /// The agency's own id.
    pub external_id: String,
    /// Kind.
    #[schema(value_type = Kind)]
    pub kind: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Topics.
    #[schema(value_type = Vec<Topic>)]
    pub topics: Vec<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// The unit's code.
    pub area_code: String,
    /// Co-organising agencies.
    pub co_organizers: Vec<String>,
    /// Target groups.
    #[schema(value_type = Vec<TargetGroup>)]
    pub target_groups: Vec<String>,
    /// Headcounts.
    pub attendance: Attendance,
    /// Number of distinct identified participants.
    pub participants_identified: i64,
    /// Created (UTC).
    pub created_at: chrono::DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: chrono::DateTime<Utc>,
    /// Incremented on every change; the `ETag` is `"<version>"`.
    pub version: i64,
    /// Set when the event was deleted (only with `include_deleted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<chrono::DateTime<Utc>>,
    /// Why it was deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_reason: Option<String>,
}

impl EventOut {
    /// The `ETag` header value.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }
}

/// Builds the API views of stored rows.
pub fn views(conn: &mut DbConn, rows: Vec<EventRow>) -> Result<Vec<EventOut>, ApiError> {
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let mut sets = table::sets_of(conn, &seqs)?;
    let area_ids: Vec<i64> = rows.iter().map(|r| r.area_id).collect();
    let codes = table::area_codes(conn, &area_ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = sets.remove(&r.seq).unwrap_or_default();
            EventOut {
                area_code: codes.get(&r.area_id).cloned().unwrap_or_default(),
                id: r.id,
                agency: r.agency_code,
                external_id: r.external_id,
                kind: r.kind,
                title: r.title,
                description: r.description,
                topics: s.topics,
                start_date: r.start_date,
                end_date: r.end_date,
                co_organizers: s.co_organizers,
                target_groups: s.target_groups,
                attendance: Attendance {
                    total: Some(r.attendance_total),
                    female: r.attendance_female,
                    male: r.attendance_male,
                    under_18: r.attendance_under_18,
                },
                participants_identified: r.participants_identified,
                created_at: r.created_at.and_utc(),
                updated_at: r.updated_at.and_utc(),
                version: r.version,
                deleted_at: r.deleted_at.map(|t| t.and_utc()),
                delete_reason: r.delete_reason,
            }
        })
        .collect())
}

/// One event's view.
pub fn view(conn: &mut DbConn, row: EventRow) -> Result<EventOut, ApiError> {
    Ok(views(conn, vec![row])?.remove(0))
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new event was stored.
    Created,
    /// An existing event was replaced.
    Updated,
    /// The same content was already stored; nothing changed.
    Unchanged,
}

/// How a write treats an existing event with the same external id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Existing with the same content: unchanged; with other content: 409.
    Create,
    /// Existing: replaced.
    Upsert,
}

/// What events' references resolve to, loaded once for a whole batch: the
/// units with their area codes (every period) and the active agencies among
/// their co-organisers.
struct Refs {
    units: HashMap<String, Vec<crate::areas::AreaRow>>,
    active: BTreeSet<String>,
}

fn load_refs(conn: &mut DbConn, events: &[&ValidEvent]) -> Result<Refs, ApiError> {
    let mut codes: Vec<&str> = events.iter().map(|v| v.area_code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let wanted: BTreeSet<String> = events
        .iter()
        .flat_map(|v| v.co_organizers.iter().cloned())
        .collect();
    let active = if wanted.is_empty() {
        BTreeSet::new()
    } else {
        let wanted: Vec<String> = wanted.into_iter().collect();
        agencies::active_codes(conn, &wanted)?.into_iter().collect()
    };
    Ok(Refs {
        units: crate::areas::rows_with_codes(conn, &codes)?,
        active,
    })
}

/// Checks that need the database: the area on the start date, and active
/// co-organisers. Returns the unit's id.
fn check_refs(refs: &Refs, v: &ValidEvent, prefix: &str) -> Result<i64, Vec<FieldError>> {
    let mut errors = Vec::new();
    let rows = refs.units.get(&v.area_code).map_or(&[][..], Vec::as_slice);
    let area = match crate::areas::resolve_in(rows, v.start_date) {
        crate::areas::Resolution::Found(a) => Some(a.id),
        crate::areas::Resolution::Unknown => {
            errors.push(FieldError::new(
                format!("{prefix}area_code"),
                "unknown administrative unit code",
            ));
            None
        }
        crate::areas::Resolution::NotValidOn { valid } => {
            let periods: Vec<String> = valid
                .iter()
                .map(|(f, u)| {
                    format!(
                        "{} to {}",
                        f.map_or("(open)".into(), |d| d.to_string()),
                        u.map_or("(open)".into(), |d| d.to_string())
                    )
                })
                .collect();
            errors.push(FieldError::new(
                format!("{prefix}area_code"),
                format!(
                    "this unit is not valid on start_date {}; it is valid {}",
                    v.start_date,
                    periods.join(", ")
                ),
            ));
            None
        }
    };
    for c in v.co_organizers.iter().filter(|c| !refs.active.contains(*c)) {
        errors.push(FieldError::new(
            format!("{prefix}co_organizers"),
            format!("{c} is not an active agency"),
        ));
    }
    match (area, errors.is_empty()) {
        (Some(id), true) => Ok(id),
        _ => Err(errors),
    }
}

/// [`check_refs`] for one event, loading what it needs.
fn resolve_refs(conn: &mut DbConn, v: &ValidEvent) -> Result<i64, ApiError> {
    let refs = load_refs(conn, &[v])?;
    check_refs(&refs, v, "").map_err(ApiError::validation)
}

fn values_of(v: &ValidEvent, area_id: i64) -> EventValues {
    EventValues {
        kind: v.kind.as_str().into(),
        title: v.title.clone(),
        description: v.description.clone(),
        start_date: v.start_date,
        end_date: v.end_date,
        area_id,
        attendance_total: v.attendance.total.unwrap_or(0),
        attendance_female: v.attendance.female,
        attendance_male: v.attendance.male,
        attendance_under_18: v.attendance.under_18,
        participants_identified: v.participant_keys.len() as i64,
        content_hash: v.content_hash(),
    }
}

fn sets_of(v: &ValidEvent) -> EventSets {
    EventSets {
        topics: v.topics.iter().map(|t| t.as_str().to_string()).collect(),
        target_groups: v
            .target_groups
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        co_organizers: v.co_organizers.iter().cloned().collect(),
    }
}

fn participant_ids(conn: &mut DbConn, keys: &BTreeSet<String>) -> Result<Vec<i64>, ApiError> {
    let keys_vec: Vec<String> = keys.iter().cloned().collect();
    ids_of(&table::participant_ids(conn, &keys_vec)?, keys)
}

/// The ids of `keys` in a key-to-id map that must hold every one of them.
fn ids_of(map: &HashMap<String, i64>, keys: &BTreeSet<String>) -> Result<Vec<i64>, ApiError> {
    keys.iter()
        .map(|k| {
            map.get(k)
                .copied()
                .ok_or_else(|| ApiError::internal("participant key vanished"))
        })
        .collect()
}

/// Stores one validated event for `agency` (inside a transaction), deciding
/// between create, replace and unchanged. `if_match` is the version the
/// caller expects to replace, when it sent `If-Match`.
#[expect(
    clippy::too_many_arguments,
    reason = "the write's context, each part distinct"
)]
fn store(
    conn: &mut DbConn,
    actor: &Actor,
    agency: &str,
    v: &ValidEvent,
    area_id: i64,
    existing: Option<EventRow>,
    mode: Mode,
    if_match: Option<i64>,
) -> Result<(Outcome, EventOut), ApiError> {
    let now = crate::db::now();
    let values = values_of(v, area_id);
    match existing {
        Some(old) => {
            if let Some(expected) = if_match
                && expected != old.version
            {
                return Err(ApiError::PreconditionFailed(format!(
                    "the event is at version {}, not {expected}",
                    old.version
                )));
            }
            if old.content_hash == values.content_hash && old.deleted_at.is_none() {
                return Ok((Outcome::Unchanged, view(conn, old)?));
            }
            if mode == Mode::Create {
                return Err(ApiError::Conflict {
                    detail: format!(
                        "external_id {} already names event {} with different content; use PUT to replace it",
                        v.external_id, old.id
                    ),
                    existing_id: Some(old.id),
                });
            }
            let before = view(conn, old.clone())?;
            table::update(conn, old.seq, &values, now)?;
            let ids = participant_ids(conn, &v.participant_keys)?;
            table::replace_children(conn, old.seq, &sets_of(v), &ids)?;
            let row = table::by_id(conn, &old.id)?.ok_or(diesel::result::Error::NotFound)?;
            let after = view(conn, row.clone())?;
            audit::record(
                conn,
                actor,
                "update",
                "event",
                &row.id,
                Some(&before),
                Some(&after),
            )?;
            Ok((Outcome::Updated, after))
        }
        None => {
            if if_match.is_some() {
                return Err(ApiError::PreconditionFailed(
                    "the event does not exist yet".into(),
                ));
            }
            let new = Fresh::new(v, agency, area_id, now);
            let out = create_many(conn, actor, std::slice::from_ref(&new))?;
            Ok((
                Outcome::Created,
                out.into_iter()
                    .next()
                    .ok_or(diesel::result::Error::NotFound)?,
            ))
        }
    }
}

/// A new event ready to insert.
struct Fresh<'a> {
    v: &'a ValidEvent,
    identity: EventIdentity,
    values: EventValues,
    sets: EventSets,
}

impl<'a> Fresh<'a> {
    /// A new event with a new public id (UUID v4).
    fn new(v: &'a ValidEvent, agency: &str, area_id: i64, now: chrono::NaiveDateTime) -> Self {
        Fresh {
            v,
            identity: EventIdentity {
                id: uuid::Uuid::new_v4().to_string(),
                agency_code: agency.to_string(),
                external_id: v.external_id.clone(),
                group_seq: 0,
                version: 1,
                created_at: now,
                updated_at: now,
            },
            values: values_of(v, area_id),
            sets: sets_of(v),
        }
    }

    /// The view of the event once stored: what [`views`] would read back.
    fn view(&self) -> EventOut {
        let sorted = |v: &Vec<String>| {
            let mut v = v.clone();
            v.sort();
            v
        };
        EventOut {
            id: self.identity.id.clone(),
            agency: self.identity.agency_code.clone(),
            external_id: self.identity.external_id.clone(),
            kind: self.values.kind.clone(),
            title: self.values.title.clone(),
            description: self.values.description.clone(),
            topics: sorted(&self.sets.topics),
            start_date: self.values.start_date,
            end_date: self.values.end_date,
            area_code: self.v.area_code.clone(),
            co_organizers: sorted(&self.sets.co_organizers),
            target_groups: sorted(&self.sets.target_groups),
            attendance: Attendance {
                total: Some(self.values.attendance_total),
                female: self.values.attendance_female,
                male: self.values.attendance_male,
                under_18: self.values.attendance_under_18,
            },
            participants_identified: self.values.participants_identified,
            created_at: self.identity.created_at.and_utc(),
            updated_at: self.identity.updated_at.and_utc(),
            version: self.identity.version,
            deleted_at: None,
            delete_reason: None,
        }
    }
}

/// Inserts new events set-wise, inside the caller's transaction: a few
/// statements per 500 events (rows, participants, sets, audit records)
/// rather than a dozen per event. Returns their views in order.
fn create_many(
    conn: &mut DbConn,
    actor: &Actor,
    fresh: &[Fresh<'_>],
) -> Result<Vec<EventOut>, ApiError> {
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(&EventIdentity, &EventValues)> =
        fresh.iter().map(|f| (&f.identity, &f.values)).collect();
    let seqs = table::insert_many(conn, &rows)?;
    let keys: BTreeSet<&String> = fresh
        .iter()
        .flat_map(|f| f.v.participant_keys.iter())
        .collect();
    let keys: Vec<String> = keys.into_iter().cloned().collect();
    let ids = table::participant_ids(conn, &keys)?;
    let per_event = fresh
        .iter()
        .map(|f| ids_of(&ids, &f.v.participant_keys))
        .collect::<Result<Vec<_>, _>>()?;
    let children: Vec<(i64, &EventSets, &[i64])> = fresh
        .iter()
        .zip(&seqs)
        .zip(&per_event)
        .map(|((f, seq), p)| (*seq, &f.sets, p.as_slice()))
        .collect();
    table::insert_children(conn, &children)?;
    let views: Vec<EventOut> = fresh.iter().map(Fresh::view).collect();
    let records: Vec<(&str, &EventOut)> = views.iter().map(|v| (v.id.as_str(), v)).collect();
    audit::record_created(conn, actor, "event", &records)?;
    Ok(views)
}

/// Writes one event: POST (`Mode::Create`) or PUT by external id (`Mode::Upsert`).
/// A concurrent insert of the same external id is caught by the unique
/// constraint and the write is retried once against the winner.
pub fn write_one(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    agency: &str,
    input: &EventInput,
    mode: Mode,
    if_match: Option<i64>,
) -> Result<(Outcome, EventOut), ApiError> {
    let v = validate(input, agency, pseudonymizer, "").map_err(ApiError::validation)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = write_tx(conn, |conn| {
            let area_id = resolve_refs(conn, &v)?;
            let existing = table::by_external(conn, agency, &v.external_id)?;
            store(conn, actor, agency, &v, area_id, existing, mode, if_match)
        });
        match result {
            Err(ApiError::Conflict {
                existing_id: None, ..
            }) if attempt == 1 => continue,
            other => return other,
        }
    }
}

/// Replaces an event by public id (`PUT /events/{id}`), owner or admin only.
pub fn replace_by_id(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    writer: Writer<'_>,
    id: &str,
    input: &EventInput,
    if_match: i64,
) -> Result<(Outcome, EventOut), ApiError> {
    write_tx(conn, |conn| {
        let existing = writable(conn, writer, id)?;
        let mut v = validate(input, &existing.agency_code, pseudonymizer, "")
            .map_err(ApiError::validation)?;
        if v.external_id != existing.external_id {
            return Err(ApiError::field(
                "external_id",
                "cannot change; it must equal the stored external_id",
            ));
        }
        v.external_id = existing.external_id.clone();
        let area_id = resolve_refs(conn, &v)?;
        let agency = existing.agency_code.clone();
        store(
            conn,
            actor,
            &agency,
            &v,
            area_id,
            Some(existing),
            Mode::Upsert,
            Some(if_match),
        )
    })
}

/// Who may write an event.
#[derive(Debug, Clone, Copy)]
pub enum Writer<'a> {
    /// An admin: any event.
    Admin,
    /// An agency: its own events only.
    Agency(&'a str),
}

/// The event if `writer` may change it; otherwise it "does not exist" (404).
pub fn writable(conn: &mut DbConn, writer: Writer<'_>, id: &str) -> Result<EventRow, ApiError> {
    let row = table::by_id(conn, id)?;
    match (row, writer) {
        (Some(r), Writer::Admin) => Ok(r),
        (Some(r), Writer::Agency(a)) if r.agency_code == a => Ok(r),
        _ => Err(ApiError::NotFound(format!("no event {id}"))),
    }
}

/// Soft-deletes an event with a reason; deleting a deleted event changes nothing.
pub fn delete(
    conn: &mut DbConn,
    actor: &Actor,
    writer: Writer<'_>,
    id: &str,
    reason: &str,
) -> Result<EventOut, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::field("reason", "required, 1 to 500 characters"));
    }
    write_tx(conn, |conn| {
        let row = writable(conn, writer, id)?;
        if row.deleted_at.is_some() {
            return view(conn, row);
        }
        let before = view(conn, row.clone())?;
        table::soft_delete(conn, row.seq, reason, crate::db::now())?;
        let after_row = table::by_id(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
        let after = view(conn, after_row)?;
        audit::record(
            conn,
            actor,
            "delete",
            "event",
            id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// Status of one batch item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Stored as a new event (or would be, in a dry run).
    Created,
    /// Replaced an existing event (upsert mode).
    Updated,
    /// Identical to the stored event.
    Unchanged,
    /// The external id names an event with other content (create mode), or
    /// appears twice in the batch with different content.
    Conflict,
    /// Failed validation; see `errors`.
    Invalid,
}

/// The result of one batch item, in request order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchItem {
    /// Position in the request.
    pub index: usize,
    /// The item's external id, when it had one.
    pub external_id: Option<String>,
    /// What happened.
    pub status: ItemStatus,
    /// The event's id (absent for invalid items and dry-run creations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field errors (invalid) or the conflict's explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// A batch's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchResult {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Counts by status.
    pub summary: HashMap<String, usize>,
    /// Every item in request order.
    pub items: Vec<BatchItem>,
}

/// Writes up to `limit` events in one transaction. Invalid and conflicting
/// items are reported and skipped; the valid ones are stored (unless `dry_run`).
#[expect(
    clippy::too_many_arguments,
    reason = "each argument is a distinct part of the request"
)]
pub fn write_batch(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    agency: &str,
    inputs: &[EventInput],
    mode: Mode,
    dry_run: bool,
    limit: usize,
) -> Result<BatchResult, ApiError> {
    if inputs.is_empty() || inputs.len() > limit {
        return Err(ApiError::field(
            "items",
            format!("a batch holds 1 to {limit} events"),
        ));
    }
    let validated: Vec<Result<ValidEvent, Vec<FieldError>>> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| validate(input, agency, pseudonymizer, &format!("items[{i}].")))
        .collect();
    let run = |conn: &mut DbConn| -> Result<Vec<BatchItem>, ApiError> {
        let externals: Vec<String> = validated
            .iter()
            .filter_map(|v| v.as_ref().ok())
            .map(|v| v.external_id.clone())
            .collect();
        let mut existing: HashMap<String, EventRow> =
            table::by_externals(conn, agency, &externals)?
                .into_iter()
                .map(|r| (r.external_id.clone(), r))
                .collect();
        let valid: Vec<&ValidEvent> = validated.iter().filter_map(|v| v.as_ref().ok()).collect();
        let refs = load_refs(conn, &valid)?;
        let now = crate::db::now();
        // New events are inserted together after the loop.
        let mut fresh: Vec<Fresh<'_>> = Vec::new();
        // Within the batch, a repeated external id is compared with its first occurrence.
        let mut seen: HashMap<String, (String, Option<String>)> = HashMap::new();
        let mut items = Vec::with_capacity(inputs.len());
        for (index, v) in validated.iter().enumerate() {
            let external_id = inputs[index].external_id.clone();
            let v = match v {
                Err(errors) => {
                    items.push(BatchItem {
                        index,
                        external_id,
                        status: ItemStatus::Invalid,
                        id: None,
                        errors: Some(errors.clone()),
                    });
                    continue;
                }
                Ok(v) => v,
            };
            if let Some((hash, id)) = seen.get(&v.external_id) {
                let same = *hash == v.content_hash();
                items.push(BatchItem {
                    index,
                    external_id,
                    status: if same {
                        ItemStatus::Unchanged
                    } else {
                        ItemStatus::Conflict
                    },
                    id: id.clone(),
                    errors: (!same).then(|| {
                        vec![FieldError::new(
                            format!("items[{index}].external_id"),
                            "repeated in this batch with different content",
                        )]
                    }),
                });
                continue;
            }
            let area_id = match check_refs(&refs, v, &format!("items[{index}].")) {
                Ok(a) => a,
                Err(errors) => {
                    items.push(BatchItem {
                        index,
                        external_id,
                        status: ItemStatus::Invalid,
                        id: None,
                        errors: Some(errors),
                    });
                    continue;
                }
            };
            let old = existing.remove(&v.external_id);
            let item = if dry_run {
                let status = match &old {
                    None => ItemStatus::Created,
                    Some(o) if o.content_hash == v.content_hash() && o.deleted_at.is_none() => {
                        ItemStatus::Unchanged
                    }
                    Some(_) if mode == Mode::Create => ItemStatus::Conflict,
                    Some(_) => ItemStatus::Updated,
                };
                BatchItem {
                    index,
                    external_id,
                    status,
                    id: old.map(|o| o.id),
                    errors: None,
                }
            } else if old.is_none() {
                let new = Fresh::new(v, agency, area_id, now);
                let id = new.identity.id.clone();
                fresh.push(new);
                BatchItem {
                    index,
                    external_id,
                    status: ItemStatus::Created,
                    id: Some(id),
                    errors: None,
                }
            } else {
                match store(conn, actor, agency, v, area_id, old, mode, None) {
                    Ok((outcome, row)) => BatchItem {
                        index,
                        external_id,
                        status: match outcome {
                            Outcome::Created => ItemStatus::Created,
                            Outcome::Updated => ItemStatus::Updated,
                            Outcome::Unchanged => ItemStatus::Unchanged,
                        },
                        id: Some(row.id),
                        errors: None,
                    },
                    Err(ApiError::Conflict {
                        detail,
                        existing_id,
                    }) => BatchItem {
                        index,
                        external_id,
                        status: ItemStatus::Conflict,
                        id: existing_id,
                        errors: Some(vec![FieldError::new(
                            format!("items[{index}].external_id"),
                            detail,
                        )]),
                    },
                    Err(e) => return Err(e),
                }
            };
            seen.insert(v.external_id.clone(), (v.content_hash(), item.id.clone()));
            items.push(item);
        }
        create_many(conn, actor, &fresh)?;
        Ok(items)
    };
    let items = if dry_run {
        run(conn)?
    } else {
        // A concurrent writer of the same external id makes the unique
        // constraint fail the transaction: retry once, seeing the winner.
        match write_tx(conn, run) {
            Err(ApiError::Conflict {
                existing_id: None, ..
            }) => write_tx(conn, run)?,
            other => other?,
        }
    };
    let mut summary = HashMap::new();
    for s in ["created", "updated", "unchanged", "conflict", "invalid"] {
        summary.insert(s.to_string(), 0);
    }
    for i in &items {
        let key = serde_json::to_value(i.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *summary.entry(key).or_default() += 1;
    }
    Ok(BatchResult {
        dry_run,
        summary,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EventInput {
        EventInput {
            external_id: Some("e1".into()),
            kind: Some("training_class".into()),
            title: Some("Lớp tập huấn".into()),
            topics: Some(vec!["human_trafficking".into()]),
            start_date: Some("2024-03-08".into()),
            end_date: Some("2024-03-08".into()),
            area_code: Some("00001".into()),
            attendance: Some(Attendance {
                total: Some(3),
                ..Default::default()
            }),
            participants: vec![
                ParticipantInput {
                    id_type: "phone".into(),
                    value: "0912 345 678".into(),
                },
                ParticipantInput {
                    id_type: "phone".into(),
                    value: "+84912345678".into(),
                },
            ],
            ..Default::default()
        }
    }

    fn p() -> Pseudonymizer {
        Pseudonymizer::new(b"k".to_vec())
    }

    #[test]
    fn valid_input_dedups_participants() {
        let v = validate(&input(), "police", &p(), "").unwrap();
        assert_eq!(v.participant_keys.len(), 1);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = EventInput {
            external_id: Some("".into()),
            kind: Some("party".into()),
            title: Some("x".repeat(301)),
            topics: Some(vec![]),
            start_date: Some("2024-02-30".into()),
            end_date: Some("1999-12-31".into()),
            area_code: None,
            co_organizers: vec!["police".into()],
            target_groups: vec!["aliens".into()],
            attendance: Some(Attendance {
                total: Some(1),
                female: Some(1),
                male: Some(1),
                under_18: Some(2),
            }),
            participants: vec![ParticipantInput {
                id_type: "citizen_id".into(),
                value: "123".into(),
            }],
            ..Default::default()
        };
        let errors = validate(&bad, "police", &p(), "").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "external_id",
            "kind",
            "title",
            "topics",
            "start_date",
            "end_date",
            "area_code",
            "co_organizers[0]",
            "target_groups[0]",
            "participants[0].value",
            "attendance",
            "attendance.under_18",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        assert!(!format!("{errors:?}").contains("\"123\""));
    }

    #[test]
    fn total_must_cover_identified_participants() {
        let mut i = input();
        i.attendance = Some(Attendance {
            total: Some(0),
            ..Default::default()
        });
        let errors = validate(&i, "police", &p(), "").unwrap_err();
        assert_eq!(errors[0].field, "attendance.total");
    }

    #[test]
    fn end_before_start_and_future_dates_are_refused() {
        let mut i = input();
        i.end_date = Some("2024-03-07".into());
        assert_eq!(
            validate(&i, "police", &p(), "").unwrap_err()[0].field,
            "end_date"
        );
        let mut i = input();
        let future = (crate::domain::calendar::today() + chrono::Duration::days(2)).to_string();
        i.start_date = Some(future.clone());
        i.end_date = Some(future);
        let errors = validate(&i, "police", &p(), "").unwrap_err();
        assert!(errors.iter().any(|e| e.field == "start_date"));
    }

    #[test]
    fn content_hash_ignores_participant_order_and_spelling() {
        let a = validate(&input(), "police", &p(), "").unwrap();
        let mut i = input();
        i.participants.reverse();
        let b = validate(&i, "police", &p(), "").unwrap();
        assert_eq!(a.content_hash(), b.content_hash());
        let mut i = input();
        i.title = Some("Khác".into());
        assert_ne!(
            a.content_hash(),
            validate(&i, "police", &p(), "").unwrap().content_hash()
        );
    }
}

/// The reports forming one real event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SameAs {
    /// The event asked about.
    pub id: String,
    /// Every report of the same real event, this one included, by id.
    pub same_as: Vec<String>,
}

/// Reassigns `group_seq` for the component of linked reports containing
/// `start`: the smallest seq of the component. Returns the component.
fn regroup(conn: &mut DbConn, start: i64) -> Result<Vec<i64>, ApiError> {
    use crate::db::schema::{event_links, events};
    use diesel::prelude::*;
    let mut component = BTreeSet::from([start]);
    let mut frontier = vec![start];
    while let Some(s) = frontier.pop() {
        let pairs: Vec<(i64, i64)> = event_links::table
            .filter(event_links::a_seq.eq(s).or(event_links::b_seq.eq(s)))
            .select((event_links::a_seq, event_links::b_seq))
            .load(conn)?;
        for (a, b) in pairs {
            for n in [a, b] {
                if component.insert(n) {
                    frontier.push(n);
                }
            }
        }
    }
    let group = *component.iter().next().expect("non-empty");
    let members: Vec<i64> = component.into_iter().collect();
    diesel::update(events::table.filter(events::seq.eq_any(&members)))
        .set(events::group_seq.eq(group))
        .execute(conn)?;
    Ok(members)
}

fn same_as_view(conn: &mut DbConn, id: &str, members: &[i64]) -> Result<SameAs, ApiError> {
    use crate::db::schema::events;
    use diesel::prelude::*;
    let mut ids: Vec<String> = events::table
        .filter(events::seq.eq_any(members))
        .select(events::id)
        .load(conn)?;
    ids.sort();
    Ok(SameAs {
        id: id.to_string(),
        same_as: ids,
    })
}

/// Links two reports of the same real event by different agencies. The
/// writer must be an admin or own one of them. Linking twice is harmless.
pub fn link(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    other_id: &str,
) -> Result<SameAs, ApiError> {
    use crate::db::schema::event_links;
    use diesel::prelude::*;
    write_tx(conn, |conn| {
        let a = table::by_id(conn, id)?.filter(|r| r.deleted_at.is_none());
        let b = table::by_id(conn, other_id)?.filter(|r| r.deleted_at.is_none());
        let (a, b) = match (a, b, who) {
            (Some(a), Some(b), Writer::Admin) => (a, b),
            (Some(a), Some(b), Writer::Agency(ag))
                if a.agency_code == ag || b.agency_code == ag =>
            {
                (a, b)
            }
            (Some(_), None, _) => return Err(ApiError::field("other_id", "no such event")),
            _ => return Err(ApiError::NotFound(format!("no event {id}"))),
        };
        if a.seq == b.seq {
            return Err(ApiError::field(
                "other_id",
                "an event cannot be linked to itself",
            ));
        }
        if a.agency_code == b.agency_code {
            return Err(ApiError::field(
                "other_id",
                "both reports are by the same agency; delete the duplicate instead",
            ));
        }
        let (lo, hi) = (a.seq.min(b.seq), a.seq.max(b.seq));
        let exists: i64 = event_links::table
            .filter(event_links::a_seq.eq(lo).and(event_links::b_seq.eq(hi)))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            diesel::insert_into(event_links::table)
                .values((
                    event_links::a_seq.eq(lo),
                    event_links::b_seq.eq(hi),
                    event_links::created_at.eq(crate::db::now()),
                ))
                .execute(conn)?;
        }
        let members = regroup(conn, a.seq)?;
        let out = same_as_view(conn, id, &members)?;
        if exists == 0 {
            audit::record(conn, actor, "link", "event", id, None::<&()>, Some(&out))?;
        }
        Ok(out)
    })
}

/// Removes the direct link between two reports; both fall back to the real
/// events their remaining links form.
pub fn unlink(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    other_id: &str,
) -> Result<SameAs, ApiError> {
    use crate::db::schema::event_links;
    use diesel::prelude::*;
    write_tx(conn, |conn| {
        let a = table::by_id(conn, id)?;
        let b = table::by_id(conn, other_id)?;
        let (a, b) = match (a, b, who) {
            (Some(a), Some(b), Writer::Admin) => (a, b),
            (Some(a), Some(b), Writer::Agency(ag))
                if a.agency_code == ag || b.agency_code == ag =>
            {
                (a, b)
            }
            _ => {
                return Err(ApiError::NotFound(format!(
                    "no link between {id} and {other_id}"
                )));
            }
        };
        let (lo, hi) = (a.seq.min(b.seq), a.seq.max(b.seq));
        let before_members = regroup(conn, a.seq)?;
        let before = same_as_view(conn, id, &before_members)?;
        let removed = diesel::delete(
            event_links::table.filter(event_links::a_seq.eq(lo).and(event_links::b_seq.eq(hi))),
        )
        .execute(conn)?;
        if removed == 0 {
            return Err(ApiError::NotFound(format!(
                "no link between {id} and {other_id}"
            )));
        }
        regroup(conn, b.seq)?;
        let members = regroup(conn, a.seq)?;
        let out = same_as_view(conn, id, &members)?;
        audit::record(
            conn,
            actor,
            "unlink",
            "event",
            id,
            Some(&before),
            Some(&out),
        )?;
        Ok(out)
    })
}

/// Two reports that may describe the same real event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    /// One report (the earlier recorded).
    pub event_id: String,
    /// Its agency.
    pub agency: String,
    /// The other report.
    pub other_id: String,
    /// The other's agency.
    pub other_agency: String,
    /// Why they look alike: `dates_overlap`, `same_area` or `area_contains`,
    /// `same_kind`, `shared_topics:<topic>,...`.
    pub reasons: Vec<String>,
}

#[derive(diesel::QueryableByName)]
struct CandidateRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    a_seq: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    b_seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    a_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    a_agency: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b_agency: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    a_kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b_kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    a_area: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    b_area: i64,
}

/// Where a page of candidate pairs ends: the last pair's (seq, seq).
pub type PairCursor = (i64, i64);

/// Pairs of live reports by different agencies, not linked yet, whose dates
/// overlap, whose areas are the same or one inside the other, and that share
/// the kind or a topic. `agency` restricts to pairs with one of its reports.
/// Ordered by the pair's seqs; `after` resumes after a pair.
pub fn duplicate_candidates(
    conn: &mut DbConn,
    agency: Option<&str>,
    after: Option<PairCursor>,
    limit: i64,
) -> Result<(Vec<DuplicateCandidate>, Option<PairCursor>), ApiError> {
    use crate::db::raw::{Bind, Sql, load};
    let mut sql = Sql::new(crate::db::is_postgres(conn));
    let mut conds = Vec::new();
    if let Some(a) = agency {
        let (p1, p2) = (
            sql.bind(Bind::Text(a.into())),
            sql.bind(Bind::Text(a.into())),
        );
        conds.push(format!(
            "AND (a.agency_code = {p1} OR b.agency_code = {p2})"
        ));
    }
    if let Some((x, y)) = after {
        let (p1, p2, p3) = (
            sql.bind(Bind::Int(x)),
            sql.bind(Bind::Int(x)),
            sql.bind(Bind::Int(y)),
        );
        conds.push(format!(
            "AND (a.seq > {p1} OR (a.seq = {p2} AND b.seq > {p3}))"
        ));
    }
    let lim = sql.bind(Bind::Int(limit + 1));
    let q = format!(
        "SELECT a.seq AS a_seq, b.seq AS b_seq, a.id AS a_id, b.id AS b_id, a.agency_code AS a_agency, \
         b.agency_code AS b_agency, a.kind AS a_kind, b.kind AS b_kind, a.area_id AS a_area, b.area_id AS b_area \
         FROM events a JOIN events b ON a.seq < b.seq \
           AND a.start_date <= b.end_date AND b.start_date <= a.end_date \
         JOIN areas aa ON aa.id = a.area_id JOIN areas ab ON ab.id = b.area_id \
         WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL \
           AND a.agency_code <> b.agency_code AND a.group_seq <> b.group_seq \
           AND (a.area_id = b.area_id OR ab.province_id = aa.id OR ab.district_id = aa.id OR ab.commune_id = aa.id \
                OR aa.province_id = ab.id OR aa.district_id = ab.id OR aa.commune_id = ab.id) \
           AND (a.kind = b.kind OR EXISTS (SELECT 1 FROM event_topics ta JOIN event_topics tb ON tb.topic = ta.topic \
                WHERE ta.event_seq = a.seq AND tb.event_seq = b.seq)) \
           {} \
         ORDER BY a.seq, b.seq LIMIT {lim}",
        conds.join(" ")
    );
    let mut rows: Vec<CandidateRow> = load(conn, &q, &sql.binds)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| (r.a_seq, r.b_seq))
    } else {
        None
    };
    let seqs: Vec<i64> = rows.iter().flat_map(|r| [r.a_seq, r.b_seq]).collect();
    let sets = table::sets_of(conn, &seqs)?;
    let out = rows
        .into_iter()
        .map(|r| {
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
            let empty = EventSets::default();
            let (ta, tb) = (
                sets.get(&r.a_seq).unwrap_or(&empty),
                sets.get(&r.b_seq).unwrap_or(&empty),
            );
            let shared: Vec<&str> = ta
                .topics
                .iter()
                .filter(|t| tb.topics.contains(t))
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
            }
        })
        .collect();
    Ok((out, next))
}
