"""Lint and static-analysis report parsers, one module per format, each producing a LintReport;
`detect` picks the format from the report's first bytes.

    parse_lint(data, patterns=()) -> LintReport      any supported format, detected
    detect_format(head) -> str | None                "sarif" | "checkstyle" | "eslint" | "ruff" |
                                                     "pylint" | "json" (an empty list) | "text"
                                                     | None (JSON or XML of no known shape)
    compile_patterns(patterns) -> tuple[Pattern]     the errorformat-like text patterns;
                                                     ValueError for a bad one

Every parser raises ReportError, and nothing else, for input it cannot read. The formats, and
what is read from each, are described in docs/lint.md."""

from app.reports.lint_formats.detect import PARSERS, compile_patterns, detect_format, parse_lint

__all__ = ["PARSERS", "compile_patterns", "detect_format", "parse_lint"]
