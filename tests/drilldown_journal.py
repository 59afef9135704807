"""Deterministic journals for the browse / batch / request tests and bench/ui.py.

Rows go in with plain sqlite3 `executemany` (100,000 requests and results in a few seconds), in the exact
shape the submit and the ingest write: a `requests` row per submitted request (its params, prompt text
included) and a `results` row per result line, with `raw` holding the line as received, and their words in
the search index (`tui.core.journal.search`), as the submit and the ingest put them there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from tests.builders import params
from tui.core.journal import search

T0 = 1_790_000_000.0  # 2026-09-22 (a fixed "now" for snapshots)
MODEL = "claude-sonnet-4-5"


def kind_of(i: int) -> str:
    """A fixed mix: ~10% errored, 4% canceled, 2.5% expired, the rest succeeded."""
    if i % 10 == 3:
        return "errored"
    if i % 25 == 7:
        return "canceled"
    if i % 40 == 11:
        return "expired"
    return "succeeded"


ERROR_TYPES = ("overloaded_error", "invalid_request_error", "api_error")


def custom_id(i: int) -> str:
    return f"req-{i:06d}"


def params_for(i: int) -> dict[str, Any]:
    return params(f"Summarise ticket {i}: the printer on floor {i % 7} jams.", model=MODEL, max_tokens=1024,
                  system="You summarise support tickets in one paragraph.")


def result_for(i: int, kind: str | None = None, text: str | None = None) -> dict[str, Any]:
    kind = kind or kind_of(i)
    cid = custom_id(i)
    if kind == "succeeded":
        body = text if text is not None else f"Ticket {i}: the printer on floor {i % 7} jams; a technician is booked."
        return {"custom_id": cid, "result": {"type": "succeeded", "message": {
            "id": f"msg_{i:08d}", "type": "message", "role": "assistant", "model": MODEL,
            "content": [{"type": "text", "text": body}],
            "stop_reason": "max_tokens" if i % 17 == 5 else "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 40 + i % 13, "output_tokens": 20 + i % 31,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}}
    if kind == "errored":
        etype = ERROR_TYPES[i % len(ERROR_TYPES)]
        message = text if text is not None else f"{etype.replace('_', ' ')} on request {i}"
        return {"custom_id": cid, "result": {"type": "errored", "error": {
            "type": "error", "error": {"type": etype, "message": message}, "request_id": None}}}
    return {"custom_id": cid, "result": {"type": kind}}


def result_columns(batch_local_id: int, line: dict[str, Any], price_per_token: float = 1.5e-6) -> tuple:
    """A results row from a result line, as the ingest stores it."""
    result = line["result"]
    kind = result["type"]
    error_type = error_message = stop_reason = model = preview = None
    tokens: list[int | None] = [None, None, None, None]
    cost = None
    if kind == "succeeded":
        message = result["message"]
        stop_reason, model = message.get("stop_reason"), message.get("model")
        usage = message.get("usage") or {}
        tokens = [usage.get(k) for k in ("input_tokens", "output_tokens", "cache_creation_input_tokens",
                                         "cache_read_input_tokens")]
        texts = [b.get("text", "") for b in message.get("content", []) if b.get("type") == "text"]
        preview = "".join(texts)[:200]
        cost = ((tokens[0] or 0) + (tokens[1] or 0) * 5) * price_per_token
    elif kind == "errored":
        inner = result["error"]["error"]
        error_type, error_message = inner["type"], inner["message"]
        preview = error_message[:200]
    return (batch_local_id, line["custom_id"], kind, error_type, error_message, stop_reason, model,
            *tokens, cost, preview, orjson.dumps(line))


def connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    return con


def insert_batch(con: sqlite3.Connection, local_id: int, *, n: int, status: str = "ended",
                 batch_id: str | None = None, label: str | None = None, parent_id: str | None = None,
                 created_at: float = T0 - 3600, counts: dict[str, int] | None = None,
                 adopted: bool = False) -> None:
    batch_id = batch_id or f"msgbatch_{local_id:04d}{'x' * 20}"
    ended = status == "ended"
    if counts is None:
        counts = {k: 0 for k in ("succeeded", "errored", "canceled", "expired")}
        if ended:
            for i in range(n):
                counts[kind_of(i)] += 1
    processing = 0 if ended else n
    con.execute(
        "INSERT INTO batches(local_id, id, label, parent_id, processing_status, n_processing, n_succeeded,"
        " n_errored, n_canceled, n_expired, created_at, expires_at, ended_at, results_url, adopted,"
        " ingest_state, results_ingested, last_polled_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (local_id, batch_id, label, parent_id, status, processing, counts["succeeded"], counts["errored"],
         counts["canceled"], counts["expired"], created_at, created_at + 86400,
         created_at + 1800 if ended else None,
         f"http://127.0.0.1:9/v1/messages/batches/{batch_id}/results" if ended else None,
         int(adopted), "complete" if ended else "none", n if ended else 0, T0 - 30),
    )


def _last_rowid(con: sqlite3.Connection, table: str) -> int:
    return con.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}").fetchone()[0]


def _index(con: sqlite3.Connection, statement: str, before: int) -> None:
    """Index the rows added after `before` (a journal older than the index has none to fill)."""
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_results'").fetchone():
        con.execute(statement, (before,))


def insert_requests(con: sqlite3.Connection, batch_local_id: int, items: Iterable[tuple[str, dict]]) -> None:
    before = _last_rowid(con, "requests")
    con.executemany("INSERT INTO requests(batch_local_id, custom_id, params) VALUES (?,?,?)",
                    ((batch_local_id, cid, orjson.dumps(p)) for cid, p in items))
    _index(con, search.INDEX_REQUESTS_AFTER, before)


def insert_results(con: sqlite3.Connection, batch_local_id: int, lines: Iterable[dict[str, Any]]) -> None:
    before = _last_rowid(con, "results")
    con.executemany(
        "INSERT INTO results(batch_local_id, custom_id, result_type, error_type, error_message, stop_reason,"
        " model, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd,"
        " preview, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (result_columns(batch_local_id, line) for line in lines),
    )
    _index(con, search.INDEX_RESULTS_AFTER, before)


def add_batch(path: Path, local_id: int, n: int, *, with_requests: bool = True, with_results: bool = True,
              result: Callable[[int], dict[str, Any]] = result_for, **batch: Any) -> None:
    """One batch of `n` requests `req-000000`... (results for all of them when `with_results`)."""
    con = connect(path)
    with con:
        insert_batch(con, local_id, n=n, status="ended" if with_results else "in_progress", **batch)
        if with_requests:
            insert_requests(con, local_id, ((custom_id(i), params_for(i)) for i in range(n)))
        if with_results:
            insert_results(con, local_id, (result(i) for i in range(n)))
    con.close()


async def new_journal(path: Path) -> None:
    """Create the journal file with the current schema (through the real Journal)."""
    from tui.core.journal.connection import Journal

    journal = await Journal.open(path)
    await journal.close()


PNG_B64 = "iVBORw0KGgo" + "A" * 4000  # ~3 KB of base64, never drawn


def rich_params() -> dict[str, Any]:
    """A request with every kind of content block, tools and extra params."""
    return {
        "model": MODEL,
        "max_tokens": 2048,
        "temperature": 0.2,
        "system": [{"type": "text", "text": "You are a careful support agent."}],
        "tools": [{"name": "lookup_order", "description": "Find an order by its number.",
                   "input_schema": {"type": "object", "properties": {"number": {"type": "string"}}}}],
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "Where is my order? A photo of the label is attached."},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64}},
                {"type": "document", "title": "Invoice 7", "source": {"type": "text", "media_type": "text/plain",
                                                                      "data": "Invoice 7: one printer, $120."}},
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                                "data": "JVBERi0x" * 100}},
            ]},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "toolu_01", "name": "lookup_order", "input": {"number": "A-17"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "shipped on Monday"},
                {"type": "tool_result", "tool_use_id": "toolu_02", "is_error": True,
                 "content": [{"type": "text", "text": "lookup failed"}]},
            ]},
        ],
    }


def rich_result(cid: str) -> dict[str, Any]:
    """A success with thinking, text and tool_use blocks."""
    return {"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": "msg_rich", "type": "message", "role": "assistant", "model": MODEL,
        "content": [
            {"type": "thinking", "thinking": "The order shipped Monday; tell them.", "signature": "sig"},
            {"type": "text", "text": "Your order A-17 shipped on Monday."},
            {"type": "tool_use", "id": "toolu_03", "name": "lookup_order", "input": {"number": "A-18"}},
        ],
        "stop_reason": "tool_use", "stop_sequence": None,
        "usage": {"input_tokens": 1200, "output_tokens": 80, "cache_creation_input_tokens": 10,
                  "cache_read_input_tokens": 300}}}}
