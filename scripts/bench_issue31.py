#!/usr/bin/env python3
"""Issue 31: the reach index before and after sessions, tallies and
audiences, measured in one run on one machine, as ratios.

    python3 scripts/bench_issue31.py --base-bin DIR --new-bin DIR [--events N] [--rounds 2]

DIR holds a release `campaign-tracker` and `bench_client` (e.g. built from
7176fea, the commit before issue 31, and from this branch). The dataset is
the old generator's (`--base-bin`'s `dev generate --size national --seed 1`,
`--events N` to make it smaller): the dataset every earlier national figure
in BENCHMARKS.md was measured on. It is loaded once through the base
binary's batch API (2 clients, plus the links) into `ct31_base`, copied to
`ct31_new` (`CREATE DATABASE ... TEMPLATE`) and migrated there by the new
binary (the issue's migration: broadcasts' totals become audiences), so both
indexes are built from the same events. Then, `--rounds` times and in
alternating order, each binary is started on its database: the index's
build time and RSS when ready, then scripts/bench.py's aggregate slices (but
commune x month, over the cell limit of an answer) and reach analytics (20 requests each from 1 client, the core slices also from
8), and the peak RSS. Uses ports 18380 and databases ct31_base / ct31_new
only (dropped and recreated), so it does not disturb scripts/bench.py's.
Prints a Markdown table; keeps every figure in target/bench/issue31.json.
"""

import argparse
import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench as B  # noqa: E402

PORT = 18380
# bench.py's slices but commune x month, which both binaries now refuse on
# this dataset (over the 1,000,000-cell limit of an answer).
SLICES = {k: v for k, v in B.SLICES.items() if k != "commune_month"}


def use(bindir):
    B.BIN = pathlib.Path(bindir) / "campaign-tracker"
    B.CLIENT = pathlib.Path(bindir) / "bench_client"


def load_base(args, data):
    """Loads the dataset into ct31_base with the base binary; returns the load's figures."""
    use(args.base_bin)
    svc = B.Service("postgres", db="ct31_base", port=PORT)
    B.log(f"loading {data.name} into ct31_base through the base binary's batch API (2 clients)")
    load = B.ingest(svc, data, "batch", 2, links=True)
    B.log(f"loaded {load['events']} events in {load['seconds']:.0f} s ({load['events_per_s']:.0f} events/s), linked {load['linked']}")
    svc.stop()
    B.psql("ct31_base", "VACUUM ANALYZE")
    B.psql("postgres", "DROP DATABASE IF EXISTS ct31_new")
    B.psql("postgres", "CREATE DATABASE ct31_new TEMPLATE ct31_base")
    # The same keys (participant keys were made with them).
    new_dir = B.WORK / "service-postgres-ct31_new"
    shutil.rmtree(new_dir, ignore_errors=True)
    shutil.copytree(svc.dir, new_dir, ignore=shutil.ignore_patterns("serve-*.log"))
    return load


def measure(args, label, bindir, db, results):
    use(bindir)
    svc = B.Service("postgres", db=db, fresh=False, port=PORT)
    r = {"index_build_s": svc.wait_for_index()}
    r["index_ready_rss_mb"] = svc.rss_kb() / 1024
    B.log(f"{label}: index built {r['index_build_s']:.1f} s after start, RSS {r['index_ready_rss_mb']:.0f} MB")
    for name, (query, _) in SLICES.items():
        for conc in (1, 8):
            if name not in B.CORE_SLICES and conc == 8:
                continue
            q = B.client("query", svc.url, svc.viewer, "/aggregates?" + query, args.requests, conc)
            if q.get("meta_engine", "index") != "index":
                raise SystemExit(f"{label} {name}: answered by {q['meta_engine']}, not the index")
            r[f"agg.{name}.c{conc}"] = q
            B.log(f"{label} {name}, {conc} client(s): median {q['median_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms")
    for name, (path, _) in B.REACH.items():
        q = B.client("query", svc.url, svc.viewer, path, args.requests, 1)
        r[f"reach.{name}"] = q
        B.log(f"{label} reach {name}: median {q['median_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms")
    r["peak_rss_mb"] = svc.stop()
    results.setdefault(label, []).append(r)


def paired(args, results):
    """Both binaries running at once (ports 18380 and 18381), their indexes
    built, then `--paired` blocks of `--requests` requests of each figure,
    alternating between the two: the same minutes of a noisy machine for
    both. Returns the per-block medians."""
    use(args.base_bin)
    base = B.Service("postgres", db="ct31_base", fresh=False, port=PORT)
    use(args.new_bin)
    new = B.Service("postgres", db="ct31_new", fresh=False, port=PORT + 1)
    base.wait_for_index()
    new.wait_for_index()
    figures = {f"agg.{n}": "/aggregates?" + q for n, (q, _) in SLICES.items()}
    figures.update({f"reach.{n}": p for n, (p, _) in B.REACH.items() if n != "month_topic"})
    out = {"base": {}, "new": {}}
    for i in range(args.paired):
        for name, path in figures.items():
            pair = [("base", base), ("new", new)]
            if i % 2:
                pair.reverse()
            for label, svc in pair:
                use(args.base_bin if label == "base" else args.new_bin)
                q = B.client("query", svc.url, svc.viewer, path, args.requests, 1)
                out[label].setdefault(name, []).append(q["median_ms"])
        B.log(f"paired block {i + 1}/{args.paired} done")
    base.stop()
    new.stop()
    results["paired"] = out
    lines = ["", f"Paired: both running, {args.paired} alternating blocks of {args.requests} requests (1 client); "
             "median over blocks of each block's median, ms.", "",
             "| figure | base | new | new / base |", "|---|---|---|---|"]
    for name, path in figures.items():
        b, n = statistics.median(out["base"][name]), statistics.median(out["new"][name])
        lines.append(f"| {name} (`{path}`) | {b:.1f} | {n:.1f} | {n / b:.2f} |")
    return "\n".join(lines)


def rows(results):
    """(name, key in a round's figures, field) for every figure of the table."""
    out = [("index built after start (s)", "index_build_s", None),
           ("RSS when the index is ready (MB)", "index_ready_rss_mb", None),
           ("peak RSS over the phase (MB)", "peak_rss_mb", None)]
    for name, (query, _) in SLICES.items():
        out.append((f"{name} (`{query}`), 1 client, median ms", f"agg.{name}.c1", "median_ms"))
        out.append((f"{name}, 1 client, p95 ms", f"agg.{name}.c1", "p95_ms"))
        if name in B.CORE_SLICES:
            out.append((f"{name}, 8 clients, p95 ms", f"agg.{name}.c8", "p95_ms"))
    for name, (path, _) in B.REACH.items():
        out.append((f"reach {name} (`{path}`), median ms", f"reach.{name}", "median_ms"))
    return out


def value(r, key, field):
    return r[key] if field is None else r[key][field]


def report(args, results, data, load):
    m = B.manifest(data)
    lines = [f"Dataset: {data.name} ({m['reports']:,} reports, {m['attendance_rows']:,} attendance rows, "
             f"{m['distinct_people']:,} distinct people); loaded at {load['events_per_s']:,.0f} events/s "
             f"by the base binary; {args.rounds} round(s), alternating; {args.requests} requests per figure.", "",
             "| figure | base (7176fea), median of rounds | new (issue 31), median of rounds | new / base |",
             "|---|---|---|---|"]
    for label, key, field in rows(results):
        b = [value(r, key, field) for r in results["base"]]
        n = [value(r, key, field) for r in results["new"]]
        mb, mn = statistics.median(b), statistics.median(n)
        per = lambda xs: ", ".join(f"{x:.1f}" for x in xs)
        lines.append(f"| {label} | {mb:.1f} ({per(b)}) | {mn:.1f} ({per(n)}) | {mn / mb:.2f} |")
    for label in ("base", "new"):
        t = results[f"{label}.totals"]
        lines.append("")
        lines.append(f"- {label} totals of `all`: " + ", ".join(f"{k} {v}" for k, v in t.items()))
    return "\n".join(lines)


def totals(args, label, bindir, db, results):
    use(bindir)
    svc = B.Service("postgres", db=db, fresh=False, port=PORT)
    svc.wait_for_index()
    q = B.client("query", svc.url, svc.viewer, "/aggregates?group_by=agency", 1, 1)
    results[f"{label}.totals"] = q.get("totals")
    svc.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-bin", required=True)
    p.add_argument("--new-bin", required=True)
    p.add_argument("--events", type=int, default=None, help="events of the national dataset (default: 1,000,000)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--reuse", action="store_true", help="keep ct31_base / ct31_new from an earlier run")
    p.add_argument("--paired", type=int, default=0, help="then this many paired blocks (both binaries running)")
    args = p.parse_args()
    B.WORK.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    name = "data31-base-national" + (f"-{args.events}" if args.events else "")
    data = B.WORK / name
    if not (data / "manifest.json").exists():
        use(args.base_bin)
        B.log(f"generating {data} with the base binary")
        cmd = [B.BIN, "dev", "generate", "--size", "national", "--seed", B.SEED, "--out", data]
        if args.events:
            cmd += ["--events", args.events]
        subprocess.run([str(c) for c in cmd], check=True)
    data = B.without_co_organizers(data)
    results = {"machine": B.machine(), "args": vars(args)}
    load_file = B.WORK / "issue31-load.json"
    if args.reuse and load_file.exists():
        load = json.loads(load_file.read_text())
    else:
        load = load_base(args, data)
        load_file.write_text(json.dumps(load))
    results["load"] = load
    # The new binary migrates its copy on its first start (not timed with
    # the queries); each binary's totals of everything, once.
    for label, bindir, db in (("base", args.base_bin, "ct31_base"), ("new", args.new_bin, "ct31_new")):
        totals(args, label, bindir, db, results)
    B.psql("ct31_new", "VACUUM ANALYZE")
    for i in range(args.rounds):
        order = [("base", args.base_bin, "ct31_base"), ("new", args.new_bin, "ct31_new")]
        if i % 2:
            order.reverse()
        for label, bindir, db in order:
            B.log(f"round {i + 1}/{args.rounds}: {label}")
            measure(args, label, bindir, db, results)
    text = report(args, results, data, load) if args.rounds else ""
    if args.paired:
        text += paired(args, results)
    results["seconds"] = time.monotonic() - started
    (B.WORK / "issue31.json").write_text(json.dumps(results, indent=2))
    print(text)
    B.log(f"done in {results['seconds']:.0f} s")


if __name__ == "__main__":
    main()
