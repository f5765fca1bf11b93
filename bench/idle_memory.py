#!/usr/bin/python3
"""Memory per idle keep-alive TLS connection (issue 29, goal 2).

One nginx of our own (one worker, no master) listens with TLS on N loopback addresses
127.20.x.y, one origin each, named h00000.idle.bench.test... and mapped with --resolve, so the
certificate (a wildcard, from a CA made for the run) is verified as a real site's would be; with
BENCH_INSECURE=1 the URLs are the addresses themselves, with -k, as in the issue. poller fetches
each origin once (-Z, round 1), then waits for round 2 with every connection idle in its pool: its
RSS is read then (/proc/PID/status VmRSS; VmHWM is the peak so far), and it is stopped.

Per connection = the slope between two sizes, (RSS(N) - RSS(N0)) / (N - N0), so that what poller
holds whatever the list (trust store, code, the list itself as parsed) is left out; the list's
share grows with N, so a list of plain URLs (no connection kept, --max-connections 0) is measured
the same way and its slope given apart.

    bench/idle_memory.py POLLER [POLLER...]     one table row per binary

Settings (environment): BENCH_IDLE_N (5000), BENCH_IDLE_N0 (1000), BENCH_PARALLEL (100, the
--parallel-max of round 1), BENCH_PORT (28610), BENCH_INSECURE (0), BENCH_REPS (1).
Every request goes to 127.0.0.0/8 only; no name reaches the machine's resolver.
"""

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_nginx

N = int(os.environ.get("BENCH_IDLE_N", 5000))
N0 = int(os.environ.get("BENCH_IDLE_N0", 1000))
PARALLEL = int(os.environ.get("BENCH_PARALLEL", 100))
PORT = int(os.environ.get("BENCH_PORT", 28610))
INSECURE = os.environ.get("BENCH_INSECURE", "0") == "1"
REPS = int(os.environ.get("BENCH_REPS", 1))


def address(i):
    return f"127.20.{i // 250}.{1 + i % 250}"


def host(i):
    return f"h{i:05d}.idle.bench.test"


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def make_certificates(work):
    bench_nginx.make_certificates(work, "idle.bench.test")


def start_nginx(work, count):
    (work / "www").mkdir()
    (work / "www" / "100b").write_text("x" * 100)
    listens = [f"{address(i)}:{PORT} ssl backlog=4096" for i in range(count)]
    # Listening sockets take worker connections too (as in bench/run).
    return bench_nginx.start_nginx(work, listens, 4 * count + 1024,
                                   f"https://{address(count - 1)}:{PORT}/100b",
                                   preexec_fn=raise_fd_limit)


def status_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def write_list(work, count, plain=False):
    path = work / f"list_{count}_{int(plain)}.txt"
    with open(path, "w") as out:
        for i in range(count):
            if plain:
                out.write(f"http://{address(i)}:{PORT + 1}/100b\n")  # nobody listens: refused
            elif INSECURE:
                out.write(f"https://{address(i)}:{PORT}/100b\n")
            else:
                out.write(f"https://{host(i)}:{PORT}/100b\n")
    return path


def idle_rss(poller, work, count, plain=False):
    """poller's RSS (KiB) once round 1 is done and its connections wait in the pool, its peak RSS
    (KiB), and how many fetches failed."""
    args = [poller, "-Z", "--parallel-max", str(PARALLEL), "--interval", "600s",
            "--count", "2", "--format", "none", "-w", "%{http_code} %{errormsg}\\n"]
    args += ["--max-connections", "0" if plain else str(count + 16)]
    if INSECURE or plain:
        args.append("-k")
    else:
        args += ["--cacert", str(work / "ca.pem")]
        for i in range(count):
            args += ["--resolve", f"{host(i)}:{PORT}:{address(i)}"]
    args.append(str(write_list(work, count, plain)))
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               preexec_fn=raise_fd_limit, text=True)
    failed = 0
    for _ in range(count):
        line = process.stdout.readline()
        if not line:
            sys.exit(f"{poller} ended before round 1 was done")
        if not line.startswith("200"):
            failed += 1
            if failed <= 3 and not plain:
                print(f"failed: {line.strip()}", file=sys.stderr)
    time.sleep(1.0)  # the last results written, every exchange gone
    rss = status_kb(process.pid, "VmRSS")
    peak = status_kb(process.pid, "VmHWM")
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    return rss, peak, failed


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="poller-idle-") as name:
        work = Path(name)
        make_certificates(work)
        nginx = start_nginx(work, N)
        try:
            mode = "-k, IP literals" if INSECURE else "verified, --resolve"
            print(f"N0 = {N0}, N = {N} TLS origins ({mode}), -Z --parallel-max {PARALLEL}; "
                  f"best of {REPS}\n")
            print("| poller | RSS idle at N0 | RSS idle at N | peak RSS at N | failed | "
                  "list alone per URL | per idle TLS connection |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
            for poller in sys.argv[1:]:
                runs = []
                for _ in range(REPS):
                    small = idle_rss(poller, work, N0)
                    large = idle_rss(poller, work, N)
                    plain_small = idle_rss(poller, work, N0, plain=True)
                    plain_large = idle_rss(poller, work, N, plain=True)
                    runs.append((small, large, plain_small, plain_large))
                per_url = min((pl[0] - ps[0]) * 1024 / (N - N0) for _, _, ps, pl in runs)
                best = min(runs, key=lambda r: r[1][0] - r[0][0])
                small, large, _, _ = best
                slope = (large[0] - small[0]) * 1024 / (N - N0)
                print(f"| {poller} | {small[0] / 1024:.1f} MiB | {large[0] / 1024:.1f} MiB | "
                      f"{large[1] / 1024:.1f} MiB | {small[2] + large[2]} | {per_url:,.0f} B | "
                      f"{slope - per_url:,.0f} B ({slope:,.0f} B with the list's share) |",
                      flush=True)
        finally:
            nginx.terminate()
            nginx.wait()


if __name__ == "__main__":
    main()
