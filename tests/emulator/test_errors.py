"""Each error status with its envelope and SDK exception class; auth headers; retry-after then success."""

from __future__ import annotations

import asyncio

import anthropic
import httpx2
import pytest
from emulator_checks import make_requests, validate

HEADERS = {"anthropic-version": "2023-06-01", "content-type": "application/json"}


async def test_not_found_is_404(emulator, checked_async):
    client = checked_async(emulator)
    for call in (client.messages.batches.retrieve, client.messages.batches.cancel, client.messages.batches.delete):
        with pytest.raises(anthropic.NotFoundError) as caught:
            await call("msgbatch_missing")
        assert caught.value.body["error"]["type"] == "not_found_error"
        assert caught.value.request_id.startswith("req_")
    with pytest.raises(anthropic.NotFoundError):
        await client.get("/v1/unknown/route", cast_to=object)


@pytest.mark.parametrize("status, exc_class, error_type", [
    (403, anthropic.PermissionDeniedError, "permission_error"),
    (429, anthropic.RateLimitError, "rate_limit_error"),
    (500, anthropic.InternalServerError, "api_error"),
    (529, anthropic.OverloadedError, "overloaded_error"),
])
async def test_injected_statuses_map_to_sdk_classes(emulator, checked_async, status, exc_class, error_type):
    client = checked_async(emulator, max_retries=0)
    emulator.fail_next(status)
    with pytest.raises(exc_class) as caught:
        await client.messages.batches.list()
    assert caught.value.status_code == status and caught.value.body["error"]["type"] == error_type
    assert (await client.messages.batches.list()).data == []


async def test_429_with_retry_after_then_success(emulator, checked_async, body_log):
    client = checked_async(emulator, max_retries=2)
    emulator.fail_next(429, 529)
    batch = await client.messages.batches.create(requests=make_requests(2))
    assert emulator.batch_ids() == [batch.id]
    assert emulator.stats["fault_429"] == 1 and emulator.stats["fault_529"] == 1
    assert body_log.names() == ["ErrorResponse", "ErrorResponse", "MessageBatch"]


async def test_429_headers(emulator):
    emulator.fail_next(429)
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers={"x-api-key": "k", **HEADERS}) as http:
        response = await http.get("/v1/messages/batches")
    assert response.status_code == 429
    assert float(response.headers["retry-after"]) > 0 and int(response.headers["retry-after-ms"]) > 0
    validate("ErrorResponse", response.json())


@pytest.mark.parametrize("auth", [{"x-api-key": "k"}, {"authorization": "Bearer k"}])
async def test_both_auth_headers_and_any_query(emulator, auth):
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers={**auth, **HEADERS}) as http:
        response = await http.get("/v1/messages/batches?beta=true&limit=5")
    assert response.status_code == 200 and response.headers["request-id"].startswith("req_")
    validate("ListResponse_MessageBatch_", response.json())


async def test_missing_key_and_version(emulator):
    async with httpx2.AsyncClient(base_url=emulator.base_url) as http:
        no_key = await http.get("/v1/messages/batches", headers=HEADERS)
        no_version = await http.get("/v1/messages/batches", headers={"x-api-key": "k"})
    assert no_key.status_code == 401 and no_key.json()["error"]["type"] == "authentication_error"
    assert no_version.status_code == 400 and "anthropic-version" in no_version.json()["error"]["message"]
    for response in (no_key, no_version):
        validate("ErrorResponse", response.json())
        assert response.json()["request_id"] == response.headers["request-id"]


async def test_configured_key_rejects_others(emulator_factory, checked_async):
    async with emulator_factory(api_key="right-key") as emu:
        with pytest.raises(anthropic.AuthenticationError):
            await checked_async(emu, api_key="wrong-key").messages.batches.list()
        async with httpx2.AsyncClient(base_url=emu.base_url, headers=HEADERS) as http:
            assert (await http.get("/v1/messages/batches", headers={"x-api-key": "right-key"})).status_code == 200
            assert (await http.get("/v1/messages/batches",
                                   headers={"authorization": "Bearer right-key"})).status_code == 200
        assert (await checked_async(emu, api_key="right-key").messages.batches.list()).data == []


async def test_fail_http_share_is_absorbed_by_sdk_retries(emulator_factory, checked_async):
    async with emulator_factory(fail_http=0.3, seed=3) as emu:
        client = checked_async(emu, max_retries=8)
        for _ in range(10):
            await client.messages.batches.list()
        faults = sum(emu.stats[f"fault_{s}"] for s in (429, 500, 529))
        assert faults > 0 and emu.stats["list"] == 10 + faults


async def test_latency_is_added(emulator_factory):
    async with emulator_factory(latency_ms=150) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            loop = asyncio.get_running_loop()
            started = loop.time()
            assert (await client.messages.batches.list()).data == []
            assert loop.time() - started >= 0.15  # a lower bound: a slow machine only makes it larger


async def test_ambiguous_create_is_carried_out_but_answered_500(emulator_factory, checked_async):
    async with emulator_factory(ambiguous_creates=1.0) as emu:
        with pytest.raises(anthropic.InternalServerError):
            await checked_async(emu, max_retries=0).messages.batches.create(requests=make_requests(1))
        assert len(emu.batch_ids()) == 1  # created, though the client was told otherwise
        with pytest.raises(anthropic.InternalServerError):
            await checked_async(emu, max_retries=1).messages.batches.create(requests=make_requests(1))
        assert len(emu.batch_ids()) == 3  # the SDK's own retry duplicated it: why creates use max_retries=0
        assert emu.stats["fault_ambiguous_create"] == 3


async def test_rate_limit_answers_429_with_the_wait(emulator_factory, checked_async):
    async with emulator_factory(rate_limit_rpm=3) as emu:
        client = checked_async(emu, max_retries=0)
        for _ in range(3):  # a full bucket: one minute's worth
            await client.messages.batches.list()
        with pytest.raises(anthropic.RateLimitError) as caught:
            await client.messages.batches.list()
        headers = caught.value.response.headers
        assert 0 < int(headers["retry-after-ms"]) <= 20_000 and int(headers["retry-after"]) >= 1
        assert emu.stats["rate_limited"] == 1


async def test_an_emulator_bug_is_a_500_envelope_not_a_bare_page(emulator, monkeypatch, caplog):
    from tui.emulator import batch as batch_module

    def broken(self, now, base_url):
        raise RuntimeError("boom")

    monkeypatch.setattr(batch_module.Batch, "to_json", broken)
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers={"x-api-key": "k", **HEADERS}) as http:
        response = await http.post("/v1/messages/batches", json={"requests": make_requests(1)})
    assert response.status_code == 500 and response.headers["request-id"].startswith("req_")
    validate("ErrorResponse", response.json())
    assert "boom" in caplog.text  # logged with its traceback for whoever runs the emulator


async def test_a_client_gone_mid_body_is_counted_not_logged_as_a_failure(emulator, caplog):
    """A killed `submit` leaves a create body half sent: the emulator drops it quietly and goes on serving."""
    import asyncio
    from urllib.parse import urlsplit

    url = urlsplit(emulator.base_url)
    for _ in range(2):
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(b"POST /v1/messages/batches HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
                     b"anthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"
                     b"content-length: 100000\r\n\r\n{\"requests\": [")
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.close()
        await writer.wait_closed()
    for _ in range(50):
        if emulator.stats["client_disconnects"] == 2:
            break
        await asyncio.sleep(0.02)
    assert emulator.stats["client_disconnects"] == 2
    assert "Traceback" not in caplog.text and "unexpected failure" not in caplog.text
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers={"x-api-key": "k", **HEADERS}) as http:
        assert (await http.get("/v1/messages/batches")).status_code == 200


async def test_a_slow_create_answer_comes_after_the_batch_exists(emulator_factory):
    """`slow_create_answer_ms`: the batch is made at once, only the answer waits (a client that dies
    meanwhile never learns the id)."""
    async with emulator_factory(slow_create_answer_ms=400) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url, max_retries=0) as client:
            creating = asyncio.ensure_future(client.messages.batches.create(requests=make_requests(2)))
            for _ in range(100):
                if emu.batch_ids():
                    break
                await asyncio.sleep(0.01)
            [made] = emu.batch_ids()
            assert not creating.done()                     # the batch exists, its answer has not come yet
            assert (await creating).id == made
