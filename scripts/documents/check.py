"""Reads the signed report back as its readers do (run by scripts/documents.sh).

Posts a quarter of activities in three districts of Bắc Kạn (as recorded in
2024, before the 2025 reform) for three agencies, plus records outside the
quarter and outside the province, computes every figure the report states
from those records here, then downloads the report as Word and PDF and
checks what python-docx, pdftotext, pdfinfo and pdffonts read in them.
Fails (exit 1) on the first difference.
"""

import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import docx

BASE = os.environ["BASE_URL"]
OUT = os.environ["OUT"]
CT = os.environ["CT"]
VIEWER = os.environ["VIEWER"]
IMAGE = os.environ.get("IMAGE", "")
Q3 = {"from": "2024-07-01", "to": "2024-09-30"}
AGENCIES = {"police": "Công an tỉnh", "womens-union": "Hội Liên hiệp Phụ nữ tỉnh", "education": "Sở Giáo dục và Đào tạo"}


def fail(msg):
    print(f"documents: {msg}", file=sys.stderr)
    sys.exit(1)


def call(method, path, token, body=None, params=None):
    url = BASE + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        fail(f"{method} {path} answered {e.code}: {e.read().decode()[:500]}")


def get_json(path, token, params=None):
    return json.loads(call("GET", path, token, params=params)[2])


def token(agency):
    out = subprocess.run([CT, "token", "issue", "--role", "agency", "--agency", agency, "--label", f"documents-{agency}"],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def vi(n):
    return f"{n:,}".replace(",", ".")


def main():
    on = "2024-08-15"
    districts = get_json("/api/v1/areas", VIEWER, {"parent": "06", "on": on, "limit": 100})["items"][:3]
    if len(districts) < 3:
        fail(f"Bắc Kạn has {len(districts)} districts on {on}")
    places = []
    for d in districts:
        communes = get_json("/api/v1/areas", VIEWER, {"parent": d["code"], "on": on, "limit": 2})["items"]
        places.append((d, communes[0]))
    other = get_json("/api/v1/areas", VIEWER, {"parent": "01", "on": on, "limit": 1})["items"][0]
    tokens = {a: token(a) for a in AGENCIES}
    # (agency, kind, district index or None for another province, day,
    #  sessions, total, female, under 18, identified people)
    records = []
    kinds = ["training_class", "community_meeting", "law_dissemination", "integrated_lesson"]
    n = 0
    for i, agency in enumerate(AGENCIES):
        for j, (d, c) in enumerate(places):
            for k in range(2):
                n += 1
                records.append((agency, kinds[(i + k) % 4], j, f"2024-0{7 + k + j % 2}-{10 + i}", 1 + (i + j + k) % 4,
                                30 + 7 * n, 10 + 3 * n, 2 * n, (n % 3)))
    records.append(("police", "training_class", None, "2024-08-01", 5, 500, 100, 50, 0))   # another province
    records.append(("police", "training_class", 0, "2024-06-30", 5, 600, 100, 50, 0))      # the quarter before
    records.append(("education", "training_class", 1, "2023-08-20", 2, 90, 40, 30, 0))     # a year earlier
    for idx, (agency, kind, where, day, sessions, total, female, under_18, people) in enumerate(records):
        area = other["code"] if where is None else places[where][1]["code"]
        # People overlap across agencies: person p is 0012000000pp.
        participants = [{"id_type": "citizen_id", "value": f"0012{(idx + p) % 7:08d}"} for p in range(people)]
        call("POST", "/api/v1/events", tokens[agency], {
            "external_id": f"doc-{idx}", "kind": kind, "title": f"Hoạt động {idx}", "topics": ["human_trafficking"],
            "start_date": day, "end_date": day, "area_code": area, "sessions": sessions,
            "attendance": {"total": total, "female": female, "under_18": under_18}, "participants": participants})

    def in_q3(r):
        return r[2] is not None and "2024-07-01" <= r[3] <= "2024-09-30"

    q3 = [(i, r) for i, r in enumerate(records) if in_q3(r)]

    def model(rows):
        people = set()
        for i, r in rows:
            people |= {(i + p) % 7 for p in range(r[8])}
        return {"sessions": sum(r[4] for _, r in rows), "attendances": sum(r[5] for _, r in rows), "people": len(people),
                "female": sum(r[6] for _, r in rows), "under_18": sum(r[7] for _, r in rows)}

    total = model(q3)
    by_agency = {a: model([x for x in q3 if x[1][0] == a]) for a in AGENCIES}
    by_district = {places[j][0]["name"]: model([x for x in q3 if x[1][2] == j]) for j in range(3)}
    year_before = model([(i, r) for i, r in enumerate(records) if r[3].startswith("2023-")])

    params = {**Q3, "area": "06", "format": "docx"}
    status, headers, body = call("GET", "/api/v1/reports/summary", VIEWER, params=params)
    if "attachment" not in headers.get("content-disposition", ""):
        fail(f"the Word file is not an attachment: {headers}")
    path = os.path.join(OUT, "report.docx")
    with open(path, "wb") as f:
        f.write(body)
    d = docx.Document(path)
    text = "\n".join(p.text for p in d.paragraphs)
    cells = [[c.text.strip() for c in row.cells] for t in d.tables for row in t.rows]
    everything = text + "\n" + "\n".join(" | ".join(r) for r in cells)
    for phrase in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND TỈNH BẮC KẠN",
                   "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "/BC-SLĐTBXH", "Bắc Kạn, ngày", "BÁO CÁO",
                   "Kết quả công tác tuyên truyền phòng, chống mua bán người quý III năm 2024 trên địa bàn tỉnh Bắc Kạn",
                   "Kính gửi: Ủy ban nhân dân tỉnh Bắc Kạn", "Nơi nhận:", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn An",
                   "II. ĐÁNH GIÁ CHUNG", "III. TỒN TẠI, HẠN CHẾ", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ",
                   f"có {vi(total['female'])} lượt nữ", f"và {vi(total['under_18'])} lượt người dưới 18 tuổi"]:
        if phrase not in everything:
            fail(f"the Word file lacks {phrase!r}:\n{everything}")

    def row(name):
        found = [r for r in cells if r and r[0] == name]
        if not found:
            fail(f"no table row {name!r} in {cells}")
        return found[0]

    def same(name, want, where):
        r = row(name)
        got = (r[1], r[2], r[3])
        expect = (vi(want["sessions"]), vi(want["attendances"]), vi(want["people"]))
        if got != expect:
            fail(f"{where} row {name}: the report says {got}, the model {expect}")

    aggregates = get_json("/api/v1/aggregates", VIEWER, {**Q3, "area": "06", "group_by": "agency"})
    for a in aggregates["rows"]:
        m = by_agency[a["agency"]]
        if (a["sessions"], a["attendances"], a["unique_participants"]) != (m["sessions"], m["attendances"], m["people"]):
            fail(f"aggregates disagree with the model for {a['agency']}: {a} vs {m}")
        same(AGENCIES[a["agency"]], m, "agency")
    for name, m in by_district.items():
        same(name, m, "district")
    same("Tổng (không tính trùng)", total, "total")
    before = row("Lượt người tham dự")
    if before[1:3] != [vi(total["attendances"]), vi(year_before["attendances"])]:
        fail(f"a year earlier: {before} vs {total['attendances']} and {year_before['attendances']}")
    section = d.sections[0]
    if not section.different_first_page_header_footer:
        fail("the first page has no header of its own")
    if "PAGE" not in section.header._element.xml or "PAGE" in section.first_page_header._element.xml:
        fail("page numbers must start on page 2")
    mm = lambda v: round(v / 36000)
    margins = (mm(section.left_margin), mm(section.right_margin), mm(section.top_margin), mm(section.bottom_margin))
    if not (30 <= margins[0] <= 35 and 15 <= margins[1] <= 20 and 20 <= margins[2] <= 25 and 20 <= margins[3] <= 25):
        fail(f"margins left, right, top, bottom: {margins} mm")
    if (mm(section.page_width), mm(section.page_height)) != (210, 297):
        fail(f"the Word page is not A4: {mm(section.page_width)} x {mm(section.page_height)} mm")

    # The PDF: same figures, A4, fonts embedded, numbered from page 2.
    params["format"] = "pdf"
    pdf = os.path.join(OUT, "report.pdf")
    with open(pdf, "wb") as f:
        f.write(call("GET", "/api/v1/reports/summary", VIEWER, params=params)[2])
    info = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    if pages < 2 or "A4" not in info:
        fail(f"the PDF should be A4 and run over two pages at least:\n{info}")
    fonts = subprocess.run(["pdffonts", pdf], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    if not fonts or any(" yes " not in f.split("LiberationSerif", 1)[-1][:60] for f in fonts):
        fail("every font must be Liberation Serif, embedded:\n" + "\n".join(fonts))
    for f in fonts:
        if "LiberationSerif" not in f:
            fail(f"unexpected font {f}")
    page_text = lambda p: subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-layout", pdf, "-"],
                                         check=True, capture_output=True, text=True).stdout
    first = page_text(1)
    for phrase in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND TỈNH BẮC KẠN", "BÁO CÁO",
                   "quý III năm 2024"]:
        if phrase not in first:
            fail(f"page 1 of the PDF lacks {phrase!r}:\n{first}")
    if first.strip().splitlines()[0].strip().isdigit():
        fail("page 1 carries a page number")
    for p in range(2, pages + 1):
        top = page_text(p).strip().splitlines()[0].strip()
        if top != str(p):
            fail(f"page {p} should start with its number, starts with {top!r}")
    whole = subprocess.run(["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True).stdout
    for name, m in list(by_district.items()) + [(AGENCIES[a], by_agency[a]) for a in AGENCIES]:
        pattern = rf"{re.escape(vi(m['sessions']))}\s+{re.escape(vi(m['attendances']))}\s+{m['people']}\b"
        lines = [l for l in whole.splitlines() if l.strip().startswith(name[:18])]
        if not any(re.search(pattern, l) for l in lines):
            fail(f"the PDF's table row for {name} should read {m}: {lines!r}")
    if "Nguyễn Văn An" not in whole or "Nơi nhận:" not in whole:
        fail("the PDF lacks the signature block")

    # Filtered by agency and topic: stated, and its figures.
    status, _, body = call("GET", "/api/v1/reports/summary", VIEWER,
                           params={**Q3, "area": "06", "agency": "womens-union", "topic": "human_trafficking", "format": "docx"})
    d = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in d.paragraphs)
    if "cơ quan: Hội Liên hiệp Phụ nữ tỉnh; chủ đề: Mua bán người" not in text:
        fail(f"the filtered report does not state its filters:\n{text}")
    cells = [[c.text.strip() for c in row.cells] for t in d.tables for row in t.rows]
    same("Tổng (không tính trùng)", by_agency["womens-union"], "filtered total")

    # Word's file as LibreOffice opens it (the offices that draft in it):
    # converted there to PDF, the same parts and rows must be read back.
    lo = os.path.join(OUT, "libreoffice")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{OUT}/lo-profile", "--convert-to", "pdf",
                    "--outdir", lo, path], check=True, capture_output=True, timeout=180)
    lo_pdf = os.path.join(lo, "report.pdf")
    lo_text = subprocess.run(["pdftotext", "-layout", lo_pdf, "-"], check=True, capture_output=True, text=True).stdout
    lo_info = subprocess.run(["pdfinfo", lo_pdf], check=True, capture_output=True, text=True).stdout
    for phrase in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO", "Nơi nhận:",
                   "Nguyễn Văn An", "quý III năm 2024"]:
        if phrase not in lo_text:
            fail(f"LibreOffice's reading of the Word file lacks {phrase!r}:\n{lo_text}")
    if "A4" not in lo_info:
        fail(f"LibreOffice does not lay the Word file out on A4:\n{lo_info}")
    for name, m in [(AGENCIES[a], by_agency[a]) for a in AGENCIES]:
        pattern = rf"{re.escape(vi(m['sessions']))}\s+{re.escape(vi(m['attendances']))}\s+{m['people']}\b"
        if not any(re.search(pattern, l) for l in lo_text.splitlines() if l.strip().startswith(name[:18])):
            fail(f"LibreOffice's reading lacks the row for {name} ({m}):\n{lo_text}")
    lo_pages = int(re.search(r"Pages:\s+(\d+)", lo_info).group(1))
    for p in range(2, lo_pages + 1):
        top = subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-layout", lo_pdf, "-"], check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[0].strip()
        if top != str(p):
            fail(f"in LibreOffice, page {p} of the Word file should start with its number, starts with {top!r}")
    print(f"documents: LibreOffice opens the Word file: {lo_pages} pages, A4, every part and agency row")

    # How long the province's quarter takes, as the official waits for it
    # (a figure printed, never asserted: BENCHMARKS.md records it).
    for fmt in ["docx", "pdf"]:
        times = []
        for _ in range(5):
            start = time.monotonic()
            call("GET", "/api/v1/reports/summary", VIEWER, params={**Q3, "area": "06", "format": fmt})
            times.append(time.monotonic() - start)
        times.sort()
        print(f"documents: the province's quarter as {fmt}: median {times[2] * 1000:.0f} ms, "
              f"slowest {times[-1] * 1000:.0f} ms of 5")

    if IMAGE:
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, IMAGE[:-4]], check=True)
        print(f"documents: wrote {IMAGE}")
    print(f"documents: Word and PDF ({pages} pages) read back; every figure matches the model")


main()
