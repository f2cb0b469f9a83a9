"""Reviewdog's filter modes over a PR's diff: worked cases on multi-hunk, multi-line findings, and
random diffs and findings against a line-by-line computation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.diff_lines import ChangedFile, added_lines, added_lines_from_files
from app.reports.lint_filter import FILTER_MODES, LintSelection, filter_findings
from app.reports.lint_model import Finding, Level

# app/svc.py: hunks on head lines 1-6 and 11-17, lines 2, 12 and 13 added.
# app/trim.py (-U0): lines 3-4 deleted (no head line shown), lines 8-9 added.
# pkg/new_name.py: renamed from lib/old_name.py, line 2 rewritten.
# app/gone.py: removed.
DIFF = """\
diff --git a/app/svc.py b/app/svc.py
index 83db48f..bf269f4 100644
--- a/app/svc.py
+++ b/app/svc.py
@@ -1,5 +1,6 @@
 import math
+import os
\x20
\x20
 def area(r):
     return math.pi * r * r
@@ -10,6 +11,7 @@ def area(r):
 def volume(r):
-    return 4 / 3 * math.pi * r ** 3
+    v = 4 / 3 * math.pi * r**3
+    return v
\x20
\x20
 def other():
     pass
diff --git a/app/trim.py b/app/trim.py
index 1111111..2222222 100644
--- a/app/trim.py
+++ b/app/trim.py
@@ -3,2 +2,0 @@ def f():
-    x = 1
-    y = 2
@@ -10 +8,2 @@ def g():
-    return 1
+    return 2
+    # done
diff --git a/lib/old_name.py b/pkg/new_name.py
similarity index 88%
rename from lib/old_name.py
rename to pkg/new_name.py
index 1111111..2222222 100644
--- a/lib/old_name.py
+++ b/pkg/new_name.py
@@ -1,4 +1,4 @@
 def g():
-    return 1
+    return 2
\x20
 X = g()
diff --git a/app/gone.py b/app/gone.py
deleted file mode 100644
index e69de29..0000000
--- a/app/gone.py
+++ /dev/null
@@ -1,2 +0,0 @@
-def gone():
-    pass
"""

# Too large for GitHub to show: its added lines are unknown.
TOO_LARGE = {"filename": "data/big.py", "status": "modified", "additions": 4000}

CHANGED = {**added_lines(DIFF), **added_lines_from_files([TOO_LARGE])}

ADDED, CONTEXT, FILE, NOFILTER = FILTER_MODES
ALL = frozenset(FILTER_MODES)
WHOLE_FILE_ONLY = frozenset({FILE, NOFILTER})


def finding(path: str, line: int | None, end_line: int | None = None) -> Finding:
    end = line if end_line is None else end_line
    return Finding(path, line, end, Level.WARNING, f"at {path}:{line}-{end}", rule="R1")


# (finding, the modes that keep it)
CASES = {
    "on an added line": (finding("app/svc.py", 2), ALL),
    "on a context line": (finding("app/svc.py", 4), frozenset({CONTEXT, FILE, NOFILTER})),
    "on the last line of a hunk": (finding("app/svc.py", 17), frozenset({CONTEXT, FILE, NOFILTER})),
    "just after a hunk": (finding("app/svc.py", 18), WHOLE_FILE_ONLY),
    "partly in a hunk, on context only": (finding("app/svc.py", 5, 8), WHOLE_FILE_ONLY),
    "partly in a hunk, over an added line": (
        finding("app/svc.py", 10, 12),
        frozenset({ADDED, FILE, NOFILTER}),
    ),
    "spanning two hunks and the gap between": (
        finding("app/svc.py", 2, 12),
        frozenset({ADDED, FILE, NOFILTER}),
    ),
    "in the gap between two hunks": (finding("app/svc.py", 7, 10), WHOLE_FILE_ONLY),
    "a whole hunk, context and added lines": (finding("app/svc.py", 11, 17), ALL),
    "context lines around nothing added": (
        finding("app/svc.py", 14, 17),
        frozenset({CONTEXT, FILE, NOFILTER}),
    ),
    "ten thousand lines over both hunks": (
        finding("app/svc.py", 1, 10_000),
        frozenset({ADDED, FILE, NOFILTER}),
    ),
    "far from the hunks": (finding("app/svc.py", 500), WHOLE_FILE_ONLY),
    "ending before it starts: its first line only": (
        finding("app/svc.py", 4, 2),
        frozenset({CONTEXT, FILE, NOFILTER}),
    ),
    "ending before it starts, on an added line": (finding("app/svc.py", 13, 2), ALL),
    "whole file, changed": (finding("app/svc.py", None), WHOLE_FILE_ONLY),
    "where lines were deleted without context": (finding("app/trim.py", 2, 3), WHOLE_FILE_ONLY),
    "on the added lines after a deletion": (finding("app/trim.py", 8, 9), ALL),
    "renamed file, edited line": (finding("pkg/new_name.py", 2), ALL),
    "renamed file, context line": (
        finding("pkg/new_name.py", 4),
        frozenset({CONTEXT, FILE, NOFILTER}),
    ),
    "renamed file, under its old path": (finding("lib/old_name.py", 2), frozenset({NOFILTER})),
    "removed file": (finding("app/gone.py", 1), frozenset({NOFILTER})),
    "removed file, whole file": (finding("app/gone.py", None), frozenset({NOFILTER})),
    "unchanged file": (finding("app/other.py", 2), frozenset({NOFILTER})),
    "unchanged file, whole file": (finding("app/other.py", None), frozenset({NOFILTER})),
    "patch not shown: cannot tell, kept": (finding("data/big.py", 40, 45), ALL),
    "patch not shown, whole file": (finding("data/big.py", None), WHOLE_FILE_ONLY),
}

FINDINGS = [found for found, _ in CASES.values()]

# Findings kept only because GitHub did not show data/big.py's patch.
UNKNOWN = {ADDED: 1, CONTEXT: 1, FILE: 0, NOFILTER: 0}


@pytest.mark.parametrize(("found", "modes"), CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("mode", FILTER_MODES)
def test_one_finding(found: Finding, modes: frozenset[str], mode: str) -> None:
    selection = filter_findings([found], CHANGED, mode)
    assert selection.kept == ([found] if mode in modes else [])
    assert selection.dropped == ([] if mode in modes else [found])


@pytest.mark.parametrize("mode", FILTER_MODES)
def test_all_findings_keep_their_order(mode: str) -> None:
    selection = filter_findings(iter(FINDINGS), CHANGED, mode)
    assert selection == LintSelection(
        kept=[found for found, modes in CASES.values() if mode in modes],
        dropped=[found for found, modes in CASES.values() if mode not in modes],
        unknown_diff=UNKNOWN[mode],
    )


def test_the_diff_is_what_the_cases_say() -> None:
    assert CHANGED["app/svc.py"].hunks == ((1, 6), (11, 17))
    assert CHANGED["app/svc.py"].added == {2, 12, 13}
    assert CHANGED["app/trim.py"].hunks == ((8, 9),)
    assert CHANGED["pkg/new_name.py"].previous_path == "lib/old_name.py"
    assert CHANGED["app/gone.py"].status == "removed"
    assert CHANGED["data/big.py"].patch_missing


def test_no_changed_files() -> None:
    for mode in (ADDED, CONTEXT, FILE):
        assert filter_findings(FINDINGS, {}, mode) == LintSelection([], FINDINGS, 0)
    assert filter_findings(FINDINGS, {}, NOFILTER) == LintSelection(FINDINGS, [], 0)


@pytest.mark.parametrize("mode", ["", "Added", "diff-context", "all", "nofilter "])
def test_an_unknown_mode(mode: str) -> None:
    with pytest.raises(ValueError, match="unknown filter mode"):
        filter_findings([], CHANGED, mode)


# Random diffs, parsed with `added_lines`, against an expectation walked from the diff's lines.


@dataclass(frozen=True)
class SyntheticFile:
    path: str
    hunks: tuple[tuple[int, str], ...]  # (unchanged lines before the hunk, its lines' markers)
    status: str = "modified"  # or "added", "removed"
    patch_missing: bool = False  # the files API leaves its patch out


@dataclass(frozen=True)
class Walked:
    diff: str  # the file's unified diff
    added: frozenset[int]
    shown: frozenset[int]  # head lines the hunks show


HEADERS = {
    "modified": "index 1111111..2222222 100644\n--- a/{0}\n+++ b/{0}\n",
    "added": "new file mode 100644\nindex 0000000..2222222\n--- /dev/null\n+++ b/{0}\n",
    "removed": "deleted file mode 100644\nindex 1111111..0000000\n--- a/{0}\n+++ /dev/null\n",
}


def walk(file: SyntheticFile) -> Walked:
    """The file's diff text, and its added and shown head lines, line by line."""
    out = [f"diff --git a/{file.path} b/{file.path}\n", HEADERS[file.status].format(file.path)]
    source = target = 1
    added: set[int] = set()
    shown: set[int] = set()
    for gap, markers in file.hunks:
        source += gap
        target += gap
        old = sum(marker != "+" for marker in markers)
        new = sum(marker != "-" for marker in markers)
        # git names the line before an empty side's position
        out.append(
            f"@@ -{source if old else source - 1},{old} +{target if new else target - 1},{new} @@\n"
        )
        for marker in markers:
            out.append(f"{marker}line\n")
            if marker == "+":
                added.add(target)
            if marker != "-":
                shown.add(target)
                target += 1
            if marker != "+":
                source += 1
    return Walked("".join(out), frozenset(added), frozenset(shown))


def markers(status: str) -> st.SearchStrategy[str]:
    alphabet = {"modified": " +-", "added": "+", "removed": "-"}[status]
    return st.text(alphabet=alphabet, min_size=1, max_size=12)


@st.composite
def synthetic_files(draw: st.DrawFn) -> list[SyntheticFile]:
    files = []
    for index in range(draw(st.integers(1, 4))):
        status = draw(st.sampled_from(["modified", "modified", "modified", "added", "removed"]))
        if status != "modified":
            hunks = ((0, draw(markers(status))),)
        else:
            hunks = tuple(
                draw(
                    st.lists(st.tuples(st.integers(0, 5), markers(status)), min_size=1, max_size=5)
                )
            )
        missing = status != "removed" and draw(st.integers(0, 4)) == 0
        files.append(SyntheticFile(f"src/f{index}.py", hunks, status, missing))
    return files


@st.composite
def random_findings(draw: st.DrawFn, paths: list[str]) -> list[Finding]:
    found = []
    for _ in range(draw(st.integers(0, 40))):
        path = draw(st.sampled_from(paths))
        line = draw(st.none() | st.integers(1, 70))
        end = None if line is None else draw(st.none() | st.integers(1, 90))
        found.append(Finding(path, line, end, Level.NOTICE, "m"))
    return found


def files_api(file: SyntheticFile, walked: Walked) -> dict[str, object]:
    entry: dict[str, object] = {"filename": file.path, "status": file.status}
    if file.patch_missing:
        entry["additions"] = len(walked.added) + 1
    elif walked.diff.find("\n@@ ") >= 0:
        entry["patch"] = walked.diff[walked.diff.find("\n@@ ") + 1 :].removesuffix("\n")
    return entry


def expected_verdict(
    found: Finding, mode: str, files: dict[str, SyntheticFile], walked: dict[str, Walked]
) -> bool | None:
    """Kept, dropped, or None: kept because the diff cannot tell."""
    file = files.get(found.path)
    in_head = file is not None and file.status != "removed"
    if mode == NOFILTER:
        return True
    if mode == FILE:
        return in_head
    if found.line is None or file is None:
        return False
    if file.patch_missing:
        return None
    end = found.end_line
    lines = range(found.line, (end if end is not None and end >= found.line else found.line) + 1)
    if mode == ADDED:
        return any(line in walked[file.path].added for line in lines)
    return all(line in walked[file.path].shown for line in lines)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), files=synthetic_files())
def test_random_diffs_and_findings_against_a_line_by_line_walk(
    data: st.DataObject, files: list[SyntheticFile]
) -> None:
    walked = {file.path: walk(file) for file in files}
    parsed = added_lines("".join(w.diff for w in walked.values()))
    from_api = added_lines_from_files(files_api(file, walked[file.path]) for file in files)
    for file in files:
        change = parsed[file.path]
        assert change.added == walked[file.path].added
        shown = {line for start, end in change.hunks for line in range(start, end + 1)}
        assert shown == walked[file.path].shown
        if not file.patch_missing:
            assert from_api[file.path] == change
    by_path = {file.path: file for file in files}
    findings = data.draw(random_findings([*by_path, "src/untouched.py"]))
    for mode in FILTER_MODES:
        verdicts = [expected_verdict(found, mode, by_path, walked) for found in findings]
        assert filter_findings(findings, from_api, mode) == LintSelection(
            kept=[
                found for found, kept in zip(findings, verdicts, strict=True) if kept is not False
            ],
            dropped=[
                found for found, kept in zip(findings, verdicts, strict=True) if kept is False
            ],
            unknown_diff=sum(kept is None for kept in verdicts),
        )


def test_a_changed_file_built_by_hand() -> None:
    """The filter reads only `ChangedFile`: hunks and added lines given directly."""
    change = ChangedFile("a.py", None, frozenset({5, 30}), "modified", hunks=((3, 7), (28, 31)))
    findings = [finding("a.py", 4, 29), finding("a.py", 7), finding("a.py", 28, 31)]
    assert filter_findings(findings, {"a.py": change}, ADDED).kept == [findings[0], findings[2]]
    assert filter_findings(findings, {"a.py": change}, CONTEXT).kept == findings[1:]
