#!/usr/bin/env bash
# Fuzzes the running service from its own OpenAPI document with schemathesis
# (every check runs: all are on by default; schemathesis.toml records, with
# reasons, the few per-operation exceptions),
# on SQLite and on PostgreSQL, once per role (admin, agency, viewer).
# Usage: scripts/fuzz.sh [sqlite|postgres|both]   (default both)
# Env: FUZZ_EXAMPLES (per operation, default 40), TEST_DATABASE_URL for PostgreSQL,
# FUZZ_ALL_ROLES=1 to run every role even after one failed (to see every failure),
# FUZZ_SEED (default 42) to try other sequences than CI's.
set -euo pipefail
cd "$(dirname "$0")/.."
which_db=${1:-both}
examples=${FUZZ_EXAMPLES:-40}
seed=${FUZZ_SEED:-42}
tools=${TOOLS_DIR:-$HOME/.cache/campaign-tracker-tools}
venv="$tools/st-venv"
st_version=4.32.5
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$st_version"; then
  echo "fuzz: installing schemathesis $st_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$st_version"
fi
cargo build -q
bin=target/debug/campaign-tracker
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  [ -n "${pgdb:-}" ] && psql "${TEST_DATABASE_URL}" -qc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

run_one() {
  local name=$1 url=$2
  local dir="$work/$name"
  mkdir -p "$dir"
  export DATA_DIR="$dir" DATABASE_URL="$url" RUST_LOG=warn RATE_LIMIT_PER_MINUTE=0 DB_TIMEOUT_MS=3000
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export BIND_ADDR="127.0.0.1:$port"
  local admin agency viewer
  admin=$("$bin" token issue --role admin --label fuzz-admin)
  agency=$("$bin" token issue --role agency --agency police --label fuzz-agency)
  viewer=$("$bin" token issue --role viewer --label fuzz-viewer)
  "$bin" serve >"$dir/service.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://$BIND_ADDR/readyz" >/dev/null && break; sleep 0.2; done
  curl -sf "http://$BIND_ADDR/readyz" >/dev/null || { cat "$dir/service.log"; echo "fuzz: service did not start" >&2; exit 1; }
  local status=0
  # Each role fuzzes the operations it may call (refusals of the others are
  # integration-tested); agency and viewer first, since the admin run may
  # deactivate agencies. Revoking tokens is left out: a run would revoke its own.
  # A person's own session routes need the session cookie, which a token
  # run has not (every call would be 401): tests/api/accounts.rs covers them.
  local person_only=(--exclude-name "GET /api/v1/session" --exclude-name "DELETE /api/v1/session"
    --exclude-name "POST /api/v1/session/password" --exclude-name "POST /api/v1/session/totp"
    --exclude-name "POST /api/v1/session/totp/confirm")
  local admin_only=("${person_only[@]}" --exclude-name "GET /api/v1/accounts" --exclude-name "POST /api/v1/accounts"
    --exclude-name "GET /api/v1/accounts/{id}" --exclude-name "PATCH /api/v1/accounts/{id}"
    --exclude-name "POST /api/v1/accounts/{id}/reset-password"
    --exclude-name "POST /api/v1/agencies" --exclude-name "PATCH /api/v1/agencies/{code}"
    --exclude-name "POST /api/v1/tokens" --exclude-name "GET /api/v1/tokens" --exclude-name "DELETE /api/v1/tokens/{id}"
    --exclude-name "GET /api/v1/audit" --exclude-name "GET /api/v1/audit/short-lived-events" --exclude-name "POST /api/v1/areas" --exclude-name "POST /api/v1/areas/import"
    --exclude-name "POST /api/v1/areas/successors/import" --exclude-name "POST /api/v1/periods"
    --exclude-name "POST /api/v1/periods/{period}/reopen" --exclude-name "POST /api/v1/publications"
    --exclude-name "POST /api/v1/privacy/requests" --exclude-name "GET /api/v1/privacy/requests"
    --exclude-name "GET /api/v1/privacy/requests/{id}" --exclude-name "POST /api/v1/privacy/requests/{id}/extend"
    --exclude-name "POST /api/v1/privacy/requests/{id}/complete"
    --exclude-name "POST /api/v1/privacy/breaches" --exclude-name "GET /api/v1/privacy/breaches"
    --exclude-name "GET /api/v1/privacy/breaches/{id}" --exclude-name "POST /api/v1/privacy/breaches/{id}/notified"
    --exclude-name "POST /api/v1/privacy/retention" --exclude-name "GET /api/v1/privacy/register")
  local for_viewer=(--include-name "GET /api/v1/agencies" --include-name "GET /api/v1/agencies/{code}"
    --include-name "GET /api/v1/areas" --include-name "GET /api/v1/areas/{code}" --include-name "GET /api/v1/aggregates"
    --include-name "GET /healthz" --include-name "GET /readyz" --include-name "GET /api/v1/periods"
    --include-name "GET /api/v1/publications" --include-name "GET /api/v1/publications/{period}"
    --include-name "GET /api/v1/publications/{period}.csv" --include-name "GET /api/v1/publications/{period}/changes"
    --include-name "GET /api/v1/reports/summary" --include-name "GET /api/v1/whoami")
  local for_admin=("${person_only[@]}" --exclude-name "POST /api/v1/events" --exclude-name "POST /api/v1/events/batch"
    --exclude-name "PUT /api/v1/events/external/{external_id}" --exclude-name "DELETE /api/v1/tokens/{id}")
  for role in agency viewer admin; do
    local token=${!role}
    local filters=()
    case $role in
      agency) filters=("${admin_only[@]}") ;;
      viewer) filters=("${for_viewer[@]}") ;;
      admin) filters=("${for_admin[@]}") ;;
    esac
    echo "fuzz: $name as $role"
    # Through a wrapper: on CPython 3.11, hypothesis's lambda descriptions
    # (ast.parse of a large module) can crash with "SystemError: AST
    # constructor recursion depth mismatch" inside the tool, before any
    # request is sent; a higher recursion limit makes it rare.
    # hypothesis's lambda descriptions are cosmetic: when CPython fails inside
    # them anyway, describe the lambda plainly instead of aborting the run.
    "$venv/bin/python" -c '
import sys, threading
sys.setrecursionlimit(4000)
threading.stack_size(256 * 1024 * 1024)
import hypothesis.internal.lambda_sources as sources
_describe = sources._lambda_description
def _safe_description(f, *args, **kwargs):
    try:
        return _describe(f, *args, **kwargs)
    except (SystemError, RecursionError, KeyError):
        return "lambda: <source unavailable>"
sources._lambda_description = _safe_description
from schemathesis.cli import schemathesis
sys.argv[0] = "st"
sys.exit(schemathesis())' \
      run "http://$BIND_ADDR/openapi.json" "${filters[@]}" \
      -H "Authorization: Bearer $token" \
      --seed "$seed" --max-examples "$examples" --workers 2 \
      --suppress-health-check all \
      >"$dir/st-$role.log" 2>&1 || status=$?
    tail -n 25 "$dir/st-$role.log"
    if [ "$status" != 0 ]; then
      echo "fuzz: schemathesis failed for $name as $role (see above)" >&2
      [ -n "${FUZZ_ALL_ROLES:-}" ] || break
    fi
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  if grep -E "panicked|internal error" "$dir/service.log"; then
    echo "fuzz: the service logged internal errors" >&2; status=1
  fi
  if [ "$status" != 0 ]; then
    rm -rf target/fuzz-last && mkdir -p target && cp -r "$dir" target/fuzz-last
    echo "fuzz: logs kept in target/fuzz-last" >&2
  fi
  return "$status"
}

if [ "$which_db" = sqlite ] || [ "$which_db" = both ]; then
  run_one sqlite "sqlite://$work/fuzz.db"
fi
if [ "$which_db" = postgres ] || [ "$which_db" = both ]; then
  : "${TEST_DATABASE_URL:?set TEST_DATABASE_URL to fuzz PostgreSQL}"
  pgdb="ct_fuzz_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $pgdb" >/dev/null
  run_one postgres "${TEST_DATABASE_URL%/*}/$pgdb"
fi
echo "fuzz: ok"
