"""The import of a workbook (issue 32), measured end to end: a 10,000-row
workbook with 30,000 participants (each row three identified people) is
posted to POST /api/v1/imports and followed until it is done; then the
same workbook again (every row `unchanged`). Prints the wall time of each
and the service's RSS before and at its peak.

The workbook is written here with the standard library (a zip of the
sheets' XML, strings inline), under the template's Vietnamese headers,
so this needs nothing installed. Used by scripts/bench.py (`--only import`).
"""
import io
import json
import time
import urllib.error
import urllib.request
import zipfile
from xml.sax.saxutils import escape

EVENT_HEADERS = ["Mã hoạt động", "Hình thức", "Tên hoạt động", "Ngày bắt đầu", "Ngày kết thúc", "Địa bàn", "Chủ đề",
                 "Đối tượng", "Số buổi", "Tổng lượt người tham dự", "Trong đó nữ"]
PEOPLE_HEADERS = ["Mã hoạt động", "Loại giấy tờ", "Số"]
KINDS = ["Họp dân", "Lớp tập huấn", "Phổ biến pháp luật"]
# Communes of Bắc Kạn before the 2025 reform (shipped units), for 2024 dates.
PLACES = ["02110", "02089", "02092"]


def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_xml(rows):
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for r, row in enumerate(rows, start=1):
        out.write(f'<row r="{r}">')
        for c, v in enumerate(row):
            ref = f"{col(c)}{r}"
            if isinstance(v, int):
                out.write(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                out.write(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        out.write("</row>")
    out.write("</sheetData></worksheet>")
    return out.getvalue()


def workbook(sheets):
    """An .xlsx of `sheets` [(name, rows)]."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
                             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                             for i in range(len(sheets))) + "</Types>")
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                   + "".join(f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, (n, _) in enumerate(sheets))
                   + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   + "".join(f'<Relationship Id="rId{i + 1}" '
                             'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                             f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets))) + "</Relationships>")
        for i, (_, rows) in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheet_xml(rows))
    return buf.getvalue()


def rows(n, per_event):
    """`n` events in 2024 and `per_event` identified people each (CCCDs;
    a person recurs across events, as people attend several)."""
    events = [EVENT_HEADERS]
    people = [PEOPLE_HEADERS]
    for i in range(n):
        day = f"{1 + i % 28:02d}/{1 + (i // 28) % 12:02d}/2024"
        events.append([f"BENCH-{i:05d}", KINDS[i % 3], f"Hoạt động số {i}", day, day, PLACES[i % 3], "Mua bán người",
                       "Phụ nữ", 1, 40 + i % 50, 20])
        for j in range(per_event):
            people.append([f"BENCH-{i:05d}", "CCCD", f"0012{(i * per_event + j) % (n * 2):08d}"])
    return [("Hoạt động", events), ("Người tham gia", people)]


def run_import(url, token, body, dry_run=False, timeout=600):
    """Posts the workbook; follows the import until it is done. Returns
    (seconds, the final answer)."""
    req = urllib.request.Request(f"{url}/imports?dry_run={'true' if dry_run else 'false'}", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    t0 = time.monotonic()
    try:
        answer = json.loads(urllib.request.urlopen(req, timeout=timeout).read())
    except urllib.error.HTTPError as e:
        raise SystemExit(f"the import was refused: {e.code} {e.read()[:1000]!r}")
    while answer["status"] == "running":
        time.sleep(0.1)
        get = urllib.request.Request(f"{url}/imports/{answer['id']}", headers={"Authorization": f"Bearer {token}"})
        answer = json.loads(urllib.request.urlopen(get, timeout=timeout).read())
        if time.monotonic() - t0 > timeout:
            raise SystemExit("the import did not finish in time")
    return time.monotonic() - t0, answer
