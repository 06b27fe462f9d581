#!/usr/bin/env bash
# The signed report as its readers open it (issue 33): runs the service on
# its own SQLite data with the shipped units and a letterhead, posts a
# quarter of Bắc Kạn's activities, downloads the report as Word and PDF, and
# reads them back with python-docx, LibreOffice (the Word file converted
# to PDF there), pdftotext, pdfinfo and pdffonts
# (scripts/documents/check.py): the national title and motto, the issuing
# body, the area and the quarter named, each agency's and each district's
# figures equal to GET /aggregates and to the test's own model, the
# signature block, page numbers from page 2, A4, fonts embedded; a report
# filtered by agency or topic states it and its figures match. Then a
# workbook saved by LibreOffice Calc imports exactly as the service's own
# template does (scripts/documents/imports.py, issue 32).
# `--image` also writes page 1 to docs/report-page-1.png (the README's image).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${TOOLS_DIR:-$HOME/.cache/campaign-tracker-tools}
venv="$tools/documents-venv"
py_pkgs=(python-docx==1.2.0 openpyxl==3.1.5)
if ! command -v pdftotext >/dev/null || ! command -v pdffonts >/dev/null; then
  echo "documents: installing poppler-utils"
  apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null
fi
if ! command -v soffice >/dev/null; then
  echo "documents: installing LibreOffice Writer (headless), to open the Word file as offices do"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null
fi
# Offices open the Word file with Times New Roman; LibreOffice substitutes
# its metric-compatible twin, Liberation Serif, when installed (else a
# wider font, which would wrap the national title as no office sees it).
if ! fc-list 2>/dev/null | grep -qi "Liberation Serif"; then
  echo "documents: installing fonts-liberation2 (metric-compatible with Times New Roman)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-liberation2 >/dev/null
fi
if ! dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 && ! dpkg -s libreoffice-calc >/dev/null 2>&1; then
  echo "documents: installing LibreOffice Calc (headless), to save a workbook as a clerk's spreadsheet program does"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
fi
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "${py_pkgs[*]}" ]; then
  echo "documents: installing ${py_pkgs[*]} into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${py_pkgs[@]}"
  echo "${py_pkgs[*]}" > "$venv/.stamp"
fi

. scripts/lib/service.sh
service_prepare
export REPORT_ISSUER="UBND TỈNH BẮC KẠN/SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
export REPORT_NUMBER_SYMBOL="BC-SLĐTBXH" REPORT_PLACE="Bắc Kạn"
export REPORT_ADDRESSEE="Ủy ban nhân dân tỉnh Bắc Kạn"
export REPORT_RECIPIENTS="Bộ Lao động - Thương binh và Xã hội;UBND tỉnh (để b/c);Lưu: VT, PCTNXH."
export REPORT_SIGNER="KT. GIÁM ĐỐC/PHÓ GIÁM ĐỐC" REPORT_SIGNER_NAME="Nguyễn Văn An"
admin=$("$ct" token issue --role admin --label documents-admin 2>/dev/null)
viewer=$("$ct" token issue --role viewer --label documents-viewer 2>/dev/null)
women=$("$ct" token issue --role agency --agency womens-union --label documents-women 2>/dev/null)
service_start documents
image=""
[ "${1:-}" = "--image" ] && image="docs/report-page-1.png"
BASE_URL="http://$BIND_ADDR" ADMIN="$admin" VIEWER="$viewer" CT="$ct" OUT="$work" IMAGE="$image" \
  "$venv/bin/python" scripts/documents/check.py
# A workbook saved by LibreOffice Calc imports as the template does (issue 32).
BASE_URL="http://$BIND_ADDR" WOMEN="$women" OUT="$work" "$venv/bin/python" scripts/documents/imports.py
echo "documents: ok"
