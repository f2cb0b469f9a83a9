"""Lint filter benchmark: 100k findings over a synthetic repository filtered against a PR whose
diff adds 5k lines, in each of reviewdog's filter modes, as the lint action does for a PR.

The diff is GitHub's unified diff text (hunks of added and removed lines between context lines),
parsed with `added_lines`. Findings are mostly single lines, some short ranges, a few spanning
thousands of lines, a few about whole files. Prints the time of each stage (median of several
rounds) and the peak memory of one whole run (parse the diff, filter in the default mode).

    python -m bench.lint_filter [--findings 100000] [--files 500] [--diff-lines 5000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from app.reports.diff_lines import added_lines
from app.reports.lint_filter import DEFAULT_MODE, FILTER_MODES, filter_findings
from app.reports.lint_model import Finding, Level
from bench.figures import Figure

FILE_LINES = 2_000
CHANGED_FILES = 100
ADDED_PER_HUNK = 5
HUNK_SPACING = 60  # head lines from one hunk's start to the next
SIZES = {
    "full": {"findings": 100_000, "diff_lines": 5_000, "rounds": 5},
    "quick": {"findings": 100_000, "diff_lines": 5_000, "rounds": 2},
    "tiny": {"findings": 2_000, "files": 50, "diff_lines": 200, "rounds": 1},
}


def file_path(index: int) -> str:
    return f"src/pkg/module_{index}.py"


def diff_text(diff_lines: int) -> str:
    """A unified diff adding `diff_lines` lines to the first CHANGED_FILES files, in hunks of
    three context lines, two removed lines, ADDED_PER_HUNK added lines, three context lines."""
    per_file = max(diff_lines // CHANGED_FILES, 1)
    hunks_per_file = -(-per_file // ADDED_PER_HUNK)
    parts = []
    for index in range(CHANGED_FILES):
        path = file_path(index)
        parts.append(f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n")
        parts.append(f"--- a/{path}\n+++ b/{path}\n")
        for hunk in range(hunks_per_file):
            added = min(ADDED_PER_HUNK, per_file - hunk * ADDED_PER_HUNK)
            head_start = 10 + hunk * HUNK_SPACING
            base_start = head_start - hunk * (ADDED_PER_HUNK - 2)
            parts.append(f"@@ -{base_start},8 +{head_start},{6 + added} @@ def f{hunk}():\n")
            parts.append(" a = 1\n b = 2\n c = 3\n-d = 4\n-e = 5\n")
            parts.append("".join(f"+x{n} = {n}\n" for n in range(added)))
            parts.append(" f = 6\n g = 7\n h = 8\n")
    return "".join(parts)


def findings(count: int, files: int, seed: int = 7) -> list[Finding]:
    """`count` findings spread over `files` files: 80% single lines, 15% ranges of up to 20
    lines, 4% ranges of up to 10,000 lines, 1% whole-file."""
    pick = random.Random(seed)
    levels = list(Level)
    out = []
    for n in range(count):
        path = file_path(pick.randrange(files))
        kind = pick.random()
        line: int | None = pick.randint(1, FILE_LINES)
        if kind < 0.80:
            end = line
        elif kind < 0.95:
            end = line + pick.randint(1, 20)
        elif kind < 0.99:
            end = line + pick.randint(100, 10_000)
        else:
            line = end = None
        out.append(Finding(path, line, end, pick.choice(levels), "message", rule=f"R{n % 50}"))
    return out


def timed(action: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, result


def run(findings_count: int, files: int, diff_lines: int, rounds: int) -> dict[str, Any]:
    text = diff_text(diff_lines)
    found = findings(findings_count, files)
    parse_ms, changed = timed(lambda: added_lines(text), rounds)
    filtered = {
        mode: timed(lambda mode=mode: filter_findings(found, changed, mode), rounds)
        for mode in FILTER_MODES
    }
    tracemalloc.start()
    filter_findings(found, added_lines(text), DEFAULT_MODE)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "diff_kb": len(text) / 1e3,
        "added": sum(len(change.added) for change in changed.values()),
        "changed_files": len(changed),
        "hunks": sum(len(change.hunks) for change in changed.values()),
        "parse_ms": parse_ms,
        "filters": {mode: (ms, len(selection.kept)) for mode, (ms, selection) in filtered.items()},
        "peak_mb": peak / 1e6,
    }


def measure(
    findings: int = 100_000, files: int = 500, diff_lines: int = 5_000, rounds: int = 5
) -> list[Figure]:
    result = run(findings, files, diff_lines, rounds)
    where = f"lint filter, {findings:,} findings x {result['added']:,}-line diff"
    filter_ms, _ = result["filters"][DEFAULT_MODE]
    return [
        Figure(
            f"{where}: parse + {DEFAULT_MODE} (medians)",
            round(result["parse_ms"] + filter_ms, 1),
            "ms",
        ),
        Figure(f"{where}: peak memory", round(result["peak_mb"], 2), "MB"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--diff-lines", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    r = run(args.findings, args.files, args.diff_lines, args.rounds)
    print(
        f"diff: {r['diff_kb']:.0f} KB, {r['added']:,} added lines in {r['changed_files']} files,"
        f" {r['hunks']:,} hunks; findings: {args.findings:,} over {args.files} files"
    )
    print(
        f"parse diff {r['parse_ms']:.0f} ms · "
        + " · ".join(
            f"{mode} {ms:.0f} ms (kept {kept:,})" for mode, (ms, kept) in r["filters"].items()
        )
    )
    print(f"peak memory of one whole run ({DEFAULT_MODE}) {r['peak_mb']:.1f} MB")


if __name__ == "__main__":
    main()
