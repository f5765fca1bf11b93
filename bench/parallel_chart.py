"""bench/parallel.png, the chart of bench/parallel.py (-Z, issue 14), drawn by bench/parallel.gp:
the round of ORIGINS x PER_HOST URLs against its lower bound, and the round-start lateness of
the dead-origin run. Only the panels of the sections that ran; the data files go to
bench/.work/parallel/ (not in git)."""

import os
import subprocess
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = Path(os.environ.get("BENCH_WORK", BENCH / ".work")) / "parallel"
CHART = BENCH / "parallel.png"

# The histogram's buckets shown (le="..." in poller_round_lateness_seconds), and their labels.
WITHIN = (("0.001", "1 ms"), ("0.005", "5 ms"), ("0.01", "10 ms"), ("0.025", "25 ms"),
          ("0.05", "50 ms"))
# Dead-origin modes as parallel.py names them, and as the chart does.
MODES = (("-Z", "-Z all rounds"), ("-Z, rounds 2 and later", "-Z rounds 2 and later"),
         ("sequential", "sequential"))


def share(buckets, le):
    """Percent of round starts within le."""
    return 100 * buckets.get(le, 0) / buckets["+Inf"]


def write_round_data(bars):
    """bars: ((label, seconds), ...) in the order drawn. Figures here, in full, are rounded once,
    by the chart's labels, as parallel.py's tables round them."""
    path = WORK / "round.dat"
    path.write_text("# bar seconds\n" + "".join(f'"{label}" {seconds:.6f}\n'
                                                for label, seconds in bars))
    return path


def write_dead_data(dead):
    """dead: parallel.py's mode -> ({le: cumulative count}, ticks skipped). A mode not measured,
    or whose histogram could not be read, gets bars of 0 and says so in the key (gnuplot stops
    at a histogram column with no valid point)."""
    path = WORK / "dead.dat"
    titles, columns = [], []
    for mode, label in MODES:
        buckets, skipped = dead.get(mode, ({}, 0))
        if buckets.get("+Inf", 0):
            # The counts belong in the key: a run that skips ticks (sequential beside the dead
            # origin) has few round starts, all on time, and its bars alone would flatter it.
            titles.append(f'"{label}: {buckets["+Inf"]} round starts, {skipped} ticks skipped"')
            columns.append([share(buckets, le) for le, _ in WITHIN])
        else:
            titles.append(f'"{label}: not measured (no histogram)"')
            columns.append([0.0] * len(WITHIN))
    rows = ["within " + " ".join(titles)]  # the header row, for gnuplot's columnheader
    for i, (_, label) in enumerate(WITHIN):
        rows.append(f'"{label}" ' + " ".join(f"{column[i]:.6f}" for column in columns))
    path.write_text("\n".join(rows) + "\n")
    return path


def draw(title, round_bars=None, lower=None, dead=None):
    """Writes bench/parallel.png; returns False, leaving the chart as it is, when no section of
    the chart ran (a run of the cpu or rss sections alone)."""
    if not round_bars and not dead:
        return False
    WORK.mkdir(parents=True, exist_ok=True)
    round_file = str(write_round_data(round_bars)) if round_bars else ""
    dead_file = str(write_dead_data(dead)) if dead else ""
    subprocess.run(["gnuplot", "-e", f"roundfile='{round_file}'; deadfile='{dead_file}'; "
                    f"lower={lower or 0}; outfile='{CHART}'; charttitle='{title}'",
                    str(BENCH / "parallel.gp")], check=True)
    return True
