"""A tiny misbehaving Batches API server for what the faithful emulator cannot serve: batch objects with
missing keys or wrong types, bodies that are not JSON, results streams with broken lines and a 50 MB line.

`HostileServer()` serves `batches` (id -> a MessageBatch dict, or raw bytes for the body) on retrieve and
list, `failures` (id -> HTTP status and error body) on retrieve, `create_answers` (errors for the next
creates, before a real one), and `results` (id -> bytes, or a callable returning an iterator of byte chunks) on the results path.
Loopback only; any key is accepted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from aiohttp import web

from tui.core.journal.batches import server_fields

PREFIX = "/v1/messages/batches"
TS = "2026-11-24T03:00:00Z"


def ended_batch(batch_id: str, base_url: str, n: int, **override: Any) -> dict:
    """A well-formed ended MessageBatch of n succeeded requests, with `override` applied on top."""
    batch = {"id": batch_id, "type": "message_batch", "processing_status": "ended",
             "request_counts": {"processing": 0, "succeeded": n, "errored": 0, "canceled": 0, "expired": 0},
             "created_at": TS, "expires_at": "2026-11-25T03:00:00Z", "ended_at": "2026-11-24T03:01:00Z",
             "cancel_initiated_at": None, "archived_at": None,
             "results_url": f"{base_url}{PREFIX}/{batch_id}/results"}
    batch.update(override)
    return batch


def succeeded_line(custom_id: str, text: str = "fine") -> bytes:
    return orjson.dumps({"custom_id": custom_id, "result": {"type": "succeeded", "message": {
        "id": f"msg_{custom_id}", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 7}}}}) + b"\n"


class HostileServer:
    def __init__(self) -> None:
        self.batches: dict[str, dict | bytes] = {}
        self.results: dict[str, bytes | Callable[[], Iterable[bytes]]] = {}
        self.failures: dict[str, tuple[int, dict]] = {}   # id -> (status, error body) answered on retrieve
        self.create_answers: list[tuple[int, dict[str, str]]] = []   # (status, headers) for the next creates
        self.created: list[str] = []
        self.created_fields: dict[str, Any] = {}   # laid over each created batch (hostile fields)
        self.stats: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> HostileServer:
        app = web.Application()
        app.router.add_get(PREFIX, self._list)
        app.router.add_post(PREFIX, self._create)
        app.router.add_get(PREFIX + "/{batch_id}", self._retrieve)
        app.router.add_get(PREFIX + "/{batch_id}/results", self._results)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    @staticmethod
    def _body(payload: dict | bytes) -> web.Response:
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        return web.Response(body=body, content_type="application/json", headers={"request-id": "req_hostile"})

    async def _retrieve(self, request: web.Request) -> web.Response:
        self.stats["retrieve"] += 1
        batch_id = request.match_info["batch_id"]
        if batch_id in self.failures:
            status, body = self.failures[batch_id]
            return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")
        if batch_id not in self.batches:
            return web.json_response({"type": "error", "error": {"type": "not_found_error", "message": "no"}},
                                     status=404)
        return self._body(self.batches[batch_id])

    async def _create(self, request: web.Request) -> web.Response:
        """The next `create_answers` entry as an error answer; once they are used up, a real in_progress batch."""
        self.stats["create"] += 1
        body = orjson.loads(await request.read())
        if self.create_answers:
            status, headers = self.create_answers.pop(0)
            return web.Response(body=orjson.dumps({"type": "error", "error": {"type": "rate_limit_error",
                                                                               "message": "slow down"}}),
                                status=status, headers=headers, content_type="application/json")
        batch_id = f"msgbatch_created{len(self.created):03d}"
        n = len(body["requests"])
        batch = ended_batch(batch_id, self.base_url, n, processing_status="in_progress", ended_at=None,
                            results_url=None, request_counts={"processing": n, "succeeded": 0, "errored": 0,
                                                              "canceled": 0, "expired": 0})
        batch.update(self.created_fields)
        self.created.append(batch_id)
        self.batches[batch_id] = batch
        return self._body(batch)

    async def _list(self, request: web.Request) -> web.Response:
        self.stats["list"] += 1
        data = [b for b in self.batches.values() if isinstance(b, dict)]
        return self._body({"data": data, "has_more": False, "first_id": None, "last_id": None})

    async def _results(self, request: web.Request) -> web.StreamResponse:
        self.stats["results"] += 1
        source = self.results[request.match_info["batch_id"]]
        response = web.StreamResponse(headers={"content-type": "application/x-jsonl", "request-id": "req_hostile"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for chunk in ([source] if isinstance(source, bytes) else source()):
            await response.write(chunk)
        await response.write_eof()
        return response


async def record_batch(journal: Any, batch: dict[str, Any]) -> int:
    """Put a batch this server answers with into the journal, as the poller would have (its local_id)."""
    fields = server_fields(batch)
    fields["intent_request_count"] = sum(batch["request_counts"].values())
    async with journal.transaction() as db:
        cur = await db.execute(f"INSERT INTO batches({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                               tuple(fields.values()))
        return cur.lastrowid
