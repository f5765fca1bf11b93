#!/usr/bin/python3
"""Polite polling measured (issue 27), against small asyncio servers of our own on loopback.
Every request goes to 127.0.0.0/8 only.

    bench/polite.py

1. spread: a dead origin (full backlog) among 99 healthy ones, -Z --interval 1, with and
   without --spread: round-start lateness over ALL rounds, round 1 included
   (poller_round_lateness_seconds from /metrics), and the ticks skipped.
2. conditional: a 1 MiB page whose ETag and body change every 10th request, --on-change
   --interval 0 --count 100, with and without --conditional (--on-change implies it; "without"
   is -H 'If-None-Match:', which removes the header): bytes the server sent, client CPU per
   round, the server's count of 304s.
3. burst: the server's view of --spread: requests per 100 ms bucket over 10 rounds of 1,000
   URLs at --interval 1 (one origin sequential; 100 origins x 10 URLs with -Z), max and mean.

Settings (environment): BENCH_PORT (28620 and up to 60 more), BENCH_POLLER
(build/release/src/poller), BENCH_REPS (3: runs of section 2, the median kept),
BENCH_SECTIONS (spread,conditional,burst).

Prints the Markdown section for bench/RESULTS.md on stdout.
"""

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parallel import (DelayServer, FullBacklogListener, host, load_average,  # noqa: E402
                      metrics_lateness)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PORT = int(os.environ.get("BENCH_PORT", 28620))
POLLER = os.environ.get("BENCH_POLLER", str(REPO / "build/release/src/poller"))
REPS = int(os.environ.get("BENCH_REPS", 3))
SECTIONS = os.environ.get("BENCH_SECTIONS", "spread,conditional,burst").split(",")


_ports = iter(range(PORT + 20, PORT + 60))


def fresh_port():
    return next(_ports)


class AsyncServer:
    """An asyncio HTTP/1.1 keep-alive server on a thread; subclasses answer(head) -> bytes."""

    def __init__(self, addresses, port):
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)

            async def start():
                await asyncio.start_server(self._serve, host=addresses, port=port, backlog=1024)
            self.loop.run_until_complete(start())
            ready.set()
            self.loop.run_forever()
        threading.Thread(target=run, daemon=True).start()
        ready.wait()

    async def _serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                writer.write(self.answer(head))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


class VersionedPage(AsyncServer):
    """1 MiB, ETag "vN", N = requests // 10: a new version every 10th request. Honours
    If-None-Match; counts 304s and the bytes it sends."""

    def __init__(self, addresses, port):
        self.requests = self.not_modified = self.sent = 0
        super().__init__(addresses, port)

    def answer(self, head):
        version = self.requests // 10
        self.requests += 1
        etag = f'"v{version}"'
        m = re.search(rb"\r\nif-none-match: *([^\r]*)", head, re.IGNORECASE)
        if m and m.group(1).decode() == etag:
            self.not_modified += 1
            out = f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n".encode()
        else:
            body = bytes([97 + version % 26]) * (1024 * 1024)
            out = (f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nETag: {etag}\r\n"
                   "Content-Type: text/plain\r\n\r\n").encode() + body
        self.sent += len(out)
        return out


class StampServer(AsyncServer):
    """'ok' at once; keeps each request's arrival time."""

    def __init__(self, addresses, port):
        self.arrivals = []
        super().__init__(addresses, port)

    def answer(self, head):
        self.arrivals.append(time.monotonic())
        return b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n"


def run_measured(argv):
    """Runs argv; returns (wall s, CPU s user+sys from wait4, microsecond resolution, stdout)."""
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = 0  # reaped above
        out.seek(0)
        return wall, usage.ru_utime + usage.ru_stime, out.read().decode()


def percentile_bucket(buckets, share):
    """The smallest `le` bound holding `share` of the observations."""
    total = buckets.get("+Inf", 0)
    for le in sorted((b for b in buckets if b != "+Inf"), key=float):
        if total and buckets[le] / total >= share:
            return f"<= {float(le) * 1000:g} ms"
    return "> largest bucket"


def spread_section():
    healthy = [host(i) for i in range(1, 100)]
    server = DelayServer(healthy, PORT + 2)
    dead_port = PORT + 1
    dead = FullBacklogListener("127.0.0.1", dead_port)  # noqa: F841 - kept alive by the name
    tmp = Path(tempfile.mkdtemp())
    urls = [f"http://127.0.0.1:{dead_port}/dead"] + [f"http://{a}:{PORT + 2}/h" for a in healthy]
    (tmp / "list.txt").write_text("\n".join(urls) + "\n")
    rounds = 10
    rows = []
    for label, extra in (("-Z --spread", ["--spread"]), ("-Z", [])):
        load = load_average()
        argv = [POLLER, "-Z", "--parallel-max", "200", "--interval", "1", "--format", "none",
                "--metrics-listen", f"127.0.0.1:{PORT + 3}"] + extra + [str(tmp / "list.txt")]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Offsets are under a second: by then every lane has started rounds 1 to 10 (some an
        # 11th); the histogram holds them all, round 1 included.
        time.sleep(rounds + 0.1)
        buckets = metrics_lateness(f"http://127.0.0.1:{PORT + 3}/metrics")
        proc.send_signal(2)
        err = proc.communicate(timeout=30)[1]
        skipped_healthy = sum(1 for line in err.splitlines()
                              if "took longer" in line and f":{PORT + 2}:" in line)
        skipped_all = sum(int(m) for m in re.findall(r"(\d+) tick\(s\) skipped", err))
        total = buckets.get("+Inf", 0)
        share = lambda le: f"{100 * buckets.get(le, 0) / total:.1f} %" if total else "n/a"
        met = total and buckets.get("0.005", 0) / total >= 0.99 and skipped_healthy == 0
        rows.append(f"| `{label}` | {total} | {share('0.001')} | {share('0.005')} | "
                    f"{share('0.025')} | {percentile_bucket(buckets, 0.99)} | {skipped_healthy} | "
                    f"{skipped_all} | {'**met**' if met else 'not met'} | {load} |")
    cmd = ("poller -Z [--spread] --parallel-max 200 --interval 1 --format none "
           f"--metrics-listen ... list.txt, scraped {rounds}.1 s after start")
    return ["### `--spread` with -Z: a dead origin among 99 healthy ones, --interval 1, "
            "all rounds (round 1 included)", "",
            f"`{cmd}`; 50 ms per response; lateness from `poller_round_lateness_seconds` read "
            "just before the end, so every lane's round 1 is in it.", "",
            "| mode | round starts | <= 1 ms | <= 5 ms | <= 25 ms | p99 | healthy lanes' "
            "overrun warnings | ticks skipped (all, the dead lane's) | goal: p99 < 5 ms, 0 "
            "healthy skips | load average before |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"] + rows + [""]


def conditional_section():
    rows = []
    figures = {}
    for label, extra in (("--on-change (conditional)", []),
                         ("--on-change, If-None-Match removed", ["-H", "If-None-Match:"])):
        runs = []
        for rep in range(REPS):
            port = fresh_port()  # a fresh server (counts from 0) per run
            server = VersionedPage(["127.0.0.1"], port)
            wall, cpu, out = run_measured([POLLER, "--on-change", "--interval", "0", "--count",
                                         "100", "--format", "none", "-w", "%{http_code}\\n"] +
                                        extra + [f"http://127.0.0.1:{port}/page"])
            runs.append((cpu, server.sent, server.not_modified, wall, out.count("200")))
        cpu, sent, not_modified, wall, printed = sorted(runs)[len(runs) // 2]
        figures[label] = (cpu, sent)
        rows.append(f"| {label} | {sent / 100 / 1024:.1f} KiB | {cpu / 100 * 1000:.2f} ms | "
                    f"{not_modified} | {printed} | {wall:.2f} s |")
    (c_cpu, c_sent), (u_cpu, u_sent) = figures.values()
    return ["### Conditional requests: a 1 MiB page changing every 10th round, 100 rounds", "",
            "`poller --on-change --interval 0 --count 100 --format none -w '%{http_code}\\n' "
            "[-H 'If-None-Match:'] URL`, against an asyncio server (ETag \"vN\", a new version "
            f"every 10th request); median of {REPS} runs by client CPU (wait4).", "",
            "| mode | bytes sent by the server per round | client CPU per round (user+sys) | "
            "304s the server sent | records printed (--on-change) | wall |",
            "| --- | --- | --- | --- | --- | --- |"] + rows + [
            "", f"Ratio (conditional / not): bytes {c_sent / u_sent:.3f}, client CPU "
            f"{c_cpu / u_cpu:.2f}.", ""]


def buckets_of(arrivals, width=0.1):
    start = min(arrivals)
    counts = {}
    for t in arrivals:
        key = int((t - start) / width)
        counts[key] = counts.get(key, 0) + 1
    n = int((max(arrivals) - start) / width) + 1
    return [counts.get(i, 0) for i in range(n)]


def burst_section():
    rows = []
    one = StampServer(["127.0.0.1"], PORT + 6)
    origins = [host(i) for i in range(100)]
    many = StampServer(origins, PORT + 7)
    tmp = Path(tempfile.mkdtemp())
    (tmp / "one.txt").write_text("".join(f"http://127.0.0.1:{PORT + 6}/u/{i}\n"
                                         for i in range(1000)))
    (tmp / "many.txt").write_text("".join(f"http://{origins[i % 100]}:{PORT + 7}/u/{i}\n"
                                          for i in range(1000)))
    for label, server, argv in (("1 origin, sequential", one, [str(tmp / "one.txt")]),
                                ("100 origins x 10, -Z", many, ["-Z", str(tmp / "many.txt")])):
        for spread in ([], ["--spread"]):
            server.arrivals.clear()
            subprocess.run([POLLER, "--interval", "1", "--count", "10", "--format", "none"] +
                           spread + argv, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            counts = buckets_of(server.arrivals)
            # Over the 10 s of the run: 100 buckets, whatever the last round's length.
            counts += [0] * max(0, 100 - len(counts))
            mean = sum(counts) / len(counts)
            rows.append(f"| {label} | {'--spread' if spread else '(none)'} | "
                        f"{len(server.arrivals)} | {max(counts)} | {mean:.1f} | "
                        f"{max(counts) / mean:.1f} | {sum(1 for c in counts if c == 0)} |")
    return ["### The server's view of `--spread`: requests per 100 ms over 10 rounds of 1,000 URLs",
            "", "`poller --interval 1 --count 10 --format none [--spread] [-Z] list` against an "
            "asyncio server that stamps each request's arrival.", "",
            "| list | spread | requests | max per 100 ms | mean per 100 ms | max / mean | "
            "empty buckets |", "| --- | --- | --- | --- | --- | --- | --- |"] + rows + [""]


def main():
    if not os.access(POLLER, os.X_OK):
        sys.exit(f"no poller binary at {POLLER}")
    lines = ["## Polite polling (issue 27)", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} by bench/polite.py; load average at "
             f"the start {load_average()} (2 cores shared with other builds).", ""]
    if "spread" in SECTIONS:
        lines += spread_section()
    if "conditional" in SECTIONS:
        lines += conditional_section()
    if "burst" in SECTIONS:
        lines += burst_section()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
