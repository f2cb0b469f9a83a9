"""The version a release's tag names: `v1.4.0` -> `1.4.0`, or what a configured pattern captures
(`auth-(?P<version>.+)` for `auth-1.4.0` in a monorepo's tags). Pure."""

from __future__ import annotations

import re2

from app.bumps.model import ManifestError

DEFAULT_TAG_PATTERN = r"v?(?P<version>\d+(?:\.\d+)*(?:[-.+]?[0-9A-Za-z][0-9A-Za-z.+-]*)?)"


class TagError(ManifestError):
    """The tag names no version the pattern can read."""


def check_tag_pattern(pattern: str) -> str:
    """The pattern, if RE2 compiles it and it captures a group named `version`."""
    try:
        compiled = re2.compile(pattern)
    except re2.error as error:
        message = f"tag pattern {pattern!r} is not a valid regular expression: {error}"
        raise ValueError(message) from None
    if "version" not in compiled.groupindex:
        raise ValueError(f"tag pattern {pattern!r} must capture the version as (?P<version>...)")
    return pattern


def version_from_tag(tag: str, pattern: str = DEFAULT_TAG_PATTERN) -> str:
    """The version the whole tag matches; TagError when it does not match."""
    match = re2.fullmatch(check_tag_pattern(pattern), tag.strip())
    version = match.group("version") if match else None
    if not version:
        raise TagError(f"the tag {tag!r} names no version (pattern {pattern!r})")
    return version
