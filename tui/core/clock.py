"""Time, injected: core code asks a Clock, so tests and snapshots can fix the hour.

Two kinds of time: `now()` is the wall clock (unix seconds), for what dates mean (a batch's created_at and
expires_at, the journal's timestamps, shared with other processes); `monotonic()` never steps back or jumps,
for intervals and deadlines inside one process (when to poll again, how long a pause lasts), so an NTP step or
a laptop or VM resuming neither stops polling nor makes it spin.

A third: the server's clock. Times the server hands out (created_at, expires_at, ...) are read against
`server_now()`, this clock plus the offset measured from the `date` header of the server's answers
(`observe_server_date`, fed by the client's event hook in `tui/core/api/client.py`): on a server whose clock is
minutes off, a batch made a minute ago is "1m" old, not "3h20m" or "-9m". The offset is kept in memory, per
process and per clock, and measured again from every answer; before the first answer it is 0."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

OFFSET_JITTER = 2.0   # seconds: the `date` header has whole seconds, plus the time an answer takes to arrive


class Clock:
    """Wall-clock time as unix seconds (float), a monotonic clock for intervals, and the server's clock."""

    server_offset: float | None = None   # the server's clock minus this one, once an answer has said

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def server_now(self) -> float:
        """The server's time now: what its dates are read against (ages, countdowns)."""
        return self.now() + (self.server_offset or 0.0)

    def observe_server_date(self, date_header: str | None) -> None:
        """An answer arrived with this `date` header: measure the server's clock against this one. A change
        within the header's own imprecision is ignored, so ages on screen do not flicker."""
        at = server_date(date_header)
        if at is None:
            return
        offset = at + 0.5 - self.now()   # the header is truncated to the second
        if self.server_offset is None or abs(offset - self.server_offset) > OFFSET_JITTER:
            self.server_offset = offset


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


def server_date(value: str | None) -> float | None:
    """An HTTP `date` header (RFC 7231: `Sun, 29 Nov 2026 22:20:16 GMT`) -> unix seconds; None if absent or
    unreadable (a proxy may drop or garble it)."""
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def format_ts(ts: float | None) -> str | None:
    """unix seconds -> RFC 3339 with Z (as the API writes them)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")
