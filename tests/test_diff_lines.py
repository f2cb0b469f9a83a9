"""The lines a PR adds, and the lines its hunks show, from GitHub's unified diff and from the
pulls/{n}/files entries."""

from __future__ import annotations

import pytest

from app.reports.diff_lines import (
    ChangedFile,
    DiffError,
    added_lines,
    added_lines_from_files,
    group_ranges,
    merge_ranges,
)

NEW_FILE = """\
diff --git a/app/new.py b/app/new.py
new file mode 100644
index 0000000..3b18e51
--- /dev/null
+++ b/app/new.py
@@ -0,0 +1,4 @@
+def f():
+    return 1
+
+VALUE = f()
"""

# Three hunks: an import added; a body rewritten; lines removed and one added near the end.
MODIFIED = """\
diff --git a/app/calc.py b/app/calc.py
index 83db48f..bf269f4 100644
--- a/app/calc.py
+++ b/app/calc.py
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
@@ -30,5 +32,3 @@ def other():
 def last():
-    a = 1
-    b = 2
-    return a + b
+    return 3
\x20
"""

RENAMED_UNCHANGED = """\
diff --git a/lib/old_name.py b/lib/new_name.py
similarity index 100%
rename from lib/old_name.py
rename to lib/new_name.py
"""

RENAMED_CHANGED = """\
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
"""

DELETED = """\
diff --git a/app/gone.py b/app/gone.py
deleted file mode 100644
index e69de29..0000000
--- a/app/gone.py
+++ /dev/null
@@ -1,3 +0,0 @@
-def gone():
-    pass
-
"""

BINARY_NEW = """\
diff --git a/docs/logo.png b/docs/logo.png
new file mode 100644
index 0000000..9f2a3c1
Binary files /dev/null and b/docs/logo.png differ
"""

BINARY_MODIFIED = """\
diff --git a/docs/logo.png b/docs/logo.png
index 9f2a3c1..7d1e0b2 100644
Binary files a/docs/logo.png and b/docs/logo.png differ
"""

# The old last line had no newline; the PR rewrites it and adds one that has none either.
NO_NEWLINE_AT_EOF = """\
diff --git a/app/tail.py b/app/tail.py
index 1234567..89abcde 100644
--- a/app/tail.py
+++ b/app/tail.py
@@ -1,2 +1,3 @@
 a = 1
-b = 2
\\ No newline at end of file
+b = 3
+c = 4
\\ No newline at end of file
"""

# A line added after a last line that had no newline: git shows that line as rewritten.
NO_NEWLINE_BEFORE = """\
diff --git a/app/tail.py b/app/tail.py
index 1234567..89abcde 100644
--- a/app/tail.py
+++ b/app/tail.py
@@ -1,2 +1,3 @@
 a = 1
-b = 2
\\ No newline at end of file
+b = 2
+c = 3
"""

MODE_ONLY = """\
diff --git a/scripts/run.sh b/scripts/run.sh
old mode 100644
new mode 100755
"""

EMPTY_NEW_FILE = """\
diff --git a/pkg/__init__.py b/pkg/__init__.py
new file mode 100644
index 0000000..e69de29
"""

QUOTED_PATH = """\
diff --git "a/docs/caf\\303\\251.md" "b/docs/caf\\303\\251.md"
index 1111111..2222222 100644
--- "a/docs/caf\\303\\251.md"
+++ "b/docs/caf\\303\\251.md"
@@ -1,2 +1,2 @@
 # Café
-old
+new
"""

SPACE_IN_PATH = """\
diff --git a/my docs/read me.md b/my docs/read me.md
index 1111111..2222222 100644
--- a/my docs/read me.md
+++ b/my docs/read me.md
@@ -3 +3,2 @@ title
 keep
+added
"""

COPIED = """\
diff --git a/app/base.py b/app/copy.py
similarity index 90%
copy from app/base.py
copy to app/copy.py
index 1111111..3333333 100644
--- a/app/base.py
+++ b/app/copy.py
@@ -1,2 +1,2 @@
-NAME = "base"
+NAME = "copy"
 VALUE = 1
"""

# Whitespace-trimming tools drop the lone space of an empty context line.
TRIMMED_CONTEXT = """\
diff --git a/app/t.py b/app/t.py
index 1111111..2222222 100644
--- a/app/t.py
+++ b/app/t.py
@@ -1,3 +1,4 @@
 x = 1

+y = 2
 z = 3
"""

SUBMODULE = """\
diff --git a/vendor/lib b/vendor/lib
index 1111111..2222222 160000
--- a/vendor/lib
+++ b/vendor/lib
@@ -1 +1 @@
-Subproject commit 1111111111111111111111111111111111111111
+Subproject commit 2222222222222222222222222222222222222222
"""


def changed(
    path: str,
    added: set[int] | frozenset[int] = frozenset(),
    status: str = "modified",
    previous: str | None = None,
    patch_missing: bool = False,
    hunks: tuple[tuple[int, int], ...] = (),
) -> ChangedFile:
    return ChangedFile(path, previous, frozenset(added), status, patch_missing, hunks)


# (diff, files-API status, expected)
CASES = {
    "new file": (NEW_FILE, "added", changed("app/new.py", {1, 2, 3, 4}, "added", hunks=((1, 4),))),
    "modified, three hunks": (
        MODIFIED,
        "modified",
        changed("app/calc.py", {2, 12, 13, 33}, hunks=((1, 6), (11, 17), (32, 34))),
    ),
    "renamed, unchanged": (
        RENAMED_UNCHANGED,
        "renamed",
        changed("lib/new_name.py", set(), "renamed", "lib/old_name.py"),
    ),
    "renamed, changed": (
        RENAMED_CHANGED,
        "renamed",
        changed("pkg/new_name.py", {2}, "renamed", "lib/old_name.py", hunks=((1, 4),)),
    ),
    "deleted": (DELETED, "removed", changed("app/gone.py", set(), "removed")),
    "binary, new": (BINARY_NEW, "added", changed("docs/logo.png", set(), "added")),
    "binary, modified": (BINARY_MODIFIED, "modified", changed("docs/logo.png")),
    "no newline at end of file": (
        NO_NEWLINE_AT_EOF,
        "modified",
        changed("app/tail.py", {2, 3}, hunks=((1, 3),)),
    ),
    "line added after a last line without newline": (
        NO_NEWLINE_BEFORE,
        "modified",
        changed("app/tail.py", {2, 3}, hunks=((1, 3),)),
    ),
    "mode change only": (MODE_ONLY, "changed", changed("scripts/run.sh")),
    "empty new file": (EMPTY_NEW_FILE, "added", changed("pkg/__init__.py", set(), "added")),
    "quoted non-ASCII path": (
        QUOTED_PATH,
        "modified",
        changed("docs/café.md", {2}, hunks=((1, 2),)),
    ),
    "spaces in the path": (
        SPACE_IN_PATH,
        "modified",
        changed("my docs/read me.md", {4}, hunks=((3, 4),)),
    ),
    "copied": (
        COPIED,
        "copied",
        changed("app/copy.py", {1}, "added", "app/base.py", hunks=((1, 2),)),
    ),
    "trimmed empty context line": (
        TRIMMED_CONTEXT,
        "modified",
        changed("app/t.py", {3}, hunks=((1, 4),)),
    ),
    "submodule bump": (SUBMODULE, "modified", changed("vendor/lib", {1}, hunks=((1, 1),))),
}


def hunks_of(diff: str) -> str | None:
    """A file's diff as the files API's `patch`: the hunks, without a final newline."""
    at = diff.find("\n@@ ")
    return None if at < 0 else diff[at + 1 :].removesuffix("\n")


def files_entry(diff: str, status: str, expected: ChangedFile) -> dict[str, object]:
    entry: dict[str, object] = {
        "sha": "2222222",
        "filename": expected.path,
        "status": status,
        "additions": len(expected.added),
        "deletions": 1,
        "changes": len(expected.added) + 1,
    }
    if expected.previous_path is not None:
        entry["previous_filename"] = expected.previous_path
    patch = hunks_of(diff)
    if patch is not None:
        entry["patch"] = patch
    return entry


@pytest.mark.parametrize(("diff", "status", "expected"), CASES.values(), ids=CASES.keys())
def test_added_lines_from_a_diff(diff: str, status: str, expected: ChangedFile) -> None:
    assert added_lines(diff) == {expected.path: expected}


@pytest.mark.parametrize(("diff", "status", "expected"), CASES.values(), ids=CASES.keys())
def test_crlf_diffs_read_as_lf(diff: str, status: str, expected: ChangedFile) -> None:
    assert added_lines(diff.replace("\n", "\r\n")) == {expected.path: expected}


@pytest.mark.parametrize(("diff", "status", "expected"), CASES.values(), ids=CASES.keys())
def test_files_api_agrees_with_the_diff(diff: str, status: str, expected: ChangedFile) -> None:
    entry = files_entry(diff, status, expected)
    assert added_lines_from_files([entry]) == {expected.path: expected}


def test_a_whole_pull_request_diff() -> None:
    whole = "".join(diff for diff, _, _ in CASES.values() if diff is not NO_NEWLINE_BEFORE)
    found = added_lines(whole)
    expected = {e.path: e for d, _, e in CASES.values() if d is not NO_NEWLINE_BEFORE}
    assert found == expected
    assert found["app/calc.py"].added == {2, 12, 13, 33}
    assert found["app/gone.py"].added == frozenset()


def test_a_crlf_file_in_an_lf_diff() -> None:
    """A file with CRLF line endings: its lines end in \\r\\n inside an LF diff."""
    diff = (
        "diff --git a/win.bat b/win.bat\n"
        "index 1111111..2222222 100644\n"
        "--- a/win.bat\n"
        "+++ b/win.bat\n"
        "@@ -1,2 +1,3 @@\n"
        " @echo off\r\n"
        "\r\n"
        "+echo hi\r\n"
    )
    assert added_lines(diff) == {"win.bat": changed("win.bat", {3}, hunks=((1, 3),))}


def test_an_empty_diff_changes_nothing() -> None:
    assert added_lines("") == {}
    assert added_lines_from_files([]) == {}


@pytest.mark.parametrize(
    "diff",
    [
        pytest.param(
            "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,3 @@\n a\n+b\n",
            id="hunk shorter than its header",
        ),
        pytest.param(
            "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\n*b\n",
            id="a hunk line of no known kind",
        ),
        pytest.param("@@ -1 +1 @@\n-a\n+b\n", id="hunk without file headers"),
    ],
)
def test_unreadable_diffs(diff: str) -> None:
    with pytest.raises(DiffError, match="unreadable diff"):
        added_lines(diff)


# Files API entries whose `patch` GitHub leaves out, or that say what the diff cannot.
ENTRY_CASES = {
    "too large: patch missing, additions counted": (
        {"filename": "data/big.py", "status": "modified", "additions": 4000, "deletions": 2},
        changed("data/big.py", patch_missing=True),
    ),
    "too large, new": (
        {"filename": "data/huge.py", "status": "added", "additions": 9000},
        changed("data/huge.py", status="added", patch_missing=True),
    ),
    "no patch and no counts": (
        {"filename": "x.py", "status": "modified"},
        changed("x.py", patch_missing=True),
    ),
    "binary: no patch, no additions": (
        {"filename": "img/a.png", "status": "modified", "additions": 0, "deletions": 0},
        changed("img/a.png"),
    ),
    "pure rename: no patch": (
        {
            "filename": "b.py",
            "previous_filename": "a.py",
            "status": "renamed",
            "additions": 0,
            "deletions": 0,
            "changes": 0,
        },
        changed("b.py", status="renamed", previous="a.py"),
    ),
    "renamed, too large": (
        {"filename": "b.py", "previous_filename": "a.py", "status": "renamed", "additions": 7},
        changed("b.py", status="renamed", previous="a.py", patch_missing=True),
    ),
    "removed, patch left out": (
        {"filename": "old.py", "status": "removed", "additions": 0, "deletions": 900},
        changed("old.py", status="removed"),
    ),
    "removed, with patch": (
        {"filename": "old.py", "status": "removed", "patch": "@@ -1,2 +0,0 @@\n-a\n-b"},
        changed("old.py", status="removed"),
    ),
    "empty patch": (
        {"filename": "e.py", "status": "modified", "additions": 0, "patch": ""},
        changed("e.py"),
    ),
    "patch ending in a no-newline marker": (
        {
            "filename": "t.py",
            "status": "modified",
            "patch": "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
            "\\ No newline at end of file",
        },
        changed("t.py", {2}, hunks=((1, 2),)),
    ),
    "CRLF patch": (
        {"filename": "w.py", "status": "modified", "patch": "@@ -1 +1,2 @@\r\n a\r\n+b"},
        changed("w.py", {2}, hunks=((1, 2),)),
    ),
    "several hunks": (
        {
            "filename": "m.py",
            "status": "modified",
            "patch": "@@ -1,2 +1,3 @@\n a\n+b\n c\n@@ -40 +41,3 @@ def f():\n x\n+y\n+z",
        },
        changed("m.py", {2, 42, 43}, hunks=((1, 3), (41, 43))),
    ),
    "unknown status": (
        {"filename": "u.py", "status": "someday", "patch": "@@ -1 +1 @@\n-a\n+b"},
        changed("u.py", {1}, hunks=((1, 1),)),
    ),
}


@pytest.mark.parametrize(("entry", "expected"), ENTRY_CASES.values(), ids=ENTRY_CASES.keys())
def test_files_api_entries(entry: dict[str, object], expected: ChangedFile) -> None:
    assert added_lines_from_files([entry]) == {expected.path: expected}


def test_files_api_several_entries_by_path() -> None:
    entries = [entry for entry, _ in ENTRY_CASES.values()][:4]
    found = added_lines_from_files(entries)
    assert sorted(found) == ["data/big.py", "data/huge.py", "img/a.png", "x.py"]


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"status": "modified", "patch": "@@ -1 +1 @@\n-a\n+b"}, id="no filename"),
        pytest.param({"filename": "x.py", "patch": "@@ -1,5 +1,5 @@\n-a\n+b"}, id="short hunk"),
    ],
)
def test_unreadable_files_entries(entry: dict[str, object]) -> None:
    with pytest.raises(DiffError):
        added_lines_from_files([entry])


@pytest.mark.parametrize(
    ("lines", "ranges"),
    [
        ([], []),
        ([7], [(7, 7)]),
        ([1, 2, 3], [(1, 3)]),
        ([3, 1, 2], [(1, 3)]),
        ([1, 3, 5], [(1, 1), (3, 3), (5, 5)]),
        ([5, 1, 2, 3, 7, 6, 10], [(1, 3), (5, 7), (10, 10)]),
        ([2, 2, 3, 3], [(2, 3)]),
        (frozenset({40, 41, 12, 13, 2}), [(2, 2), (12, 13), (40, 41)]),
        (iter([9, 8]), [(8, 9)]),
    ],
)
def test_group_ranges(lines: list[int], ranges: list[tuple[int, int]]) -> None:
    assert group_ranges(lines) == ranges


# Deletions without context (`git diff -U0`): a hunk that only deletes shows no head line.
DELETIONS_ONLY = """\
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
@@ -20,3 +18,0 @@ def g():
-a
-b
-c
"""

# With context, a hunk that only deletes shows its context lines.
DELETION_WITH_CONTEXT = """\
diff --git a/app/cut.py b/app/cut.py
index 1111111..2222222 100644
--- a/app/cut.py
+++ b/app/cut.py
@@ -1,5 +1,3 @@
 a
-b
-c
 d
 e
@@ -20,3 +18,4 @@
 x
+y
 z
 w
"""

# A renamed file with edits in two hunks, and a new file: the head's line numbers.
RENAMED_TWO_HUNKS = """\
diff --git a/old/m.py b/new/m.py
similarity index 80%
rename from old/m.py
rename to new/m.py
index 1111111..2222222 100644
--- a/old/m.py
+++ b/new/m.py
@@ -2,3 +2,4 @@
 b
+b2
 c
 d
@@ -30,2 +31,2 @@
-y
+Y
 z
diff --git a/new/n.py b/new/n.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/new/n.py
@@ -0,0 +1,2 @@
+one
+two
"""

HUNK_CASES = {
    "deletions only, no context": (
        DELETIONS_ONLY,
        {"app/trim.py": changed("app/trim.py", {8, 9}, hunks=((8, 9),))},
    ),
    "deletion with context": (
        DELETION_WITH_CONTEXT,
        {"app/cut.py": changed("app/cut.py", {19}, hunks=((1, 3), (18, 21)))},
    ),
    "renamed with edits, and a new file": (
        RENAMED_TWO_HUNKS,
        {
            "new/m.py": changed(
                "new/m.py", {3, 31}, "renamed", "old/m.py", hunks=((2, 5), (31, 32))
            ),
            "new/n.py": changed("new/n.py", {1, 2}, "added", hunks=((1, 2),)),
        },
    ),
}


def files_entries(diff: str, expected: dict[str, ChangedFile]) -> list[dict[str, object]]:
    """The files API's entries for a diff of several files, split at each `diff --git`."""
    parts = ["diff --git" + part for part in diff.split("diff --git")[1:]]
    return [
        files_entry(part, change.status, change)
        for part, change in zip(parts, expected.values(), strict=True)
    ]


@pytest.mark.parametrize(("diff", "expected"), HUNK_CASES.values(), ids=HUNK_CASES.keys())
def test_hunks_from_both_sources(diff: str, expected: dict[str, ChangedFile]) -> None:
    assert added_lines(diff) == expected
    assert added_lines_from_files(files_entries(diff, expected)) == expected


def test_a_file_without_its_patch_has_no_hunks() -> None:
    entry = {"filename": "big.py", "status": "modified", "additions": 9000}
    found = added_lines_from_files([entry])["big.py"]
    assert found.patch_missing
    assert found.hunks == ()
    assert not found.in_hunks(1)


def test_a_removed_file_has_no_hunks() -> None:
    removed = added_lines(DELETED)["app/gone.py"]
    assert removed.hunks == ()
    assert not removed.in_hunks(1)


CALC = changed("app/calc.py", hunks=((1, 6), (11, 17), (32, 34)))


@pytest.mark.parametrize(
    ("line", "end_line", "inside"),
    [
        (0, None, False),
        (1, None, True),
        (6, None, True),
        (7, None, False),
        (10, None, False),
        (11, None, True),
        (17, None, True),
        (34, None, True),
        (35, None, False),
        (3, 6, True),
        (1, 6, True),
        (5, 11, False),  # spans the gap between two hunks
        (11, 17, True),
        (12, 40, False),
        (16, 18, False),
        (40, 50, False),
        (17, 3, True),  # an end before the start: the first line alone
        (18, 12, False),
    ],
)
def test_in_hunks(line: int, end_line: int | None, inside: bool) -> None:
    assert CALC.in_hunks(line, end_line) is inside


@pytest.mark.parametrize(
    ("ranges", "merged"),
    [
        ([], ()),
        ([(4, 4)], ((4, 4),)),
        ([(10, 12), (1, 3)], ((1, 3), (10, 12))),
        ([(1, 3), (4, 5)], ((1, 5),)),  # touching
        ([(1, 3), (5, 5)], ((1, 3), (5, 5))),  # one line apart
        ([(1, 10), (3, 4)], ((1, 10),)),  # contained
        ([(10, 12), (1, 3), (4, 5), (11, 20)], ((1, 5), (10, 20))),
    ],
)
def test_merge_ranges(ranges: list[tuple[int, int]], merged: tuple[tuple[int, int], ...]) -> None:
    assert merge_ranges(ranges) == merged
