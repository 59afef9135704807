"""Bad create bodies: each a 400 naming the problem, and nothing created; 413 over the size limit."""

from __future__ import annotations

import asyncio
import json

import anthropic
import httpx2
import pytest
from emulator_checks import make_requests, validate

HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01", "content-type": "application/json"}
GOOD = make_requests(1)[0]


def _body(requests: object) -> bytes:
    return json.dumps({"requests": requests}).encode()


BAD_BODIES = [
    (b"", "empty"),
    (b"not json", "not valid JSON"),
    (b'{"requests": [', "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b"{}", "requests: Field required"),
    (_body([]), "at least 1 item"),
    (_body("x"), "valid list"),
    (_body([GOOD, 5]), "requests.1"),
    (_body([{**GOOD, "extra": 1}]), "requests.0.extra: Extra inputs are not permitted"),
    (json.dumps({"requests": [GOOD], "metadata": {}}).encode(), "metadata: Extra inputs"),
    (_body([{"params": GOOD["params"]}]), "requests.0.custom_id: Field required"),
    (_body([{"custom_id": "a"}]), "requests.0.params: Field required"),
    (_body([{"custom_id": "a", "params": []}]), "requests.0.params"),
    (_body([{**GOOD, "custom_id": "has space"}]), "requests.0.custom_id: String should match pattern"),
    (_body([{**GOOD, "custom_id": "x" * 65}]), "requests.0.custom_id"),
    (_body([{**GOOD, "custom_id": ""}]), "requests.0.custom_id"),
    (_body([{**GOOD, "custom_id": 7}]), "requests.0.custom_id"),
    (_body([GOOD, GOOD]), "requests.1.custom_id: duplicate custom_id"),
    (b'{"requests": [] } x', "extra data"),
    (b'\xff\xfe{"requests": []}', "UTF-8"),
]


@pytest.mark.parametrize("body, message", BAD_BODIES, ids=[m for _, m in BAD_BODIES])
async def test_bad_bodies_are_400_and_create_nothing(emulator, body, message):
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers=HEADERS) as http:
        response = await http.post("/v1/messages/batches", content=body)
    assert response.status_code == 400, response.text
    payload = response.json()
    validate("ErrorResponse", payload)
    assert payload["error"]["type"] == "invalid_request_error"
    assert message in payload["error"]["message"]
    assert emulator.batch_ids() == []


async def test_sdk_sees_bad_request(emulator, checked_async):
    client = checked_async(emulator)
    with pytest.raises(anthropic.BadRequestError, match="duplicate custom_id 'r0'"):
        await client.messages.batches.create(requests=make_requests(2) + make_requests(1))
    assert emulator.batch_ids() == []


async def test_100001_requests_are_refused(emulator):
    item = json.dumps(GOOD["params"])
    body = ('{"requests":[' + ",".join(f'{{"custom_id":"r{i}","params":{item}}}' for i in range(100_001))
            + "]}").encode()
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers=HEADERS, timeout=60) as http:
        response = await http.post("/v1/messages/batches", content=body)
    assert response.status_code == 400
    assert "at most 100000 items" in response.json()["error"]["message"]
    assert emulator.batch_ids() == []


async def test_over_size_limit_is_413_by_content_length(emulator):
    """A body announced as 300 MB is refused from its headers alone, before anything is read."""
    host, port = emulator.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"POST /v1/messages/batches HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
                 b"anthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"
                 b"content-length: 300000000\r\n\r\n{")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    payload = json.loads(await reader.readexactly(length))
    validate("ErrorResponse", payload)
    assert payload["error"]["type"] == "request_too_large"
    writer.close()
    await writer.wait_closed()
    assert emulator.batch_ids() == []


async def test_over_size_limit_is_413_through_sdk(emulator_factory, checked_async):
    async with emulator_factory(max_body_bytes=2_000) as emu:
        client = checked_async(emu)
        with pytest.raises(anthropic.ContentTooLargeError) as caught:
            await client.messages.batches.create(requests=make_requests(40))
        assert caught.value.body["error"]["type"] == "request_too_large"
        assert emu.batch_ids() == []


async def test_chunked_body_over_limit_is_413(emulator_factory):
    async def chunks():
        for _ in range(10):
            yield b" " * 1000

    async with emulator_factory(max_body_bytes=5_000) as emu:
        async with httpx2.AsyncClient(base_url=emu.base_url, headers=HEADERS) as http:
            response = await http.post("/v1/messages/batches", content=chunks())
        assert response.status_code == 413


async def test_whitespace_and_unicode_are_fine(emulator):
    body = ('\n { "requests" :\n [ {"params": {"model": "claude-haiku-4-5", "max_tokens": 9, "messages": '
            '[{"role": "user", "content": "héllo ✓ 😀"}]}, "custom_id": "u-1"} ] } \n').encode()
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers=HEADERS) as http:
        response = await http.post("/v1/messages/batches", content=body)
    assert response.status_code == 200
    batch = await emulator.wait_until_ended(response.json()["id"])
    line = emulator.results_for(batch["id"])["u-1"]
    assert "héllo ✓ 😀" in line["result"]["message"]["content"][0]["text"]


@pytest.mark.parametrize("piece", [1, 3, 7, 64])
async def test_body_parses_the_same_in_any_pieces(piece):
    """The streaming parser must not depend on where the network splits the body (even inside a character)."""
    from tui.emulator.create_body import parse_create_body

    requests = make_requests(5, max_tokens=1024)
    requests[2]["params"]["messages"][0]["content"] = "ünïcødé 😀 " * 3
    body = json.dumps({"requests": requests}, ensure_ascii=False).encode()

    async def chunks():
        for start in range(0, len(body), piece):
            yield body[start:start + piece]

    seen = []
    count = await parse_create_body(chunks(), lambda i, cid, params: seen.append((i, cid, params)))
    assert count == 5 and seen == [(i, r["custom_id"], r["params"]) for i, r in enumerate(requests)]


async def test_deep_nesting_is_a_400(emulator):
    deep = '{"custom_id":"a","params":{"model":"claude-haiku-4-5","x":' + "[" * 100_000 + "]" * 100_000 + "}}"
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers=HEADERS) as http:
        response = await http.post("/v1/messages/batches", content=('{"requests":[' + deep + "]}").encode())
    assert response.status_code == 400 and "requests.0: JSON nested too deeply" in response.json()["error"]["message"]
    assert emulator.batch_ids() == []
