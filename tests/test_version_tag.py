"""Versions from release tags. Pure."""

from __future__ import annotations

import pytest

from app.bumps.version_tag import TagError, check_tag_pattern, version_from_tag


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("v1.4.0", "1.4.0"),
        ("1.4.0", "1.4.0"),
        ("v2", "2"),
        ("v1.4.0-rc.1", "1.4.0-rc.1"),
        ("1.4.0rc1", "1.4.0rc1"),
        ("v1.4.0+build.7", "1.4.0+build.7"),
    ],
)
def test_the_default_pattern_reads_the_usual_tags(tag: str, version: str) -> None:
    assert version_from_tag(tag) == version


@pytest.mark.parametrize("tag", ["latest", "release-1.4.0", "v", "", "vv1.0"])
def test_tags_without_a_version_are_refused(tag: str) -> None:
    with pytest.raises(TagError, match="names no version"):
        version_from_tag(tag)


def test_a_pattern_picks_the_version_out_of_a_monorepo_tag() -> None:
    pattern = r"auth-v?(?P<version>[0-9.]+)"
    assert version_from_tag("auth-v1.4.0", pattern) == "1.4.0"
    with pytest.raises(TagError):
        version_from_tag("billing-v1.4.0", pattern)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"v(\d+", "not a valid regular expression"),
        (r"v(\d+\.\d+)", r"must capture the version as \(\?P<version>"),
    ],
)
def test_bad_patterns_are_explained(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_tag_pattern(pattern)
