//! The domain's own values: closed vocabularies (this file), identifier
//! normalisation and pseudonymisation ([`identifiers`]), codes ([`codes`])
//! and the one calendar ([`calendar`]).
//!
//! Each vocabulary is a closed set with a stable wire name; parsing a wire
//! name is the only way to get a value, so the database layer never sees an
//! unchecked string.

pub mod calendar;
pub mod codes;
pub mod identifiers;
pub mod names;
pub mod versions;
pub mod workdays;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use identifiers::{ChainSecret, Pseudonymizer, normalize_identifier};
pub use names::Lang;
pub use versions::Versions;

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        #[allow(dead_code, reason = "generated for every vocabulary; each uses what it needs")]
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
    /// The legal basis on which an event's participant identifiers were
    /// collected (Law 91/2025/QH15 on personal data protection).
    LegalBasis {
        /// The person's consent (a child's: their legal representative's, `consent_by`).
        Consent = "consent",
        /// A legal obligation of the agency (`legal_reference` names the law).
        LegalObligation = "legal_obligation",
        /// A task in the public interest or of public authority (`legal_reference` names the law).
        PublicTask = "public_task",
    }
}

vocabulary! {
    /// Who gave consent to collecting a participant's identifier.
    ConsentBy {
        /// The person themself.
        Person = "person",
        /// A legal representative (a parent or guardian of a child).
        LegalRepresentative = "legal_representative",
    }
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
        /// Loa truyền thanh cơ sở: a message on the commune or village loudspeakers.
        Loudspeaker = "loudspeaker",
        /// Tờ rơi, áp phích, pa nô: printed materials handed out or put up.
        PrintedMaterials = "printed_materials",
        /// Tin, bài trên mạng: a post or article online or on social media.
        OnlinePost = "online_post",
        /// Khác: anything else.
        Other = "other",
    }
}

impl Kind {
    /// Whether the kind reaches people through a medium (broadcasts,
    /// loudspeakers, printed materials, posts): such a record states an
    /// estimated `audience`, never an attendance or participants, and is
    /// counted apart (`media_items`, `audience`), outside attendances,
    /// people and reach bounds.
    pub fn is_media(self) -> bool {
        matches!(
            self,
            Kind::MediaBroadcast | Kind::Loudspeaker | Kind::PrintedMaterials | Kind::OnlinePost
        )
    }

    /// The wire names of the mass-media kinds, as an SQL list (`'a', 'b'`):
    /// constants of this vocabulary, never user input.
    pub fn media_sql_list() -> String {
        Kind::ALL
            .iter()
            .filter(|k| k.is_media())
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

vocabulary! {
    /// How an audience figure was obtained.
    AudienceBasis {
        /// Ước tính: the agency's own estimate (e.g. a station's reach).
        Estimate = "estimate",
        /// Khảo sát: a survey of listeners or readers.
        Survey = "survey",
        /// Số liệu nền tảng: the platform's own count (views, reach).
        PlatformCount = "platform_count",
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
        /// Căn cước công dân: 12 digits, or a legacy 9-digit identity card number;
        /// full-width digits, spaces, dashes and dots are accepted.
        CitizenId = "citizen_id",
        /// A Vietnamese phone number in any common writing; normalised to +84 E.164.
        Phone = "phone",
        /// A school's student id, with the school's code as `issuer`; upper-cased,
        /// without spaces, dashes or dots.
        StudentId = "student_id",
        /// The reporting agency's own reference, exact after trimming; only
        /// deduplicated within that agency.
        AgencyRef = "agency_ref",
    }
}

vocabulary! {
    /// A named co-organiser's answer to a claim: the joint event counts for
    /// it (its rows, lists and reads) only once confirmed.
    ClaimStatus {
        /// Named, not answered yet (or figures changed since it confirmed).
        Pending = "pending",
        /// The co-organiser (or an admin) agreed to these figures.
        Confirmed = "confirmed",
        /// The co-organiser said it did not organise this event.
        Declined = "declined",
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
        for c in ClaimStatus::ALL {
            assert_eq!(ClaimStatus::parse(c.as_str()), Some(*c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert_eq!(Kind::parse("party"), None);
    }
}
