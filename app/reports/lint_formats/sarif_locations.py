"""Where a SARIF result is: its artifact's URI resolved to a path, and its region's span.

An artifactLocation names its file by `uri`, relative to the base `uriBaseId` names in
`run.originalUriBaseIds` (a base may itself be relative to another base), or by `index` into
`run.artifacts`. A base the run does not define leaves the URI relative: it is a path from the
repository's root as far as the report says. file: URIs become paths (percent-decoded, Windows
drive letters kept, `file://host/share` a UNC path); URIs of other schemes are kept as they are.

Regions count lines and columns from 1; endColumn points just past the last character, and an
absent startColumn means the whole line. A region given only by offsets (charOffset,
byteOffset) has no line: the finding is about the whole file."""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

from app.reports.lint_formats._common import (
    WHOLE_FILE,
    JsonObject,
    Span,
    as_object,
    get_int,
    get_object,
    get_str,
    shorten,
    span,
)
from app.reports.lint_model import ReportError

MAX_BASE_DEPTH = 16  # uriBaseIds defined through one another


def artifact_path(location: JsonObject, run: JsonObject, where: str) -> str | None:
    """The path of an artifactLocation object, or None when it names none."""
    uri = get_str(location, "uri", where)
    if uri is None:
        location = _indexed_artifact(location, run, where)
        uri = get_str(location, "uri", where)
    if not uri:
        return None
    bases = get_object(run, "originalUriBaseIds", "run")
    return _to_path(_resolve(uri, get_str(location, "uriBaseId", where), bases, where))


def _indexed_artifact(location: JsonObject, run: JsonObject, where: str) -> JsonObject:
    """The location of the run.artifacts entry `location.index` points at ({} when none)."""
    index = get_int(location, "index", where)
    artifacts = run.get("artifacts")
    if index is None or index < 0 or not isinstance(artifacts, list) or index >= len(artifacts):
        return {}
    artifact = as_object(artifacts[index], f"run.artifacts[{index}]")
    return get_object(artifact, "location", f"run.artifacts[{index}]")


def _resolve(uri: str, base_id: str | None, bases: JsonObject, where: str) -> str:
    """`uri` made absolute against the chain of bases that `base_id` starts."""
    for _ in range(MAX_BASE_DEPTH):
        if base_id is None or _scheme(uri) or base_id not in bases:
            return uri
        base = as_object(bases[base_id], f"run.originalUriBaseIds[{base_id!r}]")
        base_uri = get_str(base, "uri", f"run.originalUriBaseIds[{base_id!r}]")
        if not base_uri:
            return uri
        uri = urljoin(base_uri if base_uri.endswith("/") else base_uri + "/", uri)
        base_id = get_str(base, "uriBaseId", f"run.originalUriBaseIds[{base_id!r}]")
    raise ReportError(
        f"{where}: uriBaseId {shorten(base_id or '')!r} is defined through more than"
        f" {MAX_BASE_DEPTH} other bases (a loop?)"
    )


def _scheme(uri: str) -> str:
    """The URI's scheme; a single letter is a Windows drive, not a scheme."""
    scheme = urlsplit(uri).scheme
    return scheme if len(scheme) > 1 else ""


def _to_path(uri: str) -> str:
    scheme = _scheme(uri)
    if scheme not in ("", "file"):
        return uri
    if not scheme:
        return unquote(uri)
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost":
        return f"//{parts.netloc}{path}"
    if len(path) > 2 and path[0] == "/" and path[2] == ":" and path[1].isalpha():
        return path[1:]  # file:///C:/src/a.c
    return path


def region_span(physical: JsonObject, where: str) -> Span:
    """The span of a physicalLocation's region; the whole file when it has none."""
    region = get_object(physical, "region", where)
    where = f"{where}.region"
    start = get_int(region, "startLine", where)
    if start is None:
        return WHOLE_FILE
    return span(
        start,
        get_int(region, "startColumn", where),
        get_int(region, "endLine", where),
        get_int(region, "endColumn", where),
    )
