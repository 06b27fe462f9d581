//! Single sign-on with the province's OpenID Connect provider
//! (authorization code with PKCE, the `openidconnect` crate): a configured
//! claim (`email`, or `sub` matched to the username) maps the person to an
//! existing account; no account, no entry. Each flow is a row keyed by the
//! SHA-256 of its `state`, bound to the browser that started it (the
//! SHA-256 of the `ct_sso` cookie), used once and for 10 minutes at most.
//! HTTP calls to the provider are blocking (`ureq`, no redirects followed)
//! and run on the blocking pool.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType, CoreUserInfoClaims};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

use crate::config::OidcSettings;
use crate::db::accounts::{self as table, AccountRow};
use crate::db::sso_flows::{self, FlowRow};
use crate::db::{DbConn, write_tx};
use crate::error::ApiError;

/// The cookie binding a flow to the browser that started it.
pub const COOKIE: &str = "ct_sso";
/// How long a started flow may take.
pub const FLOW_TTL: Duration = Duration::from_secs(600);
/// How long the provider's metadata and keys are kept.
const METADATA_TTL: Duration = Duration::from_secs(600);

/// Why a sign-in through the provider was refused (the `sso_error` the
/// dashboard is sent back with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown, used, expired, or another browser's flow.
    State,
    /// The provider refused, or its answer failed verification (audience,
    /// signature, nonce, a replayed code).
    Provider,
    /// No account has this person's claim.
    NoAccount,
    /// The account is disabled.
    Disabled,
}

impl Refusal {
    /// The `sso_error` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::State => "state",
            Self::Provider => "provider",
            Self::NoAccount => "no_account",
            Self::Disabled => "disabled",
        }
    }
}

/// Uses up the flow of `state` without finishing it (the provider refused).
pub fn abandon(conn: &mut DbConn, state: &str) -> Result<(), ApiError> {
    sso_flows::take(conn, &sha(state))?;
    Ok(())
}

/// The configured provider, with its metadata cached.
#[derive(Debug)]
pub struct Sso {
    config: OidcSettings,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

fn http() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(Duration::from_secs(10))
        .build()
}

/// An error with its causes, for the audit log's reason (the provider's
/// own words included).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

fn sha(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(s.as_bytes()))
}

impl Sso {
    /// A provider as configured.
    pub fn new(config: OidcSettings) -> Self {
        Self {
            config,
            metadata: Mutex::new(None),
        }
    }

    /// The provider's metadata (discovery and keys), fetched at most every
    /// ten minutes. Blocking.
    fn metadata(&self) -> Result<CoreProviderMetadata, String> {
        let mut cached = self.metadata.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((m, at)) = cached.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let issuer =
            IssuerUrl::new(self.config.issuer.clone()).map_err(|e| format!("issuer URL: {e}"))?;
        let m = CoreProviderMetadata::discover(&issuer, &http())
            .map_err(|e| format!("discovery: {e}"))?;
        *cached = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    /// Starts a flow: the provider's authorization URL and the browser
    /// cookie's value. Blocking.
    pub fn start(
        &self,
        conn: &mut DbConn,
        redirect_uri: &str,
        browser: &str,
    ) -> Result<String, ApiError> {
        let meta = self.metadata().map_err(|e| {
            ApiError::Unavailable(format!("the sign-on provider cannot be reached: {e}"))
        })?;
        let client = CoreClient::from_provider_metadata(
            meta,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect_uri.to_string())
                .map_err(|e| ApiError::internal(format!("redirect URL: {e}")))?,
        );
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        let now = crate::db::now();
        let row = FlowRow {
            state_hash: sha(state.secret()),
            browser_hash: sha(browser),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            redirect_uri: redirect_uri.to_string(),
            created_at: now,
        };
        let ttl = chrono::Duration::from_std(FLOW_TTL).unwrap_or_default();
        write_tx(conn, |c| {
            sso_flows::delete_before(c, now - ttl)?;
            sso_flows::insert(c, &row)?;
            Ok::<_, ApiError>(())
        })?;
        Ok(url.to_string())
    }

    /// Finishes a flow: checks the state against this browser, exchanges
    /// the code (with the PKCE verifier), verifies the ID token (issuer,
    /// audience, signature, nonce, expiry) and finds the account. Blocking.
    pub fn finish(
        &self,
        conn: &mut DbConn,
        code: &str,
        state: &str,
        browser: Option<&str>,
    ) -> Result<Result<AccountRow, (Refusal, String)>, ApiError> {
        let flow = write_tx(conn, |c| -> Result<_, ApiError> {
            let flow = sso_flows::take(c, &sha(state))?;
            Ok(flow)
        })?;
        let ttl = chrono::Duration::from_std(FLOW_TTL).unwrap_or_default();
        let Some(flow) = flow.filter(|f| {
            browser.is_some_and(|b| {
                crate::accounts::totp::constant_time_eq(
                    sha(b).as_bytes(),
                    f.browser_hash.as_bytes(),
                )
            }) && f.created_at + ttl > crate::db::now()
        }) else {
            return Ok(Err((
                Refusal::State,
                "unknown, used, expired or another browser's state".into(),
            )));
        };
        let refused = |why: String| Ok(Err((Refusal::Provider, why)));
        let meta = match self.metadata() {
            Ok(m) => m,
            Err(e) => return refused(e),
        };
        let client = CoreClient::from_provider_metadata(
            meta,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        );
        let client = match RedirectUrl::new(flow.redirect_uri.clone()) {
            Ok(r) => client.set_redirect_uri(r),
            Err(e) => return refused(format!("redirect URL: {e}")),
        };
        let request = match client.exchange_code(AuthorizationCode::new(code.to_string())) {
            Ok(r) => r,
            Err(e) => return refused(format!("the provider has no token endpoint: {e}")),
        };
        let token = match request
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request(&http())
        {
            Ok(t) => t,
            Err(e) => return refused(format!("code exchange: {}", chain(&e))),
        };
        let Some(id_token) = token.id_token() else {
            return refused("no ID token in the provider's answer".into());
        };
        let claims =
            match id_token.claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone())) {
                Ok(c) => c,
                Err(e) => return refused(format!("ID token: {}", chain(&e))),
            };
        // The e-mail is in the ID token, or (as OpenID Connect Core 5.4
        // has it for the `email` scope) only at the UserInfo endpoint,
        // asked with the access token for the same subject.
        let mut email = claims.email().map(|e| e.as_str().to_string());
        let mut verified = claims.email_verified();
        if self.config.claim_is_email && email.is_none() {
            let request = match client
                .user_info(token.access_token().clone(), Some(claims.subject().clone()))
            {
                Ok(r) => r,
                Err(e) => {
                    return refused(format!(
                        "no e-mail in the ID token and no UserInfo endpoint: {e}"
                    ));
                }
            };
            let info: CoreUserInfoClaims = match request.request(&http()) {
                Ok(i) => i,
                Err(e) => return refused(format!("UserInfo: {}", chain(&e))),
            };
            email = info.email().map(|e| e.as_str().to_string());
            verified = info.email_verified();
        }
        let found = if self.config.claim_is_email {
            if verified == Some(false) {
                return refused("the provider says the e-mail is not verified".into());
            }
            match email {
                // Two accounts with one e-mail name no one.
                Some(e) => {
                    match table::by_email(conn, &e.trim().to_ascii_lowercase())?.as_slice() {
                        [one] => Some(one.clone()),
                        _ => None,
                    }
                }
                None => {
                    return refused("neither the ID token nor UserInfo carries an e-mail".into());
                }
            }
        } else {
            table::by_username(conn, &claims.subject().as_str().to_ascii_lowercase())?
        };
        let Some(account) = found else {
            return Ok(Err((
                Refusal::NoAccount,
                "no account has this person's claim".into(),
            )));
        };
        if account.disabled_at.is_some() {
            return Ok(Err((Refusal::Disabled, "the account is disabled".into())));
        }
        Ok(Ok(account))
    }
}
