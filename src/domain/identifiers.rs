//! Participant identifiers: normalisation to one canonical form per person,
//! and the keyed hash ([`Pseudonymizer`]) that is all the service stores.
//!
//! Every identifier is first put in Unicode NFKC form, so full-width digits
//! and letters (`０１２`, `ＨＳ`) are the ASCII ones and composed and
//! decomposed accents are one text. Then, per type:
//!
//! | type | canonical form | rules |
//! |---|---|---|
//! | `citizen_id` | `citizen_id:<digits>` | separators removed; 12 digits, or a legacy 9-digit number |
//! | `phone` | `phone:+84<national>` | Unicode dashes and spaces read as `-` and ` `; then [`normalize_phone`] |
//! | `student_id` | `student_id:<ISSUER>:<ID>` | separators removed, upper-cased; scoped by the issuing school's code |
//! | `agency_ref` | `agency_ref:<agency>:<ref>` | trimmed only (an agency's own reference is exact); scoped by the agency |
//!
//! "Separators" are whitespace (any Unicode white space), dashes (`-` and
//! Unicode dash punctuation, e.g. U+2010..U+2015, and the minus sign U+2212)
//! and dots (`.`, U+00B7 middle dot, U+3002 ideographic full stop).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;

use super::IdType;

/// Longest student id, in characters after normalisation.
pub const MAX_STUDENT_ID: usize = 64;
/// Longest issuer (school code), in characters after normalisation.
pub const MAX_ISSUER: usize = 32;

/// The field of a participant a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantField {
    /// `value`.
    Value,
    /// `issuer`.
    Issuer,
}

impl ParticipantField {
    /// The JSON name of the field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Value => "value",
            Self::Issuer => "issuer",
        }
    }
}

/// Why one field of a participant was refused. The message never contains
/// the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentifierError {
    /// The field at fault.
    pub field: ParticipantField,
    /// What is wrong with it.
    pub message: &'static str,
}

impl IdentifierError {
    fn value(message: &'static str) -> Self {
        Self {
            field: ParticipantField::Value,
            message,
        }
    }

    fn issuer(message: &'static str) -> Self {
        Self {
            field: ParticipantField::Issuer,
            message,
        }
    }
}

/// Normalises an identifier to its canonical form (see the module table):
/// `issuer` is the school that issued a student id, required for
/// `student_id` and refused for every other type; agency references are
/// scoped to `agency`. Every problem is returned, none containing a value.
pub fn normalize_identifier(
    id_type: IdType,
    raw: &str,
    issuer: Option<&str>,
    agency: &str,
) -> Result<String, Vec<IdentifierError>> {
    let school = match (id_type, issuer) {
        (IdType::StudentId, None) => Err(IdentifierError::issuer(ISSUER_REQUIRED)),
        (IdType::StudentId, Some(i)) => normalize_issuer(i).map(Some),
        (_, Some(_)) => Err(IdentifierError::issuer("issuer is only for student_id")),
        (_, None) => Ok(None),
    };
    let v: String = raw.nfkc().collect();
    let value = match id_type {
        IdType::CitizenId => {
            let digits = without_separators(&v);
            if (digits.len() == 12 || digits.len() == 9)
                && digits.chars().all(|c| c.is_ascii_digit())
            {
                Ok(format!("citizen_id:{digits}"))
            } else {
                Err(IdentifierError::value(
                    "a citizen id is 12 digits (or a legacy 9-digit number); spaces, dashes and dots are ignored",
                ))
            }
        }
        IdType::Phone => {
            let plain: String = v
                .chars()
                .map(|c| match c {
                    c if is_dash(c) => '-',
                    c if c.is_whitespace() => ' ',
                    c => c,
                })
                .collect();
            normalize_phone(&plain)
                .map(|p| format!("phone:{p}"))
                .ok_or(IdentifierError::value("not a Vietnamese phone number"))
        }
        // The bare id: the issuer is added below.
        IdType::StudentId => normalize_student_id(&v),
        IdType::AgencyRef => {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > 128 || v.chars().any(char::is_control) {
                Err(IdentifierError::value(
                    "an agency reference is 1 to 128 printable characters",
                ))
            } else {
                Ok(format!("agency_ref:{agency}:{v}"))
            }
        }
    };
    match (school, value) {
        (Ok(None), Ok(canonical)) => Ok(canonical),
        (Ok(Some(school)), Ok(id)) => Ok(format!("student_id:{school}:{id}")),
        (school, value) => Err([school.err(), value.err()].into_iter().flatten().collect()),
    }
}

const ISSUER_REQUIRED: &str = "required for student_id: the code of the school that issued the id";

/// A student id in NFKC form: separators removed, upper-cased.
fn normalize_student_id(nfkc: &str) -> Result<String, IdentifierError> {
    let s = without_separators(nfkc).to_uppercase();
    if s.is_empty() || s.chars().count() > MAX_STUDENT_ID || s.chars().any(char::is_control) {
        Err(IdentifierError::value(
            "a student id is 1 to 64 characters after removing spaces, dashes and dots, with no control characters",
        ))
    } else {
        Ok(s)
    }
}

/// The issuer of a student id: NFKC, separators removed, upper-cased, then
/// 1 to [`MAX_ISSUER`] of `A-Z`, `0-9` and `_`. Keeping it to a code
/// (never a school's name, whose spelling varies) is what makes it a key.
pub fn normalize_issuer(raw: &str) -> Result<String, IdentifierError> {
    let nfkc: String = raw.nfkc().collect();
    let s = without_separators(&nfkc).to_uppercase();
    if s.is_empty() {
        Err(IdentifierError::issuer(ISSUER_REQUIRED))
    } else if s.len() > MAX_ISSUER
        || !s
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        Err(IdentifierError::issuer(
            "a school code of 1 to 32 letters A-Z, digits or underscores (spaces, dashes and dots are ignored)",
        ))
    } else {
        Ok(s)
    }
}

/// Dash punctuation (Unicode category Pd) and the minus sign U+2212.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{058A}' | '\u{05BE}' | '\u{1400}' | '\u{1806}' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2E17}'
                | '\u{2E1A}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{2E40}'
                | '\u{2E5D}'
                | '\u{301C}'
                | '\u{3030}'
                | '\u{30A0}'
                | '\u{FE31}'
                | '\u{FE32}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{10EAD}'
                | '\u{2212}'
    )
}

/// `.`, the middle dot U+00B7 and the ideographic full stop U+3002 (NFKC
/// already turned the full-width and half-width forms into these).
fn is_dot(c: char) -> bool {
    matches!(c, '.' | '\u{00B7}' | '\u{3002}')
}

/// The text without white space, dashes and dots.
fn without_separators(s: &str) -> String {
    s.chars()
        .filter(|c| !(c.is_whitespace() || is_dash(*c) || is_dot(*c)))
        .collect()
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

/// One secret of the participant key chain: its id (never secret) and its
/// bytes.
#[derive(Clone)]
pub struct ChainSecret {
    /// Key id, as in the key file (`kid:secret`); the database records the
    /// ids of the chain it is keyed with, never a secret.
    pub kid: String,
    /// The secret's bytes.
    pub secret: Vec<u8>,
}

impl ChainSecret {
    /// A secret given without an id (`PARTICIPANT_KEY`): its id is `env-`
    /// and the first 8 hex digits of its SHA-256, which tells secrets apart
    /// without revealing them.
    pub fn unnamed(secret: Vec<u8>) -> Self {
        use sha2::Digest;
        let kid = format!("env-{}", &hex::encode(Sha256::digest(&secret))[..8]);
        ChainSecret { kid, secret }
    }
}

/// Turns normalised identifiers into keyed hashes. The key comes from
/// configuration, so the hashes cannot be recomputed from a guessed id
/// without it, and the same id from two agencies gives the same key.
///
/// The key is a chain of secrets, oldest first (key rotation, issue 34):
/// an identifier's key at epoch `e` is `k0 = HMAC(s0, id)`, then
/// `k_i = HMAC(s_i, hex(k_{i-1}))` for `i = 1..=e`. Rotating to a new
/// secret re-keys every stored key with one step, without any raw value,
/// and a person keeps one key across the rotation. The epoch in use is the
/// database's ([`crate::key_epoch`]), cached here and checked in every write
/// transaction that stores keys.
pub struct Pseudonymizer {
    chain: std::sync::RwLock<Vec<ChainSecret>>,
    epoch: std::sync::atomic::AtomicUsize,
    reload: Option<Reload>,
}

/// Reads the chain again (from its key file) when the database is ahead.
pub type Reload = Box<dyn Fn() -> Result<Vec<ChainSecret>, String> + Send + Sync>;

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(..)")
    }
}

fn hmac_hex(secret: &[u8], text: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl Pseudonymizer {
    /// The epoch of a pseudonymizer whose chain is not the database's:
    /// every write of keys made with it is refused.
    pub const UNUSABLE: usize = usize::MAX;

    /// A pseudonymizer with one secret (epoch 0).
    pub fn new(key: Vec<u8>) -> Self {
        Self::with_chain(vec![ChainSecret::unnamed(key)], None)
    }

    /// A pseudonymizer with a chain of secrets, oldest first, at epoch 0
    /// until [`Self::adopt`] sets the database's. `reload` reads the chain
    /// again (its key file) when the database is ahead of it.
    pub fn with_chain(chain: Vec<ChainSecret>, reload: Option<Reload>) -> Self {
        assert!(!chain.is_empty(), "a key chain holds at least one secret");
        Self {
            chain: std::sync::RwLock::new(chain),
            epoch: std::sync::atomic::AtomicUsize::new(0),
            reload,
        }
    }

    fn chain(&self) -> std::sync::RwLockReadGuard<'_, Vec<ChainSecret>> {
        self.chain
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The epoch keys are made at (the database's, as last seen).
    pub fn epoch(&self) -> usize {
        self.epoch.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The key ids of the chain, oldest first.
    pub fn kids(&self) -> Vec<String> {
        self.chain().iter().map(|s| s.kid.clone()).collect()
    }

    /// Keyed hash of the canonical identifier at the current epoch.
    pub fn key_of(&self, canonical: &str) -> String {
        self.key_at(canonical, self.epoch())
    }

    /// Keyed hash of the canonical identifier at `epoch` (the chain holds
    /// it: [`Self::adopt`] never sets an epoch the chain lacks).
    pub fn key_at(&self, canonical: &str, epoch: usize) -> String {
        let chain = self.chain();
        let mut key = hmac_hex(&chain[0].secret, canonical);
        for s in chain.iter().take(epoch.saturating_add(1)).skip(1) {
            key = hmac_hex(&s.secret, &key);
        }
        key
    }

    /// One rotation step: `key` (at epoch `to - 1`) keyed at epoch `to`.
    pub fn step(&self, key: &str, to: usize) -> Option<String> {
        self.chain().get(to).map(|s| hmac_hex(&s.secret, key))
    }

    /// Takes the database's epoch and key ids: keys are made at `epoch`
    /// from then on. The chain must hold `epoch` (it is read again from its
    /// key file when it does not) and its ids must be the database's.
    pub fn adopt(&self, epoch: usize, kids: &[String]) -> Result<(), String> {
        if self.chain().len() <= epoch
            && let Some(reload) = &self.reload
            && let Ok(chain) = reload()
            && !chain.is_empty()
        {
            *self
                .chain
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = chain;
        }
        let mine = self.kids();
        let unusable = |e: String| {
            self.epoch
                .store(Self::UNUSABLE, std::sync::atomic::Ordering::SeqCst);
            Err(e)
        };
        if mine.len() <= epoch {
            return unusable(format!(
                "the participant key is at epoch {epoch} in the database (keys {}), but this instance holds {} secret(s) ({}); give it the new key file",
                kids.join(", "),
                mine.len(),
                mine.join(", ")
            ));
        }
        if let Some(i) = kids.iter().zip(&mine).position(|(a, b)| a != b) {
            return unusable(format!(
                "the participant key's secret {} is {} in the database but {} here: this instance was given another key",
                i, kids[i], mine[i]
            ));
        }
        self.epoch.store(epoch, std::sync::atomic::Ordering::SeqCst);
        Ok(())
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

    fn canonical(id_type: IdType, raw: &str, issuer: Option<&str>) -> String {
        normalize_identifier(id_type, raw, issuer, "police").unwrap()
    }

    fn refused(id_type: IdType, raw: &str, issuer: Option<&str>) -> Vec<IdentifierError> {
        normalize_identifier(id_type, raw, issuer, "police").unwrap_err()
    }

    #[test]
    fn identifiers_normalise() {
        assert_eq!(
            canonical(IdType::CitizenId, " 001 203 004 005 ", None),
            "citizen_id:001203004005"
        );
        assert_eq!(
            canonical(IdType::StudentId, " hs-12a ", Some("thpt01")),
            "student_id:THPT01:HS12A"
        );
        assert_eq!(
            canonical(IdType::AgencyRef, "r1", None),
            "agency_ref:police:r1"
        );
        assert_ne!(
            normalize_identifier(IdType::AgencyRef, "r1", None, "police").unwrap(),
            normalize_identifier(IdType::AgencyRef, "r1", None, "education").unwrap()
        );
    }

    #[test]
    fn citizen_ids_ignore_width_spaces_dashes_and_dots() {
        let want = "citizen_id:001203004005";
        for raw in [
            "001203004005",
            "００１２０３００４００５",
            "001 203 004 005",
            "001\u{3000}203\u{00A0}004\t005",
            "001-203-004-005",
            "001\u{2010}203\u{2013}004\u{2212}005",
            "001.203.004.005",
            "００１－２０３．００４　００５",
        ] {
            assert_eq!(canonical(IdType::CitizenId, raw, None), want, "{raw:?}");
        }
        assert_eq!(
            canonical(IdType::CitizenId, "０１２ ３４５ ６７８", None),
            "citizen_id:012345678",
            "legacy 9 digits"
        );
        for bad in [
            "12345",
            "0012030040051",
            "0012030040",
            "00120300400X",
            "",
            // Other scripts' digits are digits, but not the ones ids are written in.
            "٠٠١٢٠٣٠٠٤٠٠٥",
        ] {
            let errors = refused(IdType::CitizenId, bad, None);
            assert_eq!(errors.len(), 1, "{bad:?}");
            assert_eq!(errors[0].field, ParticipantField::Value);
        }
    }

    #[test]
    fn phones_accept_full_width_digits_and_unicode_dashes() {
        for raw in [
            "０９１２ ３４５ ６７８",
            "0912\u{2010}345\u{2010}678",
            "＋８４ ９１２３４５６７８",
        ] {
            assert_eq!(
                canonical(IdType::Phone, raw, None),
                "phone:+84912345678",
                "{raw:?}"
            );
        }
    }

    #[test]
    fn one_pupil_written_four_ways_is_one_key() {
        let forms = ["HS0002", "ＨＳ０００２", "HS 0002", "hs-0002", "h.s.0002"];
        for raw in forms {
            assert_eq!(
                canonical(IdType::StudentId, raw, Some("THPT_01")),
                "student_id:THPT_01:HS0002",
                "{raw:?}"
            );
        }
        // The issuer is normalised the same way.
        for issuer in [
            "thpt_01",
            "ＴＨＰＴ＿０１",
            " THPT_01 ",
            "THPT-_01",
            "thpt._01",
        ] {
            assert_eq!(
                canonical(IdType::StudentId, "HS0002", Some(issuer)),
                "student_id:THPT_01:HS0002",
                "{issuer:?}"
            );
        }
    }

    #[test]
    fn the_same_student_id_at_two_schools_is_two_keys() {
        let a = canonical(IdType::StudentId, "HS0001", Some("SCHOOL_A"));
        let b = canonical(IdType::StudentId, "HS0001", Some("SCHOOL_B"));
        assert_ne!(a, b);
        let p = Pseudonymizer::new(b"k".to_vec());
        assert_ne!(p.key_of(&a), p.key_of(&b));
    }

    #[test]
    fn issuers_are_required_for_student_ids_and_refused_elsewhere() {
        for missing in [None, Some(""), Some(" - . ")] {
            let errors = refused(IdType::StudentId, "HS0001", missing);
            assert_eq!(errors.len(), 1, "{missing:?}");
            assert_eq!(errors[0].field, ParticipantField::Issuer);
            assert!(errors[0].message.starts_with("required"));
        }
        for bad in ["Trường THPT Lê Lợi", "A:B", "X".repeat(33).as_str(), "ÀB"] {
            let errors = refused(IdType::StudentId, "HS0001", Some(bad));
            assert_eq!(errors[0].field, ParticipantField::Issuer, "{bad:?}");
        }
        assert_eq!(
            canonical(IdType::StudentId, "HS0001", Some(&"x".repeat(32))),
            format!("student_id:{}:HS0001", "X".repeat(32))
        );
        for id_type in [IdType::CitizenId, IdType::Phone, IdType::AgencyRef] {
            let errors = refused(id_type, "001203004005", Some("THPT01"));
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, ParticipantField::Issuer);
            assert_eq!(errors[0].message, "issuer is only for student_id");
        }
        // A bad issuer and a bad id are both reported.
        let both: Vec<ParticipantField> = refused(IdType::StudentId, " -- ", None)
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(both, [ParticipantField::Issuer, ParticipantField::Value]);
        let too_long = "9".repeat(65);
        assert_eq!(
            refused(IdType::StudentId, &too_long, Some("A"))[0].field,
            ParticipantField::Value
        );
    }

    #[test]
    fn agency_refs_are_nfkc_and_trimmed_only() {
        assert_eq!(
            canonical(IdType::AgencyRef, " ＲＥＦ-0１. ", None),
            "agency_ref:police:REF-01."
        );
        // Composed and decomposed accents are one reference.
        assert_eq!(
            canonical(IdType::AgencyRef, "Nguye\u{302}\u{303}n", None),
            canonical(IdType::AgencyRef, "Nguyễn", None)
        );
        // Case and inner separators are the agency's own: kept.
        assert_ne!(
            canonical(IdType::AgencyRef, "ref-1", None),
            canonical(IdType::AgencyRef, "REF1", None)
        );
    }

    #[test]
    fn errors_never_contain_the_value() {
        for (id_type, raw, issuer) in [
            (IdType::CitizenId, "98765", None),
            (IdType::Phone, "98765", None),
            (IdType::StudentId, "98765", Some("98765:")),
            (IdType::AgencyRef, "98765", Some("98765")),
        ] {
            for e in refused(id_type, raw, issuer) {
                assert!(!e.message.contains("98765"), "{e:?}");
            }
        }
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

    #[test]
    fn a_rotation_step_equals_the_longer_chain() {
        let chain = |n: usize| {
            (0..n)
                .map(|i| ChainSecret {
                    kid: format!("k{i}"),
                    secret: format!("secret-{i}").into_bytes(),
                })
                .collect::<Vec<_>>()
        };
        let p = Pseudonymizer::with_chain(chain(3), None);
        let id = "citizen_id:001203004005";
        let k0 = p.key_at(id, 0);
        assert_eq!(k0, Pseudonymizer::new(b"secret-0".to_vec()).key_of(id));
        let k1 = p.step(&k0, 1).unwrap();
        assert_eq!(k1, p.key_at(id, 1));
        assert_eq!(p.step(&k1, 2).unwrap(), p.key_at(id, 2));
        assert_ne!(k1, k0);
        assert!(p.step(&k1, 3).is_none());
        // The epoch in use follows the database, only within the chain and
        // only with the same key ids.
        assert_eq!(p.key_of(id), k0);
        p.adopt(1, &["k0".into(), "k1".into()]).unwrap();
        assert_eq!(p.key_of(id), k1);
        assert!(p.adopt(3, &[]).is_err());
        assert_eq!(p.epoch(), Pseudonymizer::UNUSABLE);
        p.adopt(1, &["k0".into(), "k1".into()]).unwrap();
        assert!(p.adopt(1, &["k0".into(), "other".into()]).is_err());
        assert_eq!(p.epoch(), Pseudonymizer::UNUSABLE);
    }
}
