use chrono::NaiveDate;

use super::*;
use crate::aggregates::GroupBy;
use crate::domain::{Kind, Topic};

fn request(filters: Filters, group_by: &str) -> Request {
    Request {
        filters,
        group_by: GroupBy::parse(Some(group_by)).unwrap(),
        rule: Default::default(),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, d).unwrap()
}

fn binds(s: &Statement) -> Vec<String> {
    s.binds
        .iter()
        .map(|b| match b {
            Bind::Text(t) => t.clone(),
            Bind::Date(d) => d.to_string(),
            Bind::Int(i) => i.to_string(),
        })
        .collect()
}

#[test]
fn totals_without_filters_bind_nothing_and_join_no_areas() {
    let s = build(false, &Request::default(), None);
    assert!(s.binds.is_empty());
    assert!(!s.text.contains('?'));
    assert!(!s.text.contains("JOIN areas"));
    assert!(s.text.contains("CAST(NULL AS BIGINT) AS province_id"));
    assert!(
        s.text.contains("WHERE e.deleted_at IS NULL)"),
        "no candidate condition"
    );
    assert!(
        s.text.contains("FROM grp LEFT JOIN gi ON gi.g = grp.g )"),
        "no slice condition"
    );
    assert!(s.text.contains("SELECT 'totals' AS part"));
    assert!(s.text.contains("SELECT 'unique_totals', "));
    assert!(s.text.contains("COUNT(DISTINCT kp.pid) FROM kp"));
    assert!(!s.text.contains("'rows'"));
    assert!(!s.text.contains("'unique_rows'"));
}

#[test]
fn the_columns_follow_the_measure_table_in_every_branch() {
    let s = build(true, &request(Filters::default(), "kind"), None);
    assert!(s.text.contains(
        "COUNT(*) AS events, CAST(COALESCE(SUM(s.sessions), 0) AS BIGINT) AS sessions, \
         CAST(COALESCE(SUM(s.total), 0) AS BIGINT) AS attendances, \
         CAST(SUM(s.female) AS BIGINT) AS female_attendances, CAST(SUM(s.male) AS BIGINT) AS male_attendances, \
         CAST(SUM(s.under_18) AS BIGINT) AS under_18_attendances, \
         CAST(COALESCE(SUM(s.identified), 0) AS BIGINT) AS identified_attendances, \
         CAST(COALESCE(SUM(s.items), 0) AS BIGINT) AS media_items, \
         CAST(COALESCE(SUM(s.audience), 0) AS BIGINT) AS audience, \
         CAST(COALESCE(MAX(s.lower), 0) AS BIGINT) AS lower_bound, \
         CAST(COALESCE(SUM(s.extra), 0) AS BIGINT) AS unidentified_max, CAST(NULL AS BIGINT) AS uniq"
    ));
    let no_measures = "CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
                       CAST(NULL AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT)";
    assert_eq!(
        s.text.matches(no_measures).count(),
        2,
        "unique_totals and unique_rows"
    );
}

#[test]
fn filters_are_bound_in_placeholder_order() {
    let filters = Filters {
        from: Some(day(1)),
        to: Some(day(31)),
        agency: vec!["police".into(), "labour".into()],
        kind: Some(Kind::CommunityMeeting),
        topic: Some(Topic::HumanTrafficking),
        ..Filters::default()
    };
    let s = build(true, &request(filters, ""), None);
    assert_eq!(
        binds(&s),
        [
            // Candidates: not narrowed by `from` (first attendances are read before it).
            "2024-03-31",
            "police",
            "labour",
            "police",
            "labour",
            // The slice.
            "2024-03-01",
            "2024-03-31",
            "police",
            "labour",
            "community_meeting",
            "human_trafficking",
            // The history: the slice without `from`.
            "2024-03-31",
            "police",
            "labour",
            "community_meeting",
            "human_trafficking",
            // First-time people of the totals.
            "2024-03-01",
        ]
    );
    for expected in [
        "c.deleted_at IS NULL AND c.start_date <= $1)",
        "(c.agency_code IN ($2, $3) OR c.seq IN (SELECT o.event_seq FROM event_co_organizers o \
         WHERE o.agency_code IN ($4, $5) AND o.status = 'confirmed'))",
        "WHERE grp.d >= $6 AND grp.d <= $7 AND grp.g IN (SELECT g FROM dim_agency WHERE k IN ($8, $9)) \
         AND grp.g IN (SELECT g FROM dim_kind WHERE k = $10) AND grp.g IN (SELECT g FROM dim_topic WHERE k = $11))",
        "hslice AS (SELECT grp.g, grp.d, ",
        "WHERE grp.d <= $12 AND grp.g IN (SELECT g FROM dim_agency WHERE k IN ($13, $14)) \
         AND grp.g IN (SELECT g FROM dim_kind WHERE k = $15) AND grp.g IN (SELECT g FROM dim_topic WHERE k = $16))",
        "MIN(h.d) AS d FROM hslice h",
        "COUNT(*) FROM first f WHERE f.d >= $17",
        "WHERE pe.group_seq IN (SELECT slice.g FROM slice)",
    ] {
        assert!(s.text.contains(expected), "{expected}");
    }
    assert!(!s.text.contains("$18"));
    assert!(!s.text.contains("dim_target WHERE"));
    // Without `from` or a period, first attendances are not read.
    let s = build(true, &request(Filters::default(), "agency"), None);
    assert!(!s.text.contains("first"));
}

#[test]
fn a_period_grouping_counts_first_time_and_cumulative_people_per_row() {
    for pg in [false, true] {
        let s = build(
            pg,
            &request(Filters::default(), "agency,period:month"),
            None,
        );
        let month = if pg {
            "to_char(f.d, 'YYYY-MM')"
        } else {
            "strftime('%Y-%m', f.d)"
        };
        for expected in [
            "first AS (SELECT p.participant_id AS pid, MIN(h.d) AS d FROM slice h ",
            "SELECT 'first_time_totals', ",
            &format!(
                "FROM kp JOIN first f ON f.pid = kp.pid WHERE {month} = kp.k1 GROUP BY kp.k0, kp.k1"
            ),
            "SUM(c.n) OVER (PARTITION BY c.k0 ORDER BY c.k1 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
            "SELECT kp.k0 AS k0, MIN(kp.k1) AS k1, 1 AS n FROM kp GROUP BY kp.k0, kp.pid",
        ] {
            assert!(s.text.contains(expected), "pg {pg}: {expected}\n{}", s.text);
        }
        assert!(s.binds.is_empty());
    }
}

#[test]
fn an_area_covers_its_units_and_everything_below_them() {
    let filters = Filters {
        area: Some("01".into()),
        areas: AreaMode::Current,
        ..Filters::default()
    };
    let s = build(false, &request(filters, ""), Some(&[7, 9]));
    assert_eq!(binds(&s), ["7", "9"].repeat(8));
    for expected in [
        "JOIN areas a ON a.id = e.area_id JOIN areas pa ON pa.id = COALESCE(a.current_id, a.id)",
        "c.area_id IN (SELECT ca.id FROM areas ca JOIN areas pa ON pa.id = COALESCE(ca.current_id, ca.id) \
         WHERE pa.id IN (?, ?) OR pa.province_id IN (?, ?) OR pa.district_id IN (?, ?) OR pa.commune_id IN (?, ?))",
        "grp.g IN (SELECT ev.group_seq FROM ev WHERE ev.area_id IN (?, ?) OR ev.province_id IN (?, ?) \
         OR ev.district_id IN (?, ?) OR ev.commune_id IN (?, ?))",
    ] {
        assert!(s.text.contains(expected), "{expected}");
    }
    let recorded = Filters {
        area: Some("01".into()),
        ..Filters::default()
    };
    let s = build(false, &request(recorded, ""), Some(&[7]));
    assert!(s.text.contains("JOIN areas pa ON pa.id = a.id "));
    assert!(s.text.contains("JOIN areas pa ON pa.id = ca.id WHERE"));
}

#[test]
fn each_dimension_joins_its_key_relation() {
    for pg in [false, true] {
        let s = build(
            pg,
            &request(Filters::default(), "agency,area:province,period:quarter"),
            None,
        );
        let quarter = if pg {
            "to_char(grp.d, 'YYYY-\"Q\"Q')"
        } else {
            "strftime('%Y', grp.d) || '-Q' || ((CAST(strftime('%m', grp.d) AS INTEGER) + 2) / 3)"
        };
        for expected in [
            "JOIN areas pa ON pa.id = a.id",
            "JOIN dim_agency d0 ON d0.g = grp.g JOIN (SELECT DISTINCT ev.group_seq AS g, ev.province_id AS k FROM ev) \
             d1 ON d1.g = grp.g JOIN (SELECT grp.g AS g, ",
            "JOIN dim_agency d0 ON d0.g = pe.group_seq",
            &format!("{quarter} AS k FROM grp) d2 ON d2.g = pe.group_seq"),
            "CAST(d0.k AS TEXT) AS k0, CAST(d1.k AS TEXT) AS k1, CAST(d2.k AS TEXT) AS k2, CAST(NULL AS TEXT) AS k3",
            "GROUP BY d0.k, d1.k, d2.k",
            "SELECT 'unique_rows', kp.k0, kp.k1, kp.k2, CAST(NULL AS TEXT), ",
            "COUNT(*) FROM kp GROUP BY kp.k0, kp.k1, kp.k2",
            "SELECT DISTINCT CAST(d0.k AS TEXT) AS k0, CAST(d1.k AS TEXT) AS k1, CAST(d2.k AS TEXT) AS k2, \
             p.participant_id AS pid",
        ] {
            assert!(s.text.contains(expected), "pg {pg}: {expected}");
        }
        let lateral = s.text.contains("CROSS JOIN LATERAL");
        assert_eq!(lateral, pg);
    }
}

#[test]
fn target_groups_take_the_totals_people_from_the_reports() {
    // An event without a target group is in no row but is in the totals.
    let s = build(false, &request(Filters::default(), "target_group"), None);
    assert!(s.text.contains(
        "COUNT(DISTINCT p.participant_id) FROM ev pe JOIN event_participants p ON p.event_seq = pe.seq AND pe.media = 0  UNION ALL"
    ));
    let s = build(false, &request(Filters::default(), "topic"), None);
    assert!(s.text.contains("COUNT(DISTINCT kp.pid) FROM kp UNION ALL"));
}

#[test]
fn parts_round_trip() {
    for p in Part::ALL {
        assert_eq!(Part::parse(p.as_str()), Some(p));
    }
    assert_eq!(Part::parse("other"), None);
}
