"""Configuration problems: how much of a hostile file they may quote, and how many are listed."""

from __future__ import annotations

from app.config.problems import MAX_MESSAGE, MAX_PROBLEMS, MAX_WHERE, ConfigInvalid, Problem


def test_a_problem_quoting_a_huge_value_is_shortened() -> None:
    problem = Problem(".paasbot.yml", 3, 5, "unknown key '" + "k" * 100_000 + "'", "k" * 5_000)
    assert len(problem.message) == MAX_MESSAGE
    assert problem.message.startswith("unknown key 'kkk") and problem.message.endswith("k…")
    assert len(problem.where) == MAX_WHERE and problem.where.endswith("…")


def test_a_short_problem_is_kept_as_written() -> None:
    problem = Problem(".paasbot.yml", 1, 1, "m" * MAX_MESSAGE, "w" * MAX_WHERE)
    assert problem.message == "m" * MAX_MESSAGE and problem.where == "w" * MAX_WHERE


def test_problems_beyond_the_limit_are_summed_up_in_one() -> None:
    found = [Problem("f", line, 2, f"problem {line}") for line in range(1, 3 * MAX_PROBLEMS)]
    invalid = ConfigInvalid(list(reversed(found)))
    assert invalid.problems[:MAX_PROBLEMS] == found[:MAX_PROBLEMS]
    assert invalid.problems[MAX_PROBLEMS:] == [
        Problem(
            "f",
            MAX_PROBLEMS + 1,
            2,
            f"more problems follow (only the first {MAX_PROBLEMS} are listed)",
        )
    ]


def test_up_to_the_limit_every_problem_is_listed() -> None:
    found = [Problem("f", line, 1, "p") for line in range(1, MAX_PROBLEMS + 1)]
    assert ConfigInvalid(found).problems == found
