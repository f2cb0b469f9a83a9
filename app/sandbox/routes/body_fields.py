"""Typed reading of JSON request bodies, collecting GitHub's field errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.sandbox.errors import FieldError, field_error, validation_failed


class BodyReader:
    """Reads fields of one resource's request body; `done` raises the collected errors."""

    def __init__(self, body: Mapping[str, Any], resource: str) -> None:
        self.body = body
        self.resource = resource
        self.errors: list[FieldError] = []

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.body.get(key)
        if value is None:
            if required:
                self.errors.append(field_error(self.resource, key, "missing_field"))
            return None
        if not isinstance(value, str):
            self.errors.append(field_error(self.resource, key, "invalid"))
            return None
        return value

    def required(self, key: str) -> str:
        """A required string; "" when missing or invalid, which `done` then refuses."""
        return self.string(key, required=True) or ""

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.body.get(key, default)
        if not isinstance(value, bool):
            self.errors.append(field_error(self.resource, key, "invalid"))
            return default
        return value

    def strings(self, key: str, *, required: bool = False) -> list[str]:
        value = self.body.get(key)
        if value is None:
            if required:
                self.errors.append(field_error(self.resource, key, "missing_field"))
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.errors.append(field_error(self.resource, key, "invalid"))
            return []
        return value

    def done(self) -> None:
        if self.errors:
            raise validation_failed(self.errors)
