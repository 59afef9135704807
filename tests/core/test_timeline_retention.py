"""Retention against the emulator: results not yet in the journal are ingested before day 29, and the
journal then says which results live only locally; a batch left too long is lost, and says so."""

from __future__ import annotations

import anthropic

from tests.builders import requests
from tui.core.timing import deadlines as tl
from tui.core.clock import Clock
from tui.core.poll.ingest import ingest
from tui.core.journal.connection import Journal
from tui.core.journal.batches import apply_server_state, get_batch, list_batches, server_fields


async def waiting(journal: Journal) -> list:
    """Ended batches whose results are still only on the server, the ones deleted soonest first."""
    now = journal.clock.now()
    rows = [b for b in await list_batches(journal) if tl.results_location(b, now) == tl.ON_SERVER]
    return sorted(rows, key=lambda b: (b.created_at, b.local_id))


class EmulatedClock(Clock):
    def __init__(self, emu) -> None:
        self.emu = emu

    def now(self) -> float:
        return self.emu.now()


async def _recorded(journal: Journal, client, prefix: str) -> tuple[int, str]:
    batch = await client.messages.batches.create(requests=requests(3, ids=prefix + "{i}"))
    fields = server_fields(batch)
    async with journal.transaction() as db:
        cur = await db.execute(f"INSERT INTO batches({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                               tuple(fields.values()))
    return cur.lastrowid, batch.id


async def _refresh(journal: Journal, client, local_id: int, batch_id: str) -> None:
    batch = await client.messages.batches.retrieve(batch_id)
    async with journal.transaction():
        await apply_server_state(journal, local_id, batch)


async def test_ingest_before_deletion_then_local_only(emulator, journal_path) -> None:
    journal = await Journal.open(journal_path, EmulatedClock(emulator))
    try:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url) as client:
            early, early_id = await _recorded(journal, client, "a")
            late, late_id = await _recorded(journal, client, "b")
            for lid, bid in ((early, early_id), (late, late_id)):
                await emulator.wait_until_ended(bid)
                await _refresh(journal, client, lid, bid)

            emulator.advance(28 * tl.DAY)                       # a day before the server deletes them
            due = await waiting(journal)
            assert {b.local_id for b in due} == {early, late}
            first = due[0]
            report = await ingest(journal, client, first.local_id)
            assert report.state == "complete" and report.results_ingested == 3

            emulator.advance(1 * tl.DAY + 60)                   # day 29 has passed
            gone_id = late_id if first.local_id == early else early_id
            assert emulator.get_batch(gone_id)["archived_at"] is not None
            assert await waiting(journal) == []           # nothing left to save
            kept = await get_batch(journal, first.local_id)
            assert tl.results_location(kept, journal.clock.now()) == tl.LOCAL_ONLY
            lost = await get_batch(journal, late if first.local_id == early else early)
            assert tl.results_location(lost, journal.clock.now()) == tl.LOST
            assert tl.retention_countdown(lost, journal.clock.now()).text == "deleted on server"
            async with journal.db.execute("SELECT COUNT(*), SUM(cost_usd) FROM results WHERE batch_local_id = ?",
                                          (first.local_id,)) as cur:
                count, cost = await cur.fetchone()
            assert count == 3 and cost > 0
    finally:
        await journal.close()


async def test_poller_ingests_soonest_deletion_first_and_what_waits_too_long_is_lost(emulator, journal_path) -> None:
    import asyncio

    from tui.core.poll.loop import Poller

    journal = await Journal.open(journal_path, EmulatedClock(emulator))
    try:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url) as client:
            older_batch = await client.messages.batches.create(requests=requests(3, ids="o{i}"))
            emulator.advance(tl.DAY)
            newer, newer_id = await _recorded(journal, client, "n")      # recorded first: lower local id
            fields = server_fields(older_batch)
            async with journal.transaction() as db:                       # recorded while still in progress
                cur = await db.execute(f"INSERT INTO batches({', '.join(fields)}) "
                                       f"VALUES ({', '.join('?' * len(fields))})", tuple(fields.values()))
            older = cur.lastrowid
            await emulator.wait_until_ended(newer_id)
            emulator.advance(27 * tl.DAY)          # the older batch is a day from deletion, the newer two days

            stop = asyncio.Event()
            done: list[int] = []

            def on_ingest(report, row) -> None:
                if report.state == "complete":
                    done.append(report.batch_local_id)
                if len(done) == 2:
                    stop.set()

            poller = Poller(journal, client, adopt=False, min_interval=0.05, ingest_concurrency=1)
            await asyncio.wait_for(poller.run(lambda result: None, stop_event=stop, on_ingest=on_ingest), 20)
            assert done == [older, newer]          # the one the server deletes first is saved first
            async with journal.db.execute("SELECT batch_local_id FROM events WHERE kind = 'ingested' "
                                          "ORDER BY id") as cur:
                assert [r[0] for r in await cur.fetchall()] == [older, newer]

            emulator.advance(2 * tl.DAY + 60)      # both past day 29: the results live only in the journal
            now = journal.clock.now()
            for lid in (older, newer):
                assert tl.results_location(await get_batch(journal, lid), now) == tl.LOCAL_ONLY
            assert await waiting(journal) == []
    finally:
        await journal.close()
