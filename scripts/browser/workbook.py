"""Fills the service's import template as a clerk would in a spreadsheet
program: rows typed under the Vietnamese headers of the events sheet and
the participants sheet, keeping the template's drop-down lists.

    python workbook.py TEMPLATE.xlsx OUT.xlsx ROWS.json

ROWS.json: {"events": [{header: value, ...}], "participants": [...]}; a
value "YYYY-MM-DD" under a date header is written as a date cell, any
other value as typed.
"""
import datetime
import json
import sys

import openpyxl

DATE_HEADERS = {"Ngày bắt đầu", "Ngày kết thúc"}


def fill(ws, rows):
    headers = {c.value: c.column for c in ws[1] if c.value}
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            if header not in headers:
                raise SystemExit(f"workbook.py: no column {header!r} in sheet {ws.title!r}: {sorted(headers)}")
            if header in DATE_HEADERS and isinstance(value, str) and len(value) == 10 and value[4] == "-":
                value = datetime.date.fromisoformat(value)
                ws.cell(row=r, column=headers[header], value=value).number_format = "DD/MM/YYYY"
            else:
                ws.cell(row=r, column=headers[header], value=value)


def main():
    template, out, rows_path = sys.argv[1:4]
    with open(rows_path, encoding="utf-8") as f:
        rows = json.load(f)
    book = openpyxl.load_workbook(template)
    fill(book["Hoạt động"], rows.get("events", []))
    fill(book["Người tham gia"], rows.get("participants", []))
    book.save(out)


if __name__ == "__main__":
    main()
