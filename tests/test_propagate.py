"""The `propagate` action's options: where the dependents may be named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.actions.propagate import PropagateOptions


def options(to: list[str]) -> PropagateOptions:
    return PropagateOptions.model_validate({"package": "acme-auth", "ecosystem": "pip", "to": to})


def test_dependents_are_named_owner_slash_repo() -> None:
    assert options(["acme/orders", "acme/web.site", "acme/.github"]).to == [
        "acme/orders",
        "acme/web.site",
        "acme/.github",
    ]


@pytest.mark.parametrize("name", ["../..", "acme/..", "../orders", "./x", "acme/."])
def test_a_dot_segment_is_no_repository(name: str) -> None:
    with pytest.raises(ValidationError, match="is not a repository name"):
        options([name])


@pytest.mark.parametrize("name", ["acme", "acme/orders/x", "acme/or ders", "https://x/y"])
def test_what_is_not_owner_slash_repo_is_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        options([name])
