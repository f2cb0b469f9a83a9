"""The condition language of `.paasbot.yml`: parse, nest and evaluate. Pure functions, no I/O.

A condition is `[-][#]attribute[operator value]`; trees nest them with `any:`, `all:` and `not:`.
Regular expressions are RE2, so a hostile pattern cannot hang a worker. The vocabulary lives in
`condition_types`, parsing in `condition_parser`, evaluation in `condition_eval`; import from here.
"""

from __future__ import annotations

from app.engine.attributes import ConditionError
from app.engine.condition_eval import attributes_used, decided, evaluate
from app.engine.condition_parser import parse_condition, parse_tree
from app.engine.condition_types import (
    MAX_DEPTH,
    AllOf,
    AnyOf,
    Condition,
    ConditionTree,
    Facts,
    FactValue,
    GroupOutcome,
    Leaf,
    LeafOutcome,
    Not,
    Operator,
    Outcome,
    Regex,
    RelativeTime,
    StaticFacts,
    Team,
)

__all__ = [
    "MAX_DEPTH",
    "AllOf",
    "AnyOf",
    "Condition",
    "ConditionError",
    "ConditionTree",
    "FactValue",
    "Facts",
    "GroupOutcome",
    "Leaf",
    "LeafOutcome",
    "Not",
    "Operator",
    "Outcome",
    "Regex",
    "RelativeTime",
    "StaticFacts",
    "Team",
    "attributes_used",
    "decided",
    "evaluate",
    "parse_condition",
    "parse_tree",
]
