#!/usr/bin/env bash
# Single sign-on end to end (issue 30): a real OpenID provider (npm
# oidc-provider, pinned, installed once into the tool cache) on 127.0.0.1,
# the service on SQLite with its own data configured for it, and Debian's
# chromium (playwright-core, as scripts/browser.sh) signing in through it:
# scripts/oidc/check.mjs (screenshots under target/oidc/). Accounts: lan
# (agency, lan@example.vn) and minh (viewer, minh@example.vn, disabled);
# the provider also knows nobody@example.vn, who has no account and must
# not get one. Passwords are made here and given on stdin. The provider
# answers the email claim at UserInfo only, as it ships (OpenID Connect Core
# 5.4); OIDC_ID_TOKEN_CLAIMS=1 puts it in the ID token too.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${TOOLS_DIR:-$HOME/.cache/campaign-tracker-tools}
oidc_npm="$tools/oidc-npm"
oidc_pkgs=(oidc-provider@9.13.3)
browser_npm="$tools/browser-npm"
browser_pkgs=(playwright-core@1.65.1)
if ! command -v chromium >/dev/null; then
  echo "oidc: installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
npm_install() { # DIR PKG...
  local dir=$1
  shift
  if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$*" ]; then
    echo "oidc: installing $* into $dir"
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "$@"
    echo "$*" > "$dir/.stamp"
  fi
}
npm_install "$oidc_npm" "${oidc_pkgs[@]}"
npm_install "$browser_npm" "${browser_pkgs[@]}"

# shellcheck source=scripts/lib/service.sh
. scripts/lib/service.sh
provider_pid=""
oidc_cleanup() {
  [ -n "$provider_pid" ] && kill "$provider_pid" 2>/dev/null || true
  service_cleanup
}
trap oidc_cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
password() { python3 -c 'import secrets; print("mk-" + secrets.token_urlsafe(15))'; }

service_prepare
oidc_port=$(free_port)
issuer="http://127.0.0.1:$oidc_port"
client_secret=$(secret)
NODE_PATH="$oidc_npm/node_modules" OIDC_PORT="$oidc_port" OIDC_SECRET="$client_secret" OIDC_OTHER_SECRET="$(secret)" \
  OIDC_REDIRECT_URI="http://$BIND_ADDR/api/v1/session/sso/callback" \
  node scripts/oidc/provider.mjs >"$work/provider.log" 2>&1 &
provider_pid=$!
for _ in $(seq 1 100); do curl -sf "$issuer/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
curl -sf "$issuer/.well-known/openid-configuration" >/dev/null \
  || { cat "$work/provider.log"; echo "oidc: the provider did not start" >&2; exit 1; }

admin=$("$ct" token issue --role admin --label oidc-admin 2>/dev/null)
printf '%s\n' "$(password)" | "$ct" account create --username lan --role agency --agency womens-union \
  --display-name "Nguyễn Thị Lan" --email lan@example.vn --password-stdin >/dev/null
printf '%s\n' "$(password)" | "$ct" account create --username minh --role viewer \
  --display-name "Trần Văn Minh" --email minh@example.vn --password-stdin >/dev/null
"$ct" account disable minh 2>/dev/null
accounts_before=$("$ct" account list 2>/dev/null | wc -l)

export OIDC_ISSUER="$issuer" OIDC_CLIENT_ID=campaign-tracker OIDC_CLIENT_SECRET="$client_secret" OIDC_ACCOUNT_CLAIM=email
service_start oidc
rm -rf target/oidc
mkdir -p target/oidc
failed() {
  echo "--- provider log" >&2; grep '^oidc: ' "$work/provider.log" | tail -n 40 >&2 || true
  echo "--- service log" >&2; tail -n 30 "$work/service.log" >&2
  exit 1
}
NODE_PATH="$browser_npm/node_modules" BASE_URL="http://$BIND_ADDR" CHROMIUM="$(command -v chromium)" \
  OIDC_ISSUER="$issuer" ADMIN="$admin" PROVIDER_LOG="$work/provider.log" OUT=target/oidc \
  node scripts/oidc/check.mjs || failed

# Nobody signed in through the provider made an account.
list=$("$ct" account list 2>/dev/null)
if [ "$(printf '%s\n' "$list" | wc -l)" != "$accounts_before" ] || printf '%s\n' "$list" | cut -f2 | grep -qx nobody; then
  printf '%s\n' "$list" >&2
  echo "oidc: FAILED the sign-ins changed the accounts" >&2
  failed
fi
echo "oidc: ok"
