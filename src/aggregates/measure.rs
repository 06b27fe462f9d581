//! The measures: one table says, for each, its name, its HXL hashtag,
//! whether it is additive, how to read it from [`Measures`] and how the
//! aggregate statement computes it. The JSON field order, the CSV columns,
//! `additive_measures` and the statement's columns all follow the table.

use serde::Serialize;
use utoipa::ToSchema;

/// The measures of a row or of the totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Measures {
    /// Distinct real events (linked duplicate reports count once; mass-media
    /// records included).
    pub events: i64,
    /// Sessions ("lớp", "buổi", "tiết"): the sum of the real events'
    /// sessions (a record may cover several; linked reports: the largest),
    /// mass-media records excluded (they are `media_items`).
    pub sessions: i64,
    /// Person-times ("lượt người"): the sum of the real events' attendance
    /// totals, mass-media audiences excluded.
    pub attendances: i64,
    /// Women and girls, summed over events that reported it (null when none did).
    pub female_attendances: Option<i64>,
    /// Men and boys, summed over events that reported it.
    pub male_attendances: Option<i64>,
    /// Under-18s, summed over events that reported it.
    pub under_18_attendances: Option<i64>,
    /// Attendances backed by a participant identifier (a record's identified
    /// participants, once each).
    pub identified_attendances: i64,
    /// `identified_attendances / attendances`, rounded to 4 decimals; null
    /// when there is no attendance. A record covering several sessions
    /// counts each identified participant once, so where there are such
    /// records the share is a lower bound. Not additive.
    pub identified_share: Option<f64>,
    /// Distinct identified people ("người được định danh") over the row's
    /// events: not additive. Only people with an identifier: read it with
    /// `identified_share` and the range `reach_min`..`reach_max`.
    pub unique_participants: i64,
    /// Fewest different people reached: the largest of
    /// `unique_participants` and every real event's own lower bound (its
    /// declared people when given, else ceil(attendance / sessions), never
    /// fewer than its identified people). Not additive.
    pub reach_min: i64,
    /// Most different people reached: `unique_participants` plus, for every
    /// real event, how many more than its identified people it may hold
    /// (its declared people when given, else its attendance). Not additive.
    pub reach_max: i64,
    /// People of the row reached for the first time in the row's period
    /// (its `period` key when grouping by period, else the request's
    /// `from`..`to`): their earliest attendance at any real event matching
    /// the request's filters other than `from`/`to`, at any date, falls in
    /// it. The row's other keys never narrow that history ("new to the
    /// programme", not "new to this agency"). Not additive.
    pub first_time_participants: i64,
    /// With a grouping by period: distinct people over the row's real
    /// events (its other keys) from `from` (or the first event) through the
    /// end of the row's period; on the totals, the slice's unique
    /// participants. Null without a period grouping. Not additive.
    pub cumulative_participants: Option<i64>,
    /// Mass-media items (broadcasts, loudspeaker messages, printed
    /// materials, posts): the sum of the mass-media real events' sessions.
    pub media_items: i64,
    /// Their estimated audience (listeners, viewers, readers; linked
    /// reports: the largest): never attendance, never people.
    pub audience: i64,
}

/// What a row's measures are made of: the sums over its real events (each
/// additive measure), and the two figures bounding its different people.
/// Both engines build [`Measures`] from it, so they derive them alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sums {
    /// Real events.
    pub events: i64,
    /// Their sessions (mass media excluded).
    pub sessions: i64,
    /// Their attendance totals.
    pub attendances: i64,
    /// Reported female attendances (None: none reported).
    pub female: Option<i64>,
    /// Reported male attendances.
    pub male: Option<i64>,
    /// Reported under-18 attendances.
    pub under_18: Option<i64>,
    /// Identified attendances.
    pub identified: i64,
    /// Mass-media items.
    pub media_items: i64,
    /// Mass-media audiences.
    pub audience: i64,
    /// The largest real event's lower bound of its different people.
    pub lower_bound: i64,
    /// How many more than their identified people the events may hold.
    pub unidentified_max: i64,
}

impl Sums {
    /// The measures of a row with these sums, `unique` identified people,
    /// `first_time` of them first reached, and `cumulative` people.
    pub fn measures(&self, unique: i64, first_time: i64, cumulative: Option<i64>) -> Measures {
        Measures {
            events: self.events,
            sessions: self.sessions,
            attendances: self.attendances,
            female_attendances: self.female,
            male_attendances: self.male,
            under_18_attendances: self.under_18,
            identified_attendances: self.identified,
            identified_share: share(self.identified, self.attendances),
            unique_participants: unique,
            reach_min: unique.max(self.lower_bound),
            reach_max: unique + self.unidentified_max,
            first_time_participants: first_time,
            cumulative_participants: cumulative,
            media_items: self.media_items,
            audience: self.audience,
        }
    }
}

/// A measure's value: a count, or a share (`identified_share`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A count.
    Count(i64),
    /// A share between 0 and 1.
    Share(f64),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n}"),
            Self::Share(x) => write!(f, "{x}"),
        }
    }
}

/// `part / whole`, rounded to 4 decimals; None when `whole` is 0.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 10_000.0).round() / 10_000.0)
}

/// How the aggregate statement sums a measure over a row's real events
/// (the slice's rows, aliased `s`).
#[derive(Debug, Clone, Copy)]
pub struct Summed {
    /// The aggregate expression.
    pub expr: &'static str,
    /// Whether it is null when no event reported the value (else 0).
    pub nullable: bool,
}

/// One measure.
#[derive(Debug, Clone, Copy)]
pub struct Measure {
    /// Its name: the JSON field, the CSV column and the statement's column.
    pub name: &'static str,
    /// Its name for people (Vietnamese, English): column headers of
    /// spreadsheets and reports.
    pub label: (&'static str, &'static str),
    /// The HXL hashtag of its CSV column.
    pub hxl: &'static str,
    /// Whether it may be summed across rows of a single-valued grouping
    /// (kind, area, period). Unique counts and reach bounds never may; and
    /// in a grouping by agency, topic or target group a joint event is in
    /// several rows.
    pub additive: bool,
    /// Whether publications carry it (first-time and cumulative people
    /// depend on a history before the period, so they are not published).
    pub published: bool,
    /// The measure it is a part of, in every cell (women's person-times are
    /// at most all person-times): a publication withholds it wherever that
    /// one is withheld, since a published part bounds the whole from below,
    /// and parts that add up to the whole would pin it.
    pub part_of: Option<&'static str>,
    /// Its value (None: not reported).
    pub get: fn(&Measures) -> Option<Value>,
    /// Its column in the aggregate statement; None for the measures counted
    /// over people (separate parts of the statement).
    pub sql: Option<Summed>,
}

/// Every measure, in the order of [`Measures`]' fields.
pub const MEASURES: &[Measure] = &[
    Measure {
        name: "events",
        label: ("Số hoạt động", "Activities"),
        hxl: "#activity+num",
        additive: true,
        published: true,
        part_of: None,
        get: |m| Some(Value::Count(m.events)),
        sql: Some(Summed {
            expr: "COUNT(*)",
            nullable: false,
        }),
    },
    Measure {
        name: "sessions",
        label: ("Số buổi, lớp", "Sessions"),
        hxl: "#activity+num+sessions",
        additive: true,
        published: true,
        part_of: None,
        get: |m| Some(Value::Count(m.sessions)),
        sql: Some(Summed {
            expr: "CAST(COALESCE(SUM(s.sessions), 0) AS BIGINT)",
            nullable: false,
        }),
    },
    Measure {
        name: "attendances",
        label: ("Lượt người tham dự", "Person-times"),
        hxl: "#reached+total",
        additive: true,
        published: true,
        part_of: None,
        get: |m| Some(Value::Count(m.attendances)),
        sql: Some(Summed {
            expr: "CAST(COALESCE(SUM(s.total), 0) AS BIGINT)",
            nullable: false,
        }),
    },
    Measure {
        name: "female_attendances",
        label: ("Lượt nữ tham dự", "Person-times, women and girls"),
        hxl: "#reached+total+f",
        additive: true,
        published: true,
        part_of: Some("attendances"),
        get: |m| m.female_attendances.map(Value::Count),
        sql: Some(Summed {
            expr: "CAST(SUM(s.female) AS BIGINT)",
            nullable: true,
        }),
    },
    Measure {
        name: "male_attendances",
        label: ("Lượt nam tham dự", "Person-times, men and boys"),
        hxl: "#reached+total+m",
        additive: true,
        published: true,
        part_of: Some("attendances"),
        get: |m| m.male_attendances.map(Value::Count),
        sql: Some(Summed {
            expr: "CAST(SUM(s.male) AS BIGINT)",
            nullable: true,
        }),
    },
    Measure {
        name: "under_18_attendances",
        label: ("Lượt người dưới 18 tuổi", "Person-times under 18"),
        hxl: "#reached+total+children",
        additive: true,
        published: true,
        part_of: Some("attendances"),
        get: |m| m.under_18_attendances.map(Value::Count),
        sql: Some(Summed {
            expr: "CAST(SUM(s.under_18) AS BIGINT)",
            nullable: true,
        }),
    },
    Measure {
        name: "identified_attendances",
        label: ("Lượt tham dự có định danh", "Identified person-times"),
        hxl: "#reached+total+identified",
        additive: true,
        published: true,
        part_of: Some("attendances"),
        get: |m| Some(Value::Count(m.identified_attendances)),
        sql: Some(Summed {
            expr: "CAST(COALESCE(SUM(s.identified), 0) AS BIGINT)",
            nullable: false,
        }),
    },
    Measure {
        name: "identified_share",
        label: ("Tỷ lệ lượt có định danh", "Identified share"),
        hxl: "#reached+pct+identified",
        additive: false,
        // Derived from two published measures: a publication states it
        // where both are published.
        published: false,
        part_of: None,
        get: |m| m.identified_share.map(Value::Share),
        sql: None,
    },
    Measure {
        name: "unique_participants",
        label: (
            "Số người (đã loại trùng, có CCCD/SĐT)",
            "Identified people (deduplicated)",
        ),
        hxl: "#reached+ind",
        additive: false,
        published: true,
        part_of: None,
        get: |m| Some(Value::Count(m.unique_participants)),
        sql: None,
    },
    Measure {
        name: "reach_min",
        label: (
            "Số người khác nhau, ước tính thấp nhất",
            "Different people, lowest estimate",
        ),
        hxl: "#reached+ind+min",
        additive: false,
        // Not published: with the attendances it pins a cell's largest
        // event, and through it withheld event counts (issue 28).
        published: false,
        part_of: None,
        get: |m| Some(Value::Count(m.reach_min)),
        sql: None,
    },
    Measure {
        name: "reach_max",
        label: (
            "Số người khác nhau, ước tính cao nhất",
            "Different people, highest estimate",
        ),
        hxl: "#reached+ind+max",
        additive: false,
        published: true,
        part_of: None,
        get: |m| Some(Value::Count(m.reach_max)),
        sql: None,
    },
    Measure {
        name: "first_time_participants",
        label: (
            "Người tham gia lần đầu",
            "People reached for the first time",
        ),
        hxl: "#reached+ind+new",
        additive: false,
        // Published: a signed period quotes its first-time people; they
        // join the people's disclosure system (issue 28).
        published: true,
        part_of: None,
        get: |m| Some(Value::Count(m.first_time_participants)),
        sql: None,
    },
    Measure {
        name: "cumulative_participants",
        label: ("Lũy kế số người", "Cumulative people"),
        hxl: "#reached+ind+cumulative",
        additive: false,
        published: false,
        part_of: None,
        get: |m| m.cumulative_participants.map(Value::Count),
        sql: None,
    },
    Measure {
        name: "media_items",
        label: ("Tin, bài, chương trình", "Media items"),
        hxl: "#activity+num+media",
        additive: true,
        published: true,
        part_of: None,
        get: |m| Some(Value::Count(m.media_items)),
        sql: Some(Summed {
            expr: "CAST(COALESCE(SUM(s.items), 0) AS BIGINT)",
            nullable: false,
        }),
    },
    Measure {
        name: "audience",
        label: (
            "Lượt người nghe, xem, đọc (ước tính)",
            "Audience (estimated)",
        ),
        hxl: "#reached+audience",
        additive: true,
        published: true,
        part_of: None,
        get: |m| Some(Value::Count(m.audience)),
        sql: Some(Summed {
            expr: "CAST(COALESCE(SUM(s.audience), 0) AS BIGINT)",
            nullable: false,
        }),
    },
];

/// The measures publications carry, in table order.
pub fn published() -> impl Iterator<Item = &'static Measure> {
    MEASURES.iter().filter(|m| m.published)
}

/// The names of the additive measures, in table order.
pub fn additive() -> Vec<String> {
    MEASURES
        .iter()
        .filter(|m| m.additive)
        .map(|m| m.name.to_string())
        .collect()
}

/// The measures the aggregate statement sums, in table order.
pub fn summed() -> impl Iterator<Item = (&'static str, Summed)> {
    MEASURES.iter().filter_map(|m| m.sql.map(|s| (m.name, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_follows_the_fields_of_measures() {
        let m = Measures {
            events: 1,
            sessions: 12,
            attendances: 2,
            female_attendances: Some(3),
            male_attendances: None,
            under_18_attendances: Some(5),
            identified_attendances: 6,
            identified_share: Some(0.25),
            unique_participants: 7,
            reach_min: 8,
            reach_max: 9,
            first_time_participants: 10,
            cumulative_participants: Some(11),
            media_items: 13,
            audience: 14,
        };
        let json = serde_json::to_value(&m).unwrap();
        let fields: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut names: Vec<&str> = MEASURES.iter().map(|x| x.name).collect();
        names.sort_unstable();
        let mut fields = fields;
        fields.sort_unstable();
        assert_eq!(names, fields);
        for x in MEASURES {
            let value = match (x.get)(&m) {
                Some(Value::Count(n)) => serde_json::json!(n),
                Some(Value::Share(v)) => serde_json::json!(v),
                None => serde_json::Value::Null,
            };
            assert_eq!(json[x.name], value, "{}", x.name);
        }
    }

    #[test]
    fn derived_measures_are_not_additive_nor_summed() {
        assert_eq!(
            additive(),
            [
                "events",
                "sessions",
                "attendances",
                "female_attendances",
                "male_attendances",
                "under_18_attendances",
                "identified_attendances",
                "media_items",
                "audience"
            ]
        );
        assert_eq!(summed().count(), 9);
    }

    #[test]
    fn shares_are_rounded_and_absent_without_a_whole() {
        assert_eq!(share(596, 14_053), Some(0.0424));
        assert_eq!(share(0, 0), None);
        assert_eq!(share(5, 5), Some(1.0));
    }
}
