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
