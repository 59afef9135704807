"""Create -> poll -> ended -> results, cancel, delete, expiry and archival, through the real SDK clients."""

from __future__ import annotations

import asyncio
import time

import anthropic
import pytest
from emulator_checks import make_requests

DAY = 86_400


async def test_create_poll_results_async(emulator, checked_async, body_log):
    client = checked_async(emulator)
    batch = await client.messages.batches.create(requests=make_requests(300))
    assert batch.id.startswith("msgbatch_") and batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 300 and batch.results_url is None and batch.ended_at is None
    assert (batch.expires_at - batch.created_at).total_seconds() == DAY
    while (batch := await client.messages.batches.retrieve(batch.id)).processing_status != "ended":
        assert batch.request_counts.processing == 300  # counts do not move until the end
        await asyncio.sleep(0.05)
    assert batch.request_counts.model_dump() == {"processing": 0, "succeeded": 300, "errored": 0,
                                                 "canceled": 0, "expired": 0}
    assert batch.results_url == f"{emulator.base_url}/v1/messages/batches/{batch.id}/results"
    order = []
    async for line in await client.messages.batches.results(batch.id):
        assert isinstance(line, anthropic.types.messages.MessageBatchIndividualResponse)
        assert line.result.type == "succeeded"
        usage = line.result.message.usage
        assert usage.input_tokens > 0 and usage.output_tokens > 0
        assert usage.cache_creation_input_tokens == 0 and usage.cache_read_input_tokens == 0
        order.append(line.custom_id)
    assert sorted(order) == sorted(f"r{i}" for i in range(300))
    assert order != [f"r{i}" for i in range(300)]  # shuffled, as in production
    assert {"MessageBatch", "MessageBatchIndividualResponse"} <= set(body_log.names())


def test_create_poll_results_sync(emulator_sync, checked_sync, body_log):
    client = checked_sync(emulator_sync)
    batch = client.messages.batches.create(requests=make_requests(50))
    while (batch := client.messages.batches.retrieve(batch.id)).processing_status != "ended":
        time.sleep(0.01)
    lines = list(client.messages.batches.results(batch.id))
    assert len(lines) == 50 and all(line.result.type == "succeeded" for line in lines)
    listed = client.messages.batches.list()
    assert [b.id for b in listed.data] == [batch.id]
    deleted = client.messages.batches.delete(batch.id)
    assert deleted.id == batch.id and deleted.type == "message_batch_deleted"
    assert "DeleteMessageBatchResponse" in body_log.names()


async def test_results_are_deterministic_and_ground_truth_matches(emulator_factory):
    requests = make_requests(20, max_tokens=4)
    seen = []
    for _ in range(2):
        async with emulator_factory(seed=42) as emu:
            async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
                batch = await client.messages.batches.create(requests=requests)
                await emu.wait_until_ended(batch.id)
                results = await client.messages.batches.results(batch.id)
                lines = [line.model_dump(mode="json", exclude_unset=True) async for line in results]
                assert {line["custom_id"]: line for line in lines} == emu.results_for(batch.id)
                raw = await client.messages.batches.with_raw_response.retrieve(batch.id)
                assert emu.get_batch(batch.id) == raw.http_response.json()
                seen.append((batch.id, lines))
    assert seen[0] == seen[1]
    message = seen[0][1][0]["result"]["message"]
    assert message["stop_reason"] == "max_tokens" and message["usage"]["output_tokens"] == 4
    assert message["content"][0]["text"] == "You asked: “Ques"  # 4 tokens of 4 characters


async def test_cancel_goes_through_canceling_to_ended(emulator_factory, checked_async):
    async with emulator_factory(request_ms=100) as emu:
        client = checked_async(emu)
        batch = await client.messages.batches.create(requests=make_requests(100))
        canceled = await client.messages.batches.cancel(batch.id)
        assert canceled.processing_status == "canceling" and canceled.cancel_initiated_at is not None
        assert (await client.messages.batches.cancel(batch.id)).processing_status == "canceling"  # idempotent
        with pytest.raises(anthropic.BadRequestError, match="only an ended batch"):
            await client.messages.batches.delete(batch.id)
        emu.advance(5)
        ended = await client.messages.batches.retrieve(batch.id)
        counts = ended.request_counts
        assert ended.processing_status == "ended" and counts.processing == 0
        assert counts.canceled >= 90 and counts.succeeded + counts.canceled == 100
        kinds = {line.result.type async for line in await client.messages.batches.results(batch.id)}
        assert "canceled" in kinds
        with pytest.raises(anthropic.BadRequestError, match="already ended"):
            await client.messages.batches.cancel(batch.id)
        await client.messages.batches.delete(batch.id)
        with pytest.raises(anthropic.NotFoundError):
            await client.messages.batches.retrieve(batch.id)
        assert emu.batch_ids() == []


async def test_expiry_marks_unfinished_requests_expired(emulator_factory, checked_async):
    async with emulator_factory(request_ms=3_600_000) as emu:  # an emulated hour per request
        client = checked_async(emu)
        batch = await client.messages.batches.create(requests=make_requests(30))
        emu.advance(DAY - 60)
        assert (await client.messages.batches.retrieve(batch.id)).processing_status == "in_progress"
        emu.advance(120)
        ended = await client.messages.batches.retrieve(batch.id)
        assert ended.processing_status == "ended" and ended.ended_at == ended.expires_at
        assert ended.request_counts.succeeded == 24 and ended.request_counts.expired == 6
        kinds = [line.result.type async for line in await client.messages.batches.results(batch.id)]
        assert kinds.count("expired") == 6


async def test_results_archived_after_29_days(emulator, checked_async):
    client = checked_async(emulator)
    batch = await client.messages.batches.create(requests=make_requests(3))
    await emulator.wait_until_ended(batch.id)
    emulator.advance(29 * DAY)
    archived = await client.messages.batches.retrieve(batch.id)
    assert archived.archived_at is not None and archived.processing_status == "ended"
    with pytest.raises(anthropic.NotFoundError, match="archived"):
        async for _ in await client.messages.batches.results(batch.id):
            pass


async def test_results_before_end_is_refused(emulator_factory, checked_async):
    async with emulator_factory(request_ms=1000) as emu:
        client = checked_async(emu)
        batch = await client.messages.batches.create(requests=make_requests(5))
        with pytest.raises(anthropic.AnthropicError, match="results_url"):
            await client.messages.batches.results(batch.id)
        with pytest.raises(anthropic.BadRequestError, match="results are available once it has ended"):
            await client.get(f"/v1/messages/batches/{batch.id}/results", cast_to=object)
