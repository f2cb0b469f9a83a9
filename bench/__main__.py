"""The benchmark suite (issue 12): runs the benchmarks, prints one table of figures with their
targets and verdicts, the machine and the wall time, and writes the same as JSON to
bench/results/<UTC timestamp>.json (kept out of git).

    python -m bench [--quick | --sizes full|quick|tiny] [--only intake,coalesce] [--skip ...]
                    [--set intake.seconds=5] [--no-postgres] [--isolate] [--strict]
    bench/run ...   (the same)

Each benchmark module in BENCHMARKS exposes `measure(**sizes) -> list[Figure]` (plain or async)
and may define `SIZES = {"full": {...}, "quick": {...}, "tiny": {...}}`; a module without sizes
for the chosen profile runs with its defaults. Its own `main()` still runs it alone
(`python -m bench.<name>`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import math
import os
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import Figure

RESULTS = Path(__file__).parent / "results"

# The suite, in the order it runs (intake first, while the process is fresh). A module listed
# here needs only a `measure` function returning figures; add new benchmarks to this list.
BENCHMARKS = [
    "intake",
    "coalesce",
    "rules",
    "coverage_parse",
    "patch_coverage",
    "lint_filter",
    "merge_queue",
    "propagate",
    # Issue 12's 200-PR API-calls trace and the merge latency: bench/trace.py, written beside this
    # runner. Until the module is there the suite says "skipped"; it runs last, so a failure
    # there costs the other figures nothing. Its sizes: FALLBACK_SIZES below until it has SIZES.
    "trace",
    # Issue 12's figure 6: the trace against 1, 2 and 4 paasbot processes on one PostgreSQL
    # database (bench/scale.py); says "not measured" without PostgreSQL.
    "scale",
    # Issue 13: kill -9 of paasbot processes during the trace, on SQLite (restarted) and on
    # PostgreSQL (a second replica takes over): nothing lost, nothing done twice (bench/kill.py).
    "kill",
    # Issue 13: GitHub answering 10% of calls 500/502 (some after the write) and stalling 5%
    # past the client's timeout during the trace (50 PRs here; `python -m bench.faults --pulls
    # 200` for the whole trace): the same final state, nothing done twice (bench/faults.py).
    "faults",
]
# Sizes for a listed module that has no SIZES of its own (its own win once it has them); only the
# parameters its `measure` accepts are passed.
FALLBACK_SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "trace": {
        "quick": {"pulls": 50, "latency_pulls": 20},
        "tiny": {"pulls": 5, "coalesce": 0.0, "latency_pulls": 3},
    },
}
PROFILES = ("full", "quick", "tiny")
CHILD_MARK = "BENCH-FIGURES "


@dataclass
class Outcome:
    name: str
    parameters: dict[str, Any]
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None  # a listed module that is not there (yet)


def parameters_for(
    name: str, module: Any, profile: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """The sizes `measure` gets: the module's profile (or the fallback's), then --set
    overrides."""
    accepted = inspect.signature(module.measure).parameters
    own = getattr(module, "SIZES", None)
    if own is None:
        fallback = FALLBACK_SIZES.get(name, {}).get(profile, {})
        own = {profile: {k: v for k, v in fallback.items() if k in accepted}}
    chosen = {**own.get(profile, {}), **overrides}
    unknown = sorted(set(chosen) - set(accepted))
    if unknown:
        raise SystemExit(f"bench.{name}: measure() takes no parameter {unknown}")
    return chosen


def present(name: str) -> Any:
    """The benchmark's module, or None when bench/<name>.py does not exist (a module that fails
    to import for another reason raises)."""
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"bench.{name}":
            return None
        raise


def call_measure(module: Any, parameters: dict[str, Any]) -> list[Figure]:
    if inspect.iscoroutinefunction(module.measure):
        figures = asyncio.run(module.measure(**parameters))
    else:
        figures = module.measure(**parameters)
    return list(figures)


def run_in_process(name: str, parameters: dict[str, Any]) -> list[Figure]:
    return call_measure(importlib.import_module(f"bench.{name}"), parameters)


def run_in_child(name: str, parameters: dict[str, Any]) -> list[Figure]:
    """The benchmark in a fresh interpreter; its figures come back as one marked JSON line."""
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "bench", "--child", name, "--parameters"]
    done = subprocess.run(
        [*command, json.dumps(parameters)], cwd=root, capture_output=True, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(CHILD_MARK)]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"exit {done.returncode}: {tail[0]}")
    return [
        Figure(**{k: (math.nan if k == "value" and v is None else v) for k, v in item.items()})
        for item in json.loads(lines[-1][len(CHILD_MARK) :])
    ]


def child(name: str, parameters: str) -> None:
    figures = run_in_process(name, json.loads(parameters))
    payload = [{k: v for k, v in f.as_json().items() if k != "verdict"} for f in figures]
    print(CHILD_MARK + json.dumps(payload), flush=True)


def machine(postgres: str | None) -> dict[str, Any]:
    from bench.intake import postgres_version

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    version = asyncio.run(postgres_version(postgres)) if postgres else None
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": usable,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": version or ("not reachable" if postgres else "not asked"),
        "commit": _commit(),
    }


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def formatted(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def table(outcomes: list[Outcome]) -> str:
    rows = [("figure", "value", "unit", "target", "verdict")]
    for outcome in outcomes:
        if outcome.error:
            rows.append((f"{outcome.name}: FAILED: {outcome.error}"[:110], "", "", "", "error"))
        if outcome.skipped:
            rows.append((f"{outcome.name}: skipped: {outcome.skipped}", "", "", "", "skipped"))
        rows += [
            (f.name, formatted(f.value), f.unit, f.target or "-", f.verdict)
            for f in outcome.figures
        ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.rjust(width) if column == 1 else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def results_path(folder: Path, started: datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem = started.strftime("%Y%m%dT%H%M%SZ")
    path, n = folder / f"{stem}.json", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.json"
    return path


def parse_overrides(items: list[str]) -> dict[str, dict[str, Any]]:
    """--set NAME.PARAM=VALUE (VALUE read as JSON when it parses: numbers, true, null)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, _, raw = item.partition("=")
        name, _, parameter = key.partition(".")
        if not (name and parameter and raw):
            raise SystemExit(f"--set {item!r}: expected NAME.PARAM=VALUE")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        out.setdefault(name, {})[parameter] = value
    return out


def names_from(option: str | None) -> list[str]:
    return [n.strip() for n in (option or "").split(",") if n.strip()]


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", choices=PROFILES, default="full", help="default: full")
    parser.add_argument("--quick", action="store_const", const="quick", dest="sizes")
    parser.add_argument("--only", help="comma-separated benchmarks, e.g. intake,coalesce")
    parser.add_argument("--skip", help="comma-separated benchmarks to leave out")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME.PARAM=VALUE", help="a size"
    )
    parser.add_argument("--postgres", default=None, help="admin URL (default: intake's)")
    parser.add_argument("--no-postgres", action="store_true", help="intake on SQLite only")
    parser.add_argument("--isolate", action="store_true", help="each benchmark in its process")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses")
    parser.add_argument("--list", action="store_true", help="print the benchmarks and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--parameters", default="{}", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.child:
        child(args.child, args.parameters)
        return 0
    if args.list:
        print("\n".join(BENCHMARKS))
        return 0
    chosen = names_from(args.only) or list(BENCHMARKS)
    unknown = [n for n in chosen + names_from(args.skip) if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")
    chosen = [n for n in chosen if n not in names_from(args.skip)]
    overrides = parse_overrides(args.set)

    from bench.intake import POSTGRES

    postgres = None if args.no_postgres else (args.postgres or POSTGRES)
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    host = machine(postgres if "intake" in chosen else None)
    if host["postgresql"] == "not reachable":
        postgres = None
    outcomes = []
    for name in chosen:
        try:
            module = present(name)
        except Exception as error:
            # A benchmark that cannot even be imported is one FAILED row, not the end of the run.
            outcomes.append(Outcome(name, {}, error=f"{type(error).__name__}: {error}"))
            traceback.print_exc()
            continue
        if module is None:
            outcomes.append(Outcome(name, {}, skipped=f"bench/{name}.py is not there"))
            continue
        parameters = parameters_for(name, module, args.sizes, overrides.get(name, {}))
        if "postgres" in inspect.signature(module.measure).parameters:
            parameters.setdefault("postgres", postgres)
        print(f"bench: {name} {parameters or ''}", file=sys.stderr, flush=True)
        outcome = Outcome(name, parameters)
        began = time.perf_counter()
        try:
            run = run_in_child if args.isolate else run_in_process
            outcome.figures = run(name, parameters)
        except Exception as error:
            outcome.error = f"{type(error).__name__}: {error}"
            traceback.print_exc()
        outcome.seconds = round(time.perf_counter() - began, 2)
        outcomes.append(outcome)
    wall = time.perf_counter() - started

    print()
    print(table(outcomes))
    print()
    print(
        f"machine: {host['cpus']} CPUs ({host['cpus_usable']} usable, load average"
        f" {' '.join(map(str, host['load_average']))} at the start), {host['python']},"
        f" SQLite {host['sqlite']}, PostgreSQL {host['postgresql']}"
    )
    print("time: " + " · ".join(f"{o.name} {o.seconds:.1f} s" for o in outcomes))
    print(f"wall time: {wall:.1f} s (sizes: {args.sizes})")
    document = {
        "started": started_at.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 2),
        "sizes": args.sizes,
        "machine": host,
        "benchmarks": [
            {
                "name": o.name,
                "parameters": o.parameters,
                "seconds": o.seconds,
                "error": o.error,
                "skipped": o.skipped,
                "figures": [f.as_json() for f in o.figures],
            }
            for o in outcomes
        ],
    }
    path = results_path(args.results, started_at)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results: {path}")
    failed = any(o.error for o in outcomes)
    missed = any(f.meets is False for o in outcomes for f in o.figures)
    return 1 if failed or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
