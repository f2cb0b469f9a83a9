"""The base of every action's options: strict types and no unknown keys, so a typo in
`.paasbot.yml` is an error instead of a silently ignored option."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from app.engine.templates import TemplateProblem, check_template
from app.reports.path_mapping import parse_fix

_PERCENT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*")


class ActionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _percent(value: Any) -> Any:
    """`80%` or `80` (or 80.5) as the number 80.0; anything else is left for the type check."""
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value)
        return float(match.group(1)) if match else value
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


Percent = Annotated[
    float,
    BeforeValidator(_percent),
    Field(ge=0, le=100),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 100},
                {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$"},
            ],
            "examples": ["80%"],
        }
    ),
]


def _valid_template(text: str) -> str:
    try:
        check_template(text)
    except TemplateProblem as problem:
        where = f" (template line {problem.line})" if problem.line else ""
        raise ValueError(f"{problem.message}{where}") from None
    return text


# Text rendered with the PR's attributes (`{{ author }}`), checked when the file is read.
Template = Annotated[str, Field(min_length=1), AfterValidator(_valid_template)]


def _path_fix(fix: str) -> str:
    parse_fix(fix)  # ValueError: "path fix 'x' is not of the form before::after"
    return fix


# `before::after` rewrites of report paths (coverage and lint reports).
PathFixes = list[Annotated[str, Field(min_length=3, max_length=500), AfterValidator(_path_fix)]]
Logins = list[Annotated[str, Field(min_length=1, max_length=100)]]
