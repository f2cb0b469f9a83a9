"""Rule engine benchmark, pure parts: validating a configuration and evaluating its rules.

Prints the time to validate and merge a configuration of N rules (YAML text to rules), the time
to evaluate every rule against one PR's facts, and the peak memory of both.

    python -m bench.rules [--rules 200] [--rounds 200]    (at most ~950 rules fit the 256 KiB cap)
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from datetime import UTC, datetime

from app.config.merge import merge_layers
from app.config.presets import presets
from app.config.validate import parse_config_file
from app.engine.conditions import StaticFacts
from app.engine.evaluate import evaluate_rules
from bench.figures import Figure, percentile

NOW = datetime(2026, 11, 28, tzinfo=UTC)
SIZES = {
    "full": {"rules": 200, "rounds": 200},
    "quick": {"rules": 200, "rounds": 50},
    "tiny": {"rules": 5, "rounds": 5},
}


def configuration(rules: int) -> str:
    lines = ["extends: golden-path", "rules:"]
    for i in range(rules):
        lines += [
            f"  - name: Rule {i}",
            "    if:",
            "      - -draft",
            f"      - files~=^services/svc{i}/",
            "      - any:",
            f"          - label=team-{i}",
            "          - approved-reviews-by=@acme/backend",
            "      - '#approved-reviews-by>=1'",
            "      - created-at<3 days ago",
            "    do:",
            f"      label: {{toggle: [svc-{i}]}}",
        ]
    return "\n".join(lines) + "\n"


def facts() -> StaticFacts:
    values = {
        "draft": False,
        "files": [f"services/svc{i}/handler.py" for i in range(0, 400, 7)],
        "label": ["bug", "team-3"],
        "approved-reviews-by": ["bob"],
        "created-at": datetime(2026, 11, 20, tzinfo=UTC),
    }
    return StaticFacts(values, {"acme/backend": {"bob", "carol"}})


def timed(action, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(rules: int, rounds: int) -> dict[str, float]:
    text = configuration(rules)
    known = presets()

    def load() -> object:
        return merge_layers([parse_config_file(text, ".paasbot.yml", presets=known)])

    tracemalloc.start()
    config = load()
    _, load_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    loading = timed(load, max(rounds // 20, 5))
    loaded, pr = config.rules, facts()  # type: ignore[attr-defined]
    evaluating = timed(lambda: evaluate_rules(loaded, pr, frozenset(), NOW), rounds)
    return {
        "bytes": len(text),
        "rules": len(loaded),
        "load_median_ms": statistics.median(loading),
        "load_max_ms": max(loading),
        "load_peak_mb": load_peak / 1e6,
        "evaluate_median_ms": statistics.median(evaluating),
        "evaluate_p99_ms": percentile(evaluating, 0.99),
    }


def measure(rules: int = 200, rounds: int = 200) -> list[Figure]:
    result = run(rules, rounds)
    where = f"rules: {result['rules']} rules"
    return [
        Figure(f"{where}, validate+merge median", round(result["load_median_ms"], 2), "ms"),
        Figure(f"{where}, validate+merge peak memory", round(result["load_peak_mb"], 2), "MB"),
        Figure(f"{where}, evaluate median", round(result["evaluate_median_ms"], 3), "ms"),
        Figure(f"{where}, evaluate p99", round(result["evaluate_p99_ms"], 3), "ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    result = run(args.rules, args.rounds)
    print(f"configuration: {result['bytes']:,} bytes, {result['rules']} rules (with golden-path)")
    print(
        f"validate+merge: median {result['load_median_ms']:.1f} ms,"
        f" max {result['load_max_ms']:.1f} ms, peak memory {result['load_peak_mb']:.1f} MB"
    )
    print(
        f"evaluate all rules: median {result['evaluate_median_ms']:.2f} ms,"
        f" p99 {result['evaluate_p99_ms']:.2f} ms"
    )


if __name__ == "__main__":
    main()
