"""Answers from the server are read within a size bound, results streams aside: a batch object or a list page
of 17 MB (declared, chunked, or a small gzip body that inflates to it) is refused with a clear message once
the 16 MB bound is passed, and the poller backs off that batch while the others go on. A 20 MB results stream
is read whole. The app's client (`make_client`) against a small hostile loopback server."""

from __future__ import annotations

import contextlib
import gzip

import orjson
import pytest
from aiohttp import web

from tests.reliability.hostile_server import PREFIX, ended_batch, succeeded_line
from tui.core.api.client import MAX_RESPONSE_BYTES, make_client, response_refused
from tui.core.api.errors import describe_api_error
from tui.core.journal.batches import get_batch
from tui.core.poll.loop import Poller

OVER = MAX_RESPONSE_BYTES + 1_000_000      # 17 MB
PAD = "p" * 1024


def _big_batch(batch_id: str, base_url: str) -> bytes:
    batch = ended_batch(batch_id, base_url, 1, processing_status="in_progress", ended_at=None, results_url=None)
    batch["padding"] = [PAD] * (OVER // len(PAD))
    return orjson.dumps(batch)


@pytest.fixture
async def server():
    state: dict = {"results_lines": 0}
    app = web.Application()

    async def retrieve(request: web.Request) -> web.StreamResponse:
        batch_id = request.match_info["batch_id"]
        base = state["base_url"]
        if batch_id == "msgbatch_declared":                      # Content-Length: 17 MB
            return web.Response(body=_big_batch(batch_id, base), content_type="application/json")
        if batch_id == "msgbatch_chunked":                       # no length: chunks until it is over the bound
            return await _chunked(request, _big_batch(batch_id, base))
        if batch_id == "msgbatch_bomb":                          # 17 kB of gzip that inflates to 17 MB
            body = gzip.compress(_big_batch(batch_id, base))
            return web.Response(body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
        if batch_id == "msgbatch_ended":                         # its results: a 20 MB stream
            return web.Response(body=orjson.dumps(ended_batch(batch_id, base, 1)), content_type="application/json")
        small = orjson.dumps(ended_batch(batch_id, base, 1, processing_status="in_progress", ended_at=None,
                                         results_url=None))
        if batch_id == "msgbatch_gzipped":                       # compressed though not asked: still read
            return web.Response(body=gzip.compress(small),
                                headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
        return web.Response(body=small, content_type="application/json")

    async def listing(request: web.Request) -> web.StreamResponse:
        page = {"data": [orjson.loads(_big_batch("msgbatch_declared", state["base_url"]))], "has_more": False,
                "first_id": "msgbatch_declared", "last_id": "msgbatch_declared"}
        return await _chunked(request, orjson.dumps(page))

    async def results(request: web.Request) -> web.StreamResponse:
        line = succeeded_line("r", "x" * 2000)
        n = (20 * 1024 * 1024) // len(line) + 1
        state["results_lines"] = n
        return await _chunked(request, line * n, content_type="application/binary")

    app.router.add_get(PREFIX, listing)
    app.router.add_get(PREFIX + "/{batch_id}", retrieve)
    app.router.add_get(PREFIX + "/{batch_id}/results", results)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]   # type: ignore[union-attr]
    state["base_url"] = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        await runner.cleanup()


async def _chunked(request: web.Request, body: bytes, content_type: str = "application/json") -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": content_type})
    response.enable_chunked_encoding()
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):   # the client stops reading at the bound and hangs up
        for at in range(0, len(body), 64 * 1024):
            await response.write(body[at:at + 64 * 1024])
        await response.write_eof()
    return response


@pytest.mark.parametrize("batch_id", ["msgbatch_declared", "msgbatch_chunked", "msgbatch_bomb"])
async def test_an_oversized_batch_object_is_refused_with_a_clear_message(server, batch_id) -> None:
    client = make_client("k", server["base_url"])
    async with client:
        with pytest.raises(response_refused()) as caught:
            await client.messages.batches.retrieve(batch_id)
        assert (await client.messages.batches.retrieve("msgbatch_gzipped")).id == "msgbatch_gzipped"
    message = describe_api_error(caught.value)
    assert message.startswith(f"the server's answer to GET {PREFIX}/{batch_id} is ")
    assert "more than the 16.0 MB read for a batch or a page of the list; not read" in message, message


async def test_an_oversized_list_page_is_refused(server) -> None:
    async with make_client("k", server["base_url"]) as client:
        with pytest.raises(response_refused()) as caught:
            await client.messages.batches.list(limit=1000)
    assert f"the server's answer to GET {PREFIX} is more than the 16.0 MB" in describe_api_error(caught.value)


async def test_a_large_results_stream_is_read_whole(server) -> None:
    async with make_client("k", server["base_url"]) as client:
        async with client.messages.batches.with_streaming_response.results("msgbatch_ended") as response:
            size = 0
            async for chunk in response.iter_bytes():
                size += len(chunk)
    assert size > 20 * 1024 * 1024
    assert size == server["results_lines"] * len(succeeded_line("r", "x" * 2000))


async def test_the_poller_backs_off_the_oversized_batch_and_polls_the_rest(server, journal) -> None:
    async with journal.transaction() as db:
        for batch_id in ("msgbatch_chunked", "msgbatch_fine"):
            await db.execute("INSERT INTO batches(id, processing_status, n_processing) VALUES (?, 'in_progress', 1)",
                             (batch_id,))
    async with make_client("k", server["base_url"]) as client:
        poller = Poller(journal, client, adopt=False)
        result = await poller.sweep(force=True)
        assert len(result.errors) == 1 and "more than the 16.0 MB" in result.errors[0], result.errors
        assert (await get_batch(journal, "msgbatch_fine")).last_polled_at is not None
        big = await get_batch(journal, "msgbatch_chunked")
        assert big.last_polled_at is None and "more than the 16.0 MB" in big.last_poll_error
        again = await poller.sweep(force=True)             # not paused: the server answered
        assert again.http_requests == 2
