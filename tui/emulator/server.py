"""The HTTP side: aiohttp routes for the six endpoints, auth, request ids, errors and injected faults."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from email.utils import formatdate
from typing import TYPE_CHECKING

import orjson
from aiohttp import web

from tui.emulator.create_body import BadBody, parse_create_body
from tui.emulator.responses import Summary, summarize
from tui.emulator.wire import error_body

if TYPE_CHECKING:
    from tui.emulator.emulator import Emulator

PREFIX = "/v1/messages/batches"
RESULT_CHUNK_LINES = 256
_EMULATOR = web.AppKey("emulator", object)
_REQUEST_ID = web.RequestKey("request_id", str)
_STREAMING = web.RequestKey("streaming", bool)
_log = logging.getLogger("tui.emulator")


class ApiError(Exception):
    """An answer in the API's error envelope: status, message, optional error type and extra headers."""

    def __init__(self, status: int, message: str, error_type: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.error_type, self.headers = status, message, error_type, headers or {}


def _emu(request: web.Request) -> Emulator:
    return request.app[_EMULATOR]  # type: ignore[return-value]


def _json(request: web.Request, payload: dict, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json",
                        headers={"request-id": request[_REQUEST_ID], **(headers or {})})


def _error(request: web.Request, exc: ApiError) -> web.Response:
    body = error_body(exc.status, exc.message, request[_REQUEST_ID], exc.error_type)
    response = _json(request, body, exc.status, exc.headers)
    if exc.status == 413:
        response.force_close()  # the unread rest of the body must not be taken for the next request
    return response


def _route_name(request: web.Request) -> str:
    info = request.match_info.route.name
    return info or "unknown"


def _check_auth(request: web.Request, expected: str | None) -> None:
    key = request.headers.get("x-api-key")
    auth = request.headers.get("authorization", "")
    if key is None and auth.lower().startswith("bearer "):
        key = auth[7:].strip()
    if not key:
        raise ApiError(401, "x-api-key header is required (or Authorization: Bearer)")
    if expected is not None and key != expected:
        raise ApiError(401, "invalid x-api-key")
    if not request.headers.get("anthropic-version"):
        raise ApiError(400, "anthropic-version: header is required")


@web.middleware
async def _middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                      ) -> web.StreamResponse:
    emu = _emu(request)
    request[_REQUEST_ID] = emu._next_request_id()
    emu.stats["requests"] += 1
    emu.stats[_route_name(request)] += 1
    try:
        if emu.config.latency_ms:
            await asyncio.sleep(emu.config.latency_ms / 1000)
        _check_auth(request, emu.config.api_key)
        wait = emu._rate_limit_wait()
        if wait is not None:
            emu.stats["rate_limited"] += 1
            raise ApiError(429, f"rate limit of {emu.config.rate_limit_rpm:g} requests per minute exceeded "
                                f"(emulated)", headers={"retry-after": str(math.ceil(wait)),
                                                        "retry-after-ms": str(math.ceil(wait * 1000))})
        fault = emu._http_fault()
        if fault is not None:
            emu.stats[f"fault_{fault}"] += 1
            headers = {"retry-after": "1", "retry-after-ms": "50"} if fault == 429 else {}
            message = {403: "Your API key does not have permission to use the specified resource (emulated)",
                       429: "Number of requests has exceeded your rate limit (emulated)",
                       500: "Internal server error (emulated)", 529: "Overloaded (emulated)"}[fault]
            raise ApiError(fault, message, headers=headers)
        return await handler(request)
    except ApiError as exc:
        return _error(request, exc)
    except web.HTTPException as exc:
        if exc.status == 413:
            return _error(request, _too_large(emu))
        message = {404: f"Not found: {request.method} {request.path}",
                   405: f"Method {request.method} not allowed on {request.path}"}.get(exc.status, exc.reason)
        return _error(request, ApiError(exc.status, message))
    except ConnectionError:   # the client went away mid-request (a killed process, a dropped network)
        emu.stats["client_disconnects"] += 1
        raise web.HTTPBadRequest(reason="client disconnected") from None   # nobody is left to read it
    except Exception:
        if request.get(_STREAMING):
            raise  # headers already sent: aiohttp drops the connection
        _log.exception("emulator: unexpected failure answering %s %s", request.method, request.path)
        return _error(request, ApiError(500, "Internal server error (an emulator bug: see its log)"))


def _too_large(emu: Emulator) -> ApiError:
    return ApiError(413, f"Request exceeds the maximum allowed size of {emu.config.max_body_bytes} bytes")


def _batch_or_404(request: web.Request):
    batch_id = request.match_info["batch_id"]
    batch = _emu(request)._batches.get(batch_id)
    if batch is None:
        raise ApiError(404, f"message batch {batch_id!r} not found")
    return batch


def _base(request: web.Request) -> str:
    return str(request.url.origin())


async def _create(request: web.Request) -> web.Response:
    emu = _emu(request)
    limit = emu.config.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(emu)

    async def chunks() -> AsyncIterator[bytes]:
        total = 0
        async for chunk in request.content.iter_chunked(1 << 18):
            total += len(chunk)
            if total > limit:
                raise _too_large(emu)
            yield chunk

    summaries: list[Summary] = []

    def on_item(index: int, custom_id: str, params: dict) -> None:
        summaries.append(summarize(custom_id, params))

    try:
        await parse_create_body(chunks(), on_item)
    except BadBody as exc:
        raise ApiError(400, str(exc)) from None
    batch = emu._add_batch(summaries)
    if emu._ambiguous_create():
        emu.stats["fault_ambiguous_create"] += 1
        raise ApiError(500, "Internal server error (emulated)")
    if emu.config.slow_create_answer_ms:
        await asyncio.sleep(emu.config.slow_create_answer_ms / 1000)
    return _json(request, batch.to_json(emu.now(), _base(request)))


async def _retrieve(request: web.Request) -> web.Response:
    return _json(request, _batch_or_404(request).to_json(_emu(request).now(), _base(request)))


def _query_limit(request: web.Request) -> int:
    raw = request.query.get("limit", "20")
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(400, f"limit: Input should be a valid integer, got {raw[:40]!r}") from None
    if not 1 <= limit <= 1000:
        raise ApiError(400, f"limit: Input should be between 1 and 1000, got {limit}")
    return limit


async def _list(request: web.Request) -> web.Response:
    emu = _emu(request)
    limit = _query_limit(request)
    after_id, before_id = request.query.get("after_id"), request.query.get("before_id")
    if after_id and before_id:
        raise ApiError(400, "after_id and before_id cannot be used together")
    ids = emu.batch_ids()  # newest first
    seqs = emu._seqs
    for name, cursor in (("after_id", after_id), ("before_id", before_id)):
        if cursor and cursor not in seqs:
            raise ApiError(400, f"{name}: unknown message batch id {cursor!r}")
    if after_id:  # older than the cursor: later in the list
        older = [i for i in ids if seqs[i] < seqs[after_id]]
        page, has_more = older[:limit], len(older) > limit
    elif before_id:  # newer than the cursor: earlier in the list, the `limit` nearest ones
        newer = [i for i in ids if seqs[i] > seqs[before_id]]
        page, has_more = newer[-limit:], len(newer) > limit
    else:
        page, has_more = ids[:limit], len(ids) > limit
    now, base = emu.now(), _base(request)
    data = [emu._batches[i].to_json(now, base) for i in page]
    return _json(request, {"data": data, "has_more": has_more,
                           "first_id": page[0] if page else None, "last_id": page[-1] if page else None})


async def _cancel(request: web.Request) -> web.Response:
    emu = _emu(request)
    batch = _batch_or_404(request)
    now = emu.now()
    status = batch.status(now)
    if status == "ended":
        raise ApiError(400, f"message batch {batch.id} has already ended and cannot be canceled")
    if status == "in_progress":
        batch.cancel_at = now
    return _json(request, batch.to_json(now, _base(request)))


async def _delete(request: web.Request) -> web.Response:
    emu = _emu(request)
    batch = _batch_or_404(request)
    status = batch.status(emu.now())
    if status != "ended":
        raise ApiError(400, f"message batch {batch.id} is {status}; only an ended batch can be deleted "
                            f"(cancel it first)")
    del emu._batches[batch.id]
    return _json(request, {"id": batch.id, "type": "message_batch_deleted"})


async def _results(request: web.Request) -> web.StreamResponse:
    emu = _emu(request)
    batch = _batch_or_404(request)
    now = emu.now()
    status = batch.status(now)
    if status != "ended":
        raise ApiError(400, f"message batch {batch.id} is {status}; results are available once it has ended")
    if batch.archived(now):
        raise ApiError(404, f"results of message batch {batch.id} have been archived and are no longer available")
    cut_after = emu._results_cut_point(len(batch.summaries))
    response = web.StreamResponse(headers={"request-id": request[_REQUEST_ID],
                                           "content-type": "application/x-jsonl"})
    response.enable_chunked_encoding()
    request[_STREAMING] = True
    await response.prepare(request)
    try:
        await _stream_lines(request, response, batch, cut_after)
    except ConnectionError:  # the client stopped reading: nothing more to send, nothing to report
        emu.stats["results_abandoned"] += 1
    return response


async def _stream_lines(request: web.Request, response: web.StreamResponse, batch, cut_after: int | None) -> None:
    emu = _emu(request)
    config = emu.config
    lines: list[bytes] = []
    count = 0
    for kind, line in batch.stream(config.foreign_results, config.missing_results, config.duplicate_results):
        if kind != "line":
            emu.stats[f"fault_{kind}_results"] += 1
            if kind == "missing":
                continue
        count += 1
        lines.append(orjson.dumps(line) + b"\n")
        if cut_after is not None and count >= cut_after:
            _emu(request).stats["fault_cut_results"] += 1
            await response.write(b"".join(lines) + b'{"custom_id":')
            transport = request.transport
            assert transport is not None   # the write just went through: the connection is up
            transport.abort()  # the connection drops mid-body, as a flaky network would
            return
        if len(lines) >= RESULT_CHUNK_LINES:
            await response.write(b"".join(lines))
            lines.clear()
    if lines:
        await response.write(b"".join(lines))
    await response.write_eof()


async def _date_header(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer's `date` is the emulated clock's (aiohttp would put the machine's): a client that measures
    the server's clock from it sees the same clock as created_at and friends (`clock_offset_s`, `time_scale`)."""
    response.headers["Date"] = formatdate(_emu(request).now(), usegmt=True)


def build_app(emulator: Emulator) -> web.Application:
    app = web.Application(middlewares=[_middleware], client_max_size=emulator.config.max_body_bytes + 1)
    app[_EMULATOR] = emulator
    app.on_response_prepare.append(_date_header)
    app.router.add_post(PREFIX, _create, name="create")
    app.router.add_get(PREFIX, _list, name="list", allow_head=False)
    app.router.add_get(PREFIX + "/{batch_id}", _retrieve, name="retrieve", allow_head=False)
    app.router.add_delete(PREFIX + "/{batch_id}", _delete, name="delete")
    app.router.add_post(PREFIX + "/{batch_id}/cancel", _cancel, name="cancel")
    app.router.add_get(PREFIX + "/{batch_id}/results", _results, name="results", allow_head=False)
    return app
