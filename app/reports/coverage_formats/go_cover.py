"""Go coverage profiles (`go test -coverprofile`).

    mode: set|count|atomic
    github.com/acme/shop/cart.go:12.34,14.2 2 1
    <file>:<startLine>.<startCol>,<endLine>.<endCol> <statements> <count>

Blocks repeated at the same position (merged profiles) are combined as `go tool cover` does:
counts OR'd in set mode, added otherwise. Each block covers its lines startLine..endLine; blocks
with no statements are skipped. A line's hits are the largest count of the blocks on it, and the
line is partial when some blocks on it ran and others did not (as Codecov reads Go profiles):
`if cond {` is partial when the condition was evaluated but its body never ran. Later `mode:`
lines (profiles concatenated) must repeat the first mode."""

from __future__ import annotations

from dataclasses import dataclass

from app.reports.coverage_formats._common import (
    count,
    decode_text,
    finished,
    line_number,
    shorten,
    text_lines,
)
from app.reports.coverage_model import CoverageReport, ReportError

FORMAT = "go"
MODES = ("set", "count", "atomic")
MAX_BLOCK_LINES = 100_000  # a longer block is not from a real source file, and would cost memory

_Position = tuple[str, int, int, int, int]  # file, start line, start column, end line, end column


@dataclass
class _Block:
    statements: int
    count: int


@dataclass
class _Line:
    hits: int = 0
    ran: bool = False
    missed: bool = False


def parse_go_cover(data: bytes) -> CoverageReport:
    mode: str | None = None
    blocks: dict[_Position, _Block] = {}
    for number, line in enumerate(text_lines(decode_text(data, "Go coverprofile")), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            if mode is None:
                mode = _first_mode(line)
            elif line.startswith("mode:"):
                if _mode(line) != mode:
                    raise ReportError(f"{shorten(line)!r} differs from the first 'mode: {mode}'")
            else:
                position, block = _block(line)
                _combine(blocks, position, block, mode)
        except ReportError as error:
            raise ReportError(f"Go coverprofile line {number}: {error}") from None
    return finished(_report(blocks))


def _first_mode(line: str) -> str:
    mode = _mode(line)
    if mode is None:
        raise ReportError("expected 'mode: set', 'mode: count' or 'mode: atomic' first")
    return mode


def _mode(line: str) -> str | None:
    key, colon, value = line.partition(":")
    return value.strip() if colon and key == "mode" and value.strip() in MODES else None


def _block(line: str) -> tuple[_Position, _Block]:
    """A block line's position and counts."""
    location, *numbers = line.rsplit(" ", 2)
    path, colon, span = location.rpartition(":")
    start, comma, end = span.partition(",")
    if len(numbers) != 2 or not colon or not path or not comma:
        raise ReportError("expected file.go:startLine.startCol,endLine.endCol statements count")
    start_line, start_column = _point(start, "start")
    end_line, end_column = _point(end, "end")
    if end_line < start_line:
        raise ReportError(f"the block ends (line {end_line}) before it starts ({start_line})")
    if end_line - start_line >= MAX_BLOCK_LINES:
        raise ReportError(f"the block spans more than {MAX_BLOCK_LINES:,} lines")
    statements = count(numbers[0], "the number of statements")
    hits = count(numbers[1], "the count")
    return (path, start_line, start_column, end_line, end_column), _Block(statements, hits)


def _point(text: str, which: str) -> tuple[int, int]:
    line, dot, column = text.partition(".")
    if not dot:
        raise ReportError(f"the {which} must be line.column, not {shorten(text)!r}")
    return line_number(line, f"the {which} line"), count(column, f"the {which} column")


def _combine(
    blocks: dict[_Position, _Block], position: _Position, block: _Block, mode: str
) -> None:
    known = blocks.get(position)
    if known is None:
        blocks[position] = block
        return
    if known.statements != block.statements:
        raise ReportError(
            f"this block has {block.statements} statements, {known.statements} where it"
            " appeared before"
        )
    if mode == "set":
        known.count = 1 if known.count or block.count else 0
    else:
        known.count += block.count


def _report(blocks: dict[_Position, _Block]) -> CoverageReport:
    per_file: dict[str, dict[int, _Line]] = {}
    for (path, start, _, end, _), block in blocks.items():
        lines = per_file.setdefault(path, {})
        if block.statements == 0:
            continue
        for number in range(start, end + 1):
            line = lines.setdefault(number, _Line())
            line.hits = max(line.hits, block.count)
            line.ran = line.ran or block.count > 0
            line.missed = line.missed or block.count == 0
    report = CoverageReport(FORMAT)
    for path, lines in per_file.items():
        target = report.file(path)
        for number in sorted(lines):
            line = lines[number]
            target.add_line(number, line.hits, line.ran and line.missed)
    return report
