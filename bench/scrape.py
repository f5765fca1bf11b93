#!/usr/bin/python3
"""What one scrape of /metrics costs a long list's poller, and whether its rounds wait for it.

One nginx of our own serves plain http on 10 loopback addresses (127.23.0.1-10); the list has
BENCH_SCRAPE_N URLs over them (each its own series). Each binary runs
`poller -Z --interval 600s --format none --metrics-listen 127.0.0.1:0 LIST`; once round 1 is
done (its CPU time still for a second), one `curl` scrapes /metrics while a prober asks for the
small page at `/` every 20 ms. For each scrape:

- bytes and seconds of the scrape (curl's size_download and time_total);
- poller's CPU seconds over the scrape (utime + stime, /proc/PID/stat);
- how much poller's peak RSS grew (VmHWM after less VmRSS before);
- the longest a request for `/` waited during the scrape: how long the io thread, which also
  runs every fetch, was held.

    bench/scrape.py POLLER [POLLER...]     binaries interleaved, BENCH_REPS runs each

Settings (environment): BENCH_SCRAPE_N (100000), BENCH_REPS (3), BENCH_PORT (28710).
Every request goes to 127.0.0.0/8 only.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import bench_nginx

N = int(os.environ.get("BENCH_SCRAPE_N", 100000))
REPS = int(os.environ.get("BENCH_REPS", 3))
PORT = int(os.environ.get("BENCH_PORT", 28710))
ORIGINS = 10
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def status_kb(pid, field):
    match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(match.group(1))


def wait_until_idle(pid, deadline):
    """Until poller's CPU time has not moved for a second: round 1 is done."""
    last = -1.0
    while time.monotonic() < deadline:
        now = cpu_seconds(pid)
        if now == last:
            return
        last = now
        time.sleep(1)
    sys.exit("round 1 did not end in time")


def metrics_address(poller):
    for line in poller.stderr:
        match = re.search(r"serving metrics at (http://\S+)/metrics", line)
        if match:
            return match.group(1)
    sys.exit("poller did not say where it serves metrics")


class Prober(threading.Thread):
    """GET / every 20 ms; keeps the longest wait."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base = base
        self.longest = 0.0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            start = time.monotonic()
            urllib.request.urlopen(self.base + "/", timeout=600).read()
            self.longest = max(self.longest, time.monotonic() - start)
            self.stop.wait(0.02)


def one_scrape(binary, work, list_file):
    poller = subprocess.Popen(
        [binary, "-Z", "--interval", "600s", "--format", "none", "-v",
         "--metrics-listen", "127.0.0.1:0", str(list_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = metrics_address(poller)
        threading.Thread(target=lambda: poller.stderr.read(), daemon=True).start()
        wait_until_idle(poller.pid, time.monotonic() + 600)
        rss_before = status_kb(poller.pid, "VmRSS")
        cpu_before = cpu_seconds(poller.pid)
        prober = Prober(base)
        prober.start()
        time.sleep(0.1)
        curl = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w",
                               "%{size_download} %{time_total}", base + "/metrics"],
                              capture_output=True, text=True, check=True)
        prober.stop.set()
        prober.join()
        size, seconds = curl.stdout.split()
        return {"bytes": int(size), "seconds": float(seconds),
                "cpu": cpu_seconds(poller.pid) - cpu_before,
                "rss_growth_mb": (status_kb(poller.pid, "VmHWM") - rss_before) / 1024,
                "longest_wait": prober.longest}
    finally:
        poller.terminate()
        poller.wait()


def main():
    binaries = sys.argv[1:]
    if not binaries:
        sys.exit(__doc__)
    work = Path(tempfile.mkdtemp(prefix="poller-scrape-"))
    bench_nginx.make_certificates(work, "scrape.bench.test")
    (work / "www").mkdir()
    (work / "www" / "u").write_text("ok\n")
    addresses = [f"127.23.0.{1 + i}" for i in range(ORIGINS)]
    nginx = bench_nginx.start_nginx(work, [f"{a}:{PORT}" for a in addresses], 1024,
                                    f"http://{addresses[0]}:{PORT}/u")
    try:
        list_file = work / "list.txt"
        list_file.write_text("".join(f"http://{addresses[i % ORIGINS]}:{PORT}/u?n={i}\n"
                                     for i in range(N)))
        runs = {binary: [] for binary in binaries}
        for rep in range(REPS):
            for binary in binaries:
                result = one_scrape(binary, work, list_file)
                runs[binary].append(result)
                print(f"rep {rep + 1} {binary}: {result}", file=sys.stderr)
        print(f"{N} URLs on {ORIGINS} origins, {REPS} scrapes each, medians (min-max):")
        print("| poller | bytes | scrape s | poller CPU s | peak RSS growth MB | longest wait of / s |")
        print("| --- | --- | --- | --- | --- | --- |")
        for binary, results in runs.items():
            def cell(key, fmt):
                values = [r[key] for r in results]
                return (f"{fmt.format(statistics.median(values))} "
                        f"({fmt.format(min(values))}-{fmt.format(max(values))})")
            print(f"| {binary} | {results[0]['bytes']:,} | {cell('seconds', '{:.2f}')} | "
                  f"{cell('cpu', '{:.2f}')} | {cell('rss_growth_mb', '{:.0f}')} | "
                  f"{cell('longest_wait', '{:.3f}')} |")
    finally:
        nginx.terminate()
        nginx.wait()


if __name__ == "__main__":
    main()
