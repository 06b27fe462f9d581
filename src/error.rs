//! One error type for the whole crate, rendered as RFC 9457 problem details.
//!
//! Every variant has one HTTP status. Internal errors are logged with their
//! context and answered with an opaque 500 so that no SQL, path or secret
//! leaves the service.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field's problem in a validation error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `participants[3].value` or `start_date`.
    pub field: String,
    /// What is wrong with it (never echoes a participant identifier).
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem details body.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// Every invalid field (validation errors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The existing record a conflict refers to: an event's id, or the code
    /// of an agency or a unit (so not always a UUID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
    /// The locked period a write would change (`period-locked` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_period: Option<String>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be parsed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or invalid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: valid credentials without the needed role.
    #[error("{0}")]
    Forbidden(String),
    /// A person's sign-in or session refused for a reason the page must
    /// tell apart (its own problem type).
    #[error("{detail}")]
    Denied {
        /// Why.
        kind: Denial,
        /// What to do.
        detail: String,
    },
    /// 404: no such resource (or not visible to this caller).
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists with other methods.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// Methods the path accepts.
        allow: Vec<String>,
    },
    /// 409: conflicts with an existing record.
    #[error("{detail}")]
    Conflict {
        /// Explanation.
        detail: String,
        /// Id of the existing record.
        existing_id: Option<String>,
    },
    /// 409: the write would change figures of a locked period.
    #[error("{detail}")]
    Locked {
        /// The locked period (`2025-07`).
        period: String,
        /// Explanation.
        detail: String,
    },
    /// 412: `If-Match` did not match.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: body over the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 414: the request target (its query string) is too long.
    #[error("{0}")]
    UriTooLong(String),
    /// 415: wrong content type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the request parsed but some fields are invalid.
    #[error("{detail}")]
    Validation {
        /// Summary.
        detail: String,
        /// Every bad field.
        errors: Vec<FieldError>,
    },
    /// 428: `If-Match` is required.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 429: over the per-token rate limit.
    #[error("rate limit exceeded")]
    TooManyRequests {
        /// Seconds until a request will be accepted again.
        retry_after: u64,
    },
    /// 429: over a standing quota (the pending claims one agency may file on
    /// another); `field` names what is over it. Waiting does not help, so
    /// no `Retry-After`: the other agency must answer first.
    #[error("{detail}")]
    QuotaExceeded {
        /// The request's field over the quota (`co_organizers`).
        field: String,
        /// The quota and how to get under it.
        detail: String,
    },
    /// 503: the database is unavailable or every connection is busy.
    #[error("{0}")]
    Unavailable(String),
    /// 503: a write found it must change same-as links while holding only
    /// the shared links lock. Writes retry once with the exclusive lock
    /// (see `events::links::in_write_tx`), so a client sees it only if
    /// that retry met it again.
    #[error("{0}")]
    NeedsLinksLock(String),
    /// 500: a bug or an unexpected failure; the context and the whole source
    /// chain are logged, never returned.
    #[error("{context}")]
    Internal {
        /// What was being done.
        context: String,
        /// The underlying error, kept for the log.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl ApiError {
    /// A 422 with the given field errors.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => format!("1 invalid field: {}", errors[0].field),
            n => format!("{n} invalid fields"),
        };
        Self::Validation { detail, errors }
    }

    /// A 422 for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// An internal error with context, logged when rendered.
    pub fn internal(context: impl std::fmt::Display) -> Self {
        Self::Internal {
            context: context.to_string(),
            source: None,
        }
    }

    /// An internal error with context and the error that caused it.
    pub fn internal_with(
        context: impl std::fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            context: context.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// The kind of problem (its slug in [`PROBLEM_TYPES`]).
    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::Denied { kind, .. } => kind.slug(),
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::Conflict { .. } => "conflict",
            Self::Locked { .. } => "period-locked",
            Self::PreconditionFailed(_) => "precondition-failed",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::UriTooLong(_) => "uri-too-long",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::Validation { .. } => "validation",
            Self::PreconditionRequired(_) => "precondition-required",
            Self::TooManyRequests { .. } => "rate-limited",
            Self::QuotaExceeded { .. } => "quota-exceeded",
            Self::Unavailable(_) | Self::NeedsLinksLock(_) => "unavailable",
            Self::Internal { .. } => "internal",
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        let slug = self.slug();
        let title = PROBLEM_TYPES
            .iter()
            .find(|p| p.slug == slug)
            .map_or("Error", |p| p.title);
        (slug, title)
    }

    /// The problem body for this error.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let detail = match self {
            Self::Internal { .. } => {
                "An unexpected error occurred; it has been logged.".to_string()
            }
            Self::MethodNotAllowed { allow } => {
                format!("This path accepts: {}", allow.join(", "))
            }
            Self::TooManyRequests { retry_after } => {
                format!("Too many requests for this token; retry in {retry_after} s")
            }
            other => other.to_string(),
        };
        Problem {
            type_: problem_type(slug),
            title: title.to_string(),
            status: self.status_code().as_u16(),
            detail,
            errors: match self {
                Self::Validation { errors, .. } => Some(errors.clone()),
                Self::QuotaExceeded { field, detail } => {
                    Some(vec![FieldError::new(field.clone(), detail.clone())])
                }
                _ => None,
            },
            existing_id: match self {
                Self::Conflict { existing_id, .. } => existing_id.clone(),
                _ => None,
            },
            locked_period: match self {
                Self::Locked { period, .. } => Some(period.clone()),
                _ => None,
            },
        }
    }
}

/// Why a person's sign-in or session request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Wrong username or password (the same answer for both).
    SignInFailed,
    /// The account has a second factor: send `totp` (or a recovery code).
    TotpRequired,
    /// The account is disabled.
    AccountDisabled,
    /// A cookie-authenticated change without the CSRF token or from
    /// another origin.
    Csrf,
    /// The password was reset: change it first.
    PasswordChangeRequired,
    /// Admins must enrol a second factor first.
    MfaRequired,
}

impl Denial {
    fn slug(self) -> &'static str {
        match self {
            Self::SignInFailed => "sign-in-failed",
            Self::TotpRequired => "totp-required",
            Self::AccountDisabled => "account-disabled",
            Self::Csrf => "csrf",
            Self::PasswordChangeRequired => "password-change-required",
            Self::MfaRequired => "mfa-required",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::SignInFailed | Self::TotpRequired => StatusCode::UNAUTHORIZED,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

/// A kind of problem: its slug (`type` is
/// `urn:campaign-tracker:problem:<slug>`), title, statuses and meaning.
#[derive(Debug, Clone, Copy)]
pub struct ProblemType {
    /// The last part of the `type` URI.
    pub slug: &'static str,
    /// The `title` every problem of this kind carries.
    pub title: &'static str,
    /// The HTTP statuses it comes with.
    pub statuses: &'static str,
    /// What it means and what to do.
    pub meaning: &'static str,
}

/// Every kind of problem the API answers (the one table: titles come from
/// it, and the OpenAPI document and README list it).
pub const PROBLEM_TYPES: &[ProblemType] = &[
    ProblemType {
        slug: "validation",
        title: "Invalid request",
        statuses: "422",
        meaning: "a field or parameter is invalid; `errors` names every one (`items[3].title`)",
    },
    ProblemType {
        slug: "bad-request",
        title: "Bad request",
        statuses: "400",
        meaning: "the request cannot be read (malformed JSON, a malformed If-Match)",
    },
    ProblemType {
        slug: "unauthorized",
        title: "Authentication required",
        statuses: "401",
        meaning: "no valid bearer token (missing, expired, revoked); `WWW-Authenticate: Bearer`",
    },
    ProblemType {
        slug: "sign-in-failed",
        title: "Sign-in failed",
        statuses: "401",
        meaning: "wrong username or password (the answer never says which), or a wrong current password",
    },
    ProblemType {
        slug: "totp-required",
        title: "Second factor required",
        statuses: "401",
        meaning: "the account has a second factor: sign in again with `totp` (a code from the authenticator app, or a recovery code)",
    },
    ProblemType {
        slug: "account-disabled",
        title: "Account disabled",
        statuses: "403",
        meaning: "an admin disabled the account; its sessions have ended",
    },
    ProblemType {
        slug: "csrf",
        title: "Cross-site request refused",
        statuses: "403",
        meaning: "a change made with the session cookie needs the `X-CSRF-Token` header (`csrf_token` of `GET /api/v1/session`) and an `Origin` of the service itself; nothing was changed",
    },
    ProblemType {
        slug: "password-change-required",
        title: "Password change required",
        statuses: "403",
        meaning: "an admin reset the password: change it (`POST /api/v1/session/password`) before anything else",
    },
    ProblemType {
        slug: "mfa-required",
        title: "Second factor enrolment required",
        statuses: "403",
        meaning: "admins must enrol a second factor here (`POST /api/v1/session/totp`) before anything else",
    },
    ProblemType {
        slug: "forbidden",
        title: "Forbidden",
        statuses: "403",
        meaning: "the token's role may not do this (a viewer writing, a public token reading records)",
    },
    ProblemType {
        slug: "not-found",
        title: "Not found",
        statuses: "404",
        meaning: "no such resource, or none the caller may see",
    },
    ProblemType {
        slug: "method-not-allowed",
        title: "Method not allowed",
        statuses: "405",
        meaning: "the path exists with other methods; `Allow` lists them",
    },
    ProblemType {
        slug: "conflict",
        title: "Conflict",
        statuses: "409",
        meaning: "the external_id names another event, or a deleted one (send restore=true); `existing_id` points to it",
    },
    ProblemType {
        slug: "period-locked",
        title: "Period locked",
        statuses: "409",
        meaning: "the write would change a locked period's figures; `locked_period` names it",
    },
    ProblemType {
        slug: "precondition-failed",
        title: "Precondition failed",
        statuses: "412",
        meaning: "If-Match or If-None-Match does not hold: read the resource again",
    },
    ProblemType {
        slug: "payload-too-large",
        title: "Payload too large",
        statuses: "413",
        meaning: "the body is over JSON_LIMIT_BYTES",
    },
    ProblemType {
        slug: "uri-too-long",
        title: "Request target too long",
        statuses: "414",
        meaning: "the query string is over 8 KiB",
    },
    ProblemType {
        slug: "unsupported-media-type",
        title: "Unsupported media type",
        statuses: "415",
        meaning: "the body's Content-Type is not one the operation reads",
    },
    ProblemType {
        slug: "precondition-required",
        title: "Precondition required",
        statuses: "428",
        meaning: "this write needs If-Match (the ETag or revision read)",
    },
    ProblemType {
        slug: "rate-limited",
        title: "Too many requests",
        statuses: "429",
        meaning: "over the token's request rate or its heavy answers in flight; retry after `Retry-After`",
    },
    ProblemType {
        slug: "quota-exceeded",
        title: "Over a quota",
        statuses: "429",
        meaning: "over a standing quota (claims pending on one agency); waiting does not help, the other side must answer",
    },
    ProblemType {
        slug: "unavailable",
        title: "Service unavailable",
        statuses: "503",
        meaning: "the database is busy, down or full, heavy answers are all taken, or (for writes carrying participants) the participant key is being rotated; retry after `Retry-After`",
    },
    ProblemType {
        slug: "internal",
        title: "Internal server error",
        statuses: "500",
        meaning: "a bug: it is logged; the body says nothing more",
    },
];

/// The `type` URI of a problem kind.
pub fn problem_type(slug: &str) -> String {
    format!("urn:campaign-tracker:problem:{slug}")
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Denied { kind, .. } => kind.status(),
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } | Self::Locked { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests { .. } | Self::QuotaExceeded { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Unavailable(_) | Self::NeedsLinksLock(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal { context, source } = self {
            let mut chain = String::new();
            let mut cause = source
                .as_deref()
                .map(|s| s as &(dyn std::error::Error + 'static));
            while let Some(c) = cause {
                chain.push_str(": ");
                chain.push_str(&c.to_string());
                cause = c.source();
            }
            log::error!("internal error: {context}{chain}");
        }
        let mut resp = HttpResponse::build(self.status_code());
        resp.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            _ if self.status_code() == StatusCode::UNAUTHORIZED => {
                resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::MethodNotAllowed { allow } => {
                resp.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::TooManyRequests { retry_after } => {
                resp.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unavailable(_) | Self::NeedsLinksLock(_) => {
                resp.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        resp.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match &e {
            E::NotFound => Self::NotFound("not found".into()),
            E::DatabaseError(K::UniqueViolation, _) => Self::Conflict {
                detail: "a record with the same key already exists".into(),
                existing_id: None,
            },
            E::DatabaseError(K::ClosedConnection, _) => {
                Self::Unavailable("the database connection was lost; retry shortly".into())
            }
            E::DatabaseError(_, info) if is_busy(info.message()) => {
                Self::Unavailable("the database is busy; retry shortly".into())
            }
            E::DatabaseError(_, info) if is_storage_failure(info.message()) => Self::Unavailable(
                "the database's storage is full or read-only; nothing was written, retry later"
                    .into(),
            ),
            _ => Self::internal_with("database error", e),
        }
    }
}

/// Disk full or read-only storage, as SQLite (`SQLITE_FULL`,
/// `SQLITE_READONLY`, `SQLITE_IOERR`) and PostgreSQL (`53100 disk_full`,
/// `25006 read_only_sql_transaction`) word it. The transaction is rolled
/// back, so nothing is half-written; the request may be retried.
fn is_storage_failure(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database or disk is full")
        || m.contains("readonly database")
        || m.contains("disk i/o error")
        || m.contains("no space left on device")
        || m.contains("could not extend file")
        || m.contains("read-only transaction")
}

fn is_busy(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database is locked")
        || m.contains("database is busy")
        || m.contains("lock timeout")
        || m.contains("statement timeout")
        || m.contains("terminating connection")
        || m.contains("server closed the connection")
        || m.contains("could not connect")
        || m.contains("connection refused")
        || m.contains("no connection to the server")
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        log::warn!("no database connection available: {e}");
        Self::Unavailable("no database connection available; retry shortly".into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal_with("blocking task failed", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(
        e: &ApiError,
    ) -> (
        StatusCode,
        serde_json::Value,
        actix_web::http::header::HeaderMap,
    ) {
        let resp = e.error_response();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().try_into_bytes().unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), headers)
    }

    #[test]
    fn every_variant_has_its_status_and_problem_shape() {
        let cases: Vec<(ApiError, u16)> = vec![
            (ApiError::BadRequest("x".into()), 400),
            (ApiError::Unauthorized("x".into()), 401),
            (ApiError::Forbidden("x".into()), 403),
            (
                ApiError::Denied {
                    kind: Denial::SignInFailed,
                    detail: "x".into(),
                },
                401,
            ),
            (
                ApiError::Denied {
                    kind: Denial::Csrf,
                    detail: "x".into(),
                },
                403,
            ),
            (ApiError::NotFound("x".into()), 404),
            (
                ApiError::MethodNotAllowed {
                    allow: vec!["GET".into()],
                },
                405,
            ),
            (
                ApiError::Conflict {
                    detail: "x".into(),
                    existing_id: Some("id1".into()),
                },
                409,
            ),
            (
                ApiError::Locked {
                    period: "2025-07".into(),
                    detail: "x".into(),
                },
                409,
            ),
            (ApiError::PreconditionFailed("x".into()), 412),
            (ApiError::PayloadTooLarge("x".into()), 413),
            (ApiError::UnsupportedMediaType("x".into()), 415),
            (ApiError::field("title", "too long"), 422),
            (ApiError::PreconditionRequired("x".into()), 428),
            (ApiError::TooManyRequests { retry_after: 3 }, 429),
            (
                ApiError::QuotaExceeded {
                    field: "co_organizers".into(),
                    detail: "x".into(),
                },
                429,
            ),
            (ApiError::Unavailable("x".into()), 503),
            (ApiError::internal("secret SQL here"), 500),
        ];
        // The README lists every kind.
        let readme = include_str!("../README.md");
        for p in PROBLEM_TYPES {
            assert!(
                readme.contains(&format!("| `{}` | {} |", p.slug, p.statuses)),
                "README does not list the problem kind {}",
                p.slug
            );
        }
        for (err, _) in &cases {
            assert!(
                PROBLEM_TYPES.iter().any(|p| p.slug == err.slug()
                    && p.statuses.contains(&err.status_code().as_u16().to_string())),
                "{err:?} is not in PROBLEM_TYPES with its status"
            );
        }
        for (err, status) in cases {
            let (s, body, headers) = body_of(&err);
            assert_eq!(s.as_u16(), status, "{err:?}");
            assert_eq!(body["status"], status);
            assert!(
                body["type"]
                    .as_str()
                    .unwrap()
                    .starts_with("urn:campaign-tracker:problem:")
            );
            assert!(body["title"].is_string() && body["detail"].is_string());
            assert_eq!(headers.get("content-type").unwrap(), PROBLEM_JSON);
            match status {
                401 => assert_eq!(headers.get("www-authenticate").unwrap(), "Bearer"),
                405 => assert_eq!(headers.get("allow").unwrap(), "GET"),
                429 if body["type"] == problem_type("quota-exceeded") => {
                    assert!(headers.get("retry-after").is_none());
                    assert_eq!(body["errors"][0]["field"], "co_organizers");
                }
                429 => assert_eq!(headers.get("retry-after").unwrap(), "3"),
                503 => assert!(headers.get("retry-after").is_some()),
                409 if body["type"] == problem_type("period-locked") => {
                    assert_eq!(body["locked_period"], "2025-07");
                    assert!(body.get("existing_id").is_none());
                }
                409 => assert_eq!(body["existing_id"], "id1"),
                422 => assert_eq!(body["errors"][0]["field"], "title"),
                _ => {}
            }
        }
    }

    #[test]
    fn internal_errors_are_opaque() {
        let (_, body, _) = body_of(&ApiError::internal_with(
            "SELECT * FROM secret",
            std::io::Error::other("/etc/passwd"),
        ));
        let text = body.to_string();
        assert!(!text.contains("SELECT") && !text.contains("/etc"));
    }

    #[test]
    fn internal_errors_keep_their_source() {
        use std::error::Error as _;
        let err = ApiError::from(diesel::result::Error::RollbackTransaction);
        let source = err.source().expect("the diesel error is kept");
        assert!(source.to_string().contains("rollback"), "{source}");
    }

    #[test]
    fn diesel_errors_map_to_statuses() {
        use diesel::result::Error as E;
        assert_eq!(
            ApiError::from(E::NotFound).status_code(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ApiError::from(E::RollbackTransaction).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
