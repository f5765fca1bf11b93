#!/usr/bin/python3
"""-Z measured (issue 14), against a small asyncio server of our own on loopback that answers
every request after a set delay (keep-alive, one address per origin: 127.0.x.y on one port) and
counts the connections it accepts. Every request goes to 127.0.0.0/8 only.

    bench/parallel.py          (or BENCH_ONLY=parallel bench/run)

1. 200 origins x 10 URLs, 50 ms per response: poller -Z --parallel-max 200 --once, wall time
   against the lower bound of one lane's chain (10 x 50 ms = 0.5 s), beside
   curl -Z --parallel-max 200 on the same URLs: wall, client CPU per fetch, connections opened.
2. A dead origin (a full-backlog listener: connect never answered) among 99 healthy ones at
   --interval 1: the round-start lateness of the lanes (poller_round_lateness_seconds from
   /metrics) and the ticks skipped by healthy lanes.

Settings (environment): BENCH_ORIGINS (200), BENCH_URLS_PER_HOST (10), BENCH_DELAY_MS (50),
BENCH_REPS (3), BENCH_PORT (28520, and the next two), BENCH_POLLER (build/release/src/poller),
BENCH_DEAD_ROUNDS (10). Prints a Markdown section for bench/RESULTS.md.
"""

import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ORIGINS = int(os.environ.get("BENCH_ORIGINS", 200))
PER_HOST = int(os.environ.get("BENCH_URLS_PER_HOST", 10))
DELAY = int(os.environ.get("BENCH_DELAY_MS", 50)) / 1000
REPS = int(os.environ.get("BENCH_REPS", 3))
PORT = int(os.environ.get("BENCH_PORT", 28520))
POLLER = os.environ.get("BENCH_POLLER", str(REPO / "build/release/src/poller"))
DEAD_ROUNDS = int(os.environ.get("BENCH_DEAD_ROUNDS", 10))


def host(i):
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


class DelayServer:
    """HTTP/1.1 keep-alive, 'ok\\n' after DELAY, on every address given; counts connections."""

    def __init__(self, addresses, port):
        self.addresses, self.port = addresses, port
        self.connections = 0
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)

        async def start():
            self.server = await asyncio.start_server(self._serve, host=self.addresses,
                                                     port=self.port, backlog=1024)
        self.loop.run_until_complete(start())
        ready.set()
        self.loop.run_forever()

    async def _serve(self, reader, writer):
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                await asyncio.sleep(DELAY)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


class FullBacklogListener:
    """Listens on 127.0.0.2:PORT, never accepts, with its accept queue filled: a new connect hangs."""

    def __init__(self, address, port):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((address, port))
        self.listener.listen(0)
        self.fillers = []
        for _ in range(8):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect((address, port))
            except BlockingIOError:
                pass
            self.fillers.append(s)
        time.sleep(0.2)


def timed(argv, **kwargs):
    """Runs argv under /usr/bin/time; returns (wall s, cpu s, stdout, stderr)."""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "TIME %U %S %M"] + argv, capture_output=True,
                          text=True, **kwargs)
    wall = time.monotonic() - start
    m = re.search(r"TIME ([\d.]+) ([\d.]+) (\d+)", proc.stderr)
    cpu = float(m.group(1)) + float(m.group(2)) if m else float("nan")
    return wall, cpu, proc.stdout, proc.stderr


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def round_trip_section():
    addresses = [host(i) for i in range(ORIGINS)]
    server = DelayServer(addresses, PORT)
    urls = [f"http://{a}:{PORT}/u{j}" for a in addresses for j in range(PER_HOST)]
    fetches = len(urls)
    tmp = Path(tempfile.mkdtemp())
    (tmp / "list.txt").write_text("\n".join(urls) + "\n")
    (tmp / "curl.cfg").write_text("".join(f'url = "{u}"\noutput = "/dev/null"\n' for u in urls))
    (tmp / "one.txt").write_text("\n".join(urls[:PER_HOST]) + "\n")
    rows = {"poller": [], "curl": []}
    round_times, chain_times = [], []
    poller = [POLLER, "-Z", "--parallel-max", "200", "--format", "none", "--interval", "0"]
    for _ in range(REPS):
        before = server.connections
        wall, cpu, out, err = timed(poller + ["--once", str(tmp / "list.txt")])
        rows["poller"].append((wall, cpu, server.connections - before, err))
        # A round without the process start: (3 rounds - 1 round) / 2.
        wall3 = timed(poller + ["--count", "3", str(tmp / "list.txt")])[0]
        round_times.append((wall3 - wall) / 2)
        # One lane alone, the same way: the chain this server really gives (the lower bound here).
        one1 = timed(poller + ["--once", str(tmp / "one.txt")])[0]
        one3 = timed(poller + ["--count", "3", str(tmp / "one.txt")])[0]
        chain_times.append((one3 - one1) / 2)
        before = server.connections
        wall, cpu, out, err = timed(["curl", "-s", "-Z", "--parallel-max", "200", "-K",
                                     str(tmp / "curl.cfg")])
        rows["curl"].append((wall, cpu, server.connections - before, err))
    lower = PER_HOST * DELAY
    lines = [f"### -Z: {ORIGINS} origins x {PER_HOST} URLs, {DELAY * 1000:.0f} ms per response "
             f"(median of {REPS})", "",
             "| client | wall (s) | x lower bound 0.5 s | CPU per fetch (us) | connections opened |",
             "| --- | --- | --- | --- | --- |"]
    for name, label in (("poller", "poller -Z --parallel-max 200 --once"),
                        ("curl", "curl -Z --parallel-max 200")):
        wall = median([r[0] for r in rows[name]])
        cpu = median([r[1] for r in rows[name]])
        conns = median([r[2] for r in rows[name]])
        lines.append(f"| {label} | {wall:.3f} | {wall / lower:.2f} | {cpu / fetches * 1e6:.0f} | {conns} |")
    round_time, chain = median(round_times), median(chain_times)
    verdict = round_time <= 1.1 * lower
    lines += ["", f"A round of all {fetches} URLs without the process start ((3 rounds - 1) / 2): "
              f"**{round_time:.3f} s** = {round_time / lower:.2f} x 0.5 s; one lane alone on this "
              f"server, measured the same way: {chain:.3f} s (the real chain: 50 ms plus the "
              f"server's and the loop's time per response), so {round_time / chain:.2f} x the "
              "chain.", "",
              f"Goal: a round <= 1.1 x 0.5 s: **{'met' if verdict else 'not met'}**.", ""]
    return lines


def metrics_lateness(url):
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    buckets = {}
    for m in re.finditer(r'poller_round_lateness_seconds_bucket\{le="([^"]+)"\} (\d+)', text):
        buckets[m.group(1)] = int(m.group(2))
    return buckets


def dead_origin_section():
    healthy = [host(i) for i in range(1, 100)]
    dead_port = PORT + 1
    server = DelayServer(healthy, PORT + 2)
    dead = FullBacklogListener("127.0.0.1", dead_port)
    tmp = Path(tempfile.mkdtemp())
    urls = [f"http://127.0.0.1:{dead_port}/dead"] + [f"http://{a}:{PORT + 2}/h" for a in healthy]
    (tmp / "list.txt").write_text("\n".join(urls) + "\n")
    metrics_port = PORT + 3
    results = {}
    for mode, extra in (("-Z", ["-Z", "--parallel-max", "200"]), ("sequential", [])):
        rounds = DEAD_ROUNDS if mode == "-Z" else 3
        proc = subprocess.Popen([POLLER] + extra + ["--interval", "1", "--count", str(rounds),
                                 "--format", "none", "--metrics-listen",
                                 f"127.0.0.1:{metrics_port}", str(tmp / "list.txt")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Read the histogram just before the end: the last round has started by then.
        time.sleep(rounds - 0.5 if mode == "-Z" else 21)
        try:
            buckets = metrics_lateness(f"http://127.0.0.1:{metrics_port}/metrics")
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            buckets = {"error": str(error)}
        proc.send_signal(2)
        err = proc.communicate(timeout=30)[1]
        skipped_healthy = sum(1 for line in err.splitlines()
                              if "skipped" in line and f":{PORT + 2}:" in line)
        skipped_all = sum(int(m) for m in re.findall(r"(\d+) tick\(s\) skipped", err))
        results[mode] = (buckets, skipped_healthy, skipped_all, err)
    lines = [f"### -Z: a dead origin (full backlog) among 99 healthy ones, --interval 1, "
             f"{DELAY * 1000:.0f} ms per response", "",
             "| mode | round starts | <= 1 ms | <= 5 ms | <= 10 ms | <= 25 ms | <= 50 ms | healthy lanes' overrun warnings | ticks skipped (all) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for mode, (b, skipped_healthy, skipped_all, err) in results.items():
        total = b.get("+Inf", 0)
        pct = lambda le: f"{100 * b.get(le, 0) / total:.1f} %" if total else "n/a"
        lines.append(f"| {mode} | {total} | {pct('0.001')} | {pct('0.005')} | {pct('0.01')} | {pct('0.025')} | {pct('0.05')} | "
                     f"{skipped_healthy} | {skipped_all} |")
    b = results["-Z"][0]
    total = b.get("+Inf", 0)
    met = total and b.get("0.005", 0) / total >= 0.99 and results["-Z"][1] == 0
    lines += ["", f"Goal: with -Z the lateness p99 < 5 ms and 0 ticks skipped by healthy lanes: "
              f"**{'met' if met else 'not met'}**. Without -Z every round waits for the dead "
              "origin's connect timeout (10 s) and the next rounds are late by that much.", ""]
    return lines


def main():
    if not os.access(POLLER, os.X_OK):
        sys.exit(f"no poller binary at {POLLER}")
    lines = ["## Concurrent hosts (-Z, issue 14)", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} by bench/parallel.py "
             "(BENCH_ONLY=parallel bench/run).", ""]
    lines += round_trip_section()
    lines += [""] + dead_origin_section()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
