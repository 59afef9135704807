"""Batches on the emulator that the journal tracks: sent through the submit pipeline (`submit_items`) or made
without it (`create_tracked`, for cancel/delete); `finish` and `refresh` write what the poller would.
(The requests: tests/builders.py.)"""

from __future__ import annotations

import orjson

from tests.builders import items
from tui.core.journal.batches import apply_server_state
from tui.core.journal.connection import Journal
from tui.core.poll.ingest import ingest
from tui.core.submit.check import plan_from_requests
from tui.core.submit.send import submit


async def submit_items(journal_path, client, its: list[tuple[str, bytes]], label: str):
    """Submit (custom_id, params) items as one job labelled `label` through core.submit; return its row."""
    journal = await Journal.open(journal_path)
    try:
        [row] = await submit(journal, client, plan_from_requests(its, source=label), label=label, again=True)
        return row
    finally:
        await journal.close()


async def finish(journal_path, client, emu, row) -> None:
    """Wait for the server to end the batch, then record it and ingest its results (what the poller does)."""
    ended = await emu.wait_until_ended(row.id)
    journal = await Journal.open(journal_path)
    try:
        async with journal.transaction():
            await apply_server_state(journal, row.local_id, ended)
        assert (await ingest(journal, client, row.local_id)).complete
    finally:
        await journal.close()


async def create_tracked(journal, client, requests: list[dict], *, label: str | None = None) -> int:
    """Create a batch on the server and record it (row + requests) in the journal; return its local id."""
    batch = await client.messages.batches.create(requests=requests)
    async with journal.transaction():
        cur = await journal.db.execute("INSERT INTO batches(id, label) VALUES (?, ?)", (batch.id, label))
        local_id = cur.lastrowid
        await apply_server_state(journal, local_id, batch)
        await journal.db.executemany("INSERT INTO requests VALUES (?,?,?)",
                                     [(local_id, cid, params) for cid, params in items(requests)])
    return local_id


async def refresh(journal, client, local_id: int) -> None:
    """Retrieve the batch and write what the server says (what the poller would do)."""
    async with journal.db.execute("SELECT id FROM batches WHERE local_id = ?", (local_id,)) as cur:
        (batch_id,) = await cur.fetchone()
    batch = await client.messages.batches.retrieve(batch_id)
    async with journal.transaction():
        await apply_server_state(journal, local_id, batch)


async def events(journal, kind: str) -> list[tuple]:
    async with journal.db.execute("SELECT batch_local_id, detail FROM events WHERE kind = ? ORDER BY id",
                                  (kind,)) as cur:
        return [(r[0], orjson.loads(r[1]) if r[1] else None) for r in await cur.fetchall()]
