"""Actual spend from results.cost_usd: per batch, per job, total; saving; unknown prices never hidden."""

from __future__ import annotations

import pytest

from tui.core.money.spend import Spend, batch_spend, job_spend, total_spend


async def _setup(journal) -> None:
    async with journal.transaction() as db:
        await db.execute("INSERT INTO jobs(id, name, created_at) VALUES (1, 'j', 0)")
        for lid, job in ((1, 1), (2, 1), (3, None), (4, None)):
            await db.execute("INSERT INTO batches(local_id, id, job_id, processing_status) VALUES (?,?,?, 'ended')",
                             (lid, f"msgbatch_{lid}", job))
        rows = [(1, "a", "succeeded", 0.25), (1, "b", "succeeded", 0.50), (1, "c", "errored", 0.0),
                (2, "a", "succeeded", 1.0), (2, "b", "succeeded", None),      # an unknown model
                (3, "a", "succeeded", None), (3, "b", "expired", 0.0)]
        await db.executemany("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                             "VALUES (?,?,?,?, x'7b7d')", rows)


async def test_batch_job_and_total_spend(journal) -> None:
    await _setup(journal)
    spend = await batch_spend(journal)
    assert spend[1] == Spend(0.75, 1.5, 0)
    assert spend[1].saving_usd == pytest.approx(0.75)
    assert spend[1].text() == "$0.75"
    assert spend[2] == Spend(1.0, 2.0, 1) and spend[2].text() == "$1.00 + unknown price"
    assert spend[3].cost_usd == 0.0 and spend[3].unknown == 1      # the expired row is priced (0), one unknown
    assert 4 not in spend
    assert Spend().text() == "—" and Spend(None, None, 2).text() == "unknown price"
    total = await total_spend(journal)
    assert total.cost_usd == pytest.approx(1.75) and total.unknown == 2
    job = await job_spend(journal, 1)
    assert job.cost_usd == pytest.approx(1.75) and job.realtime_usd == pytest.approx(3.5) and job.unknown == 1
    assert await batch_spend(journal, []) == {}
    assert set(await batch_spend(journal, [1, 4])) == {1}


async def test_sums_are_read_again_when_a_forgotten_batchs_local_id_is_reused(journal) -> None:
    """Sums are kept between reads per batch version; a new batch that gets a deleted one's local_id (SQLite
    reuses the largest rowid) with the same result count and state is still summed afresh."""
    from tui.core.journal.batches import get_batch

    async def batch(batch_id: str, cost: float) -> None:
        async with journal.transaction() as db:
            await db.execute("INSERT INTO batches(local_id, id, processing_status, ingest_state, results_ingested)"
                             " VALUES (7, ?, 'ended', 'complete', 1)", (batch_id,))
            await db.execute("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw)"
                             " VALUES (7, 'a', 'succeeded', ?, x'7b7d')", (cost,))

    await batch("msgbatch_old", 0.25)
    assert (await get_batch(journal, 7)).cost_usd == 0.25 and (await batch_spend(journal, [7]))[7].cost_usd == 0.25
    async with journal.transaction() as db:
        await db.execute("DELETE FROM batches WHERE local_id = 7")       # delete --forget: results go with it
    await batch("msgbatch_new", 2.0)
    assert (await get_batch(journal, 7)).cost_usd == 2.0
    assert (await batch_spend(journal, [7]))[7].cost_usd == 2.0
