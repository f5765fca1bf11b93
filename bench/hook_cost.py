#!/usr/bin/python3
"""What an --on-state hook costs the rounds (issue 26): 100 URLs that flap every round (each
answers 200 and 503 in turn, -f makes the 503 a failure, so every fetch is an event) at
--interval 0.5, with no hook and with a hook that sleeps 1 s. The rounds must not wait for the
hooks: round-start lateness (poller_round_lateness_seconds from /metrics) is compared, and the
events the hooks ran. Every request goes to 127.0.0.1.

    bench/hook_cost.py        (BENCH_ROUNDS=40, BENCH_REPS=3, BENCH_POLLER=build/release/src/poller)

Prints a Markdown section for bench/RESULTS.md.
"""

import http.server
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

REPO = Path(__file__).resolve().parent.parent
POLLER = os.environ.get("BENCH_POLLER", str(REPO / "build/release/src/poller"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 40))
REPS = int(os.environ.get("BENCH_REPS", 3))
URLS = 100
INTERVAL = 0.5


class Flapping(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One send per response, no Nagle: else each keep-alive response waits for a delayed ACK.
    wbufsize = 65536
    disable_nagle_algorithm = True
    served = {}
    lock = threading.Lock()

    def do_GET(self):
        with Flapping.lock:
            n = Flapping.served.get(self.path, 0)
            Flapping.served[self.path] = n + 1
        status = 200 if n % 2 == 0 else 503
        body = b"ok\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # poller closing its connection at the end of a run is no news


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def lateness(text):
    """(mean, the bucket that holds the 99th percentile) of poller_round_lateness_seconds."""
    buckets = [(float("inf") if le == "+Inf" else float(le), int(float(v)))
               for le, v in re.findall(r'poller_round_lateness_seconds_bucket\{le="([^"]+)"\} (\S+)', text)]
    total = float(re.search(r"^poller_round_lateness_seconds_sum (\S+)", text, re.M).group(1))
    count = int(float(re.search(r"^poller_round_lateness_seconds_count (\S+)", text, re.M).group(1)))
    p99 = next(le for le, n in buckets if n >= 0.99 * count)
    return total / count, p99, count


def run(hook, urls_file, work):
    argv = [POLLER, "-f", "--interval", str(INTERVAL), "--format", "none", "-q",
            "--metrics-listen", "127.0.0.1:0", urls_file]
    if hook:
        argv[1:1] = ["--on-state", f"sleep 1; echo x >> {work}/ran"]
    Path(work, "ran").write_text("")
    process = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    # -q hides the "serving metrics at" line: ss names the port the process listens on.
    metrics = None
    deadline = time.time() + 10
    while metrics is None and time.time() < deadline:
        out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if f"pid={process.pid}," in line:
                metrics = "http://" + line.split()[3] + "/metrics"
        time.sleep(0.05)
    while True:
        text = scrape(metrics)
        rounds = int(float(re.search(r"^poller_rounds_total (\S+)", text, re.M).group(1)))
        if rounds > ROUNDS:
            break
        time.sleep(INTERVAL / 2)
    ran = len(Path(work, "ran").read_text().splitlines())
    process.terminate()
    process.wait(timeout=20)
    mean, p99, _ = lateness(text)
    return mean, p99, ran


def main():
    server = QuietServer(("127.0.0.1", 0), Flapping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as work:
        urls = Path(work, "urls.txt")
        urls.write_text("".join(f"http://127.0.0.1:{port}/flap/{i}\n" for i in range(URLS)))
        rows = {False: [], True: []}
        for _ in range(REPS):
            for hook in (False, True):  # interleaved
                rows[hook].append(run(hook, str(urls), work))
    print(f"## What an --on-state hook costs the rounds (issue 26)\n")
    print(f"{URLS} URLs flapping every round (-f, 200 and 503 in turn: every fetch an event), "
          f"--interval {INTERVAL}, {ROUNDS} rounds, {REPS} runs each, interleaved "
          f"(`bench/hook_cost.py`). Lateness from `poller_round_lateness_seconds`: the mean, and "
          f"the histogram bucket that holds the 99th percentile.\n")
    print("| hook | lateness mean (median of runs) | p99 bucket (worst run) | hooks run in the window |")
    print("| --- | --- | --- | --- |")
    for hook in (False, True):
        means = [r[0] for r in rows[hook]]
        p99s = [r[1] for r in rows[hook]]
        ran = [r[2] for r in rows[hook]]
        name = "`sleep 1` (4 at once)" if hook else "none"
        print(f"| {name} | {statistics.median(means) * 1000:.3f} ms | ≤ {max(p99s) * 1000:g} ms "
              f"| {statistics.median(ran):.0f} |")
    server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
