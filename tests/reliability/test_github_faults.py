"""GitHub misbehaving during the benchmark trace (bench/faults.py, reduced): 10% of paasbot's calls
answered 500/502 (half of those on writes after the write was made: the answer lost), 5% stalled
past the client's timeout. Every PR ends as in the fault-free run, and nothing is done twice."""

from __future__ import annotations

from pathlib import Path

from bench.faults import FaultRates, duplicate_lines, play
from bench.final_state import differences

PULLS = 8
SEED = 12


async def test_faults_change_no_outcome_and_duplicate_nothing(tmp_path: Path) -> None:
    clean = await play(PULLS, SEED, 0.0, f"sqlite+aiosqlite:///{tmp_path}/clean.db", None)
    faulty = await play(PULLS, SEED, 0.0, f"sqlite+aiosqlite:///{tmp_path}/faults.db", FaultRates())

    injected = faulty.injected
    assert injected["timeout"] and any("lost answer" in kind for kind in injected), injected
    assert sum(n for kind, n in injected.items() if kind[:3] in ("500", "502")) > 0
    assert clean.merged > 0 and duplicate_lines(clean) == []
    found = differences(clean.snapshot, faulty.snapshot)
    assert not found, "\n".join(found)
    assert not duplicate_lines(faulty), "\n".join(duplicate_lines(faulty))
