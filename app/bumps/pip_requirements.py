"""The pip requirements file editor (`requirements.txt`, `constraints.txt`).

Each requirement naming the package (PEP 503 names: `Acme_Auth` is `acme-auth`) has its
specifier moved by `app.bumps.pep440`; the rest of the file (comments, blank lines, line
continuations, extras, markers, options, CRLF line ends) stays byte for byte. A package listed
twice (e.g. under different markers) is bumped on each line. Options lines (`-r`, `-c`,
`--index-url`, `-e` …) are left alone; a requirement from a URL, or one whose pin would change
while `--hash` options guard it, is refused."""

from __future__ import annotations

import re
from typing import NamedTuple

from app.bumps.model import Bump, ManifestError, Outcome
from app.bumps.occurrences import Occurrence, combine
from app.bumps.pep508 import bump_requirement, names, parse_requirement

_CONTINUED = re.compile(r"\\\r?\n\Z")
# Where the requirement ends: a comment, an option (`--hash=…`) or a line continuation.
_REQUIREMENT_END = re.compile(r"(?:^|\s)#|\s--?[A-Za-z]|\\\r?\n")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9._-]+)")


class Line(NamedTuple):
    number: int  # of its first physical line, from 1
    text: str  # a logical line: physical lines joined by their `\` continuations, ends included


def bump_requirements(text: str, package: str, version: str) -> Bump:
    """The requirements file moved onto `version` of `package`."""
    lines = logical_lines(text)
    edited = [_bump_line(line, package, version) for line in lines]
    found = [place for place, _ in edited if place is not None]
    new_text = "".join(new for _, new in edited)
    bump = combine(text, new_text, found)
    if bump.outcome is Outcome.UPDATED:
        _confirm(new_text, package, version)
    return bump


def logical_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    start = 1
    pending = ""
    for number, physical in enumerate(text.splitlines(keepends=True), start=1):
        if not pending:
            start = number
        pending += physical
        if not _CONTINUED.search(pending):
            lines.append(Line(start, pending))
            pending = ""
    if pending:
        lines.append(Line(start, pending))
    return lines


def _bump_line(line: Line, package: str, version: str) -> tuple[Occurrence | None, str]:
    end_match = _REQUIREMENT_END.search(line.text)
    end = len(line.text.rstrip("\r\n")) if end_match is None else end_match.start()
    requirement, rest = line.text[:end], line.text[end:]
    stripped = requirement.strip()
    if not stripped or stripped.startswith("-"):
        return None, line.text
    if _is_url_or_path(stripped):
        return _url_line(stripped, package), line.text
    try:
        bumped = bump_requirement(requirement, package, version)
    except ManifestError as error:
        raise ManifestError(f"line {line.number}: {error}") from error
    if bumped is None:
        return None, line.text
    place, new_requirement = bumped
    if place.outcome is Outcome.UPDATED and "--hash" in rest:
        note = (
            f"line {line.number} pins {package} with --hash options: the hashes of {version} "
            "must be regenerated (e.g. pip-compile --generate-hashes)"
        )
        return place._replace(outcome=Outcome.REFUSED, after=place.before, note=note), line.text
    return place, new_requirement + rest


def _is_url_or_path(requirement: str) -> bool:
    return "://" in requirement.split("@")[0] or requirement.startswith((".", "/", "~", "file:"))


def _url_line(requirement: str, package: str) -> Occurrence | None:
    egg = _EGG.search(requirement)
    if egg is None or not names(parse_requirement(egg.group(1)), package):
        return None
    note = f"{package} comes from {requirement}, not from a package index"
    return Occurrence(Outcome.REFUSED, requirement, requirement, note)


def _confirm(new_text: str, package: str, version: str) -> None:
    for line in logical_lines(new_text):
        place, _ = _bump_line(line, package, version)
        if place is not None and place.outcome is not Outcome.ALREADY:
            raise ManifestError(
                f"line {line.number}: after the edit {package} still does not allow {version}"
            )
