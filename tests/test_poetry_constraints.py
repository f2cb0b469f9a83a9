import pytest

from app.bumps.model import Outcome
from app.bumps.poetry_constraints import bump_poetry_constraint, poetry_allows, to_pep440

UPDATED, ALREADY, REFUSED = Outcome.UPDATED, Outcome.ALREADY, Outcome.REFUSED


@pytest.mark.parametrize(
    ("constraint", "pep440"),
    [
        ("^1.3", ">=1.3,<2"),
        ("^1.3.2", ">=1.3.2,<2"),
        ("^0.3", ">=0.3,<0.4"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0.0", ">=0.0,<0.1"),
        ("^0", ">=0,<1"),
        ("~1.3", ">=1.3,<1.4"),
        ("~1.3.2", ">=1.3.2,<1.4"),
        ("~1", ">=1,<2"),
        ("1.3.0", "==1.3.0"),
        ("=1.3.0", "==1.3.0"),
        ("1.3.*", "==1.3.*"),
        ("*", ""),
        ("", ""),
        (">=1.2,<2", ">=1.2,<2"),
        ("~=1.3", "~=1.3"),
    ],
)
def test_to_pep440(constraint: str, pep440: str) -> None:
    assert to_pep440(constraint) == pep440


@pytest.mark.parametrize(
    ("constraint", "version", "allowed"),
    [
        ("^1.3", "1.4.0", True),
        ("^1.3", "2.0.0", False),
        ("^1.3", "1.2.9", False),
        ("^0.3", "0.4.0", False),
        ("~1.3", "1.3.9", True),
        ("~1.3", "1.4.0", False),
        ("*", "9.9", True),
        ("1.3.0", "1.3", True),
    ],
)
def test_poetry_allows(constraint: str, version: str, allowed: bool) -> None:
    assert poetry_allows(constraint, version) is allowed


@pytest.mark.parametrize(
    ("constraint", "version", "outcome", "after"),
    [
        ("^1.3", "1.4.0", ALREADY, "^1.3"),
        ("^1.3", "2.0.0", UPDATED, "^2.0"),
        ("^1.3.2", "2.1.0", UPDATED, "^2.1.0"),
        ("^1.3.2", "1.4.0", ALREADY, "^1.3.2"),
        ("^0.3", "0.4.1", UPDATED, "^0.4"),
        ("^1", "2.5.0", UPDATED, "^2"),
        (" ^ 1.3 ", "2.0.0", UPDATED, " ^ 2.0 "),
        ("~1.3", "1.4.0", UPDATED, "~1.4"),
        ("~1.3.2", "1.4.0", UPDATED, "~1.4.0"),
        ("~1.3", "1.3.5", ALREADY, "~1.3"),
        ("1.3.0", "1.4.0", UPDATED, "1.4.0"),
        ("=1.3.0", "1.4.0", UPDATED, "=1.4.0"),
        ("==1.3.0", "1.4.0", UPDATED, "==1.4.0"),
        ("1.3.*", "1.4.2", UPDATED, "1.4.*"),
        ("1.4.0", "1.4.0", ALREADY, "1.4.0"),
        ("*", "1.4.0", ALREADY, "*"),
        (">=1.2,<2", "2.3.0", UPDATED, ">=1.2,<3"),
        (">=1.2,<2", "1.4.0", ALREADY, ">=1.2,<2"),
        ("~=1.3.0", "1.4.0", UPDATED, "~=1.4.0"),
        ("^1.3", "1.2.0", REFUSED, "^1.3"),
        ("1.3.0", "1.2.0", REFUSED, "1.3.0"),
        ("^1.3", "2.0.0rc1", REFUSED, "^1.3"),
        ("^2.0.0b1", "2.1.0rc1", ALREADY, "^2.0.0b1"),
        ("^1.0.0b1", "2.0.0rc1", UPDATED, "^2.0.0rc1"),
        ("^1.3 || ^2.0", "3.0.0", REFUSED, "^1.3 || ^2.0"),
        (">=1.2 <2", "2.3.0", REFUSED, ">=1.2 <2"),
        ("banana", "2.3.0", REFUSED, "banana"),
        ("^1.x", "2.3.0", REFUSED, "^1.x"),
    ],
)
def test_bump_poetry_constraint(
    constraint: str, version: str, outcome: Outcome, after: str
) -> None:
    bumped = bump_poetry_constraint(constraint, version)
    assert (bumped.outcome, bumped.spec) == (outcome, after)
    assert bool(bumped.note) == (outcome is not UPDATED)
    if outcome is not REFUSED:
        assert poetry_allows(bumped.spec, version)
