"""submit -> poll -> ingest, end to end with the real pieces: a JSONL file, core.plan, core.submit, the Poller's
loop (which ingests what ends), the emulator over loopback. The journal must hold exactly its ground truth."""

from __future__ import annotations

import asyncio
from pathlib import Path

import anthropic
import orjson
import pytest

from tests.builders import write_requests
from tui.core.submit.check import plan
from tui.core.poll.loop import Poller
from tui.core.journal.batches import list_batches
from tui.core.submit.send import submit


async def _round_trip(journal, emu, tmp_path: Path, n: int, *, max_per_batch: int | None = None) -> None:
    source = write_requests(tmp_path / "requests.jsonl", n, ids="rt-{i}", max_tokens=200)
    checked = plan(source, max_per_batch=max_per_batch)
    assert not checked.errors
    async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url, timeout=300) as client:
        rows = await submit(journal, client, checked)
        assert all(r.id for r in rows)
        poller = Poller(journal, client, adopt=False, min_interval=0.1)
        stop = asyncio.Event()

        async def on_ingest(report, row) -> None:
            if all(b.ingest_state == "complete" for b in await list_batches(journal)):
                stop.set()

        await asyncio.wait_for(poller.run(lambda result: None, stop_event=stop, on_ingest=on_ingest), timeout=120)

    batches = await list_batches(journal)
    assert len(batches) == len(rows)
    seen = 0
    for batch in batches:
        truth = emu.results_for(batch.id)
        counts = batch.counts
        assert batch.processing_status == "ended" and batch.results_ingested == len(truth) == counts.total
        assert counts.succeeded == sum(1 for line in truth.values() if line["result"]["type"] == "succeeded")
        async with journal.db.execute("SELECT custom_id, result_type, raw FROM results WHERE batch_local_id = ?",
                                      (batch.local_id,)) as cur:
            stored = {cid: (kind, raw) for cid, kind, raw in await cur.fetchall()}
        assert stored.keys() == truth.keys()
        for cid, (kind, raw) in stored.items():
            assert kind == truth[cid]["result"]["type"] and orjson.loads(raw) == truth[cid]
        seen += len(stored)
    assert seen == n


@pytest.mark.parametrize("n, per_batch", [(1, None), (1000, None), (1000, 300)])
async def test_round_trip(journal, emulator_factory, tmp_path, n, per_batch) -> None:
    async with emulator_factory(fail_requests=0.05) as emu:
        await _round_trip(journal, emu, tmp_path, n, max_per_batch=per_batch)


@pytest.mark.slow
async def test_round_trip_100_000(journal, emulator_factory, tmp_path) -> None:
    async with emulator_factory(request_ms=0.01) as emu:
        await _round_trip(journal, emu, tmp_path, 100_000)
