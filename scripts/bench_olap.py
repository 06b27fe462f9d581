#!/usr/bin/env python3
"""The DuckDB and ClickHouse (chDB) baselines of scripts/bench.py.

Runs inside the bench's own virtualenv (target/bench/venv, where bench.py
installs duckdb and chdb from PyPI). Loads the generator's plain CSVs into
each engine's own tables (in memory for DuckDB, MergeTree for chDB), then
runs the plain benchmark query of every slice REPEAT times and prints one
JSON object: {engine: {slice: {"times_ms": [...], "rows": [...]}, "load_s": s}}.

    target/bench/venv/bin/python scripts/bench_olap.py DATA_DIR REPEAT SLICES_JSON

SLICES_JSON maps a slice name to its WHERE clause over `e` (events) and
`a` (attendance), in the SQL both engines accept.
"""

import json
import sys
import tempfile
import time


def timed(run, sql, repeat):
    times, rows = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        rows = run(sql)
        times.append((time.perf_counter() - started) * 1000)
    return {"times_ms": times, "rows": rows}


def duckdb_runs(data, repeat, slices):
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(f"CREATE TABLE plain_events AS SELECT * FROM read_csv('{data}/plain/events.csv', header=true, types={{'area_code': 'VARCHAR', 'province_code': 'VARCHAR'}})")
    con.execute(f"CREATE TABLE plain_attendance AS SELECT * FROM read_csv('{data}/plain/attendance.csv', header=true, types={{'participant': 'VARCHAR'}})")
    load = time.perf_counter() - started
    sql = (
        "SELECT e.agency, count(*) AS attendances, count(DISTINCT a.participant) AS people "
        "FROM plain_events e JOIN plain_attendance a ON a.event_id = e.id WHERE {where} GROUP BY e.agency ORDER BY 1"
    )
    out = {"version": duckdb.__version__, "load_s": load}
    for name, where in slices.items():
        out[name] = timed(lambda q: [list(r) for r in con.execute(q).fetchall()], sql.format(where=where), repeat)
    return out


def chdb_runs(data, repeat, slices):
    import chdb
    from chdb import session

    tmp = tempfile.mkdtemp(prefix="chdb-")
    s = session.Session(tmp)
    s.query("CREATE DATABASE IF NOT EXISTS b")
    started = time.perf_counter()
    s.query(
        "CREATE TABLE b.plain_events ENGINE = MergeTree ORDER BY id AS SELECT id, agency, kind, "
        "toDate(start_date) AS start_date, toString(area_code) AS area_code, toString(province_code) AS province_code "
        f"FROM file('{data}/plain/events.csv', 'CSVWithNames', 'id UInt64, agency String, external_id String, kind String, "
        "start_date String, area_code String, province_code String, attendance_total UInt32')"
    )
    s.query(
        "CREATE TABLE b.plain_attendance ENGINE = MergeTree ORDER BY event_id AS SELECT event_id, "
        "toUInt64(participant) AS participant "
        f"FROM file('{data}/plain/attendance.csv', 'CSVWithNames', 'event_id UInt64, participant String')"
    )
    load = time.perf_counter() - started
    sql = (
        "SELECT e.agency, count() AS attendances, groupBitmap(a.participant) AS people "
        "FROM b.plain_events e JOIN b.plain_attendance a ON a.event_id = e.id WHERE {where} GROUP BY e.agency ORDER BY 1"
    )

    def run(q):
        return [line.split("\t") for line in str(s.query(q, "TabSeparated")).splitlines()]

    out = {"version": chdb.__version__, "load_s": load}
    for name, where in slices.items():
        out[name] = timed(run, sql.format(where=where), repeat)
    return out


def main():
    data, repeat, slices = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    result = {}
    for engine, fn in (("duckdb", duckdb_runs), ("chdb", chdb_runs)):
        print(f"{engine}: loading and querying", file=sys.stderr, flush=True)
        result[engine] = fn(data, repeat, slices)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
