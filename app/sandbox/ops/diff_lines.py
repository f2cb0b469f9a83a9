"""Lines of a file's patch as review comments address them: by ``line`` and ``side`` or by
``position``, the number of lines below the file's first hunk header."""

from __future__ import annotations

import re
from dataclasses import dataclass

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
LEFT, RIGHT = "LEFT", "RIGHT"


@dataclass(frozen=True)
class DiffLine:
    position: int
    side: str
    number: int  # in the base version (LEFT) or the head version (RIGHT)
    hunk_position: int  # the position of the header of the hunk holding the line


def diff_lines(patch: str) -> list[DiffLine]:
    """Every addressable line; a context line is addressable from both sides."""
    found: list[DiffLine] = []
    old_number = new_number = hunk = 0
    for position, text in enumerate(patch.split("\n")):
        header = HUNK_HEADER.match(text)
        if header:
            old_number, new_number, hunk = int(header[1]), int(header[2]), position
        elif text.startswith("-"):
            found.append(DiffLine(position, LEFT, old_number, hunk))
            old_number += 1
        elif text.startswith("+"):
            found.append(DiffLine(position, RIGHT, new_number, hunk))
            new_number += 1
        elif text.startswith(" "):
            found.append(DiffLine(position, LEFT, old_number, hunk))
            found.append(DiffLine(position, RIGHT, new_number, hunk))
            old_number, new_number = old_number + 1, new_number + 1
    return found


def locate_line(patch: str, line: int, side: str) -> DiffLine | None:
    return next(
        (found for found in diff_lines(patch) if found.side == side and found.number == line),
        None,
    )


def locate_position(patch: str, position: int) -> DiffLine | None:
    """The line at a diff position, read on the head side when it is a context line."""
    candidates = [found for found in diff_lines(patch) if found.position == position]
    return next((found for found in candidates if found.side == RIGHT), None) or next(
        iter(candidates), None
    )


def hunk_excerpt(patch: str, target: DiffLine) -> str:
    """GitHub's ``diff_hunk``: the hunk header and the hunk's lines down to the commented one."""
    return "\n".join(patch.split("\n")[target.hunk_position : target.position + 1])
