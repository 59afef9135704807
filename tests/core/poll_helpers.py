"""Helpers for the poller and ingest tests: requests, batches created straight through the SDK, journal rows."""

from __future__ import annotations

from typing import Any

from tui.core.journal.connection import Journal
from tui.core.journal.batches import server_fields


def requests(n: int, prefix: str = "r", *, max_tokens: int = 16) -> list[dict[str, Any]]:
    return [{"custom_id": f"{prefix}{i}", "params": {
        "model": "claude-sonnet-4-5", "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": f"Say something about the number {i}."}]}} for i in range(n)]


async def create_recorded(journal: Journal, client: Any, n: int, prefix: str = "r") -> tuple[int, str]:
    """Create a batch through the SDK and record it in the journal as submit would: (local_id, batch id)."""
    batch = await client.messages.batches.create(requests=requests(n, prefix))
    return await record(journal, batch), batch.id


async def record(journal: Journal, batch: Any) -> int:
    fields = server_fields(batch)
    fields["intent_request_count"] = fields["n_processing"]
    async with journal.transaction() as db:
        cur = await db.execute(f"INSERT INTO batches({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                               tuple(fields.values()))
        return cur.lastrowid
