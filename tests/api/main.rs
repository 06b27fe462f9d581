//! Integration tests: the real application over HTTP, on SQLite always and on
//! PostgreSQL when `TEST_DATABASE_URL` is set (`.ci/run` sets it). Without it
//! the PostgreSQL variants say `SKIPPED (PostgreSQL)` in the output; with
//! `CT_REQUIRE_POSTGRES=1` they fail instead (see `tests/common/pg.rs`).

mod helpers;
#[path = "../common/pg.rs"]
mod pg;

mod access;
mod accounts;
mod aggregates;
mod analytics;
mod areas;
mod bounds;
mod breaches;
mod cli;
mod consent;
mod contract;
mod corrections;
mod dashboard;
mod documents;
mod drill;
mod events;
mod foundation;
mod hardening;
mod http_semantics;
mod identifiers;
mod imports;
mod keys;
mod legal_basis;
mod metrics;
mod migrations;
mod periods;
mod privacy;
mod publications;
mod races;
mod reach;
mod readme;
mod reporting_periods;
mod reports;
mod republish;
mod retention;
mod short_lived;
mod stake;
mod storage;
mod sync;
mod tallies;
