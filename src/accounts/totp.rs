//! The optional second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30 s
//! steps, one step of clock skew either way), enrolled with a QR code and
//! confirmed by a first code; ten recovery codes, stored hashed, each
//! usable once. A code is accepted once: its step must be later than the
//! last accepted one.

use rand::Rng;
use rand::rngs::OsRng;
use serde::Serialize;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::db::accounts::{self as table, AccountRow};
use crate::db::{DbConn, write_tx};
use crate::error::ApiError;

/// Step length in seconds.
const STEP: u64 = 30;
/// Recovery codes given at enrolment.
const RECOVERY_CODES: usize = 10;

/// What a person needs to add the account to an authenticator app.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    /// The secret (base32), to type in when the QR code cannot be scanned.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub otpauth_url: String,
    /// The QR code as a PNG image, base64.
    pub qr_png_base64: String,
}

/// The recovery codes, shown once when enrolment is confirmed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Each signs in once in place of a code; keep them on paper.
    pub recovery_codes: Vec<String>,
}

fn totp(secret_b32: &str, username: &str) -> Result<TOTP, ApiError> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|e| ApiError::internal(format!("a stored TOTP secret is unreadable: {e:?}")))?;
    Ok(TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        bytes,
        Some("campaign-tracker".to_string()),
        username.to_string(),
    ))
}

fn hash_code(code: &str) -> String {
    hex::encode(Sha256::digest(
        code.trim().to_ascii_lowercase().replace('-', "").as_bytes(),
    ))
}

/// The step of `code` for `secret` at `now` (one step of skew either way).
fn matching_step(t: &TOTP, code: &str, now: u64) -> Option<u64> {
    let code = code.trim();
    let step = now / STEP;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| {
            let expected = t.generate(s * STEP);
            constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
}

/// Compares without stopping at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn unix_now() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

/// Starts enrolment: a new secret awaiting its first code.
pub fn enrol(conn: &mut DbConn, account_id: &str) -> Result<Enrolment, ApiError> {
    write_tx(conn, |conn| {
        let mut row = table::get(conn, account_id)?
            .ok_or_else(|| ApiError::NotFound("no such account".into()))?;
        if row.totp_secret.is_some() {
            return Err(ApiError::Conflict {
                detail: "a second factor is already enrolled".into(),
                existing_id: None,
            });
        }
        let secret = Secret::generate_secret().to_encoded().to_string();
        let t = totp(&secret, &row.username)?;
        let qr = t
            .get_qr_base64()
            .map_err(|e| ApiError::internal(format!("drawing the QR code: {e}")))?;
        let out = Enrolment {
            otpauth_url: t.get_url(),
            secret: secret.clone(),
            qr_png_base64: qr,
        };
        row.totp_pending = Some(secret);
        row.updated_at = crate::db::now();
        table::update(conn, &row)?;
        Ok(out)
    })
}

/// Confirms enrolment with a first code; answers the recovery codes.
pub fn confirm(
    conn: &mut DbConn,
    actor: &Actor,
    account_id: &str,
    code: &str,
) -> Result<RecoveryCodes, ApiError> {
    write_tx(conn, |conn| {
        let mut row = table::get(conn, account_id)?
            .ok_or_else(|| ApiError::NotFound("no such account".into()))?;
        let pending = row.totp_pending.clone().ok_or_else(|| ApiError::Conflict {
            detail: "no enrolment in progress: start with POST /api/v1/session/totp".into(),
            existing_id: None,
        })?;
        let t = totp(&pending, &row.username)?;
        let step = matching_step(&t, code, unix_now()).ok_or_else(|| {
            ApiError::field("code", "the code does not match: check the phone's clock")
        })?;
        let mut rng = OsRng;
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| {
                let n: u64 = rng.gen_range(0..10u64.pow(10));
                let s = format!("{n:010}");
                format!("{}-{}", &s[..5], &s[5..])
            })
            .collect();
        let hashes: Vec<String> = codes.iter().map(|c| hash_code(c)).collect();
        row.totp_secret = Some(pending);
        row.totp_pending = None;
        row.totp_last_step = Some(step as i64);
        row.recovery_codes = Some(
            serde_json::to_string(&hashes)
                .map_err(|e| ApiError::internal_with("recovery codes", e))?,
        );
        row.updated_at = crate::db::now();
        table::update(conn, &row)?;
        let view = super::view(conn, &row)?;
        audit::record(
            conn,
            actor,
            "enrol_totp",
            "account",
            account_id,
            None::<&()>,
            Some(&view),
        )?;
        Ok(RecoveryCodes {
            recovery_codes: codes,
        })
    })
}

/// Whether `code` (a TOTP code or an unused recovery code) is valid for
/// the enrolled account `row`; records its use, so it is accepted once.
pub fn check(conn: &mut DbConn, row: &AccountRow, code: &str) -> Result<bool, ApiError> {
    let Some(secret) = &row.totp_secret else {
        return Ok(true);
    };
    write_tx(conn, |conn| {
        let Some(mut fresh) = table::get(conn, &row.id)? else {
            return Ok(false);
        };
        let t = totp(secret, &row.username)?;
        if let Some(step) = matching_step(&t, code, unix_now()) {
            if fresh.totp_last_step.is_some_and(|last| step as i64 <= last) {
                return Ok(false);
            }
            fresh.totp_last_step = Some(step as i64);
            table::update(conn, &fresh)?;
            return Ok(true);
        }
        let mut hashes: Vec<String> = fresh
            .recovery_codes
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| ApiError::internal_with("stored recovery codes are unreadable", e))?
            .unwrap_or_default();
        let h = hash_code(code);
        let Some(i) = hashes
            .iter()
            .position(|x| constant_time_eq(x.as_bytes(), h.as_bytes()))
        else {
            return Ok(false);
        };
        hashes.remove(i);
        fresh.recovery_codes = Some(
            serde_json::to_string(&hashes)
                .map_err(|e| ApiError::internal_with("recovery codes", e))?,
        );
        table::update(conn, &fresh)?;
        Ok(true)
    })
}

/// The current code for a secret (tests and the CLI's checks).
pub fn current_code(secret_b32: &str) -> Result<String, ApiError> {
    Ok(totp(secret_b32, "x")?.generate(unix_now()))
}
