//! The wire types of a request from a person recorded and their
//! validation into a [`ValidRequest`]. Raw identifiers exist only inside
//! [`validate`]: each is normalised and keyed exactly as an event's
//! participant (`domain::normalize_identifier`, `Pseudonymizer`), and
//! dropped. Errors name the field, never the value.

use std::collections::BTreeSet;

use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::{IdType, Pseudonymizer, normalize_identifier};
use crate::error::FieldError;

/// Most identifiers one request may give.
pub const MAX_IDENTIFIERS: usize = 20;

/// Longest note.
pub const MAX_NOTE: usize = 500;

/// One identifier the person gives, written as an event's participant.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifierInput {
    /// `citizen_id`, `phone`, `student_id` (with `issuer`) or `agency_ref`
    /// (with `agency`), normalised by the rules of an event's participants.
    #[schema(value_type = crate::domain::IdType)]
    pub id_type: String,
    /// The identifier, as the person gives it. It is keyed at once and
    /// never stored, logged or returned.
    #[schema(min_length = 1, max_length = 256)]
    pub value: String,
    /// With `student_id` only, and required with it: the school that
    /// issued the id.
    #[serde(default)]
    pub issuer: Option<String>,
    /// With `agency_ref` only, and required with it: the agency whose
    /// reference it is (agency references are scoped to their agency).
    #[serde(default)]
    pub agency: Option<String>,
}

/// A request from a person recorded, registered by an admin with the
/// person present. Give `identifier` (one) or `identifiers` (a list).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// `access` (which events hold the person) or `erasure` (remove the
    /// person from every event, and keep them out).
    #[schema(value_type = RequestKind)]
    pub kind: String,
    /// The person's one identifier.
    #[serde(default)]
    pub identifier: Option<IdentifierInput>,
    /// The person's identifiers (citizen id, phones, ...), 1 to 20.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 20)]
    pub identifiers: Option<Vec<IdentifierInput>>,
    /// Free text about the request (how the person was identified, the
    /// file number of the letter), up to 500 characters. It must hold no
    /// identifier: a run of 9 or more digits is refused.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// `true`: register the request now and carry it out later (`POST
    /// /api/v1/privacy/requests/{id}/complete`), e.g. once the person's
    /// identity is checked; it stays `open`, its keys kept with it (never
    /// the values), and its deadline may be extended once. Default: carried
    /// out at once.
    #[serde(default)]
    pub defer: Option<bool>,
}

/// What the person asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Which events hold the person.
    Access,
    /// Remove the person from every event and keep them out.
    Erasure,
}

impl RequestKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Erasure => "erasure",
        }
    }

    /// The kind of a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "access" => Some(Self::Access),
            "erasure" => Some(Self::Erasure),
            _ => None,
        }
    }
}

/// A request that passed every check: the keys of the person's
/// identifiers, no raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    /// Access or erasure.
    pub kind: RequestKind,
    /// Keyed hashes of the identifiers given, distinct.
    pub keys: BTreeSet<String>,
    /// How many identifiers were given.
    pub given: usize,
    /// The note, trimmed.
    pub note: Option<String>,
    /// Carried out later ([`RequestInput::defer`]).
    pub defer: bool,
    /// The participant key's epoch the keys were made at.
    pub key_epoch: usize,
}

/// Checks every field, collecting every problem.
pub fn validate(
    input: &RequestInput,
    pseudonymizer: &Pseudonymizer,
) -> Result<ValidRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = RequestKind::parse(&input.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "required: access or erasure"));
    }
    let list: Vec<(String, &IdentifierInput)> = match (&input.identifier, &input.identifiers) {
        (Some(one), None) => vec![("identifier".to_string(), one)],
        (None, Some(many)) if many.is_empty() || many.len() > MAX_IDENTIFIERS => {
            errors.push(FieldError::new(
                "identifiers",
                format!("1 to {MAX_IDENTIFIERS} identifiers"),
            ));
            Vec::new()
        }
        (None, Some(many)) => many
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("identifiers[{i}]"), p))
            .collect(),
        (None, None) => {
            errors.push(FieldError::new(
                "identifier",
                "give the person's identifier (or identifiers, a list)",
            ));
            Vec::new()
        }
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "identifiers",
                "give identifier (one) or identifiers (a list), not both",
            ));
            Vec::new()
        }
    };
    let mut keys = BTreeSet::new();
    let key_epoch = pseudonymizer.epoch();
    for (field, p) in &list {
        if let Some(canonical) = canonical(field, p, &mut errors) {
            keys.insert(pseudonymizer.key_at(&canonical, key_epoch));
        }
    }
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    // The length as sent (what the document's maxLength states).
    let too_long = input
        .note
        .as_deref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE);
    if too_long || note.is_some_and(|n| n.chars().any(char::is_control)) {
        errors.push(FieldError::new(
            "note",
            format!("at most {MAX_NOTE} printable characters"),
        ));
    } else if note.is_some_and(holds_a_number) {
        errors.push(FieldError::new(
            "note",
            "must hold no identifier: no run of 9 or more digits",
        ));
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(ValidRequest {
            kind,
            keys,
            given: list.len(),
            note: note.map(str::to_string),
            defer: input.defer.unwrap_or(false),
            key_epoch,
        }),
        _ => Err(errors),
    }
}

/// The canonical form of one identifier, or its problems (`field.value`,
/// `field.issuer`, `field.agency`, never echoing a value).
fn canonical(field: &str, p: &IdentifierInput, errors: &mut Vec<FieldError>) -> Option<String> {
    let Some(id_type) = IdType::parse(&p.id_type) else {
        errors.push(FieldError::new(
            format!("{field}.id_type"),
            format!("expected one of: {}", IdType::expected()),
        ));
        return None;
    };
    let agency = match (id_type, p.agency.as_deref()) {
        (IdType::AgencyRef, Some(a)) if crate::domain::codes::valid_agency_code(a) => a,
        (IdType::AgencyRef, Some(_)) => {
            errors.push(FieldError::new(
                format!("{field}.agency"),
                "not an agency code",
            ));
            return None;
        }
        (IdType::AgencyRef, None) => {
            errors.push(FieldError::new(
                format!("{field}.agency"),
                "required for agency_ref: the agency whose reference it is",
            ));
            return None;
        }
        (_, Some(_)) => {
            errors.push(FieldError::new(
                format!("{field}.agency"),
                "agency is only for agency_ref",
            ));
            return None;
        }
        (_, None) => "",
    };
    match normalize_identifier(id_type, &p.value, p.issuer.as_deref(), agency) {
        Ok(c) => Some(c),
        Err(problems) => {
            for problem in problems {
                errors.push(FieldError::new(
                    format!("{field}.{}", problem.field.as_str()),
                    problem.message,
                ));
            }
            None
        }
    }
}

/// Whether text holds a run of 9 or more digits (separators within it
/// ignored): what a citizen id or a phone number looks like.
pub(crate) fn holds_a_number(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() || c.is_numeric() {
            run += 1;
            if run >= 9 {
                return true;
            }
        } else if !(c.is_whitespace() || matches!(c, '.' | '-' | '/' | '(' | ')' | '+')) {
            run = 0;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Pseudonymizer {
        Pseudonymizer::new(b"k".to_vec())
    }

    fn body(v: serde_json::Value) -> RequestInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn keys_are_the_participants_keys() {
        let one = validate(
            &body(serde_json::json!({"kind": "erasure",
                "identifier": {"id_type": "citizen_id", "value": "001 203 004 005"}})),
            &p(),
        )
        .unwrap();
        let canonical = normalize_identifier(IdType::CitizenId, "001203004005", None, "").unwrap();
        assert_eq!(one.keys, BTreeSet::from([p().key_of(&canonical)]));
        let many = validate(
            &body(serde_json::json!({"kind": "access", "identifiers": [
                {"id_type": "phone", "value": "0912 345 678"},
                {"id_type": "phone", "value": "+84912345678"},
                {"id_type": "agency_ref", "value": "R-17", "agency": "police"}]})),
            &p(),
        )
        .unwrap();
        assert_eq!((many.keys.len(), many.given), (2, 3));
    }

    #[test]
    fn every_problem_is_named_without_the_value() {
        let e = validate(
            &body(serde_json::json!({"kind": "forget", "identifiers": [
                {"id_type": "citizen_id", "value": "12345"},
                {"id_type": "agency_ref", "value": "R-1"},
                {"id_type": "nickname", "value": "x"}], "note": "cccd 001203004005"})),
            &p(),
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "kind",
                "identifiers[0].value",
                "identifiers[1].agency",
                "identifiers[2].id_type",
                "note"
            ]
        );
        assert!(e.iter().all(|f| !f.message.contains("12345")));
    }

    #[test]
    fn a_note_may_hold_a_date_but_not_a_number() {
        assert!(!holds_a_number("Đơn số 12/2026, ngày 07/12/2026"));
        assert!(holds_a_number("SĐT 0912.345.678"));
    }
}
