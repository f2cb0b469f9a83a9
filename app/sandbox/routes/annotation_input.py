"""Validation of a check run's ``output.annotations``: at most 50 a request, each with a path,
its lines, a level and a message, as GitHub requires."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.sandbox.errors import FieldError, field_error

RESOURCE = "CheckRun"
FIELD = "output.annotations"
ANNOTATION_LEVELS = frozenset({"notice", "warning", "failure"})
MAX_ANNOTATIONS_PER_REQUEST = 50
REQUIRED: Mapping[str, type] = {
    "path": str,
    "start_line": int,
    "end_line": int,
    "annotation_level": str,
    "message": str,
}
OPTIONAL: Mapping[str, type] = {
    "start_column": int,
    "end_column": int,
    "title": str,
    "raw_details": str,
}


def parse_annotations(raw: object, errors: list[FieldError]) -> tuple[dict[str, Any], ...]:
    """The annotations of one request, each with every key GitHub stores (absent optional keys
    as None); an invalid list adds one error and gives none."""
    if raw is None:
        return ()
    valid = (
        isinstance(raw, list)
        and len(raw) <= MAX_ANNOTATIONS_PER_REQUEST
        and all(is_annotation(item) for item in raw)
    )
    if not valid:
        errors.append(field_error(RESOURCE, FIELD, "invalid"))
        return ()
    return tuple(_stored(item) for item in raw)


def is_annotation(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    required = all(_typed(item.get(key), kind) for key, kind in REQUIRED.items())
    optional = all(
        _typed(item[key], kind) for key, kind in OPTIONAL.items() if item.get(key) is not None
    )
    return required and optional and item["annotation_level"] in ANNOTATION_LEVELS


def _typed(value: object, kind: type) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def _stored(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: item.get(key) for key in (*REQUIRED, *OPTIONAL)}
