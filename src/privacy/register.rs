//! The processing register (Decree 356/2025/NĐ-CP; PRIVACY.md): what
//! personal data the service processes, why, on what basis, who receives
//! it, how long it is kept and how it is protected, with the counts that
//! change (identifiers held, requests, breaches), for the operator's
//! impact-assessment dossier, with the events holding identifiers counted
//! by the legal basis their agencies stated (`unknown` where none was).

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

/// Live events holding identified people on one legal basis.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BasisCount {
    /// `consent`, `legal_obligation`, `public_task`, or `unknown` (stored
    /// without one: before it was asked for, or in the deprecation period).
    pub legal_basis: String,
    /// Such events.
    pub events: i64,
    /// Of them, events holding student ids (children's data).
    pub events_with_children: i64,
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
    /// The legal bases of the live events holding identified people, as
    /// their agencies stated them (every basis listed, even at 0).
    pub legal_bases: Vec<BasisCount>,
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

/// Events by legal basis, every basis listed (in the vocabulary's order,
/// then `unknown`).
fn legal_bases(conn: &mut DbConn) -> Result<Vec<BasisCount>, ApiError> {
    let mut out: Vec<BasisCount> = crate::domain::LegalBasis::ALL
        .iter()
        .map(|b| b.as_str())
        .chain(["unknown"])
        .map(|b| BasisCount {
            legal_basis: b.to_string(),
            events: 0,
            events_with_children: 0,
        })
        .collect();
    for (basis, children, n) in table::events_by_legal_basis(conn)? {
        let name = basis.unwrap_or_else(|| "unknown".into());
        if let Some(row) = out.iter_mut().find(|r| r.legal_basis == name) {
            row.events += n;
            if children {
                row.events_with_children += n;
            }
        }
    }
    Ok(out)
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
        legal_bases: legal_bases(conn)?,
        recipients: vec![
            "Cơ quan báo cáo hoạt động: các hoạt động của chính mình, không bao giờ thấy định danh, chỉ số người được định danh (the reporting agency: its own events, never the identifiers, only counts)",
            "Người xem và quản trị hệ thống: số liệu tổng hợp, không bao giờ thấy định danh (viewers and admins: aggregates, never identifiers)",
            "Công chúng: chỉ số liệu tổng hợp đã công bố, ô số nhỏ được ẩn (the public: published aggregates only, small counts withheld)",
        ],
        retention: match settings.retention_years {
            Some(y) => format!(
                "{y} năm sau khi hoạt động kết thúc, khi kỳ báo cáo đã công bố; trước đó đến khi bị xóa theo yêu cầu ({y} years after an event ends, once its period is published: PARTICIPANT_RETENTION_YEARS; until erased otherwise)"
            ),
            None => "Đến khi bị xóa theo yêu cầu của người có dữ liệu (until erased at the person's request: PARTICIPANT_RETENTION_YEARS is not set)"
                .into(),
        },
        security_measures: vec![
            "Định danh được lưu dưới dạng mã băm có khóa (HMAC-SHA256), không bao giờ lưu, ghi nhật ký hay trả về giá trị gốc (identifiers are keyed hashes; raw values are never stored, logged or returned)",
            "Phân quyền theo tài khoản đứng tên (mật khẩu Argon2id, xác thực hai lớp) và mã truy cập của cơ quan; mọi thay đổi được ghi nhật ký (role-based access by named accounts and agency tokens; every change in the audit log)",
            "Số liệu công bố ẩn các ô số nhỏ và mọi ô có thể suy ra từ ô khác (publications withhold small counts and every cell that could be worked out from others)",
            "Xóa theo yêu cầu, danh sách đã xóa chặn việc nhập lại, thời hạn lưu trữ, sổ ghi sự cố với thời hạn thông báo 72 giờ (erasure on request, an erased list against re-imports, retention, a breach log with its 72-hour deadline)",
            "Khóa băm được thay định kỳ mà không cần giá trị gốc: khóa cũ bị lộ không còn giải được dữ liệu đang lưu (the participant key is rotated without raw values: a leaked older secret alone reverses nothing stored)",
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
