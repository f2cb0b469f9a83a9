"""Which repository file a coverage report's path names, as Codecov's path fixing does.

A report path goes through these steps, in order:

1. Backslashes become `/` (Windows paths), and a `file://` scheme is dropped.
2. The user's `fixes` (`before::after`): the first fix whose `before` is a plain string prefix of
   the path replaces that prefix with `after`. `before::` strips the prefix; `::after` puts
   `after` in front of every path. No patterns or regular expressions: a `before` of `src`
   also matches `srcs/`, so end it with `/` to mean a directory.
3. `.` and `..` components are resolved; a path whose `..` climbs above its start (or above
   `/`) is outside the repository and ignored.
4. An absolute path loses the checkout directory of a known CI (`CI_PREFIXES`: GitHub Actions,
   GitLab, Jenkins, Azure Pipelines, CircleCI, Travis, Bitbucket, Buildkite, ...); an unknown
   absolute path loses only its root (`/`, `C:`, `~`) and relies on step 6.
5. A relative path is also tried joined to each of the report's `<source>` roots (Cobertura
   names files relative to them); the joined path goes through steps 2-4 too.
6. Each resulting path resolves to the repository files sharing its LONGEST suffix of whole
   components. `a/b/c.py` matches `src/a/b/c.py` (all three components); `xa/b/c.py` shares
   only `b/c.py` with it, so it is chosen only when no file shares more. A repository file
   equal to the path wins outright. Otherwise several files can share the longest suffix: the
   one with the fewest components, then the lexicographically first, is chosen, and the
   report path is listed in `PathMapping.ambiguous` with its candidates. The file name alone
   is a match when nothing longer is (`tests/__init__.py` lands on `lib/__init__.py` if the
   repository has no `tests/__init__.py`); such guesses usually show up as ambiguous. Across
   the readings of step 5 (the path itself, joined to each root) the longest suffix wins, an
   exact match among equals.

Resolution uses the repository's paths sorted by reversed components: the files sharing a
suffix are one contiguous run, found by bisection, so 10k report paths against 50k files take
well under a second.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Checkout directories of CI systems, matched against a normalised absolute path ("/x/y/" or
# "C:/x/y/"); the match is removed. Each ends in "/", so something is left to resolve.
_DRIVE = r"(?:[A-Za-z]:)?"
_NAME = r"[^/]+"
CI_PREFIXES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        # GitHub Actions (also Azure Pipelines' hosted agents: /home/vsts, D:\a\1\s)
        ("github-actions", rf"^/home/runner/work/{_NAME}/{_NAME}/"),
        ("github-actions", rf"^/Users/runner/work/{_NAME}/{_NAME}/"),
        ("github-actions", rf"^[A-Za-z]:/a/{_NAME}/{_NAME}/"),
        ("github-actions", rf"^/__w/{_NAME}/{_NAME}/"),
        ("github-actions", r"^/github/workspace/"),
        ("github-actions", rf"^{_DRIVE}/(?:{_NAME}/)*?_work/{_NAME}/{_NAME}/"),
        ("azure-pipelines", r"^/home/vsts/work/\d+/s/"),
        # GitLab: Docker executors (/builds/group/project), shell executors
        ("gitlab", rf"^(?:/{_NAME})*?/builds/{_NAME}/\d+/{_NAME}/{_NAME}/"),
        ("gitlab", rf"^/builds/{_NAME}/{_NAME}/"),
        # Jenkins: /var/lib/jenkins/workspace/job, /var/jenkins_home/..., C:\Jenkins\...
        ("jenkins", rf"(?i)^{_DRIVE}/(?:{_NAME}/)*?[^/]*jenkins[^/]*/workspace/{_NAME}/"),
        ("travis", rf"^/home/travis/build/{_NAME}/{_NAME}/"),
        ("circleci", r"^(?:/home/circleci|/root|~)/project/"),
        ("bitbucket", r"^/opt/atlassian/pipelines/agent/build/"),
        ("buildkite", rf"^{_DRIVE}/(?:{_NAME}/)*?buildkite-agent/builds/{_NAME}/{_NAME}/{_NAME}/"),
        ("teamcity", rf"(?i)^{_DRIVE}/(?:opt/)?buildagent/work/{_NAME}/"),
        ("appveyor", rf"^[A-Za-z]:/projects/{_NAME}/"),
        ("drone", r"^/drone/src/"),
        ("woodpecker", rf"^/woodpecker/src/{_NAME}/{_NAME}/{_NAME}/"),
        ("cirrus-ci", r"^/tmp/cirrus-ci-build/"),
        ("cloud-build", r"^/workspace/"),
        ("docker", r"^/usr/src/app/"),
        ("docker", r"^/app/"),
    )
)

_DRIVE_ROOT = re.compile(r"^[A-Za-z]:")
_AMBIGUOUS_SHOWN = 5  # candidates kept per ambiguous report path


@dataclass(frozen=True)
class PathMapping:
    mapping: dict[str, str] = field(default_factory=dict)  # report path -> repository path
    # report path -> the repository paths sharing its longest suffix, the chosen one first
    # (at most a few); the mapping holds the chosen one
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unmatched: tuple[str, ...] = ()  # report paths no repository file shares a name with
    # report paths outside the repository (`..` above their root), or naming no file at all
    escaped: tuple[str, ...] = ()


def map_paths(
    report_paths: Iterable[str],
    repo_files: Iterable[str],
    *,
    sources: Sequence[str] = (),
    fixes: Sequence[str] = (),
) -> dict[str, str]:
    """Report path -> repository path; paths that match nothing are left out."""
    return resolve_paths(report_paths, repo_files, sources=sources, fixes=fixes).mapping


def resolve_paths(
    report_paths: Iterable[str],
    repo_files: Iterable[str],
    *,
    sources: Sequence[str] = (),
    fixes: Sequence[str] = (),
) -> PathMapping:
    """`map_paths`, with what did not map cleanly: ambiguous, unmatched and escaped paths."""
    index = RepoIndex(repo_files)
    parsed_fixes = tuple(parse_fix(fix) for fix in fixes)
    mapping: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    unmatched: list[str] = []
    escaped: list[str] = []
    for report_path in dict.fromkeys(report_paths):
        candidates = report_candidates(report_path, sources=sources, fixes=parsed_fixes)
        if not candidates:
            escaped.append(report_path)
            continue
        found = _best_match(index, candidates)
        if found is None:
            unmatched.append(report_path)
            continue
        mapping[report_path] = found[0]
        if len(found) > 1:
            ambiguous[report_path] = found
    return PathMapping(mapping, ambiguous, tuple(unmatched), tuple(escaped))


def parse_fix(fix: str) -> tuple[str, str]:
    """`before::after` as (before, after), backslashes as `/`."""
    before, separator, after = fix.partition("::")
    if not separator:
        raise ValueError(f"path fix {fix!r} is not of the form before::after")
    return before.replace("\\", "/"), after.replace("\\", "/")


def apply_fixes(path: str, fixes: Sequence[tuple[str, str]]) -> str:
    """The path with the first matching fix applied (plain prefix replacement)."""
    for before, after in fixes:
        if path.startswith(before):
            return after + path[len(before) :]
    return path


def report_candidates(
    report_path: str,
    *,
    sources: Sequence[str] = (),
    fixes: Sequence[tuple[str, str]] = (),
) -> tuple[tuple[str, ...], ...]:
    """The repository-relative component paths a report path may stand for (steps 1-5); empty
    when every reading lies outside the repository."""
    raw = _slashes(report_path)
    readings = [raw]
    if not _is_absolute(raw):
        readings += [f"{_slashes(source).rstrip('/')}/{raw}" for source in sources if source]
    candidates: list[tuple[str, ...]] = []
    for reading in readings:
        components = relative_components(apply_fixes(reading, fixes))
        if components and components not in candidates:
            candidates.append(components)
    return tuple(candidates)


def relative_components(path: str) -> tuple[str, ...] | None:
    """A path's components relative to the repository root (steps 3-4); None when it escapes
    or names nothing."""
    path = _slashes(path)
    root = ""
    if drive := _DRIVE_ROOT.match(path):
        root, path = drive.group(0), path[2:]
    if path.startswith("/"):
        root += "/"
    elif path == "~" or path.startswith("~/"):
        root, path = "~/", path[1:]
    components: list[str] = []
    for component in path.split("/"):
        if component in ("", "."):
            continue
        if component == "..":
            if not components:
                return None
            components.pop()
        else:
            components.append(component)
    if root:
        absolute = root + "/".join(components) + "/"
        for _name, pattern in CI_PREFIXES:
            if prefix := pattern.match(absolute):
                rest = absolute[prefix.end() :]
                components = rest.rstrip("/").split("/") if rest.strip("/") else []
                break
    return tuple(components) or None


class RepoIndex:
    """The repository's files, sorted by reversed components, for longest-suffix lookups."""

    def __init__(self, repo_files: Iterable[str]) -> None:
        by_key: dict[tuple[str, ...], str] = {}
        for repo_file in repo_files:
            components = tuple(c for c in repo_file.split("/") if c not in ("", "."))
            if components and ".." not in components:
                by_key.setdefault(components[::-1], repo_file)
        self._keys = sorted(by_key)
        self._paths = [by_key[key] for key in self._keys]
        self._runs: dict[tuple[str, ...], tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, components: Sequence[str]) -> tuple[int, bool, tuple[str, ...]]:
        """(components matched, whether a file equals the path, the files sharing that
        suffix in order of preference (a few)); (0, False, ()) when not even the name
        matches."""
        key = tuple(components)[::-1]
        at = bisect_left(self._keys, key)
        matched = max(
            (_common_prefix(key, self._keys[i]) for i in (at - 1, at) if 0 <= i < len(self._keys)),
            default=0,
        )
        if matched == 0:
            return 0, False, ()
        if at < len(self._keys) and self._keys[at] == key:
            return matched, True, (self._paths[at],)
        return matched, False, self._run(key[:matched])

    def _run(self, suffix: tuple[str, ...]) -> tuple[str, ...]:
        found = self._runs.get(suffix)
        if found is None:
            size = len(suffix)
            low = bisect_left(self._keys, suffix, key=lambda key: key[:size])
            high = bisect_right(self._keys, suffix, key=lambda key: key[:size])
            found = self._runs[suffix] = tuple(
                heapq.nsmallest(_AMBIGUOUS_SHOWN, self._paths[low:high], key=_preference)
            )
        return found


def _best_match(index: RepoIndex, candidates: Iterable[tuple[str, ...]]) -> tuple[str, ...] | None:
    best_rank = (0, False)
    best: list[str] = []
    for components in candidates:
        matched, exact, files = index.lookup(components)
        rank = (matched, exact)
        if matched == 0 or rank < best_rank:
            continue
        if rank > best_rank:
            best_rank, best = rank, []
        best.extend(path for path in files if path not in best)
    if not best:
        return None
    return tuple(sorted(best, key=_preference)[:_AMBIGUOUS_SHOWN])


def _preference(path: str) -> tuple[int, str]:
    return path.count("/"), path


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return size


def _slashes(path: str) -> str:
    path = path.replace("\\", "/")
    return path.removeprefix("file://")


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "~/")) or path == "~" or bool(_DRIVE_ROOT.match(path))
