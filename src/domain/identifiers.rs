//! Participant identifiers: normalisation to one canonical form per person,
//! and the keyed hash ([`Pseudonymizer`]) that is all the service stores.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::IdType;

/// Normalises an identifier to its canonical form `type:value` (agency
/// references are scoped to the agency). The error never contains the value.
pub fn normalize_identifier(
    id_type: IdType,
    raw: &str,
    agency: &str,
) -> Result<String, &'static str> {
    let v = raw.trim();
    match id_type {
        IdType::CitizenId => {
            let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            if (digits.len() == 12 || digits.len() == 9)
                && digits.chars().all(|c| c.is_ascii_digit())
            {
                Ok(format!("citizen_id:{digits}"))
            } else {
                Err("a citizen id is 12 digits (or a legacy 9-digit number)")
            }
        }
        IdType::Phone => normalize_phone(v)
            .map(|p| format!("phone:{p}"))
            .ok_or("not a Vietnamese phone number"),
        IdType::StudentId => {
            let s = v.to_uppercase();
            if s.is_empty() || s.chars().count() > 64 || s.chars().any(char::is_control) {
                Err("a student id is 1 to 64 printable characters")
            } else {
                Ok(format!("student_id:{s}"))
            }
        }
        IdType::AgencyRef => {
            if v.is_empty() || v.chars().count() > 128 || v.chars().any(char::is_control) {
                Err("an agency reference is 1 to 128 printable characters")
            } else {
                Ok(format!("agency_ref:{agency}:{v}"))
            }
        }
    }
}

/// `0912 345 678`, `(091) 234-5678`, `+84 912345678`, `84912345678`,
/// `0084912345678` all become `+84912345678`. Vietnamese subscriber numbers
/// have 9 digits after the country code (10 for a few landlines).
pub fn normalize_phone(raw: &str) -> Option<String> {
    let mut s = raw.trim();
    let plus = s.starts_with('+');
    if plus {
        s = &s[1..];
    }
    if s.chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')')))
    {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let national = if let Some(rest) = digits.strip_prefix("0084") {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix("84").filter(|r| plus || r.len() >= 9) {
        rest.to_string()
    } else if plus {
        return None;
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_string()
    } else {
        return None;
    };
    let national = national
        .strip_prefix('0')
        .map(str::to_string)
        .unwrap_or(national);
    if (9..=10).contains(&national.len()) && !national.starts_with('0') {
        Some(format!("+84{national}"))
    } else {
        None
    }
}

/// Turns normalised identifiers into keyed hashes. The key comes from
/// configuration, so the hashes cannot be recomputed from a guessed id
/// without it, and the same id from two agencies gives the same key.
#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(..)")
    }
}

impl Pseudonymizer {
    /// A pseudonymizer with this secret.
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    /// Hex HMAC-SHA256 of the canonical identifier.
    pub fn key_of(&self, canonical: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(canonical.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise_to_e164() {
        for raw in [
            "0912 345 678",
            "(091) 234-5678",
            "+84 912345678",
            "84912345678",
            "0084912345678",
            "+84 0912345678",
            "091.234.5678",
        ] {
            assert_eq!(
                normalize_phone(raw).as_deref(),
                Some("+84912345678"),
                "{raw}"
            );
        }
        for bad in [
            "",
            "12345",
            "+1 415 555 0100",
            "09123abc78",
            "0012345678901",
        ] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn identifiers_normalise() {
        assert_eq!(
            normalize_identifier(IdType::CitizenId, " 001 203 004 005 ", "x").unwrap(),
            "citizen_id:001203004005"
        );
        assert!(normalize_identifier(IdType::CitizenId, "12345", "x").is_err());
        assert_eq!(
            normalize_identifier(IdType::StudentId, " hs-12a ", "x").unwrap(),
            "student_id:HS-12A"
        );
        assert_eq!(
            normalize_identifier(IdType::AgencyRef, "r1", "police").unwrap(),
            "agency_ref:police:r1"
        );
        assert_ne!(
            normalize_identifier(IdType::AgencyRef, "r1", "police").unwrap(),
            normalize_identifier(IdType::AgencyRef, "r1", "education").unwrap()
        );
    }

    #[test]
    fn errors_never_contain_the_value() {
        let err = normalize_identifier(IdType::CitizenId, "98765", "x").unwrap_err();
        assert!(!err.contains("98765"));
    }

    #[test]
    fn keys_are_keyed_and_stable() {
        let a = Pseudonymizer::new(b"k1".to_vec());
        let b = Pseudonymizer::new(b"k2".to_vec());
        assert_eq!(
            a.key_of("citizen_id:001203004005"),
            a.key_of("citizen_id:001203004005")
        );
        assert_ne!(
            a.key_of("citizen_id:001203004005"),
            b.key_of("citizen_id:001203004005")
        );
        assert_eq!(a.key_of("x").len(), 64);
    }
}
