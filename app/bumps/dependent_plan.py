"""What one dependent gets from a release: the manifests edited, those already on the version,
those refused or unreadable, the lock files to refresh, and one verdict with a sentence for the
release summary. Pure: the caller reads the files and opens (or not) the PR.

Each file is tried with the package of every ecosystem it is a manifest of (in `ECOSYSTEMS`
order, each distinct package name once), files in sorted path order. A file refused for one
package is left as it was for all; a `ManifestError` becomes an unreadable entry, never an
exception. The requirements files pip-compile wrote (`compiled`) are lock files: never edited."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.bumps import lockfiles
from app.bumps.manifests import ECOSYSTEMS, bump_manifest, is_manifest
from app.bumps.model import Bump, ManifestError, Outcome
from app.bumps.pr_text import FileChange


class Verdict(StrEnum):
    BUMP = "bump"  # at least one file edited: open a PR
    REFUSED = "refused"  # nothing edited, and a file uses the package in a way paasbot won't move
    UNREADABLE = "unreadable"  # nothing edited or found, and a manifest could not be read
    ALREADY = "already"  # every file that uses the package already allows the version
    NOT_USED = "not used"  # no manifest names the package


@dataclass(frozen=True)
class FileEdit:
    path: str
    text: str  # the file's new text
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class FileNote:
    path: str
    note: str


@dataclass(frozen=True)
class DependentPlan:
    version: str
    edits: tuple[FileEdit, ...] = ()
    already: tuple[FileNote, ...] = ()
    refused: tuple[FileNote, ...] = ()
    unreadable: tuple[FileNote, ...] = ()
    lockfile_notes: tuple[str, ...] = ()

    @property
    def verdict(self) -> Verdict:
        if self.edits:
            return Verdict.BUMP
        if self.refused:
            return Verdict.REFUSED
        if self.already:
            return Verdict.ALREADY
        if self.unreadable:
            return Verdict.UNREADABLE
        return Verdict.NOT_USED

    @property
    def reason(self) -> str:
        """One sentence for the release summary."""
        verdict = self.verdict
        if verdict is Verdict.BUMP:
            sentence = "bumped in " + _paths(self.edits)
            left = [f"{note.path} (refused)" for note in self.refused]
            left += [f"{note.path} (unreadable)" for note in self.unreadable]
            return sentence + (f"; left as they were: {', '.join(left)}" if left else "")
        if verdict is Verdict.REFUSED:
            sentence = "refused: " + _notes(self.refused)
        elif verdict is Verdict.ALREADY:
            sentence = f"already on {self.version} in {_paths(self.already)}"
        elif verdict is Verdict.UNREADABLE:
            return "manifest unreadable: " + _notes(self.unreadable)
        else:
            return "not used"
        return sentence + (
            f"; manifest unreadable: {_notes(self.unreadable)}" if self.unreadable else ""
        )


def plan_dependent(
    files: Mapping[str, str],
    paths: Sequence[str],
    packages: Mapping[str, str],
    version: str,
    compiled: Collection[str] = (),
) -> DependentPlan:
    """The plan for a dependent whose manifests `files` (path -> text) were read; `paths` are all
    the repository's files (for the lock files), `packages` the library's name per ecosystem.

    Raises ValueError for an ecosystem paasbot does not know (a configuration mistake)."""
    unknown = sorted(set(packages) - set(ECOSYSTEMS))
    if unknown:
        raise ValueError(f"unknown ecosystem(s): {', '.join(unknown)}")
    edits: list[FileEdit] = []
    already: list[FileNote] = []
    refused: list[FileNote] = []
    unreadable: list[FileNote] = []
    for path in sorted(files):
        if path in compiled:
            continue
        tries = _tries(path, packages)
        if not tries:
            continue
        try:
            bumps = _bump_file(path, files[path], tries, version)
        except ManifestError as error:
            unreadable.append(FileNote(path, str(error)))
            continue
        outcomes = {bump.outcome for bump in bumps}
        if Outcome.REFUSED in outcomes:
            notes = (bump.note for bump in bumps if bump.outcome is Outcome.REFUSED)
            refused.append(FileNote(path, _joined(notes)))
        elif Outcome.UPDATED in outcomes:
            changed = [bump for bump in bumps if bump.changed]
            before = tuple(value for bump in changed for value in bump.before)
            after = tuple(value for bump in changed for value in bump.after)
            edits.append(FileEdit(path, bumps[-1].text, before, after))
        elif Outcome.ALREADY in outcomes:
            notes = (bump.note for bump in bumps if bump.outcome is Outcome.ALREADY)
            already.append(FileNote(path, _joined(notes)))
    stale = lockfiles.stale_lockfiles(paths, [edit.path for edit in edits], compiled)
    return DependentPlan(
        version=version,
        edits=tuple(edits),
        already=tuple(already),
        refused=tuple(refused),
        unreadable=tuple(unreadable),
        lockfile_notes=tuple(lockfiles.refresh_note(lock) for lock in stale),
    )


def file_changes(plan: DependentPlan) -> list[FileChange]:
    """The PR body's table of files changed."""
    return [FileChange(edit.path, edit.before, edit.after) for edit in plan.edits]


def refused_notes(plan: DependentPlan) -> list[str]:
    """The PR body's lines for the files left as they were (refused or unreadable), and why."""
    lines = [f"`{note.path}` was left as it was: {note.note}" for note in plan.refused]
    lines += [
        f"`{note.path}` was left as it was: it could not be read ({note.note})"
        for note in plan.unreadable
    ]
    return lines


def _tries(path: str, packages: Mapping[str, str]) -> list[tuple[str, str]]:
    """(ecosystem, package) pairs to try on `path`: each distinct package once."""
    tries: dict[str, str] = {}
    for ecosystem in ECOSYSTEMS:
        if ecosystem in packages and is_manifest(path, ecosystem):
            tries.setdefault(packages[ecosystem], ecosystem)
    return [(ecosystem, package) for package, ecosystem in tries.items()]


def _bump_file(path: str, text: str, tries: list[tuple[str, str]], version: str) -> list[Bump]:
    """The editor's answer for each package, each edit applied to the previous one's text."""
    bumps: list[Bump] = []
    for ecosystem, package in tries:
        bump = bump_manifest(ecosystem, path, text, package, version)
        bumps.append(bump)
        text = bump.text
    return bumps


def _paths(entries: Sequence[FileEdit | FileNote]) -> str:
    return ", ".join(entry.path for entry in entries)


def _notes(entries: Sequence[FileNote]) -> str:
    return "; ".join(f"{e.path}: {e.note}" if e.note else e.path for e in entries)


def _joined(notes: Iterable[str]) -> str:
    return "; ".join(dict.fromkeys(note for note in notes if note))
