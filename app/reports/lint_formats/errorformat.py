"""Line patterns for text lint reports: a small subset of Vim's 'errorformat'.

    %f  the file (required)             %t  the type: one letter, e/E error, w/W warning,
    %l  the line (required)                 i/I/n/N notice; another letter, or no %t, a warning
    %e  the end line                    %n  the rule: any run of non-space characters (Vim
    %c  the column (1-based)                reads a number only)
    %k  the end column (inclusive)      %m  the message (required)
    %*d a number, skipped               %*s a run of non-space characters, skipped
    %%  a literal %

Everything else is literal text, spaces included. A pattern describes the whole line. Each code
but %*d and %*s at most once; %e needs %l, %k needs %c. Not supported: Vim's multi-line
patterns (%A, %C, %Z, %E, %W, ...), %+ and %-, %p, %v, %s, %r, and comma-separated lists (each
pattern is its own entry). Matching uses RE2, so no pattern takes more than linear time on a
line, whatever the report holds."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import re2

from app.reports.lint_formats._common import Span, finding, span
from app.reports.lint_model import Finding, Level

_NUMBER = r"\d{1,9}"
_CODES = {
    "f": r"(?P<path>.+?)",
    "l": rf"(?P<line>{_NUMBER})",
    "e": rf"(?P<end_line>{_NUMBER})",
    "c": rf"(?P<column>{_NUMBER})",
    "k": rf"(?P<end_column>{_NUMBER})",
    "t": r"(?P<type>[A-Za-z])",
    "n": r"(?P<rule>\S+?)",
    "m": r"(?P<message>.+)",
}
_SKIPS = {"d": r"\d+", "s": r"\S+?"}
_REQUIRED = {"f": "the file", "l": "the line", "m": "the message"}
_NEEDS = {"e": "l", "k": "c"}
_KNOWN = "%f %l %e %c %k %t %n %m %*d %*s %%"
_LEVELS = {"e": Level.ERROR, "w": Level.WARNING, "i": Level.NOTICE, "n": Level.NOTICE}


@dataclass(frozen=True, slots=True)
class Matched:
    """What a pattern read from a line."""

    path: str
    where: Span
    level: Level
    message: str
    rule: str | None

    def as_finding(self) -> Finding:
        return finding(self.path, self.where, self.level, self.message, self.rule)


@dataclass(frozen=True)
class Pattern:
    source: str
    regex: Any  # a compiled RE2 expression

    def match(self, line: str) -> Matched | None:
        found = self.regex.fullmatch(line)
        if found is None:
            return None
        groups = found.groupdict()
        message = groups["message"].strip()
        if not message or not groups["path"].strip():
            return None
        return Matched(
            path=groups["path"],
            where=_span(groups),
            level=_LEVELS.get((groups.get("type") or "w").lower(), Level.WARNING),
            message=message,
            rule=groups.get("rule"),
        )


def _span(groups: dict[str, str | None]) -> Span:
    def number(name: str) -> int | None:
        text = groups.get(name)
        return None if text is None else int(text)

    end_column = number("end_column")
    return span(
        number("line"),
        number("column"),
        number("end_line"),
        None if end_column is None else end_column + 1,
    )


def compile_patterns(patterns: Sequence[str]) -> tuple[Pattern, ...]:
    """The patterns, compiled; ValueError naming the first bad one and what is wrong with it."""
    return _compiled(tuple(patterns))


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[Pattern, ...]:
    return tuple(_compile(pattern, number) for number, pattern in enumerate(patterns, start=1))


def _compile(pattern: str, number: int) -> Pattern:
    name = f"pattern {number} ({pattern!r})"
    expression = _expression(pattern, name)
    try:
        regex = line_regex(expression)
    except re2.error as error:  # pragma: no cover - every piece is escaped or a known group
        raise ValueError(f"{name}: {error}") from None
    return Pattern(pattern, regex)


def _expression(pattern: str, name: str) -> str:
    """The RE2 expression that matches what `pattern` describes."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    while position < len(pattern):
        percent = pattern.find("%", position)
        if percent < 0:
            parts.append(re2.escape(pattern[position:]))
            break
        parts.append(re2.escape(pattern[position:percent]))
        code, position = _code_at(pattern, percent, name)
        parts.append(_piece(code, seen, name))
    _check_codes(seen, name)
    return "".join(parts)


def _code_at(pattern: str, percent: int, name: str) -> tuple[str, int]:
    """The %-code starting at `percent` ("f", "*d", "%", ...) and the position after it."""
    length = 3 if pattern.startswith("%*", percent) else 2
    code = pattern[percent + 1 : percent + length]
    if not code:
        raise ValueError(f"{name} ends with a lone %; write %% for a literal %")
    return code, percent + length


def _piece(code: str, seen: set[str], name: str) -> str:
    if code == "%":
        return "%"
    if code.startswith("*"):
        if code[1:] not in _SKIPS:
            raise ValueError(f"{name}: unknown code %{code}; known: {_KNOWN}")
        return _SKIPS[code[1:]]
    if code not in _CODES:
        raise ValueError(f"{name}: unknown code %{code}; known: {_KNOWN}")
    if code in seen:
        raise ValueError(f"{name}: %{code} appears more than once")
    seen.add(code)
    return _CODES[code]


def _check_codes(seen: set[str], name: str) -> None:
    for code, what in _REQUIRED.items():
        if code not in seen:
            raise ValueError(f"{name} has no %{code} ({what})")
    for code, needed in _NEEDS.items():
        if code in seen and needed not in seen:
            raise ValueError(f"{name}: %{code} needs %{needed}")


def line_regex(expression: str) -> Any:
    """`expression` compiled by RE2 (linear time), quietly: errors are raised, not logged."""
    return re2.compile(expression, _OPTIONS)


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False
    return options


_OPTIONS = _options()
