//! A request's slice, resolved against the index: which real events it
//! holds, narrowed through the postings and then checked exactly, with the
//! SQL path's semantics (any of a real event's reports matches each filter;
//! the date is the earliest).

use super::index::{Index, RealEvent, bit, month_of};
use crate::aggregates::{AreaMode, Request};
use crate::domain::{Kind, TargetGroup, Topic};
use crate::error::ApiError;

/// Slices with fewer candidate events are scanned on one thread.
const PARALLEL_FROM: usize = 50_000;

/// The slice's filters, resolved against the index.
pub(super) struct Slice<'a> {
    pub index: &'a Index,
    pub request: &'a Request,
    /// Agencies of the `agency` filter known to the index (None: no filter).
    agencies: Option<Vec<u32>>,
    /// The scope's agency (None: no scope; Some(None): an agency no event names).
    scope: Option<Option<u32>>,
    /// Units named by the area filter.
    area_ids: Option<&'a [u32]>,
    kind: u32,
    topic: u32,
    target: u32,
}

impl<'a> Slice<'a> {
    pub fn new(index: &'a Index, request: &'a Request) -> Result<Self, ApiError> {
        let f = &request.filters;
        let area_ids = match &f.area {
            None => None,
            Some(code) => Some(
                index
                    .codes
                    .get(code)
                    .map(Vec::as_slice)
                    .filter(|ids| !ids.is_empty())
                    .ok_or_else(|| ApiError::field("area", "unknown administrative unit code"))?,
            ),
        };
        let known = |a: &String| index.known_agency(a).map(u32::from);
        Ok(Slice {
            index,
            request,
            agencies: (!f.agency.is_empty()).then(|| f.agency.iter().filter_map(known).collect()),
            scope: f.scope.as_ref().map(known),
            area_ids,
            kind: bit(Kind::ALL, f.kind),
            topic: bit(Topic::ALL, f.topic),
            target: bit(TargetGroup::ALL, f.target_group),
        })
    }

    /// The unit an event recorded in `area` is placed in.
    pub fn placed(&self, area: u32) -> u32 {
        match self.request.filters.areas {
            AreaMode::AsRecorded => area,
            AreaMode::Current => self.index.units[area as usize].current.unwrap_or(area),
        }
    }

    /// The slots that may be in the slice (a superset, from the postings).
    pub fn candidates(&self) -> Vec<u32> {
        let f = &self.request.filters;
        let mut set = None;
        if f.from.is_some() || f.to.is_some() {
            let lo = f.from.map_or(i32::MIN, month_of);
            let hi = f.to.map_or(i32::MAX, month_of);
            set = Some(self.index.slots_in_months(lo, hi));
        }
        if let Some(ids) = self.area_ids {
            let mut in_area = roaring::RoaringBitmap::new();
            for id in ids {
                in_area |= self.index.slots_in_unit(*id);
            }
            set = Some(match set {
                Some(s) => s & in_area,
                None => in_area,
            });
        }
        set.as_ref().unwrap_or(&self.index.live).iter().collect()
    }

    /// Runs `fill` over the slice's real events on every core, each part
    /// into its own array of `width` values per person, then folds the
    /// parts into one with `merge`.
    pub fn per_person<T: Copy + Default + Send>(
        &self,
        width: usize,
        fill: impl Fn(&RealEvent, &mut [T]) + Sync,
        merge: impl Fn(&mut T, T),
    ) -> Vec<T> {
        let slots = self.candidates();
        let len = self.index.people_bound as usize * width;
        let part = |slots: &[u32]| {
            let mut out = vec![T::default(); len];
            for slot in slots {
                let ev = &self.index.events[*slot as usize];
                if self.contains(ev) {
                    fill(ev, &mut out);
                }
            }
            out
        };
        let threads = if slots.len() < PARALLEL_FROM {
            1
        } else {
            crate::cores::threads()
        };
        let mut parts = crate::cores::map_chunks(&slots, threads, part);
        let mut all = parts.pop().unwrap_or_else(|| vec![T::default(); len]);
        for p in parts {
            for (a, b) in all.iter_mut().zip(p) {
                merge(a, b);
            }
        }
        all
    }

    pub fn contains(&self, ev: &RealEvent) -> bool {
        let f = &self.request.filters;
        if f.from.is_some_and(|d| ev.date < d) || f.to.is_some_and(|d| ev.date > d) {
            return false;
        }
        if let Some(list) = &self.agencies
            && !self.index.agencies(ev).iter().any(|a| list.contains(a))
        {
            return false;
        }
        match self.scope {
            Some(None) => return false,
            Some(Some(a)) if !self.index.agencies(ev).contains(&a) => return false,
            _ => {}
        }
        if (self.kind != 0 && ev.kinds & self.kind == 0)
            || (self.topic != 0 && ev.topics & self.topic == 0)
            || (self.target != 0 && ev.targets & self.target == 0)
        {
            return false;
        }
        if let Some(ids) = self.area_ids {
            let units = &self.index.units;
            let inside = self.index.areas(ev).iter().any(|a| {
                let p = self.placed(*a);
                let u = &units[p as usize];
                ids.contains(&p)
                    || [u.province, u.district, u.commune]
                        .iter()
                        .any(|x| x.is_some_and(|x| ids.contains(&x)))
            });
            if !inside {
                return false;
            }
        }
        true
    }
}
