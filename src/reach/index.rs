//! The index's contents: one compact record per real event (a group of
//! linked live reports), the people of every real event in one arena of
//! dense `u32` ids (the `participants.id` values), and the administrative
//! units events are placed with. Built from the database; patched one real
//! event at a time as the change log reports writes.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::db::reach::{ReportRow, ReportSets, UnitRow};
use crate::domain::{Kind, TargetGroup, Topic};

/// A unit events can be placed in.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Province above it (as stored).
    pub province: Option<i64>,
    /// District above it.
    pub district: Option<i64>,
    /// Commune above it.
    pub commune: Option<i64>,
    /// The unit valid today that succeeded it.
    pub current: Option<i64>,
}

/// One real event.
#[derive(Debug, Clone)]
pub struct RealEvent {
    /// Earliest start date of its live reports.
    pub date: NaiveDate,
    /// Attendance total: the largest reported, and at least its people.
    pub total: i64,
    /// Largest reported female attendances.
    pub female: Option<i64>,
    /// Largest reported male attendances.
    pub male: Option<i64>,
    /// Largest reported under-18 attendances.
    pub under_18: Option<i64>,
    /// Identified attendances.
    pub identified: i64,
    /// Organising agencies (reporting and confirmed co-organisers), as
    /// dictionary ids, sorted.
    pub agencies: Vec<u16>,
    /// Kinds, topics and target groups as bits (index in `ALL`).
    pub kinds: u64,
    /// Topics.
    pub topics: u64,
    /// Target groups.
    pub targets: u64,
    /// Distinct recorded units of its reports.
    pub areas: Vec<i64>,
    /// Its people: `arena[start..start + len]`, sorted and distinct.
    pub people: (u32, u32),
}

/// The index.
#[derive(Debug, Default)]
pub struct Index {
    /// Units by id.
    pub units: HashMap<i64, Unit>,
    /// Unit ids by code (every period).
    pub codes: HashMap<String, Vec<i64>>,
    /// Agency codes by dictionary id.
    pub agencies: Vec<String>,
    agency_ids: HashMap<String, u16>,
    /// Real events (None: a freed slot).
    pub events: Vec<Option<RealEvent>>,
    free: Vec<u32>,
    slot_of: HashMap<i64, u32>,
    /// The real event (group seq) of each live report.
    group_of: HashMap<i64, i64>,
    /// People of every real event.
    pub arena: Vec<u32>,
    garbage: usize,
    /// One more than the largest person id.
    pub people_bound: u32,
}

/// The bit of a value in a dimension's list of values (0 for none).
pub fn bit<T: PartialEq + Copy>(all: &[T], v: Option<T>) -> u64 {
    v.and_then(|v| all.iter().position(|a| *a == v))
        .map_or(0, |i| 1u64 << i)
}

impl Index {
    /// Replaces the units (after an area change).
    pub fn set_units(&mut self, rows: Vec<UnitRow>) {
        self.units.clear();
        self.codes.clear();
        for r in rows {
            self.codes.entry(r.code.clone()).or_default().push(r.id);
            self.units.insert(
                r.id,
                Unit {
                    code: r.code,
                    name: r.name,
                    province: r.province_id,
                    district: r.district_id,
                    commune: r.commune_id,
                    current: r.current_id,
                },
            );
        }
        for ids in self.codes.values_mut() {
            ids.sort_unstable();
        }
    }

    fn agency_id(&mut self, code: &str) -> u16 {
        if let Some(id) = self.agency_ids.get(code) {
            return *id;
        }
        let id = u16::try_from(self.agencies.len()).expect("fewer than 65,536 agencies");
        self.agencies.push(code.to_string());
        self.agency_ids.insert(code.to_string(), id);
        id
    }

    /// The dictionary id of an agency code, if any event names it.
    pub fn known_agency(&self, code: &str) -> Option<u16> {
        self.agency_ids.get(code).copied()
    }

    /// The groups that reports `seqs` belonged to in the index.
    pub fn groups_of_reports(&self, seqs: impl IntoIterator<Item = i64>) -> BTreeSet<i64> {
        seqs.into_iter()
            .filter_map(|s| self.group_of.get(&s).copied())
            .collect()
    }

    /// Replaces the real events `groups` by what `reports` (their live
    /// reports now, with their sets) say; a group without live reports
    /// disappears.
    pub fn replace_groups(
        &mut self,
        groups: &BTreeSet<i64>,
        reports: &[ReportRow],
        sets: &HashMap<i64, ReportSets>,
    ) {
        for g in groups {
            if let Some(slot) = self.slot_of.remove(g) {
                if let Some(old) = self.events[slot as usize].take() {
                    self.garbage += old.people.1 as usize;
                }
                self.free.push(slot);
            }
        }
        self.group_of.retain(|_, g| !groups.contains(g));
        let mut by_group: HashMap<i64, Vec<&ReportRow>> = HashMap::new();
        for r in reports.iter().filter(|r| groups.contains(&r.group_seq)) {
            by_group.entry(r.group_seq).or_default().push(r);
        }
        for (g, members) in by_group {
            self.insert_group(g, &members, sets);
        }
        if self.garbage > 1 << 20 && self.garbage > self.arena.len() / 2 {
            self.compact();
        }
    }

    /// Builds every real event from all live reports.
    pub fn build(
        units: Vec<UnitRow>,
        reports: &[ReportRow],
        sets: &HashMap<i64, ReportSets>,
    ) -> Self {
        let mut index = Index::default();
        index.set_units(units);
        let mut by_group: HashMap<i64, Vec<&ReportRow>> = HashMap::new();
        for r in reports {
            by_group.entry(r.group_seq).or_default().push(r);
        }
        let mut groups: Vec<i64> = by_group.keys().copied().collect();
        groups.sort_unstable();
        for g in groups {
            index.insert_group(g, &by_group[&g], sets);
        }
        index
    }

    fn insert_group(&mut self, g: i64, members: &[&ReportRow], sets: &HashMap<i64, ReportSets>) {
        let empty = ReportSets::default();
        let mut people: Vec<u32> = Vec::new();
        let mut agencies: Vec<u16> = Vec::new();
        let mut areas: Vec<i64> = Vec::new();
        let (mut kinds, mut topics, mut targets) = (0u64, 0u64, 0u64);
        let max_opt = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, None) => x,
            (None, y) => y,
        };
        let mut ev = RealEvent {
            date: members[0].start_date,
            total: 0,
            female: None,
            male: None,
            under_18: None,
            identified: 0,
            agencies: Vec::new(),
            kinds: 0,
            topics: 0,
            targets: 0,
            areas: Vec::new(),
            people: (0, 0),
        };
        let mut stored_identified = 0;
        for r in members {
            let s = sets.get(&r.seq).unwrap_or(&empty);
            self.group_of.insert(r.seq, g);
            ev.date = ev.date.min(r.start_date);
            ev.total = ev.total.max(r.total);
            ev.female = max_opt(ev.female, r.female);
            ev.male = max_opt(ev.male, r.male);
            ev.under_18 = max_opt(ev.under_18, r.under_18);
            stored_identified = stored_identified.max(r.identified);
            agencies.push(self.agency_id(&r.agency));
            for c in &s.co_organizers {
                agencies.push(self.agency_id(c));
            }
            kinds |= bit(Kind::ALL, Kind::parse(&r.kind));
            for t in &s.topics {
                topics |= bit(Topic::ALL, Topic::parse(t));
            }
            for t in &s.target_groups {
                targets |= bit(TargetGroup::ALL, TargetGroup::parse(t));
            }
            areas.push(r.area_id);
            people.extend(
                s.participants
                    .iter()
                    .map(|p| u32::try_from(*p).expect("participant ids fit in u32")),
            );
        }
        agencies.sort_unstable();
        agencies.dedup();
        areas.sort_unstable();
        areas.dedup();
        people.sort_unstable();
        people.dedup();
        // As the SQL path: a lone report's identified count is the stored
        // one; a linked group's is its distinct people.
        ev.identified = if members.len() > 1 {
            people.len() as i64
        } else {
            stored_identified
        };
        ev.total = ev.total.max(ev.identified);
        ev.agencies = agencies;
        ev.kinds = kinds;
        ev.topics = topics;
        ev.targets = targets;
        ev.areas = areas;
        if let Some(max) = people.last() {
            self.people_bound = self.people_bound.max(max + 1);
        }
        let start = u32::try_from(self.arena.len()).expect("arena under 4 billion entries");
        ev.people = (start, people.len() as u32);
        self.arena.extend_from_slice(&people);
        let slot = match self.free.pop() {
            Some(s) => {
                self.events[s as usize] = Some(ev);
                s
            }
            None => {
                self.events.push(Some(ev));
                u32::try_from(self.events.len() - 1).expect("fewer than 4 billion events")
            }
        };
        self.slot_of.insert(g, slot);
    }

    /// A real event's people.
    pub fn people(&self, ev: &RealEvent) -> &[u32] {
        let (start, len) = ev.people;
        &self.arena[start as usize..(start + len) as usize]
    }

    /// Rewrites the arena without the people of replaced events.
    fn compact(&mut self) {
        let mut arena = Vec::with_capacity(self.arena.len() - self.garbage);
        for ev in self.events.iter_mut().flatten() {
            let (start, len) = ev.people;
            let new_start = arena.len() as u32;
            arena.extend_from_slice(&self.arena[start as usize..(start + len) as usize]);
            ev.people = (new_start, len);
        }
        self.arena = arena;
        self.garbage = 0;
    }

    /// How many real events the index holds.
    pub fn real_events(&self) -> usize {
        self.slot_of.len()
    }
}
