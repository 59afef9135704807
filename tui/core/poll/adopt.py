"""Adoption: batches found on the account that the journal does not know (made elsewhere: another machine, a
script, the console) get a row, marked `adopted`, and are then polled and ingested like any other.

One implementation for every front end: the poller records what its list pages find (`record_adopted`, inside
its sweep's transaction; the TUI and `watch`), and `adopt_from_account` does one bounded listing call for the
commands that want the account's batches before they start (`list`, `watch`). Never while a submission from
this journal is under way: its new batch must fill its intent, not be adopted as a stranger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from tui.core.api.errors import describe_api_error
from tui.core.journal.batches import get_batches, server_fields
from tui.core.journal.connection import Journal, one_row
from tui.core.models import BatchRow
from tui.core.poll.sweep_plan import next_interval

ADOPT_LIST_LIMIT = 1000     # one list page, newest first: what the poller's adoption scan reads too
ADOPT_TIMEOUT = 15.0        # seconds for that one call: a command waits no longer for an unreachable server
STATE_COLUMNS = ("processing_status", "n_processing", "n_succeeded", "n_errored", "n_canceled", "n_expired",
                 "created_at", "expires_at", "ended_at", "cancel_initiated_at", "archived_at", "results_url")
_EVENT = "INSERT INTO events(at, kind, batch_local_id, detail) VALUES (?, ?, ?, ?)"


@dataclass(slots=True)
class AdoptReport:
    adopted: list[BatchRow] = field(default_factory=list)   # newly recorded, newest first
    error: str | None = None       # the account could not be read (offline, key refused): nothing adopted
    waited: bool = False           # a submission is under way: adoption waits for the next look
    unreadable: int = 0            # batches on the account too malformed to record (a misbehaving server)


async def record_adopted(db: Any, batches: Iterable[Any], now: float,
                         next_at: Callable[[dict[str, Any]], float | None]) -> dict[str, int] | None:
    """Record the batches the journal does not know as adopted rows, inside the caller's transaction.
    Returns {batch id: local_id} of those recorded (next_poll_at from `next_at(fields)`), or None when a
    submission is under way (nothing recorded)."""
    batches = list(batches)
    if not batches:
        return {}
    async with db.execute("SELECT COUNT(*) FROM batches WHERE id IS NULL AND intent_state NOT IN "
                          "('failed', 'created')") as cur:
        (in_flight,) = await one_row(cur)
    if in_flight:
        return None   # a submission is under way: its new batch must fill its intent, not be adopted
    ids = orjson.dumps([b.id for b in batches]).decode()
    async with db.execute("SELECT id FROM batches WHERE id IN (SELECT value FROM json_each(?))", (ids,)) as cur:
        known = {i for (i,) in await cur.fetchall()}
    new = {b.id: b for b in batches if b.id not in known}
    if not new:
        return {}
    columns = ("id", *STATE_COLUMNS, "adopted", "intent_state", "last_polled_at", "next_poll_at")
    rows = []
    for batch in new.values():
        fields = server_fields(batch)
        rows.append((batch.id, *(fields[c] for c in STATE_COLUMNS), 1, "created", now, next_at(fields)))
    await db.executemany(f"INSERT INTO batches({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                         rows)
    async with db.execute("SELECT local_id, id FROM batches WHERE id IN (SELECT value FROM json_each(?))",
                          (orjson.dumps(list(new)).decode(),)) as cur:
        local_ids = {batch_id: local_id for local_id, batch_id in await cur.fetchall()}
    await db.executemany(_EVENT, [(now, "adopted", local_ids[i], orjson.dumps({"id": i}).decode()) for i in new])
    return {i: local_ids[i] for i in new}


def unreadable(batch: Any) -> str | None:
    """Why a MessageBatch from the server cannot be stored (a misbehaving server or proxy), else None."""
    try:
        fields = server_fields(batch)
    except (TypeError, ValueError, AttributeError) as exc:
        return f"the server sent a batch that cannot be read ({exc})"[:300]
    if not isinstance(fields["id"], str) or not isinstance(fields["processing_status"], str) \
            or not isinstance(fields["results_url"], (str, type(None))):
        return "the server sent a batch that cannot be read (id, processing_status or results_url missing)"
    return None


async def adopt_from_account(journal: Journal, client: Any, *, limit: int = ADOPT_LIST_LIMIT,
                             timeout: float = ADOPT_TIMEOUT, min_interval: float = 5.0,
                             max_interval: float = 180.0) -> AdoptReport:
    """One listing call (the newest `limit` batches, no retry, `timeout` seconds at most); the batches the
    journal does not know are recorded as adopted. Never raises for the server's sake: an unreachable or
    refusing server is `error` in the report (journal trouble is raised, as everywhere)."""
    try:
        page = await client.with_options(max_retries=0, timeout=timeout).messages.batches.list(limit=limit)
        found = list(page.data)
    except Exception as exc:   # offline, key refused, a proxy's garbage: said by the caller, nothing adopted
        return AdoptReport(error=describe_api_error(exc))
    readable = [b for b in found if unreadable(b) is None]
    report = AdoptReport(unreadable=len(found) - len(readable))
    now = journal.clock.now()

    def next_at(fields: dict[str, Any]) -> float | None:
        interval = next_interval(fields, now, min_interval, max(min_interval, max_interval))
        return None if interval is None else now + interval

    async with journal.transaction() as db:
        recorded = await record_adopted(db, readable, now, next_at)
    if recorded is None:
        report.waited = True
        return report
    rows = {row.local_id: row for row in await get_batches(journal, list(recorded.values()))}
    report.adopted = [rows[i] for i in recorded.values() if i in rows]
    report.adopted.sort(key=lambda r: (-(r.created_at or 0.0), -r.local_id))
    return report
