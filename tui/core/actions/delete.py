"""Delete ended batches on the server; mark the journal row, and keep its local results unless told to
forget them (then the batch's row, requests, results and snapshots leave the journal; the events trail
keeps a `deleted` entry naming it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.api.errors import describe_api_error
from tui.core.journal import search
from tui.core.journal.connection import Journal
from tui.core.models import BatchRow
from tui.core.journal.batches import get_batch

MAX_PARALLEL = 8


@dataclass(slots=True, frozen=True)
class DeleteOutcome:
    key: str
    ok: bool
    message: str
    batch: BatchRow | None      # the row after the attempt; None once forgotten


def delete_refusal(batch: BatchRow) -> str | None:
    """Why this batch cannot be deleted, or None when it can."""
    name = batch.id or f"#{batch.local_id}"
    if batch.id is None:
        return None if batch.intent_state == "failed" else f"{name} is still being submitted"
    if batch.gone or batch.deleted_at is not None:
        return None  # nothing left on the server: only the local side remains
    if batch.processing_status != "ended":
        return f"{name} has not ended ({batch.processing_status or 'unknown'}); cancel it first or wait"
    return None


async def delete_batches(journal: Journal, client: Any, keys: Iterable[int | str], *, forget: bool = False,
                         actor: str = "cli") -> list[DeleteOutcome]:
    """Delete each named batch; one outcome per key, in the order given."""
    import anthropic

    keys = list(keys)
    rows = [await get_batch(journal, key) for key in keys]
    limit = asyncio.Semaphore(MAX_PARALLEL)

    async def call(batch: BatchRow) -> str | None:
        if batch.id is None or batch.gone or batch.deleted_at is not None:
            return None
        async with limit:
            try:
                await client.messages.batches.delete(batch.id)
            except anthropic.NotFoundError:
                return None  # already gone on the server: the goal is reached
            except Exception as exc:  # noqa: BLE001 - every failure becomes a message
                return describe_api_error(exc)
        return None

    refusals: dict[int, str] = {}
    pending: dict[int, asyncio.Task[str | None]] = {}
    for i, (key, batch) in enumerate(zip(keys, rows)):
        if batch is None:
            refusals[i] = f"no batch matches {key!r} in the journal"
        elif (why := delete_refusal(batch)) is not None:
            refusals[i] = why
        else:
            pending[i] = asyncio.create_task(call(batch))
    errors = {i: await task for i, task in pending.items()}

    now = journal.clock.now()
    async with journal.transaction():
        for i, error in errors.items():
            batch = rows[i]
            assert batch is not None   # only batches found were asked
            detail = {"by": actor, "batch_id": batch.id, "forget": forget}
            if error is not None:
                await journal.record_event("delete_failed", batch_local_id=batch.local_id, job_id=batch.job_id,
                                           detail={**detail, "error": error})
                continue
            await journal.record_event("deleted", batch_local_id=None if forget else batch.local_id,
                                       job_id=batch.job_id, detail=detail)
            if forget:   # its words leave the search index first: the index is told them by the rows
                await search.forget_batch(journal.db, batch.local_id)
                await journal.db.execute("DELETE FROM batches WHERE local_id = ?", (batch.local_id,))
            else:
                await journal.db.execute(
                    "UPDATE batches SET deleted_at = COALESCE(deleted_at, ?) WHERE local_id = ?",
                    (now, batch.local_id))

    outcomes = []
    for i, key in enumerate(keys):
        batch = rows[i]
        if i in refusals:
            outcomes.append(DeleteOutcome(str(key), False, refusals[i], batch))
            continue
        assert batch is not None   # not refused: found
        if errors[i] is not None:
            outcomes.append(DeleteOutcome(str(key), False, f"could not delete {batch.id}: {errors[i]}", batch))
        elif forget:
            outcomes.append(DeleteOutcome(str(key), True,
                                          f"{batch.id or batch.local_id}: deleted, local results forgotten", None))
        else:
            after = await get_batch(journal, batch.local_id)
            kept = f"{after.results_ingested} local results kept" if after else "deleted"
            outcomes.append(DeleteOutcome(str(key), True, f"{batch.id}: deleted on the server, {kept}", after))
    return outcomes
