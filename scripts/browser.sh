#!/usr/bin/env bash
# The dashboard in a real browser: Debian's chromium (installed with apt
# when missing) driven by npm playwright-core (installed once into the tool
# cache, pinned). Starts the service on SQLite with its own data, and runs
# scripts/browser/check.mjs, which writes screenshots under target/browser/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${TOOLS_DIR:-$HOME/.cache/campaign-tracker-tools}
npm_dir="$tools/browser-npm"
pkgs=(playwright-core@1.65.1)
if ! command -v chromium >/dev/null; then
  echo "browser: installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ "$(cat "$npm_dir/.stamp" 2>/dev/null)" != "${pkgs[*]}" ]; then
  echo "browser: installing ${pkgs[*]} into $npm_dir"
  mkdir -p "$npm_dir"
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" "${pkgs[@]}"
  echo "${pkgs[*]}" > "$npm_dir/.stamp"
fi

# shellcheck source=scripts/lib/service.sh
. scripts/lib/service.sh

service_prepare
admin=$("$ct" token issue --role admin --label browser-admin 2>/dev/null)
police=$("$ct" token issue --role agency --agency police --label browser-police 2>/dev/null)
women=$("$ct" token issue --role agency --agency womens-union --label browser-women 2>/dev/null)
viewer=$("$ct" token issue --role viewer --label browser-viewer 2>/dev/null)
public=$("$ct" token issue --role viewer --public --label browser-public 2>/dev/null)
service_start browser
mkdir -p target/browser
NODE_PATH="$npm_dir/node_modules" BASE_URL="http://$BIND_ADDR" CHROMIUM="$(command -v chromium)" \
  ADMIN="$admin" POLICE="$police" WOMEN="$women" VIEWER="$viewer" PUBLIC_TOKEN="$public" OUT=target/browser \
  node scripts/browser/check.mjs || { tail -n 30 "$work/service.log"; exit 1; }
echo "browser: ok"
