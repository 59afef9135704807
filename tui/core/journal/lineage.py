"""A job's family of batches (its chunks, their retries, retries of retries) and its final answer per
`custom_id`: the newest succeeded result across the family, else the newest result of any kind.

"Newest" = the batch created last (server `created_at`, then local order). Read in keyset-paged chunks
so a job of any size is walked in bounded memory.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import AsyncIterator
from typing import Any

from tui.core.journal.connection import Journal, one_row
from tui.core.models import BatchRow
from tui.core.journal.schema import NOT_SUCCEEDED
from tui.core.journal.batches import get_batch

RESULT_COLUMNS = (
    "custom_id", "result_type", "error_type", "error_message", "stop_reason", "model",
    "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
    "cost_usd", "raw",
)
_COLS = ", ".join(f"r.{c}" for c in RESULT_COLUMNS)


async def root_of(journal: Journal, batch: BatchRow) -> BatchRow:
    """Follow parent links up to the first batch of the lineage (stops at an unknown parent or a loop)."""
    seen = {batch.local_id}
    while batch.parent_id:
        parent = await get_batch(journal, batch.parent_id)
        if parent is None or parent.local_id in seen:
            break
        seen.add(parent.local_id)
        batch = parent
    return batch


async def family_ids(journal: Journal, batch: BatchRow) -> list[int]:
    """Local ids of every batch in `batch`'s job plus all their retries, newest first."""
    root = await root_of(journal, batch)
    if root.job_id is not None:
        seed, arg = "SELECT local_id, id FROM batches WHERE job_id = ?", root.job_id
    else:
        seed, arg = "SELECT local_id, id FROM batches WHERE local_id = ?", root.local_id
    sql = f"""
        WITH RECURSIVE fam(local_id, id) AS (
            {seed}
            UNION
            SELECT b.local_id, b.id FROM batches b JOIN fam ON b.parent_id = fam.id
        )
        SELECT b.local_id FROM batches b JOIN fam ON fam.local_id = b.local_id
        ORDER BY COALESCE(b.created_at, b.intent_sent_at, 0) DESC, b.local_id DESC
    """
    async with journal.db.execute(sql, (arg,)) as cur:
        return [row[0] for row in await cur.fetchall()]


async def family_of_job(journal: Journal, job_id: int) -> list[int]:
    """Like `family_ids`, starting from a job id (empty when the job has no batches)."""
    async with journal.db.execute("SELECT local_id FROM batches WHERE job_id = ? LIMIT 1", (job_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        return []
    first = await get_batch(journal, row[0])
    return await family_ids(journal, first) if first else []


async def children_of(journal: Journal, batch: BatchRow) -> list[BatchRow]:
    """The batches that retry this one, oldest first."""
    if batch.id is None:
        return []
    async with journal.db.execute("SELECT local_id FROM batches WHERE parent_id = ? ORDER BY local_id",
                                  (batch.id,)) as cur:
        ids = [row[0] for row in await cur.fetchall()]
    return [b for i in ids if (b := await get_batch(journal, i)) is not None]


async def iter_final_results(journal: Journal, local_ids: list[int], *,
                             chunk: int = 5000) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield chunks of the final result per custom_id over `local_ids` (ordered newest batch first),
    in custom_id order. Each row: the RESULT_COLUMNS plus `batch_local_id` and `batch_id`.

    A k-way merge: each batch is read in custom_id order by keyset pages on its primary key (no sort),
    and a custom_id is decided once every batch has been read past it."""
    if not local_ids:
        return
    rank = {lid: i for i, lid in enumerate(local_ids)}
    page = max(1, chunk // len(local_ids))
    sql = f"""
        SELECT {_COLS}, r.batch_local_id, b.id AS batch_id
        FROM results r JOIN batches b ON b.local_id = r.batch_local_id
        WHERE r.batch_local_id = ? AND r.custom_id > ?
        ORDER BY r.custom_id LIMIT ?
    """
    buffers: dict[int, list[dict[str, Any]]] = {lid: [] for lid in local_ids}
    after = dict.fromkeys(local_ids, "")
    done: set[int] = set()
    while True:
        for lid in local_ids:
            if not buffers[lid] and lid not in done:
                async with journal.db.execute(sql, (lid, after[lid], page)) as cur:
                    rows = [dict(r) for r in await cur.fetchall()]
                if len(rows) < page:
                    done.add(lid)
                if rows:
                    after[lid] = rows[-1]["custom_id"]
                    buffers[lid] = rows
        live = [lid for lid in local_ids if buffers[lid]]
        if not live:
            return
        reading = [buffers[lid][-1]["custom_id"] for lid in live if lid not in done]
        mark = min(reading) if reading else None    # every custom_id <= mark has been read everywhere
        ready: list[dict[str, Any]] = []
        for lid in live:
            rows = buffers[lid]
            cut = len(rows) if mark is None else bisect_right([r["custom_id"] for r in rows], mark)
            ready.extend(rows[:cut])
            buffers[lid] = rows[cut:]
        yield _pick(ready, rank)


def _pick(rows: list[dict[str, Any]], rank: dict[int, int]) -> list[dict[str, Any]]:
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        cur = best.get(row["custom_id"])
        if cur is None or _better(row, cur, rank):
            best[row["custom_id"]] = row
    return [best[k] for k in sorted(best)]


def _better(a: dict[str, Any], b: dict[str, Any], rank: dict[int, int]) -> bool:
    a_ok, b_ok = a["result_type"] == "succeeded", b["result_type"] == "succeeded"
    if a_ok != b_ok:
        return a_ok
    return rank.get(a["batch_local_id"], 1 << 30) < rank.get(b["batch_local_id"], 1 << 30)


async def final_summary(journal: Journal, local_ids: list[int]) -> tuple[int, int]:
    """(custom_ids with a result anywhere in the family, of which succeeded at least once)."""
    if not local_ids:
        return 0, 0
    marks = ",".join("?" * len(local_ids))
    # Index-only: the custom_ids from the primary key, and those that failed in every batch holding them
    # (as often in `results_failed` as in the primary key) from the small index of failures.
    sql = (f"SELECT (SELECT COUNT(DISTINCT custom_id) FROM results WHERE batch_local_id IN ({marks})),"
           f" (SELECT COUNT(*) FROM (SELECT custom_id, COUNT(*) AS n FROM results INDEXED BY results_failed"
           f"  WHERE batch_local_id IN ({marks}) AND {NOT_SUCCEEDED} GROUP BY custom_id) f"
           f"  WHERE f.n = (SELECT COUNT(*) FROM results a WHERE a.batch_local_id IN ({marks})"
           f"  AND a.custom_id = f.custom_id))")
    async with journal.db.execute(sql, [*local_ids, *local_ids, *local_ids]) as cur:
        total, never_ok = await one_row(cur)
    return int(total), int(total) - int(never_ok)
