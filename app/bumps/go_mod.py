"""go.mod: the version of a `require` line (single or in a block), edited in place so `// indirect`
and every other comment stay.

Only versions of the same major are written: from v2 on the major is part of the module path
(`example.com/mod/v2`, `gopkg.in/yaml.v3`), so a new major means new imports and is refused. A
`replace` of the module decides its version elsewhere, so that is refused too. `go.sum` needs a
refresh after an edit (see `lockfiles`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import nodesemver

from app.bumps.model import Bump, ManifestError, Outcome

TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+')
MAJOR_SUFFIX = re.compile(r"(?:/v(\d+)|\.v(\d+))$")
SEMVER = re.compile(r"v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


@dataclass(frozen=True)
class Token:
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Directive:
    verb: str  # require, replace, module, ...
    args: tuple[Token, ...]
    line: int


def bump_go_mod(text: str, module: str, version: str) -> Bump:
    target = version if version.startswith("v") else f"v{version}"
    if not SEMVER.fullmatch(target):
        return Bump(Outcome.REFUSED, text, note=f"{version} is not a Go module version")
    directives = parse(text)
    requires = [
        d.args[1] for d in directives if d.verb == "require" and unquote(d.args[0]) == module
    ]
    if not requires:
        return Bump(Outcome.NOT_USED, text)
    before = tuple(token.value for token in requires)
    replaced = replacement(directives, module)
    if replaced:
        note = f"go.mod replaces {module} with {replaced}; the replacement decides the version"
        return Bump(Outcome.REFUSED, text, before, before, note=note)
    incompatible = all(token.value.endswith("+incompatible") for token in requires)
    if incompatible:
        # A pre-modules repository at v2+: no path suffix, the major lives in the version only.
        target = target if target.endswith("+incompatible") else f"{target}+incompatible"
        wanted = major(requires[0].value)
    else:
        wanted = module_major(module)
    if max(major(target), 1) != wanted:
        note = (
            f"a new major version changes the module path ({new_path(module, major(target))}); "
            "update imports by hand"
        )
        return Bump(Outcome.REFUSED, text, before, before, note=note)
    stale = [token for token in requires if nodesemver.lt(token.value, target, False)]
    if not stale:
        note = f"go.mod already requires {before[0]}"
        return Bump(Outcome.ALREADY, text, before, before, note=note)
    new_text = replace_tokens(text, stale, target)
    verify(new_text, module, target)
    after = tuple(target if token in stale else token.value for token in requires)
    return Bump(Outcome.UPDATED, new_text, before, after)


def replacement(directives: list[Directive], module: str) -> str:
    for directive in directives:
        if directive.verb == "replace" and unquote(directive.args[0]) == module:
            arrow = [token.value for token in directive.args].index("=>")
            return " ".join(token.value for token in directive.args[arrow + 1 :])
    return ""


def major(version: str) -> int:
    return int(version[1:].split(".", 1)[0])


def module_major(module: str) -> int:
    """The major a module path can require: 1 (or 0) without a suffix, N for `/vN` or `.vN`."""
    suffix = MAJOR_SUFFIX.search(module)
    if suffix is None:
        return 1
    return int(suffix[1] or suffix[2])


def new_path(module: str, new_major: int) -> str:
    suffix = MAJOR_SUFFIX.search(module)
    if suffix is not None and suffix[2]:
        return f"{module[: suffix.start()]}.v{new_major}"
    base = module if suffix is None else module[: suffix.start()]
    return base if new_major <= 1 else f"{base}/v{new_major}"


def replace_tokens(text: str, tokens: list[Token], new: str) -> str:
    parts: list[str] = []
    cursor = 0
    for token in sorted(tokens, key=lambda token: token.start):
        parts.extend((text[cursor : token.start], new))
        cursor = token.end
    parts.append(text[cursor:])
    return "".join(parts)


def verify(text: str, module: str, target: str) -> None:
    for directive in parse(text):
        required = directive.verb == "require" and unquote(directive.args[0]) == module
        if required and nodesemver.lt(directive.args[1].value, target, False):
            raise ManifestError(f"go.mod line {directive.line}: the edit did not survive")


def unquote(token: Token) -> str:
    return token.value.strip('"`')


def parse(text: str) -> list[Directive]:
    """The directives of go.mod, block members expanded (`require (` … `)`), with positions."""
    directives: list[Directive] = []
    block = ""
    for number, start, line in lines(text):
        tokens = list(tokenize(line, start))
        if not tokens:
            continue
        words = [token.value for token in tokens]
        if block:
            if words == [")"]:
                block = ""
                continue
            directives.append(checked(Directive(block, tuple(tokens), number)))
        elif words[-1] == "(" and len(words) == 2:
            block = words[0]
        else:
            directives.append(checked(Directive(words[0], tuple(tokens[1:]), number)))
    if block:
        raise ManifestError(f"go.mod: the {block} block is not closed")
    return directives


def checked(directive: Directive) -> Directive:
    words = [token.value for token in directive.args]
    if not well_formed(directive.verb, words):
        raise ManifestError(f"go.mod line {directive.line}: malformed {directive.verb} directive")
    if directive.verb == "require" and not SEMVER.fullmatch(words[1]):
        raise ManifestError(f"go.mod line {directive.line}: {words[1]} is not a version")
    return directive


def well_formed(verb: str, words: list[str]) -> bool:
    if verb == "require":
        return len(words) == 2
    if verb == "replace":
        arrow = words.index("=>") if "=>" in words else -1
        return arrow in (1, 2) and len(words) - arrow - 1 in (1, 2)
    return bool(words)


def lines(text: str) -> Iterator[tuple[int, int, str]]:
    start = 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        yield number, start, line
        start += len(line)


def tokenize(line: str, offset: int) -> Iterator[Token]:
    for match in TOKEN.finditer(line):
        if match[0].startswith("//"):
            return
        yield Token(match[0], offset + match.start(), offset + match.end())
