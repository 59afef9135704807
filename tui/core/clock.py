"""Time, injected: core code asks a Clock, so tests and snapshots can fix the hour."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time as unix seconds (float)."""

    def now(self) -> float:
        return time.time()


class FixedClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, at: float) -> None:
        self.at = at

    def now(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


def parse_ts(value: str | datetime | None) -> float | None:
    """RFC 3339 string (or datetime) -> unix seconds; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def format_ts(ts: float | None) -> str | None:
    """unix seconds -> RFC 3339 with Z (as the API writes them)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")
