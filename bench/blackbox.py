#!/usr/bin/python3
"""poller beside prometheus-blackbox-exporter + Prometheus on the same list (issue 29): 10,000
HTTPS URLs on 1,000 origins (bench/scale.py's nginx and list, 127.0.x.y on loopback; the
exporter's targets are the origins' addresses, as IP literals), every URL
checked once a minute by each, both at once against one nginx. CPU per check: each process's
user + sys (/proc/PID/stat) over rounds 2..ROUNDS, divided by the requests nginx logged from it
in that window (told apart by User-Agent). Every request goes to 127.0.0.0/8 only.

    bench/blackbox.py                 (about 4 minutes: 3 rounds of 60 s, and set-up)

poller: `-Z --spread --interval 60s` with --resolve for the names. Prometheus: one job of
10,000 static targets, scrape_interval 60s (it spreads the scrapes over the interval, as
--spread does), through the exporter's /probe with an https module that verifies the same
certificate against the same CA (server_name fixed, since its targets are IP literals: the
exporter resolves names itself, and made-up names must not reach the machine's resolver).
The exporter opens a new connection (TCP + TLS handshake) for every probe; poller keeps one per
origin: that is most of the difference, and it is the tools' design, not the bench's.

Settings (environment): BENCH_ORIGINS (1000), BENCH_URLS_PER_HOST (10), BENCH_INTERVAL (60),
BENCH_ROUNDS (3), BENCH_PORT (28550: nginx, then poller's metrics, the exporter, Prometheus),
BENCH_POLLER. Needs prometheus, prometheus-blackbox-exporter (apt-get install). Prints a
Markdown section for bench/RESULTS.md; writes bench/.work/blackbox/blackbox.dat for the chart.
"""

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("BENCH_ORIGINS", "1000")
os.environ.setdefault("BENCH_ROUNDS", "3")
os.environ.setdefault("BENCH_PORT", "28550")
import scale  # noqa: E402  (its settings are read from the environment set above)

scale.WORK = scale.BENCH / ".work" / "blackbox"
scale.LOG_FORMAT = '$msec $host $uri $status "$http_user_agent"'
WORK = scale.WORK
EXPORTER_PORT = scale.PORT + 2
PROMETHEUS_PORT = scale.PORT + 3
EXPORTER = shutil.which("prometheus-blackbox-exporter")
PROMETHEUS = shutil.which("prometheus")


def say(message):
    print(f"bench/blackbox: {message}", file=sys.stderr, flush=True)


def write_configs():
    (WORK / "blackbox.yml").write_text(f"""modules:
  https_2xx:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: {WORK}/tls/ca.pem
        server_name: blackbox.hosts.bench.test
""")
    # The query makes each target its own (Prometheus drops duplicates); nginx ignores it.
    targets = "".join(f"        - https://{scale.address(i)}:{scale.PORT}/u{u}?origin={i}\n"
                      for u in range(scale.PER_HOST) for i in range(scale.ORIGINS))
    (WORK / "prometheus.yml").write_text(f"""global:
  scrape_interval: {scale.INTERVAL}s
  scrape_timeout: 10s
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params:
      module: [https_2xx]
    static_configs:
      - targets:
{targets}    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:{EXPORTER_PORT}
""")


def main():
    for tool, path in (("prometheus-blackbox-exporter", EXPORTER), ("prometheus", PROMETHEUS)):
        if path is None:
            sys.exit(f"{tool} is missing: apt-get install prometheus prometheus-blackbox-exporter")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    binary = WORK / "poller"
    shutil.copy(scale.POLLER, binary)
    scale.shard.make_certificates(WORK / "tls")
    list_path = scale.write_list()
    write_configs()
    say(f"nginx on {scale.ORIGINS} addresses")
    nginx = scale.start_nginx()
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes = {}
    try:
        started = time.monotonic()
        processes["exporter"] = subprocess.Popen(
            [EXPORTER, f"--config.file={WORK}/blackbox.yml",
             f"--web.listen-address=127.0.0.1:{EXPORTER_PORT}"], **quiet)
        processes["prometheus"] = subprocess.Popen(
            [PROMETHEUS, f"--config.file={WORK}/prometheus.yml",
             f"--storage.tsdb.path={WORK}/tsdb", f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}"],
            **quiet)
        processes["poller"] = subprocess.Popen(
            [a for a in scale.poller_argv(str(binary), list_path)], stdout=subprocess.DEVNULL,
            stderr=open(WORK / "poller.err", "w"))
        say(f"{scale.ORIGINS * scale.PER_HOST} URLs each, {scale.ROUNDS} rounds of {scale.INTERVAL} s")
        marks = {}
        for key, at in (("from", started + scale.INTERVAL),
                        ("to", started + scale.ROUNDS * scale.INTERVAL)):
            time.sleep(max(0, at - time.monotonic()))
            for name, process in processes.items():
                if process.poll() is not None:
                    sys.exit(f"{name} exited {process.returncode}")
            marks[key] = (time.monotonic(), time.time(),
                          {name: scale.cpu_seconds(p.pid) for name, p in processes.items()})
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=60)
        nginx.terminate()
        nginx.wait()

    (_, wall_from, cpu_from), (_, wall_to, cpu_to) = marks["from"], marks["to"]
    checks, statuses = Counter(), Counter()
    with open(WORK / "nginx/logs/access.log") as log:
        for line in log:
            msec, _addr, _uri, status, agent = line.rstrip("\n").split(" ", 4)
            who = "poller" if agent.startswith('"poller') else "exporter"
            statuses[(who, status)] += 1
            if wall_from <= float(msec) < wall_to:
                checks[who] += 1
    cpu = {name: cpu_to[name] - cpu_from[name] for name in cpu_to}
    per_check = {
        "poller": 1e6 * cpu["poller"] / max(checks["poller"], 1),
        "exporter": 1e6 * cpu["exporter"] / max(checks["exporter"], 1),
        "exporter + Prometheus": 1e6 * (cpu["exporter"] + cpu["prometheus"]) / max(checks["exporter"], 1),
    }
    seconds = wall_to - wall_from
    with open(WORK / "blackbox.dat", "w") as dat:
        for name, us in per_check.items():
            dat.write(f'"{name}" {us:.1f}\n')
    versions = {
        "exporter": (lambda r: (r.stdout or r.stderr).split("\n")[0])(subprocess.run([EXPORTER, "--version"], capture_output=True, text=True)),
        "prometheus": subprocess.run([PROMETHEUS, "--version"], capture_output=True, text=True).stdout.split("\n")[0],
    }
    urls = scale.ORIGINS * scale.PER_HOST
    print(f"""## Beside blackbox_exporter + Prometheus (issue 29)

Made by `bench/blackbox.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {urls:,} HTTPS URLs on
{scale.ORIGINS:,} origins (bench/scale.py's nginx and list), each URL checked every {scale.INTERVAL} s by both at
once, {scale.ROUNDS} rounds; CPU (user + sys) over rounds 2–{scale.ROUNDS} ({seconds:.0f} s), divided by the
requests nginx logged from each (by User-Agent) in that window. One run; {os.cpu_count()} cores shared with other
work. {versions['exporter']}; {versions['prometheus']}.

- poller: `poller -Z --spread --interval {scale.INTERVAL}s --format none --cacert … --resolve …×{scale.ORIGINS} list`
- exporter: `prometheus-blackbox-exporter --config.file=blackbox.yml` (module `https_2xx`: http prober, CA file,
  fixed server_name), scraped by `prometheus` with {urls:,} static targets at `scrape_interval: {scale.INTERVAL}s`

| checker | checks in the window | CPU s | CPU µs per check | × poller |
| --- | --- | --- | --- | --- |
| poller | {checks['poller']:,} | {cpu['poller']:.2f} | **{per_check['poller']:.0f}** | 1 |
| blackbox_exporter | {checks['exporter']:,} | {cpu['exporter']:.2f} | **{per_check['exporter']:.0f}** | {per_check['exporter'] / per_check['poller']:.0f}× |
| blackbox_exporter + Prometheus | {checks['exporter']:,} | {cpu['exporter'] + cpu['prometheus']:.2f} | **{per_check['exporter + Prometheus']:.0f}** | {per_check['exporter + Prometheus'] / per_check['poller']:.0f}× |

Statuses seen by nginx: {dict(statuses)}. The exporter opens a connection and does a full TLS handshake per
probe; poller keeps one connection per origin across rounds. At {urls:,} URLs a minute the exporter alone
costs {100 * cpu['exporter'] / seconds:.0f} % of a core here, poller {100 * cpu['poller'] / seconds:.1f} %.
""")


if __name__ == "__main__":
    main()
