//! A record's headcounts and a mass-media record's audience: their wire
//! types and the checks of a headcount (each within bounds, the parts
//! within the total, the identified participants within both).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::AudienceBasis;

/// Largest headcount (attendance, and its parts).
pub const MAX_HEADCOUNT: i64 = 10_000_000;

/// Largest audience estimate.
pub const MAX_AUDIENCE: i64 = 100_000_000;

/// Headcounts of an event.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    /// Number of people present (required; at least the number of distinct identified participants).
    #[schema(required = true, nullable = false, minimum = 0)]
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
    /// Distinct people the agency counted itself (e.g. from a sign-in
    /// sheet) when `total` counts person-times over several sessions: at
    /// most `total`, at least the identified participants. It narrows the
    /// range of different people reached (`reach_min`, `reach_max`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub declared_people: Option<i64>,
}

/// The estimated audience of a mass-media record (a broadcast, loudspeaker
/// messages, printed materials, posts): listeners, viewers or readers,
/// never counted as attendance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// Estimated listeners, viewers or readers (0 to 100,000,000).
    #[schema(required = true, nullable = false, minimum = 0)]
    pub estimate: Option<i64>,
    /// How the estimate was obtained (default `estimate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AudienceBasis>)]
    pub basis: Option<String>,
}

/// Checks a headcount against itself and the identified participants.
pub(super) fn check_attendance(
    a: &Attendance,
    identified: i64,
    err: &mut impl FnMut(&str, String),
) {
    for (name, v) in [
        ("total", a.total),
        ("female", a.female),
        ("male", a.male),
        ("under_18", a.under_18),
        ("declared_people", a.declared_people),
    ] {
        if v.is_some_and(|n| !(0..=MAX_HEADCOUNT).contains(&n)) {
            err(
                &format!("attendance.{name}"),
                format!("must be 0 to {MAX_HEADCOUNT}"),
            );
        }
    }
    let Some(total) = a.total else {
        err("attendance.total", "required".into());
        return;
    };
    if a.female.unwrap_or(0) + a.male.unwrap_or(0) > total {
        err("attendance", "female + male must not exceed total".into());
    }
    if a.under_18.is_some_and(|u| u > total) {
        err("attendance.under_18", "must not exceed total".into());
    }
    if a.declared_people.is_some_and(|d| d > total) {
        err(
            "attendance.declared_people",
            "must not exceed total (people are at most the person-times)".into(),
        );
    }
    check_identified(a, identified, err);
}

/// Checks a headcount against the identified participants: the total and
/// the declared people hold them.
pub(super) fn check_identified(
    a: &Attendance,
    identified: i64,
    err: &mut impl FnMut(&str, String),
) {
    if a.total.is_some_and(|t| identified > t) {
        err(
            "attendance.total",
            format!("must be at least the {identified} distinct identified participants"),
        );
    }
    if a.declared_people.is_some_and(|d| d < identified) {
        err(
            "attendance.declared_people",
            format!("must be at least the {identified} distinct identified participants"),
        );
    }
}
