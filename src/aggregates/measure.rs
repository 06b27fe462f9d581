//! The measures: one table says, for each, its name, its HXL hashtag,
//! whether it is additive, how to read it from [`Measures`] and how the
//! aggregate statement computes it. The JSON field order, the CSV columns,
//! `additive_measures` and the statement's columns all follow the table.

use serde::Serialize;
use utoipa::ToSchema;

/// The measures of a row or of the totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Measures {
    /// Distinct real events (linked duplicate reports count once).
    pub events: i64,
    /// Person-times ("lượt người"): the sum of the real events' attendance totals.
    pub attendances: i64,
    /// Women and girls, summed over events that reported it (null when none did).
    pub female_attendances: Option<i64>,
    /// Men and boys, summed over events that reported it.
    pub male_attendances: Option<i64>,
    /// Under-18s, summed over events that reported it.
    pub under_18_attendances: Option<i64>,
    /// Attendances backed by a participant identifier.
    pub identified_attendances: i64,
    /// Distinct identified people ("người") over the row's events: not additive.
    pub unique_participants: i64,
    /// Fewest different people reached: max(unique_participants, largest event's total).
    pub reach_min: i64,
    /// Most different people reached: unique_participants + unidentified attendances.
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
    /// Its value (None: not reported).
    pub get: fn(&Measures) -> Option<i64>,
    /// Its column in the aggregate statement; None for the measures counted
    /// over people (separate parts of the statement).
    pub sql: Option<Summed>,
}

/// Every measure, in the order of [`Measures`]' fields.
pub const MEASURES: &[Measure] = &[
    Measure {
        name: "events",
        hxl: "#activity+num",
        additive: true,
        published: true,
        get: |m| Some(m.events),
        sql: Some(Summed {
            expr: "COUNT(*)",
            nullable: false,
        }),
    },
    Measure {
        name: "attendances",
        hxl: "#reached+total",
        additive: true,
        published: true,
        get: |m| Some(m.attendances),
        sql: Some(Summed {
            expr: "CAST(COALESCE(SUM(s.total), 0) AS BIGINT)",
            nullable: false,
        }),
    },
    Measure {
        name: "female_attendances",
        hxl: "#reached+total+f",
        additive: true,
        published: true,
        get: |m| m.female_attendances,
        sql: Some(Summed {
            expr: "CAST(SUM(s.female) AS BIGINT)",
            nullable: true,
        }),
    },
    Measure {
        name: "male_attendances",
        hxl: "#reached+total+m",
        additive: true,
        published: true,
        get: |m| m.male_attendances,
        sql: Some(Summed {
            expr: "CAST(SUM(s.male) AS BIGINT)",
            nullable: true,
        }),
    },
    Measure {
        name: "under_18_attendances",
        hxl: "#reached+total+children",
        additive: true,
        published: true,
        get: |m| m.under_18_attendances,
        sql: Some(Summed {
            expr: "CAST(SUM(s.under_18) AS BIGINT)",
            nullable: true,
        }),
    },
    Measure {
        name: "identified_attendances",
        hxl: "#reached+total+identified",
        additive: true,
        published: true,
        get: |m| Some(m.identified_attendances),
        sql: Some(Summed {
            expr: "CAST(COALESCE(SUM(s.identified), 0) AS BIGINT)",
            nullable: false,
        }),
    },
    Measure {
        name: "unique_participants",
        hxl: "#reached+ind",
        additive: false,
        published: true,
        get: |m| Some(m.unique_participants),
        sql: None,
    },
    Measure {
        name: "reach_min",
        hxl: "#reached+ind+min",
        additive: false,
        // Not published: with the attendances it pins a cell's largest
        // event, and through it withheld event counts (issue 28).
        published: false,
        get: |m| Some(m.reach_min),
        sql: None,
    },
    Measure {
        name: "reach_max",
        hxl: "#reached+ind+max",
        additive: false,
        published: true,
        get: |m| Some(m.reach_max),
        sql: None,
    },
    Measure {
        name: "first_time_participants",
        hxl: "#reached+ind+new",
        additive: false,
        // Published: a signed period quotes its first-time people; they
        // join the people's disclosure system (issue 28).
        published: true,
        get: |m| Some(m.first_time_participants),
        sql: None,
    },
    Measure {
        name: "cumulative_participants",
        hxl: "#reached+ind+cumulative",
        additive: false,
        published: false,
        get: |m| m.cumulative_participants,
        sql: None,
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
            attendances: 2,
            female_attendances: Some(3),
            male_attendances: None,
            under_18_attendances: Some(5),
            identified_attendances: 6,
            unique_participants: 7,
            reach_min: 8,
            reach_max: 9,
            first_time_participants: 10,
            cumulative_participants: Some(11),
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
            assert_eq!(json[x.name], serde_json::json!((x.get)(&m)), "{}", x.name);
        }
    }

    #[test]
    fn derived_measures_are_not_additive_nor_summed() {
        assert_eq!(
            additive(),
            [
                "events",
                "attendances",
                "female_attendances",
                "male_attendances",
                "under_18_attendances",
                "identified_attendances"
            ]
        );
        assert_eq!(summed().count(), 6);
    }
}
