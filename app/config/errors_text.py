"""pydantic's validation errors told in the words of a YAML file, with "did you mean"."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

from app.config.problems import Problem
from app.config.schema import FileSpec
from app.config.yaml_source import YamlDocument

_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def pydantic_problem(document: YamlDocument, issue: Any) -> Problem:
    loc = tuple(issue["loc"])
    kind = issue["type"]
    if kind == "extra_forbidden":
        return document.problem(loc, _unknown_key(loc), key=True)
    if kind == "missing":
        return document.problem(loc[:-1], f"missing required key {loc[-1]!r}")
    return document.problem(loc, issue_message(issue))


_LIMITS = {
    "string_too_short": "text of at least {min_length} character(s)",
    "string_too_long": "text of at most {max_length} characters",
    "string_pattern_mismatch": "text matching {pattern}",
    "too_short": "at least {min_length} item(s)",
    "too_long": "at most {max_length} items",
    "greater_than_equal": "a number of at least {ge}",
    "less_than_equal": "a number of at most {le}",
    "greater_than": "a number above {gt}",
    "less_than": "a number below {lt}",
}


def issue_message(issue: Any) -> str:
    """One pydantic error (not an unknown or missing key) in the words of a YAML file."""
    kind = issue["type"]
    found = describe(issue.get("input"))
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, found {found}"
    if kind == "literal_error":
        return f"expected {issue['ctx']['expected']}, found {found}"
    if kind in ("value_error", "assertion_error"):
        return str(issue["ctx"]["error"])
    if kind in _LIMITS:
        return f"expected {_LIMITS[kind].format(**issue.get('ctx', {}))}, found {found}"
    message = issue["msg"]
    return f"{message[0].lower()}{message[1:]}, found {found}"


def describe(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"the text {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _unknown_key(loc: tuple[Any, ...]) -> str:
    key = str(loc[-1])
    allowed = allowed_keys(loc[:-1])
    close = difflib.get_close_matches(key, allowed, n=2, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    if _names_action(loc):
        return f"unknown action {key!r}{hint}; actions: {', '.join(sorted(allowed))}"
    what = f"{loc[-2]} option" if _names_action(loc[:-1]) else "key"
    if close:
        return f"unknown {what} {key!r}{hint}"
    if allowed and len(allowed) <= 12:
        return f"unknown {what} {key!r}; expected one of {', '.join(sorted(allowed))}"
    return f"unknown {what} {key!r}"


def _names_action(loc: tuple[Any, ...]) -> bool:
    """Whether `loc` is a key of `defaults:` or of a rule's `do:`."""
    in_defaults = len(loc) == 2 and loc[0] == "defaults"
    return in_defaults or (len(loc) == 4 and loc[0] == "rules" and loc[2] == "do")


def allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the mapping at `loc` may have, following the models from the file down."""
    model: type[BaseModel] | None = FileSpec
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = _field(model, str(part))
        model = _model_in(field.annotation) if field is not None else None
    return [] if model is None else [f.alias or name for name, f in model.model_fields.items()]


def _field(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X | None`, `list[X]` or `Annotated[X, …]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None
