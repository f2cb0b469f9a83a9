"""Coverage parsing benchmark: a generated Cobertura report read by the streaming parser.

Prints the report's size, the time to parse it (median of the rounds) and the peak memory of
one parse (tracemalloc, in a separate run: tracing slows allocation down).

    python -m bench.coverage_parse [--lines 100000] [--files 500] [--rounds 5]
    python -m bench.coverage_parse --megabytes 100      (written to a temporary file, then
                                                        parsed from it as a stream)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from app.reports.coverage_formats import parse_coverage
from app.reports.coverage_formats.cobertura import parse_cobertura
from app.reports.coverage_model import CoverageReport
from bench.figures import Figure

HEADER = (
    '<?xml version="1.0" ?>\n'
    '<coverage version="7.6.1" timestamp="1795850000000" lines-valid="0" lines-covered="0"'
    ' line-rate="0" branches-valid="0" branches-covered="0" branch-rate="0" complexity="0">\n'
    "\t<sources>\n\t\t<source>/home/ci/project/src</source>\n\t</sources>\n"
    '\t<packages>\n\t\t<package name="pkg" line-rate="0" branch-rate="0" complexity="0">\n'
    "\t\t\t<classes>\n"
)
FOOTER = "\t\t\t</classes>\n\t\t</package>\n\t</packages>\n</coverage>\n"
SIZES = {
    "full": {"lines": 100_000, "rounds": 5},
    "quick": {"lines": 100_000, "rounds": 3},
    "tiny": {"lines": 2_000, "files": 20, "rounds": 1},
}


def line_element(number: int) -> str:
    """A <line> as coverage.py writes it: every 7th line missed, every 5th a branch line,
    every 10th of those partly covered."""
    hits = 0 if number % 7 == 0 else number % 13 + 1
    if number % 5:
        return f'\t\t\t\t\t\t<line number="{number}" hits="{hits}"/>\n'
    coverage = "50% (1/2)" if number % 10 == 0 else "100% (2/2)"
    return (
        f'\t\t\t\t\t\t<line number="{number}" hits="{hits}" branch="true"'
        f' condition-coverage="{coverage}"/>\n'
    )


def class_element(index: int, lines: int) -> Iterator[str]:
    name = f"module_{index}.py"
    yield (
        f'\t\t\t\t<class name="{name}" filename="pkg/{name}" complexity="0" line-rate="0"'
        ' branch-rate="0">\n\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n'
    )
    yield from (line_element(number) for number in range(1, lines + 1))
    yield "\t\t\t\t\t</lines>\n\t\t\t\t</class>\n"


def report(lines: int, files: int) -> Iterator[str]:
    """A Cobertura report of `lines` <line> elements spread evenly over `files` classes."""
    yield HEADER
    for index in range(files):
        yield from class_element(index, lines // files + (1 if index < lines % files else 0))
    yield FOOTER


def report_of_size(megabytes: float, files: int) -> Iterator[str]:
    """A report of about `megabytes` MB: line elements average ~46 bytes."""
    return report(int(megabytes * 1e6 / 46), files)


def parse_runs(
    parse: Callable[[], CoverageReport], rounds: int
) -> tuple[list[float], int, int, int]:
    """(parse times in seconds, peak traced bytes during one parse, bytes the parsed report
    keeps, lines parsed)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        parse()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    parsed = parse()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return times, peak, kept, sum(len(f.hits) for f in parsed.files.values())


def measure(lines: int = 100_000, files: int = 500, rounds: int = 5) -> list[Figure]:
    """A report of `lines` lines from bytes in memory: parse time (median) and peak memory."""
    data = "".join(report(lines, files)).encode()
    times, peak, _, parsed = parse_runs(lambda: parse_coverage(data), rounds)
    where = f"Cobertura parse, {parsed:,} lines ({len(data) / 1e6:.1f} MB)"
    return [
        Figure(f"{where}: time (median)", round(statistics.median(times), 3), "s"),
        Figure(f"{where}: peak memory", round(peak / 1e6, 2), "MB"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--megabytes", type=float, help="a report of this size, from a file")
    args = parser.parse_args()
    if args.megabytes:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "coverage.xml"
            with path.open("w", encoding="utf-8") as out:
                out.writelines(report_of_size(args.megabytes, args.files))
            size = path.stat().st_size

            def parse() -> CoverageReport:
                with path.open("rb") as stream:
                    return parse_cobertura(stream)

            times, peak, kept, lines = parse_runs(parse, args.rounds)
        source = "streamed from a file"
    else:
        data = "".join(report(args.lines, args.files)).encode()
        size = len(data)
        times, peak, kept, lines = parse_runs(lambda: parse_coverage(data), args.rounds)
        source = "from bytes in memory (not counted in the peak)"
    print(f"report: {size / 1e6:.1f} MB, {lines:,} lines in {args.files} files, {source}")
    print(
        f"parse: median {statistics.median(times):.2f} s, max {max(times):.2f} s"
        f" ({lines / statistics.median(times):,.0f} lines/s) over {len(times)} rounds"
    )
    print(
        f"peak memory {peak / 1e6:.1f} MB: the parsed report keeps {kept / 1e6:.1f} MB,"
        f" parsing needed {(peak - kept) / 1e6:.1f} MB more"
    )


if __name__ == "__main__":
    main()
