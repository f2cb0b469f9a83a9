"""GitHub's webhook payload schemas (octokit, draft-07), for checking the simulator's payloads."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from tests.corpora import WEBHOOK_SCHEMAS, webhook_schemas


@cache
def _schemas() -> tuple[dict[str, dict[str, Any]], Registry]:
    schemas = webhook_schemas()
    registry = Registry().with_resources(
        (schema_id, DRAFT7.create_resource(schema)) for schema_id, schema in schemas.items()
    )
    return schemas, registry


def schema_errors(event: str, action: str | None, payload: dict[str, Any]) -> list[str]:
    """Why `payload` is not a valid `event.action` delivery; empty when it is."""
    schemas, registry = _schemas()
    validator = Draft7Validator(schemas[f"{event}${action or 'event'}"], registry=registry)
    return [_describe(error) for error in validator.iter_errors(payload)]


def _describe(error: Any) -> str:
    where = "/".join(map(str, error.absolute_path)) or "(top)"
    causes = sorted({_describe(cause) for cause in error.context or ()})
    return f"{where}: {error.message[:200]}" + "".join(f"\n    {cause}" for cause in causes[:6])


def invalid_deliveries(deliveries: list[Any]) -> list[str]:
    """The simulator's deliveries (event, action, payload) that GitHub's schemas reject; nothing
    is checked where the corpora are absent."""
    if not WEBHOOK_SCHEMAS.is_dir():
        return []
    problems = []
    for delivery in deliveries:
        errors = schema_errors(delivery.event, delivery.action, delivery.payload)
        if errors:
            label = f"{delivery.event}.{delivery.action}" if delivery.action else delivery.event
            problems.append(f"{label}: " + "; ".join(errors[:3]))
    return problems
