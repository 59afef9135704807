"""Ingest of a results stream the emulator would never send: odd lines, lines split in tiny chunks, no final
newline. A small aiohttp server stands in for a misbehaving API (the emulator is faithful, so it cannot)."""

from __future__ import annotations

import anthropic
import orjson
import pytest
from aiohttp import web

from tui.core.poll.ingest import ingest

BATCH_ID = "msgbatch_crafted"


def _ok(cid: str) -> bytes:
    return orjson.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": "msg", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": f"answer {cid} ünïcødé"}], "stop_reason": "end_turn",
        "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 7,
                                         "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}})


LINES = [
    _ok("good-1"),
    b"{this is not json",
    b'{"result": {"type": "canceled"}}',                              # no custom_id
    b'{"custom_id": "bad-utf8-\xff", "result": {"type": "expired"}}',
    b'{"custom_id": "weird", "result": {"type": "vanished"}}',
    b'{"custom_id": "typed", "result": {"type": "succeeded", "message": {"model": 5, "usage": '
    b'{"input_tokens": "many", "output_tokens": 3}}}}',
    b"",                                                               # a blank line
    _ok("good-2"),
]
BODY = b"\n".join(LINES) + b"\n" + _ok("last-no-newline")
EXPECTED = 9   # what request_counts claim


def _batch(base: str) -> dict:
    return {"id": BATCH_ID, "type": "message_batch", "processing_status": "ended",
            "request_counts": {"processing": 0, "succeeded": EXPECTED, "errored": 0, "canceled": 0, "expired": 0},
            "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z",
            "ended_at": "2026-01-01T01:00:00Z", "cancel_initiated_at": None, "archived_at": None,
            "results_url": f"{base}/v1/messages/batches/{BATCH_ID}/results"}


@pytest.fixture
async def crafted_server():
    async def retrieve(request: web.Request) -> web.Response:
        return web.json_response(_batch(str(request.url.origin())))

    async def results(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "application/x-jsonl"})
        await response.prepare(request)
        for start in range(0, len(BODY), 7):      # tiny writes: lines split across many chunks
            await response.write(BODY[start:start + 7])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get(f"/v1/messages/batches/{BATCH_ID}", retrieve)
    app.router.add_get(f"/v1/messages/batches/{BATCH_ID}/results", results)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_odd_lines_are_recorded_or_counted_never_fatal(journal, crafted_server) -> None:
    async with journal.transaction() as db:
        cur = await db.execute("INSERT INTO batches(id, processing_status, n_succeeded) VALUES (?, 'ended', ?)",
                               (BATCH_ID, EXPECTED))
        local_id = cur.lastrowid
    async with anthropic.AsyncAnthropic(api_key="k", base_url=crafted_server) as client:
        report = await ingest(journal, client, local_id)

    assert report.stream_complete and report.lines == 8
    assert (report.malformed, report.skipped) == (5, 2)
    assert report.problems[0] == "line 2: not valid JSON"
    assert report.problems[1].startswith("line 3: custom_id missing")
    assert report.state == "partial" and report.results_ingested == 6
    async with journal.db.execute("SELECT custom_id, result_type, model, input_tokens, output_tokens, preview "
                                  "FROM results ORDER BY custom_id") as cur:
        rows = {r[0]: tuple(r[1:]) for r in await cur.fetchall()}
    assert set(rows) == {"good-1", "good-2", "last-no-newline", "bad-utf8-\ufffd", "weird", "typed"}
    assert rows["good-2"] == ("succeeded", "claude-sonnet-4-5", 5, 7, "answer good-2 ünïcødé")
    assert rows["weird"][0] == "vanished"
    assert rows["typed"] == ("succeeded", None, None, 3, None)
    async with journal.db.execute("SELECT ingest_state, ingest_error FROM batches WHERE local_id = ?",
                                  (local_id,)) as cur:
        state, error = await cur.fetchone()
    assert state == "partial"
    assert "6 of 9 results" in error and "5 malformed lines (first: line 2: not valid JSON)" in error
