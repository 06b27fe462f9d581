"""The attack phase of scripts/bench.py (issue 29): the service on the
aggregates dataset (national by default), its resident memory at rest, the
heaviest aggregate the answer budget lets through (timed, with the memory
it takes), then the attacks of tests/faults/memory.rs at that size: two
agency tokens sending 8 of the heaviest answers at once each, a viewer's
32, 900 requests with invented methods and the duplicate candidates, three
rounds, while the memory is sampled every 20 ms; then SIGTERM, timed, and
SIGTERM again to a fresh start in the middle of its index build.

Run through scripts/bench.sh --only attack [--without-co-organizers]."""

import collections
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

# The heaviest answer under the default ANSWER_CELLS_MAX (250,000 cells):
# every commune of one month before the 2025 reform (about 10,000 rows of
# 2 keys and 16 measures).
HEAVY = "/aggregates?group_by=area:commune,period:month&from=2024-01-01&to=2024-01-31"


def fetch(url, token, method="GET", timeout=600):
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def attack_runs(args, results, service_for, log):
    for backend in args.backends:
        if backend == "sqlite" and args.national:
            continue
        svc = service_for(backend)
        built = svc.wait_for_index()
        tokens = dict(line.split("=", 1) for line in svc.tokens.read_text().split())
        time.sleep(2)
        at_rest = svc.rss_kb() / 1024
        # The heaviest answer alone, three times.
        times, rows = [], 0
        for _ in range(3):
            t0 = time.monotonic()
            status, body = fetch(svc.url + HEAVY, svc.viewer)
            times.append(time.monotonic() - t0)
            assert status == 200, (status, body[:300])
            rows = len(json.loads(body)["rows"])
        alone = svc.rss_kb("VmHWM") / 1024
        log(f"{backend}: heaviest aggregate {rows} rows in {min(times):.2f} s (best of 3); "
            f"RSS {at_rest:.0f} MB at rest, high-water mark {alone:.0f} MB")
        # The attacks, with the memory sampled.
        peak = [svc.rss_kb()]
        sampling = [True]

        def sample():
            while sampling[0]:
                peak[0] = max(peak[0], svc.rss_kb())
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        statuses = collections.Counter()
        lock = threading.Lock()

        def heavy(token, csv):
            path = HEAVY.replace("/aggregates?", "/aggregates.csv?") if csv else HEAVY
            status, _ = fetch(svc.url + path, token)
            with lock:
                statuses[status] += 1

        def invented(i):
            fetch(svc.url + "/events", None, method=f"X{i}")

        started = time.monotonic()
        for rnd in range(3):
            threads = []
            for token, n in [(tokens["police"], 8), (tokens["womens-union"], 8), (svc.viewer, 32)]:
                threads += [threading.Thread(target=heavy, args=(token, (i + rnd) % 2 == 1)) for i in range(n)]
            threads += [threading.Thread(target=invented, args=(rnd * 300 + i,)) for i in range(300)]
            threads.append(threading.Thread(target=heavy, args=(tokens["police"], False)))
            threads.append(threading.Thread(
                target=lambda: statuses.update([fetch(svc.url + "/events/duplicate-candidates", tokens["police"])[0]])))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        seconds = time.monotonic() - started
        sampling[0] = False
        sampler.join()
        # SIGTERM after the attacks, timed.
        t0 = time.monotonic()
        svc.sampling = False
        svc.sampler.join()
        svc.proc.send_signal(signal.SIGTERM)
        try:
            svc.proc.wait(timeout=60)
            term = time.monotonic() - t0
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            term = None
        svc.log.close()
        # A fresh start, SIGTERM in the middle of its index build.
        log_file = open(svc.dir / "serve-term.log", "w")
        proc = subprocess.Popen([svc.proc.args[0], "serve"], env=svc.env,
                                stdout=log_file, stderr=subprocess.STDOUT)
        for _ in range(600):
            if fetch(f"http://127.0.0.1:{svc.port}/healthz", None, timeout=1)[0] == 200:
                break
            time.sleep(0.05)
        time.sleep(min(5.0, built / 2))
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
            mid_build = time.monotonic() - t0
        except subprocess.TimeoutExpired:
            proc.kill()
            mid_build = None
        log_file.close()
        result = {
            "index_built_s": built, "rss_at_rest_mb": at_rest, "heaviest_rows": rows,
            "heaviest_best_s": min(times), "heaviest_hwm_mb": alone,
            "attack_peak_rss_mb": peak[0] / 1024, "attack_seconds": seconds,
            "statuses": dict(statuses), "sigterm_after_attack_s": term, "sigterm_mid_build_s": mid_build,
        }
        results[f"{backend}.attack"] = result
        log(f"{backend}: attacks in {seconds:.1f} s, statuses {dict(statuses)}; RSS peak {peak[0] / 1024:.0f} MB "
            f"(at rest {at_rest:.0f}); SIGTERM exit {term} s after the attacks, {mid_build} s mid-build "
            f"(index built in {built:.1f} s)")
