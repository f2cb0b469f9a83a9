"""Options of the actions that later releases carry out (dependency bumps). Their language is
part of `.paasbot.yml` already, so presets and repositories can be validated today; the summary
says when an action is not available yet."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from app.actions.options import ActionOptions
from app.bumps.version_tag import DEFAULT_TAG_PATTERN, check_tag_pattern

Repository = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]


class PropagateOptions(ActionOptions):
    package: Annotated[str, Field(min_length=1)]
    ecosystem: Literal["pip", "poetry", "pep621", "npm", "gomod", "maven", "docker"]
    to: Annotated[list[Repository], Field(min_length=1)]
    labels: list[str] = []
    # How the release's tag names the version (`v1.4.0` -> `1.4.0` by default).
    tag_pattern: Annotated[str, AfterValidator(check_tag_pattern)] = DEFAULT_TAG_PATTERN


PLANNED_OPTIONS: dict[str, type[ActionOptions]] = {
    "propagate": PropagateOptions,
}
