"""The dashboard's cost/time facts in one load: spend, series, ETAs, where results live."""

from __future__ import annotations

import pytest

from tui.core.timing.overview import SeriesCache, load_overview
from tui.core.journal.batches import list_batches

T0 = 1_800_000_000.0
DAY = 86400.0


async def test_load_facts(journal) -> None:
    async with journal.transaction() as db:
        rows = [  # local_id, status, created, ended, n_processing, n_succeeded, ingest_state
            (1, "ended", T0 - 3 * DAY, T0 - 3 * DAY + 1000, 0, 10, "complete"),
            (2, "ended", T0 - 30 * DAY, T0 - 30 * DAY + 900, 0, 10, "complete"),
            (3, "ended", T0 - 30 * DAY, T0 - 30 * DAY + 900, 0, 10, "none"),
            (4, "ended", T0 - DAY, T0 - DAY + 1100, 0, 12, "none"),
            (5, "in_progress", T0 - 600, None, 10, 0, "none"),
        ]
        for lid, status, created, ended, proc, ok, ingest in rows:
            await db.execute("INSERT INTO batches(local_id, id, processing_status, created_at, expires_at, "
                             "ended_at, n_processing, n_succeeded, ingest_state) VALUES (?,?,?,?,?,?,?,?,?)",
                             (lid, f"msgbatch_{lid}", status, created, created + DAY, ended, proc, ok, ingest))
        await db.executemany("INSERT INTO snapshots VALUES (?,?,?,?,0,0,0)", [
            (4, T0 - DAY + 500, 12, 0), (4, T0 - DAY + 1100, 0, 12),
            (5, T0 - 500, 10, 0), (5, T0 - 100, 10, 0),
        ])
        await db.executemany("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                             "VALUES (?,?, 'succeeded', ?, x'7b7d')", [(1, "a", 0.5), (2, "a", 0.25)])
    batches = await list_batches(journal)
    cache = SeriesCache()
    facts = await load_overview(journal, batches, T0, cache)
    assert facts.total.cost_usd == pytest.approx(0.75) and facts.total.saving_usd == pytest.approx(0.75)
    assert facts.series[4] == [0, 0, 0, 0, 0, 0, 0, 12]
    assert facts.series[5] == [0] * 8
    assert facts.eta[5].basis == "similar" and facts.eta[5].text == "~5m50s"   # median 950 s - 600 s old
    assert sorted(facts.awaiting_ingest) == [4]
    assert facts.local_only == [2] and facts.lost == [3]
    assert len(facts.all_series) == 20 and facts.prices_checked_on
    assert 4 in cache.ended and 5 not in cache.ended
    again = await load_overview(journal, batches, T0 + 10, cache)
    assert again.series[4] == facts.series[4]


def test_header_span_follows_activity() -> None:
    from tui.core.timing.overview import span_label
    from tui.core.timing.throughput import Move, pick_span

    def moves(*ages):
        return [Move(1, T0 - a, 1, T0 - a - 1) for a in ages]

    assert pick_span([], T0) == 3600.0
    assert pick_span(moves(100, 5), T0) == 300.0
    assert pick_span(moves(1000), T0) == 3600.0
    assert pick_span(moves(20 * 3600, 10), T0) == DAY
    assert pick_span(moves(2 * DAY), T0) == 3600.0       # older than a day: not shown
    assert [span_label(s) for s in (300.0, 900.0, 3600.0, 21600.0, DAY)] == ["5m", "15m", "1h", "6h", "24h"]


async def test_spend_of_finished_batches_is_cached_until_results_change(journal) -> None:
    async with journal.transaction() as db:
        await db.execute("INSERT INTO batches(local_id, id, processing_status, created_at, ingest_state, "
                         "results_ingested) VALUES (1, 'msgbatch_1', 'ended', ?, 'complete', 1)", (T0,))
        await db.execute("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                         "VALUES (1, 'a', 'succeeded', 0.5, x'7b7d')")
    cache = SeriesCache()
    assert (await load_overview(journal, await list_batches(journal), T0, cache)).total.cost_usd == 0.5
    async with journal.transaction() as db:     # a re-ingest: one more result, and the count moves
        await db.execute("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                         "VALUES (1, 'b', 'succeeded', 0.25, x'7b7d')")
    assert (await load_overview(journal, await list_batches(journal), T0, cache)).total.cost_usd == 0.5
    async with journal.transaction() as db:
        await db.execute("UPDATE batches SET results_ingested = 2 WHERE local_id = 1")
    assert (await load_overview(journal, await list_batches(journal), T0, cache)).total.cost_usd == 0.75


async def test_batch_cost_time_includes_the_job_when_it_has_several_batches(journal) -> None:
    from tui.core.timing.overview import batch_cost_time
    from tui.core.journal.batches import get_batch

    async with journal.transaction() as db:
        await db.execute("INSERT INTO jobs(id, name, created_at) VALUES (1, 'big.jsonl', 0), (2, 'one.jsonl', 0)")
        for lid, job in ((1, 1), (2, 1), (3, 2)):
            await db.execute("INSERT INTO batches(local_id, id, job_id, processing_status, created_at) "
                             "VALUES (?,?,?, 'ended', ?)", (lid, f"msgbatch_{lid}", job, T0))
        await db.executemany("INSERT INTO results(batch_local_id, custom_id, result_type, cost_usd, raw) "
                             "VALUES (?, 'a', 'succeeded', ?, x'7b7d')", [(1, 0.5), (2, 0.25), (3, 1.0)])
    ct = await batch_cost_time(journal, await get_batch(journal, 1), T0)
    assert ct.spend.cost_usd == 0.5 and ct.job_spend.cost_usd == 0.75 and ct.job_batches == 2 and ct.eta is None
    single = await batch_cost_time(journal, await get_batch(journal, 3), T0)
    assert single.job_spend is None and single.spend.cost_usd == 1.0
