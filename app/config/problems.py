"""What is wrong with a configuration file, located precisely enough to annotate it."""

from __future__ import annotations

from dataclasses import dataclass

# Messages quote what the file says; a hostile file must not turn that into megabytes of check
# output, nor a list of thousands of annotations (each 50 of them is one more API request).
MAX_MESSAGE = 500
MAX_WHERE = 200
MAX_PROBLEMS = 50


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


@dataclass(frozen=True, order=True)
class Problem:
    """One error: 1-based line and column within `file`; `where` is the path of keys to it."""

    file: str
    line: int
    column: int
    message: str
    where: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", shortened(self.message, MAX_MESSAGE))
        object.__setattr__(self, "where", shortened(self.where, MAX_WHERE))

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{self.file}:{self.line}:{self.column}: {where}{self.message}"


class ConfigInvalid(ValueError):
    """A configuration that cannot be used; `problems` lists the errors found, in file order, at
    most MAX_PROBLEMS of them and then one saying that more follow."""

    def __init__(self, problems: list[Problem]) -> None:
        ordered = sorted(problems)
        if len(ordered) > MAX_PROBLEMS:
            first = ordered[MAX_PROBLEMS]
            more = f"more problems follow (only the first {MAX_PROBLEMS} are listed)"
            ordered = [*ordered[:MAX_PROBLEMS], Problem(first.file, first.line, first.column, more)]
        self.problems = ordered
        super().__init__("\n".join(str(problem) for problem in self.problems))
