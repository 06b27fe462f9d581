//! The index's contents: one compact record per real event (a group of
//! linked live reports), the people of every real event in one arena of
//! dense `u32` ids (the `participants.id` values), the agencies and units
//! of every real event in a second arena, and the administrative units
//! events are placed with. Postings (roaring bitmaps of event slots) by
//! month and by unit narrow a slice before it is scanned. Built from the
//! database; patched one real event at a time as the change log reports
//! writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use roaring::RoaringBitmap;

use super::compact::{Id, Small, permute};
use crate::db::reach::{ReportRow, ReportSets, UnitRow};
use crate::domain::{Kind, TargetGroup, Topic};

/// A unit events can be placed in. Units are referred to by their dense
/// index in [`Index::units`], which never changes once given.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Province above it (as stored; a province names itself).
    pub province: Option<u32>,
    /// District above it.
    pub district: Option<u32>,
    /// Commune above it.
    pub commune: Option<u32>,
    /// The unit valid today that succeeded it.
    pub current: Option<u32>,
}

/// One real event (72 bytes: a national index holds a million).
#[derive(Debug, Clone)]
pub struct RealEvent {
    /// Earliest start date of its live reports.
    pub date: NaiveDate,
    /// Its people: `arena[start..start + len]`, sorted and distinct.
    pub people: (u32, u32),
    /// Its agencies then its units: `tags[start..]`.
    tags: u32,
    /// Organising agencies (reporting and confirmed co-organisers).
    n_agencies: u16,
    /// Distinct recorded units of its reports.
    n_areas: u16,
    /// Kinds as bits (index in `Kind::ALL`).
    pub kinds: u32,
    /// Topics.
    pub topics: u32,
    /// Target groups.
    pub targets: u32,
    /// Attendance total: the largest reported, and at least its people.
    pub total: u32,
    /// Largest reported female attendances.
    pub female: Small,
    /// Largest reported male attendances.
    pub male: Small,
    /// Largest reported under-18 attendances.
    pub under_18: Small,
    /// Identified attendances.
    pub identified: u32,
    /// Sessions of its largest non-media report (0: only mass media).
    pub sessions: u32,
    /// Items of its largest mass-media report (0: none).
    pub items: u32,
    /// The fewest different people it may have reached (see [`bounds`]),
    /// computed once when it is indexed: scans only add it up.
    pub lower: u32,
    /// How many more than its identified people it may have reached.
    pub extra: u32,
    /// Largest mass-media audience.
    pub audience: Small,
}

/// A real event's bounds of its different people, from its total,
/// sessions, declared people and identified people (as `aggregates::sql`'s
/// `lower` and `extra`): the lower bound is its declared people when given,
/// else ceil(total / sessions), never fewer than its identified people;
/// the extra is how many more than its identified people it may hold (its
/// declared people, at least its identified, when given; else its total).
pub fn bounds(total: i64, sessions: u32, declared: Option<i64>, identified: i64) -> (i64, i64) {
    let own = match declared {
        Some(d) => d,
        None if sessions > 0 => {
            let s = i64::from(sessions);
            (total + s - 1) / s
        }
        None => 0,
    };
    let upper = match declared {
        Some(d) => d.max(identified),
        None => total,
    };
    (own.max(identified), upper - identified)
}

/// The index.
#[derive(Debug, Default)]
pub struct Index {
    /// Units by dense index.
    pub units: Vec<Unit>,
    unit_of_id: HashMap<i64, u32>,
    /// Unit dense indexes by code (every period).
    pub codes: HashMap<String, Vec<u32>>,
    /// Each unit's place in the order of codes, from 1 (0: no unit); units
    /// sharing a code share it.
    pub code_rank: Vec<u32>,
    /// Each unit's place in the order of (code, name), from 1.
    pub unit_rank: Vec<u32>,
    /// Agency codes by dictionary id.
    pub agencies: Vec<String>,
    agency_ids: HashMap<String, u16>,
    /// Real events by slot; only the slots in `live` hold one.
    pub events: Vec<RealEvent>,
    /// Slots holding a real event.
    pub live: RoaringBitmap,
    free: Vec<u32>,
    slot_of: HashMap<Id, u32>,
    /// The real event (group seq) of each live report.
    group_of: HashMap<i64, i64>,
    /// People of every real event.
    pub arena: Vec<u32>,
    /// Agencies and units of every real event.
    tags: Vec<u32>,
    garbage: usize,
    /// One more than the largest person index.
    pub people_bound: u32,
    /// Each person's dense index, by participant id (any 64-bit id: a
    /// database sequence past 2^32 changes nothing here). Dense indexes
    /// follow the event order after [`Index::reorder`], so that the people
    /// of one province's events lie close together.
    person_of: HashMap<Id, u32>,
    /// Slots by month of the date (`year * 12 + month0`).
    by_month: BTreeMap<i32, RoaringBitmap>,
    /// Slots by unit: every unit an event is placed in, as recorded or
    /// currently, with that unit's province, district and commune.
    by_unit: Vec<RoaringBitmap>,
    /// Earliest and latest month of any event ever indexed.
    pub months: Option<(i32, i32)>,
}

/// The bit of a value in a dimension's list of values (0 for none).
pub fn bit<T: PartialEq + Copy>(all: &[T], v: Option<T>) -> u32 {
    v.and_then(|v| all.iter().position(|a| *a == v))
        .map_or(0, |i| 1u32 << i)
}

/// A date's month number (`year * 12 + month0`).
pub fn month_of(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// A live report, resolved to the index's ids.
#[derive(Debug)]
struct Member {
    seq: i64,
    date: NaiveDate,
    total: i64,
    female: Option<i64>,
    male: Option<i64>,
    under_18: Option<i64>,
    identified: i64,
    media: bool,
    sessions: i64,
    declared: Option<i64>,
    audience: Option<i64>,
}

impl Index {
    /// Replaces the units (after an area change); events keep their units'
    /// dense indexes, and the unit postings are rebuilt.
    pub fn set_units(&mut self, rows: Vec<UnitRow>) {
        for r in &rows {
            if !self.unit_of_id.contains_key(&r.id) {
                let idx = u32::try_from(self.units.len()).expect("fewer than 4 billion units");
                self.unit_of_id.insert(r.id, idx);
                self.units.push(Unit {
                    code: String::new(),
                    name: String::new(),
                    province: None,
                    district: None,
                    commune: None,
                    current: None,
                });
            }
        }
        self.codes.clear();
        for r in rows {
            let idx = self.unit_of_id[&r.id];
            let dense = |id: Option<i64>| id.and_then(|i| self.unit_of_id.get(&i).copied());
            let unit = Unit {
                province: dense(r.province_id),
                district: dense(r.district_id),
                commune: dense(r.commune_id),
                current: dense(r.current_id),
                code: r.code,
                name: r.name,
            };
            self.codes.entry(unit.code.clone()).or_default().push(idx);
            self.units[idx as usize] = unit;
        }
        for ids in self.codes.values_mut() {
            ids.sort_unstable();
        }
        let mut by_code: Vec<u32> = (0..self.units.len() as u32).collect();
        by_code.sort_by(|a, b| {
            let (a, b) = (&self.units[*a as usize], &self.units[*b as usize]);
            (&a.code, &a.name).cmp(&(&b.code, &b.name))
        });
        self.unit_rank = vec![0; self.units.len()];
        self.code_rank = vec![0; self.units.len()];
        let mut code_rank = 0;
        let mut last: Option<&str> = None;
        for (rank, u) in by_code.into_iter().enumerate() {
            let code = self.units[u as usize].code.as_str();
            if last != Some(code) {
                code_rank += 1;
                last = Some(code);
            }
            self.unit_rank[u as usize] = rank as u32 + 1;
            self.code_rank[u as usize] = code_rank;
        }
        self.by_unit = vec![RoaringBitmap::new(); self.units.len()];
        let live = std::mem::take(&mut self.live);
        for slot in &live {
            self.post_units(slot, true);
        }
        self.live = live;
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
            if let Some(slot) = self.slot_of.remove(&Id::from(*g)) {
                self.remove_slot(slot);
            }
        }
        self.group_of.retain(|_, g| !groups.contains(g));
        self.insert_reports(
            reports.iter().filter(|r| groups.contains(&r.group_seq)),
            sets,
        );
        if self.garbage > 1 << 20 && self.garbage > self.arena.len() / 2 {
            self.compact();
        }
    }

    /// Adds the real events of `reports`, grouped by their group: every
    /// live report of each group must be among them.
    pub fn insert_reports<'a>(
        &mut self,
        reports: impl IntoIterator<Item = &'a ReportRow>,
        sets: &HashMap<i64, ReportSets>,
    ) {
        let mut by_group: BTreeMap<i64, Vec<&ReportRow>> = BTreeMap::new();
        for r in reports {
            by_group.entry(r.group_seq).or_default().push(r);
        }
        for (g, members) in by_group {
            self.insert_group(g, &members, sets);
        }
    }

    /// An empty index over `units`.
    pub fn with_units(units: Vec<UnitRow>) -> Self {
        let mut index = Index::default();
        index.set_units(units);
        index
    }

    fn insert_group(&mut self, g: i64, reports: &[&ReportRow], sets: &HashMap<i64, ReportSets>) {
        // A group seen before (a report linked to it while the index was
        // being built): its old record goes; the change log brings the
        // whole group again.
        if let Some(slot) = self.slot_of.remove(&Id::from(g)) {
            self.remove_slot(slot);
        }
        let empty = ReportSets::default();
        let mut people: Vec<u32> = Vec::new();
        let mut agencies: Vec<u32> = Vec::new();
        let mut areas: Vec<u32> = Vec::new();
        let (mut kinds, mut topics, mut targets) = (0u32, 0u32, 0u32);
        let mut members = Vec::with_capacity(reports.len());
        for r in reports {
            let s = sets.get(&r.seq).unwrap_or(&empty);
            // A mass-media report has an audience: no attendance, and its
            // identified people (stored before mass media refused them)
            // are kept but not counted.
            let media = Kind::parse(&r.kind).is_some_and(Kind::is_media);
            members.push(Member {
                seq: r.seq,
                date: r.start_date,
                total: r.total,
                female: r.female,
                male: r.male,
                under_18: r.under_18,
                identified: if media { 0 } else { r.identified },
                media,
                sessions: r.sessions,
                declared: r.declared,
                audience: r.audience,
            });
            agencies.push(u32::from(self.agency_id(&r.agency)));
            for c in &s.co_organizers {
                agencies.push(u32::from(self.agency_id(c)));
            }
            kinds |= bit(Kind::ALL, Kind::parse(&r.kind));
            for t in &s.topics {
                topics |= bit(Topic::ALL, Topic::parse(t));
            }
            for t in &s.target_groups {
                targets |= bit(TargetGroup::ALL, TargetGroup::parse(t));
            }
            // A report's unit exists (foreign key); one loaded after the
            // units were is picked up by the area change that added it.
            if let Some(u) = self.unit_of_id.get(&r.area_id) {
                areas.push(*u);
            }
            for p in s.participants.iter().filter(|_| !media) {
                let next = self.people_bound;
                let dense = *self.person_of.entry(Id::from(*p)).or_insert(next);
                if dense == next {
                    self.people_bound += 1;
                }
                people.push(dense);
            }
        }
        agencies.sort_unstable();
        agencies.dedup();
        areas.sort_unstable();
        areas.dedup();
        people.sort_unstable();
        people.dedup();
        let mut ev = RealEvent {
            date: members[0].date,
            people: (0, 0),
            tags: 0,
            n_agencies: u16::try_from(agencies.len()).expect("few agencies per event"),
            n_areas: u16::try_from(areas.len()).expect("few units per event"),
            kinds,
            topics,
            targets,
            total: 0,
            female: Small::NONE,
            male: Small::NONE,
            under_18: Small::NONE,
            identified: 0,
            sessions: 0,
            items: 0,
            lower: 0,
            extra: 0,
            audience: Small::NONE,
        };
        let mut declared = Small::NONE;
        let mut stored_identified = 0;
        let mut total = 0i64;
        for m in &members {
            self.group_of.insert(m.seq, g);
            ev.date = ev.date.min(m.date);
            total = total.max(m.total);
            ev.female = ev.female.max(m.female);
            ev.male = ev.male.max(m.male);
            ev.under_18 = ev.under_18.max(m.under_18);
            stored_identified = stored_identified.max(m.identified);
            let sessions = u32::try_from(m.sessions).unwrap_or(u32::MAX);
            if m.media {
                ev.items = ev.items.max(sessions);
            } else {
                ev.sessions = ev.sessions.max(sessions);
            }
            declared = declared.max(m.declared);
            ev.audience = ev.audience.max(m.audience);
        }
        // As the SQL path: a lone report's identified count is the stored
        // one; a linked group's is its distinct people.
        let small = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
        let identified = if members.len() > 1 {
            people.len() as i64
        } else {
            stored_identified
        };
        ev.identified = small(identified);
        let total = total.max(identified);
        ev.total = small(total);
        let (lower, extra) = bounds(total, ev.sessions, declared.get(), identified);
        ev.lower = small(lower);
        ev.extra = small(extra);
        ev.people = (
            u32::try_from(self.arena.len()).expect("arena under 4 billion entries"),
            people.len() as u32,
        );
        self.arena.extend_from_slice(&people);
        ev.tags = u32::try_from(self.tags.len()).expect("tags under 4 billion entries");
        self.tags.extend_from_slice(&agencies);
        self.tags.extend_from_slice(&areas);
        let month = month_of(ev.date);
        self.months = Some(match self.months {
            None => (month, month),
            Some((lo, hi)) => (lo.min(month), hi.max(month)),
        });
        let slot = match self.free.pop() {
            Some(s) => {
                self.events[s as usize] = ev;
                s
            }
            None => {
                self.events.push(ev);
                u32::try_from(self.events.len() - 1).expect("fewer than 4 billion events")
            }
        };
        self.by_month.entry(month).or_default().insert(slot);
        self.post_units(slot, true);
        self.live.insert(slot);
        self.slot_of.insert(Id::from(g), slot);
    }

    fn remove_slot(&mut self, slot: u32) {
        let ev = &self.events[slot as usize];
        self.garbage += ev.people.1 as usize + usize::from(ev.n_agencies + ev.n_areas);
        let month = month_of(ev.date);
        if let Some(m) = self.by_month.get_mut(&month) {
            m.remove(slot);
            if m.is_empty() {
                self.by_month.remove(&month);
            }
        }
        self.post_units(slot, false);
        self.live.remove(slot);
        self.free.push(slot);
    }

    /// Adds (or removes) `slot` to the postings of every unit it is placed in.
    fn post_units(&mut self, slot: u32, add: bool) {
        let mut units: Vec<u32> = Vec::new();
        for a in self.areas(&self.events[slot as usize]) {
            for p in [Some(*a), self.units[*a as usize].current]
                .into_iter()
                .flatten()
            {
                let u = &self.units[p as usize];
                units.push(p);
                units.extend([u.province, u.district, u.commune].into_iter().flatten());
            }
        }
        units.sort_unstable();
        units.dedup();
        for u in units {
            if add {
                self.by_unit[u as usize].insert(slot);
            } else {
                self.by_unit[u as usize].remove(slot);
            }
        }
    }

    /// The slots of events dated in months `from..=to` (a superset of the
    /// events dated in any range inside them).
    pub fn slots_in_months(&self, from: i32, to: i32) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        for (_, m) in self.by_month.range(from..=to) {
            out |= m;
        }
        out
    }

    /// The slots of events placed in `unit` or below it, in either mode.
    pub fn slots_in_unit(&self, unit: u32) -> &RoaringBitmap {
        &self.by_unit[unit as usize]
    }

    /// A real event's people.
    pub fn people(&self, ev: &RealEvent) -> &[u32] {
        let (start, len) = ev.people;
        &self.arena[start as usize..(start + len) as usize]
    }

    /// A real event's agencies (dictionary ids, sorted).
    pub fn agencies(&self, ev: &RealEvent) -> &[u32] {
        let start = ev.tags as usize;
        &self.tags[start..start + usize::from(ev.n_agencies)]
    }

    /// A real event's recorded units (dense indexes, sorted).
    pub fn areas(&self, ev: &RealEvent) -> &[u32] {
        let start = ev.tags as usize + usize::from(ev.n_agencies);
        &self.tags[start..start + usize::from(ev.n_areas)]
    }

    /// Rewrites the arenas without the entries of replaced events.
    fn compact(&mut self) {
        let mut arena = Vec::with_capacity(self.arena.len());
        let mut tags = Vec::with_capacity(self.tags.len());
        for slot in &self.live {
            let ev = &mut self.events[slot as usize];
            let (start, len) = ev.people;
            let new_start = arena.len() as u32;
            arena.extend_from_slice(&self.arena[start as usize..(start + len) as usize]);
            ev.people = (new_start, len);
            let t = ev.tags as usize;
            ev.tags = tags.len() as u32;
            tags.extend_from_slice(&self.tags[t..t + usize::from(ev.n_agencies + ev.n_areas)]);
        }
        self.arena = arena;
        self.tags = tags;
        self.garbage = 0;
    }

    /// Sizes the index for a build of `reports` live reports, `attendances`
    /// attendance rows and `people` participants at most, so that it is
    /// allocated once instead of growing by doubling (each doubling holds
    /// the old and the new part at once).
    pub fn reserve(&mut self, reports: usize, attendances: usize, people: usize) {
        self.events.reserve(reports);
        self.arena.reserve(attendances);
        self.slot_of.reserve(reports);
        self.group_of.reserve(reports);
        self.person_of.reserve(people);
    }

    /// Lays the index out for locality, after the build: real events in
    /// the order of their first unit's province, then date, with their
    /// people and tags in the same order, and people renumbered in order of
    /// first appearance. A province's or a month's events are then read
    /// as runs of neighbouring records, and their people's masks are
    /// neighbours too. Events added later go where there is room.
    pub fn reorder(&mut self) {
        let province = |ev: &RealEvent| {
            self.areas(ev)
                .first()
                .and_then(|a| self.units[*a as usize].province)
                .unwrap_or(u32::MAX)
        };
        let mut order: Vec<u32> = self.live.iter().collect();
        order.sort_by_cached_key(|s| {
            let ev = &self.events[*s as usize];
            (province(ev), ev.date)
        });
        // One part at a time, each old part dropped once its copy is made,
        // so that the build's peak holds one part twice, not the whole
        // index (at national size: the events' 72 MB, not 120 MB).
        let mut renumber = vec![u32::MAX; self.people_bound as usize];
        let mut next = 0u32;
        let mut arena = Vec::with_capacity(self.arena.len() - self.garbage);
        let mut people_at = Vec::with_capacity(order.len());
        for old in &order {
            let start = arena.len();
            for p in self.people(&self.events[*old as usize]) {
                let r = &mut renumber[*p as usize];
                if *r == u32::MAX {
                    *r = next;
                    next += 1;
                }
                arena.push(*r);
            }
            arena[start..].sort_unstable();
            people_at.push(start as u32);
        }
        self.arena = arena;
        let mut tags = Vec::with_capacity(self.tags.len());
        let mut tags_at = Vec::with_capacity(order.len());
        for old in &order {
            let ev = &self.events[*old as usize];
            let t = ev.tags as usize;
            tags_at.push(tags.len() as u32);
            tags.extend_from_slice(&self.tags[t..t + usize::from(ev.n_agencies + ev.n_areas)]);
        }
        self.tags = tags;
        // The events are permuted in place, one cycle of the permutation
        // at a time (slots of no live event go after the live ones).
        let mut new_slot = vec![u32::MAX; self.events.len()];
        for (i, old) in order.iter().enumerate() {
            new_slot[*old as usize] = i as u32;
        }
        let dead = new_slot.iter_mut().filter(|s| **s == u32::MAX);
        for (s, slot) in dead.zip(order.len() as u32..) {
            *s = slot;
        }
        permute(&mut self.events, &new_slot);
        self.events.truncate(order.len());
        for (i, ev) in self.events.iter_mut().enumerate() {
            ev.people.0 = people_at[i];
            ev.tags = tags_at[i];
        }
        drop((people_at, tags_at));
        for dense in self.person_of.values_mut() {
            // People of no live event keep an index after the others.
            if renumber[*dense as usize] == u32::MAX {
                renumber[*dense as usize] = next;
                next += 1;
            }
            *dense = renumber[*dense as usize];
        }
        for slot in self.slot_of.values_mut() {
            *slot = new_slot[*slot as usize];
        }
        self.garbage = 0;
        self.free.clear();
        self.live = (0..self.events.len() as u32).collect();
        self.by_month.clear();
        self.by_unit = vec![RoaringBitmap::new(); self.units.len()];
        for slot in 0..self.events.len() as u32 {
            let month = month_of(self.events[slot as usize].date);
            self.by_month.entry(month).or_default().insert(slot);
            self.post_units(slot, true);
        }
    }

    /// How many real events the index holds.
    pub fn real_events(&self) -> usize {
        self.slot_of.len()
    }

    /// Distinct people ever indexed (those of deleted events included
    /// until the next build).
    pub fn people_known(&self) -> usize {
        self.person_of.len()
    }

    /// Bytes held by the index's largest parts (events, arenas, postings
    /// and maps), for the log.
    pub fn approx_bytes(&self) -> usize {
        let postings: usize = self
            .by_unit
            .iter()
            .chain(self.by_month.values())
            .map(|b| b.serialized_size())
            .sum();
        self.events.capacity() * std::mem::size_of::<RealEvent>()
            + self.arena.capacity() * 4
            + self.tags.capacity() * 4
            + postings
            + self.slot_of.capacity() * 13
            + self.group_of.capacity() * 17
            + self.person_of.capacity() * 13
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_event_stays_compact() {
        assert!(std::mem::size_of::<RealEvent>() <= 72);
    }

    #[test]
    fn every_value_list_fits_its_bits() {
        assert!(Kind::ALL.len() <= 32);
        assert!(Topic::ALL.len() <= 32);
        assert!(TargetGroup::ALL.len() <= 32);
    }
}
