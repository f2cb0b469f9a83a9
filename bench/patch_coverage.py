"""Patch coverage benchmark: parse a 100k-line Cobertura report and map a 5k-line diff onto it,
as the `coverage` action does for a PR (report paths mapped onto the repository's files, the
diff's added lines from GitHub's files API, Codecov's patch coverage).

Prints the time of each stage (median of several rounds) and the peak memory of one whole run.

    python -m bench.patch_coverage [--lines 100000] [--files 500] [--diff-lines 5000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from app.reports.coverage_formats.detect import parse_coverage
from app.reports.diff_lines import added_lines_from_files
from app.reports.patch_coverage import patch_coverage, project_coverage
from app.reports.path_mapping import resolve_paths
from bench.coverage_parse import report
from bench.figures import Figure

CI_ROOT = "/home/runner/work/shop/shop/"
SIZES = {
    "full": {"lines": 100_000, "diff_lines": 5_000, "rounds": 5},
    "quick": {"lines": 100_000, "diff_lines": 5_000, "rounds": 2},
    "tiny": {"lines": 2_000, "files": 50, "diff_lines": 200, "rounds": 1},
}


def files_api(files: int, lines: int, diff_lines: int) -> list[dict[str, Any]]:
    """pulls/{n}/files entries adding `diff_lines` lines in hunks of 20 over the report's files."""
    entries = []
    per_file = max(diff_lines // 50, 1)
    for index in range(50):
        start = (index * 37) % max(lines // files - per_file, 1) + 1
        added = "".join(f"+line {n}\n" for n in range(per_file))
        patch = f"@@ -{start},0 +{start},{per_file} @@\n{added}"
        entries.append(
            {
                "filename": f"src/pkg/module_{index}.py",
                "status": "modified",
                "patch": patch,
                "additions": per_file,
                "deletions": 0,
            }
        )
    return entries


def timed(action: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, result


def run(lines: int, files: int, diff_lines: int, rounds: int) -> dict[str, Any]:
    xml = "".join(report(lines, files)).replace('filename="pkg/', f'filename="{CI_ROOT}src/pkg/')
    data = xml.encode()
    repo_files = [f"src/pkg/module_{i}.py" for i in range(files)] + [
        f"docs/page_{i}.md" for i in range(20_000)
    ]
    entries = files_api(files, lines, diff_lines)

    def whole() -> Any:
        parsed = parse_coverage(data)
        mapping = resolve_paths(parsed.files, repo_files, sources=parsed.sources).mapping
        patch = patch_coverage(parsed, added_lines_from_files(entries), mapping)
        return patch, project_coverage(parsed, mapping)

    parse_ms, parsed = timed(lambda: parse_coverage(data), rounds)
    map_ms, mapping = timed(
        lambda: resolve_paths(parsed.files, repo_files, sources=parsed.sources).mapping, rounds
    )
    changed = added_lines_from_files(entries)
    diff_ms, _ = timed(lambda: added_lines_from_files(entries), rounds)
    patch_ms, patch = timed(lambda: patch_coverage(parsed, changed, mapping), rounds)
    tracemalloc.start()
    whole()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "megabytes": len(data) / 1e6,
        "repo_files": len(repo_files),
        "added": sum(len(c.added) for c in changed.values()),
        "changed_files": len(changed),
        "parse_ms": parse_ms,
        "map_ms": map_ms,
        "diff_ms": diff_ms,
        "patch_ms": patch_ms,
        "percent": patch.percent,
        "executable": patch.executable,
        "peak_mb": peak / 1e6,
    }


def measure(
    lines: int = 100_000, files: int = 500, diff_lines: int = 5_000, rounds: int = 5
) -> list[Figure]:
    result = run(lines, files, diff_lines, rounds)
    where = f"patch coverage, {lines:,}-line report x {result['added']:,}-line diff"
    pipeline = result["parse_ms"] + result["map_ms"] + result["diff_ms"] + result["patch_ms"]
    return [
        Figure(f"{where}: time (sum of medians)", round(pipeline, 1), "ms"),
        Figure(f"{where}: peak memory", round(result["peak_mb"], 2), "MB"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--diff-lines", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    r = run(args.lines, args.files, args.diff_lines, args.rounds)
    print(f"report: {r['megabytes']:.1f} MB, {args.lines:,} lines in {args.files} files")
    print(f"diff: {r['added']:,} added lines in {r['changed_files']} files")
    print(
        f"parse {r['parse_ms']:.0f} ms · map paths ({r['repo_files']:,} repo files)"
        f" {r['map_ms']:.0f} ms · read diff {r['diff_ms']:.0f} ms"
        f" · patch coverage {r['patch_ms']:.0f} ms"
    )
    print(
        f"patch coverage {r['percent']:.2f}% of {r['executable']:,} executable added lines;"
        f" peak memory of one whole run {r['peak_mb']:.1f} MB"
    )


if __name__ == "__main__":
    main()
