#!/usr/bin/env bash
# The dashboard in a real browser: Debian's chromium (installed with apt
# when missing) driven by npm playwright-core (installed once into the tool
# cache, pinned). Starts the service on SQLite with its own data, with
# tokens and people's accounts (a clerk of the Women's Union, an official
# who reads figures, and three for the password reset, the second factor
# and a disabled account; passwords made here, given on stdin), and a
# second one on data of its own that requires admins to use two-step
# verification (REQUIRE_ADMIN_MFA=true, one admin), and runs
# scripts/browser/check.mjs, which writes screenshots under target/browser/
# (ISSUE33_ONLY=1 or FORMS_ONLY=1: one part of it alone).
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
# The reports downloaded by the page are read back: Word with unzip, PDF
# with poppler's pdftotext.
missing=()
command -v unzip >/dev/null || missing+=(unzip)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "browser: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The clerk's workbooks are filled in the service's own template with
# openpyxl (scripts/browser/workbook.py), as a spreadsheet program would.
venv="$tools/browser-venv"
py_pkgs=(openpyxl==3.1.5)
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "${py_pkgs[*]}" ]; then
  echo "browser: installing ${py_pkgs[*]} into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${py_pkgs[@]}"
  echo "${py_pkgs[*]}" > "$venv/.stamp"
fi
export WORKBOOK_PYTHON="$venv/bin/python"
if [ "$(cat "$npm_dir/.stamp" 2>/dev/null)" != "${pkgs[*]}" ]; then
  echo "browser: installing ${pkgs[*]} into $npm_dir"
  mkdir -p "$npm_dir"
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" "${pkgs[@]}"
  echo "${pkgs[*]}" > "$npm_dir/.stamp"
fi

# The picker's periods under both reporting rules (REPORTING_PERIODS).
node scripts/browser/period-rule.mjs

# shellcheck source=scripts/lib/service.sh
. scripts/lib/service.sh

service_prepare
admin=$("$ct" token issue --role admin --label browser-admin 2>/dev/null)
police=$("$ct" token issue --role agency --agency police --label browser-police 2>/dev/null)
women=$("$ct" token issue --role agency --agency womens-union --label browser-women 2>/dev/null)
viewer=$("$ct" token issue --role viewer --label browser-viewer 2>/dev/null)
public=$("$ct" token issue --role viewer --public --label browser-public 2>/dev/null)
password() { python3 -c 'import secrets; print("mk-" + secrets.token_urlsafe(15))'; }
clerk_password=$(password)
official_password=$(password)
printf '%s\n' "$clerk_password" | "$ct" account create --username lan.nguyen --role agency --agency womens-union \
  --display-name "Nguyễn Thị Lan" --password-stdin >/dev/null
printf '%s\n' "$official_password" | "$ct" account create --username minh.tran --role viewer \
  --display-name "Trần Văn Minh" --password-stdin >/dev/null
# An official whose password an admin reset (a one-time password to
# change first), one with a second factor (enrolled by the test), one disabled.
printf '%s\n' "$(password)" | "$ct" account create --username thu.le --role agency --agency police \
  --display-name "Lê Thị Thu" --password-stdin >/dev/null
reset_password=$("$ct" account reset-password thu.le 2>/dev/null)
# An administrator who locks, publishes and manages accounts from the page.
admin_password=$(password)
printf '%s\n' "$admin_password" | "$ct" account create --username quan.tri --role admin \
  --display-name "Hoàng Văn Quản" --password-stdin >/dev/null
totp_password=$(password)
printf '%s\n' "$totp_password" | "$ct" account create --username binh.do --role viewer \
  --display-name "Đỗ Văn Bình" --password-stdin >/dev/null
disabled_password=$(password)
printf '%s\n' "$disabled_password" | "$ct" account create --username hoa.pham --role viewer \
  --display-name "Phạm Thị Hoa" --password-stdin >/dev/null
"$ct" account disable hoa.pham 2>/dev/null
# The second service: its own data, one admin who must enrol first.
mfa_password=$(password)
# (The command warns that it makes a new, empty service: that is the point.)
printf '%s\n' "$mfa_password" | DATA_DIR="$work/data-mfa" "$ct" account create --username an.vu --role admin \
  --display-name "Vũ Văn An" --password-stdin >/dev/null 2>"$work/mfa-account.log" \
  || { cat "$work/mfa-account.log"; exit 1; }
service_start browser
mfa_addr="127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATA_DIR="$work/data-mfa" BIND_ADDR="$mfa_addr" REQUIRE_ADMIN_MFA=true "$ct" serve >"$work/service-mfa.log" 2>&1 &
mfa_pid=$!
trap 'kill "$mfa_pid" 2>/dev/null || true; service_cleanup' EXIT
for _ in $(seq 1 150); do curl -sf "http://$mfa_addr/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "http://$mfa_addr/readyz" >/dev/null || { cat "$work/service-mfa.log"; echo "browser: the second service did not start" >&2; exit 1; }
# A third service whose months run from the 15th to the 14th (Decree
# 09/2019/NĐ-CP, REPORTING_PERIODS=decree-09): the picker cuts by its rule.
d9_viewer=$(DATA_DIR="$work/data-d9" REPORTING_PERIODS=decree-09 "$ct" token issue --role viewer --label browser-d9 2>/dev/null)
d9_addr="127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATA_DIR="$work/data-d9" BIND_ADDR="$d9_addr" REPORTING_PERIODS=decree-09 "$ct" serve >"$work/service-d9.log" 2>&1 &
d9_pid=$!
trap 'kill "$mfa_pid" "$d9_pid" 2>/dev/null || true; service_cleanup' EXIT
for _ in $(seq 1 150); do curl -sf "http://$d9_addr/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "http://$d9_addr/readyz" >/dev/null || { cat "$work/service-d9.log"; echo "browser: the Decree 09 service did not start" >&2; exit 1; }
mkdir -p target/browser
NODE_PATH="$npm_dir/node_modules" BASE_URL="http://$BIND_ADDR" CHROMIUM="$(command -v chromium)" \
  ADMIN="$admin" POLICE="$police" WOMEN="$women" VIEWER="$viewer" PUBLIC_TOKEN="$public" OUT=target/browser \
  CLERK_USER=lan.nguyen CLERK_PASSWORD="$clerk_password" OFFICIAL_USER=minh.tran OFFICIAL_PASSWORD="$official_password" \
  RESET_USER=thu.le RESET_PASSWORD="$reset_password" TOTP_USER=binh.do TOTP_PASSWORD="$totp_password" \
  DISABLED_USER=hoa.pham DISABLED_PASSWORD="$disabled_password" ADMIN_USER=quan.tri ADMIN_PASSWORD="$admin_password" \
  MFA_BASE_URL="http://$mfa_addr" MFA_ADMIN_USER=an.vu MFA_ADMIN_PASSWORD="$mfa_password" \
  D9_BASE_URL="http://$d9_addr" D9_VIEWER="$d9_viewer" \
  node scripts/browser/check.mjs || { tail -n 30 "$work/service.log"; tail -n 30 "$work/service-mfa.log"; exit 1; }
echo "browser: ok"
