"""JSON of check-run annotations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from app.sandbox.context import Urls
from app.sandbox.models import CheckRun
from app.sandbox.serializers import Json


def annotation_json(urls: Urls, run: CheckRun, annotation: Mapping[str, Any]) -> Json:
    """An annotation as ``GET .../check-runs/{id}/annotations`` lists it: what was sent, the
    keys left out as null, and a link to the file at the run's head commit."""
    path = str(annotation.get("path", ""))
    blob = f"/{run.repo_full_name}/blob/{run.head_sha}/{quote(path)}"
    return {
        "path": path,
        "start_line": annotation.get("start_line"),
        "end_line": annotation.get("end_line"),
        "start_column": annotation.get("start_column"),
        "end_column": annotation.get("end_column"),
        "annotation_level": annotation.get("annotation_level"),
        "title": annotation.get("title"),
        "message": annotation.get("message"),
        "raw_details": annotation.get("raw_details"),
        "blob_href": urls.html(blob),
    }
