//! The wire types of an event write and their validation into a
//! [`ValidEvent`]: every check that needs no database.
//!
//! Raw participant identifiers exist only inside [`validate`]: they are
//! normalised, turned into keyed hashes, and dropped. The stored content
//! hash covers the keys, never the raw values.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::{
    AudienceBasis, ConsentBy, IdType, Kind, LegalBasis, Pseudonymizer, TargetGroup, Topic,
    normalize_identifier,
};
use crate::error::{ApiError, FieldError};

/// Most identified participants in one event.
pub const MAX_PARTICIPANTS: usize = 10_000;

/// Most co-organisers one event may name.
pub const MAX_CO_ORGANIZERS: usize = 50;

/// Most sessions one record may cover (a year of daily lessons in a large
/// school system is well under it).
pub const MAX_SESSIONS: i64 = 100_000;

pub use super::headcounts::{Attendance, Audience, MAX_AUDIENCE};

/// One identified participant. The value (and issuer) is normalised,
/// replaced by a keyed hash, and never stored, logged or returned; errors
/// name the field (`participants[3].value`, `participants[3].issuer`) but
/// never echo it.
///
/// Every value and issuer is first put in Unicode NFKC form, so full-width
/// characters (`０９１２`, `ＨＳ`) equal their ASCII forms and composed and
/// decomposed accents are one text. "Separators" below are white space (any
/// Unicode space), dashes (`-`, Unicode dash punctuation such as U+2010 to
/// U+2015, and the minus sign U+2212) and dots (`.`, `·`, `。`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// How the value identifies the person, and the rule it is normalised by:
    ///
    /// - `citizen_id`: separators removed; then 12 digits, or a legacy 9-digit
    ///   identity card number.
    /// - `phone`: a Vietnamese number in any common writing (`0912 345 678`,
    ///   `(091) 234-5678`, `+84 912345678`, `0084...`), normalised to `+84` E.164.
    /// - `student_id`: requires `issuer`; separators removed and upper-cased, 1 to
    ///   64 characters. The same id at two schools is two people.
    /// - `agency_ref`: the agency's own reference, trimmed only (case and
    ///   separators are significant), 1 to 128 characters; only deduplicated
    ///   within the reporting agency.
    #[schema(value_type = IdType)]
    pub id_type: String,
    /// The identifier (citizen id, phone, student id, or the agency's own reference).
    pub value: String,
    /// With `student_id` only, and required with it: the code of the school
    /// that issued the id (e.g. its education-department school code).
    /// Separators removed and upper-cased, it must be 1 to 32 characters of
    /// `A-Z`, `0-9` and `_`; `thpt-01`, `THPT 01` and `ＴＨＰＴ０１` are one school.
    /// Refused with any other `id_type`.
    #[serde(default)]
    pub issuer: Option<String>,
}

/// An event as an agency reports it. The agency comes from the token.
/// `external_id`, `kind`, `title`, `topics`, `start_date`, `end_date` and
/// `area_code` are required, and `attendance` for every kind but the
/// mass-media ones (`media_broadcast`, `loudspeaker`, `printed_materials`,
/// `online_post`), which need `audience` instead and take neither
/// `attendance` nor `participants` (for `PUT
/// /api/v1/events/external/{external_id}` the body's `external_id` must
/// equal the path's). Unknown fields are refused, each one named, together
/// with every other problem of the body.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// The agency's own id for the event (1-128 characters, no control
    /// characters, not only spaces), unique per agency: the idempotency key.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub external_id: Option<String>,
    /// What kind of outreach it was.
    #[schema(required = true, nullable = false, value_type = Kind)]
    pub kind: Option<String>,
    /// Title, 1-300 characters, not only spaces.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub title: Option<String>,
    /// Free text, up to 5,000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// A non-empty set of topics.
    #[schema(required = true, nullable = false, value_type = Vec<Topic>, min_items = 1)]
    pub topics: Option<Vec<String>>,
    /// First day (ISO date, Vietnam's calendar); not before 2000-01-01, not after tomorrow.
    #[schema(required = true, nullable = false, value_type = String, format = Date, example = "2024-03-08")]
    pub start_date: Option<String>,
    /// Last day; not before `start_date`.
    #[schema(required = true, nullable = false, value_type = String, format = Date, example = "2024-03-08")]
    pub end_date: Option<String>,
    /// Official code of the administrative unit where it took place, valid on `start_date`.
    #[schema(required = true, nullable = false)]
    pub area_code: Option<String>,
    /// Codes of other active agencies that ran the event jointly (at most
    /// 50). Each is a claim the named agency confirms or declines; the event
    /// counts for it only once confirmed.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub co_organizers: Vec<String>,
    /// Who the event addressed.
    #[serde(default)]
    #[schema(value_type = Vec<TargetGroup>)]
    pub target_groups: Vec<String>,
    /// How many sessions of the same kind at the same place the record
    /// covers (1 to 100,000; default 1): a term of lessons, a month of
    /// village meetings kept in one sign-in book. `start_date`..`end_date`
    /// span them, and `attendance` counts person-times over all of them.
    /// For a mass-media kind: how many programmes, messages or items.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100000)]
    pub sessions: Option<i64>,
    /// Headcounts over all the record's sessions (person-times). Required, except for the mass-media kinds, which refuse it.
    pub attendance: Option<Attendance>,
    /// A mass-media record's estimated audience (required for those kinds,
    /// refused for the others).
    #[serde(default)]
    pub audience: Option<Audience>,
    /// Identified participants (at most 10,000). Repeats count once.
    #[serde(default)]
    pub participants: Vec<ParticipantInput>,
    /// The legal basis on which the participants' identifiers were
    /// collected: `consent`, `legal_obligation` or `public_task`. Required
    /// with participants from 2027-07-01; until then a write without it is
    /// accepted (read back as `unknown`) and answered with `Deprecation`
    /// and `Sunset` headers.
    #[serde(default)]
    #[schema(value_type = Option<LegalBasis>)]
    pub legal_basis: Option<String>,
    /// The law or decision providing for the collection (1-300
    /// characters), e.g. "Luật Trẻ em 2016, Điều 33". Required with student
    /// ids (children's data) under `legal_obligation` or `public_task`.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 300)]
    pub legal_reference: Option<String>,
    /// With `consent`: who gave it. Student ids (children's data) need
    /// `legal_representative`.
    #[serde(default)]
    #[schema(value_type = Option<ConsentBy>)]
    pub consent_by: Option<String>,
}

/// An event body as read: the fields that were well-formed, and every
/// structural error (an unknown field, a value of the wrong type, a
/// participant without its required parts) found reading it, so that
/// [`validate_body`] reports them together with every other problem instead
/// of the first one hiding the rest.
#[derive(Debug, Clone, Default)]
pub struct EventBody {
    /// The well-formed fields.
    pub input: EventInput,
    /// What could not be read, by path (`attendance.total`, `participants[2]`).
    pub shape_errors: Vec<FieldError>,
    /// Names places in `input` as the client numbered them (elements that
    /// could not be read were dropped from `input`'s lists).
    pub renumbering: crate::lenient::Renumbering,
    /// Nothing could be read: `shape_errors` says why, and `input` is empty.
    pub unreadable: bool,
}

impl From<EventInput> for EventBody {
    fn from(input: EventInput) -> Self {
        EventBody {
            input,
            shape_errors: Vec::new(),
            renumbering: Default::default(),
            unreadable: false,
        }
    }
}

impl<'de> Deserialize<'de> for EventBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let doc = serde_json::Value::deserialize(d)?;
        if !doc.is_object() {
            return Err(serde::de::Error::custom("an event must be a JSON object"));
        }
        let read = crate::lenient::collect::<EventInput>(doc);
        Ok(EventBody {
            unreadable: read.value.is_none(),
            input: read.value.unwrap_or_default(),
            shape_errors: read.errors,
            renumbering: read.renumbering,
        })
    }
}

/// [`validate`] on a body as read: its structural errors and the rest's
/// problems, together (a field already reported as ill-formed is not
/// reported again as missing).
pub fn validate_body(
    body: &EventBody,
    agency: &str,
    pseudonymizer: &Pseudonymizer,
    prefix: &str,
) -> Result<ValidEvent, Vec<FieldError>> {
    let checked = validate(&body.input, agency, pseudonymizer, "").map_err(|errors| {
        errors
            .into_iter()
            .map(|e| FieldError::new(body.renumbering.client_path(&e.field), e.message))
            .collect::<Vec<_>>()
    });
    let prefixed = |errors: Vec<FieldError>| {
        errors
            .into_iter()
            .map(|e| FieldError::new(format!("{prefix}{}", e.field), e.message))
            .collect::<Vec<_>>()
    };
    if body.shape_errors.is_empty() {
        return checked.map_err(prefixed);
    }
    if body.unreadable {
        return Err(prefixed(body.shape_errors.clone()));
    }
    let mut errors: Vec<FieldError> = body.shape_errors.to_vec();
    let reported: std::collections::HashSet<String> =
        errors.iter().map(|e| e.field.clone()).collect();
    if let Err(rest) = checked {
        errors.extend(rest.into_iter().filter(|e| {
            !reported.contains(&e.field)
                && !reported
                    .iter()
                    .any(|r| e.field.starts_with(&format!("{r}.")))
        }));
    }
    Err(prefixed(errors))
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
    /// Headcounts (`total` present); None for a mass-media kind.
    pub attendance: Option<Attendance>,
    /// Sessions covered (1 is left out of the content hash, so events
    /// stored before sessions existed keep their hash).
    #[serde(skip_serializing_if = "is_one")]
    pub sessions: i64,
    /// A mass-media record's audience (`estimate` and `basis` present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    /// Keyed hashes of the distinct participants.
    pub participant_keys: BTreeSet<String>,
    /// The participant key's epoch the keys were made at (checked against
    /// the database's in the write's transaction: [`crate::key_epoch`]).
    #[serde(skip)]
    pub key_epoch: usize,
    /// The legal basis of the identifiers, as stated (left out of the
    /// content hash when not stated, so events stored before it keep
    /// theirs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<LegalBasis>,
    /// The law providing for the collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_reference: Option<String>,
    /// Who consented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_by: Option<ConsentBy>,
    /// Whether student ids (children's data) were sent.
    #[serde(skip)]
    pub holds_children: bool,
}

fn is_one(n: &i64) -> bool {
    *n == 1
}

impl ValidEvent {
    /// SHA-256 of the canonical content: equal requests give equal hashes.
    pub fn content_hash(&self) -> Result<String, ApiError> {
        let json = serde_json::to_vec(self)
            .map_err(|e| ApiError::internal_with("serialising an event for its content hash", e))?;
        Ok(hex::encode(Sha256::digest(json)))
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
    if input.co_organizers.len() > MAX_CO_ORGANIZERS {
        err(
            "co_organizers",
            format!("at most {MAX_CO_ORGANIZERS} co-organising agencies"),
        );
    }
    for (i, c) in input
        .co_organizers
        .iter()
        .enumerate()
        .take(MAX_CO_ORGANIZERS)
    {
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
    let mut holds_children = false;
    let key_epoch = pseudonymizer.epoch();
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
            holds_children |= id_type == IdType::StudentId;
            match normalize_identifier(id_type, &p.value, p.issuer.as_deref(), agency) {
                Ok(canonical) => {
                    participant_keys.insert(pseudonymizer.key_at(&canonical, key_epoch));
                }
                Err(problems) => {
                    for problem in problems {
                        err(
                            &format!("participants[{i}].{}", problem.field.as_str()),
                            problem.message.into(),
                        );
                    }
                }
            }
        }
    }
    let stated = super::legal::read(
        input.legal_basis.as_deref(),
        input.legal_reference.as_deref(),
        input.consent_by.as_deref(),
        &mut err,
    );
    super::legal::check(
        &stated,
        !input.participants.is_empty(),
        holds_children,
        crate::domain::calendar::today(),
        &mut err,
    );
    let sessions = input.sessions.unwrap_or(1);
    if !(1..=MAX_SESSIONS).contains(&sessions) {
        err("sessions", format!("must be 1 to {MAX_SESSIONS}"));
    }
    let media = kind.is_some_and(Kind::is_media);
    if media && !input.participants.is_empty() {
        err(
            "participants",
            "a mass-media record (broadcast, loudspeaker, printed materials, post) has an audience, not identified participants".into(),
        );
    }
    let attendance = match (&input.attendance, media) {
        (Some(_), true) => {
            err(
                "attendance",
                "a mass-media record (broadcast, loudspeaker, printed materials, post) records its audience, not attendance: send audience {\"estimate\": N, \"basis\": \"estimate\"}".into(),
            );
            None
        }
        (None, true) => None,
        // Without a known kind, whether attendance or audience is due is
        // unknown: the kind's own error says what to fix first.
        (None, false) => {
            if kind.is_some() {
                err("attendance", "required: {\"total\": N}".into());
            }
            None
        }
        (Some(a), false) => {
            super::headcounts::check_attendance(a, participant_keys.len() as i64, &mut err);
            Some(a.clone())
        }
    };
    let audience = match (&input.audience, media) {
        (Some(_), false) => {
            err(
                "audience",
                "only mass-media records (broadcast, loudspeaker, printed materials, post) have an audience; others record attendance".into(),
            );
            None
        }
        (None, false) => None,
        (None, true) => {
            err(
                "audience",
                "required for a mass-media record: {\"estimate\": N, \"basis\": \"estimate\"}"
                    .into(),
            );
            None
        }
        (Some(a), true) => {
            match a.estimate {
                None => err("audience.estimate", "required".into()),
                Some(n) if !(0..=MAX_AUDIENCE).contains(&n) => {
                    err("audience.estimate", format!("must be 0 to {MAX_AUDIENCE}"))
                }
                Some(_) => {}
            }
            let basis = a.basis.as_deref().unwrap_or("estimate");
            if AudienceBasis::parse(basis).is_none() {
                err(
                    "audience.basis",
                    format!("expected one of: {}", AudienceBasis::expected()),
                );
            }
            Some(Audience {
                estimate: a.estimate,
                basis: Some(basis.to_string()),
            })
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
        sessions,
        audience,
        participant_keys,
        key_epoch,
        legal_basis: stated.basis,
        legal_reference: stated.reference,
        consent_by: stated.consent_by,
        holds_children,
    })
}

/// [`validate_body`] for a change to a stored event whose participants are
/// already keyed (`keys`: a merge patch, or participants added and removed):
/// the body carries no raw participants, and the headcounts are checked
/// against the stored people.
pub fn validate_keyed(
    body: &EventBody,
    agency: &str,
    pseudonymizer: &Pseudonymizer,
    keys: BTreeSet<String>,
    holds_children: bool,
) -> Result<ValidEvent, Vec<FieldError>> {
    let checked = validate_body(body, agency, pseudonymizer, "");
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    let mut keyed = Vec::new();
    let mut err = |field: &str, msg: String| keyed.push(FieldError::new(field, msg));
    // The legal basis's rules with the stored people (the body has none).
    if let Ok(v) = &checked {
        let stated = super::legal::Stated {
            basis: v.legal_basis,
            reference: v.legal_reference.clone(),
            consent_by: v.consent_by,
            refused: false,
        };
        super::legal::check(
            &stated,
            !keys.is_empty(),
            holds_children,
            crate::domain::calendar::today(),
            &mut err,
        );
    }
    let media = body
        .input
        .kind
        .as_deref()
        .and_then(Kind::parse)
        .is_some_and(Kind::is_media);
    match &body.input.attendance {
        Some(a) if !media => super::headcounts::check_identified(a, keys.len() as i64, &mut err),
        _ if media && !keys.is_empty() => err(
            "kind",
            format!(
                "a mass-media record has no identified participants; remove the {} first",
                keys.len()
            ),
        ),
        _ => {}
    }
    for e in keyed {
        if !errors.iter().any(|x| x.field == e.field) {
            errors.push(e);
        }
    }
    match checked {
        Ok(mut v) if errors.is_empty() => {
            v.participant_keys = keys;
            v.holds_children = holds_children;
            Ok(v)
        }
        _ => Err(errors),
    }
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
                    issuer: None,
                },
                ParticipantInput {
                    id_type: "phone".into(),
                    value: "+84912345678".into(),
                    issuer: None,
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
                declared_people: Some(5),
            }),
            participants: vec![ParticipantInput {
                id_type: "citizen_id".into(),
                value: "123".into(),
                issuer: None,
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
    fn participant_errors_name_the_value_or_the_issuer() {
        let mut i = input();
        i.participants = vec![
            ParticipantInput {
                id_type: "student_id".into(),
                value: "HS0001".into(),
                issuer: None,
            },
            ParticipantInput {
                id_type: "phone".into(),
                value: "0912 345 678".into(),
                issuer: Some("THPT01".into()),
            },
            ParticipantInput {
                id_type: "student_id".into(),
                value: " ".into(),
                issuer: Some("Trường 01".into()),
            },
            ParticipantInput {
                id_type: "student_id".into(),
                value: "HS0001".into(),
                issuer: Some("THPT01".into()),
            },
        ];
        let errors = validate(&i, "police", &p(), "items[2].").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "items[2].participants[0].issuer",
                "items[2].participants[1].issuer",
                "items[2].participants[2].issuer",
                "items[2].participants[2].value",
            ]
        );
        assert!(!format!("{errors:?}").contains("HS0001"));
        assert!(!format!("{errors:?}").contains("Trường"));
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
        assert_eq!(a.content_hash().unwrap(), b.content_hash().unwrap());
        let mut i = input();
        i.title = Some("Khác".into());
        assert_ne!(
            a.content_hash().unwrap(),
            validate(&i, "police", &p(), "")
                .unwrap()
                .content_hash()
                .unwrap()
        );
    }
}
