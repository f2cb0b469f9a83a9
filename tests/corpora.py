"""Access to ../shared/corpora (real GitHub payloads): read in place, skipped where absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
WEBHOOK_EXAMPLES = CORPORA / "github-webhooks" / "payload-examples"
WEBHOOK_SCHEMAS = CORPORA / "github-webhooks" / "payload-schemas" / "api.github.com"
OPENAPI_DESCRIPTION = CORPORA / "github-openapi" / "ghes-3.19.json"


def require_corpora() -> None:
    if not WEBHOOK_EXAMPLES.is_dir():
        pytest.skip(f"the shared corpora are absent ({CORPORA}); CI has them")


def webhook_example(event: str, name: str, host: str = "api.github.com") -> dict[str, Any]:
    require_corpora()
    folder = WEBHOOK_EXAMPLES / host / event
    for candidate in (f"{name}.payload.json", f"{name}.json"):
        if (folder / candidate).is_file():
            return json.loads((folder / candidate).read_text())
    raise FileNotFoundError(f"no example {name!r} in {folder}")


def all_webhook_examples() -> list[tuple[str, str, Path]]:
    """(event, file name, path) of every example, github.com and GHES."""
    if not WEBHOOK_EXAMPLES.is_dir():
        return []
    return [
        (path.parent.name, f"{path.parent.parent.name}/{path.name}", path)
        for path in sorted(WEBHOOK_EXAMPLES.glob("*/*/*.json"))
    ]


def webhook_schemas() -> dict[str, dict[str, Any]]:
    """Every github.com webhook payload schema (draft-07), keyed by its `$id`: `push$event`,
    `pull_request$opened`, `common/user.schema.json`..."""
    require_corpora()
    schemas = [json.loads(path.read_text()) for path in sorted(WEBHOOK_SCHEMAS.rglob("*.json"))]
    return {schema["$id"]: schema for schema in schemas}
