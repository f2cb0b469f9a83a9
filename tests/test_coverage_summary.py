import pytest

from app.reports.coverage_summary import (
    CoverageFigures,
    Targets,
    annotations,
    summary,
    title,
    verdict,
)
from app.reports.patch_coverage import FilePatchCoverage, PatchCoverage

HALF = PatchCoverage((FilePatchCoverage("calc/ops.py", (5, 6), (7, 8, 10), (8,)),), 2, 5, 40.0)
NOTHING = PatchCoverage((), 0, 0, None)


def figures(patch: PatchCoverage = HALF, project: float | None = 70.0, base: float | None = None):
    return CoverageFigures(patch, project, base, ("unit",))


@pytest.mark.parametrize(
    ("targets", "found", "conclusion", "reasons"),
    [
        (Targets(), figures(), "neutral", ()),
        (Targets(patch=40), figures(), "success", ()),
        (Targets(patch=80), figures(), "failure", ("patch coverage 40.00% is below 80.00%",)),
        (Targets(patch=80), figures(NOTHING), "neutral", ()),
        (Targets(project=75), figures(), "failure", ("project coverage 70.00% is below 75.00%",)),
        (Targets(threshold=1), figures(base=70.5), "success", ()),
        (
            Targets(threshold=1),
            figures(base=72.5),
            "failure",
            ("project coverage dropped 2.50%, more than 1.00%",),
        ),
        (Targets(threshold=1), figures(base=None), "neutral", ()),
    ],
)
def test_the_verdict_follows_the_targets(
    targets: Targets, found: CoverageFigures, conclusion: str, reasons: tuple[str, ...]
) -> None:
    assert verdict(found, targets) == type(verdict(found, targets))(conclusion, reasons)


def test_the_title_gives_patch_project_delta_and_the_first_failure() -> None:
    found = figures(base=72.5)
    result = verdict(found, Targets(patch=80))
    assert title(found, result) == (
        "Patch 40.00% · project 70.00% (-2.50%) · patch coverage 40.00% is below 80.00%"
    )
    assert title(figures(NOTHING, None), verdict(figures(NOTHING, None), Targets())) == (
        "No added code"
    )


def test_the_summary_lists_files_and_missing_ranges() -> None:
    found = figures(base=72.5)
    text = summary(found, Targets(patch=80), verdict(found, Targets(patch=80)))
    assert text.splitlines()[:2] == [
        "**Patch coverage: 40.00%** (2 of 5 added lines) (target 80.00%).",
        "**Project coverage: 70.00%** (-2.50%), base 72.50%.",
    ]
    assert "| `calc/ops.py` | 40.00% | 7-8, 10 |" in text
    assert text.endswith("Reports: `unit`.")


def test_uncovered_added_lines_are_annotated_in_runs() -> None:
    found = annotations(HALF)
    assert [(a.path, a.start_line, a.end_line, a.level) for a in found] == [
        ("calc/ops.py", 7, 8, "warning"),
        ("calc/ops.py", 10, 10, "warning"),
    ]
    assert found[0].message == "Added lines 7-8 not covered by tests."
    assert found[1].message == "Added line 10 not covered by tests."
