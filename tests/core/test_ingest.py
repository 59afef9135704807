"""Ingest against the emulator with the real SDK: round trips, idempotence, a cut stream resumed, archival."""

from __future__ import annotations

import dataclasses

import anthropic
import orjson
import pytest

from tests.core.poll_helpers import create_recorded
from tui.core.poll.ingest import ingest
from tui.core.poll.loop import Poller
from tui.core.journal.batches import get_batch


async def _ended(journal, client, emulator, batch_id: str) -> None:
    """Wait for the emulator to end the batch, then let a poller sweep record it."""
    await emulator.wait_until_ended(batch_id)
    await Poller(journal, client, adopt=False).sweep(force=True)
    assert (await get_batch(journal, batch_id)).processing_status == "ended"


async def _journal_results(journal, local_id: int) -> dict[str, dict]:
    async with journal.db.execute("SELECT * FROM results WHERE batch_local_id = ?", (local_id,)) as cur:
        return {row["custom_id"]: dict(row) for row in await cur.fetchall()}


def _assert_matches_ground_truth(rows: dict[str, dict], truth: dict[str, dict]) -> None:
    assert rows.keys() == truth.keys()
    for custom_id, line in truth.items():
        row = rows[custom_id]
        assert orjson.loads(row["raw"]) == line
        result = line["result"]
        assert row["result_type"] == result["type"]
        if result["type"] == "succeeded":
            usage = result["message"]["usage"]
            assert (row["input_tokens"], row["output_tokens"], row["cache_creation_input_tokens"],
                    row["cache_read_input_tokens"]) == (usage["input_tokens"], usage["output_tokens"],
                                                        usage["cache_creation_input_tokens"],
                                                        usage["cache_read_input_tokens"])
            assert row["stop_reason"] == result["message"]["stop_reason"]
            assert row["model"] == result["message"]["model"]
            assert row["preview"] == result["message"]["content"][0]["text"][:200]
        elif result["type"] == "errored":
            assert row["error_type"] == result["error"]["error"]["type"]
            assert row["error_message"] == result["error"]["error"]["message"]


async def _batch_state(journal, local_id: int) -> tuple:
    async with journal.db.execute("SELECT ingest_state, results_ingested, ingest_error FROM batches "
                                  "WHERE local_id = ?", (local_id,)) as cur:
        return tuple(await cur.fetchone())


@pytest.mark.parametrize("n", [1, 1000])
async def test_round_trip_matches_the_emulator(journal, client, emulator, n: int) -> None:
    local_id, batch_id = await create_recorded(journal, client, n)
    await _ended(journal, client, emulator, batch_id)
    report = await ingest(journal, client, local_id)
    assert report.complete and report.stream_complete and report.error is None
    assert (report.lines, report.results_ingested, report.expected, report.malformed) == (n, n, n, 0)
    assert await _batch_state(journal, local_id) == ("complete", n, None)
    _assert_matches_ground_truth(await _journal_results(journal, local_id), emulator.results_for(batch_id))
    async with journal.db.execute("SELECT COUNT(*) FROM events WHERE kind = 'ingested'") as cur:
        assert (await cur.fetchone())[0] == 1


async def test_errored_requests_and_costs(journal, emulator_factory) -> None:
    async with emulator_factory(fail_requests=0.3) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id, batch_id = await create_recorded(journal, client, 200)
            await _ended(journal, client, emu, batch_id)
            report = await ingest(journal, client, local_id)
            assert report.complete
            rows = await _journal_results(journal, local_id)
            _assert_matches_ground_truth(rows, emu.results_for(batch_id))
    kinds = {row["result_type"] for row in rows.values()}
    assert kinds == {"succeeded", "errored"}
    for row in rows.values():
        if row["result_type"] == "succeeded":
            assert row["cost_usd"] is not None and row["cost_usd"] > 0   # claude-sonnet-4-5 has a known price
        else:
            assert row["cost_usd"] == 0.0 and row["error_type"] in ("api_error", "overloaded_error")


async def test_reingest_is_idempotent(journal, client, emulator) -> None:
    local_id, batch_id = await create_recorded(journal, client, 300)
    await _ended(journal, client, emulator, batch_id)
    first = await ingest(journal, client, local_id)
    before = await _journal_results(journal, local_id)
    second = await ingest(journal, client, local_id)
    assert first.complete and second.complete and second.written == 300
    assert await _journal_results(journal, local_id) == before
    async with journal.db.execute("SELECT COUNT(*) FROM events WHERE kind = 'ingested'") as cur:
        assert (await cur.fetchone())[0] == 1


async def test_cut_stream_is_partial_then_resumes_to_exactly_the_ground_truth(journal, emulator_factory) -> None:
    async with emulator_factory(cut_results=1.0, request_ms=0.0) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id, batch_id = await create_recorded(journal, client, 12_000)
            await _ended(journal, client, emu, batch_id)
            cut = await ingest(journal, client, local_id)
            assert not cut.stream_complete and cut.state == "partial" and cut.error
            assert 0 < cut.results_ingested < 12_000
            state, count, error = await _batch_state(journal, local_id)
            assert (state, count) == ("partial", cut.results_ingested) and "broke after line" in error
            assert emu.stats["fault_cut_results"] == 1

            emu.config = dataclasses.replace(emu.config, cut_results=0.0)
            resumed = await ingest(journal, client, local_id)
            assert resumed.complete and resumed.results_ingested == 12_000
            assert await _batch_state(journal, local_id) == ("complete", 12_000, None)
            _assert_matches_ground_truth(await _journal_results(journal, local_id), emu.results_for(batch_id))


async def test_archived_results_are_unavailable_and_local_rows_stay(journal, client, emulator) -> None:
    kept_id, kept_batch = await create_recorded(journal, client, 50, prefix="kept")
    lost_id, lost_batch = await create_recorded(journal, client, 50, prefix="lost")
    await emulator.wait_until_ended(kept_batch)
    await emulator.wait_until_ended(lost_batch)
    await Poller(journal, client, adopt=False).sweep(force=True)
    assert (await ingest(journal, client, kept_id)).complete
    emulator.advance(30 * 86400)

    lost = await ingest(journal, client, lost_id)
    assert lost.state == "unavailable" and "no longer available" in lost.error
    assert (await _batch_state(journal, lost_id))[:2] == ("unavailable", 0)

    again = await ingest(journal, client, kept_id)
    assert again.state == "complete" and again.error
    assert (await _batch_state(journal, kept_id))[:2] == ("complete", 50)
    assert len(await _journal_results(journal, kept_id)) == 50


async def test_a_batch_that_has_not_ended_is_refused(journal, client) -> None:
    local_id, _ = await create_recorded(journal, client, 5)
    report = await ingest(journal, client, local_id)
    assert report.state == "none" and "has not ended" in report.error
    assert (await _batch_state(journal, local_id))[:2] == ("none", 0)


async def test_archived_after_a_partial_ingest_keeps_the_rows_and_says_so(journal, emulator_factory) -> None:
    async with emulator_factory(cut_results=1.0, request_ms=0.0) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id, batch_id = await create_recorded(journal, client, 600)
            await _ended(journal, client, emu, batch_id)
            cut = await ingest(journal, client, local_id)
            assert cut.state == "partial" and 0 < cut.results_ingested < 600 and not cut.results_gone
            emu.advance(30 * 86400)
            gone = await ingest(journal, client, local_id)
    assert gone.results_gone and gone.state == "partial" and gone.results_ingested == cut.results_ingested
    state, count, error = await _batch_state(journal, local_id)
    assert (state, count) == ("partial", cut.results_ingested) and "no longer available" in error
