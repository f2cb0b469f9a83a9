"""Poetry's version constraints (`^1.3`, `~1.3`, `1.3.0`, `*`, `>=1.2,<2`) moved onto a new version.

Caret and tilde are translated to PEP 440 ranges to judge them: `^1.3` is `>=1.3,<2.0`
(the first non-zero component may not grow: `^0.3` is `>=0.3,<0.4`, `^0.0` is `>=0.0,<0.1`),
`~1.3` and `~1.3.2` are `>=1.3,<1.4` and `>=1.3.2,<1.4`, `~1` is `>=1,<2`. When the range
excludes the new version, the constraint is rewritten at the same number of components
(`^1.3` with 2.0.0 becomes `^2.0`, `^1.3.2` with 2.1.0 becomes `^2.1.0`, `~1.3` with 1.4.0 becomes
`~1.4`). A bare version (`1.3.0`, `=1.3.0`, `1.3.*`) is an exact pin and moves like `==`; PEP 440
operators go through `app.bumps.pep440`. Downgrades, pre-releases nobody asked for, several
ranges (`||`) and syntax paasbot does not know are refused."""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

from app.bumps.model import ManifestError, Outcome
from app.bumps.pep440 import SpecifierBump, allows, at_precision, bump_specifier, parse_version

_SIMPLE = re.compile(r"^(\s*)(\^|~(?!=)|==|=)?(\s*)(\d[0-9A-Za-z.+!*-]*)(\s*)$")


def poetry_allows(constraint: str, version: str) -> bool:
    """Whether the constraint allows the version, pre-releases counted as allowed."""
    return allows(to_pep440(constraint), parse_version(version))


def to_pep440(constraint: str) -> str:
    """The constraint as a PEP 440 specifier (raises ManifestError when it is none)."""
    stripped = constraint.strip()
    if stripped in {"", "*"}:
        return ""
    simple = _SIMPLE.match(constraint)
    if simple is None:
        return stripped
    operator, written = simple.group(2) or "", simple.group(4)
    if operator in {"", "=", "=="}:
        return f"=={written}"
    bound = _version(written)
    return f">={written},<{_upper(operator, bound.release)}"


def bump_poetry_constraint(constraint: str, version: str) -> SpecifierBump:
    """The constraint moved onto `version`, in its own style."""
    target = parse_version(version)
    if "|" in constraint:
        note = f"{constraint.strip()} lists several ranges; paasbot will not pick one"
        return SpecifierBump(Outcome.REFUSED, constraint, note)
    try:
        pep440 = to_pep440(constraint)
        if allows(pep440, target):
            note = (
                "any version is allowed" if not pep440 else f"{constraint.strip()} allows {target}"
            )
            return SpecifierBump(Outcome.ALREADY, constraint, note)
    except (ManifestError, ValueError):
        note = f"paasbot does not understand the Poetry constraint {constraint.strip()!r}"
        return SpecifierBump(Outcome.REFUSED, constraint, note)
    simple = _SIMPLE.match(constraint)
    if simple is None:
        return bump_specifier(constraint, version)
    lead, operator, gap, written, trail = simple.groups()
    if operator in {"^", "~"}:
        return _bump_range(constraint, (lead, operator, gap, written, trail), target)
    bumped = bump_specifier(f"=={written}", version)
    new = f"{lead}{operator or ''}{gap}{bumped.spec.removeprefix('==')}{trail}"
    return bumped._replace(spec=new if bumped.outcome is Outcome.UPDATED else constraint)


def _bump_range(constraint: str, parts: tuple[str, ...], target: Version) -> SpecifierBump:
    lead, operator, gap, written, trail = parts
    bound = _version(written)
    if target < bound:
        note = f"{target} is older than {constraint.strip()}; paasbot does not downgrade"
        return SpecifierBump(Outcome.REFUSED, constraint, note)
    if target.is_prerelease and not bound.is_prerelease:
        note = f"{target} is a pre-release and {constraint.strip()} does not opt into pre-releases"
        return SpecifierBump(Outcome.REFUSED, constraint, note)
    new = f"{lead}{operator}{gap}{at_precision(target, len(bound.release), suffix=True)}{trail}"
    if not allows(to_pep440(new), target):
        note = f"{constraint.strip()} cannot be moved to allow {target} in its own style"
        return SpecifierBump(Outcome.REFUSED, constraint, note)
    return SpecifierBump(Outcome.UPDATED, new)


def _upper(operator: str, release: tuple[int, ...]) -> str:
    if operator == "~":
        grows = 0 if len(release) == 1 else 1
    else:
        grows = next((i for i, part in enumerate(release) if part), len(release) - 1)
    upper = (*release[:grows], release[grows] + 1)
    return ".".join(str(part) for part in upper)


def _version(written: str) -> Version:
    try:
        return Version(written)
    except InvalidVersion as error:
        raise ManifestError(f"{written!r} is not a version") from error
