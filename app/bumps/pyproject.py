"""The `pyproject.toml` editor: PEP 621 and PEP 735 lists of PEP 508 strings, and Poetry tables.

Read and written with tomlkit, so comments, spacing, quote styles, trailing commas, inline tables
and line ends stay as they were; only the strings that change are rewritten (in their own quote
style). The places searched:

- `[project] dependencies` and every `[project.optional-dependencies]` list, and every
  `[dependency-groups]` list (`{include-group = …}` entries are skipped): each entry is moved by
  `app.bumps.pep508`; a requirement from a URL is refused.
- `[tool.poetry.dependencies]`, `[tool.poetry.dev-dependencies]` and
  `[tool.poetry.group.<name>.dependencies]`: a string constraint, or the `version` key of a table,
  is moved by `app.bumps.poetry_constraints`; a path, git or URL dependency, and a list of
  constraints (one per Python or platform), are refused.

A structure that is not what the standards say (a dependency list that is not an array of
strings, a Poetry dependency that is neither a string nor a table with a version) is a
ManifestError naming its place."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import tomlkit
from packaging.utils import canonicalize_name
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import String

from app.bumps.model import Bump, ManifestError, Outcome
from app.bumps.occurrences import Occurrence, combine
from app.bumps.pep508 import bump_requirement
from app.bumps.poetry_constraints import bump_poetry_constraint

_SOURCES = ("path", "git", "url")


def bump_pyproject(text: str, package: str, version: str) -> Bump:
    """The pyproject.toml moved onto `version` of `package`."""
    document = _parse(text)
    found = _bump_document(document, package, version)
    new_text = tomlkit.dumps(document)
    bump = combine(text, new_text, found)
    if bump.outcome is Outcome.UPDATED:
        _confirm(new_text, package, version)
    return bump


def _parse(text: str) -> MutableMapping[str, Any]:
    try:
        return tomlkit.parse(text)
    except ParseError as error:
        raise ManifestError(f"line {error.line}: invalid TOML: {error}") from error
    except TOMLKitError as error:
        raise ManifestError(f"invalid TOML: {error}") from error


def _bump_document(
    document: MutableMapping[str, Any], package: str, version: str
) -> list[Occurrence]:
    found: list[Occurrence] = []
    for where, entries in _pep508_lists(document):
        found += _bump_pep508_list(where, entries, package, version)
    for where, table in _poetry_tables(document):
        found += _bump_poetry_table(where, table, package, version)
    return found


def _pep508_lists(document: MutableMapping[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    project = _table(document, "project", "project")
    if "dependencies" in project:
        yield "project.dependencies", _array(project["dependencies"], "project.dependencies")
    extras = _table(project, "optional-dependencies", "project.optional-dependencies")
    for name, entries in extras.items():
        where = f"project.optional-dependencies.{name}"
        yield where, _array(entries, where)
    for name, entries in _table(document, "dependency-groups", "dependency-groups").items():
        yield f"dependency-groups.{name}", _array(entries, f"dependency-groups.{name}")


def _poetry_tables(
    document: MutableMapping[str, Any],
) -> Iterator[tuple[str, MutableMapping[str, Any]]]:
    poetry = _table(_table(document, "tool", "tool"), "poetry", "tool.poetry")
    for key in ("dependencies", "dev-dependencies"):
        yield f"tool.poetry.{key}", _table(poetry, key, f"tool.poetry.{key}")
    for name, group in _table(poetry, "group", "tool.poetry.group").items():
        where = f"tool.poetry.group.{name}"
        yield f"{where}.dependencies", _table(_table_value(group, where), "dependencies", where)


def _bump_pep508_list(
    where: str, entries: list[Any], package: str, version: str
) -> list[Occurrence]:
    found: list[Occurrence] = []
    for index, entry in enumerate(entries):
        place = f"{where}[{index}]"
        if where.startswith("dependency-groups.") and isinstance(entry, MutableMapping):
            continue
        if not isinstance(entry, str):
            raise ManifestError(f"{place} is not a string: {entry!r}")
        try:
            bumped = bump_requirement(str(entry), package, version)
        except ManifestError as error:
            raise ManifestError(f"{place}: {error}") from error
        if bumped is None:
            continue
        occurrence, new = bumped
        if occurrence.outcome is Outcome.UPDATED:
            entries[index] = _string_like(entry, new)
        found.append(occurrence)
    return found


def _bump_poetry_table(
    where: str, table: MutableMapping[str, Any], package: str, version: str
) -> list[Occurrence]:
    found: list[Occurrence] = []
    for key, value in table.items():
        if key == "python" or canonicalize_name(key) != canonicalize_name(package):
            continue
        place = f"{where}.{key}"
        if isinstance(value, str):
            found.append(_bump_poetry_value(table, key, version))
        elif isinstance(value, list):
            constraints = f"{place} lists several constraints"
            note = f"{constraints}; paasbot will not pick one"
            found.append(Occurrence(Outcome.REFUSED, constraints, constraints, note))
        elif isinstance(value, MutableMapping):
            found.append(_bump_poetry_inline(place, value, version))
        else:
            raise ManifestError(f"{place} is neither a version constraint nor a table: {value!r}")
    return found


def _bump_poetry_inline(place: str, value: MutableMapping[str, Any], version: str) -> Occurrence:
    source = next((key for key in _SOURCES if key in value), None)
    if source is not None:
        written = f"{source} = {value[source]}"
        note = f"{place} comes from {written}, not from a package index"
        return Occurrence(Outcome.REFUSED, written, written, note)
    if not isinstance(value.get("version"), str):
        raise ManifestError(f"{place} has no version string")
    return _bump_poetry_value(value, "version", version)


def _bump_poetry_value(table: MutableMapping[str, Any], key: str, version: str) -> Occurrence:
    written = table[key]
    bumped = bump_poetry_constraint(str(written), version)
    if bumped.outcome is Outcome.UPDATED:
        table[key] = _string_like(written, bumped.spec)
    return Occurrence(bumped.outcome, str(written).strip(), bumped.spec.strip(), bumped.note)


def _string_like(old: str, new: str) -> String:
    """`new` written in the old string's quote style, keeping its comment and spacing."""
    if not isinstance(old, String):
        return String.from_raw(new)
    fresh = String.from_raw(new, type_=old.type)
    fresh.trivia.indent, fresh.trivia.comment_ws = old.trivia.indent, old.trivia.comment_ws
    fresh.trivia.comment, fresh.trivia.trail = old.trivia.comment, old.trivia.trail
    return fresh


def _table(parent: MutableMapping[str, Any], key: str, where: str) -> MutableMapping[str, Any]:
    return _table_value(parent.get(key, {}), where)


def _table_value(value: object, where: str) -> MutableMapping[str, Any]:
    if not isinstance(value, MutableMapping):
        raise ManifestError(f"{where} is not a table")
    return value


def _array(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ManifestError(f"{where} is not an array")
    return value


def _confirm(new_text: str, package: str, version: str) -> None:
    for occurrence in _bump_document(_parse(new_text), package, version):
        if occurrence.outcome is not Outcome.ALREADY:
            raise ManifestError(
                f"after the edit {package} still does not allow {version} ({occurrence.after})"
            )
