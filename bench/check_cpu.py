#!/usr/bin/python3
"""CPU per check at a real interval (issue 29, goal 4).

20 HTTPS URLs on 4 origins (5 each), every 5 s, against one nginx of our own on loopback
(127.21.0.1-4, names c0.cpu.bench.test... mapped with --resolve, certificate verified). Round 1
(the handshakes) is left out: poller's CPU time is read once its results are all written, and
again once the last round's are, from /proc/PID/task/*/schedstat (nanoseconds on a CPU, every
thread); per check = the difference / the checks in between. Each binary given is run in turn,
BENCH_REPS times, interleaved; the median is printed, with min and max.

    bench/check_cpu.py POLLER [POLLER...]

Settings (environment): BENCH_CHECK_SECONDS (180, the run after round 1), BENCH_INTERVAL (5),
BENCH_REPS (1), BENCH_PORT (28630), BENCH_MODE ("" = sequential; "-Z" for a lane per origin).
Every request goes to 127.0.0.0/8 only; no name reaches the machine's resolver.
"""

import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import bench_nginx

SECONDS = int(os.environ.get("BENCH_CHECK_SECONDS", 180))
INTERVAL = float(os.environ.get("BENCH_INTERVAL", 5))
REPS = int(os.environ.get("BENCH_REPS", 1))
PORT = int(os.environ.get("BENCH_PORT", 28630))
MODE = os.environ.get("BENCH_MODE", "").split()
ORIGINS = 4
PER_ORIGIN = 5


def address(i):
    return f"127.21.0.{1 + i}"


def host(i):
    return f"c{i}.cpu.bench.test"


def make_certificates(work):
    bench_nginx.make_certificates(work, "cpu.bench.test")


def start_nginx(work):
    (work / "www").mkdir()
    for k in range(PER_ORIGIN):
        (work / "www" / f"page{k}").write_text("x" * 100)
    listens = [f"{address(i)}:{PORT} ssl" for i in range(ORIGINS)]
    return bench_nginx.start_nginx(work, listens, 256,
                                   f"https://{address(ORIGINS - 1)}:{PORT}/page0")


def write_urls(work):
    urls = work / "urls.txt"
    urls.write_text("".join(f"https://{host(i)}:{PORT}/page{k}\n"
                            for k in range(PER_ORIGIN) for i in range(ORIGINS)))
    return urls


def cpu_ns(pid):
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        total += int((task / "schedstat").read_text().split()[0])
    return total


def one_run(poller, work):
    """CPU ns per check after round 1, and the failures."""
    rounds = 1 + int(SECONDS / INTERVAL)
    urls = write_urls(work)
    args = [poller, *MODE, "--interval", f"{INTERVAL}s", "--count", str(rounds),
            "--format", "none", "-w", "%{http_code}\\n", "--cacert", str(work / "ca.pem")]
    for i in range(ORIGINS):
        args += ["--resolve", f"{host(i)}:{PORT}:{address(i)}"]
    args.append(str(urls))
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    per_round = ORIGINS * PER_ORIGIN
    failed = 0
    start = None
    for n in range(rounds * per_round):
        line = process.stdout.readline()
        if not line:
            sys.exit(f"{poller} ended early")
        failed += line.strip() != "200"
        if n == per_round - 1:
            start = cpu_ns(process.pid)  # round 1 written: the handshakes are left out
    end = cpu_ns(process.pid)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    return (end - start) / ((rounds - 1) * per_round), failed


SYSCALLS = ["recvfrom", "read", "write", "sendto", "epoll_wait", "epoll_ctl", "timerfd_settime"]


def syscall_counts(poller, work, rounds):
    """Syscalls of a whole run of `rounds` rounds at --interval 1, by name (perf's tracepoints:
    counted in the kernel, without strace's slowing down, which changes what a read finds)."""
    urls = write_urls(work)
    out = work / "perf.csv"
    events = ["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{name}" for name in SYSCALLS]
    args = ["perf", "stat", "-x", ",", "-o", str(out), "-e", ",".join(events), poller, *MODE,
            "--interval", "1s", "--count", str(rounds), "--format", "none",
            "--cacert", str(work / "ca.pem")]
    for i in range(ORIGINS):
        args += ["--resolve", f"{host(i)}:{PORT}:{address(i)}"]
    args.append(str(urls))
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    counts = {}
    for line in out.read_text().splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith(("raw_syscalls", "syscalls")):
            name = fields[2].split(":")[1].replace("sys_enter_", "").replace("sys_enter", "all")
            counts[name] = int(fields[0])
    return counts


def syscalls_per_check(poller, work):
    rounds = 11
    many = syscall_counts(poller, work, rounds)
    one = syscall_counts(poller, work, 1)
    checks = (rounds - 1) * ORIGINS * PER_ORIGIN
    return {name: (many[name] - one[name]) / checks for name in many}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory(prefix="poller-cpu-") as name:
        work = Path(name)
        make_certificates(work)
        nginx = start_nginx(work)
        try:
            figures = {poller: [] for poller in sys.argv[1:]}
            failures = {poller: 0 for poller in sys.argv[1:]}
            for _ in range(REPS):
                for poller in sys.argv[1:]:
                    ns, failed = one_run(poller, work)
                    figures[poller].append(ns / 1000)
                    failures[poller] += failed
            load = Path("/proc/loadavg").read_text().split()[:3]
            print(f"{ORIGINS * PER_ORIGIN} HTTPS URLs on {ORIGINS} origins, every {INTERVAL:g} s, "
                  f"{SECONDS} s after round 1, mode: {' '.join(MODE) or 'sequential'}; "
                  f"{REPS} run(s) each, interleaved; load average after: {' '.join(load)}\n")
            print("| poller | CPU per check µs (median) | min–max | failed |")
            print("| --- | --- | --- | --- |")
            for poller, values in figures.items():
                print(f"| {poller} | {statistics.median(values):.1f} | "
                      f"{min(values):.1f}–{max(values):.1f} | {failures[poller]} |")
            print("\nSyscalls per check (perf stat tracepoints; (11 rounds - 1 round) / 200 "
                  "checks, --interval 1):\n")
            print("| poller | all | " + " | ".join(SYSCALLS) + " |")
            print("| --- | --- | " + " | ".join("---" for _ in SYSCALLS) + " |")
            for poller in sys.argv[1:]:
                per = syscalls_per_check(poller, work)
                print(f"| {poller} | {per['all']:.2f} | "
                      + " | ".join(f"{per[name]:.2f}" for name in SYSCALLS) + " |")
        finally:
            nginx.terminate()
            nginx.wait()


if __name__ == "__main__":
    main()
