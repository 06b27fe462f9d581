//! The authenticated caller ([`Principal`]) as an actix extractor, and its
//! role guards.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;

use crate::auth::Role;
use crate::db::tokens;
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Token id.
    pub jti: String,
    /// Role.
    pub role: Role,
    /// Agency (agency tokens).
    pub agency: Option<String>,
    /// Whether that agency is active (false for a deactivated one).
    pub agency_active: bool,
    /// A public viewer token: it reads publications only.
    pub public: bool,
}

impl Principal {
    /// Allows admins only.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::Forbidden("this needs an admin token".into())),
        }
    }

    /// Allows agency tokens of active agencies; returns the agency code.
    pub fn require_writing_agency(&self) -> Result<&str, ApiError> {
        match (self.role, &self.agency) {
            (Role::Agency, Some(code)) if self.agency_active => Ok(code),
            (Role::Agency, Some(code)) => Err(ApiError::Forbidden(format!(
                "agency {code} is deactivated and cannot write"
            ))),
            _ => Err(ApiError::Forbidden("this needs an agency token".into())),
        }
    }

    /// Rejects viewer (dashboard) tokens.
    pub fn forbid_viewer(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Viewer => Err(ApiError::Forbidden("dashboard tokens are read-only".into())),
            _ => Ok(()),
        }
    }

    /// Rejects public (publication) viewer tokens: ad-hoc queries cannot be
    /// made safe against differencing, so they read publications only.
    pub fn forbid_public(&self) -> Result<(), ApiError> {
        if self.public {
            return Err(ApiError::Forbidden(
                "public tokens read publications only (GET /api/v1/publications): ad-hoc queries could be differenced to reveal small counts".into(),
            ));
        }
        Ok(())
    }

    /// The actor as recorded in the audit log.
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor {
            jti: Some(self.jti.clone()),
            role: self.role.as_str().to_string(),
            agency: self.agency.clone(),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("invalid Authorization header".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthorized("invalid Authorization header".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "the Authorization scheme must be Bearer".into(),
        ));
    }
    Ok(token.trim().to_string())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let claims = state.auth.verify(&token?)?;
            let pool = state.pool.clone();
            let jti = claims.jti.clone();
            let record = web::block(move || -> Result<_, ApiError> {
                let mut conn = pool.get()?;
                Ok(tokens::find_active(
                    &mut conn,
                    &jti,
                    Utc::now().naive_utc(),
                )?)
            })
            .await??;
            let record = record.ok_or_else(|| {
                ApiError::Unauthorized("invalid token: revoked or unknown".into())
            })?;
            if record.role != claims.role.as_str() || record.agency_code != claims.agency {
                return Err(ApiError::Unauthorized(
                    "invalid token: does not match its record".into(),
                ));
            }
            state.limiter.check(&claims.jti)?;
            Ok(Principal {
                jti: claims.jti,
                role: claims.role,
                agency: claims.agency,
                agency_active: record.agency_active.unwrap_or(true),
                public: record.public,
            })
        })
    }
}
