"""Request-body fields checked the way GitHub's schema-validated endpoints check them: a
missing or mistyped field is a 422 ``Invalid request`` naming it."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from app.sandbox.errors import ApiError
from app.sandbox.git import Signature
from app.sandbox.timefmt import parse_iso8601

T = TypeVar("T")

TYPE_NAMES: Mapping[type, str] = {
    str: "string",
    bool: "boolean",
    list: "array",
    dict: "object",
    int: "integer",
}


def invalid_request(detail: str) -> ApiError:
    return ApiError(422, f"Invalid request.\n\n{detail}")


def required(body: Mapping[str, Any], key: str, kind: type[T]) -> T:
    if body.get(key) is None:
        raise invalid_request(f'"{key}" wasn\'t supplied.')
    return _typed(body, key, kind)


def optional(body: Mapping[str, Any], key: str, kind: type[T]) -> T | None:
    return None if body.get(key) is None else _typed(body, key, kind)


def _typed(body: Mapping[str, Any], key: str, kind: type[T]) -> T:
    value = body[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = json.dumps(value)
        raise invalid_request(f"For 'properties/{key}', {shown} is not a {TYPE_NAMES[kind]}.")
    return value


def base64_content(body: Mapping[str, Any], key: str = "content") -> bytes:
    return decode_base64(required(body, key, str), key)


def decode_base64(text: str, key: str = "content") -> bytes:
    """GitHub accepts Base64 broken into lines."""
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError) as exc:
        raise invalid_request(f"{key} is not valid Base64.") from exc


def signature(body: Mapping[str, Any], key: str, default: Signature) -> Signature:
    """An ``author``/``committer`` object: name and email required, date optional."""
    person = optional(body, key, dict)
    if person is None:
        return default
    name, email = required(person, "name", str), required(person, "email", str)
    date = optional(person, "date", str)
    timestamp = default.timestamp if date is None else parse_iso8601(date)
    if timestamp is None:
        raise invalid_request(f"For 'properties/{key}/date', {json.dumps(date)} is not a date.")
    return Signature(name, email, timestamp)
