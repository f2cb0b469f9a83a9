"""One answer for a file from the answers for each place the package appears in it.

A file is refused as a whole when any place is refused (a half-bumped file would declare two
versions); otherwise it is updated when any place changed, and already up to date when all allow
the version."""

from __future__ import annotations

from typing import NamedTuple

from app.bumps.model import Bump, Outcome


class Occurrence(NamedTuple):
    outcome: Outcome  # UPDATED, ALREADY or REFUSED
    before: str  # the constraint as written
    after: str  # the same constraint after the edit
    note: str = ""


def combine(text: str, new_text: str, found: list[Occurrence]) -> Bump:
    """The file's answer: `new_text` when a place changed and none refused, else `text`."""
    if not found:
        return Bump(Outcome.NOT_USED, text)
    before = tuple(place.before for place in found)
    refused = [place for place in found if place.outcome is Outcome.REFUSED]
    if refused:
        return Bump(Outcome.REFUSED, text, before, before, _notes(refused))
    if any(place.outcome is Outcome.UPDATED for place in found):
        return Bump(Outcome.UPDATED, new_text, before, tuple(place.after for place in found))
    return Bump(Outcome.ALREADY, text, before, before, _notes(found))


def _notes(found: list[Occurrence]) -> str:
    return "; ".join(dict.fromkeys(place.note for place in found if place.note))
