#!/usr/bin/python3
"""Allocations and instructions per fetch (issue 29, goal 4): what CPU per check is made of,
counted rather than timed, so that a shared, noisy machine does not blur it.

check_cpu.py's nginx and list (20 HTTPS URLs on 4 origins, certificate verified), sequential,
--interval 0: per fetch = (a run of 11 rounds - a run of 1 round) / 200, so that start-up and the
handshakes cancel out. Allocations: heaptrack's "calls to allocation functions". Instructions:
valgrind's callgrind (Ir, the instructions the process executed, its libraries and OpenSSL
included; the kernel's share of a syscall is not counted). Both are nearly exact from run to
run, unlike time on this machine.

    bench/fetch_counts.py POLLER [POLLER...]

Every request goes to 127.0.0.0/8 only; no name reaches the machine's resolver.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import check_cpu

ROUNDS = 11
FETCHES = (ROUNDS - 1) * check_cpu.ORIGINS * check_cpu.PER_ORIGIN


def poller_args(poller, work, rounds):
    args = [poller, "--interval", "0", "--count", str(rounds), "--format", "none",
            "--cacert", str(work / "ca.pem")]
    for i in range(check_cpu.ORIGINS):
        args += ["--resolve", f"{check_cpu.host(i)}:{check_cpu.PORT}:{check_cpu.address(i)}"]
    args.append(str(check_cpu.write_urls(work)))
    return args


def allocations(poller, work, rounds):
    out = work / f"heaptrack.{rounds}.zst"
    subprocess.run(["heaptrack", "-o", str(out.with_suffix("")),
                    *poller_args(poller, work, rounds)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = next(work.glob(f"heaptrack.{rounds}.*"))
    text = subprocess.run(["heaptrack_print", str(found)], check=True, capture_output=True,
                          text=True).stdout
    found.unlink()
    return int(re.search(r"^calls to allocation functions: (\d+)", text, re.M)[1])


def instructions(poller, work, rounds):
    out = work / f"callgrind.{rounds}"
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                          *poller_args(poller, work, rounds)],
                         check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    out.unlink()
    return int(re.search(r"Collected : (\d+)", run.stderr)[1])


def per_fetch(count, poller, work):
    return (count(poller, work, ROUNDS) - count(poller, work, 1)) / FETCHES


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory(prefix="poller-counts-") as name:
        work = Path(name)
        check_cpu.make_certificates(work)
        nginx = check_cpu.start_nginx(work)
        try:
            print(f"Per fetch, ({ROUNDS} rounds - 1 round) / {FETCHES} fetches, --interval 0, "
                  f"sequential\n")
            print("| poller | allocations (heaptrack) | instructions (callgrind Ir) |")
            print("| --- | --- | --- |")
            for poller in sys.argv[1:]:
                print(f"| {poller} | {per_fetch(allocations, poller, work):.2f} | "
                      f"{per_fetch(instructions, poller, work):,.0f} |", flush=True)
        finally:
            nginx.terminate()
            nginx.wait()


if __name__ == "__main__":
    main()
