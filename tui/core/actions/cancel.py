"""Cancel batches: ask the server, write its answer into the journal at once, keep a trail of who did it.

Only unfinished batches can be canceled. A refused or failed cancel says why and leaves the row as it was.
Network calls run concurrently; the journal is written afterwards in one transaction (never with a
request in flight inside it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.api.errors import describe_api_error
from tui.core.journal.connection import Journal
from tui.core.models import BatchRow
from tui.core.journal.batches import apply_server_state, get_batch

MAX_PARALLEL = 8


@dataclass(slots=True, frozen=True)
class CancelOutcome:
    key: str                    # what the caller named (id, short id or local id)
    ok: bool
    message: str                # one human line, for a notification or the terminal
    batch: BatchRow | None      # the row after the attempt (unchanged when not ok)


def cancel_refusal(batch: BatchRow) -> str | None:
    """Why this batch cannot be canceled, or None when it can."""
    name = batch.id or f"#{batch.local_id}"
    if batch.id is None:
        return f"{name} was never created on the server; nothing to cancel"
    if batch.gone:
        return f"{name} is gone from the server; nothing to cancel"
    if batch.processing_status == "ended":
        return f"{name} has already ended; only unfinished batches can be canceled"
    if batch.processing_status == "canceling":
        return f"{name} is already being canceled"
    if batch.processing_status != "in_progress":
        return f"{name} has no known state yet; refresh and try again"
    return None


async def cancel_batches(journal: Journal, client: Any, keys: Iterable[int | str], *,
                         actor: str = "cli") -> list[CancelOutcome]:
    """Cancel each named batch; one outcome per key, in the order given."""
    keys = list(keys)
    rows = [await get_batch(journal, key) for key in keys]
    limit = asyncio.Semaphore(MAX_PARALLEL)

    async def call(batch: BatchRow) -> tuple[Any, str | None]:
        async with limit:
            try:
                return await client.messages.batches.cancel(batch.id), None
            except Exception as exc:  # noqa: BLE001 - every failure becomes a message, none is swallowed
                return None, describe_api_error(exc)

    pending: dict[int, asyncio.Task[tuple[Any, str | None]]] = {}
    refusals: dict[int, str] = {}
    for i, (key, batch) in enumerate(zip(keys, rows)):
        if batch is None:
            refusals[i] = f"no batch matches {key!r} in the journal"
        elif (why := cancel_refusal(batch)) is not None:
            refusals[i] = why
        else:
            pending[i] = asyncio.create_task(call(batch))
    answers = {i: await task for i, task in pending.items()}

    async with journal.transaction():
        for i, (answer, error) in answers.items():
            batch = rows[i]
            assert batch is not None   # only batches found were asked
            if error is None:
                await apply_server_state(journal, batch.local_id, answer)
                await journal.record_event("canceled", batch_local_id=batch.local_id, job_id=batch.job_id,
                                           detail={"by": actor, "batch_id": batch.id})
            else:
                await journal.record_event("cancel_failed", batch_local_id=batch.local_id,
                                           job_id=batch.job_id,
                                           detail={"by": actor, "batch_id": batch.id, "error": error})

    outcomes = []
    for i, key in enumerate(keys):
        if i in refusals:
            outcomes.append(CancelOutcome(str(key), False, refusals[i], rows[i]))
            continue
        batch = rows[i]
        assert batch is not None   # not refused: found
        answer, error = answers[i]
        if error is not None:
            outcomes.append(CancelOutcome(str(key), False, f"could not cancel {batch.id}: {error}", batch))
            continue
        after = await get_batch(journal, batch.local_id)
        status = after.processing_status if after else "?"
        outcomes.append(CancelOutcome(str(key), True, f"{batch.id}: {status}", after))
    return outcomes
