#!/usr/bin/env bash
# Benchmarks: builds the release binaries, then runs scripts/bench.py.
#   scripts/bench.sh --quick   # small dataset, under 2 minutes
#   scripts/bench.sh           # full: ingest on small, aggregates on national
# Needs the local PostgreSQL (127.0.0.1:5432, user root) and pgbench, psql,
# sqlite3 (installed from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pgbench >/dev/null || ! command -v sqlite3 >/dev/null; then
  apt-get update -qq && apt-get install -y -qq postgresql-client sqlite3 >/dev/null
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
cargo build --release --quiet --bin campaign-tracker --example bench_client
exec python3 scripts/bench.py "$@"
