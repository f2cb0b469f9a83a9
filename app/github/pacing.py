"""How fast paasbot opens pull requests for an installation: at most `limit` in any window of a
minute (GitHub's secondary rate limits cap content creation at about 80 requests a minute, and a
PR takes four or more). Used by propagation and onboarding. Pure."""

from __future__ import annotations

from collections.abc import Sequence

WINDOW_SECONDS = 60.0


class PaceReached(Exception):
    """The installation opened its PRs for this minute: the rest waits until `at`."""

    def __init__(self, at: float) -> None:
        super().__init__(f"PR limit reached until {at}")
        self.at = at


def check_pace(opened: Sequence[float], now: float, limit: int) -> None:
    """Raises PaceReached when `limit` PRs were opened in the window ending now. `opened`: when
    the installation's PRs were opened, ascending. A PR opened exactly a window ago no longer
    counts, so the time PaceReached names lets the next PR through."""
    recent = [at for at in opened if at > now - WINDOW_SECONDS]
    if len(recent) >= limit:
        raise PaceReached(recent[-limit] + WINDOW_SECONDS)
