"""The benchmark suite's runner (`python -m bench`), on its two fastest benchmarks at tiny sizes:
the table and the JSON it writes. No timing is asserted (the machine is shared)."""

from __future__ import annotations

import json
import math
import sys
import types
from pathlib import Path

import pytest

import bench.__main__ as runner
from bench.figures import Figure, at_most, below

VERDICTS = {None: "no target", True: "meets", False: "misses"}


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, dict]:
    code = runner.main(["--sizes", "tiny", "--results", str(tmp_path), *argv])
    out = capsys.readouterr().out
    (written,) = tmp_path.glob("*.json")
    return code, out, json.loads(written.read_text())


def test_the_suite_prints_one_table_and_writes_the_same_as_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, document = run(capsys, tmp_path, "--only", "rules,coverage_parse")

    assert code == 0
    header = out.strip().splitlines()[0].split()
    assert header == ["figure", "value", "unit", "target", "verdict"]
    assert "machine: " in out and "SQLite" in out and "wall time: " in out
    assert [b["name"] for b in document["benchmarks"]] == ["rules", "coverage_parse"]
    assert document["sizes"] == "tiny"
    assert document["wall_seconds"] > 0
    assert {"cpus", "python", "sqlite", "postgresql"} <= set(document["machine"])
    for benchmark in document["benchmarks"]:
        assert benchmark["error"] is None
        assert benchmark["figures"], benchmark["name"]
        for figure in benchmark["figures"]:
            assert set(figure) == {"name", "value", "unit", "target", "meets", "verdict"}
            assert isinstance(figure["value"], int | float) and math.isfinite(figure["value"])
            assert (figure["target"] is None) == (figure["meets"] is None)
            assert figure["verdict"] == VERDICTS[figure["meets"]]
            assert figure["name"] in out


def test_verdicts_follow_targets_and_a_failing_benchmark_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("bench.fake")

    async def measure(size: int = 1) -> list[Figure]:
        return [
            below("fast p99", 12.5, "ms", 25),
            below("slow p99", 30.0, "ms", 25),
            at_most("evaluations", 3, "evaluations", 3),
            Figure("calls", 120, "calls"),
        ]

    fake.measure = measure  # type: ignore[attr-defined]
    fake.SIZES = {"tiny": {"size": 2}}  # type: ignore[attr-defined]
    broken = types.ModuleType("bench.broken")

    def fails() -> list[Figure]:
        raise ValueError("no simulator")

    broken.measure = fails  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bench.fake", fake)
    monkeypatch.setitem(sys.modules, "bench.broken", broken)
    monkeypatch.setattr(runner, "BENCHMARKS", ["fake", "broken", "not_written_yet"])

    code, out, document = run(capsys, tmp_path)

    assert code == 1  # a benchmark failed
    fake_result, broken_result, absent = document["benchmarks"]
    assert fake_result["parameters"] == {"size": 2}
    verdicts = {f["name"]: (f["target"], f["verdict"]) for f in fake_result["figures"]}
    assert verdicts == {
        "fast p99": ("< 25 ms", "meets"),
        "slow p99": ("< 25 ms", "misses"),
        "evaluations": ("<= 3", "meets"),
        "calls": (None, "no target"),
    }
    assert broken_result["error"] == "ValueError: no simulator"
    assert "broken: FAILED: ValueError: no simulator" in out
    assert absent["skipped"] == "bench/not_written_yet.py is not there" and not absent["error"]
    rows = {line.split("  ")[0]: line.split() for line in out.splitlines()}
    assert rows["slow p99"][-1] == "misses"
    assert rows["calls"][-3:] == ["-", "no", "target"]


def test_a_benchmark_that_cannot_be_imported_is_one_failed_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_present = runner.present

    def present(name: str) -> object:
        if name == "unimportable":
            raise ImportError("cannot import name 'print_report' from 'bench.figures'")
        return real_present(name)

    monkeypatch.setattr(runner, "present", present)
    monkeypatch.setattr(runner, "BENCHMARKS", ["unimportable", "rules"])

    code, out, document = run(capsys, tmp_path)

    assert code == 1
    unimportable, rules = document["benchmarks"]
    assert unimportable["error"].startswith("ImportError: cannot import name")
    assert "unimportable: FAILED: ImportError" in out
    assert rules["figures"] and rules["error"] is None, "the benchmarks after it still run"
