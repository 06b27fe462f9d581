"""A workbook from a real spreadsheet program imports as the template does
(issue 32): the same activities typed once into the service's template
(openpyxl, as a spreadsheet keeps it) and once as a CSV opened and saved
as .xlsx by LibreOffice Calc (headless, Vietnamese locale: dates read
day first, unit codes kept as text). Both are checked (dry runs answer
alike, row by row), the LibreOffice file is imported, every stored
activity equals the rows typed, and the template's file then imports as
`unchanged` row by row.

Environment: BASE_URL, WOMEN (an agency token), OUT (a work directory).
"""
import csv
import json
import os
import subprocess
import sys
import urllib.request

import openpyxl

BASE = os.environ["BASE_URL"] + "/api/v1"
TOKEN = os.environ["WOMEN"]
OUT = os.path.join(os.environ["OUT"], "imports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = ["Mã hoạt động", "Hình thức", "Tên hoạt động", "Ngày bắt đầu", "Ngày kết thúc", "Địa bàn", "Chủ đề",
           "Đối tượng", "Số buổi", "Tổng lượt người tham dự", "Trong đó nữ", "Trong đó dưới 18 tuổi"]
# The rows typed, and what each must be stored as (the model).
ROWS = [
    (["LO-01", "Họp dân", "Họp dân thôn Khuổi Bốc", "10/01/2023", "10/01/2023", "02110", "Mua bán người", "Phụ nữ", 1, 60, 40, ""],
     {"kind": "community_meeting", "start_date": "2023-01-10", "end_date": "2023-01-10", "area_code": "02110",
      "topics": ["human_trafficking"], "target_groups": ["women"], "sessions": 1, "total": 60, "female": 40, "under_18": None}),
    (["LO-02", "Lớp tập huấn", "Lớp tập huấn cho chi hội trưởng", "12/02/2023", "13/02/2023", "02089",
      "Mua bán người; Di cư an toàn", "", 2, 70, "", ""],
     {"kind": "training_class", "start_date": "2023-02-12", "end_date": "2023-02-13", "area_code": "02089",
      "topics": ["human_trafficking", "safe_migration"], "target_groups": [], "sessions": 2, "total": 70, "female": None,
      "under_18": None}),
    (["LO-03", "Phổ biến pháp luật", "Phổ biến Luật Phòng, chống mua bán người 2024", "03/03/2023", "03/03/2023", "02092",
      "Mua bán người", "Học sinh, sinh viên; Phụ nữ", 3, 1250, 600, 900],
     {"kind": "law_dissemination", "start_date": "2023-03-03", "end_date": "2023-03-03", "area_code": "02092",
      "topics": ["human_trafficking"], "target_groups": ["students", "women"], "sessions": 3, "total": 1250, "female": 600,
      "under_18": 900}),
]

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def call(method, path, body=None, ctype="application/json"):
    req = urllib.request.Request(BASE + path, data=body, method=method,
                                 headers={"Authorization": "Bearer " + TOKEN, **({"Content-Type": ctype} if body else {})})
    with urllib.request.urlopen(req, timeout=60) as r:
        data = r.read()
        return json.loads(data) if r.headers.get("Content-Type", "").startswith("application/json") else data


def imported(path, dry_run):
    with open(path, "rb") as f:
        answer = call("POST", f"/imports?dry_run={'true' if dry_run else 'false'}", f.read(), XLSX)
    while answer["status"] == "running":
        answer = call("GET", f"/imports/{answer['id']}")
    check(answer["status"] == "done", f"{os.path.basename(path)}: the import is done ({answer['status']})")
    return [(i["row"], i["external_id"], i["status"], i["problems"]) for i in answer["items"]]


def main():
    os.makedirs(OUT, exist_ok=True)
    # The template, filled as a clerk would.
    template = os.path.join(OUT, "template.xlsx")
    with open(template, "wb") as f:
        f.write(call("GET", "/imports/template.xlsx"))
    book = openpyxl.load_workbook(template)
    ws = book["Hoạt động"]
    cols = {c.value: c.column for c in ws[1] if c.value}
    for r, (row, _) in enumerate(ROWS, start=2):
        for h, v in zip(HEADERS, row):
            if v != "":
                ws.cell(row=r, column=cols[h], value=v)
    filled = os.path.join(OUT, "template-filled.xlsx")
    book.save(filled)
    # The same rows as CSV, opened and saved by LibreOffice Calc as a clerk
    # would: Vietnamese locale (1066), the id and unit code as text (2),
    # the dates day first (4: DD/MM/YY).
    source = os.path.join(OUT, "hoat-dong.csv")
    with open(source, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        for row, _ in ROWS:
            w.writerow(row)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{OUT}/lo-profile",
                    "--infilter=CSV:44,34,76,1,1/2/4/4/5/4/6/2,1066", "--convert-to", "xlsx", "--outdir", OUT, source],
                   check=True, capture_output=True, timeout=180)
    office = os.path.join(OUT, "hoat-dong.xlsx")
    check(os.path.exists(office), "LibreOffice wrote hoat-dong.xlsx")
    lo = openpyxl.load_workbook(office)
    first_date = lo.active.cell(row=2, column=4).value
    check(hasattr(first_date, "year") and (first_date.year, first_date.month, first_date.day) == (2023, 1, 10),
          f"LibreOffice keeps 10/01/2023 as a date cell, 10 January ({first_date!r})")

    # Checked alike, row by row.
    a = imported(filled, True)
    b = imported(office, True)
    check(a == b and [s for _, _, s, _ in a] == ["created"] * len(ROWS),
          f"the dry runs answer alike: template {a}, LibreOffice {b}")
    ours = lambda: [e for e in call("GET", "/events?limit=500&agency=womens-union")["items"] if e["external_id"].startswith("LO-")]
    check(ours() == [], "the dry runs wrote nothing")
    # The LibreOffice file imported; every activity as typed.
    c = imported(office, False)
    check([s for _, _, s, _ in c] == ["created"] * len(ROWS), f"the LibreOffice file imports every row: {c}")
    stored = {e["external_id"]: e for e in ours()}
    for row, want in ROWS:
        e = stored.get(row[0])
        got = e and {"kind": e["kind"], "start_date": e["start_date"], "end_date": e["end_date"], "area_code": e["area_code"],
                     "topics": sorted(e["topics"]), "target_groups": sorted(e.get("target_groups") or []),
                     "sessions": e["sessions"], "total": e["attendance"]["total"],
                     "female": e["attendance"].get("female"), "under_18": e["attendance"].get("under_18")}
        want = dict(want, topics=sorted(want["topics"]), target_groups=sorted(want["target_groups"]))
        check(got == want, f"{row[0]} stored as typed: {got} expected {want}")
    # The template's file is the same activities: unchanged, row by row.
    d = imported(filled, False)
    check([s for _, _, s, _ in d] == ["unchanged"] * len(ROWS), f"the template's file then answers unchanged: {d}")
    if failures:
        sys.exit(f"imports: {len(failures)} check(s) failed")
    print("imports: a LibreOffice workbook imports as the template does")


if __name__ == "__main__":
    main()
