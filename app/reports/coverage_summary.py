"""What the `coverage` action shows: the verdict against the targets, the Markdown summary of
the `paasbot/coverage` check run and of the sticky comment, and the annotations of uncovered
added lines. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from app.github.checks import Annotation
from app.reports.diff_lines import group_ranges
from app.reports.patch_coverage import FilePatchCoverage, PatchCoverage, format_percent

MAX_TABLE_FILES = 50


@dataclass(frozen=True)
class Targets:
    patch: float | None = None
    project: float | None = None
    threshold: float | None = None  # allowed drop of project coverage versus the base


@dataclass(frozen=True)
class CoverageFigures:
    patch: PatchCoverage
    project: float | None
    base_project: float | None  # None: no report for the base commit
    reports: tuple[str, ...]  # report names merged


@dataclass(frozen=True)
class Verdict:
    conclusion: str  # success | failure | neutral
    reasons: tuple[str, ...]


def verdict(figures: CoverageFigures, targets: Targets) -> Verdict:
    failures: list[str] = []
    judged = False
    patch = figures.patch.percent
    if targets.patch is not None and patch is not None:
        judged = True
        if _exceeds(targets.patch, patch):
            failures.append(f"patch coverage {_pct(patch)} is below {_pct(targets.patch)}")
    if targets.project is not None and figures.project is not None:
        judged = True
        if _exceeds(targets.project, figures.project):
            failures.append(
                f"project coverage {_pct(figures.project)} is below {_pct(targets.project)}"
            )
    drop = _drop(figures)
    if targets.threshold is not None and drop is not None:
        judged = True
        if _exceeds(drop, targets.threshold):
            failures.append(
                f"project coverage dropped {_pct(drop)}, more than {_pct(targets.threshold)}"
            )
    if failures:
        return Verdict("failure", tuple(failures))
    return Verdict("success" if judged else "neutral", ())


def _exceeds(value: float, limit: float) -> bool:
    """`value > limit`, ignoring float noise: percentages are ratios (200/3 - 700/15 is
    20.000000000000007), and a drop of exactly the threshold must pass."""
    return value - limit > _NOISE


_NOISE = 1e-9


def title(figures: CoverageFigures, result: Verdict) -> str:
    patch = figures.patch
    words = [f"Patch {_pct(patch.percent)}" if patch.percent is not None else "No added code"]
    if figures.project is not None:
        words.append(f"project {_pct(figures.project)}{_delta(figures)}")
    if result.reasons:
        words.append(result.reasons[0])
    return " · ".join(words)


def summary(figures: CoverageFigures, targets: Targets, result: Verdict) -> str:
    patch = figures.patch
    lines = [_patch_line(patch, targets), _project_line(figures, targets)]
    lines += [f"- ❌ {reason}" for reason in result.reasons]
    if patch.files:
        lines += ["", "| File | Patch | Added lines not covered |", "|---|---|---|"]
        lines += [_file_row(f) for f in patch.files[:MAX_TABLE_FILES]]
        if len(patch.files) > MAX_TABLE_FILES:
            lines.append(f"| … and {len(patch.files) - MAX_TABLE_FILES} more files | | |")
    if patch.unknown:
        listed = ", ".join(f"`{path}`" for path in patch.unknown)
        lines += ["", f"GitHub did not show the changes of {listed} (too large): not counted."]
    lines += ["", f"Reports: {', '.join(f'`{name}`' for name in figures.reports)}."]
    return "\n".join(lines)


def annotations(patch: PatchCoverage) -> tuple[Annotation, ...]:
    """One warning per run of consecutive uncovered added lines."""
    found = []
    for coverage in patch.files:
        for start, end in group_ranges(coverage.missed):
            lines = f"line {start}" if start == end else f"lines {start}-{end}"
            found.append(
                Annotation(
                    coverage.path,
                    start,
                    end,
                    f"Added {lines} not covered by tests.",
                    "warning",
                    "Not covered",
                )
            )
    return tuple(found)


def _patch_line(patch: PatchCoverage, targets: Targets) -> str:
    target = f" (target {_pct(targets.patch)})" if targets.patch is not None else ""
    if patch.percent is None:
        return f"**Patch coverage:** no added line is executable code{target}."
    counted = f"{patch.covered} of {patch.executable} added lines"
    return f"**Patch coverage: {_pct(patch.percent)}** ({counted}){target}."


def _project_line(figures: CoverageFigures, targets: Targets) -> str:
    if figures.project is None:
        return "**Project coverage:** the report has no executable line."
    base = (
        f", base {_pct(figures.base_project)}"
        if figures.base_project is not None
        else ", no report for the base commit"
    )
    target = f" (target {_pct(targets.project)})" if targets.project is not None else ""
    return f"**Project coverage: {_pct(figures.project)}**{_delta(figures)}{base}{target}."


def _file_row(coverage: FilePatchCoverage) -> str:
    ranges = group_ranges(coverage.missed)
    shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges[:20])
    if len(ranges) > 20:
        shown += ", …"
    return f"| `{coverage.path}` | {_pct(coverage.percent)} | {shown or '—'} |"


def _drop(figures: CoverageFigures) -> float | None:
    if figures.project is None or figures.base_project is None:
        return None
    return figures.base_project - figures.project


def _delta(figures: CoverageFigures) -> str:
    drop = _drop(figures)
    if drop is None:
        return ""
    sign = "-" if drop > 0 else "+"
    return f" ({sign}{format_percent(abs(drop))})"


def _pct(value: float | None) -> str:
    return format_percent(value)
