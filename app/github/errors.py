"""Errors the GitHub client raises beyond gidgethub's own."""

from __future__ import annotations


class RescheduleRequired(Exception):
    """The installation must wait (rate limit): the worker puts the subject back until `at`."""

    def __init__(self, at: float, reason: str) -> None:
        super().__init__(reason)
        self.at = at
        self.reason = reason


class GitHubUnavailable(Exception):
    """GitHub did not answer usefully after the retries (5xx, timeouts)."""
