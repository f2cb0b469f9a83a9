"""Injectable failures: server errors, slow responses and secondary rate limits.

Fault paths are relative to the API root, e.g. ``/repos/acme/widgets/pulls``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal, get_args

FaultKind = Literal["error", "timeout", "secondary_rate_limit"]

SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@dataclass(frozen=True)
class Fault:
    """One failure to inject.

    ``error`` answers with ``status`` (5xx); with ``after``, only once the request was served, so
    its change happened (a proxy that lost the answer). ``timeout`` stalls for ``seconds``; if
    the client is still connected afterwards the request is then served normally, and if it went
    away the request is dropped without touching any state. ``secondary_rate_limit`` answers 403
    with a ``retry-after`` header of ``retry_after`` seconds.
    """

    kind: FaultKind
    status: int = 500
    seconds: float = 1.0
    retry_after: int = 60
    path_prefix: str | None = None
    method: str | None = None
    after: bool = False

    def __post_init__(self) -> None:
        if self.kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.kind == "error" and not 500 <= self.status <= 599:
            raise ValueError(f"error faults need a 5xx status, got {self.status}")
        if self.after and self.kind != "error":
            raise ValueError("only error faults can come after the request was served")
        if self.seconds < 0 or self.retry_after < 0:
            raise ValueError("fault durations must not be negative")

    @classmethod
    def error(
        cls,
        status: int = 500,
        *,
        path_prefix: str | None = None,
        method: str | None = None,
        after: bool = False,
    ) -> Fault:
        return cls("error", status=status, path_prefix=path_prefix, method=method, after=after)

    @classmethod
    def timeout(
        cls, seconds: float = 1.0, *, path_prefix: str | None = None, method: str | None = None
    ) -> Fault:
        return cls("timeout", seconds=seconds, path_prefix=path_prefix, method=method)

    @classmethod
    def secondary_rate_limit(
        cls, retry_after: int = 60, *, path_prefix: str | None = None, method: str | None = None
    ) -> Fault:
        return cls(
            "secondary_rate_limit", retry_after=retry_after, path_prefix=path_prefix, method=method
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


@dataclass
class FaultPlan:
    """Queued one-shot faults, consumed in order by matching requests, then seeded random faults."""

    seed: int = 0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    secondary_rate_limit_rate: float = 0.0
    random_error_statuses: tuple[int, ...] = (500, 502)
    random_timeout_seconds: float = 1.0
    random_retry_after: int = 60
    pending: list[Fault] = field(default_factory=list)
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.reseed(self.seed)
        self.set_rates(self.error_rate, self.timeout_rate, self.secondary_rate_limit_rate)

    def reseed(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311

    def set_rates(
        self, error: float = 0.0, timeout: float = 0.0, secondary_rate_limit: float = 0.0
    ) -> None:
        rates = (error, timeout, secondary_rate_limit)
        if any(rate < 0 for rate in rates) or sum(rates) > 1:
            raise ValueError("fault rates must be non-negative and sum to at most 1")
        self.error_rate, self.timeout_rate, self.secondary_rate_limit_rate = rates

    def queue(self, fault: Fault, times: int = 1) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        self.pending.extend([fault] * times)

    def clear(self) -> None:
        self.pending.clear()
        self.set_rates()

    def draw(self, method: str, path: str) -> Fault | None:
        queued = self._take_queued(method, path)
        return queued if queued is not None else self._draw_random()

    def _take_queued(self, method: str, path: str) -> Fault | None:
        for index, fault in enumerate(self.pending):
            if fault.matches(method, path):
                return self.pending.pop(index)
        return None

    def _draw_random(self) -> Fault | None:
        if self.error_rate + self.timeout_rate + self.secondary_rate_limit_rate <= 0:
            return None
        roll = self.rng.random()
        if roll < self.error_rate:
            return Fault.error(self.rng.choice(self.random_error_statuses))
        roll -= self.error_rate
        if roll < self.timeout_rate:
            return Fault.timeout(self.random_timeout_seconds)
        roll -= self.timeout_rate
        if roll < self.secondary_rate_limit_rate:
            return Fault.secondary_rate_limit(self.random_retry_after)
        return None
