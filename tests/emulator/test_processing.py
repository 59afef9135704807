"""What requests turn into: per-request validation at processing time, cache tokens, injected faults."""

from __future__ import annotations

import asyncio

import anthropic
import httpx2
import pytest
from emulator_checks import make_requests

from tests.builders import request

MESSAGES = [{"role": "user", "content": "hi"}]
INVALID = {
    "no-model": {"max_tokens": 5, "messages": MESSAGES},
    "gpt": {"model": "gpt-4", "max_tokens": 5, "messages": MESSAGES},
    "fake-claude": {"model": "claude-nonexistent-1", "max_tokens": 5, "messages": MESSAGES},
    "zero-tokens": {"model": "claude-haiku-4-5", "max_tokens": 0, "messages": MESSAGES},
    "no-tokens": {"model": "claude-haiku-4-5", "messages": MESSAGES},
    "no-messages": {"model": "claude-haiku-4-5", "max_tokens": 5},
    "empty-messages": {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": []},
    "bad-role": {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "bot", "content": "x"}]},
    "streaming": {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": MESSAGES, "stream": True},
}
FIELD = {"no-model": "model", "gpt": "model", "fake-claude": "model", "zero-tokens": "max_tokens",
         "no-tokens": "max_tokens", "no-messages": "messages", "empty-messages": "messages",
         "bad-role": "messages.0.role", "streaming": "stream"}


async def test_invalid_params_end_errored_not_400(emulator, checked_async):
    client = checked_async(emulator)
    requests = [{"custom_id": name, "params": params} for name, params in INVALID.items()]
    requests += [request("ok", "hi", model="claude-3-5-haiku-20241022", max_tokens=5)]
    batch = await client.messages.batches.create(requests=requests)
    assert batch.request_counts.processing == len(requests)  # accepted at create
    ended = await emulator.wait_until_ended(batch.id)
    assert ended["request_counts"]["errored"] == len(INVALID) and ended["request_counts"]["succeeded"] == 1
    async for line in await client.messages.batches.results(batch.id):
        if line.custom_id == "ok":
            assert line.result.type == "succeeded"
            continue
        assert line.result.type == "errored"
        assert line.result.error.type == "error" and line.result.error.error.type == "invalid_request_error"
        assert line.result.error.error.message.startswith(FIELD[line.custom_id] + ":")


async def test_cache_control_gives_cache_tokens(emulator, checked_async):
    client = checked_async(emulator)
    system = [{"type": "text", "text": "You are terse. " * 400, "cache_control": {"type": "ephemeral"}}]
    requests = make_requests(5, system=system) + make_requests(1, prefix="plain")
    batch = await client.messages.batches.create(requests=requests)
    await emulator.wait_until_ended(batch.id)
    usages = {line.custom_id: line.result.message.usage
              async for line in await client.messages.batches.results(batch.id)}
    cached = [usages[f"r{i}"] for i in range(5)]
    assert sum(u.cache_creation_input_tokens > 0 for u in cached) == 1  # the first to run writes the cache
    assert sum(u.cache_read_input_tokens > 0 for u in cached) == 4  # the others read it
    assert all(u.cache_creation_input_tokens + u.cache_read_input_tokens == 1500 for u in cached)
    assert all(u.input_tokens < 50 for u in cached)
    plain = usages["plain0"]
    assert plain.cache_creation_input_tokens == 0 and plain.cache_read_input_tokens == 0


async def test_fail_requests_end_errored_with_server_errors(emulator_factory, checked_async):
    async with emulator_factory(fail_requests=0.5, seed=1) as emu:
        client = checked_async(emu)
        batch = await client.messages.batches.create(requests=make_requests(200))
        ended = await emu.wait_until_ended(batch.id)
        errored = ended["request_counts"]["errored"]
        assert 50 < errored < 150 and ended["request_counts"]["succeeded"] == 200 - errored
        kinds = {line.result.error.error.type async for line in await client.messages.batches.results(batch.id)
                 if line.result.type == "errored"}
        assert kinds == {"api_error", "overloaded_error"}


async def test_cut_results_breaks_the_stream_midway(emulator_factory):
    async with emulator_factory(cut_results=1.0) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            batch = await client.messages.batches.create(requests=make_requests(600))
            await emu.wait_until_ended(batch.id)
            received = []
            with pytest.raises((httpx2.HTTPError, anthropic.APIError)):
                async for line in await client.messages.batches.results(batch.id):
                    received.append(line.custom_id)
            assert 0 < len(received) < 600
            assert emu.stats["fault_cut_results"] == 1


async def test_client_leaving_a_results_stream_early_is_quiet(emulator_factory, caplog):
    async with emulator_factory(request_ms=0) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            # ~15 MB of results: more than the socket buffers hold, so the server is still writing when we leave
            batch = await client.messages.batches.create(requests=make_requests(10_000, max_tokens=2000))
            for _ in range(2):
                results = await client.messages.batches.results(batch.id)
                async for _ in results:
                    break
                await results.close()
            for _ in range(500):
                if emu.stats["results_abandoned"] == 2:
                    break
                await asyncio.sleep(0.01)
            assert emu.stats["results_abandoned"] == 2
            assert (await client.messages.batches.retrieve(batch.id)).processing_status == "ended"
    assert "Error handling request" not in caplog.text
