"""Chunks of the same size (a file split with `--max-per-batch`) are created in parallel, and an ambiguous create
among them is still matched to the right intent: no batch twice, each id holding the requests its row recorded.

The relay in front of the emulator holds every create's answer back until the test opens it, so "in parallel"
is seen, not timed: all the batches exist on the server while none of their answers has reached the client.
(Sent one after another, the second create would wait for the first answer forever.)"""

from __future__ import annotations

import asyncio
import dataclasses

import anthropic
import orjson
import pytest

from tests.builders import write_requests
from tests.core.submit_helpers import CreateAnswerGate, wait_ended
from tui.core.submit.check import plan
from tui.core.submit.send import submit

N, PER_BATCH = 20, 4   # five chunks of four


def _one_request_a_connection(base_url: str) -> anthropic.AsyncAnthropic:
    """A client that opens a connection per request (the relay judges a connection by its first request)."""
    import httpx2

    http = anthropic.DefaultAsyncHttpxClient(limits=httpx2.Limits(max_keepalive_connections=0))
    return anthropic.AsyncAnthropic(api_key="k", base_url=base_url, http_client=http)


async def _until(condition, what: str, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"never: {what}"
        await asyncio.sleep(0.01)


async def _each_id_holds_its_rows_requests(journal, emulator, client, rows) -> None:
    for row in rows:
        await wait_ended(client, row.id)
        async with journal.db.execute("SELECT custom_id FROM requests WHERE batch_local_id = ?",
                                      (row.local_id,)) as cur:
            recorded = {r[0] for r in await cur.fetchall()}
        assert set(emulator.results_for(row.id)) == recorded


@pytest.mark.parametrize("lose", [set(), {2}, {0, 3}], ids=["all-answered", "third-answer-lost",
                                                            "first-and-fourth-answers-lost"])
async def test_equal_chunks_are_in_flight_together_and_each_gets_its_own_batch(tmp_path, journal, emulator, lose):
    source = plan(write_requests(tmp_path / "in.jsonl", N, ids="r{i}"), max_per_batch=PER_BATCH)
    assert [c.request_count for c in source.chunks] == [PER_BATCH] * 5
    async with CreateAnswerGate(emulator.base_url, lose=lose) as relay:
        async with _one_request_a_connection(relay.base_url) as client:
            sending = asyncio.create_task(submit(journal, client, source, settle_after=2.0))
            # every batch is on the server while the answers of all the answered ones are still held back
            await _until(lambda: len(emulator.batch_ids()) == 5 and relay.held == 5 or sending.done(),
                         "five creates in flight together")
            assert not sending.done() and relay.creates == 5
            relay.open()
            rows = await sending
    assert [r.intent_state for r in rows] == ["created"] * 5
    assert sorted(r.id for r in rows) == sorted(emulator.batch_ids())          # none lost, none twice
    assert emulator.stats["create"] == 5
    async with journal.db.execute("SELECT detail FROM events WHERE kind = 'submitted'") as cur:
        hows = [orjson.loads(r[0])["how"] for r in await cur.fetchall()]
    assert sum(how != "created" for how in hows) == len(lose)                   # the lost ones found in the list
    async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url) as client:
        await _each_id_holds_its_rows_requests(journal, emulator, client, rows)


async def test_equal_chunks_with_ambiguous_500s_make_no_duplicate(tmp_path, journal, emulator_factory):
    """The emulator makes half the batches but answers 500 (the answer comes at once, before any list call):
    each such create is settled by listing while the others of its size are in flight."""
    source = plan(write_requests(tmp_path / "in.jsonl", 40, ids="a{i}"), max_per_batch=PER_BATCH)
    async with emulator_factory(ambiguous_creates=0.5, seed=5) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            rows = await submit(journal, client, source, settle_after=2.0)
            assert emu.stats["fault_ambiguous_create"] > 0
            assert [r.intent_state for r in rows] == ["created"] * 10
            assert sorted(r.id for r in rows) == sorted(emu.batch_ids())
            assert emu.stats["create"] == 10
            await _each_id_holds_its_rows_requests(journal, emu, client, rows)


async def test_more_equal_chunks_than_parallel_creates_through_faults(tmp_path, journal, emulator_factory):
    """Twelve equal chunks (more than the creates allowed in flight at once) through made-but-500 creates and
    429 / 500 / 529 answers on every route: every chunk ends with its own batch, none twice, none stuck."""
    source = plan(write_requests(tmp_path / "in.jsonl", 36, ids="f{i}"), max_per_batch=3)
    assert len(source.chunks) == 12
    async with emulator_factory(ambiguous_creates=0.3, fail_http=0.15, seed=8) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            rows = await asyncio.wait_for(submit(journal, client, source, settle_after=0.5), 120)
            assert emu.stats["fault_ambiguous_create"] > 0
            assert emu.stats["fault_429"] + emu.stats["fault_500"] + emu.stats["fault_529"] > 0
            created = [r for r in rows if r.intent_state == "created"]
            assert all(r.intent_state in ("created", "failed") for r in rows)
            assert sorted(r.id for r in created) == sorted(emu.batch_ids())      # none lost, none twice
            emu.config = dataclasses.replace(emu.config, fail_http=0.0)
            await _each_id_holds_its_rows_requests(journal, emu, client, created)
