//! Prometheus metrics: one [`Metrics`] value per process, shared by the
//! request middleware, the connection pool, ingest and aggregates, and
//! rendered in the Prometheus text format by `GET /metrics` on the separate
//! `METRICS_BIND` listener (never on the API's own address).
//!
//! Label values are bounded: routes are templates (`/api/v1/events/{id}`,
//! or `unmatched`), methods the standard ones (any other is `other`: a
//! caller inventing methods adds one series, not one each), agencies are
//! the registered agency codes, outcomes and formats are fixed words.
//! Process metrics (`process_resident_memory_bytes`, open fds, CPU) come
//! from the `prometheus` crate's process collector on Linux; the reach
//! index's size, build time and last change applied are read at scrape
//! time.

use std::sync::Arc;
use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::config::BackendKind;

/// Every metric the service exports, with its registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    pool_wait: Histogram,
    pool_timeouts: IntCounter,
    ingested: IntCounterVec,
    aggregate_duration: HistogramVec,
    index: IntGaugeVec,
    index_build: prometheus::Gauge,
    index_changes: IntGauge,
    index_last_change: IntGauge,
}

/// The reach index as a scrape reports it.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexStats {
    /// Whether it is built (else the SQL path answers).
    pub ready: bool,
    /// Real events held.
    pub events: u64,
    /// Distinct people held.
    pub people: u64,
    /// Seconds the last build took.
    pub build_seconds: f64,
    /// Changes applied since the build.
    pub changes_applied: u64,
    /// When the last change was applied (Unix seconds; 0: none yet).
    pub last_change_unix: i64,
}

/// The HTTP methods counted under their own name; any other is `other`.
const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Latency buckets in seconds, from a cached read to a national aggregate.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Where an ingested event came from.
#[derive(Debug, Clone, Copy)]
pub enum IngestPath {
    /// `POST /events` or `PUT /events/external/{id}`.
    Single,
    /// An item of `POST /events/batch`.
    Batch,
}

impl IngestPath {
    fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Batch => "batch",
        }
    }
}

impl Metrics {
    /// A fresh set of metrics for a service on `backend`.
    pub fn new(backend: BackendKind) -> Arc<Self> {
        let registry = Registry::new_custom(Some("campaign_tracker".into()), None)
            .expect("a valid metric prefix");
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route template, method and status",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from request to response, by route template, method and status",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Pooled database connections, by state (idle or in_use)",
            ),
            &["state"],
        )
        .expect("valid metric");
        let pool_max = IntGauge::new(
            "db_pool_max_connections",
            "Configured pool size (DB_POOL_SIZE)",
        )
        .expect("valid metric");
        let pool_wait = Histogram::with_opts(
            HistogramOpts::new(
                "db_pool_wait_seconds",
                "Time a request waited for a pooled connection (successful checkouts)",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let pool_timeouts = IntCounter::new(
            "db_pool_timeouts_total",
            "Requests that waited DB_TIMEOUT_MS without getting a connection (answered 503)",
        )
        .expect("valid metric");
        let ingested = IntCounterVec::new(
            Opts::new(
                "events_ingested_total",
                "Events received for writing, by agency, path (single or batch) and outcome \
                 (created, updated, unchanged, conflict, invalid, refused); dry runs are not counted",
            ),
            &["agency", "path", "outcome"],
        )
        .expect("valid metric");
        let aggregate_duration = HistogramVec::new(
            HistogramOpts::new(
                "aggregate_duration_seconds",
                "Time to compute an aggregate answer, by engine and format",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["engine", "format"],
        )
        .expect("valid metric");
        let index = IntGaugeVec::new(
            Opts::new(
                "reach_index",
                "The in-memory reach index: ready (1 or 0), events (real events) and people",
            ),
            &["what"],
        )
        .expect("valid metric");
        let index_build = prometheus::Gauge::new(
            "reach_index_build_seconds",
            "Seconds the reach index's last build from the database took",
        )
        .expect("valid metric");
        let index_changes = IntGauge::new(
            "reach_index_changes_applied",
            "Changes from the change log applied to the reach index since its build",
        )
        .expect("valid metric");
        let index_last_change = IntGauge::new(
            "reach_index_last_change_timestamp_seconds",
            "When the reach index last applied a change (Unix time; 0: none since its build)",
        )
        .expect("valid metric");
        let build = IntGaugeVec::new(
            Opts::new(
                "build_info",
                "Always 1; labels name the build and the database backend",
            ),
            &["version", "backend"],
        )
        .expect("valid metric");
        build
            .with_label_values(&[
                env!("CARGO_PKG_VERSION"),
                match backend {
                    BackendKind::Sqlite => "sqlite",
                    BackendKind::Postgres => "postgres",
                },
            ])
            .set(1);
        for m in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_max.clone()),
            Box::new(pool_wait.clone()),
            Box::new(pool_timeouts.clone()),
            Box::new(ingested.clone()),
            Box::new(aggregate_duration.clone()),
            Box::new(index.clone()),
            Box::new(index_build.clone()),
            Box::new(index_changes.clone()),
            Box::new(index_last_change.clone()),
            Box::new(build),
        ] {
            registry.register(m).expect("metric names are unique");
        }
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("process metric names are unique");
        Arc::new(Self {
            registry,
            http_requests,
            http_duration,
            pool_connections,
            pool_max,
            pool_wait,
            pool_timeouts,
            ingested,
            aggregate_duration,
            index,
            index_build,
            index_changes,
            index_last_change,
        })
    }

    /// The reach index's state, read at scrape time.
    pub fn set_index(&self, stats: IndexStats) {
        let gauge = |what: &str, v: u64| {
            self.index
                .with_label_values(&[what])
                .set(i64::try_from(v).unwrap_or(i64::MAX));
        };
        gauge("ready", u64::from(stats.ready));
        gauge("events", stats.events);
        gauge("people", stats.people);
        self.index_build.set(stats.build_seconds);
        self.index_changes
            .set(i64::try_from(stats.changes_applied).unwrap_or(i64::MAX));
        self.index_last_change.set(stats.last_change_unix);
    }

    /// Records one answered request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let method = METHODS
            .iter()
            .find(|m| **m == method)
            .copied()
            .unwrap_or("other");
        let status = status.to_string();
        let labels = [route, method, status.as_str()];
        self.http_requests.with_label_values(&labels).inc();
        self.http_duration
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Counts `n` events of `agency` that ended with `outcome`.
    pub fn ingested(&self, agency: &str, path: IngestPath, outcome: &str, n: u64) {
        if n > 0 {
            self.ingested
                .with_label_values(&[agency, path.as_str(), outcome])
                .inc_by(n);
        }
    }

    /// Records the time one aggregate answer took.
    pub fn observe_aggregate(&self, engine: &str, format: &str, elapsed: Duration) {
        self.aggregate_duration
            .with_label_values(&[engine, format])
            .observe(elapsed.as_secs_f64());
    }

    /// The pool's current state, read at scrape time.
    pub fn set_pool_state(&self, state: r2d2::State, max_size: u32) {
        let idle = i64::from(state.idle_connections);
        self.pool_connections.with_label_values(&["idle"]).set(idle);
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(state.connections) - idle);
        self.pool_max.set(i64::from(max_size));
    }

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("encoding into memory cannot fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }

    /// The handler that lets the pool report checkouts and timeouts here.
    pub fn pool_events(self: &Arc<Self>) -> PoolEvents {
        PoolEvents(self.clone())
    }
}

/// Media type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// r2d2 event handler recording connection waits and timeouts.
#[derive(Debug)]
pub struct PoolEvents(Arc<Metrics>);

impl r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.0.pool_wait.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.0.pool_timeouts.inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family_with_its_labels() {
        let m = Metrics::new(BackendKind::Sqlite);
        m.observe_request("/api/v1/events/{id}", "GET", 200, Duration::from_millis(3));
        m.ingested("police", IngestPath::Batch, "created", 2);
        m.ingested("police", IngestPath::Batch, "conflict", 0);
        m.observe_aggregate("sql", "json", Duration::from_millis(40));
        for invented in ["FOO", "BAR", "get"] {
            m.observe_request("unmatched", invented, 405, Duration::from_millis(1));
        }
        m.set_index(IndexStats {
            ready: true,
            events: 7,
            people: 5,
            build_seconds: 1.5,
            changes_applied: 2,
            last_change_unix: 1_700_000_000,
        });
        let text = m.render();
        // Invented methods fold into one series.
        assert!(
            text.contains(
                r#"campaign_tracker_http_requests_total{method="other",route="unmatched",status="405"} 3"#
            ),
            "{text}"
        );
        assert!(!text.contains("FOO") && !text.contains("method=\"get\""));
        for line in [
            r#"campaign_tracker_reach_index{what="people"} 5"#,
            "campaign_tracker_reach_index_build_seconds 1.5",
            "campaign_tracker_reach_index_last_change_timestamp_seconds 1700000000",
            "campaign_tracker_process_resident_memory_bytes ",
            "campaign_tracker_process_open_fds ",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        for line in [
            r#"campaign_tracker_http_requests_total{method="GET",route="/api/v1/events/{id}",status="200"} 1"#,
            r#"campaign_tracker_events_ingested_total{agency="police",outcome="created",path="batch"} 2"#,
            r#"campaign_tracker_aggregate_duration_seconds_count{engine="sql",format="json"} 1"#,
            r#"campaign_tracker_build_info{backend="sqlite",version=""#,
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert!(
            !text.contains("outcome=\"conflict\""),
            "zero counts are not created"
        );
    }
}
