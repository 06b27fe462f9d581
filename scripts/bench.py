#!/usr/bin/env python3
"""Benchmarks campaign-tracker against plain PostgreSQL, in one run.

Run through scripts/bench.sh (which builds the release binaries first):

    scripts/bench.sh --quick     # small dataset, under 2 minutes
    scripts/bench.sh             # ingest on small, aggregates on national

Each phase starts the release build on a fresh database, drives it with
target/release/examples/bench_client (a separate process: the service never
times itself), and samples the service's resident memory every 100 ms.
Baselines in the same run: psql `\\copy` of the same rows into two plain
tables, pgbench with one event and its participants per transaction, and
the plain SQL a user would write over the plain tables.

Results go to target/bench/results-<mode>.json and a Markdown summary to
stdout. Progress goes to stderr.
"""

import argparse
import hashlib
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "target/release/campaign-tracker"
CLIENT = ROOT / "target/release/examples/bench_client"
WORK = ROOT / "target/bench"
PG = "postgres://root@127.0.0.1:5432"
PORT = int(os.environ.get("BENCH_PORT", "18080"))
URL = f"http://127.0.0.1:{PORT}/api/v1"
AGENCIES = ["police", "womens-union", "education", "labour"]
SEED = 1
# The slices of the aggregates benchmark: the service's query string, and
# the WHERE clause of the plain SQL over the plain tables.
SLICES = {
    "all": ("group_by=agency", "TRUE"),
    "commune_month": ("group_by=area:commune,period:month", None),
    "province": ("group_by=agency&area=01", "e.province_code = '01'"),
    "month": (
        "group_by=agency&from=2025-03-01&to=2025-03-31",
        "e.start_date BETWEEN DATE '2025-03-01' AND DATE '2025-03-31'",
    ),
}
# The slices every engine runs (the others are the service's only).
CORE_SLICES = ["all", "province", "month"]
# Reach analytics (issue 16), from the index: overlap and frequency over
# everything and one province, and the monthly curve of first-time and
# cumulative people; with their targets in ms.
REACH = {
    "overlap_all": ("/reach/overlap", 100),
    "overlap_province": ("/reach/overlap?area=01", 10),
    "frequency_all": ("/reach/frequency", 100),
    "frequency_province": ("/reach/frequency?area=01", 10),
    "month_curve": ("/aggregates?group_by=period:month", 150),
    # A history (the filters but the dates) no earlier request had: its
    # first request computes the first-attendance array, the next ones on
    # the same index version reuse it; max_ms is that first request.
    "month_topic": ("/aggregates?group_by=agency&from=2025-03-01&to=2025-03-31&topic=human_trafficking", 5),
}
PLAIN_SQL = (
    "SELECT e.agency, count(*) AS attendances, count(DISTINCT a.participant) AS people "
    "FROM plain_events e JOIN plain_attendance a ON a.event_id = e.id "
    "WHERE {where} GROUP BY e.agency"
)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, **kw):
    """Runs a command and returns its output; when it fails, what it said
    on stderr is shown before the error (never swallowed)."""
    try:
        return subprocess.run(
            [str(c) for c in cmd], env=env, check=True, capture_output=True, text=True, **kw
        ).stdout
    except subprocess.CalledProcessError as e:
        sys.stderr.write(f"bench: {' '.join(str(c) for c in cmd)} failed:\n{e.stderr}\n")
        raise


def psql(db, sql):
    return run(["psql", "-h", "127.0.0.1", "-U", "root", "-d", db, "-v", "ON_ERROR_STOP=1", "-qAtc", sql])


def recreate(db):
    psql("postgres", f"DROP DATABASE IF EXISTS {db}")
    psql("postgres", f"CREATE DATABASE {db}")


def stats(values):
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
    }


class Service:
    """The release build on a fresh database, with its RSS sampled."""

    def __init__(self, backend, db="ct_bench", fresh=True, extra_env=None, port=PORT, after_migrate=None, share=None):
        self.dir = share.dir if share else WORK / f"service-{backend}-{db}"
        if fresh and not share:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.url = f"http://127.0.0.1:{port}/api/v1"
        env = dict(
            os.environ,
            RATE_LIMIT_PER_MINUTE="0",
            # The bench measures throughput with many clients per token.
            TOKEN_REQUESTS_AT_ONCE="1000",
            BIND_ADDR=f"127.0.0.1:{port}",
            RUST_LOG=os.environ.get("BENCH_RUST_LOG", "warn"),
            DATA_DIR=str(self.dir),
            JSON_LIMIT_BYTES=str(64 << 20),
            STATEMENT_TIMEOUT_MS="600000",
        )
        env.update(extra_env or {})
        if backend == "postgres":
            if fresh:
                recreate(db)
            env["DATABASE_URL"] = f"{PG}/{db}"
        else:
            env["DATABASE_URL"] = f"sqlite://{self.dir}/bench.db"
        self.env = env
        run([BIN, "migrate"], env=env)
        if after_migrate and backend == "postgres":
            psql(db, after_migrate)
        elif after_migrate:
            run(["sqlite3", self.dir / "bench.db", after_migrate])
        self.port = port
        tokens = {a: self.token("agency", "--agency", a) for a in AGENCIES}
        tokens["admin"] = self.token("admin")
        self.viewer = self.token("viewer")
        self.admin = tokens["admin"]
        self.tokens = self.dir / "tokens"
        self.tokens.write_text("".join(f"{a}={t}\n" for a, t in tokens.items()))
        self.log = open(self.dir / f"serve-{port}.log", "w")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([BIN, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the service did not start; see " + str(self.dir / f"serve-{port}.log"))
        self.peak_kb = 0
        self.sampling = True
        self.sampler = threading.Thread(target=self.sample, daemon=True)
        self.sampler.start()

    def wait_for_index(self, limit=600):
        """Seconds from the process's start until /readyz says the index answers."""
        while time.monotonic() - self.started < limit:
            try:
                body = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=5).read())
                if body.get("aggregates_engine") == "index":
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("the index was not built in time; see " + str(self.dir))

    def token(self, role, *args):
        return run([BIN, "token", "issue", "--role", role, *args], env=self.env).strip()

    def rss_kb(self, field="VmRSS"):
        try:
            for line in open(f"/proc/{self.proc.pid}/status"):
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def sample(self):
        while self.sampling:
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            time.sleep(0.1)

    def stop(self):
        """Stops the service; returns its peak RSS in MB (VmHWM, the kernel's own high-water mark)."""
        self.sampling = False
        self.sampler.join()
        peak = max(self.peak_kb, self.rss_kb("VmHWM"))
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # A graceful stop waits for running blocking work (an index
            # build on national data, say); the figures are taken already.
            log("the service did not stop within 60 s of SIGTERM: killed")
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return peak / 1024


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        return 0.0


def postgres_pids():
    out = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if open(f"/proc/{pid}/comm").read().strip() == "postgres":
                    out[pid] = cpu_seconds(pid)
            except OSError:
                pass
    return out


class PgCpu:
    """CPU seconds used by PostgreSQL processes during a phase. Backends that
    exit during the phase (psql's, pgbench's) take their counters with them,
    so every process is sampled every 100 ms and its last reading kept."""

    def __init__(self):
        self.base = postgres_pids()
        self.last = dict(self.base)
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            self.last.update(postgres_pids())
            time.sleep(0.1)

    def done(self):
        self.running = False
        self.thread.join()
        self.last.update(postgres_pids())
        return sum(v - self.base.get(pid, 0.0) for pid, v in self.last.items())


class Cpu:
    """Where the CPU went during a phase: the service's process, PostgreSQL's."""

    def __init__(self, svc):
        self.svc = svc
        self.service0, self.pg = cpu_seconds(svc.proc.pid), PgCpu()

    def done(self):
        return {
            "service_cpu_s": cpu_seconds(self.svc.proc.pid) - self.service0,
            "postgres_cpu_s": self.pg.done(),
        }


def client(*args):
    out = run([CLIENT, *args])
    return json.loads(out.strip().splitlines()[-1])


def ingest(svc, data, mode, concurrency, limit=None, links=False):
    args = ["ingest", svc.url, svc.tokens, data, mode, concurrency]
    if limit is not None or links:
        args.append(limit if limit is not None else 1 << 62)
    if links:
        args += [data / "links.csv", svc.admin]
    return client(*args)


def plain_tables(db, data, indexes):
    """Loads the plain CSV tables with psql \\copy; returns the seconds it took."""
    recreate(db)
    psql(
        db,
        "CREATE SEQUENCE plain_seq START 100000000; "
        "CREATE TABLE plain_events (id bigint PRIMARY KEY, agency text NOT NULL, external_id text NOT NULL, "
        "kind text NOT NULL, start_date date NOT NULL, area_code text NOT NULL, province_code text NOT NULL, "
        "attendance_total int NOT NULL); "
        "CREATE TABLE plain_attendance (event_id bigint NOT NULL, participant text NOT NULL);",
    )
    started = time.monotonic()
    psql(db, f"\\copy plain_events FROM '{data}/plain/events.csv' WITH (FORMAT csv, HEADER true)")
    psql(db, f"\\copy plain_attendance FROM '{data}/plain/attendance.csv' WITH (FORMAT csv, HEADER true)")
    seconds = time.monotonic() - started
    if indexes:
        psql(
            db,
            "CREATE INDEX ON plain_attendance (event_id); CREATE INDEX ON plain_events (start_date); "
            "CREATE INDEX ON plain_events (province_code); ANALYZE;",
        )
    return seconds


PGBENCH_SCRIPT = """\\set a random(1, 2000000)
BEGIN;
INSERT INTO plain_events VALUES (nextval('plain_seq'), 'police', 'pgbench-' || :client_id || '-' || :a, 'training_class', DATE '2025-03-01', '00004', '01', 30);
INSERT INTO plain_attendance SELECT currval('plain_seq'), lpad(((:a + g * 7919) % 100000000000)::text, 12, '0') FROM generate_series(1, 10) g;
END;
"""


def pgbench(db, seconds):
    script = WORK / "pgbench.sql"
    script.write_text(PGBENCH_SCRIPT)
    out = run(["pgbench", "-h", "127.0.0.1", "-U", "root", "-n", "-c", "8", "-j", "2", "-T", seconds, "-f", script, db])
    return float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out).group(1))


def plain_query(db, where, repeat):
    """Times the plain SQL `repeat` times in one psql session (psql's \\timing)."""
    sql = "\\timing on\n" + (PLAIN_SQL.format(where=where) + ";\n") * repeat
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "root", "-d", db, "-qAt", "-v", "ON_ERROR_STOP=1"],
        input=sql, check=True, capture_output=True, text=True,
    ).stdout
    times = [float(t) for t in re.findall(r"Time: ([0-9.]+) ms", out)]
    rows = [l for l in out.splitlines() if "|" in l][: 8]
    return times, rows


def manifest(data):
    return json.loads((data / "manifest.json").read_text())["summary"]


def generate(size, events=None):
    data = WORK / f"data-{size}-{SEED}" if events is None else WORK / f"data-{size}-{events}-{SEED}"
    if not (data / "manifest.json").exists():
        log(f"generating the {size} dataset into {data}")
        cmd = [BIN, "dev", "generate", "--size", size, "--seed", SEED, "--out", data]
        if events is not None:
            cmd += ["--events", events]
        subprocess.run([str(c) for c in cmd], check=True)
    return data


def without_co_organizers(data):
    """The dataset with every co-organiser left out (`--without-co-organizers`):
    loaded through agency tokens, the generator's joint reports stop at the
    claim quota (200 pending claims per agency on another; nobody confirms
    them), so a national load keeps them out; totals are unchanged (a joint
    report counts once either way), agency rows lose their claimed events."""
    out = data.parent / (data.name + "-nojoint")
    if (out / "manifest.json").exists():
        return out
    (out / "api").mkdir(parents=True, exist_ok=True)
    for f in (data / "api").iterdir():
        with open(f) as src, open(out / "api" / f.name, "w") as dst:
            for line in src:
                e = json.loads(line)
                e["co_organizers"] = []
                dst.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
    shutil.copy(data / "links.csv", out / "links.csv")
    shutil.copy(data / "manifest.json", out / "manifest.json")
    return out


# Without the index: the SQL engine answers, and the change log's triggers
# are gone (the index's whole cost to a write).
NO_INDEX = {
    "postgres": "DROP TRIGGER events_reach ON events; "
    "DROP TRIGGER event_co_organizers_reach ON event_co_organizers;",
    "sqlite": "DROP TRIGGER events_reach_insert; DROP TRIGGER events_reach_update; "
    "DROP TRIGGER event_co_organizers_reach_insert; DROP TRIGGER event_co_organizers_reach_update; "
    "DROP TRIGGER event_co_organizers_reach_delete;",
}


def ingest_runs(args, data, results):
    reports = manifest(data)["reports"]
    rows = manifest(data)["attendance_rows"]
    per_event = rows / reports
    for r in range(args.runs):
        log(f"run {r + 1}/{args.runs}")
        for backend in args.backends:
            for variant, env, hook in (("", None, None), ("_noindex", {"AGGREGATES_ENGINE": "sql"}, NO_INDEX[backend])):
                svc = Service(backend, extra_env=env, after_migrate=hook)
                cpu = Cpu(svc)
                b = ingest(svc, data, "batch", 1)
                results.setdefault(f"{backend}.batch{variant}_cpu", []).append(cpu.done())
                results.setdefault(f"{backend}.batch{variant}_events_per_s", []).append(b["events_per_s"])
                results.setdefault(f"{backend}.batch{variant}_rss_mb", []).append(svc.stop())
                log(f"{backend}{variant} batch: {b['events_per_s']:.0f} events/s")
                svc = Service(backend, extra_env=env, after_migrate=hook)
                cpu = Cpu(svc)
                s = ingest(svc, data, "single", 8, args.single)
                results.setdefault(f"{backend}.single{variant}_cpu", []).append(cpu.done())
                results.setdefault(f"{backend}.single{variant}_events_per_s", []).append(s["events_per_s"])
                results.setdefault(f"{backend}.single{variant}_rss_mb", []).append(svc.stop())
                log(f"{backend}{variant} single (8 clients): {s['events_per_s']:.0f} events/s")
        if "postgres" in args.backends:
            pg = PgCpu()
            secs = plain_tables("ct_plain", data, indexes=False)
            results.setdefault("copy_postgres_cpu_s", []).append(pg.done())
            results.setdefault("copy_events_per_s", []).append(reports / secs)
            results.setdefault("copy_rows_per_s", []).append((reports + rows) / secs)
            log(f"COPY: {reports / secs:.0f} events/s ({(reports + rows) / secs:.0f} rows/s)")
            pg = PgCpu()
            tps = pgbench("ct_plain", args.pgbench_seconds)
            results.setdefault("pgbench_postgres_cpu_s", []).append(pg.done())
            results.setdefault("pgbench_tps", []).append(tps)
            log(f"pgbench: {tps:.0f} transactions/s")
    results["identified_per_event"] = per_event


def aggregates_service(backend, data, args, results, extra_env=None):
    """The service over the aggregates dataset, started on a database that
    already holds it. National data is loaded through the batch API once
    (PostgreSQL: into ct_national; SQLite: into
    target/bench/service-sqlite-ct_national/bench.db) and kept, marked with
    the manifest's digest; a later run whose dataset has the same digest
    reuses it (the load is measured when it happens and kept in
    target/bench/national-load[-sqlite].json)."""
    national = args.national
    db = "ct_national" if national else "ct_bench"
    digest = hashlib.sha256((data / "manifest.json").read_bytes()).hexdigest()
    load_file = WORK / ("national-load.json" if backend == "postgres" else f"national-load-{backend}.json")
    marker = WORK / f"service-{backend}-{db}" / "dataset-digest"

    def stored_digest():
        if backend == "sqlite":
            return marker.read_text().strip() if marker.exists() else None
        try:
            return psql(db, "SELECT digest FROM bench_dataset").strip()
        except subprocess.CalledProcessError:
            return None

    if national and load_file.exists() and stored_digest() == digest:
        log(f"{backend}: reusing {db} (dataset {data.name}, loaded before)")
        results[f"{backend}.load"] = json.loads(load_file.read_text())
        return Service(backend, db=db, fresh=False, extra_env=extra_env)
    svc = Service(backend, db=db)
    log(f"{backend}: loading {data.name} through the batch API (2 clients)")
    load = ingest(svc, data, "batch", 2, links=True)
    log(f"{backend}: loaded {load['events']} events in {load['seconds']:.0f} s ({load['events_per_s']:.0f} events/s), linked {load['linked']}")
    results[f"{backend}.load"] = load
    svc.stop()
    if backend == "postgres":
        psql(db, "VACUUM ANALYZE")
        if national:
            psql(db, f"CREATE TABLE bench_dataset AS SELECT '{digest}'::text AS digest")
    else:
        run(["sqlite3", svc.dir / "bench.db", "ANALYZE;"])
        if national:
            marker.write_text(digest)
    if national:
        load_file.write_text(json.dumps(load))
    return Service(backend, db=db, fresh=False, extra_env=extra_env)


def aggregate_runs(args, data, results):
    for backend in args.backends:
        svc = aggregates_service(backend, data, args, results)
        # Start-up: the index is built from the database in the background.
        results[f"{backend}.index_build_s"] = svc.wait_for_index()
        results[f"{backend}.index_ready_rss_mb"] = svc.rss_kb() / 1024
        log(f"{backend}: index built {results[f'{backend}.index_build_s']:.1f} s after start, RSS {results[f'{backend}.index_ready_rss_mb']:.0f} MB")
        for name, (query, _) in SLICES.items():
            for conc in (1, 8):
                if name not in CORE_SLICES and conc == 8:
                    continue
                cpu = Cpu(svc)
                q = client("query", svc.url, svc.viewer, "/aggregates?" + query, args.requests, conc)
                q.update(cpu.done())
                if q.get("meta_engine", "index") != "index":
                    raise SystemExit(f"{backend} {name}: answered by {q['meta_engine']}, not the index")
                results[f"{backend}.agg.{name}.c{conc}"] = q
                log(f"{backend} aggregates {name}, {conc} client(s): median {q['median_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms")
        for name, (path, _) in REACH.items():
            q = client("query", svc.url, svc.viewer, path, args.requests, 1)
            if q.get("meta_engine", "index") != "index":
                raise SystemExit(f"{backend} {name}: answered by {q['meta_engine']}, not the index")
            results[f"{backend}.reach.{name}"] = q
            log(f"{backend} reach {name}: median {q['median_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms")
        results[f"{backend}.agg_rss_mb"] = svc.stop()
        if "baselines" not in args.only:
            continue
        # The SQL path (the reference, and what answers while the index is built).
        svc = Service(backend, db="ct_national" if args.national else "ct_bench",
                      fresh=False, extra_env={"AGGREGATES_ENGINE": "sql"})
        for name in CORE_SLICES:
            q = client("query", svc.url, svc.viewer, "/aggregates?" + SLICES[name][0], args.sql_requests, 1)
            results[f"{backend}.sql.{name}"] = q
            log(f"{backend} SQL path {name}: median {q['median_ms']:.1f} ms over {args.sql_requests}")
        svc.stop()
    if "postgres" in args.backends and "baselines" in args.only:
        log("plain tables: COPY and indexes")
        results["plain_load_s"] = plain_tables("ct_plain", data, indexes=True)
        for name in CORE_SLICES:
            where = SLICES[name][1]
            repeat = args.baseline_repeat if name == "all" else args.requests
            times, rows = plain_query("ct_plain", where, repeat)
            results[f"plain.{name}"] = {"times_ms": times, **stats(times), "rows": rows}
            log(f"plain SQL {name}: median {statistics.median(times):.1f} ms over {len(times)}")
    if "baselines" in args.only:
        olap_baselines(args, data, results)


# A year's publication: the five default tables, plus overlap and frequency.
PUBLISH = {
    "title": "bench", "period": "2025",
    "tables": [{"group_by": g} for g in ("agency", "kind", "target_group", "area:province", "period:month")]
    + [{"analysis": "overlap"}, {"analysis": "frequency"}],
}


def publish_runs(args, data, results):
    """Publishing a year (issue 17): wall time of POST /publications and the
    service's peak RSS while it computes (memberships of every table, atoms
    and complementary suppression)."""
    for backend in args.backends:
        if backend == "sqlite" and args.national:
            continue
        svc = aggregates_service(backend, data, args, results)
        svc.wait_for_index()
        before = svc.rss_kb() / 1024
        hwm_before = svc.rss_kb("VmHWM") / 1024
        runs = []
        for _ in range(2):
            req = urllib.request.Request(svc.url + "/publications", data=json.dumps(PUBLISH).encode(),
                                         headers={"Authorization": f"Bearer {svc.admin}", "Content-Type": "application/json"})
            t0 = time.monotonic()
            body = json.loads(urllib.request.urlopen(req, timeout=3600).read())
            runs.append(time.monotonic() - t0)
        cells = sum(len(t["rows"]) + 1 for t in body["tables"])
        peak = svc.rss_kb("VmHWM") / 1024
        results[f"{backend}.publish"] = {"seconds": runs, "rss_before_mb": before, "peak_before_mb": hwm_before,
                                         "peak_rss_mb": peak, "rows": cells,
                                         "suppressed_cells": body["suppressed_cells"]}
        log(f"{backend}: published {cells} rows in {min(runs):.1f} s (best of {len(runs)}), "
            f"{body['suppressed_cells']} cells withheld; RSS {before:.0f} MB before, "
            f"peak {peak:.0f} MB (peak before publishing {hwm_before:.0f} MB)")
        if args.publish_history:
            # The province's calendar (issue 28): every month and quarter
            # of the year published, then the year again, checked against
            # all of them (and its two earlier versions).
            def post(period):
                body = dict(PUBLISH, period=period, title=f"bench {period}")
                req = urllib.request.Request(svc.url + "/publications", data=json.dumps(body).encode(),
                                             headers={"Authorization": f"Bearer {svc.admin}",
                                                      "Content-Type": "application/json"})
                t0 = time.monotonic()
                urllib.request.urlopen(req, timeout=7200).read()
                return time.monotonic() - t0
            history = {}
            for m in range(1, 13):
                history[f"2025-{m:02d}"] = post(f"2025-{m:02d}")
                log(f"{backend}: published 2025-{m:02d} in {history[f'2025-{m:02d}']:.1f} s")
            for q in range(1, 5):
                history[f"2025-Q{q}"] = post(f"2025-Q{q}")
                log(f"{backend}: published 2025-Q{q} in {history[f'2025-Q{q}']:.1f} s")
            year = post("2025")
            peak = svc.rss_kb("VmHWM") / 1024
            results[f"{backend}.publish_history"] = {"periods": history, "year_after": year, "peak_rss_mb": peak}
            log(f"{backend}: the year again, with 12 months, 4 quarters and 2 versions known: {year:.1f} s, "
                f"peak {peak:.0f} MB")
        svc.stop()


def import_runs(args, results):
    """Importing a workbook (issue 32): 10,000 rows with 30,000 identified
    participants, end to end through POST /imports and its progress, then
    the same workbook again (every row unchanged); the service's RSS before
    and at its peak."""
    import bench_import
    body = bench_import.workbook(bench_import.rows(10000, 3))
    log(f"import: a workbook of 10,000 rows and 30,000 participants, {len(body) / 1e6:.1f} MB")
    for backend in args.backends:
        svc = Service(backend, db="ct_bench_import")
        token = next(l.split("=", 1)[1] for l in svc.tokens.read_text().splitlines() if l.startswith("womens-union="))
        before = svc.rss_kb() / 1024
        try:
            first, answer = bench_import.run_import(svc.url, token, body)
            if answer["status"] != "done" or answer["summary"].get("created") != 10000:
                raise SystemExit(f"{backend}: the import did not create every row: {answer['status']} {answer['summary']}")
            again, answer2 = bench_import.run_import(svc.url, token, body)
            if answer2["summary"].get("unchanged") != 10000:
                raise SystemExit(f"{backend}: the re-import was not unchanged: {answer2['summary']}")
        finally:
            peak = svc.stop()
        results[f"{backend}.import"] = {"rows": 10000, "participants": 30000, "bytes": len(body), "seconds": first,
                                        "again_seconds": again, "rss_before_mb": before, "peak_rss_mb": peak}
        log(f"{backend}: imported 10,000 rows in {first:.1f} s, again (unchanged) in {again:.1f} s; "
            f"RSS {before:.0f} MB before, peak {peak:.0f} MB (+{peak - before:.0f} MB)")


def rotate_runs(args, results):
    """Rotating the participant key (issue 34) while the service runs: the
    import's 10,000 reports and 30,000 people (plus a copy of each report
    under a second agency, so the hash phase has 20,000 events), then
    `keys rotate-participant-key`, timed; then the workbook imported again
    must be unchanged row by row (hashes recomputed right), and a unique
    count the same before and after."""
    import bench_import
    rows = bench_import.rows(10000, 3)
    body = bench_import.workbook(rows)
    for backend in args.backends:
        svc = Service(backend, db="ct_bench_rotate")
        tokens = dict(l.split("=", 1) for l in svc.tokens.read_text().splitlines())
        try:
            for agency in ("womens-union", "police"):
                _, answer = bench_import.run_import(svc.url, tokens[agency], body)
                if answer["summary"].get("created") != 10000:
                    raise SystemExit(f"{backend}: the import did not create every row: {answer['summary']}")
            people = lambda: json.loads(urllib.request.urlopen(urllib.request.Request(
                f"{svc.url}/aggregates", headers={"Authorization": f"Bearer {svc.viewer}"}), timeout=600).read()
            )["totals"]["unique_participants"]
            before = people()
            t = time.monotonic()
            out = run([BIN, "keys", "rotate-participant-key"], env=svc.env)
            seconds = time.monotonic() - t
            log(f"{backend}: {out.strip()}")
            after = people()
            if after != before:
                raise SystemExit(f"{backend}: unique people {before} before the rotation, {after} after")
            time.sleep(3)  # the service takes the new epoch within 2 s
            for _ in range(100):
                again, answer = bench_import.run_import(svc.url, tokens["womens-union"], body)
                if answer["status"] == "done":
                    break
                time.sleep(0.5)
            if answer["summary"].get("unchanged") != 10000:
                raise SystemExit(f"{backend}: the re-import after the rotation was not unchanged: {answer['summary']}")
        finally:
            svc.stop()
        results[f"{backend}.rotate"] = {"events": 20000, "people": before, "seconds": seconds,
                                        "reimport_seconds": again}
        log(f"{backend}: rotated the key over {before} people and 20,000 events in {seconds:.1f} s; "
            f"the workbook again: unchanged, {again:.1f} s")


def report_runs(args, results):
    """The signed report (issue 33) at a province's size: a post-2025
    province (Thái Nguyên, code 19 from 2025-07-01, its ~90 communes one
    level below), a quarter with every agency active in every commune
    (identified people among them), then the report of the quarter as Word,
    PDF and HTML, timed through HTTP as the official's browser asks."""
    def call(url, token, body=None, method=None):
        req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.read()
    for backend in args.backends:
        svc = Service(backend, db="ct_bench_report")
        tokens = dict(l.split("=", 1) for l in svc.tokens.read_text().splitlines())
        communes, cursor = [], None
        while True:
            q = f"{svc.url}/areas?parent=19&level=commune&on=2025-11-01&limit=500" + (f"&cursor={cursor}" if cursor else "")
            page = json.loads(call(q, svc.viewer))
            communes += [u["code"] for u in page["items"]]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        person = 0
        for agency in AGENCIES:
            items = []
            for i, code in enumerate(communes):
                people = [{"id_type": "citizen_id", "value": f"0019{(person + j) % 20000:08d}"} for j in range(5)]
                person += 3
                items.append({"external_id": f"r-{agency}-{code}", "kind": ["community_meeting", "training_class",
                              "law_dissemination"][i % 3], "title": f"Tuyên truyền tại {code}",
                              "topics": ["human_trafficking"], "target_groups": ["women"],
                              "start_date": f"2025-{10 + i % 3}-{1 + i % 28:02d}", "end_date": f"2025-{10 + i % 3}-{1 + i % 28:02d}",
                              "area_code": code, "sessions": 1 + i % 4,
                              "attendance": {"total": 40 + i % 60, "female": 20, "male": 15, "under_18": 5},
                              "participants": people})
            call(f"{svc.url}/events/batch", tokens[agency], {"items": items})
        timings = {}
        for fmt in ["docx", "pdf", "html"]:
            runs = []
            for _ in range(5):
                t0 = time.monotonic()
                body = call(f"{svc.url}/reports/summary?from=2025-10-01&to=2025-12-31&area=19&format={fmt}", svc.viewer)
                runs.append(time.monotonic() - t0)
            timings[fmt] = {"median_ms": statistics.median(runs) * 1000, "max_ms": max(runs) * 1000, "bytes": len(body)}
            log(f"{backend}: the report of a quarter over {len(communes)} communes, {fmt}: "
                f"median {timings[fmt]['median_ms']:.0f} ms, slowest {timings[fmt]['max_ms']:.0f} ms ({len(body)} bytes)")
        peak = svc.stop()
        results[f"{backend}.report"] = {"communes": len(communes), "events": len(communes) * len(AGENCIES),
                                        "timings": timings, "peak_rss_mb": peak}


def candidate_runs(args, data, results):
    """Duplicate candidates (issue 29): every page an admin and one agency
    walk, the slowest page, and the service's peak RSS."""
    for backend in args.backends:
        if backend == "sqlite" and args.national:
            continue
        svc = aggregates_service(backend, data, args, results)
        svc.wait_for_index()
        tokens = dict(line.split("=", 1) for line in svc.tokens.read_text().split())
        for who, token in [("admin", svc.admin), ("police", tokens["police"])]:
            pages, pairs, slowest = 0, 0, 0.0
            path = "/events/duplicate-candidates?limit=500"
            started = time.monotonic()
            while True:
                req = urllib.request.Request(svc.url + path, headers={"Authorization": f"Bearer {token}"})
                t0 = time.monotonic()
                body = json.loads(urllib.request.urlopen(req, timeout=600).read())
                slowest = max(slowest, time.monotonic() - t0)
                pages += 1
                pairs += len(body["items"])
                cursor = body.get("next_cursor")
                if not cursor:
                    break
                path = f"/events/duplicate-candidates?limit=500&cursor={cursor}"
            total = time.monotonic() - started
            peak = svc.rss_kb("VmHWM") / 1024
            results[f"{backend}.candidates.{who}"] = {"pages": pages, "pairs": pairs, "seconds": total,
                                                       "slowest_page_s": slowest, "peak_rss_mb": peak}
            log(f"{backend}: candidates as {who}: {pairs} pairs in {pages} pages, {total:.1f} s "
                f"(slowest page {slowest * 1000:.0f} ms), peak RSS {peak:.0f} MB")
        svc.stop()


def olap_baselines(args, data, results):
    """DuckDB and chDB over the same plain rows, from the bench's own virtualenv."""
    venv = WORK / "venv"
    py = venv / "bin/python"
    if not py.exists():
        log("creating the bench virtualenv (duckdb, chdb from PyPI)")
        run([sys.executable, "-m", "venv", venv])
    run([py, "-m", "pip", "install", "-q", "duckdb", "chdb"])
    where = {name: SLICES[name][1] for name in CORE_SLICES}
    out = json.loads(run([py, ROOT / "scripts/bench_olap.py", data, args.requests, json.dumps(where)]))
    for engine, r in out.items():
        results[f"{engine}.version"] = r["version"]
        results[f"{engine}.load_s"] = r["load_s"]
        for name in CORE_SLICES:
            results[f"{engine}.{name}"] = {**stats(r[name]["times_ms"]), "rows": r[name]["rows"]}
            log(f"{engine} {name}: median {statistics.median(r[name]['times_ms']):.1f} ms")


def freshness(args, results):
    """Two instances on one PostgreSQL database: how long after a write is
    acknowledged by one does the other's aggregate answer include it? Each
    sample posts one event to A, then asks B for the totals of the event's
    agency until they count it."""
    a = Service("postgres", db="ct_fresh", port=PORT)
    b = Service("postgres", db="ct_fresh", fresh=False, port=PORT + 1, share=a)
    a.wait_for_index()
    b.wait_for_index()
    token = dict(l.split("=", 1) for l in a.tokens.read_text().split())["police"]

    def call(url, token, body=None):
        req = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(req, timeout=10).read())

    first = json.loads(open(generate("small") / "api/police.ndjson").readline())
    delays, polls = [], 0
    for i in range(args.fresh_samples):
        body = dict(first, external_id=f"freshness-{i}")
        call(f"{a.url}/events", token, body)
        acked = time.monotonic()
        while True:
            polls += 1
            t = call(f"{b.url}/aggregates?agency=police", b.viewer)["totals"]
            if t["events"] == i + 1:
                delays.append((time.monotonic() - acked) * 1000)
                break
            if time.monotonic() - acked > 10:
                raise SystemExit("instance B did not see a write within 10 s")
    a.stop()
    b.stop()
    delays.sort()
    results["freshness"] = {
        **stats(delays),
        "p99": delays[min(len(delays) - 1, int(len(delays) * 0.99))],
        "polls_per_sample": polls / len(delays),
    }
    log(f"two instances: write on A visible on B after median {results['freshness']['median']:.1f} ms, p99 {results['freshness']['p99']:.1f} ms")


def ratio(a, b):
    return a / b if b else float("nan")


def report(args, results):
    r = results
    lines = [f"### {'Quick' if args.quick else 'Full'} run, {time.strftime('%Y-%m-%d %H:%M')} UTC", ""]
    med = lambda k: statistics.median(r[k])
    fmt = lambda k: f"{med(k):,.0f} (min {min(r[k]):,.0f}, max {max(r[k]):,.0f})"
    if any(k.endswith(".batch_events_per_s") for k in r):
        lines += ["| ingest (events/s, median of %d runs) | value |" % args.runs, "|---|---|"]
        for b in args.backends:
            lines.append(f"| {b}: batch API, 1 client, 1,000 per request | {fmt(b + '.batch_events_per_s')} |")
            lines.append(f"| {b}: single POSTs, 8 clients | {fmt(b + '.single_events_per_s')} |")
            if b + ".batch_noindex_events_per_s" in r:
                lines.append(f"| {b} without the index: batch | {fmt(b + '.batch_noindex_events_per_s')} |")
                lines.append(f"| {b} without the index: single | {fmt(b + '.single_noindex_events_per_s')} |")
        if "copy_events_per_s" in r:
            lines.append(f"| PostgreSQL `COPY` of the same rows | {fmt('copy_events_per_s')} |")
            lines.append(f"| pgbench, one event + 10 participants per transaction, 8 clients | {fmt('pgbench_tps')} |")
            lines.append("")
            lines.append(f"- batch / COPY: **{ratio(med('postgres.batch_events_per_s'), med('copy_events_per_s')):.1%}** (target at least 25%)")
            lines.append(f"- single / pgbench: **{ratio(med('postgres.single_events_per_s'), med('pgbench_tps')):.1%}** (target at least 75%)")
            lines.append("")
            lines.append("CPU per 1,000 events (median over runs; service process / PostgreSQL processes, seconds):")
            lines.append("")
            for b in args.backends:
                for phase, n in (("batch", r["small"]["reports"]), ("single", args.single)):
                    c = r.get(f"{b}.{phase}_cpu")
                    if c:
                        sv = statistics.median(x["service_cpu_s"] for x in c) * 1000 / n
                        pg = statistics.median(x["postgres_cpu_s"] for x in c) * 1000 / n
                        lines.append(f"- {b} {phase}: service {sv:.2f} s, PostgreSQL {pg:.2f} s")
            reports = r["small"]["reports"]
            lines.append(f"- COPY: PostgreSQL {statistics.median(r['copy_postgres_cpu_s']) * 1000 / reports:.3f} s")
            lines.append(f"- pgbench: PostgreSQL {statistics.median(r['pgbench_postgres_cpu_s']) * 1000 / (med('pgbench_tps') * args.pgbench_seconds):.3f} s (approximate: transactions = tps x duration)")
    lines += ["", "| aggregates (index) | 1 client median / p95 ms | 8 clients median / p95 ms | p95 (8) / median (1) | rows |", "|---|---|---|---|---|"]
    for b in args.backends:
        for name, (query, _) in SLICES.items():
            c1, c8 = r.get(f"{b}.agg.{name}.c1"), r.get(f"{b}.agg.{name}.c8")
            if not c1:
                continue
            eight = f"{c8['median_ms']:.1f} / {c8['p95_ms']:.1f}" if c8 else "n/a"
            spread = f"{c8['p95_ms'] / c1['median_ms']:.1f}" if c8 else "n/a"
            lines.append(f"| {b}: {name} (`{query}`) | {c1['median_ms']:.1f} / {c1['p95_ms']:.1f} | {eight} | {spread} | {c1['rows']:,} |")
    lines += ["", "| reach analytics (index), 1 client | median / p95 / max ms | target ms |", "|---|---|---|"]
    for b in args.backends:
        for name, (path, target) in REACH.items():
            q = r.get(f"{b}.reach.{name}")
            if q:
                met = "met" if q["median_ms"] <= target else "MISSED"
                lines.append(f"| {b}: {name} (`{path}`) | {q['median_ms']:.1f} / {q['p95_ms']:.1f} / {q['max_ms']:.1f} | {target} ({met}) |")
    engines = [("plain PostgreSQL", "plain"), ("DuckDB " + r.get("duckdb.version", "?"), "duckdb"), ("chDB " + r.get("chdb.version", "?"), "chdb")]
    head = " | ".join(e for e, _ in engines)
    lines += ["", f"| by agency, median ms | index | SQL path | {head} | fastest baseline / index |", "|---|---|---|---|---|---|---|"]
    for b in args.backends:
        for name in CORE_SLICES:
            c1 = r.get(f"{b}.agg.{name}.c1")
            if not c1:
                continue
            sqlp = r.get(f"{b}.sql.{name}")
            base = [r.get(f"{k}.{name}") for _, k in engines]
            cells = [f"{x['median']:.1f}" if x else "n/a" for x in base]
            fastest = min((x["median"] for x in base if x), default=None)
            speedup = f"**{fastest / c1['median_ms']:.0f}x**" if fastest else "n/a"
            sql_cell = f"{sqlp['median_ms']:.1f}" if sqlp else "n/a"
            lines.append(f"| {b}: {name} | {c1['median_ms']:.2f} | {sql_cell} | {' | '.join(cells)} | {speedup} |")
    for b in args.backends:
        if f"{b}.index_build_s" in r:
            lines.append("")
            lines.append(f"- {b}: index built {r[f'{b}.index_build_s']:.1f} s after the process started; RSS when built {r[f'{b}.index_ready_rss_mb']:.0f} MB, peak over the aggregate phase {r[f'{b}.agg_rss_mb']:.0f} MB")
    if "freshness" in r:
        f = r["freshness"]
        lines.append(f"- two instances on one PostgreSQL: a write acknowledged by A is in B's next aggregate answer after median {f['median']:.1f} ms, p99 {f['p99']:.1f} ms, max {f['max']:.1f} ms ({f['runs']} writes, {f['polls_per_sample']:.2f} polls of B per write)")
    for b in args.backends:
        if f"{b}.batch_noindex_events_per_s" in r:
            lines.append(
                f"- {b} ingest with the index / without (SQL engine, no change-log triggers): batch "
                f"{ratio(med(b + '.batch_events_per_s'), med(b + '.batch_noindex_events_per_s')):.1%}, single "
                f"{ratio(med(b + '.single_events_per_s'), med(b + '.single_noindex_events_per_s')):.1%}"
            )
    lines += ["", "| peak service RSS (MB) | max over runs |", "|---|---|"]
    for k in sorted(k for k in r if k.endswith("rss_mb")):
        v = r[k] if isinstance(r[k], list) else [r[k]]
        lines.append(f"| {k} | {max(v):.0f} |")
    m = r["aggregates_dataset"]
    lines.append("")
    lines.append("Correctness check against the generator's own counts (the `all` slice's totals):")
    lines.append("")
    for b in args.backends:
        q = r.get(f"{b}.agg.all.c1")
        if q and q.get("totals"):
            t = q["totals"]
            events_ok = t["events"] == m["reports"] - m["duplicates"]
            people_ok = t["unique_participants"] == m["distinct_people"]
            lines.append(
                f"- {b}: events {t['events']:,} (reports {m['reports']:,} - linked duplicates {m['duplicates']:,}: "
                f"{'equal' if events_ok else 'DIFFERENT'}), unique participants {t['unique_participants']:,} "
                f"(distinct people generated {m['distinct_people']:,}: {'equal' if people_ok else 'DIFFERENT'})"
            )
            # Datasets from issue 31 on carry the other totals of everything.
            more = [k for k in ("sessions", "attendances", "identified_attendances", "media_items",
                                     "audience", "reach_min", "reach_max") if k in m and k in t]
            if more:
                lines.append(f"- {b}: " + ", ".join(
                    f"{k} {t[k]:,} ({'equal' if t[k] == m[k] else 'DIFFERENT from ' + format(m[k], ',')})"
                    for k in more))
    for b in args.backends:
        if f"{b}.load" in r:
            l = r[f"{b}.load"]
            lines.append(f"\n{b}: the aggregates dataset ({l['events']:,} events) loaded through the batch API at {l['events_per_s']:,.0f} events/s (2 clients).")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small dataset for everything, fewer single POSTs")
    p.add_argument("--runs", type=int, default=3, help="ingest repetitions (each on a fresh database)")
    p.add_argument("--requests", type=int, default=20, help="requests per aggregate slice and concurrency")
    p.add_argument("--backends", default="postgres,sqlite")
    p.add_argument("--national-events", type=int, default=None, help="override the national size (events)")
    p.add_argument("--sql-requests", type=int, default=3, help="requests per slice on the SQL path")
    p.add_argument("--fresh-samples", type=int, default=200, help="writes in the two-instance freshness phase")
    p.add_argument("--only", default="ingest,aggregates,baselines,freshness",
                   help="phases to run (baselines: the SQL path, plain PostgreSQL, DuckDB and chDB beside the aggregates; "
                        "publish: a year's publication, not run by default; "
                        "candidates: walking the duplicate candidates, not run by default; "
                        "attack: the heaviest aggregate and the memory attacks of issue 29, then SIGTERM, "
                        "not run by default; "
                        "import: a 10,000-row workbook through POST /imports; report: a province's quarter report "
                        "over its ~90 communes; rotate: the participant key's rotation over the import's data; "
                        "these three alone, not run by default)")
    p.add_argument("--without-co-organizers", action="store_true",
                   help="load the aggregates dataset without co-organisers (the claim quota stops a national load "
                        "through agency tokens otherwise)")
    p.add_argument("--publish-history", action="store_true",
                   help="publish: then every month and quarter of the year, and the year again against them")
    a = p.parse_args()
    a.backends = a.backends.split(",")
    a.national = not a.quick
    a.single = 2000 if a.quick else 5000
    a.pgbench_seconds = 5 if a.quick else 10
    a.baseline_repeat = 20 if a.quick else 5
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    psql("postgres", "SELECT 1")
    results = {"mode": "quick" if a.quick else "full", "machine": machine()}
    a.only = a.only.split(",")
    if set(a.only) <= {"import", "report", "rotate"}:
        # Needs no generated dataset.
        if "import" in a.only:
            import_runs(a, results)
        if "report" in a.only:
            report_runs(a, results)
        if "rotate" in a.only:
            rotate_runs(a, results)
        print(json.dumps({k: v for k, v in results.items() if k.endswith((".import", ".report", ".rotate"))},
                         indent=2))
        return
    small = generate("small")
    results["small"] = manifest(small)
    if "ingest" in a.only:
        ingest_runs(a, small, results)
    agg_data = small if a.quick else generate("national", a.national_events)
    if a.without_co_organizers:
        agg_data = without_co_organizers(agg_data)
    results["aggregates_dataset"] = manifest(agg_data)
    if "aggregates" in a.only:
        aggregate_runs(a, agg_data, results)
    if "publish" in a.only:
        publish_runs(a, agg_data, results)
    if "candidates" in a.only:
        candidate_runs(a, agg_data, results)
    if "attack" in a.only:
        from bench_attack import attack_runs
        # The service's own limits, as deployed (the other phases lift the
        # per-token one to measure throughput).
        attack_runs(a, results, lambda backend: aggregates_service(
            backend, agg_data, a, results, extra_env={"TOKEN_REQUESTS_AT_ONCE": "4"}), log)
    if "freshness" in a.only and "postgres" in a.backends:
        freshness(a, results)
    results["seconds"] = time.monotonic() - started
    (WORK / f"results-{results['mode']}.json").write_text(json.dumps(results, indent=2))
    print(report(a, results))
    log(f"done in {results['seconds']:.0f} s; results in {WORK}/results-{results['mode']}.json")


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    pg = psql("postgres", "SHOW server_version").strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gb": round(int(mem) / 1024 / 1024), "postgres": pg}


if __name__ == "__main__":
    main()
