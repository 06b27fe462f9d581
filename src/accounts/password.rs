//! Passwords: the policy (length, not a common password, not the
//! username), one-time passwords, and Argon2id hashing run a bounded
//! number at a time (each takes about 19 MiB), so a flood of sign-ins
//! cannot break the memory budget.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use rand::rngs::OsRng;

use crate::error::ApiError;
use crate::gate::Gate;

/// Shortest password accepted.
pub const MIN_LEN: usize = 12;
/// Longest password accepted (hashing cost is bounded).
pub const MAX_LEN: usize = 256;
/// Argon2id hashes computed at once, over all callers.
pub const HASHING_AT_ONCE: usize = 2;

/// The common passwords shipped with the binary, lower case.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

/// Why a new password is refused (None: it is acceptable).
pub fn weakness(password: &str, username: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Some(format!("must be at least {MIN_LEN} characters"));
    }
    if n > MAX_LEN {
        return Some(format!("must be at most {MAX_LEN} characters"));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return Some("is a commonly used password; choose another".into());
    }
    let distinct: HashSet<char> = lower.chars().collect();
    if distinct.len() < 4 {
        return Some("must use more than three different characters".into());
    }
    let user = username.trim().to_lowercase();
    if user.len() >= 3 && lower.contains(&user) {
        return Some("must not contain the username".into());
    }
    None
}

/// A one-time password an admin hands over: 16 letters and digits without
/// look-alikes, in groups of four.
pub fn one_time() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = OsRng;
    (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn argon2() -> Argon2<'static> {
    // OWASP's first choice: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords, at most [`HASHING_AT_ONCE`] at a time and
/// one per client address.
#[derive(Debug)]
pub struct Hasher {
    gate: Arc<Gate>,
    /// A hash of a random password, verified when the username is unknown
    /// so that the answer takes as long as for a known one.
    decoy: String,
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher {
    /// A hasher with its own places.
    pub fn new() -> Self {
        let decoy = hash_now(&one_time()).expect("hashing a random password");
        Self {
            gate: Gate::new(
                HASHING_AT_ONCE,
                1,
                "the service is checking as many passwords as it can at once; retry shortly",
            ),
            decoy,
        }
    }

    /// The PHC string of `password` (Argon2id, random salt).
    pub async fn hash(&self, client: &str, password: String) -> Result<String, ApiError> {
        let _place = self.gate.enter(client).await?;
        actix_web::web::block(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `stored` (constant-time comparison inside
    /// Argon2); with no stored hash, checks against the decoy and says no.
    pub async fn verify(
        &self,
        client: &str,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        let _place = self.gate.enter(client).await?;
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.decoy.clone());
        let ok = actix_web::web::block(move || verify_now(&password, &phc)).await??;
        Ok(ok && known)
    }
}

/// Hashes at once (the CLI; HTTP goes through [`Hasher`]).
pub fn hash_now(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("hashing a password: {e}")))
}

fn verify_now(password: &str, phc: &str) -> Result<bool, ApiError> {
    let parsed = PasswordHash::new(phc)
        .map_err(|e| ApiError::internal(format!("a stored password hash is unreadable: {e}")))?;
    Ok(argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_common_and_username() {
        assert!(weakness("short", "lan").is_some());
        assert!(weakness("1qaz2wsx3edc", "lan").is_some(), "common");
        assert!(
            weakness("Q1W2E3R4T5Y6", "lan").is_some(),
            "common, any case"
        );
        assert!(
            weakness("aaaaaaaaaaaaaaaa", "lan").is_some(),
            "one character"
        );
        assert!(weakness("nguyenlan-2025-xyz", "nguyenlan").is_some());
        assert!(weakness("song Hong chay qua 3 tinh", "lan").is_none());
        assert!(weakness(&one_time(), "lan").is_none());
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_now("song Hong chay qua").unwrap();
        let b = hash_now("song Hong chay qua").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify_now("song Hong chay qua", &a).unwrap());
        assert!(!verify_now("song Hong chay quá", &a).unwrap());
    }
}
