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

CI_ROOT = "/home/runner/work/shop/shop/"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--diff-lines", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    xml = "".join(report(args.lines, args.files)).replace(
        'filename="pkg/', f'filename="{CI_ROOT}src/pkg/'
    )
    data = xml.encode()
    repo_files = [f"src/pkg/module_{i}.py" for i in range(args.files)] + [
        f"docs/page_{i}.md" for i in range(20_000)
    ]
    entries = files_api(args.files, args.lines, args.diff_lines)

    def whole() -> Any:
        parsed = parse_coverage(data)
        mapping = resolve_paths(parsed.files, repo_files, sources=parsed.sources).mapping
        patch = patch_coverage(parsed, added_lines_from_files(entries), mapping)
        return patch, project_coverage(parsed, mapping)

    parse_ms, parsed = timed(lambda: parse_coverage(data), args.rounds)
    map_ms, mapping = timed(
        lambda: resolve_paths(parsed.files, repo_files, sources=parsed.sources).mapping,
        args.rounds,
    )
    changed = added_lines_from_files(entries)
    diff_ms, _ = timed(lambda: added_lines_from_files(entries), args.rounds)
    patch_ms, patch = timed(lambda: patch_coverage(parsed, changed, mapping), args.rounds)
    tracemalloc.start()
    whole()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"report: {len(data) / 1e6:.1f} MB, {args.lines:,} lines in {args.files} files")
    print(
        f"diff: {sum(len(c.added) for c in changed.values()):,} added lines in {len(changed)} files"
    )
    print(
        f"parse {parse_ms:.0f} ms · map paths ({len(repo_files):,} repo files) {map_ms:.0f} ms"
        f" · read diff {diff_ms:.0f} ms · patch coverage {patch_ms:.0f} ms"
    )
    print(
        f"patch coverage {patch.percent:.2f}% of {patch.executable:,} executable added lines;"
        f" peak memory of one whole run {peak / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
