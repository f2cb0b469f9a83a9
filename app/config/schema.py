"""The shape of `.paasbot.yml` as pydantic models: they validate a loaded file and generate the
JSON Schema that editors use, so the two cannot disagree."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, create_model

from app.actions.registry import OPTIONS
from app.config.triggers import valid_triggers

SCHEMA_ID = "https://paasbot.dev/schema/paasbot.json"


def _listed(value: Any) -> Any:
    """`on: pull_request.opened` is the one-item list `[pull_request.opened]`."""
    return [value] if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, frozen=True)


def _actions_model(name: str, doc: str) -> type[BaseModel]:
    fields: dict[str, Any] = {
        action: (options | None, Field(default=None, description=options.__doc__))
        for action, options in sorted(OPTIONS.items())
    }
    return create_model(name, __base__=_Strict, __doc__=doc, **fields)


ActionsSpec = _actions_model("ActionsSpec", "The actions of a rule, each with its options.")
DefaultsSpec = _actions_model("DefaultsSpec", "Default options per action, for every rule.")

_CONDITIONS_REF = {"$ref": "#/$defs/Conditions"}
# pydantic resolves every $ref it generates among its own definitions, so the field carries
# this marker, replaced by a reference to the Conditions definition once pydantic is done.
_CONDITIONS_PLACEHOLDER = {"x-paasbot": "conditions"}
CONDITIONS_SCHEMA: dict[str, Any] = {
    "description": "A condition `[-][#]attribute[operator value]`, a list (all must hold), or"
    " a mapping with one key: any, all or not.",
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": _CONDITIONS_REF},
        {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "any": {"type": "array", "minItems": 1, "items": _CONDITIONS_REF},
                "all": {"type": "array", "minItems": 1, "items": _CONDITIONS_REF},
                "not": _CONDITIONS_REF,
            },
        },
    ],
}

_TRIGGER = {"enum": valid_triggers()}
Triggers = Annotated[
    list[Annotated[str, Field(min_length=1)]],
    BeforeValidator(_listed),
    WithJsonSchema(
        {
            "anyOf": [_TRIGGER, {"type": "array", "items": _TRIGGER}],
            "description": "Events that trigger the rule: `event` or `event.action`.",
        }
    ),
]
Extends = Annotated[
    list[Annotated[str, Field(min_length=1)]],
    BeforeValidator(_listed),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "A built-in preset name, or `owner/repo` (its .paasbot.yml), or a list.",
        }
    ),
]


class RuleSpec(_Strict):
    """One rule: when its conditions hold (and its `on:` event happened), its actions run."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str | None = None
    enabled: bool = True
    on: Triggers | None = None
    if_: Annotated[Any, WithJsonSchema(_CONDITIONS_PLACEHOLDER)] = Field(default=None, alias="if")
    do: ActionsSpec | None = None  # type: ignore[valid-type]


class FileSpec(_Strict):
    """A `.paasbot.yml` file."""

    extends: Extends | None = None
    dry_run: bool | None = None
    # Read from the organisation's `.github` repository only: `false` stops onboarding PRs.
    onboarding: bool | None = None
    defaults: DefaultsSpec | None = None  # type: ignore[valid-type]
    rules: list[RuleSpec] = []


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `.paasbot.yml`."""
    schema = FileSpec.model_json_schema(by_alias=True)
    schema = _with_conditions(schema)
    schema.setdefault("$defs", {})["Conditions"] = CONDITIONS_SCHEMA
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": ".paasbot.yml",
    }


def _with_conditions(node: Any) -> Any:
    if isinstance(node, dict) and node.get("x-paasbot") == "conditions":
        rest = {key: value for key, value in node.items() if key != "x-paasbot"}
        return {**rest, "anyOf": [_CONDITIONS_REF, {"type": "null"}]}
    if isinstance(node, dict):
        return {key: _with_conditions(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_conditions(value) for value in node]
    return node


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
