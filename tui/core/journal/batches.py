"""Batch rows in the journal: reading them as `BatchRow`, writing server state into them.

Shared by submit (fills an intent with the created batch), the poller (updates, adoption) and the actions.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from typing import Any

import orjson

from tui.core.clock import parse_ts
from tui.core.journal.connection import Journal, all_rows
from tui.core.models import BatchRow
from tui.core.journal.sums import result_sums, version_of

# chunk_count: the batches of the row's job (one probe of the batches_job index a row, in the same query)
_SELECT = """
    SELECT b.*, j.name AS job_name, j.source_path AS source_path,
           (SELECT COUNT(*) FROM batches c WHERE c.job_id = b.job_id) AS chunk_count
    FROM batches b LEFT JOIN jobs j ON j.id = b.job_id
"""

async def _with_costs(journal: Journal, rows: Iterable[sqlite3.Row]) -> list[BatchRow]:
    batches = [BatchRow.from_row(r) for r in rows]
    sums = await result_sums(journal, {b.local_id: version_of(b.results_ingested, b.ingest_state, b.id)
                                       for b in batches})
    return [dataclasses.replace(b, cost_usd=sums[b.local_id][1]) for b in batches]


def server_fields(batch: Any) -> dict[str, Any]:
    """Columns from a MessageBatch (SDK model or plain dict) -> batches columns."""
    get = batch.get if isinstance(batch, dict) else (lambda k: getattr(batch, k, None))
    counts = get("request_counts") or {}
    cget = counts.get if isinstance(counts, dict) else (lambda k: getattr(counts, k, 0))
    return {
        "id": get("id"),
        "processing_status": get("processing_status"),
        "n_processing": int(cget("processing") or 0),
        "n_succeeded": int(cget("succeeded") or 0),
        "n_errored": int(cget("errored") or 0),
        "n_canceled": int(cget("canceled") or 0),
        "n_expired": int(cget("expired") or 0),
        "created_at": parse_ts(get("created_at")),
        "expires_at": parse_ts(get("expires_at")),
        "ended_at": parse_ts(get("ended_at")),
        "cancel_initiated_at": parse_ts(get("cancel_initiated_at")),
        "archived_at": parse_ts(get("archived_at")),
        "results_url": get("results_url"),
    }


async def apply_server_state(journal: Journal, local_id: int, batch: Any) -> None:
    """Write what the server said about a batch into its row (call inside a transaction)."""
    fields = server_fields(batch)
    fields["last_polled_at"] = journal.clock.now()
    fields["gone"] = 0
    cols = ", ".join(f"{k} = ?" for k in fields)
    await journal.db.execute(f"UPDATE batches SET {cols} WHERE local_id = ?", (*fields.values(), local_id))


async def get_batch(journal: Journal, key: int | str) -> BatchRow | None:
    """By local_id (int), or by server id: exact, or a unique prefix or suffix (the short ids shown)."""
    if isinstance(key, int):
        async with journal.db.execute(_SELECT + " WHERE b.local_id = ?", (key,)) as cur:
            row = await cur.fetchone()
        return (await _with_costs(journal, [row]))[0] if row else None
    async with journal.db.execute(_SELECT + " WHERE b.id = ?", (key,)) as cur:
        row = await cur.fetchone()
    if row or len(key) < 6:
        return (await _with_costs(journal, [row]))[0] if row else None
    esc = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    async with journal.db.execute(
        _SELECT + " WHERE b.id LIKE ? ESCAPE '\\' OR b.id LIKE ? ESCAPE '\\' LIMIT 2",
        (esc + "%", "%" + esc),
    ) as cur:
        rows = await all_rows(cur)
    return (await _with_costs(journal, rows))[0] if len(rows) == 1 else None


async def list_batches(journal: Journal, *, unfinished_only: bool = False) -> list[BatchRow]:
    """Every batch the journal knows, newest first."""
    where = " WHERE b.processing_status IN ('in_progress','canceling') AND b.gone = 0" if unfinished_only else ""
    async with journal.db.execute(_SELECT + where + " ORDER BY COALESCE(b.created_at, b.intent_sent_at, 0) DESC, b.local_id DESC") as cur:
        rows = await cur.fetchall()
    return await _with_costs(journal, rows)


async def get_batches(journal: Journal, local_ids: list[int]) -> list[BatchRow]:
    """Several batches by local_id in one query (order not kept)."""
    if not local_ids:
        return []
    async with journal.db.execute(_SELECT + " WHERE b.local_id IN (SELECT value FROM json_each(?))",
                                  (orjson.dumps(local_ids).decode(),)) as cur:
        rows = await cur.fetchall()
    return await _with_costs(journal, rows)
