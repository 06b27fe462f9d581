//! A realistic, reproducible dataset for benchmarks and demonstrations
//! (`campaign-tracker dev generate`).
//!
//! From a seed it draws outreach events over three years on both sides of
//! the 2025 reform, in real administrative units (the lists shipped in the
//! binary), by the four seeded agencies, with identified participants drawn
//! from a pool of people:
//!
//! - every person has a home province; 90% of the identified participants of
//!   an event live in the event's province, the rest anywhere;
//! - repeat attendance is Zipf-like: each person has an activity weight
//!   (85% weight 1, 10% weight 5, 4% weight 20, 1% weight 60) and is drawn in
//!   proportion to it, so most people attend once or twice and a few attend
//!   dozens of times;
//! - about 10 identified participants per event (5 to 15) plus 0 to 40
//!   anonymous attendees;
//! - about 3% of events are joint (a co-organiser), and about 0.2% are
//!   reported a second time by another agency (a duplicate to link).
//!
//! It writes, under the output directory:
//! - `api/<agency>.ndjson`: one `EventInput` per line, what that agency posts;
//! - `links.csv`: `agency_a,external_id_a,agency_b,external_id_b`, the
//!   duplicate reports to link as the same real event;
//! - `plain/events.csv` and `plain/attendance.csv`: the same reports as the
//!   two plain tables a user would load with `COPY` (raw identifiers, no
//!   deduplication), for the baseline;
//! - `manifest.json`: the sizes and counts.
//!
//! The same seed and size give byte-identical files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::domain::{Kind, TargetGroup, Topic};

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Event reports (before duplicates).
    pub events: usize,
    /// People in the pool.
    pub people: usize,
}

impl Size {
    /// `small` (10k events, 20k people) or `national` (1M events, 2M people).
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "small" => Some(Self {
                events: 10_000,
                people: 20_000,
            }),
            "national" => Some(Self {
                events: 1_000_000,
                people: 2_000_000,
            }),
            _ => None,
        }
    }
}

/// The agencies the migrations seed, with the kinds of outreach each does.
const AGENCIES: [(&str, &[Kind]); 4] = [
    (
        "police",
        &[
            Kind::LawDissemination,
            Kind::CommunityMeeting,
            Kind::TrainingClass,
            Kind::HomeVisit,
        ],
    ),
    (
        "womens-union",
        &[
            Kind::CommunityMeeting,
            Kind::CampaignLaunch,
            Kind::HomeVisit,
            Kind::TrainingClass,
        ],
    ),
    (
        "education",
        &[
            Kind::IntegratedLesson,
            Kind::Extracurricular,
            Kind::TrainingClass,
        ],
    ),
    (
        "labour",
        &[
            Kind::TrainingClass,
            Kind::LawDissemination,
            Kind::MediaBroadcast,
        ],
    ),
];

/// First and last possible start dates: three years around the reform.
fn date_range() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2023, 12, 1).expect("valid date"),
        NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid date"),
    )
}

/// Communes of one pre-2025 province, with their successors after the reform.
#[derive(Debug, Default)]
struct Province {
    code: String,
    /// Pre-2025 commune codes.
    communes: Vec<String>,
    /// Default successor (2025 list) of each commune, parallel to `communes`.
    successors: Vec<Option<String>>,
    /// First person of this province in the pool, and how many live there.
    people_from: usize,
    people: usize,
}

/// Reads the shipped unit lists into provinces.
fn provinces(people: usize) -> Vec<Province> {
    let mut parent: HashMap<String, String> = HashMap::new();
    let mut level: HashMap<String, String> = HashMap::new();
    let mut rdr = csv::Reader::from_reader(crate::areas::PRE_2025_UNITS.as_bytes());
    for rec in rdr.records().flatten() {
        level.insert(rec[0].to_string(), rec[2].to_string());
        parent.insert(rec[0].to_string(), rec[3].to_string());
    }
    let mut successor: HashMap<String, String> = HashMap::new();
    let mut rdr = csv::Reader::from_reader(crate::areas::SUCCESSORS_2025.as_bytes());
    for rec in rdr.records().flatten() {
        if &rec[2] == "1" {
            successor.insert(rec[0].to_string(), rec[1].to_string());
        }
    }
    let province_of = |code: &str| -> String {
        let mut c = code.to_string();
        while let Some(p) = parent.get(&c).filter(|p| !p.is_empty()) {
            c = p.clone();
        }
        c
    };
    let mut by_code: BTreeMap<String, Province> = BTreeMap::new();
    let mut communes: Vec<&String> = level
        .iter()
        .filter(|(_, l)| l.as_str() == "commune")
        .map(|(c, _)| c)
        .collect();
    communes.sort();
    for c in communes {
        let p = by_code.entry(province_of(c)).or_default();
        p.communes.push(c.clone());
        p.successors.push(successor.get(c).cloned());
    }
    let total: usize = by_code.values().map(|p| p.communes.len()).sum();
    let mut from = 0;
    let mut out: Vec<Province> = by_code
        .into_iter()
        .map(|(code, mut p)| {
            p.code = code;
            p.people = (people * p.communes.len() / total).max(1);
            p.people_from = from;
            from += p.people;
            p
        })
        .collect();
    // Rounding: the last province takes the remainder.
    if let Some(last) = out.last_mut()
        && from < people
    {
        last.people += people - from;
    }
    out
}

/// How often people attend, relative to each other: most people are drawn
/// rarely, a few often (a heavy-tailed, Zipf-like mix of activity levels).
/// With about 5 attendances per person in the pool, a weight-1 person
/// attends about once, a weight-60 person dozens of times.
const ACTIVITY: [(f64, u32); 4] = [(0.85, 1), (0.10, 5), (0.04, 20), (0.01, 60)];

/// Draws people by their activity weight, from a contiguous range of the pool.
struct Pool {
    /// Running sum of weights: `cum[i]` is the weight of people `0..=i`.
    cum: Vec<u64>,
}

impl Pool {
    fn new(rng: &mut StdRng, people: usize) -> Self {
        let mut cum = Vec::with_capacity(people);
        let mut sum = 0u64;
        for _ in 0..people {
            let u: f64 = rng.r#gen();
            let mut acc = 0.0;
            let mut w = ACTIVITY[ACTIVITY.len() - 1].1;
            for (p, weight) in ACTIVITY {
                acc += p;
                if u < acc {
                    w = weight;
                    break;
                }
            }
            sum += u64::from(w);
            cum.push(sum);
        }
        Self { cum }
    }

    /// A person among `from..from + n`, drawn by weight.
    fn draw(&self, rng: &mut StdRng, from: usize, n: usize) -> usize {
        let lo = if from == 0 { 0 } else { self.cum[from - 1] };
        let hi = self.cum[from + n - 1];
        let x = rng.gen_range(lo..hi);
        // The first person whose running sum exceeds x.
        self.cum[from..from + n].partition_point(|c| *c <= x) + from
    }
}

/// A person's citizen id (12 digits), derived from their place in the pool.
fn citizen_id(person: usize) -> String {
    // A fixed odd multiplier scatters neighbours; the result stays unique.
    format!("0{:011}", (person as u64 * 7_919) % 100_000_000_000)
}

/// What was generated.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    /// Event reports written (duplicates included).
    pub reports: usize,
    /// Of which second reports of the same event by another agency.
    pub duplicates: usize,
    /// Reports with a co-organiser.
    pub joint: usize,
    /// Identified attendance rows (participant per report).
    pub attendance_rows: usize,
    /// Distinct people who attended at least once.
    pub distinct_people: usize,
    /// Largest number of reports one person attended.
    pub max_per_person: usize,
    /// Sum of the reports' attendance totals.
    pub attendance_total: u64,
    /// The seed.
    pub seed: u64,
}

struct Report {
    agency: &'static str,
    external_id: String,
    kind: Kind,
    title: String,
    topics: Vec<Topic>,
    targets: Vec<TargetGroup>,
    start: NaiveDate,
    end: NaiveDate,
    area: String,
    province: String,
    co: Option<&'static str>,
    total: i64,
    female: Option<i64>,
    under_18: Option<i64>,
    people: Vec<usize>,
}

struct Writers {
    api: BTreeMap<&'static str, BufWriter<File>>,
    events: BufWriter<File>,
    attendance: BufWriter<File>,
    next_plain_id: u64,
}

impl Writers {
    fn write(&mut self, r: &Report) -> io::Result<()> {
        let mut attendance = json!({ "total": r.total });
        if let Some(f) = r.female {
            attendance["female"] = json!(f);
            attendance["male"] = json!(r.total - f);
        }
        if let Some(u) = r.under_18 {
            attendance["under_18"] = json!(u);
        }
        let participants: Vec<_> = r
            .people
            .iter()
            .map(|p| json!({ "id_type": "citizen_id", "value": citizen_id(*p) }))
            .collect();
        let item = json!({
            "external_id": r.external_id,
            "kind": r.kind.as_str(),
            "title": r.title,
            "topics": r.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "target_groups": r.targets.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "start_date": r.start.to_string(),
            "end_date": r.end.to_string(),
            "area_code": r.area,
            "co_organizers": r.co.into_iter().collect::<Vec<_>>(),
            "attendance": attendance,
            "participants": participants,
        });
        let w = self.api.get_mut(r.agency).expect("every agency has a file");
        serde_json::to_writer(&mut *w, &item)?;
        w.write_all(b"\n")?;
        self.next_plain_id += 1;
        let id = self.next_plain_id;
        writeln!(
            self.events,
            "{id},{},{},{},{},{},{},{}",
            r.agency,
            r.external_id,
            r.kind.as_str(),
            r.start,
            r.area,
            r.province,
            r.total
        )?;
        for p in &r.people {
            writeln!(self.attendance, "{id},{}", citizen_id(*p))?;
        }
        Ok(())
    }
}

/// Generates a dataset of `size` from `seed` into `out` (created if needed),
/// calling `progress(done, total)` now and then.
pub fn generate(
    size: Size,
    seed: u64,
    out: &Path,
    progress: &dyn Fn(usize, usize),
) -> io::Result<Summary> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let provinces = provinces(size.people);
    let pool = Pool::new(&mut rng, size.people);
    // Events are spread evenly over communes, so over provinces in
    // proportion to their communes (and people).
    let communes: Vec<(usize, usize)> = provinces
        .iter()
        .enumerate()
        .flat_map(|(p, prov)| (0..prov.communes.len()).map(move |c| (p, c)))
        .collect();
    let reform = crate::areas::reform_date();
    let (first, last) = date_range();
    let span = (last - first).num_days() as u64;
    fs::create_dir_all(out.join("api"))?;
    fs::create_dir_all(out.join("plain"))?;
    let create = |p: &Path| File::create(p).map(|f| BufWriter::with_capacity(1 << 20, f));
    let mut w = Writers {
        api: AGENCIES
            .iter()
            .map(|(a, _)| Ok((*a, create(&out.join(format!("api/{a}.ndjson")))?)))
            .collect::<io::Result<_>>()?,
        events: create(&out.join("plain/events.csv"))?,
        attendance: create(&out.join("plain/attendance.csv"))?,
        next_plain_id: 0,
    };
    let mut links = create(&out.join("links.csv"))?;
    writeln!(links, "agency_a,external_id_a,agency_b,external_id_b")?;
    writeln!(
        w.events,
        "id,agency,external_id,kind,start_date,area_code,province_code,attendance_total"
    )?;
    writeln!(w.attendance, "event_id,participant")?;

    let mut summary = Summary {
        seed,
        ..Default::default()
    };
    let mut per_person: HashMap<usize, u32> = HashMap::new();
    let mut counters: BTreeMap<&str, u64> = BTreeMap::new();
    for n in 0..size.events {
        if n % 10_000 == 0 {
            progress(n, size.events);
        }
        let (agency, kinds) = AGENCIES[rng.gen_range(0..AGENCIES.len())];
        let kind = *kinds.choose(&mut rng).expect("kinds");
        let start = first + Days::new(rng.gen_range(0..=span));
        // Most events last a day; one in five runs over two or three.
        let days = if rng.gen_bool(0.2) {
            rng.gen_range(1..=2)
        } else {
            0
        };
        let end = (start + Days::new(days)).min(last);
        let (p, c) = communes[rng.gen_range(0..communes.len())];
        let p = &provinces[p];
        let area = if start >= reform {
            match &p.successors[c] {
                Some(s) => s.clone(),
                // A commune with no successor in the list: use another one that has.
                None => match p.successors.iter().flatten().next() {
                    Some(s) => s.clone(),
                    None => continue,
                },
            }
        } else {
            p.communes[c].clone()
        };
        let identified = if kind == Kind::MediaBroadcast {
            0
        } else {
            rng.gen_range(5..=15)
        };
        let mut people = BTreeSet::new();
        while people.len() < identified {
            let person = if rng.gen_bool(0.9) {
                pool.draw(&mut rng, p.people_from, p.people)
            } else {
                pool.draw(&mut rng, 0, size.people)
            };
            people.insert(person);
        }
        let anonymous = if kind == Kind::MediaBroadcast {
            rng.gen_range(200..5_000)
        } else {
            rng.gen_range(0..=40)
        };
        let total = (identified + anonymous) as i64;
        let mut topics: Vec<Topic> = vec![Topic::HumanTrafficking];
        if rng.gen_bool(0.5) {
            topics.push(*Topic::ALL.choose(&mut rng).expect("topics"));
        }
        topics.sort();
        topics.dedup();
        let mut targets: Vec<TargetGroup> = if agency == "education" {
            vec![TargetGroup::Students]
        } else {
            vec![*TargetGroup::ALL.choose(&mut rng).expect("groups")]
        };
        if rng.gen_bool(0.3) {
            targets.push(*TargetGroup::ALL.choose(&mut rng).expect("groups"));
        }
        targets.sort();
        targets.dedup();
        let co = rng
            .gen_bool(0.04)
            .then(|| AGENCIES[rng.gen_range(0..AGENCIES.len())].0)
            .filter(|c| *c != agency);
        let counter = counters.entry(agency).or_default();
        *counter += 1;
        let report = Report {
            agency,
            external_id: format!("{agency}-{seed}-{counter:07}"),
            kind,
            title: format!("{} {} {}", kind.as_str().replace('_', " "), area, start),
            topics,
            targets,
            start,
            end,
            area,
            province: p.code.clone(),
            co,
            total,
            female: rng
                .gen_bool(0.7)
                .then(|| total / 2 + rng.gen_range(0..=total / 4)),
            under_18: (agency == "education").then(|| total * 9 / 10),
            people: people.into_iter().collect(),
        };
        w.write(&report)?;
        summary.reports += 1;
        summary.joint += usize::from(report.co.is_some());
        summary.attendance_rows += report.people.len();
        summary.attendance_total += report.total as u64;
        for person in &report.people {
            *per_person.entry(*person).or_default() += 1;
        }
        // A second report of the same event by another agency, to be linked.
        if rng.gen_bool(0.002) {
            let original = report.external_id.clone();
            let other = AGENCIES
                .iter()
                .map(|(a, _)| *a)
                .find(|a| *a != agency && Some(*a) != report.co)
                .expect("four agencies");
            let counter = counters.entry(other).or_default();
            *counter += 1;
            let mut dup = Report {
                agency: other,
                external_id: format!("{other}-{seed}-{counter:07}"),
                co: None,
                ..report
            };
            // The other agency identified most of the same people.
            let keep = dup.people.len() * 4 / 5;
            dup.people.truncate(keep);
            w.write(&dup)?;
            writeln!(links, "{agency},{original},{other},{}", dup.external_id)?;
            summary.reports += 1;
            summary.duplicates += 1;
            summary.attendance_rows += dup.people.len();
            summary.attendance_total += dup.total as u64;
            for person in &dup.people {
                *per_person.entry(*person).or_default() += 1;
            }
        }
    }
    progress(size.events, size.events);
    for f in w.api.values_mut() {
        f.flush()?;
    }
    w.events.flush()?;
    w.attendance.flush()?;
    links.flush()?;
    summary.distinct_people = per_person.len();
    summary.max_per_person = per_person.values().copied().max().unwrap_or(0) as usize;
    let manifest = json!({
        "events": size.events,
        "people": size.people,
        "summary": summary,
        "seconds": started.elapsed().as_secs_f64(),
    });
    fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
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
        let per_event = s.attendance_rows as f64 / s.reports as f64;
        assert!(
            (7.0..12.0).contains(&per_event),
            "{per_event} identified per event"
        );
        let links = fs::read_to_string(a.join("links.csv")).unwrap();
        assert_eq!(links.lines().count() - 1, s.duplicates);
        let _ = fs::remove_dir_all(&a);
        let _ = fs::remove_dir_all(&b);
    }

    fn tempfile_dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("ct-gen-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }
}
