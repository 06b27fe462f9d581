# Sourced by the scripts that run the service on its own SQLite data
# (clients.sh, browser.sh): a temporary directory `$work` removed on exit
# with the service, the debug binary `$ct`, a free `BIND_ADDR`, and
# `service_start NAME`, which starts it and waits until it is ready.
work=$(mktemp -d)
pid=""
service_cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap service_cleanup EXIT

# The binary and its environment: tokens may be issued before it starts.
service_prepare() {
  cargo build -q
  export DATA_DIR="$work/data" RUST_LOG=warn RATE_LIMIT_PER_MINUTE=0
  unset DATABASE_URL
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export BIND_ADDR="127.0.0.1:$port"
  ct=target/debug/campaign-tracker
}

service_start() {
  "$ct" serve >"$work/service.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do curl -sf "http://$BIND_ADDR/readyz" >/dev/null && break; sleep 0.2; done
  curl -sf "http://$BIND_ADDR/readyz" >/dev/null || { cat "$work/service.log"; echo "$1: service did not start" >&2; exit 1; }
}
