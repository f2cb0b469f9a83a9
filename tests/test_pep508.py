"""One PEP 508 requirement string: parsed, or a ManifestError naming it."""

from __future__ import annotations

import pytest

from app.bumps.model import ManifestError
from app.bumps.pep508 import bump_requirement, parse_requirement


@pytest.mark.parametrize(
    "text",
    [
        "acme-auth===1.3.0,=1.3.0",  # packaging raises InvalidSpecifier, not InvalidRequirement
        "acme-auth==1.3.0,1.4",
        "acme-auth[jwt",
        "acme-auth ~= 1",
    ],
)
def test_an_unreadable_requirement_is_a_manifest_error(text: str) -> None:
    with pytest.raises(ManifestError, match="is not a PEP 508 requirement"):
        parse_requirement(text)
    with pytest.raises(ManifestError, match="is not a PEP 508 requirement"):
        bump_requirement(text, "acme-auth", "1.4.0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("acme-auth; sys_platform=='lin\\ux'", "is not a PEP 508 requirement"),  # a bad escape
        ("acme-auth; os_name=='a\x00b'", "is not a PEP 508 requirement"),
        ("acme-auth; os_name=='\\N{bogus}'", "is not a PEP 508 requirement"),
        ("acme-auth; " + "(" * 5000 + "os_name=='x'" + ")" * 5000, "nested too deeply"),
    ],
)
def test_markers_packaging_cannot_read_are_a_manifest_error(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        parse_requirement(text)
