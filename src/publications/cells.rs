//! The values of a publication's cells, summed from the memberships, and
//! their suppression across the whole publication: a [`disclosure::System`]
//! per additive measure over atoms of real events, one over atoms of people
//! for unique counts, and the reach bounds withheld with their sources.

use std::collections::{BTreeMap, HashMap};

use crate::aggregates::measure::{self, Measure};

use super::Analysis;
use super::disclosure::{self, Fate, System};
use super::tables::{Figures, Members};

/// One cell group being published, or published before: where it is, and
/// what it counts.
pub(super) struct Group {
    pub(super) table: usize,
    /// The table's totals (else one of its rows).
    pub(super) total: bool,
    pub(super) members: Members,
    /// For a group an earlier publication published: its stored values by
    /// measure name (null where withheld; a measure it did not publish is
    /// absent). None for the new publication's own groups.
    pub(super) known: Option<BTreeMap<String, Option<i64>>>,
    /// What its table counts (overlap and frequency tables publish the
    /// unique count alone).
    pub(super) analysis: Analysis,
}

impl Group {
    /// What is already decided about this group's cell of event measure
    /// `name`. Tables of people publish none: their cells are absent,
    /// except that a frequency table's totals carry the identified
    /// person-times of its slice as a cell to protect while any of its
    /// buckets is withheld (`buckets_withheld`): the buckets times their
    /// events add up to it, so knowing it would solve two withheld buckets.
    fn event_fate(&self, name: &str, buckets_withheld: bool) -> Fate {
        if self.analysis.counts_people() {
            return if self.analysis == Analysis::Frequency
                && self.total
                && buckets_withheld
                && name == "identified_attendances"
            {
                Fate::Withheld
            } else {
                Fate::Absent
            };
        }
        self.fate(name)
    }

    /// What is already decided about this group's cell of measure `name`.
    fn fate(&self, name: &str) -> Fate {
        match &self.known {
            None => Fate::Open,
            Some(k) => match k.get(name) {
                Some(Some(_)) => Fate::Published,
                Some(None) => Fate::Withheld,
                None => Fate::Absent,
            },
        }
    }
}

/// The value of a measure over `events` (None: a sex or age count no event reported).
fn event_value(m: &Measure, events: &[Figures]) -> Option<i64> {
    let opt = |f: fn(&Figures) -> Option<i64>| {
        let vals: Vec<i64> = events.iter().filter_map(f).collect();
        (!vals.is_empty()).then(|| vals.iter().sum())
    };
    match m.name {
        "events" => Some(events.len() as i64),
        "attendances" => Some(events.iter().map(|f| f.total).sum()),
        "female_attendances" => opt(|f| f.female),
        "male_attendances" => opt(|f| f.male),
        "under_18_attendances" => opt(|f| f.under_18),
        "identified_attendances" => Some(events.iter().map(|f| f.identified).sum()),
        "sessions" => Some(events.iter().map(|f| f.sessions).sum()),
        "media_items" => Some(events.iter().map(|f| f.media_items).sum()),
        "audience" => Some(events.iter().map(|f| f.audience).sum()),
        _ => None,
    }
}

/// An event's part of a measure (0 where not reported).
fn event_mass(m: &Measure, f: &Figures) -> i64 {
    event_value(m, std::slice::from_ref(f)).unwrap_or(0)
}

/// Two independent 64-bit tags of a cell: a member's signature is the XOR
/// of the tags of the cells holding it (128 bits: distinct sets of cells
/// never share one in practice), so no member keeps a list of its cells.
fn tags(cell: usize) -> (u64, u64) {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let c = cell as u64;
    (
        mix(c.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        mix(c.wrapping_add(0x5151).wrapping_mul(0xD6E8_FEB8_6659_FD93)),
    )
}

/// Atoms of a family of sets: the classes of members found in exactly the
/// same sets. Returns each set as its atoms, and each member's atom.
fn atoms(sets: &[&Vec<i64>]) -> (Vec<Vec<usize>>, HashMap<i64, usize>) {
    let mut signature: HashMap<i64, (u64, u64)> = HashMap::new();
    for (i, s) in sets.iter().enumerate() {
        let (a, b) = tags(i);
        for m in s.iter() {
            let e = signature.entry(*m).or_insert((0, 0));
            e.0 ^= a;
            e.1 ^= b;
        }
    }
    let mut index: HashMap<(u64, u64), usize> = HashMap::new();
    let mut atom_of: HashMap<i64, usize> = HashMap::with_capacity(signature.len());
    let mut members: Vec<(i64, (u64, u64))> = signature.into_iter().collect();
    members.sort_unstable();
    for (m, sig) in members {
        let next = index.len();
        atom_of.insert(m, *index.entry(sig).or_insert(next));
    }
    let cells = sets
        .iter()
        .map(|s| {
            let mut atoms: Vec<usize> = s.iter().map(|m| atom_of[m]).collect();
            atoms.sort_unstable();
            atoms.dedup();
            atoms
        })
        .collect();
    (cells, atom_of)
}

/// A cell group's values by measure, and the measures withheld.
type CellValues = (BTreeMap<String, Option<i64>>, Vec<String>);

/// Computes the cells of every table and the suppression across them
/// (the new publication's groups and those published before, in one
/// system per measure).
pub(super) fn compute(
    groups: &[Group],
    figures: &HashMap<i64, Figures>,
    k: i64,
) -> Vec<CellValues> {
    let n = groups.len();
    let mut values: Vec<BTreeMap<String, Option<i64>>> = vec![BTreeMap::new(); n];
    let mut suppressed: Vec<Vec<String>> = vec![Vec::new(); n];
    let event_sets: Vec<_> = groups.iter().map(|g| &g.members.events).collect();
    let (event_cells, event_atom_of) = atoms(&event_sets);
    let event_atoms = event_atom_of.values().max().map_or(0, |m| m + 1);
    let figures_of = |events: &Vec<i64>| -> Vec<Figures> {
        events
            .iter()
            .filter_map(|g| figures.get(g).copied())
            .collect()
    };
    let mut withheld: HashMap<&str, Vec<bool>> = HashMap::new();
    // Unique and first-time people: one system over atoms of people (a
    // row's first-time people are a subset of its people, so the two are
    // differenced together).
    let people_sets: Vec<_> = groups
        .iter()
        .map(|g| &g.members.people)
        .chain(groups.iter().map(|g| &g.members.first_time))
        .collect();
    let (people_cells, person_atom) = atoms(&people_sets);
    let mut mass = vec![0i64; person_atom.values().max().map_or(0, |m| m + 1)];
    for a in person_atom.values() {
        mass[*a] += 1;
    }
    drop(person_atom);
    let system = System {
        mass,
        cells: people_cells,
    };
    let fates: Vec<Fate> = groups
        .iter()
        .map(|g| g.fate("unique_participants"))
        .chain(groups.iter().map(|g| {
            if g.analysis.counts_people() {
                Fate::Absent
            } else {
                g.fate("first_time_participants")
            }
        }))
        .collect();
    let mut people_withheld = disclosure::protect(&system, k, &fates);
    let first_withheld = people_withheld.split_off(n);
    withheld.insert("unique_participants", people_withheld);
    withheld.insert("first_time_participants", first_withheld);
    // The frequency tables with a withheld bucket (their slice's identified
    // person-times are then protected as a cell of their own).
    let mut buckets_withheld: HashMap<usize, bool> = HashMap::new();
    for (c, g) in groups.iter().enumerate() {
        if g.analysis == Analysis::Frequency && !g.total {
            *buckets_withheld.entry(g.table).or_default() |= withheld["unique_participants"][c];
        }
    }
    for m in measure::published().filter(|m| m.sql.is_some()) {
        let mut mass = vec![0i64; event_atoms];
        for (g, a) in &event_atom_of {
            if let Some(f) = figures.get(g) {
                mass[*a] += event_mass(m, f);
            }
        }
        let system = System {
            mass,
            cells: event_cells.clone(),
        };
        // A part of a withheld whole is withheld in the new cells too (its
        // published value would bound the whole: the inequalities).
        let whole_withheld = |c: usize| {
            m.part_of
                .and_then(|whole| withheld.get(whole))
                .is_some_and(|w| w[c])
        };
        let fates: Vec<Fate> = groups
            .iter()
            .enumerate()
            .map(|(c, g)| {
                match g.event_fate(
                    m.name,
                    buckets_withheld.get(&g.table).copied().unwrap_or(false),
                ) {
                    Fate::Open if whole_withheld(c) => Fate::Withheld,
                    fate => fate,
                }
            })
            .collect();
        withheld.insert(m.name, disclosure::protect(&system, k, &fates));
        for (c, g) in groups.iter().enumerate() {
            values[c].insert(
                m.name.to_string(),
                event_value(m, &figures_of(&g.members.events)),
            );
        }
    }
    for (c, g) in groups.iter().enumerate() {
        let unique = g.members.people.len() as i64;
        let extra: i64 = figures_of(&g.members.events)
            .iter()
            .map(|f| f.unidentified_max)
            .sum();
        let row = &mut values[c];
        row.insert("unique_participants".into(), Some(unique));
        row.insert(
            "first_time_participants".into(),
            Some(g.members.first_time.len() as i64),
        );
        row.insert("reach_max".into(), Some(unique + extra));
    }
    // reach_max = unique + (at most attendances - identified) follows its
    // sources: shown alone it would give away a withheld one. (reach_min
    // is not published: it pins the largest event.)
    let sources = [
        "unique_participants",
        "attendances",
        "identified_attendances",
    ];
    let flags: Vec<bool> = (0..n)
        .map(|c| {
            sources.iter().any(|s| withheld[s][c])
                || disclosure::small(values[c]["reach_max"].unwrap_or(0), k)
        })
        .collect();
    withheld.insert("reach_max", flags);
    for m in measure::published() {
        for c in 0..n {
            if withheld[m.name][c] {
                values[c].insert(m.name.to_string(), None);
                suppressed[c].push(m.name.to_string());
            }
        }
    }
    values.into_iter().zip(suppressed).collect()
}
