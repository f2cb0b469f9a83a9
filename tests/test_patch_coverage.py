"""Patch coverage: the added lines a report knows as executable, and how many of them ran with
every branch; checked on tables and against a naive computation over synthetic repositories."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.coverage_model import CoverageReport
from app.reports.diff_lines import ChangedFile, added_lines, added_lines_from_files
from app.reports.patch_coverage import (
    FilePatchCoverage,
    PatchCoverage,
    file_patch_coverage,
    format_percent,
    patch_coverage,
    percent,
    project_coverage,
)
from app.reports.path_mapping import map_paths

Lines = dict[int, tuple[int, bool]]  # line -> (hits, partial)


def report_of(files: dict[str, Lines]) -> CoverageReport:
    report = CoverageReport("cobertura")
    for path, lines in files.items():
        coverage = report.file(path)
        for line, (hits, partial) in lines.items():
            coverage.add_line(line, hits, partial)
    return report


def modified(path: str, added: set[int], *, patch_missing: bool = False) -> ChangedFile:
    return ChangedFile(path, None, frozenset(added), "modified", patch_missing)


CALC: Lines = {1: (3, False), 2: (0, False), 3: (2, True), 4: (1, False), 10: (1, False)}

# (report files, changed files, mapping, expected)
CASES = {
    "covered, missed, partial and non-executable added lines": (
        {"app/calc.py": CALC},
        [modified("app/calc.py", {1, 2, 3, 5, 6})],
        {"app/calc.py": "app/calc.py"},
        PatchCoverage((FilePatchCoverage("app/calc.py", (1,), (2, 3), (3,)),), 1, 3, 100 / 3),
    ),
    "a partial line with hits is not covered": (
        {"a.py": {7: (12, True)}},
        [modified("a.py", {7})],
        {"a.py": "a.py"},
        PatchCoverage((FilePatchCoverage("a.py", (), (7,), (7,)),), 0, 1, 0.0),
    ),
    "all covered": (
        {"a.py": {1: (1, False), 2: (5, False)}},
        [modified("a.py", {1, 2})],
        {"a.py": "a.py"},
        PatchCoverage((FilePatchCoverage("a.py", (1, 2), ()),), 2, 2, 100.0),
    ),
    "no added line executable": (
        {"a.py": CALC},
        [modified("a.py", {5, 6, 7})],
        {"a.py": "a.py"},
        PatchCoverage((), 0, 0, None),
    ),
    "nothing changed": ({"a.py": CALC}, [], {"a.py": "a.py"}, PatchCoverage((), 0, 0, None)),
    "changed file the report does not know": (
        {"a.py": CALC},
        [modified("b.py", {1, 2})],
        {"a.py": "a.py"},
        PatchCoverage((), 0, 0, None),
    ),
    "report file left out of the mapping": (
        {"/tmp/a.py": CALC},
        [modified("a.py", {1, 2})],
        {},
        PatchCoverage((), 0, 0, None),
    ),
    "report path mapped onto the repository path": (
        {"/home/runner/work/r/r/src/a.py": CALC},
        [modified("src/a.py", {1, 4})],
        {"/home/runner/work/r/r/src/a.py": "src/a.py"},
        PatchCoverage((FilePatchCoverage("src/a.py", (1, 4), ()),), 2, 2, 100.0),
    ),
    "removed file": (
        {"gone.py": CALC},
        [ChangedFile("gone.py", None, frozenset(), "removed")],
        {"gone.py": "gone.py"},
        PatchCoverage((), 0, 0, None),
    ),
    "renamed file, by its new path": (
        {"new.py": CALC},
        [ChangedFile("new.py", "old.py", frozenset({2, 4}), "renamed")],
        {"new.py": "new.py"},
        PatchCoverage((FilePatchCoverage("new.py", (4,), (2,)),), 1, 2, 50.0),
    ),
    "patch missing: unknown, not counted": (
        {"big.py": CALC, "a.py": CALC},
        [modified("big.py", set(), patch_missing=True), modified("a.py", {4})],
        {"big.py": "big.py", "a.py": "a.py"},
        PatchCoverage((FilePatchCoverage("a.py", (4,), ()),), 1, 1, 100.0, ("big.py",)),
    ),
    "patch missing, file not in the report": (
        {"a.py": CALC},
        [modified("big.py", set(), patch_missing=True)],
        {"a.py": "a.py"},
        PatchCoverage((), 0, 0, None),
    ),
    "two report paths for one file are merged": (
        {
            "/home/runner/work/r/r/a.py": {1: (0, False), 2: (1, True), 3: (0, False)},
            "a.py": {1: (2, False), 2: (1, True), 4: (0, False)},
        },
        [modified("a.py", {1, 2, 3, 4, 5})],
        {"/home/runner/work/r/r/a.py": "a.py", "a.py": "a.py"},
        PatchCoverage((FilePatchCoverage("a.py", (1,), (2, 3, 4), (2,)),), 1, 4, 25.0),
    ),
    "files sorted by path, totals over all": (
        {"z.py": {1: (1, False)}, "m/a.py": {1: (0, False), 2: (1, False)}},
        [modified("z.py", {1}), modified("m/a.py", {1, 2})],
        {"z.py": "z.py", "m/a.py": "m/a.py"},
        PatchCoverage(
            (FilePatchCoverage("m/a.py", (2,), (1,)), FilePatchCoverage("z.py", (1,), ())),
            2,
            3,
            200 / 3,
        ),
    ),
}


@pytest.mark.parametrize(
    ("files", "changed", "mapping", "expected"), CASES.values(), ids=CASES.keys()
)
def test_patch_coverage(
    files: dict[str, Lines],
    changed: list[ChangedFile],
    mapping: dict[str, str],
    expected: PatchCoverage,
) -> None:
    found = patch_coverage(report_of(files), {c.path: c for c in changed}, mapping)
    assert found == expected


def test_file_patch_coverage_percent() -> None:
    found = file_patch_coverage("a.py", report_of({"a.py": CALC}).files["a.py"], {1, 2, 3, 4})
    assert found == FilePatchCoverage("a.py", (1, 4), (2, 3), (3,))
    assert found.executable == 4
    assert found.percent == 50.0
    assert FilePatchCoverage("e.py", (), ()).percent is None


@pytest.mark.parametrize(
    ("files", "mapping", "expected"),
    [
        ({}, None, None),
        ({"a.py": {}}, None, None),
        ({"a.py": CALC}, None, 60.0),  # 1, 4, 10 of 1, 2, 3, 4, 10
        ({"a.py": CALC, "/usr/lib/x.py": {1: (0, False)}}, None, 50.0),
        ({"a.py": CALC, "/usr/lib/x.py": {1: (0, False)}}, {"a.py": "a.py"}, 60.0),
        ({"a.py": CALC}, {}, None),
        (
            {"/ci/a.py": {1: (0, False), 2: (0, False)}, "a.py": {1: (1, False)}},
            {"/ci/a.py": "a.py", "a.py": "a.py"},
            50.0,
        ),
    ],
)
def test_project_coverage(
    files: dict[str, Lines], mapping: dict[str, str] | None, expected: float | None
) -> None:
    assert project_coverage(report_of(files), mapping) == expected


@pytest.mark.parametrize(
    ("covered", "executable", "expected"),
    [(0, 0, None), (0, 1, 0.0), (1, 1, 100.0), (1, 3, 100 / 3), (2, 3, 200 / 3), (5, 0, None)],
)
def test_percent_keeps_full_precision(covered: int, executable: int, expected: float) -> None:
    assert percent(covered, executable) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "n/a"),
        (0.0, "0.00%"),
        (100.0, "100.00%"),
        (100, "100.00%"),
        (50, "50.00%"),
        (100 / 3, "33.33%"),
        (200 / 3, "66.66%"),  # rounded down, as Codecov does by default
        (99.999, "99.99%"),  # never 100.00% with a line missed
        (29 / 100 * 100, "29.00%"),  # 28.999999999999996: float noise is not a step
        (12.345, "12.34%"),
        (1e-10, "0.00%"),
    ],
)
def test_format_percent(value: float | None, shown: str) -> None:
    assert format_percent(value) == shown


def test_format_percent_options() -> None:
    assert format_percent(200 / 3, decimals=0) == "66%"
    assert format_percent(200 / 3, decimals=4) == "66.6666%"
    assert format_percent(None, none="-") == "-"


# --- a synthetic repository, its diff and its report, against a naive computation -------------

CI_ROOTS = ["", "./", "/home/runner/work/r/r/", "/builds/group/r/", "D:\\a\\r\\r\\"]


@dataclass
class SyntheticFile:
    path: str
    status: str  # added | modified | removed
    length: int  # lines in the head (in the base, for a removed file)
    added: set[int]  # head lines the PR adds
    removed_before: dict[int, int]  # head line (length + 1: the end) -> base lines removed there
    omitted: set[int]  # unchanged head lines the diff leaves out of its hunks
    no_newline: bool  # the head's last line has no newline
    uploads: list[dict[int, tuple[int, bool]]]  # report records of the file, per upload
    roots: list[str]  # how each upload names the file


@st.composite
def synthetic_files(draw: st.DrawFn) -> list[SyntheticFile]:
    count = draw(st.integers(1, 7))
    paths = draw(
        st.lists(
            st.tuples(st.sampled_from(["app", "lib", "src/pkg", "tools"]), st.integers(0, 40)),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    files = []
    for directory, number in paths:
        status = draw(st.sampled_from(["added", "modified", "modified", "modified", "removed"]))
        length = draw(st.integers(1, 40))
        lines = range(1, length + 1)
        if status == "added":
            added, removed_before, omitted = set(lines), {}, set()
        elif status == "removed":
            added, removed_before, omitted = set(), {1: length}, set()
        else:
            added = draw(st.sets(st.sampled_from(lines), max_size=length))
            spots = st.sampled_from(range(1, length + 2))
            removed_before = draw(st.dictionaries(spots, st.integers(1, 3), max_size=4))
            omitted = draw(st.sets(st.sampled_from(lines))) - added
        uploads, roots = [], []
        if status != "removed" and draw(st.booleans()):
            for _ in range(draw(st.integers(1, 2))):
                record = st.tuples(st.integers(0, 3), st.booleans())
                uploads.append(draw(st.dictionaries(st.sampled_from(lines), record)))
                roots.append(draw(st.sampled_from(CI_ROOTS)))
        no_newline = status != "removed" and draw(st.booleans())
        path = f"{directory}/m{number}.py"
        files.append(
            SyntheticFile(
                path, status, length, added, removed_before, omitted, no_newline, uploads, roots
            )
        )
    return files


def hunks(file: SyntheticFile) -> list[str]:
    """The file's hunks, as git writes them."""
    if file.status == "removed":
        return [f"@@ -1,{file.length} +0,0 @@\n", *(f"-old {i}\n" for i in range(file.length))]
    operations: list[tuple[str, int]] = []  # (" ", "+", "-" or "omit", head line)
    for line in range(1, file.length + 2):
        operations += [("-", line)] * file.removed_before.get(line, 0)
        if line <= file.length:
            kind = "+" if line in file.added else "omit" if line in file.omitted else " "
            operations.append((kind, line))
    if file.status == "added":
        operations = [op for op in operations if op[0] != "-"]
    out: list[str] = []
    body: list[str] = []
    source = target = 1
    starts = (1, 1)
    counts = [0, 0]

    def close() -> None:
        if body:
            source_start = starts[0] if counts[0] else starts[0] - 1
            target_start = starts[1] if counts[1] else starts[1] - 1
            header = f"@@ -{source_start},{counts[0]} +{target_start},{counts[1]} @@\n"
            out.extend([header, *body])
            body.clear()

    for kind, line in operations:
        if kind == "omit":
            close()
            source, target = source + 1, target + 1
            continue
        if not body:
            starts, counts = (source, target), [0, 0]
        if kind == "-":
            body.append(f"-old line before {line}\n")
            source, counts[0] = source + 1, counts[0] + 1
        elif kind == "+":
            body.append(f"+new line {line}\n")
            target, counts[1] = target + 1, counts[1] + 1
        else:
            body.append(f" same line {line}\n")
            source, target = source + 1, target + 1
            counts[0], counts[1] = counts[0] + 1, counts[1] + 1
        if file.no_newline and kind != "-" and line == file.length:
            body.append("\\ No newline at end of file\n")
    close()
    if file.status == "added":
        out = [h.replace("@@ -1,0 ", "@@ -0,0 ") for h in out]
    return out


def diff_of(files: list[SyntheticFile]) -> str:
    parts = []
    for file in files:
        body = hunks(file)
        if not body:
            continue
        parts.append(f"diff --git a/{file.path} b/{file.path}\n")
        if file.status == "added":
            parts += ["new file mode 100644\n", "--- /dev/null\n", f"+++ b/{file.path}\n"]
        elif file.status == "removed":
            parts += ["deleted file mode 100644\n", f"--- a/{file.path}\n", "+++ /dev/null\n"]
        else:
            parts += ["index 1111111..2222222 100644\n", f"--- a/{file.path}\n"]
            parts.append(f"+++ b/{file.path}\n")
        parts += body
    return "".join(parts)


def files_api_of(files: list[SyntheticFile]) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    for file in files:
        body = hunks(file)
        if body:
            patch = "".join(body).removesuffix("\n")
            additions = sum(1 for line in body if line.startswith("+"))
            entry = {"filename": file.path, "status": file.status, "additions": additions}
            entries.append({**entry, "patch": patch})
    return entries


def report_name(root: str, path: str) -> str:
    return root + (path.replace("/", "\\") if "\\" in root else path)


def synthetic_report(files: list[SyntheticFile], outside: int) -> CoverageReport:
    report = CoverageReport("cobertura")
    for file in files:
        for root, upload in zip(file.roots, file.uploads, strict=True):
            coverage = report.file(report_name(root, file.path))
            for line, (hits, partial) in upload.items():
                coverage.add_line(line, hits, partial)
    for number in range(outside):  # what the tests ran outside the repository
        report.file(f"/usr/lib/python3/site-packages/dep{number}.py").add_line(1, 1)
    return report


def naive_patch_coverage(files: list[SyntheticFile]) -> tuple[int, int, dict[str, set[int]]]:
    """(covered, executable, missed lines by path), from the files themselves, with loops."""
    covered = executable = 0
    missed: dict[str, set[int]] = {}
    for file in files:
        if file.status == "removed":
            continue
        for line in sorted(file.added):
            records = [upload[line] for upload in file.uploads if line in upload]
            if not records:
                continue
            executable += 1
            if any(hits > 0 and not partial for hits, partial in records):
                covered += 1
            else:
                missed.setdefault(file.path, set()).add(line)
    return covered, executable, missed


def check_against_naive(result: PatchCoverage, files: list[SyntheticFile]) -> None:
    covered, executable, missed = naive_patch_coverage(files)
    assert (result.covered, result.executable) == (covered, executable)
    if executable:
        assert result.percent == pytest.approx(covered * 100 / executable)
    else:
        assert result.percent is None
    assert {f.path: set(f.missed) for f in result.files if f.missed} == missed
    assert sum(f.executable for f in result.files) == executable
    assert [f.path for f in result.files] == sorted(f.path for f in result.files)
    assert result.unknown == ()


@settings(max_examples=200, deadline=None)
@given(files=synthetic_files(), outside=st.integers(0, 3), crlf=st.booleans())
def test_patch_coverage_of_a_synthetic_repo_agrees_with_a_naive_computation(
    files: list[SyntheticFile], outside: int, crlf: bool
) -> None:
    diff = diff_of(files)
    changed = added_lines(diff.replace("\n", "\r\n") if crlf else diff)
    for file in files:  # the parser recovers what the diff was built from
        if file.path in changed:
            expected = set() if file.status == "removed" else file.added
            assert changed[file.path].added == expected
    report = synthetic_report(files, outside)
    head = [file.path for file in files if file.status != "removed"]
    mapping = map_paths(report.files, head)
    result = patch_coverage(report, changed, mapping)
    check_against_naive(result, files)
    from_api = patch_coverage(report, added_lines_from_files(files_api_of(files)), mapping)
    assert from_api == result


@settings(max_examples=100, deadline=None)
@given(files=synthetic_files(), outside=st.integers(0, 3))
def test_project_coverage_of_a_synthetic_repo_agrees_with_a_naive_computation(
    files: list[SyntheticFile], outside: int
) -> None:
    report = synthetic_report(files, outside)
    head = [file.path for file in files if file.status != "removed"]
    mapping = map_paths(report.files, head)
    covered = executable = 0
    for file in files:
        lines = set().union(*(upload.keys() for upload in file.uploads))
        for line in lines:
            executable += 1
            records = [upload[line] for upload in file.uploads if line in upload]
            covered += any(hits > 0 and not partial for hits, partial in records)
    expected = None if executable == 0 else covered * 100 / executable
    assert project_coverage(report, mapping) == pytest.approx(expected)
