//! The `If-Match` precondition of a replace.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;
use crate::events::Expected;

/// What `If-Match` asks of the stored version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match` header.
    Absent,
    /// `*`: any existing version.
    Any,
    /// `"7"` or `W/"7"`: that version.
    Version(i64),
}

impl IfMatch {
    /// Parses the request's `If-Match`: `"7"`, `W/"7"`, or `*`. Anything
    /// else is a 400. Handlers call it after their own checks, so that a
    /// forbidden caller or a malformed body is answered first.
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let Some(v) = req.headers().get(header::IF_MATCH) else {
            return Ok(IfMatch::Absent);
        };
        Self::parse(v.to_str().unwrap_or(""))
    }

    fn parse(value: &str) -> Result<Self, ApiError> {
        let s = value.trim();
        if s == "*" {
            return Ok(IfMatch::Any);
        }
        let tag = s.trim_start_matches("W/").trim_matches('"');
        tag.parse::<i64>().map(IfMatch::Version).map_err(|_| {
            ApiError::BadRequest("If-Match must be an ETag returned by this service, or *".into())
        })
    }

    /// The version a replace by id expects, which needs `If-Match` (428
    /// without it): the one sent, or `None` for `*` (any stored version).
    pub fn required(self) -> Result<Option<i64>, ApiError> {
        match self {
            IfMatch::Absent => Err(ApiError::PreconditionRequired(
                "send If-Match with the ETag of the version you replace".into(),
            )),
            IfMatch::Any => Ok(None),
            IfMatch::Version(v) => Ok(Some(v)),
        }
    }

    /// The revision a consent names: none without the header, 428 for `*`
    /// (consent is to specific figures, never to whatever is there).
    pub fn revision(self) -> Result<Option<i64>, ApiError> {
        match self {
            IfMatch::Absent => Ok(None),
            IfMatch::Any => Err(ApiError::PreconditionRequired(
                "If-Match: * names no figures; send the revision you read".into(),
            )),
            IfMatch::Version(v) => Ok(Some(v)),
        }
    }

    /// The version named, if any (`*` and no header name none).
    pub fn version(self) -> Option<i64> {
        match self {
            IfMatch::Version(v) => Some(v),
            IfMatch::Absent | IfMatch::Any => None,
        }
    }

    /// What a write by external id expects of the stored event; `*` is
    /// checked against the row the write itself locks.
    pub fn expected(self) -> Expected {
        match self {
            IfMatch::Absent => Expected::Nothing,
            IfMatch::Any => Expected::Existing,
            IfMatch::Version(v) => Expected::Version(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_weak_and_any_tags_parse() {
        assert_eq!(IfMatch::parse("\"7\"").unwrap(), IfMatch::Version(7));
        assert_eq!(IfMatch::parse(" W/\"7\" ").unwrap(), IfMatch::Version(7));
        assert_eq!(IfMatch::parse("*").unwrap(), IfMatch::Any);
        assert!(matches!(
            IfMatch::parse("\"abc\""),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(IfMatch::parse(""), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn any_takes_the_stored_version() {
        assert_eq!(IfMatch::Any.expected(), Expected::Existing);
        assert_eq!(IfMatch::Version(2).expected(), Expected::Version(2));
        assert_eq!(IfMatch::Absent.expected(), Expected::Nothing);
        assert!(matches!(
            IfMatch::Absent.required(),
            Err(ApiError::PreconditionRequired(_))
        ));
        assert_eq!(IfMatch::Any.required().unwrap(), None);
    }
}
