"""Whom to request among eligible candidates: round robin, load balance or random, as GitHub's
team review assignment does. Pure: the caller filtered the candidates and read their
`ReviewHistory` from the ledger (`app/store/review_ledger.py`).

Logins keep the case they were given and compare without it; a login given twice counts once
(its first spelling is kept). Every strategy is a total order on the candidates, so the same
inputs always pick the same people: an evaluation run again requests no one new."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Literal, get_args

from app.store.review_ledger import ReviewHistory

Strategy = Literal["round_robin", "load_balance", "random"]
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)

SortKey = tuple[object, ...]


def choose(
    candidates: Sequence[str],
    count: int,
    strategy: Strategy,
    history: ReviewHistory,
    seed: str,
) -> list[str]:
    """`count` distinct candidates (all of them if fewer), best first.

    - round_robin: the least recently requested first (`history.last`; never requested comes
      before any time). Among logins last requested at the same time (chosen together for one
      PR), the one recorded first (`history.sequence`) comes first, so the rotation is a queue:
      a tie broken by login instead would favour the same login on every lap and break the
      spread when more than one reviewer is chosen. Never-requested logins: by login, without
      case.
    - load_balance: GitHub's definition, the fewest review requests in the last 30 days taking
      outstanding reviews into account: ordered by `history.load(login)` (requests in the
      window + requests outstanding of any age, so an outstanding request made in the window
      counts twice), then as round robin (least recently requested, recorded first, login).
    - random: ordered by sha256(seed + "\\n" + lower-case login); `seed` names the pull request
      (e.g. "acme/api#12"), so the same PR draws the same people each time and different PRs draw
      independently. The history is not read.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown reviewer selection strategy {strategy!r}")
    if count <= 0:
        return []
    unique = _unique(candidates)
    key = _sort_key(strategy, history, seed)
    return sorted(unique, key=key)[:count]


def _unique(candidates: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for login in candidates:
        seen.setdefault(login.lower(), login)
    return list(seen.values())


def _sort_key(strategy: Strategy, history: ReviewHistory, seed: str) -> Callable[[str], SortKey]:
    if strategy == "round_robin":
        return lambda login: _recency(history, login)
    if strategy == "load_balance":
        return lambda login: (history.load(login), *_recency(history, login))
    return lambda login: (_draw(seed, login), login.lower())


def _recency(history: ReviewHistory, login: str) -> tuple[bool, float, int, str]:
    last = history.last(login)
    sequence = history.sequence(login)
    # (False, ...) sorts before (True, any time): never requested is the oldest.
    return (last is not None, last or 0.0, -1 if sequence is None else sequence, login.lower())


def _draw(seed: str, login: str) -> str:
    return hashlib.sha256(f"{seed}\n{login.lower()}".encode()).hexdigest()
