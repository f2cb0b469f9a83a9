"""Timestamps in the format GitHub uses: ISO 8601, UTC, seconds precision, trailing Z."""

from __future__ import annotations

from datetime import UTC, datetime


def iso8601(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def optional_iso8601(epoch: float | None) -> str | None:
    return None if epoch is None else iso8601(epoch)


def parse_iso8601(text: str) -> float | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
