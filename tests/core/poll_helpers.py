"""Helpers for the poller and ingest tests: batches created straight through the SDK, journal rows.
(The requests: tests/builders.py.)"""

from __future__ import annotations

from typing import Any

from tests.builders import requests
from tui.core.journal.connection import Journal
from tui.core.journal.batches import server_fields


async def create_recorded(journal: Journal, client: Any, n: int, prefix: str = "r") -> tuple[int, str]:
    """Create a batch through the SDK and record it in the journal as submit would: (local_id, batch id)."""
    batch = await client.messages.batches.create(requests=requests(n, ids=prefix + "{i}", model="claude-sonnet-4-5"))
    return await record(journal, batch), batch.id


async def record(journal: Journal, batch: Any) -> int:
    fields = server_fields(batch)
    fields["intent_request_count"] = fields["n_processing"]
    async with journal.transaction() as db:
        cur = await db.execute(f"INSERT INTO batches({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                               tuple(fields.values()))
        return cur.lastrowid
