//! Domain vocabularies and participant pseudonymisation.
//!
//! Each vocabulary is a closed set with a stable wire name; parsing a wire
//! name is the only way to get a value, so the database layer never sees an
//! unchecked string.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses a wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The accepted names, for error messages.
            pub fn expected() -> String {
                [$($wire),+].join(", ")
            }
        }
    };
}

vocabulary! {
    /// What kind of outreach an event was.
    Kind {
        /// Lớp tập huấn: a training or awareness class.
        TrainingClass = "training_class",
        /// Họp dân: a village or neighbourhood meeting.
        CommunityMeeting = "community_meeting",
        /// Phát động phong trào: the launch of a campaign or movement.
        CampaignLaunch = "campaign_launch",
        /// Tuyên truyền phổ biến pháp luật: a law-dissemination session.
        LawDissemination = "law_dissemination",
        /// Tiết dạy lồng ghép: a lesson with the content integrated into a school subject.
        IntegratedLesson = "integrated_lesson",
        /// Hoạt động ngoại khóa: an extracurricular session.
        Extracurricular = "extracurricular",
        /// Phát thanh/truyền hình: a radio or television broadcast.
        MediaBroadcast = "media_broadcast",
        /// Thăm hộ gia đình: a home visit.
        HomeVisit = "home_visit",
        /// Khác: anything else.
        Other = "other",
    }
}

vocabulary! {
    /// What an event was about.
    Topic {
        /// Phòng, chống mua bán người: human trafficking.
        HumanTrafficking = "human_trafficking",
        /// Phòng, chống ma túy: drug prevention.
        DrugPrevention = "drug_prevention",
        /// Phòng, chống tội phạm: crime prevention.
        CrimePrevention = "crime_prevention",
        /// Tệ nạn xã hội: social evils.
        SocialEvils = "social_evils",
        /// Bình đẳng giới: gender equality.
        GenderEquality = "gender_equality",
        /// Bảo vệ trẻ em: child protection.
        ChildProtection = "child_protection",
        /// Di cư an toàn: safe migration.
        SafeMigration = "safe_migration",
        /// Khác: other.
        Other = "other",
    }
}

vocabulary! {
    /// Who an event addressed.
    TargetGroup {
        /// Học sinh, sinh viên: students.
        Students = "students",
        /// Phụ nữ: women.
        Women = "women",
        /// Trẻ em gái: girls.
        Girls = "girls",
        /// Thanh niên: youth.
        Youth = "youth",
        /// Đồng bào dân tộc thiểu số: ethnic minorities.
        EthnicMinorities = "ethnic_minorities",
        /// Lao động di cư: migrant workers.
        MigrantWorkers = "migrant_workers",
        /// Người dân: the general public.
        GeneralPublic = "general_public",
        /// Cán bộ: officials.
        Officials = "officials",
        /// Người trở về: returnees (returning victims).
        Returnees = "returnees",
    }
}

vocabulary! {
    /// How a participant is identified.
    IdType {
        /// Căn cước công dân: 12 digits, or a legacy 9-digit identity card number.
        CitizenId = "citizen_id",
        /// A Vietnamese phone number in any common writing; normalised to +84 E.164.
        Phone = "phone",
        /// A school's student id; trimmed and upper-cased.
        StudentId = "student_id",
        /// The reporting agency's own reference; only deduplicated within that agency.
        AgencyRef = "agency_ref",
    }
}

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
    fn vocabularies_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(*t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        for g in TargetGroup::ALL {
            assert_eq!(TargetGroup::parse(g.as_str()), Some(*g));
            assert_eq!(serde_json::to_value(g).unwrap(), g.as_str());
        }
        assert_eq!(Kind::parse("party"), None);
    }

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
