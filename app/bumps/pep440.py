"""Moving a PEP 440 version specifier (`==1.3.0`, `~=1.3`, `>=1.2,<1.4`) onto a new version.

Only the clauses that exclude the new version change, each in its own style:

- `==1.3.0` becomes `==1.4.0`; a wildcard keeps its precision (`==1.3.*` becomes `==1.4.*`).
- `~=1.3.0` becomes `~=1.4.0`, keeping the number of components (`~=1.3` already allows 1.4.0).
- `<1.4` becomes the next value above the new version at the same precision (`<1.5` for
  1.4.0, `<3` for `<2` and 2.3.0); `<=1.4` becomes `<=1.5`, or the version itself when that
  precision cannot reach it.
- `!=1.4.0`, a lower bound above the new version (a downgrade) and `===` are refused.

A pre-release target (`2.0.0rc1`) is judged with pre-releases allowed (PEP 440's explicit
opt-in, `contains(v, prereleases=True)`), but when the specifier excludes it, paasbot moves it
only if the specifier already names a pre-release: moving a stable constraint onto a pre-release
is a person's choice."""

from __future__ import annotations

import re
from typing import NamedTuple

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from app.bumps.model import ManifestError, Outcome

_CLAUSE = re.compile(r"^(\s*)(~=|===|==|!=|<=|>=|<|>)(\s*)(\S+?)(\s*)$")


class SpecifierBump(NamedTuple):
    outcome: Outcome
    spec: str  # the specifier after the edit, unchanged unless UPDATED
    note: str = ""


def parse_version(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion as error:
        raise ValueError(f"{version!r} is not a PEP 440 version") from error


def allows(spec: str, version: Version) -> bool:
    """Whether the specifier allows the version, pre-releases counted as allowed."""
    return SpecifierSet(spec).contains(version, prereleases=True)


def bump_specifier(spec: str, version: str) -> SpecifierBump:
    """The specifier moved onto `version` (raises ManifestError when `spec` is not PEP 440)."""
    target = parse_version(version)
    try:
        specifiers = SpecifierSet(spec)
    except InvalidSpecifier as error:
        raise ManifestError(f"{spec.strip()!r} is not a PEP 440 version specifier") from error
    if specifiers.contains(target, prereleases=True):
        note = "any version is allowed" if not spec.strip() else f"{spec.strip()} allows {target}"
        return SpecifierBump(Outcome.ALREADY, spec, note)
    if target.is_prerelease and not any(_names_prerelease(s) for s in specifiers):
        note = f"{target} is a pre-release and {spec.strip()} does not opt into pre-releases"
        return SpecifierBump(Outcome.REFUSED, spec, note)
    clauses = spec.split(",")
    edited: list[str] = []
    for clause in clauses:
        outcome, text, note = _bump_clause(clause, version, target)
        if outcome is Outcome.REFUSED:
            return SpecifierBump(Outcome.REFUSED, spec, note)
        edited.append(text)
    new_spec = ",".join(edited)
    if not allows(new_spec, target):
        note = f"{spec.strip()} cannot be widened to allow {target} in its own style"
        return SpecifierBump(Outcome.REFUSED, spec, note)
    return SpecifierBump(Outcome.UPDATED, new_spec)


def _bump_clause(clause: str, version: str, target: Version) -> SpecifierBump:
    if not clause.strip():
        return SpecifierBump(Outcome.ALREADY, clause)
    found = _CLAUSE.match(clause)
    if found is None:
        raise ManifestError(f"{clause.strip()!r} is not a PEP 440 version specifier")
    lead, operator, gap, written, trail = found.groups()
    if Specifier(operator + written).contains(target, prereleases=True):
        return SpecifierBump(Outcome.ALREADY, clause)
    new = _moved(operator, written, version, target)
    if isinstance(new, SpecifierBump):
        return new
    return SpecifierBump(Outcome.UPDATED, f"{lead}{operator}{gap}{new}{trail}")


def _moved(operator: str, written: str, version: str, target: Version) -> str | SpecifierBump:
    if operator == "===":
        note = f"{operator}{written} is an arbitrary string match; paasbot will not rewrite it"
        return SpecifierBump(Outcome.REFUSED, "", note)
    if operator == "!=":
        note = f"{operator}{written} excludes {target} explicitly"
        return SpecifierBump(Outcome.REFUSED, "", note)
    wildcard = written.endswith(".*")
    bound = Version(written.removesuffix(".*"))
    precision = len(bound.release)
    if operator in {">", ">=", "==", "~="} and target < bound:
        note = f"{target} is older than {operator}{written}; paasbot does not downgrade"
        return SpecifierBump(Outcome.REFUSED, "", note)
    if operator in {">", ">="}:
        note = f"{operator}{written} excludes {target}"
        return SpecifierBump(Outcome.REFUSED, "", note)
    if operator == "==":
        return at_precision(target, precision, suffix=False) + ".*" if wildcard else version
    if operator == "~=":
        return at_precision(target, precision, suffix=True)
    if operator == "<":
        return next_at_precision(target, precision)
    reachable = at_precision(target, precision, suffix=True)
    return reachable if Version(reachable) >= target else version


def _names_prerelease(specifier: Specifier) -> bool:
    try:
        return Version(specifier.version.removesuffix(".*")).is_prerelease
    except InvalidVersion:
        return False


def at_precision(version: Version, precision: int, *, suffix: bool) -> str:
    """The version's release cut or padded to `precision` components (`2` at 3 is `2.0.0`),
    keeping a pre/dev suffix when `suffix` and nothing but zeros was cut."""
    release = (*version.release, *(0,) * precision)[:precision]
    text = ".".join(str(part) for part in release)
    if suffix and not any(version.release[precision:]):
        text += _suffix(version)
    return text


def next_at_precision(version: Version, precision: int) -> str:
    """The smallest value at `precision` components above the version (`1.4.0` at 2 is `1.5`)."""
    release = list((*version.release, *(0,) * precision)[:precision])
    release[-1] += 1
    return ".".join(str(part) for part in release)


def _suffix(version: Version) -> str:
    text = ""
    if version.pre is not None:
        text += f"{version.pre[0]}{version.pre[1]}"
    if version.post is not None:
        text += f".post{version.post}"
    if version.dev is not None:
        text += f".dev{version.dev}"
    return text
