"""The poller's sweeps and the ingests it starts share one Journal (one connection): a transaction of one task
must never swallow or roll back the writes of another."""

from __future__ import annotations

import asyncio

import pytest


async def _ids(journal) -> list[str]:
    async with journal.db.execute("SELECT id FROM batches ORDER BY id") as cur:
        return [r[0] for r in await cur.fetchall()]


async def test_a_rolled_back_transaction_does_not_take_another_tasks_writes(journal) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def failing() -> None:
        with pytest.raises(RuntimeError):
            async with journal.transaction() as db:
                await db.execute("INSERT INTO batches(id) VALUES ('msgbatch_rolled_back')")
                inside.set()
                await release.wait()
                raise RuntimeError("boom")

    async def other() -> None:
        await inside.wait()
        async with journal.transaction() as db:     # waits for the failing one instead of joining it
            await db.execute("INSERT INTO batches(id) VALUES ('msgbatch_kept')")

    first = asyncio.create_task(failing())
    second = asyncio.create_task(other())
    await inside.wait()
    await asyncio.sleep(0.05)
    assert not second.done()
    release.set()
    await asyncio.gather(first, second)
    assert await _ids(journal) == ["msgbatch_kept"]


async def test_nested_use_in_one_task_joins(journal) -> None:
    async with journal.transaction() as db:
        await db.execute("INSERT INTO batches(id) VALUES ('msgbatch_outer')")
        async with journal.transaction() as inner:
            await inner.execute("INSERT INTO batches(id) VALUES ('msgbatch_inner')")
    assert await _ids(journal) == ["msgbatch_inner", "msgbatch_outer"]
