"""Which of GitHub's failed webhook deliveries to ask again for: pure selection, no I/O.

GitHub does not retry a delivery that failed (paasbot killed mid-request, or answering 503 because
its database was down), but it keeps a log of the app webhook's attempts and redelivers one on
request (`docs/deploy.md`, *Lost deliveries*). The sweeper (`app/worker/redelivery_sweeper.py`)
reads that log back to a window start, and this module picks, for each event (guid), whether to
ask for it again:

- only events whose first attempt is inside the window: all of their redeliveries are newer, so
  they are listed too and the count of redeliveries is exact (an event whose first attempt left
  the window is never asked for again, which bounds how long one can loop);
- not when any attempt was answered 2xx, nor when paasbot's `deliveries` table holds it (it was
  stored, then the answer was lost);
- not once `max_redeliveries` redeliveries were answered and refused (a delivery paasbot refuses
  for good). A redelivery nobody answered (status code 0: the process it reached was dead, or
  the connection was cut) does not count: in a crash loop every attempt may meet a dead process,
  and the cap would be spent before anyone could store it; the window alone bounds those;
- not while a redelivery this process asked for has not been attempted yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class HookAttempt:
    """One attempt of GitHub's delivery log (`hook-delivery-item`)."""

    id: int
    guid: str
    delivered_at: float
    redelivery: bool
    status_code: int
    event: str
    action: str | None

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def answered(self) -> bool:
        """Whether an HTTP answer came back (GitHub logs status code 0 when none did)."""
        return self.status_code != 0

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> HookAttempt:
        return cls(
            id=int(item["id"]),
            guid=str(item["guid"]),
            delivered_at=parse_timestamp(str(item["delivered_at"])),
            redelivery=bool(item["redelivery"]),
            status_code=int(item.get("status_code") or 0),
            event=str(item.get("event") or ""),
            action=item.get("action"),
        )


def parse_timestamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class SweepPolicy:
    interval_seconds: float = 60.0
    # How far back the first sweep of a process reads, from GitHub's newest attempt.
    first_lookback_seconds: float = 3600.0
    # Later sweeps reread this far before the newest attempt the last good sweep saw: late
    # attempts, clock differences, and room for every redelivery of an event to be seen.
    min_margin_seconds: float = 300.0
    max_redeliveries: int = 3
    # Pages of 100 attempts one sweep reads at most (the app's JWT budget is shared).
    max_pages: int = 50
    # A redelivery asked for and not attempted after this long is asked for again.
    awaiting_seconds: float = 60.0

    @property
    def margin_seconds(self) -> float:
        return max(self.min_margin_seconds, (self.max_redeliveries + 2) * self.interval_seconds)


def window_start(newest_seen: float | None, newest_listed: float, policy: SweepPolicy) -> float:
    """The oldest first attempt a sweep considers, on GitHub's clock: `newest_seen` is the newest
    attempt the last good sweep of this process saw (None: this is its first), `newest_listed`
    the newest of this sweep's first page."""
    if newest_seen is None:
        return newest_listed - policy.first_lookback_seconds
    return newest_seen - policy.margin_seconds


def failed_events(
    attempts: Iterable[HookAttempt], since: float, policy: SweepPolicy
) -> tuple[list[HookAttempt], list[HookAttempt]]:
    """The latest attempt of each event first tried at or after `since` that never succeeded,
    split into those that may be redelivered and those whose redeliveries are spent."""
    by_guid: dict[str, list[HookAttempt]] = {}
    for attempt in attempts:
        by_guid.setdefault(attempt.guid, []).append(attempt)
    retryable: list[HookAttempt] = []
    exhausted: list[HookAttempt] = []
    for tries in by_guid.values():
        originals = [a for a in tries if not a.redelivery]
        if not originals or min(a.delivered_at for a in originals) < since:
            continue
        if any(a.succeeded for a in tries):
            continue
        latest = max(tries, key=lambda a: a.id)
        refused = sum(1 for a in tries if a.redelivery and a.answered)
        (retryable if refused < policy.max_redeliveries else exhausted).append(latest)
    return sorted(retryable, key=lambda a: a.id), sorted(exhausted, key=lambda a: a.id)


@dataclass(frozen=True)
class AskedRedelivery:
    """A redelivery this process asked for: the event's latest attempt then, and when."""

    latest_attempt_id: int
    asked_at: float


def to_redeliver(
    retryable: Iterable[HookAttempt],
    stored: Set[str],
    asked: Mapping[str, AskedRedelivery],
    now: float,
    policy: SweepPolicy,
) -> list[HookAttempt]:
    """Of the retryable events, those paasbot did not store and for which no redelivery asked
    for is still to be attempted (GitHub lists an attempt once it is made)."""
    return [
        attempt
        for attempt in retryable
        if attempt.guid not in stored
        and not _still_awaited(asked.get(attempt.guid), attempt, now, policy)
    ]


def _still_awaited(
    asked: AskedRedelivery | None, latest: HookAttempt, now: float, policy: SweepPolicy
) -> bool:
    if asked is None or latest.id > asked.latest_attempt_id:
        return False
    return now - asked.asked_at < policy.awaiting_seconds


def forget_settled(
    asked: Mapping[str, AskedRedelivery], now: float, policy: SweepPolicy
) -> dict[str, AskedRedelivery]:
    """The asked redeliveries still worth remembering (older ones are out of any window)."""
    keep = policy.margin_seconds + policy.awaiting_seconds
    return {guid: entry for guid, entry in asked.items() if now - entry.asked_at < keep}
