"""package.json: the version ranges of `dependencies`, `devDependencies`, `peerDependencies` and
`optionalDependencies`, edited in place (only the range string's characters change).

A `^`/`~`/exact range is rewritten with the same operator and the new version as its floor, even
when `^1.3.0` already allows 1.4.0: npm users expect a bump PR to raise the floor (Dependabot
does). Any other range (`>=1.2.0`, `1.x`, `*`, a dist-tag) is left alone when it allows the new
version and refused when it does not; git, file, link, workspace and alias specs are refused."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]

import nodesemver

from app.bumps.model import Bump, ManifestError, Outcome

SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
SIMPLE_RANGE = re.compile(r"(?P<op>\^|~|=|v|)(?P<version>\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)")
FOREIGN_SPEC = re.compile(r"^(?:[a-z+]+:|\.{0,2}/|~/|[\w.-]+/[\w.-]+(?:#.*)?$)")
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True)
class Spec:
    section: str
    value: str
    start: int  # of the JSON string token, quotes included
    end: int


def bump_package_json(text: str, package: str, version: str) -> Bump:
    parsed = nodesemver.valid(version, False)
    if parsed is None:
        return Bump(Outcome.REFUSED, text, note=f"{version} is not a semver version")
    target = str(parsed)
    specs = list(find_specs(text, package))
    if not specs:
        return Bump(Outcome.NOT_USED, text)
    before = tuple(spec.value for spec in specs)
    verdicts = [judge(spec.value, target) for spec in specs]
    refusals = [note for outcome, _, note in verdicts if outcome is Outcome.REFUSED]
    if refusals:
        return Bump(Outcome.REFUSED, text, before, before, note=refusals[0])
    edits = [(spec, new) for spec, (outcome, new, _) in zip(specs, verdicts, strict=True) if new]
    if not edits:
        notes = [note for _, _, note in verdicts]
        return Bump(Outcome.ALREADY, text, before, before, note=notes[0])
    new_text = apply_edits(text, edits)
    after = tuple(new or spec.value for spec, (_, new, _) in zip(specs, verdicts, strict=True))
    verify(new_text, package, edits)
    return Bump(Outcome.UPDATED, new_text, before, after)


def judge(spec: str, target: str) -> tuple[Outcome, str, str]:
    """What to do with one range: (outcome, the new range or "", a note)."""
    spec = spec.strip()
    if FOREIGN_SPEC.match(spec):
        return Outcome.REFUSED, "", f"`{spec}` is not a registry version range; edit it by hand"
    simple = SIMPLE_RANGE.fullmatch(spec)
    if simple:
        if nodesemver.valid(simple["version"], False) is None:  # `1.3.0-`, `01.2.3`
            return Outcome.REFUSED, "", f"`{spec}` is not a valid semver version; edit it by hand"
        if nodesemver.gte(simple["version"], target, False):
            return Outcome.ALREADY, "", f"`{spec}` already requires {target} or newer"
        return Outcome.UPDATED, simple["op"] + target, ""
    if spec in ("", "*", "latest", "x") or re.fullmatch(r"[A-Za-z][\w.-]*", spec):
        return Outcome.ALREADY, "", f"`{spec or '*'}` follows the newest release"
    try:
        allowed = nodesemver.satisfies(target, spec, False)
    except (ValueError, TypeError):
        allowed = False
    if allowed:
        return Outcome.ALREADY, "", f"`{spec}` already allows {target}"
    return Outcome.REFUSED, "", f"`{spec}` does not allow {target}; edit the range by hand"


def apply_edits(text: str, edits: list[tuple[Spec, str]]) -> str:
    parts: list[str] = []
    cursor = 0
    for spec, new in sorted(edits, key=lambda edit: edit[0].start):
        parts.extend((text[cursor : spec.start], json.dumps(new)))
        cursor = spec.end
    parts.append(text[cursor:])
    return "".join(parts)


def verify(text: str, package: str, edits: list[tuple[Spec, str]]) -> None:
    data = load(text)
    for spec, new in edits:
        if data.get(spec.section, {}).get(package) != new:
            raise ManifestError(
                f"the edit of {package} in {spec.section} did not survive re-parsing"
            )


def load(text: str) -> dict[str, object]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(f"package.json line {error.lineno}: {error.msg}") from None
    except RecursionError:
        raise ManifestError("package.json is nested too deeply") from None
    if not isinstance(data, dict):
        raise ManifestError("package.json is not a JSON object")
    return data


def find_specs(text: str, package: str) -> Iterator[Spec]:
    """The string ranges of `package` in the dependency sections, with their positions, in the
    order they are written. Of a key written twice only the last counts, as for npm's
    JSON.parse: editing the other would change nothing, and it may not even be an object."""
    load(text)
    found: list[Spec] = []
    for key, start in last_members(text, skip_ws(text, 0)).items():
        if key in SECTIONS and text[start] == "{":
            value_start = last_members(text, start).get(package)
            if value_start is not None and text[value_start] == '"':
                value, end = scanstring(text, value_start + 1)
                found.append(Spec(key, value, value_start, end))
    yield from sorted(found, key=lambda spec: spec.start)


def last_members(text: str, start: int) -> dict[str, int]:
    return dict(object_members(text, start))


def object_members(text: str, start: int) -> Iterator[tuple[str, int]]:
    """(key, start of its value) for each member of the JSON object at `start` (already valid)."""
    decoder = json.JSONDecoder()
    index = skip_ws(text, start + 1)
    while text[index] != "}":
        key, index = scanstring(text, index + 1)
        index = skip_ws(text, skip_ws(text, index) + 1)  # past the colon
        yield key, index
        _, index = decoder.raw_decode(text, index)
        index = skip_ws(text, index)
        if text[index] == ",":
            index = skip_ws(text, index + 1)


def skip_ws(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index
