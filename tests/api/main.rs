//! Integration tests: the real application over HTTP, on SQLite always and on
//! PostgreSQL when `TEST_DATABASE_URL` is set (`.ci/run` sets it).

mod helpers;

mod access;
mod aggregates;
mod areas;
mod cli;
mod events;
mod foundation;
mod hardening;
mod migrations;
