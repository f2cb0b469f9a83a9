"""CODEOWNERS with GitHub's semantics: parse the file, then find the owners of a path. Pure.

GitHub's rules, as its "About code owners" page documents them:

- Each line is a pattern followed by owners: `@user`, `@org/team` or an e-mail address. A line
  with a pattern and no owners is valid: where it is the last match, the path has no owner.
- The last matching line wins.
- `#` starts a comment: a whole line, or from a `#` after whitespace to the end of the line.
- Patterns follow gitignore, except three gitignore features GitHub does not support: `!`
  negation, `[ ]` character ranges, and `\\#` to escape a leading `#`. A line that uses one is
  skipped and reported, as are lines with an owner that is none of the three kinds, like GitHub's
  own CODEOWNERS errors (GitHub skips an invalid line and keeps the rest of the file).
- Paths are case-sensitive.
- A file over 3 MB is ignored as a whole.

Matching a pattern, gitignore's way: `*` and `?` never match `/`; a `**` segment matches any
number of directories; a leading `/` anchors the pattern at the root, as does a `/` in the middle;
a pattern with no `/` but a trailing one matches at any depth; a trailing `/` names a directory
(everything under it); a pattern that names a directory also matches everything under it
(`docs` owns `docs/a.md`). One GitHub exception: a last segment that is a lone `*` matches only
the files directly there (`docs/*` owns `docs/a.md`, not `docs/sub/b.md`).

Patterns become RE2 expressions (linear time, so a hostile CODEOWNERS cannot stall a worker) and
are compiled once, when the file is parsed; a path is then looked up against up to `_BLOCK`
rules at a time with one `re2.Set` search.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

import re2

MAX_BYTES = 3 * 1024 * 1024
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

_USER = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_-]*")
_TEAM = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9_-]+")
# No `/` in the local part, so that an owner with a `/` is always a team.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_BLANKS = " \t"
_BLOCK = 256  # rules per re2.Set
_GLOBSTAR = ["*", "*"]
_LITERAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _re2_options(max_mem: int) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = max_mem
    return options


_RULE_OPTIONS = _re2_options(8 << 20)
_SET_OPTIONS = _re2_options(64 << 20)


@dataclass(frozen=True)
class OwnerRule:
    line: int  # 1-based line in the file
    pattern: str  # as written
    owners: tuple[str, ...]  # as written: "@user", "@org/team", "someone@example.com"


@dataclass(frozen=True)
class CodeOwnersProblem:
    line: int  # 1-based; a problem with the whole file (its size) is on line 1
    message: str


def is_user(owner: str) -> bool:
    return _USER.fullmatch(owner) is not None


def is_team(owner: str) -> bool:
    return _TEAM.fullmatch(owner) is not None


def is_email(owner: str) -> bool:
    return _EMAIL.fullmatch(owner) is not None


class _InvalidLine(ValueError):
    pass


def _pattern_regex(pattern: str) -> str:
    """The RE2 expression that fully matches the paths `pattern` owns, or `_InvalidLine`."""
    if pattern.startswith("!"):
        raise _InvalidLine("'!' negation is not supported by GitHub")
    if pattern.startswith("\\#"):
        raise _InvalidLine("escaping a leading '#' with '\\' is not supported by GitHub")
    segments = _segments(pattern)
    anchored = segments[0] == [] and len(segments) > 1
    directory = segments[-1] == [] and len(segments) > 1
    middle = segments[int(anchored) : len(segments) - int(directory)]
    if not middle:
        raise _InvalidLine(f"pattern {pattern!r} matches nothing (did you mean '*'?)")
    if any(segment == [] for segment in middle):
        raise _InvalidLine(f"pattern {pattern!r} has an empty path segment ('//')")
    if not anchored and len(middle) == 1 and not _is_globstar(middle[0]):
        middle = [_GLOBSTAR, *middle]  # no slash but a trailing one: at any depth
    if directory:
        middle = [*middle, _GLOBSTAR]  # a directory: everything under it
    return "(?s)" + _join(_without_repeated_globstars(middle))


def _segments(pattern: str) -> list[list[str]]:
    """Split on unescaped `/`; each segment is a list of pieces: `*`, `?`, or a literal `\\x`."""
    segments: list[list[str]] = [[]]
    escaped = False
    for char in pattern:
        if escaped:
            segments[-1].append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "/":
            segments.append([])
        elif char == "[":
            raise _InvalidLine("'[ ]' character ranges are not supported by GitHub")
        elif char in "*?":
            segments[-1].append(char)
        else:
            segments[-1].append("\\" + char)
    if escaped:
        raise _InvalidLine(f"pattern {pattern!r} ends with a lone '\\'")
    return segments


def _is_globstar(segment: list[str]) -> bool:
    return len(segment) >= 2 and all(piece == "*" for piece in segment)


def _without_repeated_globstars(segments: list[list[str]]) -> list[list[str]]:
    kept: list[list[str]] = []
    for segment in segments:
        if not (kept and _is_globstar(segment) and _is_globstar(kept[-1])):
            kept.append(segment)
    return kept


def _join(segments: list[list[str]]) -> str:
    last = len(segments) - 1
    parts: list[str] = []
    after_segment = False
    for index, segment in enumerate(segments):
        if _is_globstar(segment):
            if index == 0:
                parts.append(".+" if index == last else "(?:.*/)?")
            else:
                parts.append("/.+" if index == last else "/(?:.*/)?")
            after_segment = False
            continue
        if after_segment:
            parts.append("/")
        parts.append(_segment_regex(segment))
        after_segment = True
    final = segments[-1]
    if not _is_globstar(final) and final != ["*"]:
        parts.append("(?:/.*)?")  # a file, or a directory and everything under it
    return "".join(parts)


def _segment_regex(segment: list[str]) -> str:
    if segment == ["*"]:
        return "[^/]+"
    parts: list[str] = []
    for piece in segment:
        if piece == "*":
            if parts[-1:] != ["[^/]*"]:
                parts.append("[^/]*")
        elif piece == "?":
            parts.append("[^/]")
        else:
            parts.append(_literal(piece[1]))
    return "".join(parts)


def _literal(char: str) -> str:
    return char if char in _LITERAL else f"\\x{{{ord(char):X}}}"


class _Block:
    """Up to `_BLOCK` consecutive rules: one re2.Set for speed, the single expressions as a
    fallback for when the set cannot answer (RE2's DFA out of memory, or a path that is not
    UTF-8). Index 0 of the set is a catch-all, so an answer without it means "could not tell"."""

    def __init__(self, first: int, compiled: list[Any], expressions: list[str]) -> None:
        self.first = first
        self.compiled = compiled
        self.set = _set_of(expressions)

    def last_match(self, path: bytes) -> int | None:
        found = self.set.Match(path) if self.set is not None else None
        if found and 0 in found:
            hits = [index for index in found if index]
            return self.first + max(hits) - 1 if hits else None
        for offset in range(len(self.compiled) - 1, -1, -1):
            if self.compiled[offset].fullmatch(path) is not None:
                return self.first + offset
        return None


def _set_of(expressions: list[str]) -> Any:
    try:
        found = re2.Set.FullMatchSet(_SET_OPTIONS)
        for expression in ["(?s).*", *expressions]:
            found.Add(expression)
        found.Compile()
    except re2.error:
        return None
    return found


class _Matcher:
    def __init__(self, compiled: list[Any], expressions: list[str]) -> None:
        self.blocks = [
            _Block(start, compiled[start : start + _BLOCK], expressions[start : start + _BLOCK])
            for start in range(0, len(compiled), _BLOCK)
        ]

    def last_match(self, path: str) -> int | None:
        encoded = path.encode("utf-8", "surrogatepass")
        for block in reversed(self.blocks):
            found = block.last_match(encoded)
            if found is not None:
                return found
        return None


def _compile(pattern: str) -> tuple[Any, str]:
    expression = _pattern_regex(pattern)
    try:
        return re2.compile(expression, _RULE_OPTIONS), expression
    except re2.error:
        raise _InvalidLine(f"pattern {pattern!r} is too long") from None


def _matcher_for(rules: tuple[OwnerRule, ...]) -> _Matcher:
    compiled = [_compile(rule.pattern) for rule in rules]
    return _Matcher([c for c, _ in compiled], [e for _, e in compiled])


@dataclass(frozen=True)
class CodeOwners:
    rules: tuple[OwnerRule, ...]
    problems: tuple[CodeOwnersProblem, ...] = ()
    # Private: parse_codeowners passes the rules' compiled patterns; otherwise built from rules
    # (a rule whose pattern is invalid then raises ValueError).
    _matcher: _Matcher | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._matcher is None:
            object.__setattr__(self, "_matcher", _matcher_for(self.rules))

    def rule_for(self, path: str) -> OwnerRule | None:
        """The last rule whose pattern matches `path` (repository-relative, no leading `/`)."""
        assert self._matcher is not None
        index = self._matcher.last_match(path)
        return None if index is None else self.rules[index]

    def owners_of(self, path: str) -> tuple[str, ...]:
        """The owners of `path`: () when no rule matches or the last match has no owners."""
        rule = self.rule_for(path)
        return () if rule is None else rule.owners


def parse_codeowners(content: str | bytes) -> CodeOwners:
    """Parse a CODEOWNERS file. Never raises: invalid lines are skipped and reported, and a file
    over `MAX_BYTES` gives no rules and one problem, since GitHub ignores it whole."""
    size = _size(content)
    if size > MAX_BYTES:
        message = f"the file is {size:,} bytes; GitHub ignores a CODEOWNERS over 3 MB"
        return CodeOwners((), (CodeOwnersProblem(1, message),))
    text, problems = _decoded(content)
    rules: list[OwnerRule] = []
    compiled: list[Any] = []
    expressions: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        fields = _fields(line.removesuffix("\r"))
        if not fields:
            continue
        pattern, owners = fields[0], tuple(fields[1:])
        try:
            regex, expression = _compile(pattern)
            _check_owners(owners)
        except _InvalidLine as error:
            problems.append(CodeOwnersProblem(number, f"{error}: line skipped"))
            continue
        rules.append(OwnerRule(number, pattern, owners))
        compiled.append(regex)
        expressions.append(expression)
    return CodeOwners(tuple(rules), tuple(problems), _Matcher(compiled, expressions))


def _size(content: str | bytes) -> int:
    if isinstance(content, bytes) or len(content) > MAX_BYTES:
        return len(content)  # a character is at least one byte
    return len(content.encode("utf-8", "surrogatepass"))


def _decoded(content: str | bytes) -> tuple[str, list[CodeOwnersProblem]]:
    if isinstance(content, str):
        return content.removeprefix("\ufeff"), []
    body = content.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        message = "the file is not valid UTF-8: undecodable bytes were replaced"
        return body.decode("utf-8", "replace"), [CodeOwnersProblem(line, message)]


def _fields(line: str) -> list[str]:
    """The whitespace-separated fields of a line, up to a comment. A `\\` keeps the next character
    in the field (`a\\ b` is one field); a `#` starts a comment only after whitespace or at the
    start of the line, so `a#b` is one field."""
    fields: list[str] = []
    index, end = 0, len(line)
    while index < end:
        if line[index] in _BLANKS:
            index += 1
            continue
        if line[index] == "#":
            break
        start = index
        while index < end and line[index] not in _BLANKS:
            index += 2 if line[index] == "\\" else 1
        fields.append(line[start:index])
    return fields


def _check_owners(owners: tuple[str, ...]) -> None:
    for owner in owners:
        if not (is_user(owner) or is_team(owner) or is_email(owner)):
            raise _InvalidLine(
                f"invalid owner {owner!r} (not @user, @org/team or an e-mail address)"
            )
