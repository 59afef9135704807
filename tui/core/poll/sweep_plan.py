"""What one poll sweep is about (pure bookkeeping, no I/O): which batches are due, what was seen of them,
which failed, which are gone, which batches on the account the journal does not know; plus the per-batch
interval policy and `retry-after` parsing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tui.core.clock import parse_ts

_COMPARED = ("processing_status", "n_processing", "n_succeeded", "n_errored", "n_canceled", "n_expired",
             "created_at", "expires_at", "ended_at", "cancel_initiated_at", "archived_at", "results_url")
MAX_RETRY_AFTER = 600.0


class PollPlan:
    """The unfinished batches of the journal (rows) and what a sweep learns about them."""

    def __init__(self, rows: list[Any], now: float, force: bool) -> None:
        self.now = now
        self.rows = {row["id"]: row for row in rows}
        self.due = [row for row in rows if force or row["next_poll_at"] is None or row["next_poll_at"] <= now]
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
