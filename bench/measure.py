#!/usr/bin/python3
"""Every measurement of bench/run, against the nginx that bench/run started on loopback.

Writes raw figures to bench/.work/results.json; report.py turns them into RESULTS.md and the
chart. Settings come from the environment (see bench/run). Sections can be picked with
BENCH_ONLY=small,reuse,big,idle,schedule,hosts,reconnect.

How a client is measured: it runs under /usr/bin/time (for its peak RSS; see run_client), the
wall time is taken from spawn to exit, and its CPU time (user + sys) comes from wait4(), which
counts the client and everything it waited for, and nothing of this script.
"""

import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = Path(os.environ["BENCH_WORK"])
POLLER = os.environ["BENCH_POLLER"]
PORT = int(os.environ["BENCH_PORT"])
PIN = os.environ.get("BENCH_PIN", "1") == "1"
CA = WORK / "tls" / "ca.pem"
LOGS = WORK / "nginx" / "logs"
LISTS = WORK / "lists"
PYTHON = "/usr/bin/python3"


def setting(name, default):
    return int(os.environ.get(f"BENCH_{name}", default))


N = setting("N", 2000)
REPS = setting("REPS", 5)
WRK_SECONDS = setting("WRK_SECONDS", 2)
BIG_N = setting("BIG_N", 300)
IDLE_SECONDS = setting("IDLE_SECONDS", 60)
SCHED_ROUNDS = setting("SCHED_ROUNDS", 1000)
HOSTS = setting("HOSTS", 1000)
RECONNECTS = setting("RECONNECTS", 300)
REUSE_N = 100
URLS_PER_HOST = 10
VERBOSE = os.environ.get("BENCH_VERBOSE", "0") == "1"
SECTIONS = os.environ.get("BENCH_ONLY", "small,reuse,big,idle,schedule,hosts,reconnect").split(",")

# Ports: see nginx.conf.in.
PLAIN = {"http": PORT, "https": PORT + 1}
LOGGED = {"http": PORT + 2, "https": PORT + 3}
LOGGED_FILE = {"http": "http.log", "https": "https.log"}
# (TLS version, resumption allowed by the server) -> port, log file
CLOSING = {
    ("TLSv1.3", True): (PORT + 4, "close_tls13.log"),
    ("TLSv1.2", True): (PORT + 5, "close_tls12.log"),
    ("TLSv1.3", False): (PORT + 6, "close_tls13_full.log"),
    ("TLSv1.2", False): (PORT + 7, "close_tls12_full.log"),
}
MANY = {"http": (PORT + 8, "many_http.log"), "https": (PORT + 9, "many_https.log")}
STAMP_PORT = PORT + 10

results = {"settings": {}, "runs": [], "commands": {}, "errors": {}, "machine": {}}


def say(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def url(scheme, port, path, host="127.0.0.1"):
    return f"{scheme}://{host}:{port}{path}"


# --- running clients --------------------------------------------------------------------------


class ClientFailed(Exception):
    pass


class Run:
    """One client run: wall and CPU seconds, peak RSS, and what it said on stderr."""

    def __init__(self, wall, cpu, max_rss_kb, stderr):
        self.wall, self.cpu, self.max_rss_kb, self.stderr = wall, cpu, max_rss_kb, stderr


current = None  # the client running now, killed if we are stopped


def run_client(argv, stdout=subprocess.DEVNULL, while_running=None, timeout=900):
    """Runs argv to completion and measures it; raises ClientFailed unless it exits 0.

    /usr/bin/time -f %M gives the peak RSS: wait4()'s own ru_maxrss cannot, as Python spawns with
    vfork and the child keeps Python's high-water mark through exec. while_running(pid of the
    client proper) is called in a thread while the client runs.
    """
    global current
    if VERBOSE:
        say(shell_line(argv))
    rss_file, err_file = WORK / "time.out", WORK / "client.err"
    with open(err_file, "w+") as err:
        start = time.perf_counter()
        current = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *argv],
                                   stdout=stdout, stderr=err, start_new_session=True)
        # Daemon threads: neither may hold up the exit of this script when it is stopped.
        watchdog = threading.Timer(timeout, kill_current)
        watchdog.daemon = True
        watchdog.start()
        sampler = None
        if while_running:
            sampler = threading.Thread(target=while_running, args=(child_of(current.pid),),
                                       daemon=True)
            sampler.start()
        _, status, usage = os.wait4(current.pid, 0)
        wall = time.perf_counter() - start
        watchdog.cancel()
        current.returncode = os.waitstatus_to_exitcode(status)
        code, current = current.returncode, None
        if sampler:
            sampler.join()
        err.seek(0)
        stderr = err.read()
    if code != 0:
        raise ClientFailed(f"{shell_line(argv)} exited with status {code}: {stderr.strip()[-400:]}")
    max_rss_kb = int(rss_file.read_text().split()[-1])
    return Run(wall, usage.ru_utime + usage.ru_stime, max_rss_kb, stderr)


def child_of(pid):
    """The pid of /usr/bin/time's child, once it has one."""
    for _ in range(2000):
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except FileNotFoundError:
            return None
        if children:
            return int(children[0])
        time.sleep(0.0005)
    return None


def kill_current():
    if current and current.poll() is None:
        os.killpg(current.pid, signal.SIGKILL)


def shell_line(argv):
    """argv as a shell line a reader can paste, with the work directory shortened."""
    text = " ".join(a if re.fullmatch(r"[\w@%+=:,./-]+", a) else f"'{a}'" for a in argv)
    text = text.replace(str(WORK), "bench/.work").replace(str(REPO) + "/", "")
    return ("taskset -c 0 " if PIN else "") + text


def note_command(key, argv, suffix=""):
    results["commands"].setdefault(key, shell_line(argv) + suffix)


def record(section, **fields):
    results["runs"].append({"section": section, **fields})


# --- URL lists and the clients' command lines -------------------------------------------------

LISTS.mkdir(parents=True, exist_ok=True)


def url_list(name, urls):
    path = LISTS / f"{name}.txt"
    path.write_text("".join(u + "\n" for u in urls))
    return str(path)


def curl_config(name, urls):
    path = LISTS / f"{name}.curl"
    path.write_text("".join(f'url = "{u}"\n' for u in urls))
    return str(path)


def tls_args(scheme):
    return ["--cacert", str(CA)] if scheme == "https" else []


def poller_once(scheme, target, count):
    """poller fetching `target` count times in one round."""
    listed = url_list(f"{target.split('//')[1].replace('/', '_').replace(':', '_')}_{count}",
                      [target] * count)
    return [POLLER, "--once", "--format", "none", *tls_args(scheme), listed]


def curl_many(scheme, target, count):
    """curl, one process, fetching `target` count times (it keeps its connection)."""
    config = curl_config(f"{target.split('//')[1].replace('/', '_').replace(':', '_')}_{count}",
                         [target] * count)
    # -q first: no ~/.curlrc. Bodies go to stdout, which is /dev/null.
    return ["curl", "-q", "-s", *tls_args(scheme), "-K", config]


def aiohttp_loop(scheme, target, count, *extra):
    return [PYTHON, str(BENCH / "aiohttp_loop.py"), target, str(count), *tls_args(scheme), *extra]


CLIENTS = {"poller": poller_once, "curl": curl_many, "aiohttp": aiohttp_loop}


def rotated(items, by):
    """Tools in a different order each repetition, so that none always runs first or last."""
    by %= len(items)
    return items[by:] + items[:by]


# --- wrk --------------------------------------------------------------------------------------


def run_wrk(target, seconds=WRK_SECONDS):
    argv = ["wrk", "-t1", "-c1", f"-d{seconds}s", target]
    out_file = WORK / "wrk.out"
    with open(out_file, "w") as out:
        run = run_client(argv, stdout=out)
    text = out_file.read_text()
    if "Socket errors" in text or "Non-2xx" in text:
        raise ClientFailed(f"{shell_line(argv)}: {text}")
    requests, seconds_run, unit = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text).groups()
    seconds_run = float(seconds_run) / (1000 if unit == "ms" else 1)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return argv, run, int(requests), seconds_run, rate


# --- nginx access logs ------------------------------------------------------------------------


class LogTail:
    """The lines an nginx access log gains from now on."""

    def __init__(self, name):
        self.path = LOGS / name
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def lines(self, expected):
        # nginx writes a line once the response is out, and the buffered logs flush every
        # 100 ms: wait a little for the last ones.
        deadline = time.monotonic() + 3
        while True:
            with open(self.path) as log:
                log.seek(self.offset)
                lines = log.read().splitlines()
            if len(lines) >= expected or time.monotonic() > deadline:
                return [line.split() for line in lines]
            time.sleep(0.05)


def reuse_figures(fields, connection_field=1, reused_field=4):
    connections = {f[connection_field] for f in fields}
    resumed = sum(1 for f in fields if f[reused_field] == "r")
    return {"requests": len(fields), "connections": len(connections), "resumed": resumed}


# --- the sections -----------------------------------------------------------------------------


def small_bodies():
    """N sequential fetches of the 100 B file: wall and CPU per request, each tool and scheme."""
    tools = ["poller", "curl", "aiohttp", "wrk"]
    for rep in range(REPS):
        say(f"small bodies: repetition {rep + 1}/{REPS}")
        for scheme in ("http", "https"):
            target = url(scheme, PLAIN[scheme], "/100b")
            for tool in rotated(tools, rep):
                if tool == "wrk":
                    argv, run, requests, seconds, rate = run_wrk(target)
                    note_command(f"small/wrk/{scheme}", argv)
                    record("small", tool=tool, scheme=scheme, rep=rep, requests=requests,
                           seconds=seconds, rate=rate, cpu=run.cpu)
                    continue
                # The run of 1 fetch gives the start-up cost (process, TLS context, first
                # connection), so the per-request figures can leave it out.
                for count in (N, 1):
                    argv = CLIENTS[tool](scheme, target, count)
                    run = run_client(argv)
                    if count == N:
                        note_command(f"small/{tool}/{scheme}", argv, " > /dev/null")
                    record("small", tool=tool, scheme=scheme, rep=rep, count=count, wall=run.wall,
                           cpu=run.cpu, max_rss_kb=run.max_rss_kb)


def connection_reuse():
    """Does each tool keep one connection? Counted by nginx, not taken on trust."""
    say("connection reuse")
    for scheme in ("http", "https"):
        target = url(scheme, LOGGED[scheme], "/100b")
        for tool in ("poller", "curl", "aiohttp", "wrk"):
            tail = LogTail(LOGGED_FILE[scheme])
            if tool == "wrk":
                run_wrk(target, seconds=1)
                expected = 1
            else:
                run_client(CLIENTS[tool](scheme, target, REUSE_N))
                expected = REUSE_N
            fields = tail.lines(expected)
            record("reuse", tool=tool, scheme=scheme, **reuse_figures(fields))


def big_bodies():
    """1 MiB bodies: throughput against wrk's, and poller's peak RSS, flat across rounds."""
    for rep in range(REPS):
        say(f"1 MiB bodies: repetition {rep + 1}/{REPS}")
        for scheme in ("http", "https"):
            target = url(scheme, PLAIN[scheme], "/1m")
            for tool in rotated(["poller", "wrk"], rep):
                if tool == "wrk":
                    argv, run, requests, seconds, rate = run_wrk(target)
                    note_command(f"big/wrk/{scheme}", argv)
                    record("big", tool=tool, scheme=scheme, rep=rep, requests=requests,
                           seconds=seconds, rate=rate, cpu=run.cpu)
                else:
                    argv = poller_once(scheme, target, BIG_N)
                    run = run_client(argv)
                    note_command(f"big/poller/{scheme}", argv)
                    record("big", tool=tool, scheme=scheme, rep=rep, count=BIG_N, wall=run.wall,
                           cpu=run.cpu, max_rss_kb=run.max_rss_kb)
    # Peak RSS after 1 round and after 20 rounds of 10 bodies of 1 MiB, next to a 100 B run.
    say("1 MiB bodies: peak RSS across rounds")
    for scheme in ("http", "https"):
        for path, rounds in (("/100b", 1), ("/1m", 1), ("/1m", 20)):
            target = url(scheme, PLAIN[scheme], path)
            listed = url_list(f"rss_{scheme}_{path[1:]}", [target] * 10)
            argv = [POLLER, "--interval", "0", "--count", str(rounds), "--format", "body",
                    *tls_args(scheme), listed]
            run = run_client(argv)
            note_command(f"rss/{scheme}{path}/{rounds}", argv, " > /dev/null")
            record("rss", scheme=scheme, path=path, rounds=rounds, max_rss_kb=run.max_rss_kb)


def task_cpu_seconds(pid):
    """CPU time of every thread of pid so far, in seconds, to the nanosecond (schedstat)."""
    try:
        return sum(int((task / "schedstat").read_text().split()[0])
                   for task in Path(f"/proc/{pid}/task").iterdir()) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def idle_cost():
    """CPU used by poller in IDLE_SECONDS at --interval 5 with 3 URLs."""
    say(f"idle cost: {IDLE_SECONDS} s at --interval 5")
    listed = url_list("idle", [url("http", PLAIN["http"], "/100b"), url("http", PLAIN["http"], "/16k"),
                               url("https", PLAIN["https"], "/100b")])
    argv = [POLLER, "--interval", "5", "--cacert", str(CA), listed]
    note_command("idle", argv, f" > /dev/null   # SIGTERM after {IDLE_SECONDS} s")
    # No /usr/bin/time here: SIGTERM must reach poller itself.
    global current
    current = proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      start_new_session=True)
    # The first second holds start-up and the first round; the rest is the steady idle state.
    time.sleep(1)
    after_first_second = task_cpu_seconds(proc.pid)
    time.sleep(IDLE_SECONDS - 1)
    before_stop = task_cpu_seconds(proc.pid)
    # os.kill, not proc.send_signal: that would reap an exited poller before our wait4. Until
    # wait4 the pid stays ours, even if poller has exited.
    os.kill(proc.pid, signal.SIGTERM)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    current = None
    if proc.returncode != 0:
        raise ClientFailed(f"{shell_line(argv)} exited with status {proc.returncode}: "
                           f"{proc.stderr.read().decode()[-400:]}")
    record("idle", seconds=IDLE_SECONDS, cpu_total=usage.ru_utime + usage.ru_stime,
           cpu_steady=None if None in (after_first_second, before_stop)
           else before_stop - after_first_second, steady_seconds=IDLE_SECONDS - 1)


def with_stamp_server(run_against):
    """Starts stamp_server.py (on cpu 1, next to nginx), runs run_against(url), returns stamps."""
    out = WORK / "stamps.json"
    argv = [PYTHON, str(BENCH / "stamp_server.py"), str(STAMP_PORT), str(out)]
    server = subprocess.Popen((["taskset", "-c", "1"] if PIN else []) + argv,
                              stdout=subprocess.PIPE, start_new_session=True)
    try:
        if server.stdout.readline().strip() != b"ready":
            raise ClientFailed("stamp_server.py did not start")
        run_against(url("http", STAMP_PORT, "/tick"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return json.loads(out.read_text())


def cpu_times():
    """(busy, total) jiffies of each cpu so far, from /proc/stat."""
    times = {}
    for line in Path("/proc/stat").read_text().splitlines():
        match = re.match(r"cpu(\d+) (.*)", line)
        if match:
            values = [int(v) for v in match.group(2).split()]
            times[match.group(1)] = (sum(values) - values[3] - values[4], sum(values))
    return times


def busy_since(before):
    """Share of each cpu that was busy (any process) since `before`, in per cent."""
    after = cpu_times()
    return {cpu: round(100 * (after[cpu][0] - before[cpu][0])
                       / max(after[cpu][1] - before[cpu][1], 1), 1) for cpu in after}


def schedule_accuracy():
    """Round starts at --interval 10ms, seen from the server side (poller prints no times)."""
    say(f"schedule accuracy: {SCHED_ROUNDS} rounds at 10 ms")
    period = 0.010

    def stamped(tool, run_against):
        # run_against(url) runs the client and returns how many overrun warnings it gave.
        overruns, before = [], cpu_times()
        stamps = with_stamp_server(lambda target: overruns.append(run_against(target)))
        record("schedule", tool=tool, clock="stamp_server (µs)", period=period, stamps=stamps,
               overrun_warnings=overruns[0], cpu_busy=busy_since(before))

    def poller_rounds(target):
        where = "stamp" if f":{STAMP_PORT}/" in target else "nginx"
        argv = [POLLER, "--interval", "10ms", "--count", str(SCHED_ROUNDS), "--format", "none",
                url_list(f"sched_{where}", [target])]
        note_command(f"schedule/poller/{where}", argv)
        return run_client(argv).stderr.count("took longer than")

    def floor_loop(target):
        argv = [PYTHON, str(BENCH / "fixed_rate_loop.py"), str(STAMP_PORT), str(SCHED_ROUNDS),
                str(period)]
        note_command("schedule/floor", argv)
        run_client(argv)
        return 0

    # The loop poller replaces: fetch, then sleep the interval; its rounds drift by the fetch time.
    def sleep_after_loop(target):
        argv = aiohttp_loop("http", target, SCHED_ROUNDS, "--sleep-after", str(period))
        note_command("schedule/aiohttp-sleep-after", argv)
        run_client(argv)
        return 0

    stamped("bare fixed-rate loop (machine floor)", floor_loop)
    stamped("poller", poller_rounds)

    tail, before = LogTail(LOGGED_FILE["http"]), cpu_times()
    overruns = poller_rounds(url("http", LOGGED["http"], "/100b"))
    msecs = [float(f[0]) for f in tail.lines(SCHED_ROUNDS)]
    record("schedule", tool="poller", clock="nginx $msec (1 ms steps)", period=period,
           stamps=msecs, overrun_warnings=overruns, cpu_busy=busy_since(before))

    say(f"schedule accuracy: aiohttp fetch-then-sleep loop, {SCHED_ROUNDS} rounds")
    stamped("aiohttp sleep-after loop", sleep_after_loop)


def host_address(i):
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def host_name(i):
    return f"h{i:04d}.hosts.bench.test"


def many_hosts():
    """10 URLs on each of HOSTS hosts, interleaved, 3 rounds back to back.

    Host i is named h<i>.hosts.bench.test (one small wildcard certificate serves them all, as
    one certificate per site would) and --resolve maps it to its own loopback address.
    """
    for scheme in ("http", "https"):
        say(f"{URLS_PER_HOST * HOSTS} URLs over {HOSTS} hosts, {scheme}")
        port, log_name = MANY[scheme]
        targets = [url(scheme, port, f"/100b?u={k}", host_name(k % HOSTS))
                   for k in range(URLS_PER_HOST * HOSTS)]
        resolves = [arg for i in range(HOSTS)
                    for arg in ("--resolve", f"{host_name(i)}:{port}:{host_address(i)}")]
        argv = [POLLER, "--interval", "0", "--count", "3", "--format", "none", *tls_args(scheme),
                *resolves, url_list(f"many_{scheme}", targets)]
        note_command(f"hosts/{scheme}", argv[:9 + len(tls_args(scheme))] + ["..."] + argv[-3:])
        samples = []

        def sample_descriptors(pid):
            # Every 20 ms: open descriptors and RSS, until the process is gone.
            while pid:
                try:
                    fds = len(os.listdir(f"/proc/{pid}/fd"))
                    rss = int(re.search(r"VmRSS:\s+(\d+)",
                                        Path(f"/proc/{pid}/status").read_text()).group(1))
                except (FileNotFoundError, ProcessLookupError, AttributeError):
                    return
                samples.append((fds, rss))
                time.sleep(0.02)

        tail = LogTail(log_name)
        run = run_client(argv, while_running=sample_descriptors)
        fields = tail.lines(3 * len(targets))
        msecs = [float(f[0]) for f in fields]
        record("hosts", scheme=scheme, urls=len(targets), hosts=HOSTS, rounds=3, wall=run.wall,
               cpu=run.cpu, max_rss_kb=run.max_rss_kb,
               max_fds=max((s[0] for s in samples), default=None),
               fd_samples=[s[0] for s in samples], rss_samples_kb=[s[1] for s in samples],
               round_starts=[msecs[r * len(targets)] for r in range(3) if r * len(targets) < len(msecs)],
               last_request=msecs[-1] if msecs else None,
               **reuse_figures(fields, connection_field=2, reused_field=4))


def tls_reconnects():
    """A new TLS connection per request (server closes): cost, and how often it is resumed."""
    tools = ["poller", "curl", "aiohttp"]
    for rep in range(REPS):
        say(f"TLS reconnects: repetition {rep + 1}/{REPS}")
        for (version, resumable), (port, log_name) in CLOSING.items():
            target = url("https", port, "/100b")
            for tool in rotated(tools, rep):
                for count in (RECONNECTS, 1):
                    argv = CLIENTS[tool]("https", target, count)
                    tail = LogTail(log_name)
                    run = run_client(argv)
                    fields = tail.lines(count)
                    if count == RECONNECTS:
                        note_command(f"reconnect/{tool}", argv, " > /dev/null")
                    record("reconnect", tool=tool, version=version, resumable=resumable, rep=rep,
                           count=count, wall=run.wall, cpu=run.cpu, **reuse_figures(fields))


# --- the machine, and the run as a whole ------------------------------------------------------


def first_line(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def describe_machine():
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    results["machine"] = {
        "nproc": os.cpu_count(),
        "cpu": model.group(1) if model else platform.machine(),
        "kernel": platform.release(),
        "os": first_line(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "poller": first_line([POLLER, "--version"]),
        "poller_source": os.environ.get("BENCH_POLLER_SOURCE", POLLER).replace(str(REPO) + "/", ""),
        "git": first_line(["git", "-C", str(REPO), "describe", "--always", "--dirty"]),
        "nginx": first_line(["nginx", "-v"]),
        "curl": first_line(["curl", "--version"]),
        "wrk": first_line(["wrk", "-v"]),
        "python": first_line([PYTHON, "--version"]),
        "aiohttp": first_line([PYTHON, "-c", "import aiohttp; print(aiohttp.__version__)"]),
        "openssl": first_line(["openssl", "version"]),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
    }


SECTION_FUNCTIONS = {
    "small": small_bodies, "reuse": connection_reuse, "big": big_bodies, "idle": idle_cost,
    "schedule": schedule_accuracy, "hosts": many_hosts, "reconnect": tls_reconnects,
}


def stop(*_):
    kill_current()
    sys.exit(143)


def main():
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if PIN:
        # Clients inherit this: they run on cpu 0, nginx on cpu 1 (bench/run pins it).
        os.sched_setaffinity(0, {0})
    results["settings"] = {
        "N": N, "REPS": REPS, "WRK_SECONDS": WRK_SECONDS, "BIG_N": BIG_N,
        "IDLE_SECONDS": IDLE_SECONDS, "SCHED_ROUNDS": SCHED_ROUNDS, "HOSTS": HOSTS,
        "URLS_PER_HOST": URLS_PER_HOST, "RECONNECTS": RECONNECTS, "REUSE_N": REUSE_N, "PIN": PIN,
        "sections": SECTIONS, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "nofile": first_line(["sh", "-c", "ulimit -n"]),
    }
    describe_machine()
    started = time.monotonic()
    for name in SECTIONS:
        try:
            SECTION_FUNCTIONS[name]()
        except Exception as failure:  # one broken section must not cost the others
            say(f"{name} failed: {failure}")
            results["errors"][name] = f"{type(failure).__name__}: {failure}"
    results["machine"]["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["settings"]["seconds"] = round(time.monotonic() - started)
    (WORK / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
