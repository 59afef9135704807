"""Writing what one poll sweep learned into the journal: one transaction, a few `executemany`s, so a sweep
in which a thousand batches end costs a thousand rows of SQL, not three thousand round trips."""

from __future__ import annotations

import random
from typing import Any

import orjson

from tui.core.journal.connection import Journal
from tui.core.poll.adopt import STATE_COLUMNS as _STATE_COLUMNS, record_adopted
from tui.core.poll.sweep_plan import PollPlan, next_interval, server_changed
from tui.core.journal.batches import server_fields

MAX_BACKOFF = 300.0
GONE_MESSAGE = "not found on the server (404): deleted or not visible to this key"
_UPDATE_STATE = ("UPDATE batches SET " + ", ".join(f"{c} = ?" for c in _STATE_COLUMNS) +
                 ", last_polled_at = ?, next_poll_at = ?, poll_errors = 0, last_poll_error = NULL, gone = 0 "
                 "WHERE local_id = ?")
_EVENT = "INSERT INTO events(at, kind, batch_local_id, detail) VALUES (?, ?, ?, ?)"


def backoff(base: float, failures: int) -> float:
    """Exponential with jitter: base * 2^(failures-1), capped, times a random 0.5..1."""
    return min(MAX_BACKOFF, base * 2 ** max(failures - 1, 0)) * random.uniform(0.5, 1.0)


class SweepWriter:
    def __init__(self, journal: Journal, min_interval: float, max_interval: float, adopt: bool) -> None:
        self.journal, self.min_interval, self.max_interval, self.adopt = journal, min_interval, max_interval, adopt

    def _next_at(self, fields: dict[str, Any], now: float) -> float | None:
        interval = next_interval(fields, now, self.min_interval, self.max_interval)
        return None if interval is None else now + interval

    async def write(self, plan: PollPlan, now: float
                    ) -> tuple[list[int], list[int], list[int], dict[str, float | None]]:
        """Everything the sweep learned, in one transaction: (changed, ended, adopted) local ids, and the
        `next_poll_at` written for each batch id (for the poller's in-process schedule)."""
        changed: list[int] = []
        scheduled: dict[str, float | None] = {}
        ended: list[int] = []
        updates: list[tuple] = []
        snapshots: list[tuple] = []
        events: list[tuple] = []
        quiet: list[tuple] = []
        for row, batch in plan.learned():
            fields = server_fields(batch)
            local_id = row["local_id"]
            next_at = scheduled[row["id"]] = self._next_at(fields, now)
            if not server_changed(row, fields):
                quiet.append((now, next_at, local_id))
                continue
            changed.append(local_id)
            updates.append((*(fields[c] for c in _STATE_COLUMNS), now, next_at, local_id))
            snapshots.append((local_id, now, fields["n_processing"], fields["n_succeeded"], fields["n_errored"],
                              fields["n_canceled"], fields["n_expired"]))
            if fields["processing_status"] == "ended" and row["processing_status"] != "ended":
                ended.append(local_id)
                events.append((now, "ended", local_id, orjson.dumps({
                    "succeeded": fields["n_succeeded"], "errored": fields["n_errored"],
                    "canceled": fields["n_canceled"], "expired": fields["n_expired"]}).decode()))
        gone = [(now, GONE_MESSAGE, row["local_id"]) for row in plan.gone_rows]
        events += [(now, "gone", row["local_id"], orjson.dumps({"id": row["id"]}).decode()) for row in plan.gone_rows]
        changed += [row["local_id"] for row in plan.gone_rows]
        failed = [(error, max(now + backoff(self.min_interval, row["poll_errors"] + 1), retry_at or 0.0),
                   row["local_id"]) for row, error, retry_at in plan.failures]
        scheduled.update({row["id"]: None for row in plan.gone_rows})
        scheduled.update({row["id"]: at for (row, _, _), (_, at, _) in zip(plan.failures, failed)})
        if not (updates or quiet or gone or failed or (self.adopt and plan.foreign)):
            return changed, ended, [], scheduled          # nothing learned: do not take the write lock
        async with self.journal.transaction() as db:
            await db.executemany(_UPDATE_STATE, updates)
            await db.executemany("INSERT OR REPLACE INTO snapshots(batch_local_id, at, n_processing, n_succeeded, "
                                 "n_errored, n_canceled, n_expired) VALUES (?,?,?,?,?,?,?)", snapshots)
            await db.executemany("UPDATE batches SET last_polled_at = ?, next_poll_at = ?, poll_errors = 0, "
                                 "last_poll_error = NULL WHERE local_id = ?", quiet)
            await db.executemany("UPDATE batches SET gone = 1, last_polled_at = ?, next_poll_at = NULL, "
                                 "last_poll_error = ? WHERE local_id = ?", gone)
            await db.executemany("UPDATE batches SET poll_errors = poll_errors + 1, last_poll_error = ?, "
                                 "next_poll_at = ? WHERE local_id = ?", failed)
            await db.executemany(_EVENT, events)
            adopted = await self._adopt(plan, now, scheduled)
        return changed, ended, adopted, scheduled

    async def _adopt(self, plan: PollPlan, now: float, scheduled: dict[str, float | None]) -> list[int]:
        """Record batches seen on the account that the journal does not know (inside the sweep's transaction)."""
        if not self.adopt or not plan.foreign:
            return []

        def next_at(fields: dict[str, Any]) -> float | None:
            at = scheduled[fields["id"]] = self._next_at(fields, now)
            return at

        recorded = await record_adopted(self.journal.db, plan.foreign, now, next_at)
        return list(recorded.values()) if recorded else []
