"""The line formats a text lint report is read with when the repository configures no patterns,
tried in this order:

    pylint        path:line:col: C0301: message (line-too-long)
                  column 0-based; rule = the symbol in parentheses, else the id; level from
                  the id's letter: F, E error; W warning; C, R, I notice
    compiler      path:line[:col]: error|warning|note|info|fatal error: message [code]
                  (gcc, clang, mypy, shellcheck -f gcc); level from the word, note and info
                  notices; rule = the bracketed code at the end, if any
    ruff syntax   path:line:col: invalid-syntax: message   (ruff's concise output; older ruff
                  writes SyntaxError: instead) — an error
    flake8        path:line[:col]: CODE message
                  (flake8, pycodestyle, pyflakes, ruff --output-format concise); CODE is
                  letters then digits; level from its first letter: E and F error, anything
                  else (W, C, B, D, N, I, S, ...) a warning; ruff's "[*] " fixable mark is
                  dropped from the message"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.reports.lint_formats._common import span
from app.reports.lint_formats.errorformat import Matched, line_regex
from app.reports.lint_model import Level

_PLACE = r"(?P<path>.+?):(?P<line>\d{1,9}):"
_COLUMN = r"(?P<column>\d{1,9}):"


_PYLINT = line_regex(
    _PLACE + _COLUMN + r" (?P<code>[CRWEFI]\d{4}): (?P<message>.+?)"
    r"(?: \((?P<symbol>[a-z][a-z0-9-]*)\))?"
)
_COMPILER = line_regex(
    _PLACE + f"(?:{_COLUMN})?"
    r" (?P<severity>fatal error|error|warning|note|info): (?P<message>.+?)"
    r"(?: \[(?P<code>[^\]\s]+)\])?"
)
_RUFF_SYNTAX = line_regex(
    _PLACE + _COLUMN + r" (?:(?P<code>invalid-syntax)|SyntaxError): (?P<message>.+)"
)
_FLAKE8 = line_regex(
    _PLACE + f"(?:{_COLUMN})?" + r" (?P<code>[A-Z]{1,5}\d{1,6}) (?:\[\*\] )?(?P<message>.+)"
)

_PYLINT_LEVELS = {"F": Level.ERROR, "E": Level.ERROR, "W": Level.WARNING}
_COMPILER_LEVELS = {
    "fatal error": Level.ERROR,
    "error": Level.ERROR,
    "warning": Level.WARNING,
    "note": Level.NOTICE,
    "info": Level.NOTICE,
}
_FLAKE8_LEVELS = {"E": Level.ERROR, "F": Level.ERROR}


def _int(text: str | None) -> int | None:
    return None if text is None else int(text)


def _pylint(groups: dict[str, Any]) -> Matched:
    column = _int(groups["column"])
    return Matched(
        groups["path"],
        span(_int(groups["line"]), None if column is None else column + 1),
        _PYLINT_LEVELS.get(groups["code"][0], Level.NOTICE),
        groups["message"].strip(),
        groups["symbol"] or groups["code"],
    )


def _compiler(groups: dict[str, Any]) -> Matched:
    return Matched(
        groups["path"],
        span(_int(groups["line"]), _int(groups["column"])),
        _COMPILER_LEVELS[groups["severity"]],
        groups["message"].strip(),
        groups["code"],
    )


def _ruff_syntax(groups: dict[str, Any]) -> Matched:
    return Matched(
        groups["path"],
        span(_int(groups["line"]), _int(groups["column"])),
        Level.ERROR,
        groups["message"].strip(),
        groups["code"],
    )


def _flake8(groups: dict[str, Any]) -> Matched:
    return Matched(
        groups["path"],
        span(_int(groups["line"]), _int(groups["column"])),
        _FLAKE8_LEVELS.get(groups["code"][0], Level.WARNING),
        groups["message"].strip(),
        groups["code"],
    )


_FORMATS: tuple[tuple[Any, Callable[[dict[str, Any]], Matched]], ...] = (
    (_PYLINT, _pylint),
    (_COMPILER, _compiler),
    (_RUFF_SYNTAX, _ruff_syntax),
    (_FLAKE8, _flake8),
)


def match_builtin(line: str) -> Matched | None:
    """The finding `line` describes in one of the built-in formats, or None."""
    for regex, read in _FORMATS:
        found = regex.fullmatch(line)
        if found is not None:
            matched = read(found.groupdict())
            return matched if matched.message and matched.path.strip() else None
    return None
