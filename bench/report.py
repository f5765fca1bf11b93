#!/usr/bin/python3
"""Turns bench/.work/results.json (from measure.py) into bench/RESULTS.md and bench/chart.png.

RESULTS.md is rewritten, but its "## " sections that this script does not make (kept by hand:
issue 11's, issue 14's from bench/parallel.py) are carried over unchanged after the generated
ones, in their order (kept_sections.py)."""

import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

import kept_sections

BENCH = Path(__file__).resolve().parent
WORK = Path(os.environ.get("BENCH_WORK", BENCH / ".work"))
MIB = 1024 * 1024
TOOLS = ["poller", "curl", "aiohttp", "wrk"]
SCHEMES = ["http", "https"]
FAILED_SECTIONS = "## Failed sections"  # made only when a section failed

data = json.loads((WORK / "results.json").read_text())
settings, machine, commands = data["settings"], data["machine"], data["commands"]


def runs(section, **match):
    return [r for r in data["runs"]
            if r["section"] == section and all(r.get(k) == v for k, v in match.items())]


# --- statistics -------------------------------------------------------------------------------


class Spread:
    """Median and range of repeated measurements."""

    def __init__(self, values):
        self.values = [v for v in values if v is not None]
        self.median = statistics.median(self.values) if self.values else None
        self.low = min(self.values) if self.values else None
        self.high = max(self.values) if self.values else None

    def show(self, digits=0):
        if self.median is None:
            return "—"
        if len(self.values) == 1:
            return f"{self.median:.{digits}f}"
        return f"**{self.median:.{digits}f}** ({self.low:.{digits}f}–{self.high:.{digits}f})"


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ratio(a, b):
    return a / b if a is not None and b else None


def show_ratio(value):
    return "—" if value is None else f"{value:.2f}×"


def per_request(section, tool, count, **match):
    """Wall and CPU µs per request with start-up left out, one value per repetition.

    Start-up (process, TLS context, first connection) is the median run of 1 fetch; the rest,
    spread over count - 1 fetches, is what each further request costs.
    """
    singles = runs(section, tool=tool, count=1, **match)
    if not singles:
        return Spread([]), Spread([])
    wall_1 = statistics.median(r["wall"] for r in singles)
    cpu_1 = statistics.median(r["cpu"] for r in singles)
    many = runs(section, tool=tool, count=count, **match)
    walls = [(r["wall"] - wall_1) / (count - 1) * 1e6 for r in many]
    cpus = [(r["cpu"] - cpu_1) / (count - 1) * 1e6 for r in many]
    return Spread(walls), Spread(cpus)


# --- the small-body comparison ----------------------------------------------------------------


def small_figures():
    """{(tool, scheme): dict of Spreads} for the 100 B runs."""
    n = settings["N"]
    figures = {}
    for scheme in SCHEMES:
        for tool in TOOLS:
            if tool == "wrk":
                wrk = runs("small", tool="wrk", scheme=scheme)
                wall = Spread([1e6 / r["rate"] for r in wrk])
                cpu = Spread([r["cpu"] / r["requests"] * 1e6 for r in wrk])
                figures[tool, scheme] = {"wall": wall, "cpu": cpu, "whole": wall,
                                         "startup": Spread([]), "rss": Spread([])}
                continue
            wall, cpu = per_request("small", tool, n, scheme=scheme)
            many = runs("small", tool=tool, scheme=scheme, count=n)
            figures[tool, scheme] = {
                "wall": wall, "cpu": cpu,
                "whole": Spread([r["wall"] / n * 1e6 for r in many]),
                "startup": Spread([r["wall"] * 1e3 for r in runs("small", tool=tool, scheme=scheme,
                                                                 count=1)]),
                "rss": Spread([r["max_rss_kb"] / 1024 for r in many]),
            }
    return figures


def small_table(figures):
    lines = [
        "| tool | scheme | wall µs/request | client CPU µs/request | whole run µs/request "
        "| start-up ms | peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for scheme in SCHEMES:
        for tool in TOOLS:
            f = figures[tool, scheme]
            lines.append(f"| {tool} | {scheme} | {f['wall'].show(1)} | {f['cpu'].show(1)} | "
                         f"{f['whole'].show(1)} | {f['startup'].show(1)} | {f['rss'].show(1)} |")
    return lines


def ratio_table(figures):
    def med(tool, scheme, key):
        return figures[tool, scheme][key].median

    lines = [
        "| scheme | poller/wrk wall | poller/wrk CPU | curl/poller wall | curl/poller CPU "
        "| aiohttp/poller wall | aiohttp/poller CPU |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in SCHEMES:
        cells = [ratio(med("poller", s, "wall"), med("wrk", s, "wall")),
                 ratio(med("poller", s, "cpu"), med("wrk", s, "cpu")),
                 ratio(med("curl", s, "wall"), med("poller", s, "wall")),
                 ratio(med("curl", s, "cpu"), med("poller", s, "cpu")),
                 ratio(med("aiohttp", s, "wall"), med("poller", s, "wall")),
                 ratio(med("aiohttp", s, "cpu"), med("poller", s, "cpu"))]
        lines.append(f"| {s} | " + " | ".join(show_ratio(c) for c in cells) + " |")
    return lines


def write_chart(figures):
    """Two panels, wall and CPU µs per request, one bar per tool and scheme, min–max whiskers."""
    rows = []
    for tool in TOOLS:
        cells = [tool]
        for key in ("wall", "cpu"):
            for scheme in SCHEMES:
                s = figures[tool, scheme][key]
                cells += [f"{v:.2f}" if v is not None else "NaN" for v in (s.median, s.low, s.high)]
        rows.append(" ".join(cells))
    dat = WORK / "chart.dat"
    dat.write_text("# tool wall(http med lo hi) wall(https ...) cpu(http ...) cpu(https ...)\n"
                   + "\n".join(rows) + "\n")
    title = (f"{settings['N']} sequential GETs of 100 B on loopback, median of "
             f"{settings['REPS']} (whiskers: min-max), {machine['nproc']} cores")
    subprocess.run(["gnuplot", "-e", f"datafile='{dat}'; outfile='{BENCH / 'chart.png'}'; "
                    f"charttitle='{title}'", str(BENCH / "chart.gp")], check=True)


# --- the other sections -----------------------------------------------------------------------


def big_section():
    lines = ["| scheme | poller MB/s | wrk MB/s | poller/wrk | poller CPU ms per body "
             "| wrk CPU ms per body | poller peak RSS MB |", "| --- | --- | --- | --- | --- | --- | --- |"]
    ratios = {}
    for s in SCHEMES:
        poller = runs("big", tool="poller", scheme=s)
        wrk = runs("big", tool="wrk", scheme=s)
        p_rate = Spread([r["count"] * MIB / r["wall"] / 1e6 for r in poller])
        w_rate = Spread([r["rate"] * MIB / 1e6 for r in wrk])
        ratios[s] = ratio(p_rate.median, w_rate.median)
        lines.append(
            f"| {s} | {p_rate.show(0)} | {w_rate.show(0)} | {show_ratio(ratios[s])} | "
            f"{Spread([r['cpu'] / r['count'] * 1e3 for r in poller]).show(2)} | "
            f"{Spread([r['cpu'] / r['requests'] * 1e3 for r in wrk]).show(2)} | "
            f"{Spread([r['max_rss_kb'] / 1024 for r in poller]).show(1)} |")
    return lines, ratios


def rss_section():
    lines = ["| scheme | 10 × 100 B, 1 round | 10 × 1 MiB, 1 round | 10 × 1 MiB, 20 rounds "
             "| growth for 1 MiB bodies | growth from 1 to 20 rounds |",
             "| --- | --- | --- | --- | --- | --- |"]
    verdicts = {}
    for s in SCHEMES:
        def rss(path, rounds):
            found = runs("rss", scheme=s, path=path, rounds=rounds)
            return found[0]["max_rss_kb"] / 1024 if found else None
        small, big1, big20 = rss("/100b", 1), rss("/1m", 1), rss("/1m", 20)
        if None in (small, big1, big20):
            continue
        growth, drift = big1 - small, big20 - big1
        verdicts[s] = (growth, drift)
        lines.append(f"| {s} | {small:.1f} MB | {big1:.1f} MB | {big20:.1f} MB | "
                     f"{growth:+.2f} MB | {drift:+.2f} MB |")
    return lines, verdicts


def schedule_figures(record):
    """Lateness of each round start against t0 + k·period, and the drift over the run.

    t0 is the earliest phase seen (min over k of t_k - k·period), so lateness is never negative
    and the constant request latency drops out; drift is the least-squares slope of the phase
    against k, times the number of periods.
    """
    stamps, period = record["stamps"], record["period"]
    if len(stamps) < 2:
        return None
    phases = [t - k * period for k, t in enumerate(stamps)]
    t0 = min(phases)
    lateness_ms = [(p - t0) * 1e3 for p in phases]
    n = len(phases)
    mean_k, mean_p = (n - 1) / 2, statistics.fmean(phases)
    slope = (sum((k - mean_k) * (p - mean_p) for k, p in enumerate(phases))
             / sum((k - mean_k) ** 2 for k in range(n)))
    return {"rounds": n, "p50": percentile(lateness_ms, 50), "p99": percentile(lateness_ms, 99),
            "max": max(lateness_ms), "drift_ms": slope * (n - 1) * 1e3,
            "overruns": record["overrun_warnings"]}


def schedule_section():
    lines = ["| client | clock | rounds seen | lateness p50 ms | p99 ms | max ms "
             "| drift over the run ms | overrun warnings | cpu 0 / cpu 1 busy (all processes) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    found = {}
    for record in runs("schedule"):
        f = schedule_figures(record)
        if f is None:
            continue
        if record["clock"].startswith("stamp"):
            found[record["tool"]] = f
        busy = record.get("cpu_busy", {})
        lines.append(f"| {record['tool']} | {record['clock']} | {f['rounds']} | {f['p50']:.3f} | "
                     f"{f['p99']:.3f} | {f['max']:.3f} | {f['drift_ms']:+.3f} | {f['overruns']} | "
                     f"{busy.get('0', '?')} % / {busy.get('1', '?')} % |")
    floor = next((f for tool, f in found.items() if tool.startswith("bare")), None)
    return lines, found.get("poller"), floor


def hosts_section():
    lines = ["| scheme | URLs / hosts | peak RSS MB | peak descriptors | connections (nginx) "
             "| wall per round ms | round 1, 2, 3 ms (nginx) | CPU s, 3 rounds |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    rss = {}
    for r in runs("hosts"):
        starts = r["round_starts"] + [r["last_request"]]
        rounds = ", ".join(f"{(b - a) * 1e3:.0f}" for a, b in zip(starts, starts[1:]))
        rss[r["scheme"]] = r["max_rss_kb"] / 1024
        lines.append(f"| {r['scheme']} | {r['urls']} / {r['hosts']} | {r['max_rss_kb'] / 1024:.1f} | "
                     f"{r['max_fds']} | {r['connections']} | {r['wall'] / r['rounds'] * 1e3:.0f} | "
                     f"{rounds} | {r['cpu']:.2f} |")
    return lines, rss


def reconnect_section():
    n = settings["RECONNECTS"]
    lines = ["| server | tool | wall µs/request | client CPU µs/request | resumed handshakes |",
             "| --- | --- | --- | --- | --- |"]
    shares = {}
    for version in ("TLSv1.3", "TLSv1.2"):
        for resumable in (True, False):
            for tool in ("poller", "curl", "aiohttp"):
                match = {"version": version, "resumable": resumable}
                many = runs("reconnect", tool=tool, count=n, **match)
                if not many:
                    continue
                wall, cpu = per_request("reconnect", tool, n, **match)
                resumed = sum(r["resumed"] for r in many)
                possible = sum(r["requests"] - 1 for r in many)
                share = resumed / possible if possible else None
                if resumable:
                    shares[tool, version] = share
                server = f"{version}, " + ("resumption allowed" if resumable else
                                           "resumption refused (no cache, no tickets)")
                lines.append(f"| {server} | {tool} | {wall.show(0)} | {cpu.show(0)} | "
                             f"{resumed}/{possible}" + (f" ({share:.0%})" if share is not None else "")
                             + " |")
    return lines, shares


def reuse_section():
    lines = ["| tool | scheme | requests | connections | requests per connection |",
             "| --- | --- | --- | --- | --- |"]
    for r in runs("reuse"):
        lines.append(f"| {r['tool']} | {r['scheme']} | {r['requests']} | {r['connections']} | "
                     f"{r['requests'] / max(r['connections'], 1):.0f} |")
    return lines


# --- targets ----------------------------------------------------------------------------------


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def targets(figures, big_ratios, rss_verdicts, idle, schedule, floor, hosts_rss, shares):
    rows = ["| target (issue 5) | measured | verdict |", "| --- | --- | --- |"]

    def add(target, measured, ok):
        rows.append(f"| {target} | {measured} | {verdict(ok)} |")

    for s in SCHEMES:
        r = ratio(figures["poller", s]["wall"].median, figures["wrk", s]["wall"].median)
        add(f"{s}: wall per request ≤ 1.1× wrk -t1 -c1", show_ratio(r), None if r is None else r <= 1.1)
    for s in SCHEMES:
        r = ratio(figures["poller", s]["cpu"].median, figures["wrk", s]["cpu"].median)
        add(f"{s}: client CPU per request ≤ wrk's", show_ratio(r), None if r is None else r <= 1.0)
    for s in SCHEMES:
        r = big_ratios.get(s)
        add(f"{s}: 1 MiB bodies at ≥ 90 % of wrk's throughput",
            "—" if r is None else f"{r:.0%}", None if r is None else r >= 0.9)
    for s, (growth, drift) in rss_verdicts.items():
        # "One body plus a small constant": at most 2 MiB over the 100 B run, and flat: no more
        # than 0.25 MB more after 20 rounds than after 1.
        add(f"{s}: peak RSS ≈ one body + small constant, flat across rounds (taken as: ≤ 2 MB "
            "over a 100 B run, ≤ 0.25 MB more after 20 rounds than after 1)",
            f"+{growth:.2f} MB for 1 MiB bodies, {drift:+.2f} MB from 1 to 20 rounds",
            growth <= 2.0 and drift <= 0.25)
    if idle:
        share = idle["cpu_total"] / idle["seconds"] * 100
        add(f"idle CPU < 0.05 % of a core at --interval 5 (3 URLs, {idle['seconds']} s)",
            f"{share:.4f} % ({idle['cpu_total'] * 1e3:.1f} ms CPU)", share < 0.05)
    if schedule:
        context = (f" (a bare fixed-rate loop on this machine, same run: p99 {floor['p99']:.3f} ms)"
                   if floor else "")
        add("round-start lateness p99 < 1 ms at 10 ms", f"p99 {schedule['p99']:.3f} ms "
            f"over {schedule['rounds']} rounds{context}", schedule["p99"] < 1.0)
        add("no cumulative drift (|drift| < 1 ms over the run)",
            f"{schedule['drift_ms']:+.3f} ms", abs(schedule["drift_ms"]) < 1.0)
    for s, mb in hosts_rss.items():
        add(f"{s}: RSS < 50 MB for {settings['URLS_PER_HOST'] * settings['HOSTS']} URLs over "
            f"{settings['HOSTS']} hosts", f"{mb:.1f} MB", mb < 50)
    for version in ("TLSv1.3", "TLSv1.2"):
        share = shares.get(("poller", version))
        add(f"{version}: session resumption on ≥ 95 % of reconnects",
            "—" if share is None else f"{share:.0%}", None if share is None else share >= 0.95)
    return rows


# --- RESULTS.md -------------------------------------------------------------------------------


def main():
    figures = small_figures()
    big_lines, big_ratios = big_section()
    rss_lines, rss_verdicts = rss_section()
    schedule_lines, schedule, floor = schedule_section()
    hosts_lines, hosts_rss = hosts_section()
    reconnect_lines, shares = reconnect_section()
    idle = (runs("idle") or [None])[0]
    have_small = all(figures[t, s]["wall"].median is not None for t in TOOLS for s in SCHEMES)
    if have_small:
        write_chart(figures)
    else:
        (BENCH / "chart.png").unlink(missing_ok=True)  # a chart of another run would mislead

    st, m = settings, machine
    pin = ("client on cpu 0, nginx and the stamp server on cpu 1 (taskset, sched_setaffinity). "
           "On this 2-vCPU VM an A/B of 4 alternating small-body runs (2026-11-25) showed no "
           "consistent change in medians or spreads either way; pinning is kept so that client "
           "and server never share a vCPU" if st["PIN"] else "none (BENCH_PIN=0)")
    out = [
        "# Benchmark results (issue 5)",
        "",
        f"Made by `bench/run` on {st['started']} in {st['seconds']} s of measuring. "
        f"Every request went to {m['nginx'].replace('nginx version: ', '')} (or, for the µs schedule clock, `bench/stamp_server.py`) "
        "on loopback. Figures in **bold** are medians, with min–max of the repetitions in "
        "brackets.",
        "",
        f"- Machine: {m['nproc']} cores, {m['cpu']}, Linux {m['kernel']}, {m['os']}; load average "
        f"{' '.join(m['loadavg_start'])} at the start, {' '.join(m.get('loadavg_end', ['?']))} at "
        "the end (other work shares this machine: spreads are wide when it is busy).",
        f"- Pinning: {pin}.",
        f"- poller: `{m['poller']}`, git `{m['git']}` (`bench/.work/bin/poller` is a copy of "
        f"`{m.get('poller_source', '?')}` taken before measuring); {m['curl'].split(' (')[0]} "
        f"({m['curl'].split(') ')[1].split(' ')[0]}); {m['wrk'].split(' Copyright')[0]}; "
        f"{m['python']} with aiohttp {m['aiohttp']}; {m['nginx'].replace('nginx version: ', '')}; "
        f"{m['openssl'].split(' (')[0]}.",
        f"- TLS: a test CA and ECDSA P-256 server certificates (127.0.0.1; *.hosts.bench.test) "
        "made at run time; poller, curl and aiohttp verify against the CA, wrk does not verify "
        "(it cannot).",
        f"- Settings: N={st['N']}, {st['REPS']} repetitions with the tools interleaved (the order "
        f"rotates each repetition), wrk runs of {st['WRK_SECONDS']} s, {st['BIG_N']} × 1 MiB per "
        f"poller run, idle run {st['IDLE_SECONDS']} s, {st['SCHED_ROUNDS']} schedule rounds, "
        f"{st['URLS_PER_HOST']} URLs × {st['HOSTS']} hosts, {st['RECONNECTS']} reconnects per "
        f"run; descriptor limit {st['nofile']}.",
        "",
    ]
    if data["errors"]:
        out += [FAILED_SECTIONS, ""]
        out += [f"- **{name}**: `{error}`" for name, error in data["errors"].items()]
        out += [""]
    out += ["## Targets", ""]
    out += targets(figures, big_ratios, rss_verdicts, idle, schedule, floor, hosts_rss, shares)
    out += [
        "",
        f"## {st['N']} sequential fetches of 100 B",
        "",
        "![µs per request per tool](chart.png)" if have_small else "(no chart: a run failed)",
        "",
        "*wall* and *client CPU* per request leave out start-up: each is "
        "(run of N fetches − median run of 1 fetch) / (N − 1), measured per repetition. "
        "*whole run* is the run of N fetches / N, start-up included. wrk's figures are its "
        "steady state, 1 / (Requests/sec), and its whole-process CPU / requests. Client CPU is "
        "user + sys from wait4(); peak RSS from `/usr/bin/time -f %M`.",
        "",
    ]
    out += small_table(figures)
    out += ["", "Ratios of the medians (wall and client CPU per request, start-up left out):", ""]
    out += ratio_table(figures)
    out += ["", "Connections used, as counted by nginx (`$connection`, logged server; wrk: a 1 s "
            "run):", ""]
    out += reuse_section()
    out += ["", "## 1 MiB bodies", "",
            "MB = 10^6 bytes of body. poller fetches the 1 MiB file "
            f"{st['BIG_N']} times in one round (`--format none`); wrk runs for "
            f"{st['WRK_SECONDS']} s.", ""]
    out += big_lines
    out += ["", "Peak RSS of poller (`--interval 0 --format body`, bodies to /dev/null):", ""]
    out += rss_lines
    out += ["", "## Idle cost", ""]
    if idle:
        out += [f"poller at `--interval 5` with 3 URLs (HTTP 100 B, HTTP 16 KiB, HTTPS 100 B) for "
                f"{idle['seconds']} s, then SIGTERM: **{idle['cpu_total'] * 1e3:.1f} ms** of CPU in "
                f"all ({idle['cpu_total'] / idle['seconds'] * 100:.4f} % of a core), of which "
                f"{(idle['cpu_steady'] or 0) * 1e3:.1f} ms after the first second (start-up and round 1 "
                f"excluded; from /proc/PID/task/*/schedstat)."]
    out += ["", f"## Schedule accuracy: {st['SCHED_ROUNDS']} rounds at `--interval 10ms`", "",
            "poller prints no per-round times yet, so round starts are seen from the server: the "
            "time each request arrives. `bench/stamp_server.py` stamps arrivals to the µs; nginx's "
            "`$msec` has 1 ms resolution and is shown as a cross-check only: its lateness can only read "
            "0, 1 or 2 ms whatever the truth, but it confirms the count of rounds and the drift. Lateness of round k = "
            "t_k − (t0 + k·10 ms), with t0 the earliest phase seen; drift = least-squares slope of "
            "the phase over the run. The *bare fixed-rate loop* (`bench/fixed_rate_loop.py`: sleep "
            "until t0 + k·10 ms, send, read, nothing else) shows what this machine allows at the "
            "time; the last row is the loop poller replaces: aiohttp, fetch then "
            "`asyncio.sleep(0.01)`. The busy shares (from /proc/stat, all processes) show how much "
            "other work competed for the cpus during each run.", ""]
    out += schedule_lines
    out += ["", f"## {st['URLS_PER_HOST'] * st['HOSTS']} URLs over {st['HOSTS']} hosts", "",
            f"Host i is h<i>.hosts.bench.test, mapped by `--resolve` to its own address (127.0.1.1 "
            "onwards, one nginx `listen` each) and served, over HTTPS, with one small wildcard "
            "certificate; the list interleaves the hosts (URL k goes to host k mod hosts). "
            "`--interval 0 --count 3 --format none`. "
            "Descriptors and RSS sampled from /proc every 20 ms; round times from the first "
            "request of each round in nginx's log ($msec).", ""]
    out += hosts_lines
    out += ["", "## TLS reconnects", "",
            f"nginx answers every request with `Connection: close` (`keepalive_timeout 0`), so each "
            f"of {st['RECONNECTS']} fetches needs a new TCP connection and TLS handshake; resumed "
            "handshakes counted from nginx's `$ssl_session_reused`, out of all but the first "
            "connection of each run. Per-request figures leave out start-up as above.", ""]
    out += reconnect_lines
    out += ["", "## Commands", "",
            "Equivalent shell lines of what `bench/run` ran (work files under `bench/.work/`; "
            "ports from BENCH_PORT, default 28470: +0 HTTP, +1 HTTPS, +2/+3 logged, +4…+7 "
            "closing TLS servers, +8/+9 the many hosts, +10 the stamp server). Each client ran "
            "under `/usr/bin/time -f %M`.", "", "```"]
    out += [f"# {key}\n{command}" for key, command in commands.items()]
    out += ["```", ""]
    results = BENCH / "RESULTS.md"
    old = results.read_text() if results.exists() else ""
    results.write_text(kept_sections.append_kept("\n".join(out), old,
                                                 also_generated=[FAILED_SECTIONS]))
    return 1 if data["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
