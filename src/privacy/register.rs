//! The processing register (Decree 356/2025/NĐ-CP; PRIVACY.md): what
//! personal data the service processes, why, on what basis, who receives
//! it, how long it is kept and how it is protected, with the counts that
//! change (identifiers held, requests, breaches), for the operator's
//! impact-assessment dossier. Legal bases are not recorded per event yet
//! (PRIVACY.md, "Not built yet"): the register says so rather than guess.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::Settings;
use crate::db::{DbConn, privacy as table};
use crate::error::ApiError;

/// One category of personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DataCategory {
    /// `citizen_id`, `phone`, `student_id`.
    pub category: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Children's data (a legal representative's consent, unless a law provides otherwise).
    pub children: bool,
}

/// Counts as of the register's time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterFigures {
    /// Keyed identifiers held (raw values are never stored).
    pub identifiers_held: i64,
    /// Live events holding identified people.
    pub events_with_identifiers: i64,
    /// Identifiers erased at a person's request (kept as keyed hashes so that no write brings them back).
    pub identifiers_erased: i64,
    /// Requests from the people recorded: open, of which past their due date, and done.
    pub requests_open: i64,
    /// Open requests past their due date.
    pub requests_overdue: i64,
    /// Requests done.
    pub requests_done: i64,
    /// Breaches recorded, and of them not yet notified.
    pub breaches: i64,
    /// Breaches not yet notified.
    pub breaches_not_notified: i64,
}

/// The participant key: how many rotations, and when the last one ran.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyStatus {
    /// Rotations made (the key's epoch: 0 before the first).
    pub epoch: i32,
    /// When the last rotation started (UTC), if one ever did.
    pub last_rotation_started_at: Option<DateTime<Utc>>,
    /// When it ended (UTC); none while it runs.
    pub last_rotation_finished_at: Option<DateTime<Utc>>,
    /// Whether a rotation is under way (writes carrying participants wait).
    pub rotating: bool,
}

/// The processing register.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Register {
    /// When it was read (UTC).
    pub as_of: DateTime<Utc>,
    /// The controller: the deployment's issuing body (`REPORT_ISSUER`), when set.
    pub controller: Vec<String>,
    /// Why the data is processed.
    pub purposes: Vec<&'static str>,
    /// The categories of personal data.
    pub data_categories: Vec<DataCategory>,
    /// The legal bases, as far as the service records them.
    pub legal_bases: &'static str,
    /// Who receives what.
    pub recipients: Vec<&'static str>,
    /// How long identifiers are kept.
    pub retention: String,
    /// How the data is protected.
    pub security_measures: Vec<&'static str>,
    /// The participant key's rotations.
    pub participant_key: KeyStatus,
    /// The counts.
    pub figures: RegisterFigures,
}

/// The register as of now.
pub fn read(conn: &mut DbConn, settings: &Settings) -> Result<Register, ApiError> {
    let c = table::register_counts(conn, crate::domain::calendar::today())?;
    let key = crate::db::key_epoch::read(conn)?;
    Ok(Register {
        as_of: Utc::now(),
        controller: settings.letterhead.issuer.clone(),
        purposes: vec![
            "Đếm số người khác nhau được tuyên truyền phòng, chống mua bán người, không tính trùng giữa các hoạt động và cơ quan (counting the different people reached by anti-trafficking outreach, without double counting)",
        ],
        data_categories: vec![
            DataCategory {
                category: "citizen_id",
                description: "Số căn cước công dân / CMND (citizen id)",
                children: false,
            },
            DataCategory {
                category: "phone",
                description: "Số điện thoại (phone number)",
                children: false,
            },
            DataCategory {
                category: "student_id",
                description: "Mã học sinh với mã trường (student id with school)",
                children: true,
            },
        ],
        legal_bases: "Not recorded per event yet: each agency answers for the basis on which it collected its participants' identifiers (PRIVACY.md, \"Not built yet\").",
        recipients: vec![
            "The agency that reported an event: its own events, never the identifiers (only counts of identified people)",
            "Viewers and admins of the deployment: aggregates (counts), never identifiers",
            "The public: published aggregates only, small counts withheld",
        ],
        retention: match settings.retention_years {
            Some(y) => format!(
                "{y} years after an event ends, once its period is published (PARTICIPANT_RETENTION_YEARS); until erased otherwise"
            ),
            None => "Until erased at the person's request (PARTICIPANT_RETENTION_YEARS is not set)"
                .into(),
        },
        security_measures: vec![
            "Identifiers are keyed hashes (HMAC-SHA256 with the participant key); raw values are never stored, logged or returned",
            "Role-based access by named accounts (Argon2id passwords, optional or required second factor) and agency tokens; every change in the audit log",
            "Publications withhold small counts and every cell that could be worked out from others",
            "Erasure on request, an erased list against re-imports, retention, and a breach log with its 72-hour deadline",
            "The participant key is rotated without raw values (keys rotate-participant-key): a leaked older secret alone reverses nothing stored",
        ],
        participant_key: KeyStatus {
            epoch: key.epoch,
            last_rotation_started_at: key.started_at.map(|t| t.and_utc()),
            last_rotation_finished_at: key.finished_at.map(|t| t.and_utc()),
            rotating: key.rotating_to.is_some(),
        },
        figures: RegisterFigures {
            identifiers_held: c.identifiers_held,
            events_with_identifiers: c.events_with_identifiers,
            identifiers_erased: c.erased,
            requests_open: c.requests_open,
            requests_overdue: c.requests_overdue,
            requests_done: c.requests_done,
            breaches: c.breaches,
            breaches_not_notified: c.breaches_open,
        },
    })
}
