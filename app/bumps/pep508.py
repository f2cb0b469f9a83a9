"""Moving one PEP 508 requirement string (`acme-auth[jwt] >=1.2,<1.4 ; python_version < "3.12"`)
onto a new version: only the specifier's text changes, the rest stays byte for byte."""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier
from packaging.utils import canonicalize_name

from app.bumps.model import ManifestError, Outcome
from app.bumps.occurrences import Occurrence
from app.bumps.pep440 import bump_specifier

# The name and extras before the specifier; `(` opens the old parenthesised specifier form.
_HEAD = re.compile(r"\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*(\(?)")


def parse_requirement(text: str) -> Requirement:
    try:
        return Requirement(text.strip())
    # packaging raises either Invalid* error, a SyntaxError for a marker string it cannot
    # evaluate as a literal ('lin\\ux', a NUL byte), a RecursionError for deeply nested markers.
    except (InvalidRequirement, InvalidSpecifier, SyntaxError) as error:
        raise ManifestError(f"{text.strip()!r} is not a PEP 508 requirement: {error}") from error
    except RecursionError:
        raise ManifestError(f"{text.strip()[:80]!r}…: its markers are nested too deeply") from None


def names(requirement: Requirement, package: str) -> bool:
    return canonicalize_name(requirement.name) == canonicalize_name(package)


def specifier_span(text: str) -> tuple[int, int]:
    """Where the specifier is written in a requirement string (empty when unpinned)."""
    head = _HEAD.match(text)
    if head is None:
        raise ManifestError(f"{text.strip()!r} is not a PEP 508 requirement")
    start = head.end()
    closing = ")" if head.group(1) else ";"
    end = text.find(closing, start)
    return start, len(text) if end == -1 else end


def bump_requirement(text: str, package: str, version: str) -> tuple[Occurrence, str] | None:
    """The requirement's answer and new text, or None when it names another package."""
    requirement = parse_requirement(text)
    if not names(requirement, package):
        return None
    if requirement.url:
        note = f"{requirement.name} comes from {requirement.url}, not from a package index"
        return Occurrence(Outcome.REFUSED, requirement.url, requirement.url, note), text
    start, end = specifier_span(text)
    spec = text[start:end]
    bumped = bump_specifier(spec, version)
    new_text = text[:start] + bumped.spec + text[end:]
    found = Occurrence(bumped.outcome, spec.strip(), bumped.spec.strip(), bumped.note)
    return found, new_text
