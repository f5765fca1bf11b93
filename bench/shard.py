#!/usr/bin/python3
"""--shard K/N measured (issue 17): one poller over 10,000 URLs on 1,000 hosts against 4 pollers
with --shard 1/4 ... 4/4 over the same list (2,500 URLs each), http and https, against one nginx
of our own on loopback (127.0.x.y, one address per host). Each poller runs under /usr/bin/time:
peak RSS (%M) and CPU (user + sys). Every request goes to 127.0.0.0/8 only.

    bench/shard.py                          3 rounds back to back, 3 repetitions
    BENCH_ROUNDS=5 BENCH_REPS=5 BENCH_POLLER=build/release/src/poller bench/shard.py

Settings (environment): BENCH_HOSTS (1000), BENCH_URLS_PER_HOST (10), BENCH_SHARDS (4),
BENCH_ROUNDS (3), BENCH_REPS (3), BENCH_PORT (first of 2 loopback ports, 28490), BENCH_POLLER
(build/release/src/poller). Writes bench/SHARD.md. Needs nginx-light, openssl, time.
"""

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work" / "shard"
HOSTS = int(os.environ.get("BENCH_HOSTS", 1000))
PER_HOST = int(os.environ.get("BENCH_URLS_PER_HOST", 10))
SHARDS = int(os.environ.get("BENCH_SHARDS", 4))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
REPS = int(os.environ.get("BENCH_REPS", 3))
PORT = int(os.environ.get("BENCH_PORT", 28490))
POLLER = os.environ.get("BENCH_POLLER", str(REPO / "build/release/src/poller"))
PORTS = {"http": PORT, "https": PORT + 1}


def say(message):
    print(f"bench/shard: {message}", file=sys.stderr, flush=True)


def host_address(i):
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def host_name(i):
    return f"h{i:04d}.hosts.bench.test"


def sh(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certificates(tls):
    tls.mkdir(parents=True, exist_ok=True)
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-days", "2", "-subj", "/CN=poller shard bench CA", "-keyout", tls / "ca.key",
       "-out", tls / "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign")
    (tls / "server.ext").write_text("subjectAltName=DNS:*.hosts.bench.test\n"
                                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-subj", "/CN=poller shard bench", "-keyout", tls / "server.key", "-out", tls / "server.csr")
    sh("openssl", "x509", "-req", "-in", tls / "server.csr", "-CA", tls / "ca.pem", "-CAkey",
       tls / "ca.key", "-CAcreateserial", "-days", "2", "-extfile", tls / "server.ext",
       "-out", tls / "server.pem")


def start_nginx():
    nginx = WORK / "nginx"
    (nginx / "logs").mkdir(parents=True, exist_ok=True)
    www = WORK / "www"
    www.mkdir(exist_ok=True)
    (www / "100b").write_text("x" * 100)
    listens = "".join(f"    listen {host_address(i)}:{PORTS['http']};\n"
                      f"    listen {host_address(i)}:{PORTS['https']} ssl;\n" for i in range(HOSTS))
    (nginx / "nginx.conf").write_text(f"""daemon off;
master_process off;
worker_processes 1;
pid {nginx}/nginx.pid;
error_log {nginx}/logs/error.log warn;
events {{ worker_connections {8 * HOSTS + 1024}; }}
http {{
  root {www};
  access_log off;
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
  server {{
{listens}  }}
}}
""")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    process = subprocess.Popen(
        ["nginx", "-p", str(nginx), "-c", str(nginx / "nginx.conf"), "-e",
         str(nginx / "logs/error.log")],
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard)))
    for _ in range(100):
        if subprocess.run(["curl", "-fso", "/dev/null",
                           f"http://{host_address(0)}:{PORTS['http']}/100b"]).returncode == 0:
            return process
        if process.poll() is not None:
            sys.exit(f"nginx exited; see {nginx}/logs/error.log")
        time.sleep(0.05)
    process.kill()
    sys.exit("nginx does not answer")


def write_list(scheme):
    # Interleaved, as a real list is not sorted by host: h0000, h0001, ..., h0999, h0000, ...
    urls = [f"{scheme}://{host_name(i % HOSTS)}:{PORTS[scheme]}/100b"
            for i in range(HOSTS * PER_HOST)]
    path = WORK / f"{scheme}.txt"
    path.write_text("".join(u + "\n" for u in urls))
    return path


def poller_argv(scheme, shard=None):
    argv = [POLLER, "--interval", "0", "--count", str(ROUNDS), "--format", "none", "-q"]
    if scheme == "https":
        argv += ["--cacert", str(WORK / "tls/ca.pem")]
    for i in range(HOSTS):
        argv += ["--resolve", f"{host_name(i)}:{PORTS[scheme]}:{host_address(i)}"]
    if shard:
        argv += ["--shard", shard]
    return argv + [str(WORK / f"{scheme}.txt")]


def run_together(argvs):
    """Runs every argv at once under /usr/bin/time; per process: (peak RSS MB, CPU s), and the
    wall time from the first start to the last exit."""
    started = time.monotonic()
    processes = []
    for n, argv in enumerate(argvs):
        out = WORK / f"time.{n}"
        processes.append((subprocess.Popen(["/usr/bin/time", "-o", str(out), "-f", "%M %U %S"] + argv,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
                          out))
    figures = []
    for process, out in processes:
        _, err = process.communicate(timeout=1800)
        if process.returncode != 0:
            sys.exit(f"poller exited {process.returncode}: {err.decode()[-2000:]}")
        rss_kb, user, system = out.read_text().split()[-3:]
        figures.append((int(rss_kb) / 1024, float(user) + float(system)))
    return figures, time.monotonic() - started


def median(values):
    return statistics.median(values)


def main():
    if not Path(POLLER).is_file():
        sys.exit(f"{POLLER}: no poller binary (scripts/build release poller, or set BENCH_POLLER)")
    for tool in ("nginx", "openssl", "curl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install nginx-light openssl curl time")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    binary = WORK / "poller"
    shutil.copy(POLLER, binary)  # a rebuild during the run must not swap it
    globals()["POLLER"] = str(binary)
    make_certificates(WORK / "tls")
    nginx = start_nginx()
    rows = []
    try:
        for scheme in ("http", "https"):
            write_list(scheme)
            one, fleet = [], []
            for rep in range(REPS):
                say(f"{scheme}, repetition {rep + 1} of {REPS}")
                figures, wall = run_together([poller_argv(scheme)])
                one.append((figures[0][0], figures[0][1], wall))
                figures, wall = run_together(
                    [poller_argv(scheme, f"{k}/{SHARDS}") for k in range(1, SHARDS + 1)])
                fleet.append((max(f[0] for f in figures), sum(f[0] for f in figures),
                              max(f[1] for f in figures), sum(f[1] for f in figures), wall))
            rows.append((scheme, one, fleet))
    finally:
        nginx.terminate()
        nginx.wait()

    urls = HOSTS * PER_HOST
    lines = [
        "# --shard: one process against a fleet (issue 17)",
        "",
        f"Made by `bench/shard.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{urls:,} URLs on {HOSTS:,} hosts (127.0.x.y on loopback, nginx, 100 B bodies), "
        f"{ROUNDS} rounds back to back (`--interval 0 --count {ROUNDS}`), one process against "
        f"{SHARDS} processes with `--shard K/{SHARDS}` ({urls // SHARDS:,} URLs each) run at "
        f"once. Medians of {REPS} repetitions. Peak RSS from `/usr/bin/time -f %M`, CPU is "
        f"user + sys. Machine: {os.cpu_count()} cores, shared with other work: wall times of "
        f"the fleet (4 processes and nginx on {os.cpu_count()} cores) are not a speed-up "
        f"figure.",
        "",
        "| scheme | run | peak RSS MB per process | RSS MB, all processes | CPU s per process (max) | CPU s, all processes | wall s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for scheme, one, fleet in rows:
        lines.append(f"| {scheme} | 1 × {urls:,} | {median([r[0] for r in one]):.1f} | "
                     f"{median([r[0] for r in one]):.1f} | {median([r[1] for r in one]):.2f} | "
                     f"{median([r[1] for r in one]):.2f} | {median([r[2] for r in one]):.2f} |")
        lines.append(f"| {scheme} | {SHARDS} × {urls // SHARDS:,} | "
                     f"{median([r[0] for r in fleet]):.1f} | {median([r[1] for r in fleet]):.1f} | "
                     f"{median([r[2] for r in fleet]):.2f} | {median([r[3] for r in fleet]):.2f} | "
                     f"{median([r[4] for r in fleet]):.2f} |")
    text = "\n".join(lines) + "\n"
    (BENCH / "SHARD.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
