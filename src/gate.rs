//! Places, per token and in all (issue 29). [`Gate`] bounds heavy answers
//! (`AppState::heavy`) and, with no bound in all, every request of one
//! token (`AppState::requests`, `TOKEN_REQUESTS_AT_ONCE`: one caller never
//! holds more than its share of the database pool).
//!
//! Heavy answers: aggregates and reach analytics are
//! computed in memory, and a few large ones at once could exhaust it. The
//! service computes at most `global` at once and each token at most
//! `per_token` of them (one token never holds more than its share of the
//! pool or the memory); a request waits for a place up to [`QUEUE_WAIT`]
//! (a short queue: a dashboard's page sends six at once), then gets `503`
//! with `Retry-After`. A token with [`IN_FLIGHT_PER_PLACE`] times
//! `per_token` requests already running or waiting gets `429` with
//! `Retry-After`.
//!
//! A place is held until the client has read the whole answer
//! ([`Pass::hold`]), not only while it is computed: otherwise clients that
//! read slowly (or many at once) would pile finished answers up in memory
//! behind the places, unbounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

use crate::error::ApiError;

/// How long a request waits for one of the `global` places.
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);
/// How often a waiting request looks for a free place.
const POLL: Duration = Duration::from_millis(25);
/// Requests one token may have running or waiting, per place it may hold.
pub const IN_FLIGHT_PER_PLACE: usize = 4;

/// The places for heavy answers.
#[derive(Debug)]
pub struct Gate {
    global: usize,
    per_token: usize,
    /// What the 503 says when no place came free in time.
    busy: &'static str,
    state: Mutex<Places>,
}

#[derive(Debug, Default)]
struct Places {
    running: usize,
    /// Per token: answers running, and requests running or waiting.
    by_token: HashMap<String, (usize, usize)>,
}

/// A place held while an answer is computed and written; freed on drop.
#[derive(Debug)]
pub struct Pass {
    gate: Arc<Gate>,
    token: String,
    counted_globally: bool,
    /// The answer's cells, once it knows them ([`Pass::with`]).
    share: Option<Share>,
}

/// The budget of answer cells being written at once.
#[derive(Debug)]
pub struct Cells {
    capacity: usize,
    used: Mutex<usize>,
}

/// Cells taken from [`Cells`] for one answer; given back on drop.
#[derive(Debug)]
pub struct Share {
    cells: Arc<Cells>,
    n: usize,
}

impl Drop for Share {
    fn drop(&mut self) {
        if let Ok(mut used) = self.cells.used.lock() {
            *used = used.saturating_sub(self.n);
        }
    }
}

impl Cells {
    /// A budget of `capacity` cells at once.
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Cells {
            capacity: capacity.max(1),
            used: Mutex::new(0),
        })
    }

    /// Takes `n` cells, waiting up to [`QUEUE_WAIT`] for them (503 then).
    /// An answer larger than the whole budget takes all of it: it is
    /// written alone.
    pub async fn take(self: &Arc<Self>, n: usize) -> Result<Share, ApiError> {
        self.take_within(n, QUEUE_WAIT).await
    }

    async fn take_within(self: &Arc<Self>, n: usize, wait: Duration) -> Result<Share, ApiError> {
        let n = n.clamp(1, self.capacity);
        wait_until(
            wait,
            "the service is writing as many large answers as it can at once; retry shortly",
            || {
                let mut used = self.used.lock().expect("cells lock");
                let fits = *used + n <= self.capacity;
                if fits {
                    *used += n;
                }
                fits
            },
        )
        .await?;
        Ok(Share {
            cells: self.clone(),
            n,
        })
    }
}

/// Asks `ready` every [`POLL`] until it says yes (it takes what it
/// waited for), for up to `wait`; then a 503 saying `busy`.
async fn wait_until(
    wait: Duration,
    busy: &str,
    mut ready: impl FnMut() -> bool,
) -> Result<(), ApiError> {
    let started = Instant::now();
    loop {
        if ready() {
            return Ok(());
        }
        if started.elapsed() >= wait {
            return Err(ApiError::Unavailable(busy.into()));
        }
        actix_web::rt::time::sleep(POLL).await;
    }
}

/// The size of the slices a held answer is written in: the HTTP layer asks
/// for the next one only when it has sent the last, so an answer keeps its
/// place until the client has read it.
const SLICE: usize = 64 * 1024;

impl Pass {
    /// This place, holding the answer's cells too (given back with it).
    pub fn with(mut self, share: Share) -> Self {
        self.share = Some(share);
        self
    }

    /// An answer's body that keeps this place until it has been written
    /// out to the client (or the client went away).
    pub fn hold(self, body: impl Into<Bytes>) -> Held {
        self.hold_parts(vec![body.into()])
    }

    /// [`Pass::hold`] for a body in parts, answered one after the other.
    pub fn hold_parts(self, parts: Vec<Bytes>) -> Held {
        Held {
            size: parts.iter().map(Bytes::len).sum(),
            parts: parts.into(),
            _pass: self,
        }
    }
}

/// A body holding its place; see [`Pass::hold`].
#[derive(Debug)]
pub struct Held {
    parts: std::collections::VecDeque<Bytes>,
    size: usize,
    _pass: Pass,
}

impl actix_web::body::MessageBody for Held {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Sized(self.size as u64)
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        let parts = &mut self.get_mut().parts;
        while parts.front().is_some_and(Bytes::is_empty) {
            parts.pop_front();
        }
        let Some(front) = parts.front_mut() else {
            return std::task::Poll::Ready(None);
        };
        let slice = front.split_to(SLICE.min(front.len()));
        std::task::Poll::Ready(Some(Ok(slice)))
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        if let Ok(mut p) = self.gate.state.lock() {
            if self.counted_globally {
                p.running = p.running.saturating_sub(1);
            }
            if let Some((running, in_flight)) = p.by_token.get_mut(&self.token) {
                if self.counted_globally {
                    *running = running.saturating_sub(1);
                }
                *in_flight = in_flight.saturating_sub(1);
                if *in_flight == 0 {
                    p.by_token.remove(&self.token);
                }
            }
        }
    }
}

impl Gate {
    /// At most `global` places taken at once, `per_token` per token; a
    /// request that waited in vain gets a 503 saying `busy`.
    pub fn new(global: usize, per_token: usize, busy: &'static str) -> Arc<Self> {
        Arc::new(Gate {
            global: global.max(1),
            per_token: per_token.max(1),
            busy,
            state: Mutex::new(Places::default()),
        })
    }

    /// A place for `token`'s heavy answer, waiting up to [`QUEUE_WAIT`]
    /// (503 then); 429 when the token already has too many in flight.
    pub async fn enter(self: &Arc<Self>, token: &str) -> Result<Pass, ApiError> {
        self.enter_within(token, QUEUE_WAIT).await
    }

    async fn enter_within(self: &Arc<Self>, token: &str, wait: Duration) -> Result<Pass, ApiError> {
        let mut pass = {
            let mut p = self.state.lock().expect("gate lock");
            let (_, in_flight) = p.by_token.entry(token.to_string()).or_default();
            if *in_flight >= self.per_token * IN_FLIGHT_PER_PLACE {
                return Err(ApiError::TooManyRequests { retry_after: 1 });
            }
            *in_flight += 1;
            Pass {
                gate: self.clone(),
                token: token.to_string(),
                counted_globally: false,
                share: None,
            }
        };
        // On a 503, dropping `pass` gives the token's place in the queue
        // back.
        wait_until(wait, self.busy, || {
            let mut guard = self.state.lock().expect("gate lock");
            let p = &mut *guard;
            let mine = p.by_token.entry(token.to_string()).or_default();
            let free = p.running < self.global && mine.0 < self.per_token;
            if free {
                mine.0 += 1;
                p.running += 1;
            }
            free
        })
        .await?;
        pass.counted_globally = true;
        Ok(pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_token_holds_its_share_and_the_service_its_places() {
        let gate = Gate::new(3, 2, "busy");
        let short = Duration::from_millis(100);
        let a1 = gate.enter("a").await.unwrap();
        let _a2 = gate.enter("a").await.unwrap();
        // A third at once for the same token waits for one of its two.
        assert!(matches!(
            gate.enter_within("a", short).await,
            Err(ApiError::Unavailable(_))
        ));
        let _b1 = gate.enter("b").await.unwrap();
        // Every place is taken: another token waits, then gets 503.
        assert!(matches!(
            gate.enter_within("c", short).await,
            Err(ApiError::Unavailable(_))
        ));
        // A freed place is taken by the one waiting.
        let waiting = {
            let gate = gate.clone();
            actix_web::rt::spawn(async move { gate.enter("c").await.map(|_| ()) })
        };
        actix_web::rt::time::sleep(Duration::from_millis(60)).await;
        drop(a1);
        waiting.await.unwrap().unwrap();
        // And the token got its place back.
        let _a3 = gate.enter("a").await.unwrap();
        assert!(gate.state.lock().unwrap().running <= 3);
    }

    #[actix_web::test]
    async fn answers_share_one_budget_of_cells() {
        let cells = Cells::new(100);
        let short = Duration::from_millis(100);
        let a = cells.take(60).await.unwrap();
        let b = cells.take(40).await.unwrap();
        // The budget is spent: even a small answer waits, then gets 503.
        assert!(matches!(
            cells.take_within(1, short).await,
            Err(ApiError::Unavailable(_))
        ));
        drop(b);
        let _c = cells.take(30).await.unwrap();
        assert!(matches!(
            cells.take_within(11, short).await,
            Err(ApiError::Unavailable(_))
        ));
        // One larger than the whole budget waits until it is all free,
        // then is written alone.
        let waiting = {
            let cells = cells.clone();
            actix_web::rt::spawn(async move { cells.take(1_000).await.map(|s| s.n) })
        };
        actix_web::rt::time::sleep(Duration::from_millis(60)).await;
        drop(a);
        drop(_c);
        assert_eq!(waiting.await.unwrap().unwrap(), 100);
        assert_eq!(*cells.used.lock().unwrap(), 0, "every share was given back");
        // A place holding a share gives it back with the place.
        let gate = Gate::new(1, 1, "busy");
        let pass = gate
            .enter("a")
            .await
            .unwrap()
            .with(cells.take(70).await.unwrap());
        assert_eq!(*cells.used.lock().unwrap(), 70);
        drop(pass.hold(Bytes::from_static(b"answer")));
        assert_eq!(*cells.used.lock().unwrap(), 0);
    }

    #[actix_web::test]
    async fn a_token_with_too_many_in_flight_gets_429() {
        let gate = Gate::new(1, 1, "busy");
        let _running = gate.enter("a").await.unwrap();
        let waiting: Vec<_> = (0..IN_FLIGHT_PER_PLACE - 1)
            .map(|_| {
                let gate = gate.clone();
                actix_web::rt::spawn(async move {
                    gate.enter_within("a", Duration::from_millis(300))
                        .await
                        .map(|_| ())
                })
            })
            .collect();
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        assert!(matches!(
            gate.enter("a").await,
            Err(ApiError::TooManyRequests { .. })
        ));
        for w in waiting {
            assert!(matches!(w.await.unwrap(), Err(ApiError::Unavailable(_))));
        }
        // The queue emptied: the token may wait again.
        assert!(gate.state.lock().unwrap().by_token["a"].1 == 1);
    }
}
