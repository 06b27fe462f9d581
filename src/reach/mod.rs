//! The reach index: every aggregate answered from memory, exactly as the
//! SQL path (`aggregates::sql`) answers it, and current with every write.
//!
//! - [`index`] holds one compact record per real event and the people of
//!   all of them in one arena; [`query`] answers a request from it.
//! - [`Reach`] owns the index: it is built from the database in the
//!   background at start (until then the SQL path answers), and follows the
//!   change log (`reach_changes`, written in the same transaction as every
//!   write: by triggers for reports and claims, by the code for areas and
//!   agencies). Before each answer it applies what was committed since its
//!   last read, so an instance's answer reflects every write acknowledged
//!   before the request, its own and other instances' alike; a background
//!   task reads the log every second as well.
//! - Applying a change reloads the real events it touched (the groups its
//!   report was and is in) from the database; an area change reloads the
//!   units. Nothing is written back: after a crash the index is rebuilt.

pub mod analytics;
mod compact;
mod count;
mod first;
pub mod index;
pub mod query;
mod slice;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use crate::aggregates::{Answer, Request};
use crate::analytics::{Frequency, Overlap};
use crate::db::reach::{self as log_table, Cursor, Scope, Which};
use crate::db::{DbConn, DbPool};
use crate::error::ApiError;

use index::Index;

/// How often the background task reads the change log.
const FOLLOW_EVERY: Duration = Duration::from_secs(1);
/// Change rows older than this are pruned (every instance reads the log
/// every second; one that stopped rebuilds from the tables at start).
const KEEP_CHANGES: Duration = Duration::from_secs(3600);
/// Report seqs read per statement while building.
const BUILD_RANGE: i64 = 50_000;
/// How often old change rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Where the follower stands in the change log.
#[derive(Debug)]
struct Follower {
    cursor: Cursor,
    /// Rows applied that a later read can return again (PostgreSQL): seq -> txid.
    seen: HashMap<i64, i64>,
    last_prune: Instant,
    /// When the last successful read of the log started: it saw every
    /// write committed before then.
    last_read: Option<Instant>,
}

/// Ends a flight when its leader is done: marks it failed unless an answer
/// was stored, wakes the waiters and forgets it.
struct Release<'a> {
    reach: &'a Reach,
    key: &'a str,
    flight: &'a Flight,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.flight.answer.lock()
            && slot.is_none()
        {
            *slot = Some(None);
        }
        self.flight.done.notify_all();
        if let Ok(mut flights) = self.reach.flights.lock() {
            flights.remove(self.key);
        }
    }
}

/// One computation that identical concurrent requests share.
#[derive(Default)]
struct Flight {
    /// None until the leader is done; then its answer (None: it failed,
    /// and each waiter computes its own).
    answer: Mutex<Option<Option<Arc<Answer>>>>,
    done: Condvar,
}

/// The index and its follower.
pub struct Reach {
    pool: DbPool,
    enabled: bool,
    index: RwLock<Option<Index>>,
    follower: Mutex<Follower>,
    /// Changes applied so far (a new version of the index after each).
    version: AtomicU64,
    /// The last build's duration (`f64` bits) and when the last change
    /// was applied (Unix seconds), for the metrics.
    built_in: AtomicU64,
    last_change: AtomicI64,
    /// Set when the service stops: a build in progress is abandoned.
    stopping: AtomicBool,
    /// Computations in flight, by index version and request.
    flights: Mutex<HashMap<String, Arc<Flight>>>,
    /// The last first-attendance days computed, by index version and
    /// history: the calls of one dashboard page share their filters.
    firsts: Mutex<Option<(String, Arc<first::Firsts>)>>,
}

impl std::fmt::Debug for Reach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reach")
            .field("enabled", &self.enabled)
            .field("ready", &self.is_ready())
            .finish()
    }
}

impl Reach {
    /// An index over `pool`'s database; `enabled` false keeps every answer
    /// on the SQL path (`AGGREGATES_ENGINE=sql`).
    pub fn new(pool: DbPool, enabled: bool) -> Arc<Self> {
        Arc::new(Self {
            pool,
            enabled,
            index: RwLock::new(None),
            follower: Mutex::new(Follower {
                cursor: Cursor::Start,
                seen: HashMap::new(),
                last_prune: Instant::now(),
                last_read: None,
            }),
            version: AtomicU64::new(0),
            built_in: AtomicU64::new(0),
            last_change: AtomicI64::new(0),
            stopping: AtomicBool::new(false),
            flights: Mutex::new(HashMap::new()),
            firsts: Mutex::new(None),
        })
    }

    /// Whether the index is built (and enabled).
    pub fn is_ready(&self) -> bool {
        self.enabled && self.index.read().map(|i| i.is_some()).unwrap_or(false)
    }

    /// The service is stopping: a build in progress stops at its next range
    /// of reports, and the follower stops reading the change log.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// The index's size, build time and changes, for a metrics scrape.
    pub fn stats(&self) -> crate::metrics::IndexStats {
        let guard = self.index.read().expect("index lock");
        let index = guard.as_ref().filter(|_| self.enabled);
        crate::metrics::IndexStats {
            ready: index.is_some(),
            events: index.map_or(0, |i| i.real_events() as u64),
            people: index.map_or(0, |i| i.people_known() as u64),
            build_seconds: f64::from_bits(self.built_in.load(Ordering::Relaxed)),
            changes_applied: self.version.load(Ordering::Relaxed),
            last_change_unix: self.last_change.load(Ordering::Relaxed),
        }
    }

    /// Builds the index from the database, then applies what changed meanwhile.
    /// Reads the reports in ranges of seqs so that only one range's rows
    /// are in memory beside the index; reports of linked groups wait until
    /// every range is read.
    pub fn build(&self, conn: &mut DbConn) -> Result<(), ApiError> {
        let started = Instant::now();
        log::info!("reach index: building from the database");
        let mut follower = self.follower.lock().expect("follower lock");
        // Before loading: changes committed during the load are read again.
        let cursor = log_table::cursor_now(conn)?;
        let mut index = Index::with_units(log_table::load_units(conn)?);
        let (reports, attendances, people) = log_table::build_sizes(conn)?;
        let size = |n: i64| usize::try_from(n).unwrap_or(0);
        index.reserve(size(reports), size(attendances), size(people));
        let linked: HashSet<i64> = log_table::linked_groups(conn)?.into_iter().collect();
        let last = log_table::max_report_seq(conn)?;
        let (mut held, mut held_sets) = (Vec::new(), HashMap::new());
        let mut reports_read = 0usize;
        let mut logged = Instant::now();
        let mut from = 0;
        while from <= last {
            if self.stopping.load(Ordering::SeqCst) {
                log::info!(
                    "reach index: build abandoned after {reports_read} reports: the service is stopping"
                );
                return Err(ApiError::Unavailable("the service is stopping".into()));
            }
            let to = from + BUILD_RANGE;
            let (reports, mut sets) = log_table::load_reports(conn, Which::Seqs(from, to))?;
            reports_read += reports.len();
            let (wait, lone): (Vec<_>, Vec<_>) = reports
                .into_iter()
                .partition(|r| linked.contains(&r.group_seq));
            index.insert_reports(&lone, &sets);
            for r in wait {
                if let Some(s) = sets.remove(&r.seq) {
                    held_sets.insert(r.seq, s);
                }
                held.push(r);
            }
            from = to;
            if logged.elapsed() >= Duration::from_secs(2) {
                logged = Instant::now();
                log::info!(
                    "reach index: {reports_read} live reports read ({:.0}% of seqs) in {:.1} s",
                    100.0 * (from.min(last) as f64) / (last.max(1) as f64),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        index.insert_reports(&held, &held_sets);
        index.reorder();
        log::info!(
            "reach index: ready, {} live reports, {} real events, {} identified attendances, \
             {} units, about {} MB, in {:.1} s",
            reports_read,
            index.real_events(),
            index.arena.len(),
            index.units.len(),
            index.approx_bytes() >> 20,
            started.elapsed().as_secs_f64()
        );
        *self.index.write().expect("index lock") = Some(index);
        self.built_in
            .store(started.elapsed().as_secs_f64().to_bits(), Ordering::Relaxed);
        follower.cursor = cursor;
        follower.seen.clear();
        self.apply_changes(conn, &mut follower)
    }

    /// Applies every change committed since the last read of the log.
    pub fn catch_up(&self, conn: &mut DbConn) -> Result<(), ApiError> {
        self.catch_up_since(conn, Instant::now())
    }

    /// Applies every change committed before `since`: nothing to do when a
    /// read of the log started after it (concurrent requests then share
    /// one read).
    fn catch_up_since(&self, conn: &mut DbConn, since: Instant) -> Result<(), ApiError> {
        if !self.is_ready() {
            return Ok(());
        }
        let mut follower = self.follower.lock().expect("follower lock");
        if follower.last_read.is_some_and(|read| read >= since) {
            return Ok(());
        }
        self.apply_changes(conn, &mut follower)
    }

    fn apply_changes(&self, conn: &mut DbConn, f: &mut Follower) -> Result<(), ApiError> {
        let started = Instant::now();
        let (rows, next) = log_table::changes_since(conn, f.cursor)?;
        let new: Vec<_> = rows
            .into_iter()
            .filter(|r| !f.seen.contains_key(&r.seq))
            .collect();
        if !new.is_empty() {
            let reports: Vec<i64> = new
                .iter()
                .filter(|r| r.scope() == Scope::Event)
                .filter_map(|r| r.event_seq)
                .collect();
            let areas_changed = new.iter().any(|r| r.scope() == Scope::Areas);
            let mut groups: BTreeSet<i64> = self
                .index
                .read()
                .expect("index lock")
                .as_ref()
                .map(|i| i.groups_of_reports(reports.iter().copied()))
                .unwrap_or_default();
            groups.extend(log_table::groups_of(conn, &reports)?);
            let group_list: Vec<i64> = groups.iter().copied().collect();
            let (loaded, sets) = log_table::load_reports(conn, Which::Groups(&group_list))?;
            let units = if areas_changed {
                Some(log_table::load_units(conn)?)
            } else {
                None
            };
            let mut guard = self.index.write().expect("index lock");
            if let Some(index) = guard.as_mut() {
                if let Some(units) = units {
                    index.set_units(units);
                }
                index.replace_groups(&groups, &loaded, &sets);
            }
            self.version.fetch_add(1, Ordering::SeqCst);
            self.last_change
                .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
        }
        if let Cursor::Xmin(xmin) = next {
            f.seen.retain(|_, txid| *txid >= xmin);
            f.seen.extend(new.iter().map(|r| (r.seq, r.txid)));
        }
        f.cursor = next;
        f.last_read = Some(started);
        Ok(())
    }

    /// The answer from the index, current with every committed write; None
    /// when the index is off or not built yet (the SQL path answers).
    /// Identical requests that arrive while one is being computed on the
    /// same version of the index wait for its answer instead of computing
    /// it again.
    pub fn answer(
        &self,
        conn: &mut DbConn,
        request: &Request,
    ) -> Result<Option<Arc<Answer>>, ApiError> {
        let arrived = Instant::now();
        if !self.is_ready() {
            return Ok(None);
        }
        self.catch_up_since(conn, arrived)?;
        let key = format!("{}|{request:?}", self.version.load(Ordering::SeqCst));
        let (flight, leader) = {
            let mut flights = self.flights.lock().expect("flights lock");
            match flights.get(&key) {
                Some(f) => (f.clone(), false),
                None => {
                    let f = Arc::new(Flight::default());
                    flights.insert(key.clone(), f.clone());
                    (f, true)
                }
            }
        };
        if !leader {
            let mut slot = flight.answer.lock().expect("flight lock");
            while slot.is_none() {
                slot = flight.done.wait(slot).expect("flight lock");
            }
            if let Some(Some(answer)) = slot.as_ref() {
                return Ok(Some(Arc::clone(answer)));
            }
        }
        // Waiters are released however the leader ends (a panic included).
        let _release = leader.then(|| Release {
            reach: self,
            key: &key,
            flight: &flight,
        });
        let result = self.compute(request);
        if leader {
            *flight.answer.lock().expect("flight lock") =
                Some(result.as_ref().ok().cloned().flatten());
        }
        result
    }

    /// The overlap between agencies from the index, current with every
    /// committed write; None when the index is off or not built yet.
    pub fn overlap(
        &self,
        conn: &mut DbConn,
        request: &Request,
    ) -> Result<Option<Overlap>, ApiError> {
        self.current(conn, |index| analytics::overlap(index, request))
    }

    /// How often people were reached, from the index (as [`Reach::overlap`]).
    pub fn frequency(
        &self,
        conn: &mut DbConn,
        request: &Request,
    ) -> Result<Option<Frequency>, ApiError> {
        self.current(conn, |index| analytics::frequency(index, request))
    }

    /// `f` of the index, after applying every change committed before the call.
    fn current<T>(
        &self,
        conn: &mut DbConn,
        f: impl FnOnce(&Index) -> Result<T, ApiError>,
    ) -> Result<Option<T>, ApiError> {
        let arrived = Instant::now();
        if !self.is_ready() {
            return Ok(None);
        }
        self.catch_up_since(conn, arrived)?;
        let guard = self.index.read().expect("index lock");
        guard.as_ref().map(f).transpose()
    }

    fn compute(&self, request: &Request) -> Result<Option<Arc<Answer>>, ApiError> {
        let guard = self.index.read().expect("index lock");
        match guard.as_ref() {
            Some(index) => {
                let first = crate::aggregates::sql::reads_first(request)
                    .then(|| self.first_days(index, request))
                    .transpose()?;
                query::compute(index, request, first.as_deref()).map(|a| Some(Arc::new(a)))
            }
            None => Ok(None),
        }
    }

    /// Each person's first attendance over the request's history, from
    /// the cache when the last request with the same history was answered
    /// on this version of the index. `index` is read under the lock that
    /// keeps the version.
    fn first_days(&self, index: &Index, request: &Request) -> Result<Arc<first::Firsts>, ApiError> {
        let history = first::history(request);
        let key = format!(
            "{}|{:?}",
            self.version.load(Ordering::SeqCst),
            history.filters
        );
        if let Some((k, days)) = self.firsts.lock().expect("firsts lock").as_ref()
            && *k == key
        {
            return Ok(days.clone());
        }
        let days = Arc::new(first::first_days(index, &history)?);
        *self.firsts.lock().expect("firsts lock") = Some((key, days.clone()));
        Ok(days)
    }

    /// Builds the index, then follows the change log every second, until
    /// the last handle to it is dropped. Runs on the actix runtime; the
    /// database work runs on the blocking pool.
    pub fn start(self: &Arc<Self>) {
        if !self.enabled {
            return;
        }
        let weak: Weak<Self> = Arc::downgrade(self);
        actix_web::rt::spawn(async move {
            loop {
                let Some(reach) = weak.upgrade() else { return };
                let builder = reach.clone();
                let built = actix_web::web::block(move || -> Result<(), ApiError> {
                    let mut conn = builder.pool.get()?;
                    builder.build(&mut conn)
                })
                .await;
                if reach.stopping.load(Ordering::SeqCst) {
                    return;
                }
                drop(reach);
                match built {
                    Ok(Ok(())) => break,
                    Ok(Err(e)) => log::warn!("reach index: build failed, retrying in 5 s: {e}"),
                    Err(e) => log::warn!("reach index: build failed, retrying in 5 s: {e}"),
                }
                actix_web::rt::time::sleep(Duration::from_secs(5)).await;
            }
            loop {
                actix_web::rt::time::sleep(FOLLOW_EVERY).await;
                let Some(reach) = weak.upgrade() else { return };
                let result = actix_web::web::block(move || -> Result<(), ApiError> {
                    let mut conn = reach.pool.get()?;
                    reach.catch_up(&mut conn)?;
                    reach.prune_if_due(&mut conn)
                })
                .await;
                if let Ok(Err(e)) = result {
                    log::debug!("reach index: reading the change log failed: {e}");
                }
            }
        });
    }

    fn prune_if_due(&self, conn: &mut DbConn) -> Result<(), ApiError> {
        let mut f = self.follower.lock().expect("follower lock");
        if f.last_prune.elapsed() < PRUNE_EVERY {
            return Ok(());
        }
        f.last_prune = Instant::now();
        drop(f);
        let before =
            crate::db::now() - chrono::Duration::from_std(KEEP_CHANGES).expect("a small duration");
        let n = log_table::prune(conn, before)?;
        if n > 0 {
            log::debug!("reach index: pruned {n} change rows");
        }
        Ok(())
    }
}
