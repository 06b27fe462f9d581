//! The `If-Match` precondition of a replace.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::domain::Versions;
use crate::error::ApiError;
use crate::events::Expected;

/// What `If-Match` asks of the stored version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match` header.
    Absent,
    /// `*`: any existing version.
    Any,
    /// `"7"`, or a list (`"3", "4"`): one of those versions. Weak tags
    /// (`W/"7"`) are kept out: `If-Match` compares strongly (RFC 9110
    /// 13.1.1), so a list of weak tags alone matches nothing (412).
    Versions(Versions),
}

impl IfMatch {
    /// Parses the request's `If-Match`: `*`, or a comma-separated list of
    /// entity tags (`"7"`, `W/"7"`). Anything else is a 400. Handlers call
    /// it after their own checks, so that a forbidden caller or a
    /// malformed body is answered first.
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let values: Vec<&str> = req
            .headers()
            .get_all(header::IF_MATCH)
            .map(|v| v.to_str().unwrap_or("\u{0}"))
            .collect();
        if values.is_empty() {
            return Ok(IfMatch::Absent);
        }
        Self::parse(&values.join(","))
    }

    fn parse(value: &str) -> Result<Self, ApiError> {
        let s = value.trim();
        if s == "*" {
            return Ok(IfMatch::Any);
        }
        let bad = || {
            ApiError::BadRequest(
                "If-Match must be * or ETags returned by this service (\"7\", or a list: \"3\", \"4\")"
                    .into(),
            )
        };
        let mut strong = Vec::new();
        for tag in s.split(',').map(str::trim) {
            let (weak, quoted) = match tag.strip_prefix("W/") {
                Some(rest) => (true, rest),
                None => (false, tag),
            };
            let inner = quoted
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or_else(bad)?;
            let v = inner.parse::<i64>().map_err(|_| bad())?;
            if !weak {
                strong.push(v);
            }
        }
        Ok(IfMatch::Versions(Versions(strong)))
    }

    /// The versions a replace by id expects, which needs `If-Match` (428
    /// without it): those sent, or `None` for `*` (any stored version).
    pub fn required(self) -> Result<Option<Versions>, ApiError> {
        match self {
            IfMatch::Absent => Err(ApiError::PreconditionRequired(
                "send If-Match with the ETag of the version you replace".into(),
            )),
            IfMatch::Any => Ok(None),
            IfMatch::Versions(v) => Ok(Some(v)),
        }
    }

    /// The revisions a consent names: none without the header, 428 for `*`
    /// (consent is to specific figures, never to whatever is there).
    pub fn revision(self) -> Result<Option<Versions>, ApiError> {
        match self {
            IfMatch::Absent => Ok(None),
            IfMatch::Any => Err(ApiError::PreconditionRequired(
                "If-Match: * names no figures; send the revision you read".into(),
            )),
            IfMatch::Versions(v) => Ok(Some(v)),
        }
    }

    /// The versions named, if any (`*` and no header name none).
    pub fn version(self) -> Option<Versions> {
        match self {
            IfMatch::Versions(v) => Some(v),
            IfMatch::Absent | IfMatch::Any => None,
        }
    }

    /// What a write by external id expects of the stored event; `*` is
    /// checked against the row the write itself locks.
    pub fn expected(self) -> Expected {
        match self {
            IfMatch::Absent => Expected::Nothing,
            IfMatch::Any => Expected::Existing,
            IfMatch::Versions(v) => Expected::Version(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(v: &[i64]) -> IfMatch {
        IfMatch::Versions(Versions(v.to_vec()))
    }

    #[test]
    fn strong_tags_lists_and_any_parse_and_weak_tags_never_match() {
        assert_eq!(IfMatch::parse("\"7\"").unwrap(), versions(&[7]));
        assert_eq!(IfMatch::parse(" \"3\" , \"4\"").unwrap(), versions(&[3, 4]));
        // Strong comparison: a weak tag names nothing.
        assert_eq!(IfMatch::parse(" W/\"7\" ").unwrap(), versions(&[]));
        assert_eq!(IfMatch::parse("W/\"7\", \"8\"").unwrap(), versions(&[8]));
        assert_eq!(IfMatch::parse("*").unwrap(), IfMatch::Any);
        for bad in ["\"abc\"", "", "7", "\"7\", x"] {
            assert!(
                matches!(IfMatch::parse(bad), Err(ApiError::BadRequest(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn any_takes_the_stored_version() {
        assert_eq!(IfMatch::Any.expected(), Expected::Existing);
        assert_eq!(
            versions(&[2]).expected(),
            Expected::Version(Versions::one(2))
        );
        assert_eq!(IfMatch::Absent.expected(), Expected::Nothing);
        assert!(matches!(
            IfMatch::Absent.required(),
            Err(ApiError::PreconditionRequired(_))
        ));
        assert_eq!(IfMatch::Any.required().unwrap(), None);
    }
}
