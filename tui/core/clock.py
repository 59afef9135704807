"""Time, injected: core code asks a Clock, so tests and snapshots can fix the hour.

Two kinds of time: `now()` is the wall clock (unix seconds), for what dates mean (a batch's created_at and
expires_at, the journal's timestamps, shared with other processes); `monotonic()` never steps back or jumps,
for intervals and deadlines inside one process (when to poll again, how long a pause lasts), so an NTP step or
a laptop or VM resuming neither stops polling nor makes it spin."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time as unix seconds (float), and a monotonic clock for intervals."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class FixedClock(Clock):
    """A clock that only moves when told to: `advance` moves both clocks (time passes), `step` only the wall
    clock (an NTP correction, a resumed VM)."""

    def __init__(self, at: float) -> None:
        self.at = at
        self.ticks = 0.0

    def now(self) -> float:
        return self.at

    def monotonic(self) -> float:
        return self.ticks

    def advance(self, seconds: float) -> None:
        self.at += seconds
        self.ticks += seconds

    def step(self, seconds: float) -> None:
        """The wall clock is set forward (or back, with a negative step); no time passes."""
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
