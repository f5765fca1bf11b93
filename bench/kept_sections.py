"""The "## " sections of bench/RESULTS.md kept by hand (issue 11's peak RSS per output mode,
issue 14's -Z runs and their analysis, ...), carried over when report.py rewrites the file, so
that a full bench/run does not drop them."""

import re


def split_sections(text):
    """[(heading, chunk), ...] in order, each chunk verbatim from its "## " line up to the next
    one; the text before the first heading has the heading None. A "## " line inside a ```
    fence (the Commands block) is not a heading."""
    chunks, heading, current, fenced = [], None, [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            chunks.append((heading, "".join(current)))
            heading, current = line.rstrip("\n"), []
        current.append(line)
    chunks.append((heading, "".join(current)))
    return chunks


def shape(heading):
    """A heading with its numbers left out: "## 2000 sequential fetches of 100 B" is the same
    generated section as "## 5000 sequential fetches of 100 B" (BENCH_N=5000), not a kept one."""
    return re.sub(r"\d+", "#", heading)


def append_kept(generated, old, also_generated=()):
    """generated with every section of old whose heading generated does not make (nor any of
    also_generated: the headings made only sometimes) appended, in old's order, byte for byte;
    a blank line before each."""
    made = {shape(h) for h, _ in split_sections(generated) if h}
    made |= {shape(h) for h in also_generated}
    text = generated
    for heading, chunk in split_sections(old):
        if heading is None or shape(heading) in made:
            continue
        if not text.endswith("\n\n"):
            text += "\n" if text.endswith("\n") else "\n\n"
        text += chunk
    return text
