"""Helpers every coverage parser shares: strict numbers, text decoding, the final check."""

from __future__ import annotations

from app.reports.coverage_model import CoverageReport, ReportError


def count(text: str | None, what: str) -> int:
    """A non-negative decimal integer (hit counts, statement counts), or ReportError naming
    `what`, e.g. "DA hits"."""
    if text is None:
        raise ReportError(f"{what} is missing")
    if text.isdigit() and text.isascii() and len(text) < 20:  # the usual case, fast
        return int(text)
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise ReportError(f"{what} must be a non-negative integer, not {shorten(text)!r}")
    try:
        return int(value)
    except ValueError:  # more digits than int() accepts (sys.get_int_max_str_digits)
        raise ReportError(f"{what} is too long a number") from None


def line_number(text: str | None, what: str) -> int:
    """A source line number: a positive integer."""
    number = count(text, what)
    if number == 0:
        raise ReportError(f"{what} must be a positive line number, not 0")
    return number


def decode_text(data: bytes, what: str) -> str:
    """UTF-8 text (a leading byte-order mark dropped), or ReportError naming the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ReportError(f"{what} line {line}: not UTF-8 text (byte {error.start})") from None


def text_lines(text: str) -> list[str]:
    """The lines of `text` split on LF only (CRLF tolerated): str.splitlines would also split
    on form feeds and other separators a path may contain."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def shorten(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters for an error message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def finished(report: CoverageReport) -> CoverageReport:
    """The report, unless it names no file at all."""
    if not report.files:
        raise ReportError("the report has no files")
    return report
