"""`app/reviewers/selection.py`: the order each strategy puts candidates in, and the acceptance
criterion: over 100 pull requests, round robin and load balance spread a team's requests within
one of even. The ledger here is in memory and answers as `review_history` does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pytest

from app.reviewers.selection import STRATEGIES, Strategy, choose
from app.store.review_ledger import THIRTY_DAYS, ReviewHistory

NOW = 1_800_000_000.0
HOUR = 3600.0
DAY = 86400.0
TEAM = ["ada", "Bob", "carol", "dave", "erin", "frank", "grace"]


@dataclass
class MemoryLedger:
    """Requests as (login, requested_at, completed_at or None); completion may lie in the future
    of a request, and counts from then on."""

    requests: list[tuple[str, float, float | None]] = field(default_factory=list)

    def record(self, logins: Iterable[str], now: float, completes_after: float | None) -> None:
        for login in logins:
            completed = None if completes_after is None else now + completes_after
            self.requests.append((login.lower(), now, completed))

    def history(self, now: float, window_seconds: float = THIRTY_DAYS) -> ReviewHistory:
        last: dict[str, float] = {}
        sequence: dict[str, int] = {}
        recent: Counter[str] = Counter()
        outstanding: Counter[str] = Counter()
        for position, (login, requested_at, completed_at) in enumerate(self.requests, 1):
            if requested_at > now:
                continue
            last[login] = max(last.get(login, requested_at), requested_at)
            sequence[login] = position
            if requested_at >= now - window_seconds:
                recent[login] += 1
            if completed_at is None or completed_at > now:
                outstanding[login] += 1
        return ReviewHistory(last, dict(recent), dict(outstanding), sequence)


def simulate(
    strategy: Strategy,
    team: Sequence[str],
    per_pr: int,
    *,
    prs: int = 100,
    spacing: float = HOUR,
    completes_after: float | None = None,
) -> Counter[str]:
    """`prs` pull requests one after the other, each asking `per_pr` reviewers of `team`."""
    ledger = MemoryLedger()
    for number in range(prs):
        now = NOW + number * spacing
        picked = choose(team, per_pr, strategy, ledger.history(now), f"acme/api#{number}")
        assert len({login.lower() for login in picked}) == len(picked) == per_pr
        ledger.record(picked, now, completes_after)
    return Counter(login for login, _, _ in ledger.requests)


def spread(counts: Counter[str], team: Sequence[str]) -> int:
    values = [counts[login.lower()] for login in team]
    return max(values) - min(values)


@pytest.mark.parametrize("strategy", ["round_robin", "load_balance"])
@pytest.mark.parametrize("per_pr", [1, 2, 3])
@pytest.mark.parametrize(
    ("spacing", "completes_after"),
    [
        (HOUR, None),  # never reviewed: everything stays outstanding
        (HOUR, 2 * HOUR),  # reviewed two PRs later
        (HOUR, 3 * DAY),
        (DAY, None),  # 100 days: the 30-day window slides
        (DAY, 2 * HOUR),
        (DAY, 3 * DAY),
        (3 * DAY, 40 * DAY),
    ],
)
def test_100_pull_requests_spread_within_one_of_even(
    strategy: Strategy, per_pr: int, spacing: float, completes_after: float | None
) -> None:
    counts = simulate(strategy, TEAM, per_pr, spacing=spacing, completes_after=completes_after)
    assert sum(counts.values()) == 100 * per_pr
    assert set(counts) == {login.lower() for login in TEAM}
    assert spread(counts, TEAM) <= 1, counts


@pytest.mark.parametrize(("per_pr", "expected"), [(1, {15, 14}), (2, {29, 28})])
def test_the_even_figures_for_seven(per_pr: int, expected: set[int]) -> None:
    counts = simulate("load_balance", TEAM, per_pr, completes_after=5 * HOUR)
    assert set(counts.values()) == expected


def test_load_balance_asks_less_of_who_sits_on_reviews_and_round_robin_does_not() -> None:
    def completes_after(login: str) -> float | None:
        return None if login == "ada" else HOUR

    counts: dict[str, Counter[str]] = {}
    for strategy in ("round_robin", "load_balance"):
        ledger = MemoryLedger()
        for number in range(100):
            now = NOW + number * HOUR
            picked = choose(TEAM, 1, strategy, ledger.history(now), f"acme/api#{number}")
            ledger.record(picked, now, completes_after(picked[0]))
        counts[strategy] = Counter(login for login, _, _ in ledger.requests)
    assert spread(counts["round_robin"], TEAM) <= 1
    assert counts["load_balance"]["ada"] < min(
        count for login, count in counts["load_balance"].items() if login != "ada"
    )


def history(
    last: dict[str, float] | None = None,
    recent: dict[str, int] | None = None,
    outstanding: dict[str, int] | None = None,
    sequence: dict[str, int] | None = None,
) -> ReviewHistory:
    return ReviewHistory(last or {}, recent or {}, outstanding or {}, sequence or {})


@pytest.mark.parametrize(
    ("strategy", "history_", "expected"),
    [
        # Never requested first (by login), then the least recently requested.
        (
            "round_robin",
            history(last={"ada": NOW, "bob": NOW - DAY}),
            ["carol", "dave", "Bob", "ada"],
        ),
        # Chosen together: the one recorded first comes first, whatever the logins.
        (
            "round_robin",
            history(
                last={"ada": NOW, "bob": NOW, "carol": NOW, "dave": NOW},
                sequence={"dave": 1, "carol": 2, "bob": 3, "ada": 4},
            ),
            ["dave", "carol", "Bob", "ada"],
        ),
        # Round robin does not look at the load.
        (
            "round_robin",
            history(last={"ada": NOW - DAY, "bob": NOW}, recent={"ada": 9}, outstanding={"ada": 9}),
            ["carol", "dave", "ada", "Bob"],
        ),
        # Fewest requests in the window plus outstanding first.
        (
            "load_balance",
            history(
                last={"ada": NOW, "bob": NOW - DAY, "carol": NOW - 2 * DAY, "dave": NOW - 40 * DAY},
                recent={"ada": 1, "bob": 3, "carol": 2},
                outstanding={"carol": 2},
            ),
            ["dave", "ada", "Bob", "carol"],
        ),
        # Equal loads: the least recently requested first, never requested before anyone.
        (
            "load_balance",
            history(
                last={"ada": NOW, "bob": NOW - DAY, "carol": NOW - DAY},
                recent={"ada": 1, "bob": 1},
                outstanding={"carol": 1},
                sequence={"ada": 3, "bob": 2, "carol": 1},
            ),
            ["dave", "carol", "Bob", "ada"],
        ),
    ],
)
def test_the_order_of_each_strategy(
    strategy: Strategy, history_: ReviewHistory, expected: list[str]
) -> None:
    assert choose(["ada", "Bob", "carol", "dave"], 4, strategy, history_, "acme/api#1") == expected
    assert choose(["dave", "carol", "Bob", "ada"], 2, strategy, history_, "x") == expected[:2]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_count_duplicates_and_case(strategy: Strategy) -> None:
    candidates = ["Ada", "bob", "ADA", "ada", "Bob"]
    picked = choose(candidates, 5, strategy, ReviewHistory(), "acme/api#1")
    assert sorted(picked) == ["Ada", "bob"]  # each once, as first spelled
    assert choose(candidates, 0, strategy, ReviewHistory(), "acme/api#1") == []
    assert choose(candidates, -1, strategy, ReviewHistory(), "acme/api#1") == []
    assert choose([], 2, strategy, ReviewHistory(), "acme/api#1") == []
    assert len(choose(TEAM, 3, strategy, ReviewHistory(), "acme/api#1")) == 3


def test_an_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown reviewer selection strategy 'fastest'"):
        choose(TEAM, 1, "fastest", ReviewHistory(), "acme/api#1")  # type: ignore[arg-type]


def test_random_picks_the_same_people_for_the_same_seed() -> None:
    busy = history(last={"ada": NOW}, recent={"ada": 5}, outstanding={"bob": 3})
    first = choose(TEAM, 2, "random", ReviewHistory(), "acme/api#12")
    again = choose(TEAM, 2, "random", busy, "acme/api#12")
    shuffled = choose([login.upper() for login in reversed(TEAM)], 2, "random", busy, "acme/api#12")
    assert first == again
    assert [login.lower() for login in shuffled] == [login.lower() for login in first]


def test_random_draws_differ_between_pull_requests() -> None:
    draws = [tuple(choose(TEAM, 2, "random", ReviewHistory(), f"acme/api#{n}")) for n in range(100)]
    counts = Counter(login for draw in draws for login in draw)
    assert len(set(draws)) > 10
    assert set(counts) == set(TEAM)  # nobody is left out over 100 draws
