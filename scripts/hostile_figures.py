"""The figures of issue #18's closing note, reproducible: python scripts/hostile_figures.py

Takes no data: every input is generated in a temporary folder.

1. Per-document worst case, time and peak memory of `cleaner clean` on the two bombs under the
   20 MB input limit (targets: <= 30 s, <= 1 GB): an HTML page of 1,000,000 `<span>`s, and a
   text of one-character lines; and on the largest pages cleaned in full, just under the
   element and line limits (20 MB each). Each is run as its own process; the peak resident
   memory is read by a wrapper process whose only child is the command.
2. The user-rule bound: `^(a|aa)+$` as a user rule over 1,000 lines of 44 characters
   (44 KB) (target: <= 2 s), in process (CPU of the cleaning thread, and wall) and as the
   command (`cleaner clean --rules DIR`, wall).
3. `cleaner clean --jobs 2` over 600 JSON Lines records with one worker killed (kill -9)
   mid-run (target: the run ends within 10 s of the kill, naming the inputs in flight).

The machine's load average is printed before and after: the figures are wall times.
`--only bombs|rule|kill` runs one part.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.killed_worker import kill_a_worker  # noqa: E402 - shared with the kill tests

PYTHON = sys.executable
SPAN_WORD = "abcdefg"  # <span>abcdefg</span>: 20 bytes, so 1 M of them make 20.0 MB
ENGLISH = (
    "The council approved the harbour budget on Tuesday after a long debate in the hall.\n\n"
    "The mayor said the works would start in spring and last about two years in total.\n"
)
# Wraps a command: its exit code, the peak resident memory of it alone (KB, Linux) and its
# CPU time (user + system), which load does not inflate as it does the wall time.
PROBE = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:], capture_output=True).returncode; "
    "use = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(code, use.ru_maxrss, use.ru_utime + use.ru_stime)"
)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def measured(command: list[str]) -> tuple[int, float, float, float]:
    """(exit code, wall seconds, peak MB, CPU seconds) of `command`."""
    start = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", PROBE, *command], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    code, peak_kb, cpu = done.stdout.split()
    return int(code), wall, int(peak_kb) / 1024, float(cpu)


def bombs(folder: Path) -> None:
    html = folder / "bomb.html"
    spans = f"<span>{SPAN_WORD}</span>" * 1_000_000
    html.write_text(f"<html><body><div>{spans}</div></body></html>", encoding="ascii")
    text = folder / "bomb.txt"
    text.write_text("a\n" * 10_000_000, encoding="ascii")
    # The largest documents that are cleaned in full, just under the element and line limits:
    # 29,000 paragraphs of 700 characters, and 99,000 lines of 200 characters (20 MB each).
    import random

    from cleaner.limits import DEFAULT_MAX_ELEMENTS, DEFAULT_MAX_LINES

    rng = random.Random(18)
    words = ("council", "harbour", "budget", "mayor", "spring", "works", "debate", "the", "a")
    words += ("ferry", "timetable", "winter", "said", "on", "Tuesday", "of", "and", "to", "in")

    def sentence(size: int) -> str:
        return " ".join(rng.choice(words) for _ in range(size // 6))[:size].capitalize()

    paragraphs = DEFAULT_MAX_ELEMENTS - 1000
    wide_html = folder / "wide.html"
    body = "".join(f"<p>{sentence(690)}.</p>" for _ in range(paragraphs))
    wide_html.write_text(f"<html><body><article>{body}</article></body></html>", "ascii")
    lines = DEFAULT_MAX_LINES - 1000
    wide_text = folder / "wide.txt"
    wide_text.write_text("".join(f"{sentence(196)}.\n" for _ in range(lines)), "ascii")
    for path, what in (
        (html, "1,000,000 <span>s"),
        (text, "10,000,000 one-character lines"),
        (wide_html, f"{paragraphs:,} paragraphs, under the element limit"),
        (wide_text, f"{lines:,} lines, under the line limit"),
    ):
        command = [PYTHON, "-m", "cleaner", "clean", "--no-templates", str(path)]
        code, wall, peak, cpu = measured(command)
        size = path.stat().st_size / 1e6
        print(
            f"{path.name} ({size:.1f} MB, {what}): exit {code}, {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU, peak {peak:.0f} MB (targets <= 30 s, <= 1024 MB)"
        )


def rule(folder: Path) -> None:
    rules = folder / "rules"
    rules.mkdir()
    (rules / "slow.toml").write_text(
        '[[rule]]\nid = "user.slow"\ncategory = "ads"\ndescription = "backtracks"\n'
        'pattern = \'^(a|aa)+$\'\nexamples_remove = ["aaaa"]\nexamples_keep = ["b"]\n',
        encoding="utf-8",
    )
    text = "\n".join("a" * 43 + "b" for _ in range(1000)) + "\n"
    path = folder / "backtracking.txt"
    path.write_text(text, encoding="ascii")
    import warnings

    from cleaner import CleanOptions, clean
    from cleaner.ruleset import load_ruleset

    ruleset = load_ruleset([rules], defaults=False)
    clean(ENGLISH)  # language profiles loaded outside the measure
    cpu, wall = time.thread_time(), time.perf_counter()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        clean(text, options=CleanOptions(ruleset=ruleset, generic=False))
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    print(
        f"user rule ^(a|aa)+$ on {len(text) / 1024:.0f} KiB, 1,000 lines, in process: "
        f"{cpu:.2f} s CPU, {wall:.2f} s wall (target <= 2 s)"
    )
    command = [PYTHON, "-m", "cleaner", "clean", "--no-templates", "--rules", str(rules)]
    code, seconds, _, _ = measured([*command, str(path)])
    without = measured([PYTHON, "-m", "cleaner", "clean", "--no-templates", str(path)])[1]
    print(
        f"user rule, the whole command: exit {code}, {seconds:.2f} s wall "
        f"({without:.2f} s without the rule; start-up included in both)"
    )


def kill(folder: Path) -> None:
    path = folder / "many.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(600):
            text = ENGLISH.replace("hall", f"hall of district {n}") + f"Note {n} of the day.\n"
            handle.write(json.dumps({"id": f"r{n}", "text": text}) + "\n")
    command = [PYTHON, "-m", "cleaner", "clean", "--format", "jsonl", "--no-templates"]
    run = kill_a_worker([*command, "--jobs", "2", str(path)])
    if run.killed_at is None:
        print("kill: no workers started")
        return
    records = run.stdout.splitlines()
    failed = sum(1 for r in records if '"error"' in r)
    print(
        f"--jobs 2, worker {run.worker} killed: exit {run.returncode} "
        f"{run.ended_at - run.killed_at:.2f} s after the kill (target <= 10 s); "
        f"{len(records)} of 600 records written, {failed} failed"
    )
    for after, line in run.noticed():
        print(f"  noticed {after:.2f} s after the kill: {line.rstrip()}")
    if not run.noticed():
        print("  (the run ended before the kill was noticed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["bombs", "rule", "kill"])
    args = parser.parse_args()
    print(f"before: {load()}")
    with tempfile.TemporaryDirectory(prefix="hostile-figures-") as tmp:
        for name, part in (("bombs", bombs), ("rule", rule), ("kill", kill)):
            if args.only in (None, name):
                folder = Path(tmp) / name
                folder.mkdir()
                part(folder)
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
