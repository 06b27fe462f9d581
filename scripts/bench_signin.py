#!/usr/bin/env python3
"""Sign-in cost and a sign-in flood against the real binary (issue 30).

Starts target/release/campaign-tracker on a fresh SQLite directory, makes
an account with the CLI, then prints:
  - the time of one sign-in with the right password (median of N), which is
    one Argon2id verification (19 MiB, t=2) plus the session insert;
  - a flood: F sign-ins at once with wrong passwords for unknown usernames,
    from A client addresses (127.0.0.2 ... on loopback): the answers by
    status, the wall time, and the process's peak RSS (VmHWM) before and
    after, which the bounded hashing (two at once, one per address, a 5 s
    queue) keeps flat.
Usage: scripts/bench_signin.py [--n 20] [--flood 200] [--addresses 50]
"""
import argparse, http.client, json, os, socket, subprocess, sys, tempfile, threading, time, urllib.request, urllib.error

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code

def post_from(port, source, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        c.request("POST", "/api/v1/session", json.dumps(body), {"Content-Type": "application/json"})
        return c.getresponse().status
    finally:
        c.close()

def hwm(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--flood", type=int, default=200)
    ap.add_argument("--addresses", type=int, default=50)
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(["cargo", "build", "-q", "--release"], cwd=root, check=True)
    binary = os.path.join(root, "target/release/campaign-tracker")
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, DATA_DIR=d, RUST_LOG="warn", LOAD_AREAS="false")
        env.pop("DATABASE_URL", None)
        password = "mot mat khau dai de do thoi gian"
        subprocess.run([binary, "account", "create", "--username", "bench", "--role", "viewer", "--password-stdin"],
                       input=password + "\n", text=True, env=env, check=True, capture_output=True)
        port = free_port()
        env["BIND_ADDR"] = f"127.0.0.1:{port}"
        proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/readyz", timeout=1); break
                except Exception:
                    time.sleep(0.1)
            times = []
            for _ in range(a.n):
                t = time.perf_counter()
                status = post(base + "/api/v1/session", {"username": "bench", "password": password})
                times.append(time.perf_counter() - t)
                assert status == 200, status
            times.sort()
            print(f"sign-in (right password), median of {a.n}: {times[len(times)//2]*1000:.0f} ms "
                  f"(min {times[0]*1000:.0f}, max {times[-1]*1000:.0f})")
            before = hwm(proc.pid)
            statuses = {}
            lock = threading.Lock()
            def one(i):
                source = f"127.0.0.{2 + i % a.addresses}"
                s = post_from(port, source, {"username": f"flood{i}", "password": "guess guess guess"})
                with lock:
                    statuses[s] = statuses.get(s, 0) + 1
            threads = [threading.Thread(target=one, args=(i,)) for i in range(a.flood)]
            t = time.perf_counter()
            for th in threads: th.start()
            for th in threads: th.join()
            wall = time.perf_counter() - t
            after = hwm(proc.pid)
            print(f"flood of {a.flood} wrong sign-ins at once from {a.addresses} addresses: {dict(sorted(statuses.items()))} "
                  f"in {wall:.1f} s; peak RSS {before} MB before, {after} MB after")
        finally:
            proc.terminate(); proc.wait(timeout=20)

if __name__ == "__main__":
    sys.exit(main())
