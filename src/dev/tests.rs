//! Tests of the generator.

use super::*;

#[test]
fn same_seed_same_files_and_the_shape_is_as_documented() {
    let a = tempfile_dir("a");
    let b = tempfile_dir("b");
    let size = Size {
        events: 5_000,
        people: 10_000,
    };
    let s = generate(size, 7, &a, &|_, _| {}).unwrap();
    generate(size, 7, &b, &|_, _| {}).unwrap();
    for f in ["api/police.ndjson", "plain/attendance.csv", "links.csv"] {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // Counted independently from the plain files.
    let att = fs::read_to_string(a.join("plain/attendance.csv")).unwrap();
    let rows: Vec<&str> = att.lines().skip(1).collect();
    assert_eq!(rows.len(), s.attendance_rows);
    let mut per: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *per.entry(r.split(',').nth(1).unwrap()).or_default() += 1;
    }
    assert_eq!(per.len(), s.distinct_people);
    let once_or_twice = per.values().filter(|n| **n <= 2).count();
    assert!(
        once_or_twice * 2 > per.len(),
        "most people attend once or twice"
    );
    assert!(
        *per.values().max().unwrap() >= 24,
        "a few attend dozens of times"
    );
    let events = fs::read_to_string(a.join("plain/events.csv")).unwrap();
    assert_eq!(events.lines().count() - 1, s.reports);
    // About 10 identified participants per event that has any.
    let identified_events: BTreeSet<&str> =
        rows.iter().map(|r| r.split(',').next().unwrap()).collect();
    let per_event = s.attendance_rows as f64 / identified_events.len() as f64;
    assert!(
        (7.0..12.0).contains(&per_event),
        "{per_event} identified per identified event"
    );
    let links = fs::read_to_string(a.join("links.csv")).unwrap();
    assert_eq!(links.lines().count() - 1, s.duplicates);
    let _ = fs::remove_dir_all(&b);

    // Every line passes the API's validation, and the totals the
    // service must answer are those of the lines (duplicates left out).
    let duplicates: BTreeSet<String> = links
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().to_string())
        .collect();
    let key = crate::domain::Pseudonymizer::new(b"k".to_vec());
    let mut t = Summary::default();
    let mut forms: BTreeMap<&str, usize> = BTreeMap::new();
    for (agency, _) in AGENCIES {
        let text = fs::read_to_string(a.join(format!("api/{agency}.ndjson"))).unwrap();
        for line in text.lines() {
            let input: crate::events::input::EventInput = serde_json::from_str(line).unwrap();
            let v = crate::events::input::validate(&input, agency, &key, "")
                .unwrap_or_else(|e| panic!("{line}: {e:?}"));
            t.reports += 1;
            let form = match (&v.attendance, v.participant_keys.is_empty(), v.sessions) {
                (None, _, _) => "media",
                (Some(_), true, 1) => "tally",
                (Some(_), true, _) => "tally, several sessions",
                (Some(_), false, 1) => "identified",
                (Some(_), false, _) => "identified, several sessions",
            };
            *forms.entry(form).or_default() += 1;
            if duplicates.contains(&v.external_id) {
                continue;
            }
            t.real_events += 1;
            match (&v.attendance, &v.audience) {
                (None, Some(au)) => {
                    assert!(input.participants.is_empty());
                    t.media_items += v.sessions as u64;
                    t.audience += au.estimate.unwrap() as u64;
                }
                (Some(at), None) => {
                    t.sessions += v.sessions as u64;
                    t.attendances += at.total.unwrap() as u64;
                    t.identified_attendances += v.participant_keys.len() as u64;
                    t.declared_reports += usize::from(at.declared_people.is_some());
                }
                _ => panic!("{line}: attendance or audience, not both"),
            }
        }
    }
    assert_eq!(t.reports, s.reports);
    assert_eq!(t.real_events, s.real_events);
    assert_eq!(t.real_events, s.reports - s.duplicates);
    assert_eq!(t.sessions, s.sessions);
    assert_eq!(t.attendances, s.attendances);
    assert_eq!(t.identified_attendances, s.identified_attendances);
    assert_eq!(t.media_items, s.media_items);
    assert_eq!(t.audience, s.audience);
    assert!(s.reach_min <= s.reach_max && s.reach_min >= s.distinct_people as u64);
    // Every form is there, in about the documented shares.
    let share = |f: &str| forms.get(f).copied().unwrap_or(0) as f64 / s.reports as f64;
    let ranges = [
        ("identified", 0.45..0.70),
        ("identified, several sessions", 0.05..0.20),
        ("tally", 0.08..0.25),
        ("tally, several sessions", 0.01..0.08),
        ("media", 0.07..0.16),
    ];
    for (f, r) in ranges {
        assert!(
            r.contains(&share(f)),
            "{f}: {} of reports ({forms:?})",
            share(f)
        );
    }
    assert_eq!(forms["media"], s.media_reports);
    assert!(t.declared_reports > 0 && s.declared_reports < s.multi_session_reports);
    let _ = fs::remove_dir_all(&a);
}

fn tempfile_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ct-gen-{}-{tag}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    d
}
