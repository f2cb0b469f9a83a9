"""What a manifest editor answers: the file's new text, or why it left the file as it was.

Every editor is a pure function `(text, package, version) -> Bump`: it edits the file minimally
(formatting, comments and the constraint's style kept), re-parses its own output and confirms the
package now declares the new version, or raises `ManifestError` when the file cannot be read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ManifestError(ValueError):
    """The manifest cannot be read (or an edit would not survive re-parsing); the message names
    the file's problem and, when known, its line."""


class Outcome(StrEnum):
    UPDATED = "updated"  # the file now requires or pins the new version
    ALREADY = "already"  # it already allows or pins the new version: nothing to do
    NOT_USED = "not used"  # the package is not in this file
    REFUSED = "refused"  # the package is there but paasbot will not guess (e.g. a new Go major)


@dataclass(frozen=True)
class Bump:
    outcome: Outcome
    text: str  # the file's text after the edit (unchanged unless UPDATED)
    before: tuple[str, ...] = ()  # the constraints or versions found, as written
    after: tuple[str, ...] = ()  # the same places after the edit
    note: str = ""  # for ALREADY / REFUSED: why, in a sentence for the PR body or the summary

    @property
    def changed(self) -> bool:
        return self.outcome is Outcome.UPDATED
