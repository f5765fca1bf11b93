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
2b. 60 origins that never answer HTTP and 300 that never answer the TLS handshake (listeners that
   never accept) beside 40 healthy ones, -Z at the default --parallel-max 50: the healthy lanes'
   round-start lateness after round 1.
3. Client CPU per fetch, -Z (one lane) against the sequential path, 2,000 x 100 B over one
   keep-alive connection: timed (medians, interleaved) and counted (callgrind).
4. Peak RSS and CPU of 10,000 URLs over 1,000 HTTPS origins, sequential against -Z (the default
   --parallel-max 50, and 1000), on bench/shard.py's nginx and list (--resolve for every name).

Settings (environment): BENCH_ORIGINS (200), BENCH_URLS_PER_HOST (10), BENCH_DELAY_MS (50),
BENCH_REPS (3), BENCH_PORT (28520, and the next two), BENCH_POLLER (build/release/src/poller),
BENCH_DEAD_ROUNDS (10), BENCH_SECTIONS (round,dead,hung,cpu,rss: the sections to run), BENCH_CPU_N (2000).

Writes:
- stdout: the Markdown section "## Concurrent hosts (-Z, issue 14)" for bench/RESULTS.md, pasted
  there by hand (it links the chart, so the paste carries it);
- bench/parallel.png (bench/parallel_chart.py, bench/parallel.gp): sections 1 and 2, whichever
  ran; left as it is when neither did. Its data files go to bench/.work/parallel/ (not in git).
"""

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import parallel_chart

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ORIGINS = int(os.environ.get("BENCH_ORIGINS", 200))
PER_HOST = int(os.environ.get("BENCH_URLS_PER_HOST", 10))
DELAY = int(os.environ.get("BENCH_DELAY_MS", 50)) / 1000
REPS = int(os.environ.get("BENCH_REPS", 3))
PORT = int(os.environ.get("BENCH_PORT", 28520))
POLLER = os.environ.get("BENCH_POLLER", str(REPO / "build/release/src/poller"))
DEAD_ROUNDS = int(os.environ.get("BENCH_DEAD_ROUNDS", 10))
SECTIONS = os.environ.get("BENCH_SECTIONS", "round,dead,hung,cpu,rss").split(",")


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
    """Returns the Markdown lines and the chart's bars: ((label, seconds), ...)."""
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
    bars = (("poller -Z round\\n(3 rounds - 1) / 2", round_time),
            ("poller -Z --once\\nprocess included", median([r[0] for r in rows["poller"]])),
            ("curl -Z\\nprocess included", median([r[0] for r in rows["curl"]])))
    return lines, bars


def metrics_lateness(url):
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    buckets = {}
    for m in re.finditer(r'poller_round_lateness_seconds_bucket\{le="([^"]+)"\} (\d+)', text):
        buckets[m.group(1)] = int(m.group(2))
    return buckets


def scrape(metrics_port):
    try:
        return metrics_lateness(f"http://127.0.0.1:{metrics_port}/metrics")
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        return {"error": str(error)}


def dead_origin_section():
    """Returns the Markdown lines and, for the chart, mode -> ({le: cumulative count}, ticks
    skipped)."""
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
        load = load_average()
        started = time.monotonic()
        first_round = {}
        if mode == "-Z":
            # Round 1 is the run's start-up: every lane opens its connection at t0, one after
            # another on the one thread. Read the histogram once round 1 has started everywhere
            # (the second tick is a second after t0), to give the later rounds apart.
            time.sleep(0.6)
            first_round = scrape(metrics_port)
        # Read the histogram just before the end: the last round has started by then.
        time.sleep(max(0, (rounds - 0.5 if mode == "-Z" else 21) - (time.monotonic() - started)))
        buckets = scrape(metrics_port)
        proc.send_signal(2)
        err = proc.communicate(timeout=30)[1]
        skipped_healthy = sum(1 for line in err.splitlines()
                              if "skipped" in line and f":{PORT + 2}:" in line)
        skipped_all = sum(int(m) for m in re.findall(r"(\d+) tick\(s\) skipped", err))
        results[mode] = (buckets, skipped_healthy, skipped_all, err, load)
        if first_round and "error" not in first_round and "error" not in buckets:
            later = {le: count - first_round.get(le, 0) for le, count in buckets.items()}
            results["-Z, rounds 2 and later"] = (later, skipped_healthy, skipped_all, err, load)
    lines = [f"### -Z: a dead origin (full backlog) among 99 healthy ones, --interval 1, "
             f"{DELAY * 1000:.0f} ms per response", "",
             "| mode | round starts | <= 1 ms | <= 5 ms | <= 10 ms | <= 25 ms | <= 50 ms | healthy lanes' overrun warnings | ticks skipped (all) | load average before |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for mode, (b, skipped_healthy, skipped_all, err, load) in results.items():
        total = b.get("+Inf", 0)
        pct = lambda le: f"{100 * b.get(le, 0) / total:.1f} %" if total else "n/a"
        lines.append(f"| {mode} | {total} | {pct('0.001')} | {pct('0.005')} | {pct('0.01')} | {pct('0.025')} | {pct('0.05')} | "
                     f"{skipped_healthy} | {skipped_all} | {load} |")
    verdicts = []
    for mode in ("-Z", "-Z, rounds 2 and later"):
        b, skipped_healthy = results[mode][0], results[mode][1]
        total = b.get("+Inf", 0)
        met = total and b.get("0.005", 0) / total >= 0.99 and skipped_healthy == 0
        verdicts.append(f"{mode}: **{'met' if met else 'not met'}**")
    lines += ["", f"Goal: with -Z the lateness p99 < 5 ms and 0 ticks skipped by healthy lanes: "
              f"{'; '.join(verdicts)}. Without -Z every round waits for the dead "
              "origin's connect timeout (10 s) and the next rounds are late by that much.", ""]
    return lines, {mode: (figures[0], figures[2]) for mode, figures in results.items()}


class SilentListeners:
    """Listening sockets on each address (one port) that never accept: the kernel completes the
    TCP connection and takes in the request or the ClientHello, which nobody answers."""

    def __init__(self, addresses, port):
        self.sockets = []
        for address in addresses:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, port))
            s.listen(16)
            self.sockets.append(s)

    def close(self):
        for s in self.sockets:
            s.close()


def hung_origins_section():
    """60 origins that never answer HTTP and 300 that never answer the TLS handshake beside 40
    healthy ones, -Z with the default --parallel-max 50 and the defaults -m 30s,
    --connect-timeout 10s: the healthy lanes' round-start lateness after round 1 (the silent
    lanes are still in their round 1 when the histogram is read, so it holds the healthy lanes'
    later rounds only). Returns the Markdown lines."""
    healthy = [host(i) for i in range(40)]
    hung = [host(i) for i in range(250, 310)]
    tls_silent = [host(i) for i in range(500, 800)]
    server = DelayServer(healthy, PORT + 4)
    listeners = [SilentListeners(hung, PORT + 5), SilentListeners(tls_silent, PORT + 6)]
    tmp = Path(tempfile.mkdtemp())
    urls = ([f"http://{a}:{PORT + 5}/hung" for a in hung] +
            [f"https://{a}:{PORT + 6}/tls-silent" for a in tls_silent] +
            [f"http://{a}:{PORT + 4}/h" for a in healthy])
    (tmp / "list.txt").write_text("\n".join(urls) + "\n")
    metrics_port = PORT + 3
    rounds = DEAD_ROUNDS
    proc = subprocess.Popen([POLLER, "-Z", "--interval", "1", "--count", str(rounds), "--format",
                             "none", "--metrics-listen", f"127.0.0.1:{metrics_port}",
                             str(tmp / "list.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    load = load_average()
    started = time.monotonic()
    time.sleep(0.6)
    first_round = scrape(metrics_port)
    time.sleep(max(0, rounds - 0.5 - (time.monotonic() - started)))
    buckets = scrape(metrics_port)
    proc.send_signal(2)
    err = proc.communicate(timeout=30)[1]
    for listener in listeners:
        listener.close()
    skipped_healthy = sum(1 for line in err.splitlines()
                          if "skipped" in line and f":{PORT + 4}:" in line)
    lines = [f"### -Z: 60 hung origins and 300 TLS-silent ones beside 40 healthy ones, "
             f"--interval 1, {DELAY * 1000:.0f} ms per response", "",
             "| rounds | round starts | <= 1 ms | <= 5 ms | <= 10 ms | <= 25 ms | <= 50 ms | "
             "healthy lanes' overrun warnings | load average before |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    met = False
    if "error" in first_round or "error" in buckets:
        lines.append(f"| (metrics unreadable: {first_round.get('error') or buckets.get('error')}) |")
    else:
        for label, b in (("1 (all 400 lanes)", first_round),
                         (f"2-{rounds} (healthy lanes)",
                          {le: count - first_round.get(le, 0) for le, count in buckets.items()})):
            total = b.get("+Inf", 0)
            pct = lambda le: f"{100 * b.get(le, 0) / total:.1f} %" if total else "n/a"
            lines.append(f"| {label} | {total} | {pct('0.001')} | {pct('0.005')} | {pct('0.01')} "
                         f"| {pct('0.025')} | {pct('0.05')} | {skipped_healthy} | {load} |")
            # Every healthy lane must have started each of its later rounds: a lane held back
            # (waiting for a --parallel-max place) starts fewer, and late.
            met = (total == len(healthy) * (rounds - 1) and b.get("0.005", 0) / total >= 0.99
                   and skipped_healthy == 0)
    lines += ["", f"Goal: the healthy lanes' lateness p99 < 5 ms after round 1 "
              f"({len(healthy) * (rounds - 1)} round starts), no tick skipped: "
              f"**{'met' if met else 'not met'}**.", ""]
    return lines


def start_shard_nginx():
    """bench/shard.py's nginx: 1,000 addresses 127.0.x.y, http and https, 100 B bodies; the names
    of its lists are given to poller by --resolve, every one."""
    import shard
    shutil.rmtree(shard.WORK, ignore_errors=True)
    shard.WORK.mkdir(parents=True)
    binary = shard.WORK / "poller"
    shutil.copy(POLLER, binary)  # a rebuild during the run must not swap it
    shard.POLLER = str(binary)
    # Its ports beside ours (BENCH_PORT + 10 and + 11): the servers of the sections above still
    # listen on 127.0.x.y, on BENCH_PORT to BENCH_PORT + 3.
    shard.PORTS = {"http": PORT + 10, "https": PORT + 11}
    shard.make_certificates(shard.WORK / "tls")
    return shard, shard.start_nginx()


def rss_section(shard):
    """Peak RSS and CPU over shard.py's https list of 10,000 URLs, sequential against -Z."""
    modes = (("sequential", []), ("-Z (--parallel-max 50)", ["-Z"]),
             ("-Z --parallel-max 1000", ["-Z", "--parallel-max", "1000"]))
    rows = {mode: [] for mode, _ in modes}
    load = load_average()
    shard.write_list("https")
    for _ in range(REPS):
        for mode, extra in modes:  # interleaved: both see the same load
            argv = shard.poller_argv("https")
            figures, wall = shard.run_together([argv[:1] + extra + argv[1:]])
            rows[mode].append((figures[0][0], figures[0][1], wall))
    urls = shard.HOSTS * shard.PER_HOST
    lines = [f"### -Z: peak RSS, {urls:,} URLs over {shard.HOSTS:,} HTTPS origins", "",
             f"bench/shard.py's nginx and list (127.0.x.y through `--resolve`, 100 B bodies, "
             f"`--interval 0 --count {shard.ROUNDS}`), `/usr/bin/time -f %M`, {REPS} runs each, "
             f"interleaved; load average before the runs: {load}.", "",
             "| mode | peak RSS MB (median) | min–max | CPU s (user + sys, median) | wall s (median) |",
             "| --- | --- | --- | --- | --- |"]
    for mode, _ in modes:
        rss = [r[0] for r in rows[mode]]
        lines.append(f"| {mode} | {median(rss):.1f} | {min(rss):.1f}–{max(rss):.1f} | "
                     f"{median([r[1] for r in rows[mode]]):.2f} | "
                     f"{median([r[2] for r in rows[mode]]):.2f} |")
    peak = max(r[0] for r in rows["-Z --parallel-max 1000"])
    lines += ["", f"Goal: < 64 MB with `-Z --parallel-max 1000` (the highest of the runs: "
              f"{peak:.1f} MB): **{'met' if peak < 64 else 'not met'}**.", ""]
    return lines


def child_cpu(argv):
    """User + sys CPU seconds of argv, from wait4's rusage (microseconds; /usr/bin/time prints
    hundredths, too coarse for a run of 2,000 small fetches)."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_utime + usage.ru_stime


def callgrind_instructions(argv):
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"Collected : (\d+)", proc.stderr)
    return int(m.group(1)) if m else float("nan")


def cpu_section(shard):
    """Client CPU per fetch, -Z (one lane) against the sequential path: N fetches of 100 B over
    one keep-alive connection to shard.py's nginx, timed (user + sys) and counted (callgrind),
    each as (run of N - run of 1) / (N - 1), so the start-up is left out."""
    n = int(os.environ.get("BENCH_CPU_N", 2000))
    name, address = shard.host_name(0), shard.host_address(0)
    port = shard.PORTS["http"]
    lists = {}
    for count in (n, 1):
        path = shard.WORK / f"cpu_{count}.txt"
        path.write_text(f"http://{name}:{port}/100b\n" * count)
        lists[count] = str(path)
    base = [shard.POLLER, "--once", "--format", "none", "--resolve", f"{name}:{port}:{address}"]
    modes = (("sequential", []), ("-Z (one lane)", ["-Z"]))
    reps = max(REPS, 7)
    load = load_average()
    timed_rows = {mode: [] for mode, _ in modes}
    for _ in range(reps):
        for mode, extra in modes:  # interleaved: both see the same load
            cpu_n = child_cpu(base[:1] + extra + base[1:] + [lists[n]])
            cpu_1 = child_cpu(base[:1] + extra + base[1:] + [lists[1]])
            timed_rows[mode].append((cpu_n - cpu_1) / (n - 1))
    counted = {}
    for mode, extra in modes:
        counted[mode] = (callgrind_instructions(base[:1] + extra + base[1:] + [lists[n]]) -
                         callgrind_instructions(base[:1] + extra + base[1:] + [lists[1]])) / (n - 1)
    seq_t, seq_i = median(timed_rows["sequential"]), counted["sequential"]
    lines = [f"### -Z: client CPU per fetch against the sequential path, {n:,} x 100 B on one origin",
             "", f"`poller [-Z] --once --format none LIST` against bench/shard.py's nginx (keep-alive, "
             f"100 B), each figure (run of {n:,} - run of 1) / {n - 1:,}: CPU (user + sys, "
             f"wait4's rusage) median of {reps} interleaved runs, and callgrind's instructions; load "
             f"average before the runs: {load}.", "",
             "| mode | CPU per fetch (us, median) | min–max | x sequential | instructions per fetch | x sequential |",
             "| --- | --- | --- | --- | --- | --- |"]
    for mode, _ in modes:
        t = timed_rows[mode]
        lines.append(f"| {mode} | {median(t) * 1e6:.1f} | {min(t) * 1e6:.1f}–{max(t) * 1e6:.1f} | "
                     f"{median(t) / seq_t:.2f} | {counted[mode]:,.0f} | {counted[mode] / seq_i:.2f} |")
    z_t, z_i = median(timed_rows["-Z (one lane)"]), counted["-Z (one lane)"]
    met = z_t <= 1.2 * seq_t and z_i <= 1.2 * seq_i
    lines += ["", f"Goal: -Z <= 1.2 x the sequential path: **{'met' if met else 'not met'}** "
              f"({z_t / seq_t:.2f} x timed, {z_i / seq_i:.2f} x counted).", ""]
    return lines


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    if not os.access(POLLER, os.X_OK):
        sys.exit(f"no poller binary at {POLLER}")
    measured = time.strftime('%Y-%m-%d %H:%M %Z')
    load = load_average()
    lines = ["## Concurrent hosts (-Z, issue 14)", "",
             f"Measured {measured} by bench/parallel.py (BENCH_ONLY=parallel bench/run); load "
             f"average at the start {load}.", ""]
    round_bars = dead_lanes = None
    if "round" in SECTIONS:
        section, round_bars = round_trip_section()
        lines += section + [""]
    if "dead" in SECTIONS:
        section, dead_lanes = dead_origin_section()
        lines += section + [""]
    if "hung" in SECTIONS:
        lines += hung_origins_section() + [""]
    # Drawn now, before the slower sections, from what ran; the chart goes right after the lines
    # above so that a paste into RESULTS.md carries it.
    title = (f"-Z (issue 14), bench/parallel.py {measured}, {ORIGINS} origins x {PER_HOST} URLs, "
             f"{DELAY * 1000:.0f} ms per response; load average at the start {load}")
    try:
        drawn = parallel_chart.draw(title, round_bars, PER_HOST * DELAY, dead_lanes)
    except (OSError, subprocess.CalledProcessError) as error:  # the figures still get printed
        print(f"parallel.py: no chart: {error}", file=sys.stderr)
        drawn = False
    if drawn:
        lines[4:4] = ["![-Z: a round against its lower bound, and the round-start lateness "
                      "beside a dead origin](parallel.png)", ""]
    if "rss" in SECTIONS or "cpu" in SECTIONS:
        shard, nginx = start_shard_nginx()
        try:
            if "cpu" in SECTIONS:
                lines += cpu_section(shard) + [""]
            if "rss" in SECTIONS:
                lines += rss_section(shard)
        finally:
            nginx.terminate()
            nginx.wait()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
