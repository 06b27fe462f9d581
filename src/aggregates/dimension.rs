//! What rows can be grouped by: the dimensions, and a parsed `group_by`.

use std::ops::Deref;

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// A dimension rows can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Reporting and co-organising agencies.
    Agency,
    /// Kind of event.
    Kind,
    /// Topic.
    Topic,
    /// Target group.
    TargetGroup,
    /// Province containing the event's unit.
    AreaProvince,
    /// District containing the event's unit (none after the 2025 reform).
    AreaDistrict,
    /// Commune of the event's unit.
    AreaCommune,
    /// Calendar month of the start date (`2024-03`).
    PeriodMonth,
    /// Quarter (`2024-Q1`).
    PeriodQuarter,
    /// Year (`2024`).
    PeriodYear,
}

impl Dimension {
    /// Every dimension, in the order the documentation lists them.
    pub const ALL: &[Dimension] = &[
        Self::Agency,
        Self::Kind,
        Self::Topic,
        Self::TargetGroup,
        Self::AreaProvince,
        Self::AreaDistrict,
        Self::AreaCommune,
        Self::PeriodMonth,
        Self::PeriodQuarter,
        Self::PeriodYear,
    ];

    /// Parses one `group_by` item.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.iter().copied().find(|d| d.as_str() == s)
    }

    /// The `group_by` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::Kind => "kind",
            Self::Topic => "topic",
            Self::TargetGroup => "target_group",
            Self::AreaProvince => "area:province",
            Self::AreaDistrict => "area:district",
            Self::AreaCommune => "area:commune",
            Self::PeriodMonth => "period:month",
            Self::PeriodQuarter => "period:quarter",
            Self::PeriodYear => "period:year",
        }
    }

    /// The key's name in a row.
    pub fn key_name(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::Kind => "kind",
            Self::Topic => "topic",
            Self::TargetGroup => "target_group",
            Self::AreaProvince => "province",
            Self::AreaDistrict => "district",
            Self::AreaCommune => "commune",
            Self::PeriodMonth | Self::PeriodQuarter | Self::PeriodYear => "period",
        }
    }

    /// The HXL hashtag of the key column.
    pub fn hxl(self) -> &'static str {
        match self {
            Self::Agency => "#org+code",
            Self::Kind => "#activity+type",
            Self::Topic => "#activity+topic",
            // `#population` holds numbers in HXL: a label is a `#group`.
            Self::TargetGroup => "#group+type",
            Self::AreaProvince => "#adm1+code",
            Self::AreaDistrict => "#adm2+code",
            Self::AreaCommune => "#adm3+code",
            // HXL dates are ISO 8601 (`2025-07`, `2025`); a quarter
            // (`2025-Q3`) is not one, so it is a period, not a `#date`.
            Self::PeriodMonth => "#date+month",
            Self::PeriodQuarter => "#meta+period+quarter",
            Self::PeriodYear => "#date+year",
        }
    }

    /// The HXL hashtag of an area key's name column.
    pub fn hxl_name(self) -> &'static str {
        match self {
            Self::AreaProvince => "#adm1+name",
            Self::AreaDistrict => "#adm2+name",
            _ => "#adm3+name",
        }
    }

    /// Its column headers for people (Vietnamese, English): the code's
    /// and, for keys that have one, the name's.
    pub fn label(self) -> [(&'static str, &'static str); 2] {
        match self {
            Self::Agency => [("Mã cơ quan", "Agency code"), ("Cơ quan, đơn vị", "Agency")],
            Self::Kind => [("Mã loại", "Kind code"), ("Loại hoạt động", "Kind")],
            Self::Topic => [("Mã chủ đề", "Topic code"), ("Chủ đề", "Topic")],
            Self::TargetGroup => [
                ("Mã đối tượng", "Group code"),
                ("Đối tượng", "Target group"),
            ],
            Self::AreaProvince => [
                ("Mã tỉnh", "Province code"),
                ("Tỉnh, thành phố", "Province"),
            ],
            Self::AreaDistrict => [
                ("Mã huyện", "District code"),
                ("Huyện, thị xã, thành phố", "District"),
            ],
            Self::AreaCommune => [
                ("Mã xã", "Commune code"),
                ("Xã, phường, thị trấn", "Commune"),
            ],
            Self::PeriodMonth | Self::PeriodQuarter | Self::PeriodYear => {
                [("Mã kỳ", "Period code"), ("Kỳ", "Period")]
            }
        }
    }

    /// Whether the key is an administrative unit (it then has a name column).
    pub fn is_area(self) -> bool {
        matches!(
            self,
            Self::AreaProvince | Self::AreaDistrict | Self::AreaCommune
        )
    }

    /// Whether the key is a period.
    pub fn is_period(self) -> bool {
        matches!(
            self,
            Self::PeriodMonth | Self::PeriodQuarter | Self::PeriodYear
        )
    }
}

/// Most `group_by` dimensions in one request.
pub const MAX_DIMENSIONS: usize = 4;

/// A parsed `group_by`: known dimensions, each key at most once, at most
/// [`MAX_DIMENSIONS`] of them. Empty: totals only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupBy(Vec<Dimension>);

impl GroupBy {
    /// Parses the comma-separated `group_by` parameter.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut dims: Vec<Dimension> = Vec::new();
        for item in raw
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let d = Dimension::parse(item).ok_or_else(|| {
                ApiError::field(
                    "group_by",
                    format!(
                        "unknown dimension {item:?}; expected agency, kind, topic, target_group, \
                         area:province|district|commune, period:month|quarter|year"
                    ),
                )
            })?;
            if dims.iter().any(|x| x.key_name() == d.key_name()) {
                return Err(ApiError::field(
                    "group_by",
                    format!("{} appears twice", d.key_name()),
                ));
            }
            dims.push(d);
        }
        if dims.len() > MAX_DIMENSIONS {
            return Err(ApiError::field(
                "group_by",
                format!("at most {MAX_DIMENSIONS} dimensions"),
            ));
        }
        Ok(Self(dims))
    }
}

impl Deref for GroupBy {
    type Target = [Dimension];

    fn deref(&self) -> &[Dimension] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: ApiError) -> String {
        match e {
            ApiError::Validation { errors, .. } => {
                format!("{}: {}", errors[0].field, errors[0].message)
            }
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn dimensions_round_trip() {
        for d in Dimension::ALL {
            assert_eq!(Dimension::parse(d.as_str()), Some(*d));
            assert_eq!(Dimension::parse(&format!(" {} ", d.as_str())), Some(*d));
        }
        assert_eq!(Dimension::parse("area"), None);
    }

    #[test]
    fn group_by_is_parsed_in_order() {
        let g = GroupBy::parse(Some("period:year, agency,,area:commune")).unwrap();
        assert_eq!(
            &*g,
            &[
                Dimension::PeriodYear,
                Dimension::Agency,
                Dimension::AreaCommune
            ]
        );
        assert!(GroupBy::parse(None).unwrap().is_empty());
        assert!(GroupBy::parse(Some(" , ")).unwrap().is_empty());
    }

    #[test]
    fn bad_groupings_name_their_problem() {
        for (raw, expected) in [
            ("planet", "group_by: unknown dimension \"planet\""),
            ("period:month,period:year", "group_by: period appears twice"),
            (
                "agency,kind,topic,target_group,period:year",
                "group_by: at most 4 dimensions",
            ),
        ] {
            let got = message(GroupBy::parse(Some(raw)).unwrap_err());
            assert!(got.starts_with(expected), "{raw}: {got}");
        }
    }
}
