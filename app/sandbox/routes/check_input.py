"""Validation of check-run request bodies into ``CheckRunPatch`` values."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from app.sandbox.errors import FieldError, field_error, validation_failed
from app.sandbox.models import CheckRun, CheckRunPatch
from app.sandbox.routes.annotation_input import parse_annotations
from app.sandbox.timefmt import parse_iso8601

RESOURCE = "CheckRun"
STATUSES = frozenset({"queued", "in_progress", "completed"})
CONCLUSIONS = frozenset(
    {
        "action_required",
        "cancelled",
        "failure",
        "neutral",
        "success",
        "skipped",
        "stale",
        "timed_out",
    }
)


@dataclass(frozen=True)
class NewCheckRun:
    name: str
    head_sha: str
    patch: CheckRunPatch


def parse_create(body: Mapping[str, Any]) -> NewCheckRun:
    errors = [
        field_error(RESOURCE, key, "missing_field")
        for key in ("name", "head_sha")
        if body.get(key) is None
    ]
    patch = _parse_patch(body, errors)
    head_sha = _string(body, "head_sha", errors)
    _check_completion(patch.status, patch.conclusion, patch.completed_at, errors)
    if errors or patch.name is None or head_sha is None:
        raise validation_failed(errors)
    return NewCheckRun(name=patch.name, head_sha=head_sha, patch=patch)


def parse_update(body: Mapping[str, Any], run: CheckRun) -> CheckRunPatch:
    errors: list[FieldError] = []
    patch = _parse_patch(body, errors)
    conclusion = patch.conclusion or run.conclusion
    _check_completion(patch.status, conclusion, patch.completed_at, errors)
    if errors:
        raise validation_failed(errors)
    return patch


def _parse_patch(body: Mapping[str, Any], errors: list[FieldError]) -> CheckRunPatch:
    output, annotations = _parse_output(body.get("output"), errors)
    return CheckRunPatch(
        name=_string(body, "name", errors),
        status=_choice(body, "status", STATUSES, errors),
        conclusion=_choice(body, "conclusion", CONCLUSIONS, errors),
        external_id=_string(body, "external_id", errors),
        details_url=_string(body, "details_url", errors),
        started_at=_timestamp(body, "started_at", errors),
        completed_at=_timestamp(body, "completed_at", errors),
        output=output,
        annotations=annotations,
    )


def _check_completion(
    status: str | None, conclusion: str | None, completed_at: float | None, errors: list[FieldError]
) -> None:
    """GitHub requires a conclusion whenever a run is marked completed."""
    if (status == "completed" or completed_at is not None) and conclusion is None:
        errors.append(field_error(RESOURCE, "conclusion", "missing_field"))


def _string(body: Mapping[str, Any], key: str, errors: list[FieldError]) -> str | None:
    value = body.get(key)
    if value is None or isinstance(value, str):
        return value
    errors.append(field_error(RESOURCE, key, "invalid"))
    return None


def _choice(
    body: Mapping[str, Any], key: str, allowed: Collection[str], errors: list[FieldError]
) -> str | None:
    value = _string(body, key, errors)
    if value is None or value in allowed:
        return value
    errors.append(field_error(RESOURCE, key, "invalid"))
    return None


def _timestamp(body: Mapping[str, Any], key: str, errors: list[FieldError]) -> float | None:
    value = _string(body, key, errors)
    if value is None:
        return None
    parsed = parse_iso8601(value)
    if parsed is None:
        errors.append(field_error(RESOURCE, key, "invalid"))
    return parsed


def _parse_output(
    raw: object, errors: list[FieldError]
) -> tuple[dict[str, str | None] | None, tuple[dict[str, Any], ...]]:
    if raw is None:
        return None, ()
    if not isinstance(raw, dict):
        errors.append(field_error(RESOURCE, "output", "invalid"))
        return None, ()
    errors.extend(
        field_error(RESOURCE, f"output.{key}", "missing_field")
        for key in ("title", "summary")
        if raw.get(key) is None
    )
    output = {key: _string(raw, key, errors) for key in ("title", "summary", "text") if key in raw}
    return output, parse_annotations(raw.get("annotations"), errors)
