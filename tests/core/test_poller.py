"""The poller against the emulator with the real SDK: retrieve and list paths, 404, adoption, faults, the loop."""

from __future__ import annotations

import asyncio

import anthropic

from tests.builders import items, request, requests
from tests.core.poll_helpers import create_recorded, record
from tui.core.poll.loop import Poller
from tui.core.journal.batches import get_batch, list_batches


async def _events(journal, kind: str) -> list:
    async with journal.db.execute("SELECT batch_local_id, detail FROM events WHERE kind = ?", (kind,)) as cur:
        return list(await cur.fetchall())


async def test_retrieve_path_records_the_end_with_snapshot_and_event(journal, emulator_factory) -> None:
    async with emulator_factory(request_ms=25.0) as emu:       # 20 requests: still running at the first sweep
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            await _retrieve_path(journal, client, emu)


async def _retrieve_path(journal, client, emulator) -> None:
    made = [await create_recorded(journal, client, 20, prefix=f"b{i}x") for i in range(3)]
    poller = Poller(journal, client, adopt=False, min_interval=0.1)
    first = await poller.sweep(force=True)
    assert first.errors == [] and first.http_requests == 3 and first.ended == []
    for _, batch_id in made:
        await emulator.wait_until_ended(batch_id)
    before = emulator.stats["retrieve"]
    result = await poller.sweep(force=True)
    assert emulator.stats["retrieve"] - before == 3 and result.http_requests == 3
    assert sorted(b.id for b in result.ended) == sorted(b for _, b in made)
    assert {b.local_id for b in result.changed} == {lid for lid, _ in made}
    for row in result.ended:
        assert row.processing_status == "ended" and row.counts.succeeded == 20 and row.ended_at
        assert row.results_url and row.last_polled_at
    assert len(await _events(journal, "ended")) == 3
    async with journal.db.execute("SELECT COUNT(*) FROM snapshots WHERE n_succeeded = 20") as cur:
        assert (await cur.fetchone())[0] == 3
    again = await poller.sweep(force=True)
    assert again.http_requests == 0 and again.changed == []     # ended batches are never polled again


async def test_schedule_skips_batches_not_due(journal, client, emulator) -> None:
    await create_recorded(journal, client, 5000)
    poller = Poller(journal, client, adopt=False, min_interval=60)
    assert (await poller.sweep()).http_requests == 1          # never polled: due now
    unforced = await poller.sweep()
    assert unforced.http_requests == 0 and 50 <= unforced.next_delay <= 60
    assert (await poller.sweep(force=True)).http_requests == 1


async def test_unknown_batch_is_gone_and_kept(journal, client, emulator) -> None:
    async with journal.transaction() as db:
        await db.execute("INSERT INTO batches(id, processing_status, n_processing) "
                         "VALUES ('msgbatch_nosuchbatch', 'in_progress', 3)")
    result = await Poller(journal, client, adopt=False).sweep(force=True)
    row = await get_batch(journal, "msgbatch_nosuchbatch")
    assert row.gone and not row.unfinished and "404" in row.last_poll_error
    assert [b.id for b in result.changed] == ["msgbatch_nosuchbatch"] and result.errors == []
    assert len(await _events(journal, "gone")) == 1
    assert (await Poller(journal, client, adopt=False).sweep(force=True)).http_requests == 0


async def test_batch_created_elsewhere_is_adopted_once(journal, client, emulator) -> None:
    mine_local, mine = await create_recorded(journal, client, 3, prefix="mine")
    foreign = await client.messages.batches.create(requests=requests(4, ids="theirs{i}"))
    poller = Poller(journal, client, min_interval=0.1)
    result = await poller.sweep()
    assert [b.id for b in result.adopted] == [foreign.id]
    adopted = result.adopted[0]
    assert adopted.adopted and adopted.counts.total == 4
    assert not (await get_batch(journal, mine_local)).adopted
    assert len(await _events(journal, "adopted")) == 1
    assert (await poller.sweep(force=True)).adopted == []
    assert len(await list_batches(journal)) == 2


async def test_many_batches_cost_a_list_page_not_a_retrieve_each(journal, emulator_factory) -> None:
    async with emulator_factory(request_ms=10_000.0) as emu:          # they stay in progress
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            for i in range(60):
                batch = await client.messages.batches.create(requests=[request(f"m{i}x0")])
                if i % 3:
                    await record(journal, batch)                      # 40 known; 20 to adopt
            emu.stats.clear()
            poller = Poller(journal, client, list_threshold=10)
            result = await poller.sweep(force=True)
            assert result.errors == []
            assert emu.stats["list"] == 1 and emu.stats["retrieve"] == 0 and result.http_requests == 1
            assert len(result.adopted) == 20
            rows = await list_batches(journal, unfinished_only=True)
            assert len(rows) == 60 and all(r.last_polled_at for r in rows)


async def test_list_path_falls_back_to_retrieve_for_batches_not_listed(journal, emulator_factory) -> None:
    async with emulator_factory(request_ms=10_000.0) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            for i in range(12):
                await create_recorded(journal, client, 1, prefix=f"f{i}x")
            async with journal.transaction() as db:
                await db.execute("INSERT INTO batches(id, processing_status, created_at) "
                                 "VALUES ('msgbatch_deletedlongago', 'in_progress', 1)")
            emu.stats.clear()
            result = await Poller(journal, client, list_threshold=5, adopt=False).sweep(force=True)
            assert emu.stats["list"] == 1 and emu.stats["retrieve"] == 1
            assert (await get_batch(journal, "msgbatch_deletedlongago")).gone
            assert result.errors == []


async def test_injected_faults_reach_the_right_final_state(journal, emulator_factory) -> None:
    async with emulator_factory(fail_http=0.2, seed=3) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url, max_retries=0) as client:
            made = []
            while len(made) < 6:
                try:
                    made.append(await create_recorded(journal, client, 40, prefix=f"z{len(made)}x"))
                except anthropic.APIStatusError:
                    continue      # an injected fault on create: nothing was created, try again
            poller = Poller(journal, client, list_threshold=4, min_interval=0.05, max_interval=0.2)
            errors: list[str] = []
            for _ in range(400):
                result = await poller.sweep()
                errors += result.errors
                if not await list_batches(journal, unfinished_only=True):
                    break
                await asyncio.sleep(min(result.next_delay, 0.2))
            assert emu.stats["fault_429"] + emu.stats["fault_500"] + emu.stats["fault_529"] > 0
            assert errors and all(len(e) < 200 for e in errors)
            for local_id, batch_id in made:
                row = await get_batch(journal, local_id)
                truth = emu.get_batch(batch_id)
                assert row.processing_status == "ended" and row.counts.succeeded == truth["request_counts"]["succeeded"]
                assert row.last_poll_error is None


async def test_run_loop_polls_and_ingests_until_stopped(journal, client, emulator) -> None:
    made = [await create_recorded(journal, client, 200, prefix=f"l{i}x") for i in range(3)]
    poller = Poller(journal, client, adopt=False, min_interval=0.1)
    stop = asyncio.Event()
    sweeps: list = []
    ingested: dict[int, str] = {}

    async def on_sweep(result) -> None:
        sweeps.append(result)

    def on_ingest(report, row) -> None:
        ingested[report.batch_local_id] = row.ingest_state
        if len(ingested) == 3 and all(s == "complete" for s in ingested.values()):
            stop.set()

    await asyncio.wait_for(poller.run(on_sweep, stop_event=stop, on_ingest=on_ingest), timeout=60)
    assert set(ingested) == {lid for lid, _ in made}
    for local_id, _ in made:
        row = await get_batch(journal, local_id)
        assert row.ingest_state == "complete" and row.results_ingested == 200
    assert sum(len(s.ended) for s in sweeps) == 3


async def test_poke_wakes_the_loop_at_once(journal, client, emulator) -> None:
    await create_recorded(journal, client, 10_000)           # ends only after 10 s
    poller = Poller(journal, client, adopt=False, min_interval=30)
    stop = asyncio.Event()
    sweeps: list = []

    def on_sweep(result) -> None:
        sweeps.append(result)
        if len(sweeps) == 1:
            poller.poke()
        elif len(sweeps) == 2:
            stop.set()

    await asyncio.wait_for(poller.run(on_sweep, stop_event=stop), timeout=10)
    assert [s.errors for s in sweeps] == [[], []]
    assert [s.http_requests for s in sweeps] == [1, 1]       # the second one was forced by the poke


async def test_429_pauses_the_poller_for_retry_after_and_500_backs_off_one_batch(journal, client, emulator) -> None:
    import time

    from tui.core.clock import FixedClock

    made = [await create_recorded(journal, client, 10_000, prefix=f"p{i}x") for i in range(3)]
    clock = FixedClock(time.time())
    poller = Poller(journal, client, adopt=False, clock=clock, concurrency=1)

    emulator.fail_next(500)
    result = await poller.sweep(force=True)
    assert result.http_requests == 3 and len(result.errors) == 1 and "HTTP 500" in result.errors[0]
    rows = [await get_batch(journal, lid) for lid, _ in made]
    failed = [r for r in rows if r.last_poll_error]
    assert len(failed) == 1 and "HTTP 500 api_error" in failed[0].last_poll_error
    assert all(r.last_polled_at == clock.now() for r in rows if r is not failed[0])   # the others went on

    emulator.fail_next(429)
    result = await poller.sweep(force=True)
    assert result.http_requests == 1 and "HTTP 429 rate_limit_error" in result.errors[0]  # the rest held back
    paused = await poller.sweep(force=True)
    assert paused.http_requests == 0 and "asked us to wait" in paused.errors[0]
    assert paused.next_delay <= 0.05 + 1e-6                  # retry-after-ms: 50
    clock.advance(0.06)
    resumed = await poller.sweep(force=True)
    assert resumed.http_requests == 3 and resumed.errors == []
    assert [(await get_batch(journal, lid)).last_poll_error for lid, _ in made] == [None, None, None]


async def test_poll_now_overrides_our_own_backoff_but_not_a_servers_retry_after(journal, client, emulator) -> None:
    import time

    from tui.core.clock import FixedClock

    await create_recorded(journal, client, 10_000, prefix="ov")   # still running at every sweep below
    clock = FixedClock(time.time())
    poller = Poller(journal, client, adopt=False, clock=clock)

    emulator.fail_next(529)                                   # overloaded, no retry-after: our own backoff
    failed = await poller.sweep(force=True)
    assert failed.errors and failed.next_delay > 0
    assert (await poller.sweep()).http_requests == 0         # a due sweep respects the backoff
    forced = await poller.sweep(force=True)                   # the user pressed R: poll now
    assert forced.http_requests == 1 and forced.errors == []

    emulator.fail_next(429)                                   # the server says when (retry-after)
    await poller.sweep(force=True)
    held = await poller.sweep(force=True)
    assert held.http_requests == 0 and "asked us to wait" in held.errors[0]


async def test_scattered_overloads_do_not_grow_the_pause(journal, client, emulator) -> None:
    """One 529 in each of many sweeps, after an answer that went through: the server is up, so each pause is
    a first one (about min_interval), not the next step of an exponential climb to the 300 s cap."""
    import time

    from tui.core.clock import FixedClock

    for i in range(4):
        await create_recorded(journal, client, 10_000, prefix=f"so{i}x")
    clock = FixedClock(time.time())
    poller = Poller(journal, client, adopt=False, clock=clock, concurrency=1, min_interval=2.0)
    delays = []
    for _ in range(8):
        emulator.fail_next(529, after=1)
        result = await poller.sweep(force=True)               # R overrides our own backoff
        assert len(result.errors) == 1 and "529" in result.errors[0]
        delays.append(result.next_delay)
        clock.advance(1.0)
    assert max(delays) <= 2.0 + 1e-6, delays                  # a first pause each time: min_interval * 0.5..1


async def test_a_recovery_that_cannot_get_through_does_not_spin_the_loop(tmp_path, journal) -> None:
    """Offline with a batch waiting to be sent: after R (a forced sweep and a recovery try) the loop waits for
    the next try instead of sweeping again the moment each failed recovery ends."""
    import socket

    from tui.core.submit.check import plan_from_requests
    from tui.core.submit.send import submit

    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    async with anthropic.AsyncAnthropic(api_key="k", base_url=dead, max_retries=0) as nowhere:
        [row] = await submit(journal, nowhere, plan_from_requests(items(requests(3)), source="offline"))
        assert row.intent_state == "intent"
        sweeps: list = []
        stop = asyncio.Event()
        poller = Poller(journal, nowhere, adopt=False)             # the TUI's pace: a recovery try every 30 s
        loop = asyncio.create_task(poller.run(sweeps.append, stop_event=stop))
        await asyncio.sleep(0.5)
        poller.poke()
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.wait_for(loop, 10)
    assert len(sweeps) <= 5, f"{len(sweeps)} sweeps in 2 s"   # start, R, the end of R's recovery: not hundreds
