//! A realistic, reproducible dataset for benchmarks and demonstrations
//! (`campaign-tracker dev generate`).
//!
//! From a seed it draws outreach records over three years on both sides of
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
//! - each agency does its own mix of kinds ([`AGENCIES`]), and each record
//!   takes one of these forms (issue 31), in about these shares of all
//!   reports (seed 1; the manifest counts them exactly):
//!   - *identified, one session* (54%): one in five over two or three days,
//!     5 to 15 identified participants plus 0 to 40 anonymous attendees, as
//!     before issue 31;
//!   - *several sessions* (16%: 12% identified, 3% tallies): integrated
//!     lessons over a term (60% of lessons: 10 to 120 sessions over 60 to
//!     120 days, a class of 25 to 45), community meetings over a month (30%
//!     of meetings: 2 to 8 sessions over 20 to 30 days, a group of 15 to
//!     60) and training courses (20% of classes: 2 to 5 sessions on
//!     consecutive days, 10 to 30 trainees); the attendance total counts
//!     person-times (the group times the sessions times 70% to 100%), the
//!     identified ones name 5 to 15 of the group, and 60% of them carry
//!     the group as `declared_people`;
//!   - *tallies* (20%, the 3% above included): no identified participants,
//!     a headcount only (one session: campaign launches 100 to 1,500, law
//!     dissemination 30 to 400, others 15 to 120); by kind, 70% of campaign
//!     launches, half the law dissemination, 30% of meetings, a quarter of
//!     lessons, a fifth of extracurricular sessions, 5% of classes, no home
//!     visits;
//!   - *mass media* (13%): broadcasts (1 to 12 programmes over up to a
//!     month, audience 5,000 to 300,000, 30% by survey), loudspeaker
//!     messages (1 to 30, one a day, 300 to 15,000), printed materials (50
//!     to 2,000 items, one to three readers each) and online posts (1 to 5,
//!     100 to 50,000, 80% the platform's count): `sessions` is the items,
//!     an `audience` instead of attendance, no participants;
//! - about 3% of reports are joint (a co-organiser), and about 0.2% are
//!   reported a second time by another agency (a duplicate to link).
//!
//! Every line it writes passes the API's validation (the unit test runs
//! each one through [`crate::events::input::validate`]). Alongside the
//! counts, [`Summary`] holds the totals the service must answer for
//! everything (real events, sessions, attendances, identified
//! attendances, media items, audience, distinct people, the reach bounds),
//! worked out independently of the service.
//!
//! It writes, under the output directory:
//! - `api/<agency>.ndjson`: one `EventInput` per line, what that agency posts;
//! - `links.csv`: `agency_a,external_id_a,agency_b,external_id_b`, the
//!   duplicate reports to link as the same real event;
//! - `plain/events.csv` and `plain/attendance.csv`: the same reports as the
//!   two plain tables a user would load with `COPY` (raw identifiers, no
//!   deduplication; a mass-media record's `attendance_total` is 0), for the
//!   baseline;
//! - `manifest.json`: the sizes and counts.
//!
//! The same seed and size give byte-identical files.

mod shapes;

use shapes::{AGENCIES, Form, draw_form, draw_kind, draw_media, tally_share, tally_total};
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
    /// Sum of the reports' attendance totals (duplicates included; mass
    /// media count 0).
    pub attendance_total: u64,
    /// Reports of a mass-media kind (duplicates included).
    pub media_reports: usize,
    /// Reports without identified participants that record attendance
    /// (tallies; duplicates included).
    pub tally_reports: usize,
    /// Reports covering more than one session, mass media excluded
    /// (duplicates included).
    pub multi_session_reports: usize,
    /// Reports carrying `declared_people` (duplicates included).
    pub declared_reports: usize,
    /// What the service must answer for everything (`totals` of an
    /// unfiltered aggregate once the duplicates are linked), worked out
    /// from the generated records: real events (reports minus duplicates).
    pub real_events: usize,
    /// Their sessions (mass media excluded).
    pub sessions: u64,
    /// Their attendance totals (person-times).
    pub attendances: u64,
    /// Their identified attendances.
    pub identified_attendances: u64,
    /// Mass-media items.
    pub media_items: u64,
    /// Mass-media audiences.
    pub audience: u64,
    /// Fewest different people reached (`reach_min`).
    pub reach_min: u64,
    /// Most different people reached (`reach_max`).
    pub reach_max: u64,
    /// The seed.
    pub seed: u64,
}

#[derive(Clone)]
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
    /// Sessions (mass media: items).
    sessions: i64,
    /// Attendance total (0 for mass media, which has none).
    total: i64,
    female: Option<i64>,
    under_18: Option<i64>,
    declared: Option<i64>,
    /// A mass-media record's audience estimate and basis.
    audience: Option<(i64, &'static str)>,
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
        let mut item = json!({
            "external_id": r.external_id,
            "kind": r.kind.as_str(),
            "title": r.title,
            "topics": r.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "target_groups": r.targets.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "start_date": r.start.to_string(),
            "end_date": r.end.to_string(),
            "area_code": r.area,
            "co_organizers": r.co.into_iter().collect::<Vec<_>>(),
        });
        if r.sessions != 1 {
            item["sessions"] = json!(r.sessions);
        }
        if let Some((estimate, basis)) = r.audience {
            // Mass media: an audience, never attendance or participants.
            item["audience"] = json!({ "estimate": estimate, "basis": basis });
        } else {
            let mut attendance = json!({ "total": r.total });
            if let Some(f) = r.female {
                attendance["female"] = json!(f);
                attendance["male"] = json!(r.total - f);
            }
            if let Some(u) = r.under_18 {
                attendance["under_18"] = json!(u);
            }
            if let Some(d) = r.declared {
                attendance["declared_people"] = json!(d);
            }
            let participants: Vec<_> = r
                .people
                .iter()
                .map(|p| json!({ "id_type": "citizen_id", "value": citizen_id(*p) }))
                .collect();
            item["attendance"] = attendance;
            item["participants"] = json!(participants);
        }
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

/// Counts one written report (an original or a duplicate).
fn count(summary: &mut Summary, r: &Report) {
    summary.reports += 1;
    summary.attendance_rows += r.people.len();
    summary.attendance_total += r.total as u64;
    summary.media_reports += usize::from(r.audience.is_some());
    if r.audience.is_none() {
        summary.tally_reports += usize::from(r.people.is_empty());
        summary.multi_session_reports += usize::from(r.sessions > 1);
        summary.declared_reports += usize::from(r.declared.is_some());
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
    // The reach bounds' parts over the real events (see `Summary`).
    let mut lower_bound = 0u64;
    let mut unidentified_max = 0u64;
    for n in 0..size.events {
        if n % 10_000 == 0 {
            progress(n, size.events);
        }
        let (agency, kinds) = AGENCIES[rng.gen_range(0..AGENCIES.len())];
        let kind = draw_kind(&mut rng, kinds);
        let start = first + Days::new(rng.gen_range(0..=span));
        let (form, media) = if kind.is_media() {
            let (items, days, estimate, basis) = draw_media(&mut rng, kind);
            let form = Form {
                sessions: items,
                span: days,
                group: None,
            };
            (form, Some((estimate, basis)))
        } else {
            (draw_form(&mut rng, kind), None)
        };
        let end = (start + Days::new(form.span)).min(last);
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
        let tally = media.is_none() && rng.gen_bool(tally_share(kind));
        let identified = if media.is_some() || tally {
            0
        } else {
            let n = rng.gen_range(5..=15);
            form.group.map_or(n, |g| n.min(g))
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
        let (total, declared) = match (media, form.group) {
            (Some(_), _) => (0, None),
            // Several sessions: person-times of a group, which the agency
            // often counted itself.
            (None, Some(group)) => {
                let rate = rng.gen_range(70..=100) as i64;
                let total = (group as i64 * form.sessions * rate / 100).max(group as i64);
                (total, rng.gen_bool(0.6).then_some(group as i64))
            }
            (None, None) if tally => (tally_total(&mut rng, kind), None),
            (None, None) => ((identified + rng.gen_range(0..=40)) as i64, None),
        };
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
        let female = (media.is_none() && rng.gen_bool(0.7))
            .then(|| total / 2 + rng.gen_range(0..=total / 4));
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
            sessions: form.sessions,
            total,
            female,
            under_18: (media.is_none() && agency == "education").then(|| total * 9 / 10),
            declared,
            audience: media,
            people: people.into_iter().collect(),
        };
        w.write(&report)?;
        count(&mut summary, &report);
        summary.joint += usize::from(report.co.is_some());
        for person in &report.people {
            *per_person.entry(*person).or_default() += 1;
        }
        // The service's totals: one real event per original report (its
        // duplicate repeats its figures and a subset of its people).
        summary.real_events += 1;
        if let Some((estimate, _)) = report.audience {
            summary.media_items += report.sessions as u64;
            summary.audience += estimate as u64;
        } else {
            let identified = report.people.len() as i64;
            summary.sessions += report.sessions as u64;
            summary.attendances += report.total as u64;
            summary.identified_attendances += identified as u64;
            let own = report
                .declared
                .unwrap_or((report.total + report.sessions - 1) / report.sessions);
            lower_bound = lower_bound.max(own.max(identified) as u64);
            let upper = report.declared.map_or(report.total, |d| d.max(identified));
            unidentified_max += (upper - identified) as u64;
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
            count(&mut summary, &dup);
            summary.duplicates += 1;
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
    summary.reach_min = (summary.distinct_people as u64).max(lower_bound);
    summary.reach_max = summary.distinct_people as u64 + unidentified_max;
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
mod tests;
