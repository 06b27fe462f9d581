#!/usr/bin/env bash
# The contract as integrators meet it: lints openapi/openapi.json with Redocly
# CLI and Spectral (0 errors; every remaining warning listed with its reason
# in .redocly.lint-ignore.yaml / .spectral.yaml), generates a TypeScript type
# file (openapi-typescript) and type-checks code using it (tsc --strict),
# generates a Python client (openapi-python-client) and runs a smoke script
# with it against the real service (scripts/clients/smoke.py), which also
# reads the CSV with pandas. Tools are installed once into a cache, pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${TOOLS_DIR:-$HOME/.cache/campaign-tracker-tools}
npm_dir="$tools/npm"
venv="$tools/clients-venv"
npm_pkgs=(@redocly/cli@2.77.0 @stoplight/spectral-cli@6.16.3 openapi-typescript@7.13.0 typescript@5.9.3)
py_pkgs=(openapi-python-client==0.29.1 pandas==3.1.1 libhxl==5.2.2 six==1.17.0)
stamp="${npm_pkgs[*]}"
if [ "$(cat "$npm_dir/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "clients: installing ${npm_pkgs[*]} into $npm_dir"
  mkdir -p "$npm_dir"
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" "${npm_pkgs[@]}"
  echo "$stamp" > "$npm_dir/.stamp"
fi
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "${py_pkgs[*]}" ]; then
  echo "clients: installing ${py_pkgs[*]} into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${py_pkgs[@]}"
  echo "${py_pkgs[*]}" > "$venv/.stamp"
fi
bin="$npm_dir/node_modules/.bin"
doc=openapi/openapi.json

echo "clients: redocly lint"
"$bin/redocly" lint "$doc" --format=summary
echo "clients: spectral lint"
"$bin/spectral" lint -r .spectral.yaml --fail-severity=warn "$doc"

# shellcheck source=scripts/lib/service.sh
. scripts/lib/service.sh

echo "clients: openapi-typescript + tsc --strict"
"$bin/openapi-typescript" "$doc" -o "$work/api.d.ts" >/dev/null
cp scripts/clients/check.ts "$work/check.ts"
"$bin/tsc" --strict --noEmit --target es2020 --moduleResolution node "$work/check.ts"

echo "clients: openapi-python-client"
# It warns that it skips the text/csv variant of the import bodies (it
# generates their file-upload variant): warnings are expected, errors fail.
"$venv/bin/openapi-python-client" generate --path "$doc" \
  --output-path "$work/campaign_tracker_client" --meta none >"$work/generate.log" 2>&1 \
  || { cat "$work/generate.log"; exit 1; }

echo "clients: smoke run against the service"
service_prepare
admin=$("$ct" token issue --role admin --label clients-admin 2>/dev/null)
police=$("$ct" token issue --role agency --agency police --label clients-police 2>/dev/null)
women=$("$ct" token issue --role agency --agency womens-union --label clients-women 2>/dev/null)
viewer=$("$ct" token issue --role viewer --label clients-viewer 2>/dev/null)
service_start clients
PYTHONPATH="$work" BASE_URL="http://$BIND_ADDR" ADMIN="$admin" POLICE="$police" WOMEN="$women" VIEWER="$viewer" \
  "$venv/bin/python" scripts/clients/smoke.py
echo "clients: ok"
