//! The Vietnamese names of the vocabularies, as a clerk reads and types
//! them (the dashboard's `i18n.js` holds the same words for the screens):
//! the workbook's drop-down lists and the import's reading of them.

use super::{AudienceBasis, ConsentBy, IdType, Kind, LegalBasis, TargetGroup, Topic};

/// A unit's name as answers print it. When another unit carries the same
/// code (codes reused across the 2025 reform: two "Tỉnh Thái Nguyên"), its
/// dates tell them apart: "Tỉnh Thái Nguyên (đến 30/06/2025)", "Tỉnh Thái
/// Nguyên (từ 01/07/2025)". A unit whose code is its own keeps its name.
pub fn unit_name(
    name: &str,
    valid_from: Option<chrono::NaiveDate>,
    valid_until: Option<chrono::NaiveDate>,
    shared: bool,
) -> String {
    let day = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    match (shared, valid_from, valid_until) {
        (false, _, _) | (true, None, None) => name.to_string(),
        (true, _, Some(until)) => format!("{name} (đến {})", day(until)),
        (true, Some(from), None) => format!("{name} (từ {})", day(from)),
    }
}

/// The language of what people read (reports, workbooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese (the default).
    Vi,
    /// English.
    En,
}

/// A kind's Vietnamese name.
pub fn kind(k: Kind) -> &'static str {
    match k {
        Kind::TrainingClass => "Lớp tập huấn",
        Kind::CommunityMeeting => "Họp dân",
        Kind::CampaignLaunch => "Phát động phong trào",
        Kind::LawDissemination => "Phổ biến pháp luật",
        Kind::IntegratedLesson => "Tiết dạy lồng ghép",
        Kind::Extracurricular => "Ngoại khóa",
        Kind::MediaBroadcast => "Phát thanh, truyền hình",
        Kind::HomeVisit => "Thăm hộ gia đình",
        Kind::Loudspeaker => "Loa truyền thanh cơ sở",
        Kind::PrintedMaterials => "Tờ rơi, áp phích, pa nô",
        Kind::OnlinePost => "Tin, bài trên mạng",
        Kind::Other => "Khác",
    }
}

/// A topic's Vietnamese name.
pub fn topic(t: Topic) -> &'static str {
    match t {
        Topic::HumanTrafficking => "Mua bán người",
        Topic::DrugPrevention => "Ma túy",
        Topic::CrimePrevention => "Phòng chống tội phạm",
        Topic::SocialEvils => "Tệ nạn xã hội",
        Topic::GenderEquality => "Bình đẳng giới",
        Topic::ChildProtection => "Bảo vệ trẻ em",
        Topic::SafeMigration => "Di cư an toàn",
        Topic::Other => "Khác",
    }
}

/// A target group's Vietnamese name.
pub fn target_group(g: TargetGroup) -> &'static str {
    match g {
        TargetGroup::Students => "Học sinh, sinh viên",
        TargetGroup::Women => "Phụ nữ",
        TargetGroup::Girls => "Trẻ em gái",
        TargetGroup::Youth => "Thanh niên",
        TargetGroup::EthnicMinorities => "Đồng bào dân tộc thiểu số",
        TargetGroup::MigrantWorkers => "Lao động di cư",
        TargetGroup::GeneralPublic => "Người dân",
        TargetGroup::Officials => "Cán bộ",
        TargetGroup::Returnees => "Người trở về",
    }
}

/// An identifier type's Vietnamese name.
pub fn id_type(t: IdType) -> &'static str {
    match t {
        IdType::CitizenId => "CCCD",
        IdType::Phone => "Số điện thoại",
        IdType::StudentId => "Mã học sinh",
        IdType::AgencyRef => "Mã riêng của cơ quan",
    }
}

/// An audience basis's Vietnamese name.
pub fn basis(b: AudienceBasis) -> &'static str {
    match b {
        AudienceBasis::Estimate => "Ước tính",
        AudienceBasis::Survey => "Khảo sát",
        AudienceBasis::PlatformCount => "Số liệu nền tảng",
    }
}

/// A legal basis's Vietnamese name (the import template's list).
pub fn legal_basis(b: LegalBasis) -> &'static str {
    match b {
        LegalBasis::Consent => "Đồng ý",
        LegalBasis::LegalObligation => "Nghĩa vụ theo pháp luật",
        LegalBasis::PublicTask => "Nhiệm vụ của cơ quan nhà nước",
    }
}

/// Who consented, by its Vietnamese name.
pub fn consent_by(c: ConsentBy) -> &'static str {
    match c {
        ConsentBy::Person => "Người tham dự",
        ConsentBy::LegalRepresentative => "Cha mẹ, người giám hộ",
    }
}

/// Folds a name or a query for search: lower case, Vietnamese diacritics
/// removed (canonical decomposition, combining marks dropped), `đ` -> `d`.
/// "CHỢ MỚI", "Chợ Mới" and "cho moi" all fold to "cho moi".
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// The wire name of a value typed as its Vietnamese name or its wire name
/// (any case or accents), among `all` named by `name`.
pub fn parse<T: Copy>(
    typed: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    wire: fn(T) -> &'static str,
) -> Option<T> {
    let f = fold(typed);
    all.iter()
        .copied()
        .find(|v| fold(name(*v)) == f.trim() || wire(*v) == typed.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_sharing_a_code_are_told_apart_by_their_dates() {
        let d = |s: &str| Some(s.parse::<chrono::NaiveDate>().unwrap());
        let name = "Tỉnh Thái Nguyên";
        assert_eq!(
            unit_name(name, None, d("2025-06-30"), true),
            "Tỉnh Thái Nguyên (đến 30/06/2025)"
        );
        assert_eq!(
            unit_name(name, d("2025-07-01"), None, true),
            "Tỉnh Thái Nguyên (từ 01/07/2025)"
        );
        assert_eq!(unit_name(name, None, d("2025-06-30"), false), name);
        assert_eq!(unit_name(name, None, None, true), name);
    }

    #[test]
    fn every_value_has_a_distinct_name() {
        let kinds: std::collections::BTreeSet<_> =
            Kind::ALL.iter().map(|k| fold(kind(*k))).collect();
        assert_eq!(kinds.len(), Kind::ALL.len());
        let topics: std::collections::BTreeSet<_> =
            Topic::ALL.iter().map(|t| fold(topic(*t))).collect();
        assert_eq!(topics.len(), Topic::ALL.len());
        let groups: std::collections::BTreeSet<_> = TargetGroup::ALL
            .iter()
            .map(|g| fold(target_group(*g)))
            .collect();
        assert_eq!(groups.len(), TargetGroup::ALL.len());
        assert_eq!(
            parse("phat thanh, TRUYEN hinh", Kind::ALL, kind, Kind::as_str),
            Some(Kind::MediaBroadcast)
        );
        assert_eq!(
            parse("media_broadcast", Kind::ALL, kind, Kind::as_str),
            Some(Kind::MediaBroadcast)
        );
        assert_eq!(parse("tiệc", Kind::ALL, kind, Kind::as_str), None);
    }
}
