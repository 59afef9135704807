"""What one poll sweep is about (pure bookkeeping, no I/O): which batches are due, what was seen of them,
which failed, which are gone, which batches on the account the journal does not know; plus the per-batch
interval policy, `retry-after` parsing and the in-process schedule that keeps wall-clock steps harmless."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from tui.core.clock import parse_ts

_COMPARED = ("processing_status", "n_processing", "n_succeeded", "n_errored", "n_canceled", "n_expired",
             "created_at", "expires_at", "ended_at", "cancel_initiated_at", "archived_at", "results_url")
MAX_RETRY_AFTER = 600.0


class Schedule:
    """When each unfinished batch is due again, as this process knows it.

    The journal's `next_poll_at` is wall time: every process on the journal (a `watch`, the TUI) reads and
    writes it, and wall time is the only clock they share. Inside one process a deadline it wrote itself is
    also kept on the monotonic clock, and the batch is due when either has passed: a wall clock stepped back
    (NTP, a laptop or VM resuming) cannot hold polling back, and one stepped forward only polls early. A
    deadline this process did not write (another process's, or one left from before a restart) is read as
    wall time, but one further ahead than `horizon` (the longest wait any poller writes: its max interval, the
    backoff cap, the retry-after cap) can only come from a clock step, so the batch is due now.
    """

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self._own: dict[str, tuple[float, float]] = {}   # batch id -> (next_poll_at written, monotonic deadline)

    def wrote(self, batch_id: str, next_poll_at: float | None, now: float, mono: float) -> None:
        """This process wrote `next_poll_at` for the batch at wall time `now` / monotonic time `mono`."""
        if next_poll_at is None:
            self._own.pop(batch_id, None)
        else:
            self._own[batch_id] = (next_poll_at, mono + (next_poll_at - now))

    def wait(self, row: Any, now: float, mono: float) -> float:
        """Seconds until the batch of this journal row is due (0 or less: due now)."""
        next_at = row["next_poll_at"]
        if next_at is None:
            return 0.0
        left = next_at - now
        own = self._own.get(row["id"])
        if own is not None and own[0] == next_at:
            return min(left, own[1] - mono)
        return 0.0 if left > self.horizon else left


class PollPlan:
    """The unfinished batches of the journal (rows) and what a sweep learns about them. `wait` gives the
    seconds until a row is due (a `Schedule`'s); without it, the row's `next_poll_at` against `now`."""

    def __init__(self, rows: list[Any], now: float, force: bool,
                 wait: Callable[[Any], float] | None = None) -> None:
        self.now = now
        self.rows = {row["id"]: row for row in rows}
        if wait is None:
            self.due = [row for row in rows if force or row["next_poll_at"] is None or row["next_poll_at"] <= now]
        else:
            self.due = [row for row in rows if force or wait(row) <= 0]
        self.seen: dict[str, Any] = {}             # id -> MessageBatch, for rows of the journal
        self.foreign: list[Any] = []               # MessageBatch the journal may not know (adoption)
        self.gone_rows: list[Any] = []
        self.failures: list[tuple[Any, str, float | None]] = []   # row, short error, retry-after time
        self.failed_all = False
        self._settled: set[str] = set()            # gone or failed this sweep

    def saw(self, batch: Any) -> None:
        if batch.id in self.rows:
            self.seen[batch.id] = batch
        else:
            self.foreign.append(batch)

    def gone(self, row: Any) -> None:
        self.gone_rows.append(row)
        self._settled.add(row["id"])

    def fail(self, row: Any, error: str, retry_at: float | None) -> None:
        self.failures.append((row, error, retry_at))
        self._settled.add(row["id"])

    def fail_all(self, error: str, retry_at: float | None) -> None:
        """A list page failed: every due batch not learned yet shares its error."""
        for row in self.unseen_due():
            self.fail(row, error, retry_at)
        self.failed_all = True

    def unseen_due(self) -> list[Any]:
        return [row for row in self.due if row["id"] not in self.seen and row["id"] not in self._settled]

    def older_than_all_unseen(self, batch: Any) -> bool:
        """True when `batch` (the oldest on a page) is older than every due batch still unseen: those
        would have been listed already, so more pages will not find them."""
        oldest = parse_ts(batch.created_at)
        unseen = self.unseen_due()
        return oldest is not None and all(r["created_at"] is not None and r["created_at"] > oldest for r in unseen)

    def learned(self) -> Iterator[tuple[Any, Any]]:
        """(row, MessageBatch) for every unfinished batch of the journal seen this sweep, due or not."""
        for batch_id, batch in self.seen.items():
            yield self.rows[batch_id], batch


def server_changed(row: Any, fields: dict[str, Any]) -> bool:
    return any(row[key] != fields[key] for key in _COMPARED)


def next_interval(fields: dict[str, Any], now: float, min_interval: float, max_interval: float) -> float | None:
    """Seconds until this batch should be polled again; None once it ended.

    Young batches, cancelling ones and those within 10 minutes of expiry: every `min_interval`. Then the
    interval grows with age: 3x after 5 minutes, 12x after an hour, `max_interval` after 6 hours.
    """
    status = fields["processing_status"]
    if status == "ended":
        return None
    expires = fields["expires_at"]
    if status == "canceling" or (expires is not None and expires - now < 600):
        return min_interval
    age = now - (fields["created_at"] or now)
    if age < 300:
        interval = min_interval
    elif age < 3600:
        interval = 3 * min_interval
    elif age < 6 * 3600:
        interval = 12 * min_interval
    else:
        interval = max_interval
    return max(min_interval, min(interval, max_interval))


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's `retry-after-ms` / `retry-after` (seconds) on a failed call, if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value) * scale
            except ValueError:
                continue
            if seconds >= 0:
                return min(seconds, MAX_RETRY_AFTER)
    return None
