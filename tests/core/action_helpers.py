"""Batches on the emulator that the journal tracks, made without the submit pipeline (for cancel/delete)."""

from __future__ import annotations

import orjson

from tui.core.journal.batches import apply_server_state


def requests_for(prefix: str, n: int, **extra) -> list[dict]:
    return [{"custom_id": f"{prefix}-{i}", "params": {
        "model": "claude-haiku-4-5", "max_tokens": 64,
        "messages": [{"role": "user", "content": f"question {i} of {prefix}"}], **extra}} for i in range(n)]


async def create_tracked(journal, client, requests: list[dict], *, label: str | None = None) -> int:
    """Create a batch on the server and record it (row + requests) in the journal; return its local id."""
    batch = await client.messages.batches.create(requests=requests)
    async with journal.transaction():
        cur = await journal.db.execute("INSERT INTO batches(id, label) VALUES (?, ?)", (batch.id, label))
        local_id = cur.lastrowid
        await apply_server_state(journal, local_id, batch)
        await journal.db.executemany("INSERT INTO requests VALUES (?,?,?)", [
            (local_id, r["custom_id"], orjson.dumps(r["params"])) for r in requests])
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
