//! Tokens (HS256 JWTs with a pinned algorithm and a `kid` that only selects
//! among configured keys) and the per-token rate limit. No actix here: the
//! request-side caller is `http::Principal`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::error::ApiError;
use crate::secrets::load_or_create_key_file;

/// The three kinds of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages agencies, tokens and reference data; can do everything.
    Admin,
    /// A partner agency's system: writes its own events only.
    Agency,
    /// A dashboard: reads aggregates and reference data only.
    Viewer,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agency => "agency",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "agency" => Some(Role::Agency),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// JWT claims. All of `iss`, `aud`, `exp`, `nbf` are required on validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Subject: the token's label.
    pub sub: String,
    /// Role.
    pub role: Role,
    /// Agency code, for agency tokens only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires.
    pub exp: i64,
    /// Token id, checked against the token table on every request.
    pub jti: String,
}

/// Signing and verification keys.
pub struct Auth {
    keys: Vec<(String, Vec<u8>)>,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Auth").field("kids", &kids).finish()
    }
}

/// A freshly issued token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The JWT itself: shown once, never stored.
    pub token: String,
    /// Its claims.
    pub claims: Claims,
    /// Key id used.
    pub kid: String,
}

impl Auth {
    /// Loads configured keys, or the generated key file in the data directory
    /// (creating it with mode 0600 on first start).
    pub fn load(settings: &Settings) -> Result<Self, String> {
        let keys = if settings.jwt_keys.is_empty() {
            vec![load_or_create_key_file(
                &settings.data_dir.join("jwt.key"),
                "local",
            )?]
        } else {
            settings.jwt_keys.clone()
        };
        Ok(Self::new(keys, settings))
    }

    /// Builds from explicit keys (first one signs).
    pub fn new(keys: Vec<(String, Vec<u8>)>, settings: &Settings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = settings.jwt_leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_issuer(&[&settings.jwt_issuer]);
        validation.set_audience(&[&settings.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        Self {
            keys,
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
        }
    }

    /// Signs a new token (the caller records its `jti`).
    pub fn issue(
        &self,
        role: Role,
        agency: Option<String>,
        label: &str,
        ttl: chrono::Duration,
    ) -> Result<IssuedToken, ApiError> {
        let (kid, secret) = &self.keys[0];
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: label.to_string(),
            role,
            agency,
            iat: now,
            nbf: now,
            exp: now + ttl.num_seconds(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret))
            .map_err(|e| ApiError::internal(format!("signing a token: {e}")))?;
        Ok(IssuedToken {
            token,
            claims,
            kid: kid.clone(),
        })
    }

    /// Checks signature, algorithm, `kid`, and the time and audience claims.
    /// Does not check revocation (that needs the database).
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let bad = |why: &str| ApiError::Unauthorized(format!("invalid token: {why}"));
        let header = jsonwebtoken::decode_header(token).map_err(|_| bad("malformed"))?;
        if header.alg != Algorithm::HS256 {
            return Err(bad("algorithm not accepted"));
        }
        let kid = header.kid.ok_or_else(|| bad("no key id"))?;
        let secret = self
            .keys
            .iter()
            .find(|(k, _)| *k == kid)
            .map(|(_, s)| s)
            .ok_or_else(|| bad("unknown key id"))?;
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(secret),
            &self.validation,
        )
        .map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            match e.kind() {
                K::ExpiredSignature => bad("expired"),
                K::ImmatureSignature => bad("not yet valid"),
                K::InvalidSignature => bad("bad signature"),
                K::InvalidAudience | K::InvalidIssuer => bad("wrong audience or issuer"),
                K::MissingRequiredClaim(_) => bad("a required claim is missing"),
                _ => bad("malformed"),
            }
        })?;
        let c = data.claims;
        if (c.role == Role::Agency) != c.agency.is_some() {
            return Err(bad("role and agency disagree"));
        }
        Ok(c)
    }
}

/// A token bucket per token id: `per_minute` requests a minute, with bursts
/// up to the same number. Kept in memory per instance; several instances
/// behind a balancer each apply the limit.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter; 0 disables it.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s budget, or says when to retry.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            buckets.retain(|_, (_, t)| now.duration_since(*t).as_secs() < 60);
        }
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let retry_after = ((1.0 - *tokens) / rate).ceil().max(1.0) as u64;
            Err(ApiError::TooManyRequests { retry_after })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn settings() -> Settings {
        Settings::from_map(&BTreeMap::new()).unwrap()
    }

    fn auth() -> Auth {
        Auth::new(
            vec![("k1".into(), b"0123456789abcdef0123456789abcdef".to_vec())],
            &settings(),
        )
    }

    #[test]
    fn issued_token_verifies() {
        let a = auth();
        let t = a
            .issue(
                Role::Agency,
                Some("police".into()),
                "x",
                chrono::Duration::days(1),
            )
            .unwrap();
        let c = a.verify(&t.token).unwrap();
        assert_eq!(c.agency.as_deref(), Some("police"));
        assert_eq!(c.jti, t.claims.jti);
    }

    #[test]
    fn other_key_and_unknown_kid_are_refused() {
        let t = auth()
            .issue(Role::Admin, None, "x", chrono::Duration::days(1))
            .unwrap();
        let other = Auth::new(
            vec![("k1".into(), b"ffffffffffffffffffffffffffffffff".to_vec())],
            &settings(),
        );
        assert!(matches!(
            other.verify(&t.token),
            Err(ApiError::Unauthorized(_))
        ));
        let renamed = Auth::new(
            vec![("k2".into(), b"0123456789abcdef0123456789abcdef".to_vec())],
            &settings(),
        );
        assert!(matches!(
            renamed.verify(&t.token),
            Err(ApiError::Unauthorized(_))
        ));
    }

    #[test]
    fn rate_limiter_refuses_after_budget_and_isolates_keys() {
        let l = RateLimiter::new(3);
        for _ in 0..3 {
            l.check("a").unwrap();
        }
        match l.check("a") {
            Err(ApiError::TooManyRequests { retry_after }) => assert!(retry_after >= 1),
            other => panic!("{other:?}"),
        }
        l.check("b").unwrap();
    }

    #[test]
    fn key_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.key");
        let a = load_or_create_key_file(&p, "local").unwrap();
        let b = load_or_create_key_file(&p, "local").unwrap();
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
