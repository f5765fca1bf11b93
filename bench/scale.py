#!/usr/bin/python3
"""100,000 URLs on 10,000 HTTPS origins from one poller (issue 29, goal 1): `-Z --spread
--interval 60s`, 5 rounds, against one nginx of our own on loopback, tuned so that it is not the
bottleneck (listen backlog, worker_connections, keepalive_requests; bodies from `return 200`, so
no descriptor per request). The origins are names (--resolve) spread over 100 listening addresses
(127.0.x.y): one listener per origin would take nginx 10,000 descriptors before its 10,000
connections, past this machine's hard limit of 20,000. Every request goes to 127.0.0.0/8 only.

    bench/scale.py                       (about 6 minutes: 5 rounds of 60 s, and set-up)
    BENCH_ORIGINS=1000 BENCH_INTERVAL=20 bench/scale.py

poller runs until stopped (no --count), and is stopped once round 5 is over for every origin.
Without --metrics-listen: its per-URL series would add their own memory, and one scrape of
100,000 URLs' series takes minutes of its one thread.

Figures:
- every URL fetched every round, 0 failures: nginx's access log (each URL at least ROUNDS times,
  all 200) and poller's stderr (no error lines);
- steady-state CPU: poller's user + sys (/proc/PID/stat) over rounds 2..5 (from 1 interval
  after the start to ROUNDS intervals after it), as % of one core, and per fetch (the requests
  nginx logged in that window);
- peak RSS: VmHWM of /proc/PID/status before the scrape;
- round-start lateness, from nginx's log: a lane's round k (k >= 2, its connection reused, 10
  fetches one after another with the default --parallel-max-host 1) begins with request
  10(k-1)+1 of its origin; its ticks are exactly an interval apart, so the lateness of round k
  is its first request's time less (k-1) intervals, less the same for the lane's most punctual
  round. A floor: a lane late by the same amount in every round shows 0.

Before it (BENCH_BURST=1, the default): the same list with every origin new at once,
`--interval 0 --parallel-max 1000 --count 3` (issue 29's connect storm): wall, CPU, peak RSS,
timeouts.

Settings (environment): BENCH_ORIGINS (10000), BENCH_URLS_PER_HOST (10), BENCH_INTERVAL (60),
BENCH_ROUNDS (5), BENCH_LISTENERS (100), BENCH_BURST (1), BENCH_SPREAD (1: the main run;
0: the burst alone), BENCH_PORT (28540), BENCH_POLLER
(build/release/src/poller). Prints a Markdown section for bench/RESULTS.md; its work files and
the CPU/RSS series (scale.dat) go to bench/.work/scale/.
"""

import os
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import shard

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work" / "scale"
ORIGINS = int(os.environ.get("BENCH_ORIGINS", 10000))
PER_HOST = int(os.environ.get("BENCH_URLS_PER_HOST", 10))
INTERVAL = int(os.environ.get("BENCH_INTERVAL", 60))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
LISTENERS = int(os.environ.get("BENCH_LISTENERS", 100))
PORT = int(os.environ.get("BENCH_PORT", 28540))
POLLER = os.environ.get("BENCH_POLLER", str(REPO / "build/release/src/poller"))
TICK = os.sysconf("SC_CLK_TCK")
GOALS = {"cpu": 15.0, "rss": 200.0, "late": 0.100}
LOG_FORMAT = "$msec $host $uri $status"  # bench/blackbox.py adds the user agent


def say(message):
    print(f"bench/scale: {message}", file=sys.stderr, flush=True)


def address(i):
    """The listening address of origin i."""
    i %= LISTENERS
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def name(i):
    return f"s{i:05d}.hosts.bench.test"  # under the wildcard of shard.make_certificates


def descriptors_for_nginx():
    # Root may raise its hard limit for its own child; anyone else gets the hard limit.
    wanted = 2 * ORIGINS + LISTENERS + 1024
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(wanted, hard), max(wanted, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start_nginx():
    nginx = WORK / "nginx"
    (nginx / "logs").mkdir(parents=True, exist_ok=True)
    listens = "".join(f"    listen {address(i)}:{PORT} ssl backlog=4096;\n"
                      for i in range(min(ORIGINS, LISTENERS)))
    (nginx / "nginx.conf").write_text(f"""daemon off;
master_process off;
worker_processes 1;
pid {nginx}/nginx.pid;
error_log {nginx}/logs/error.log warn;
events {{ worker_connections {2 * ORIGINS + LISTENERS + 1024}; }}
http {{
  default_type text/plain;
  log_format scale '{LOG_FORMAT}';
  access_log {nginx}/logs/access.log scale buffer=256k flush=1s;
  client_body_temp_path {nginx}/client_body;
  proxy_temp_path {nginx}/proxy;
  fastcgi_temp_path {nginx}/fastcgi;
  uwsgi_temp_path {nginx}/uwsgi;
  scgi_temp_path {nginx}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  ssl_certificate {WORK}/tls/server.pem;
  ssl_certificate_key {WORK}/tls/server.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:scale:20m;
  server {{
{listens}    location / {{ return 200 "{'x' * 100}"; }}
  }}
}}
""")
    process = subprocess.Popen(["nginx", "-p", str(nginx), "-c", str(nginx / "nginx.conf"), "-e",
                                str(nginx / "logs/error.log")], preexec_fn=descriptors_for_nginx)
    for _ in range(200):
        if subprocess.run(["curl", "-fsko", "/dev/null",
                           f"https://{address(0)}:{PORT}/u0"]).returncode == 0:
            return process
        if process.poll() is not None:
            sys.exit(f"nginx exited; see {nginx}/logs/error.log")
        time.sleep(0.1)
    process.kill()
    sys.exit("nginx does not answer")


def write_list():
    # Interleaved, as a real list is not sorted by origin.
    path = WORK / "list.txt"
    path.write_text("".join(f"https://{name(i)}:{PORT}/u{u}\n"
                            for u in range(PER_HOST) for i in range(ORIGINS)))
    return path


def poller_argv(binary, list_path):
    argv = [binary, "-Z", "--spread", "--interval", f"{INTERVAL}s", "--format", "none",
            "--cacert", str(WORK / "tls/ca.pem")]
    for i in range(ORIGINS):
        argv += ["--resolve", f"{name(i)}:{PORT}:{address(i)}"]
    return argv + [str(list_path)]


def burst(binary, list_path):
    """Issue 29's connect storm: every origin new at once (`--interval 0`, -Z, --parallel-max
    1000, 3 rounds back to back). Returns (wall s, CPU s, peak RSS MB, failures, timeouts)."""
    argv = [a for a in poller_argv(binary, list_path) if a != "--spread"]
    argv = argv[:1] + ["--parallel-max", "1000", "--count", "3"] + argv[1:]
    argv[argv.index("--interval") + 1] = "0"
    started = time.monotonic()
    run = subprocess.run(["/usr/bin/time", "-f", "%M %U %S"] + argv, capture_output=True,
                         text=True, timeout=1500)
    wall = time.monotonic() - started
    rss_kb, user, system = run.stderr.split()[-3:]
    lines = run.stderr.splitlines()
    return (wall, float(user) + float(system), int(rss_kb) / 1024, run.returncode,
            sum("timed out" in line for line in lines), sum(" error: " in line for line in lines))


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def status_kib(pid, key):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def lateness(first_requests):
    """Per lane-round k >= 2: seconds late against the lane's most punctual round (docstring)."""
    late = []
    for times in first_requests.values():
        starts = [t - k * INTERVAL for k, t in sorted(times.items()) if 1 <= k < ROUNDS]
        if len(starts) == ROUNDS - 1:
            late += [t - min(starts) for t in starts]
    late.sort()
    return late


def main():
    if not Path(POLLER).is_file():
        sys.exit(f"{POLLER}: no poller binary (scripts/build release poller, or set BENCH_POLLER)")
    for tool in ("nginx", "openssl", "curl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install nginx-light openssl curl")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    binary = WORK / "poller"
    shutil.copy(POLLER, binary)  # a rebuild during the run must not swap it
    shard.make_certificates(WORK / "tls")
    list_path = write_list()
    say(f"nginx on {min(ORIGINS, LISTENERS)} addresses")
    nginx = start_nginx()
    stormed = None
    if os.environ.get("BENCH_BURST", "1") == "1":
        say("round 1 of every origin at once (--interval 0)")
        try:
            stormed = burst(str(binary), list_path)
        except Exception:
            nginx.terminate()
            raise
    if os.environ.get("BENCH_SPREAD", "1") != "1":
        nginx.terminate()
        nginx.wait()
        print_burst(stormed, ORIGINS * PER_HOST)
        return
    # The burst's requests are in the same log: the run's begin after them.
    time.sleep(2)  # nginx flushes its log buffer every second
    log_start = (WORK / "nginx/logs/access.log").stat().st_size
    load_before = os.getloadavg()
    series = []
    try:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        err = open(WORK / "poller.err", "w")
        started = time.monotonic()
        poller = subprocess.Popen(poller_argv(str(binary), list_path), stdout=subprocess.DEVNULL,
                                  stderr=err)
        pid = poller.pid
        say(f"poller {pid}: {ORIGINS * PER_HOST} URLs, {ROUNDS} rounds of {INTERVAL} s")
        window = (started + INTERVAL, started + ROUNDS * INTERVAL)
        cpu_at = {}
        end = started + ROUNDS * INTERVAL + 3
        while time.monotonic() < end:
            if poller.poll() is not None:
                sys.exit(f"poller exited {poller.returncode}: {(WORK / 'poller.err').read_text()[-2000:]}")
            now = time.monotonic()
            cpu = cpu_seconds(pid)
            series.append((now - started, cpu, status_kib(pid, "VmRSS") / 1024))
            for key, at in (("from", window[0]), ("to", window[1])):
                if key not in cpu_at and now >= at:
                    cpu_at[key] = (now, cpu, time.time())
            time.sleep(1 - (time.monotonic() - now) % 1)
        peak_rss = status_kib(pid, "VmHWM") / 1024
        total_cpu = cpu_seconds(pid)
        poller.terminate()
        poller.wait(timeout=60)
        err.close()
    finally:
        nginx.terminate()
        nginx.wait()
    load_after = os.getloadavg()

    # What nginx saw: each URL's requests, and those within the CPU window.
    counts, statuses, in_window = Counter(), Counter(), 0
    per_origin, first_requests = Counter(), {}
    (t_from, cpu_from, wall_from), (t_to, cpu_to, wall_to) = cpu_at["from"], cpu_at["to"]
    with open(WORK / "nginx/logs/access.log") as log:
        log.seek(log_start)
        for line in log:
            msec, host, uri, status = line.split()
            if not host.endswith(".hosts.bench.test"):
                continue  # the start-up check's curl
            counts[(host, uri)] += 1
            # The log is in the order responses were sent: per origin, in request order.
            nth = per_origin[host]
            per_origin[host] += 1
            if nth % PER_HOST == 0:
                first_requests.setdefault(host, {})[nth // PER_HOST] = float(msec)
            statuses[status] += 1
            if wall_from <= float(msec) < wall_to:
                in_window += 1
    urls = ORIGINS * PER_HOST
    fetched_every_round = len(counts) == urls and min(counts.values()) >= ROUNDS
    errors = sum(1 for line in (WORK / "poller.err").read_text().splitlines()
                 if " error: " in line or " warning: " in line)
    steady = 100 * (cpu_to - cpu_from) / (t_to - t_from)
    per_fetch_us = 1e6 * (cpu_to - cpu_from) / max(in_window, 1)
    late = lateness(first_requests)
    quantile = lambda q: late[min(len(late) - 1, int(q * len(late)))] if late else float("nan")
    p99 = quantile(0.99)

    with open(WORK / "scale.dat", "w") as dat:
        dat.write("# seconds cpu_percent_last_5s rss_mb\n")
        for k in range(5, len(series), 5):
            t, cpu, rss = series[k]
            dat.write(f"{t:.0f} {100 * (cpu - series[k - 5][1]) / (t - series[k - 5][0]):.2f} {rss:.1f}\n")

    verdict = lambda ok: "**met**" if ok else "**not met**"
    git = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    print(f"""## Scale: {urls:,} URLs on {ORIGINS:,} HTTPS origins (issue 29)

Made by `bench/scale.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, poller git `{git}`:
`poller -Z --spread --interval {INTERVAL}s --format none --cacert … --resolve …×{ORIGINS}`
over {urls:,} URLs ({PER_HOST} per origin, 100 B bodies, interleaved), one nginx (one worker, {min(ORIGINS, LISTENERS)}
`listen 127.0.x.y:{PORT} ssl backlog=4096` shared by the origins' names, keepalive_requests 10⁸, keepalive_timeout 600 s), {ROUNDS}
rounds; poller stopped once round {ROUNDS} was over for every origin. One run.
Machine: {os.cpu_count()} cores shared with other work (load {load_before[0]:.2f} at the start,
{load_after[0]:.2f} at the end); descriptor limit {hard}.

| goal (issue 29) | measured | verdict |
| --- | --- | --- |
| every URL fetched every round, 0 failures | {len(counts):,} URLs seen by nginx, each ≥ {min(counts.values()) if counts else 0} times; statuses {dict(statuses)}; {errors} error/warning lines from poller | {verdict(fetched_every_round and errors == 0 and set(statuses) == {'200'})} |
| steady-state CPU ≤ {GOALS['cpu']:.0f} % of one core (rounds 2–{ROUNDS}) | {steady:.1f} % ({cpu_to - cpu_from:.1f} s CPU over {t_to - t_from:.0f} s; {in_window:,} fetches: {per_fetch_us:.0f} µs a fetch) | {verdict(steady <= GOALS['cpu'])} |
| peak RSS ≤ {GOALS['rss']:.0f} MB | {peak_rss:.0f} MB (VmHWM) | {verdict(peak_rss <= GOALS['rss'])} |
| round-start lateness p99 ≤ 100 ms (rounds 2–{ROUNDS}) | p99 {1000 * p99:.0f} ms, p50 {1000 * quantile(0.5):.1f} ms, max {1000 * late[-1] if late else 0:.0f} ms over {len(late):,} lane-rounds (from nginx's log, against each lane's most punctual round) | {verdict(p99 <= GOALS['late'])} |

Also: round 1 ({ORIGINS:,} handshakes, spread over the first interval) and all {ROUNDS} rounds cost
{cpu_from:.1f} s and {total_cpu:.1f} s of CPU.
CPU (% of a core, 5 s steps) and RSS over the run: `bench/.work/scale/scale.dat`.
""")
    print_burst(stormed, urls)


def print_burst(stormed, urls):
    if not stormed:
        return
    wall, cpu, rss, status, timeouts, errors = stormed
    print(f"""Every origin new at once (goal 3), on the same nginx:
`poller -Z --parallel-max 1000 --interval 0 --count 3 --format none …` (no --spread): {wall:.1f} s wall,
{cpu:.1f} s CPU for {3 * urls:,} fetches, peak RSS {rss:.0f} MB (`/usr/bin/time`), exit status {status},
{timeouts} timeouts, {errors} error lines.
""")


if __name__ == "__main__":
    main()
