//! Request extractors whose failures are problem+json with the failing field
//! named, instead of actix's plain-text defaults.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// A JSON request body. Requires `Content-Type: application/json`; a syntax
/// error is 400, a body of the wrong shape is 422 naming the field (unknown
/// fields included, for types that deny them).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// Another extractor whose failure waits until the handler asks for it
/// ([`Late::get`]). Routes on one event use it for their body and query, so
/// that an event the caller may not see answers 404 whatever else the
/// request holds, exactly as one that does not exist.
#[derive(Debug)]
pub struct Late<E>(Result<E, ApiError>);

impl<E> Late<E> {
    /// The extracted value, or the error extracting it gave.
    pub fn get(self) -> Result<E, ApiError> {
        self.0
    }
}

/// A raw file body (imports), within the body limit: `text/csv`, a
/// workbook (`.xlsx`), or `application/octet-stream` (a file upload, what
/// generated clients send).
#[derive(Debug)]
pub struct RawBody(pub web::Bytes);

type BoxFut<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

fn content_type_is(req: &HttpRequest, wanted: &[&str]) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|ct| wanted.iter().any(|w| ct == *w))
}

fn read_body(req: &HttpRequest, payload: &mut Payload) -> BoxFut<web::Bytes> {
    let fut = web::Bytes::from_request(req, payload);
    Box::pin(async move { fut.await.map_err(payload_error) })
}

/// Maps a body-reading failure to its problem.
pub fn payload_error(e: actix_web::Error) -> ApiError {
    match e.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => {
            ApiError::PayloadTooLarge("the request body is larger than the configured limit".into())
        }
        Some(other) => ApiError::BadRequest(format!("could not read the request body: {other}")),
        None => ApiError::BadRequest(format!("could not read the request body: {e}")),
    }
}

/// Parses a JSON document into `T`, naming every failing field at once
/// (unknown, ill-typed or missing: see [`crate::lenient`]).
/// Every body of this API is a JSON object: serde would otherwise accept a
/// struct written as an array.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_escaped_nul(bytes) {
        return Err(ApiError::field(
            "body",
            "text must not contain NUL (\\u0000) characters",
        ));
    }
    if let Some(path) = super::duplicate_keys::first_duplicate(bytes) {
        return Err(ApiError::field(
            path,
            "this key appears twice in one object",
        ));
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    // Syntax first (400); then every field error at once (422).
    let doc: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    let read = crate::lenient::collect::<T>(doc);
    match read.value {
        Some(v) if read.errors.is_empty() => Ok(v),
        _ if read.errors.is_empty() => Err(ApiError::field("body", "could not be read")),
        _ => Err(ApiError::validation(read.errors)),
    }
}

/// A JSON merge patch (RFC 7396): `Content-Type: application/merge-patch+json`
/// (or `application/json`): a JSON object, read with the checks of every
/// body (no NUL, no repeated key).
#[derive(Debug)]
pub struct MergePatch(pub serde_json::Value);

impl FromRequest for MergePatch {
    type Error = ApiError;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !content_type_is(req, &["application/merge-patch+json", "application/json"]) {
            return Box::pin(async {
                Err(ApiError::UnsupportedMediaType(
                    "a merge patch is sent with Content-Type: application/merge-patch+json".into(),
                ))
            });
        }
        let body = read_body(req, payload);
        Box::pin(async move { parse_json(&body.await?).map(MergePatch) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !content_type_is(req, &["application/json"]) {
            return Box::pin(async {
                Err(ApiError::UnsupportedMediaType(
                    "the body must be sent with Content-Type: application/json".into(),
                ))
            });
        }
        let body = read_body(req, payload);
        Box::pin(async move { parse_json(&body.await?).map(JsonBody) })
    }
}

impl<E> FromRequest for Late<E>
where
    E: FromRequest<Error = ApiError> + 'static,
    E::Future: 'static,
{
    type Error = ApiError;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let inner = E::from_request(req, payload);
        Box::pin(async move { Ok(Late(inner.await)) })
    }
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !content_type_is(
            req,
            &[
                "text/csv",
                "application/octet-stream",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ],
        ) {
            return Box::pin(async {
                Err(ApiError::UnsupportedMediaType(
                    "the body must be sent with Content-Type: text/csv (or application/octet-stream)"
                        .into(),
                ))
            });
        }
        let body = read_body(req, payload);
        Box::pin(async move {
            let bytes = body.await?;
            // Text holds no NUL; a workbook (a zip) is binary, and its
            // reader checks it as a whole.
            if !bytes.starts_with(b"PK\x03\x04") && bytes.contains(&0) {
                return Err(ApiError::field("body", "must not contain NUL bytes"));
            }
            Ok(RawBody(bytes))
        })
    }
}

/// A free-text parameter sent empty (`?cursor=`) means "not given".
pub fn given(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// Query parameters; repeated keys (`agency=a&agency=b`) fill a `Vec`.
/// Unknown parameters and bad values are 422 naming the parameter.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

/// Parses a query string into `T`.
/// Whether a JSON text holds an escaped NUL (`\u0000`) inside a string:
/// PostgreSQL cannot store it, and no field of this API needs it.
fn has_escaped_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u')
                && bytes.get(i + 2..i + 6).is_some_and(|h| h == b"0000")
            {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// A parameter sent with an empty value (`?limit=`) is refused: every
/// parameter of this API is either absent or has a value. So is a NUL.
pub fn parse_query<T: DeserializeOwned>(qs: &str) -> Result<T, ApiError> {
    if qs.to_ascii_lowercase().contains("%00") {
        return Err(ApiError::field(
            "query",
            "parameters must not contain NUL characters",
        ));
    }
    let empty: Vec<FieldError> = qs
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| pair.split_once('=').is_none_or(|(_, v)| v.is_empty()))
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            let name = form_urlencoded::parse(format!("{name}=").as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            FieldError::new(name, "must not be empty; leave the parameter out instead")
        })
        .collect();
    if !empty.is_empty() {
        return Err(ApiError::validation(empty));
    }
    let de = serde_html_form::Deserializer::from_bytes(qs.as_bytes());
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let named = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"));
        let field = match (named, path.as_str()) {
            (Some(f), _) => f.to_string(),
            (None, "." | "") => "query".to_string(),
            (None, p) => p.to_string(),
        };
        ApiError::validation(vec![FieldError::new(field, crate::lenient::scrub(&msg))])
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(QueryParams))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be deserialised")]
    struct Body {
        title: String,
        n: u32,
    }

    fn field_of(e: ApiError) -> String {
        match e {
            ApiError::Validation { errors, .. } => errors[0].field.clone(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(
            field_of(parse_json::<Body>(br#"{"title":"a","n":"x"}"#).unwrap_err()),
            "n"
        );
        assert_eq!(
            field_of(parse_json::<Body>(br#"{"title":"a","n":1,"agency":"x"}"#).unwrap_err()),
            "agency"
        );
        assert!(matches!(
            parse_json::<Body>(b"{not json").unwrap_err(),
            ApiError::BadRequest(_)
        ));
    }

    #[test]
    fn nul_characters_are_refused() {
        assert!(matches!(
            parse_json::<Body>(br#"{"title":"a\u0000b","n":1}"#),
            Err(ApiError::Validation { .. })
        ));
        assert!(
            parse_json::<Body>(br#"{"title":"a\\u0000b","n":1}"#).is_ok(),
            "an escaped backslash is text"
        );
        assert!(parse_query::<Q>("agency=a%00b").is_err());
    }

    #[test]
    fn type_errors_do_not_echo_values() {
        let e = parse_json::<Body>(br#"{"title":"a","n":"079123456789"}"#).unwrap_err();
        assert!(!format!("{:?}", e.problem()).contains("079123456789"));
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Q {
        #[serde(default)]
        agency: Vec<String>,
        limit: Option<u32>,
    }

    #[test]
    fn repeated_query_keys_fill_a_vec() {
        let q: Q = parse_query("agency=a&agency=b&limit=3").unwrap();
        assert_eq!(q.agency, vec!["a", "b"]);
        assert_eq!(q.limit, Some(3));
        assert!(parse_query::<Q>("limit=x").is_err());
        assert_eq!(field_of(parse_query::<Q>("bogus=1").unwrap_err()), "bogus");
    }
}
