"""Lint findings as inline review comments: anchoring to diff lines, fingerprints across pushes,
the per-review limit. Pure."""

from __future__ import annotations

from collections import Counter

from app.reports.diff_lines import MODIFIED, ChangedFile
from app.reports.lint_model import Finding, Level
from app.reports.lint_review import (
    comment_line,
    draft_comments,
    fingerprint,
    fingerprints_in,
    last_hunk_line,
)

PATH = "src/app.py"
# Hunks show head lines 10-20 and 40-45; 12 and 42 were added.
CHANGED = {PATH: ChangedFile(PATH, None, frozenset({12, 42}), MODIFIED, hunks=((10, 20), (40, 45)))}


def finding(line: int | None, end: int | None = None, message: str = "unused name") -> Finding:
    return Finding(PATH, line, end if end is not None else line, Level.WARNING, message, "F841")


def test_a_comment_goes_on_the_last_line_of_the_finding_that_the_diff_shows() -> None:
    assert comment_line(finding(12), CHANGED[PATH]) == 12
    assert comment_line(finding(18, 30), CHANGED[PATH]) == 20
    assert comment_line(finding(15, 42), CHANGED[PATH]) == 42
    assert comment_line(finding(25, 30), CHANGED[PATH]) is None
    assert comment_line(finding(None), CHANGED[PATH]) is None
    assert comment_line(finding(12), None) is None
    assert last_hunk_line((), 1, 5) is None


def test_the_fingerprint_ignores_the_line_so_a_moved_finding_keeps_it() -> None:
    assert fingerprint("default", finding(12), "ruff") == fingerprint(
        "default", finding(42), "ruff"
    )
    assert fingerprint("default", finding(12), "ruff") != fingerprint("other", finding(12), "ruff")
    assert fingerprint("default", finding(12, message="x"), "ruff") != fingerprint(
        "default", finding(12), "ruff"
    )


def test_drafts_carry_their_fingerprint_which_later_pushes_find() -> None:
    drafts, commented = draft_comments("default", "ruff", [finding(12)], CHANGED, Counter())
    (draft,) = drafts
    assert draft.payload() == {"path": PATH, "line": 12, "side": "RIGHT", "body": draft.body}
    assert draft.body.startswith("**Warning** [ruff] F841\n\nunused name")
    assert commented == {finding(12)}
    existing = fingerprints_in([draft.body, "an unrelated comment", ""])
    again, commented = draft_comments("default", "ruff", [finding(42)], CHANGED, existing)
    assert again == [] and commented == {finding(42)}


def test_as_many_comments_as_findings_with_one_fingerprint() -> None:
    first, _ = draft_comments("default", "ruff", [finding(12)], CHANGED, Counter())
    existing = fingerprints_in([first[0].body])
    both = [finding(12), finding(42)]
    drafts, commented = draft_comments("default", "ruff", both, CHANGED, existing)
    assert [draft.line for draft in drafts] == [42]
    assert commented == set(both)


def test_findings_off_the_diff_and_beyond_the_limit_stay_uncommented() -> None:
    findings = [finding(11), finding(13), finding(30), finding(43)]
    drafts, commented = draft_comments("default", "ruff", findings, CHANGED, Counter(), limit=2)
    assert [draft.line for draft in drafts] == [11, 13]
    assert commented == {finding(11), finding(13)}


def test_a_multi_line_finding_names_its_lines() -> None:
    drafts, _ = draft_comments("default", "ruff", [finding(11, 14)], CHANGED, Counter())
    assert "(lines 11 to 14)" in drafts[0].body and drafts[0].line == 14
