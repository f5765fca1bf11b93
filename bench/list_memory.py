#!/usr/bin/python3
"""What a long list costs poller before and after its fetches, without connections (issue 29,
goals 1 and 2: "Per origin without a connection" in RESULTS.md).

    bench/list_memory.py start POLLER [POLLER...]
        The list alone: URLS https URLs (URLS/ORIGINS per origin, names given with --resolve, as in
        scale.py) and nobody listening, `-Z --spread --interval 600s`: poller's VmRSS WAIT seconds
        after its start, before all but a few lanes have begun (each starts at its fraction of the
        interval). Run at a few sizes, the slopes give what a URL and an origin cost.

    bench/list_memory.py rounds POLLER [POLLER...]
        What results add: ORIGINS http origins x URLS/ORIGINS URLs on one nginx of our own (100 B
        bodies), `-Z --interval 2s`: VmRSS when round 1's results are written and when round
        ROUNDS's are.

Settings (environment): BENCH_URLS (100000 for start, 10000 for rounds), BENCH_ORIGINS (10000
for start, 1000 for rounds), BENCH_WAIT (6), BENCH_ROUNDS (6), BENCH_PORT (28699).
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

PORT = int(os.environ.get("BENCH_PORT", 28699))


def status_mib(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start(pollers, work):
    urls = int(os.environ.get("BENCH_URLS", 100000))
    origins = int(os.environ.get("BENCH_ORIGINS", 10000))
    wait = float(os.environ.get("BENCH_WAIT", 6))
    name = lambda i: f"s{i:05d}.hosts.bench.test"  # noqa: E731
    # Interleaved, as a real list is not sorted by origin; 100 addresses, as scale.py's.
    path = work / "list.txt"
    path.write_text("".join(f"https://{name(i)}:{PORT}/u{u}\n"
                            for u in range(urls // origins) for i in range(origins)))
    print(f"{urls} URLs on {origins} origins, -Z --spread --interval 600s, VmRSS {wait:g} s "
          "after start\n")
    for poller in pollers:
        argv = [poller, "-Z", "--spread", "--interval", "600s", "--format", "none",
                "--cacert", "/etc/ssl/certs/ca-certificates.crt"]
        for i in range(origins):
            argv += ["--resolve", f"{name(i)}:{PORT}:127.0.1.{1 + i % 100}"]
        process = subprocess.Popen(argv + [str(path)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, preexec_fn=raise_fd_limit)
        time.sleep(wait)
        print(f"{poller}: VmRSS {status_mib(process.pid, 'VmRSS'):.1f} MiB", flush=True)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def rounds(pollers, work):
    urls = int(os.environ.get("BENCH_URLS", 10000))
    origins = int(os.environ.get("BENCH_ORIGINS", 1000))
    last = int(os.environ.get("BENCH_ROUNDS", 6))
    per = urls // origins
    address = lambda i: f"127.23.{i // 250}.{1 + i % 250}"  # noqa: E731
    bench_nginx.make_certificates(work, "rounds.bench.test")  # nginx's conf names them
    (work / "www").mkdir()
    for u in range(per):
        (work / "www" / f"u{u}").write_text("x" * 100)
    nginx = bench_nginx.start_nginx(work, [f"{address(i)}:{PORT}" for i in range(origins)],
                                    4 * origins + 1024, f"http://{address(origins - 1)}:{PORT}/u0",
                                    preexec_fn=raise_fd_limit)
    path = work / "list.txt"
    path.write_text("".join(f"http://{address(i)}:{PORT}/u{u}\n"
                            for u in range(per) for i in range(origins)))
    print(f"{per * origins} URLs on {origins} http origins, -Z --interval 2s\n")
    try:
        for poller in pollers:
            argv = [poller, "-Z", "--interval", "2s", "--count", str(last + 1), "--format", "none",
                    "-w", "%{http_code}\\n", str(path)]
            process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       text=True, preexec_fn=raise_fd_limit)
            failed, seen = 0, []
            for round_ in range(1, last + 1):
                for _ in range(per * origins):
                    line = process.stdout.readline()
                    if not line:
                        sys.exit(f"{poller} ended before round {round_} was done")
                    failed += not line.startswith("200")
                if round_ in (1, last):
                    time.sleep(0.3)  # the round's last exchanges gone
                    seen.append(status_mib(process.pid, "VmRSS"))
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=60)
            print(f"{poller}: VmRSS after round 1 {seen[0]:.1f} MiB, after round {last} "
                  f"{seen[1]:.1f} MiB: {(seen[1] - seen[0]) * 1048576 / (per * origins):,.0f} B "
                  f"per URL; {failed} failed", flush=True)
    finally:
        nginx.terminate()
        nginx.wait()


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("start", "rounds"):
        sys.exit(__doc__)
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="poller-list-memory-") as name:
        (start if sys.argv[1] == "start" else rounds)(sys.argv[2:], Path(name))


if __name__ == "__main__":
    main()
