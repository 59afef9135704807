"""One results line -> one row of the `results` table, parsed with orjson. Never raises.

A well-formed line takes a fast path with exact type checks only; anything odd (bad JSON, invalid UTF-8,
no custom_id, wrong types, an unknown result type) goes through a careful path that records what it can
and says what was wrong. Costs come from `tui.core.money.pricing` at batch prices (None: unknown model price;
0.0 for errored, canceled and expired requests, which are not billed).
"""

from __future__ import annotations

from typing import Any

import orjson

from tui.core.journal.search import answer_words
from tui.core.money.pricing import ModelPrice, PriceTable, price_table

PREVIEW_CHARS = 200
_KNOWN_TYPES = frozenset(("succeeded", "errored", "canceled", "expired"))
_USAGE_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def _preview(content: Any) -> str | None:
    if len(content) == 1:                      # the common case: one text block
        block = content[0]
        if type(block) is dict and block.get("type") == "text" and type(text := block.get("text")) is str:
            return text[:PREVIEW_CHARS]
    parts: list[str] = []
    size = 0
    for block in content:
        if isinstance(block, dict) and block.get("type") == "text":
            text = block.get("text")
            if isinstance(text, str):
                parts.append(text)
                size += len(text)
                if size >= PREVIEW_CHARS:
                    break
    return "".join(parts)[:PREVIEW_CHARS] if parts else None


def _fast_row(local_id: int, line: bytes, obj: Any, cost: Coster) -> tuple | None:
    """The well-formed case, with no checks beyond exact types; None sends the line to `_careful_row`."""
    cid = obj["custom_id"]
    result = obj["result"]
    rtype = result["type"]
    if type(cid) is not str or not cid:
        return None
    if rtype == "succeeded":
        msg = result["message"]
        usage = msg["usage"]
        i, o = usage["input_tokens"], usage["output_tokens"]
        cc, cr = usage.get("cache_creation_input_tokens"), usage.get("cache_read_input_tokens")
        model, stop = msg["model"], msg.get("stop_reason")
        if (type(i) is not int or type(o) is not int or type(model) is not str
                or (cc is not None and type(cc) is not int) or (cr is not None and type(cr) is not int)
                or (stop is not None and type(stop) is not str)):
            return None
        return (local_id, cid, rtype, None, None, stop, model, i, o, cc, cr, cost(model, i, o, cc, cr),
                _preview(msg["content"]), line)
    if rtype == "errored":
        inner = result["error"]["error"]
        etype, emsg = inner["type"], inner.get("message")
        if type(etype) is not str or (emsg is not None and type(emsg) is not str):
            return None
        return (local_id, cid, rtype, etype, emsg, None, None, None, None, None, None, 0.0,
                emsg[:PREVIEW_CHARS] if emsg else None, line)
    if rtype == "canceled" or rtype == "expired":
        return (local_id, cid, rtype, None, None, None, None, None, None, None, None, 0.0, None, line)
    return None


def _careful_row(local_id: int, line: bytes, obj: Any, cost: Coster) -> tuple[tuple | None, str | None]:
    """Whatever can be recorded from an odd line, and what was wrong with it (None when nothing)."""
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    cid = obj.get("custom_id")
    if not isinstance(cid, str) or not cid:
        return None, "custom_id missing or not a string"
    problems: list[str] = []

    def pick(container: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
        value = container.get(key) if isinstance(container, dict) else None
        if value is None:
            return None
        if not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"{where}{key} has the wrong type")
            return None
        return value

    result = obj.get("result")
    if not isinstance(result, dict):
        return (local_id, cid, "unknown", None, None, None, None, None, None, None, None, None,
                None, line), "result missing or not an object"
    rtype = pick(result, "type", str, "result.") or "unknown"
    if rtype not in _KNOWN_TYPES:
        problems.append(f"unknown result type {rtype[:40]!r}")
    etype = emsg = stop = model = preview = None
    tokens: list[int | None] = [None, None, None, None]
    if rtype == "errored":
        outer = result.get("error")
        inner = outer.get("error") if isinstance(outer, dict) else None
        if not isinstance(inner, dict):
            problems.append("result.error.error missing")
        etype = pick(inner, "type", str, "result.error.error.")
        emsg = pick(inner, "message", str, "result.error.error.")
        preview = emsg[:PREVIEW_CHARS] if emsg else None
    elif rtype == "succeeded":
        msg = result.get("message")
        if not isinstance(msg, dict):
            problems.append("result.message missing")
            msg = {}
        model = pick(msg, "model", str, "message.")
        stop = pick(msg, "stop_reason", str, "message.")
        usage = msg.get("usage")
        if not isinstance(usage, dict):
            problems.append("message.usage missing or not an object")
        tokens = [pick(usage, k, int, "usage.") for k in _USAGE_KEYS]
        content = msg.get("content")
        preview = _preview(content) if isinstance(content, list) else None
    if rtype != "succeeded":
        price = 0.0 if rtype in _KNOWN_TYPES else None      # errored, canceled, expired: not billed
    elif model and (i := tokens[0]) is not None and (o := tokens[1]) is not None:
        price = cost(model, i, o, tokens[2], tokens[3])
    else:
        price = None
    row = (local_id, cid, rtype, etype, emsg, stop, model, *tokens, price, preview, line)
    return row, "; ".join(problems) or None


class Coster:
    """Batch-price cost of a usage, with the model lookup done once per model name (it is the slow part of
    `PriceTable.cost`, whose arithmetic this repeats). None when the model's price is unknown."""

    def __init__(self, table: PriceTable | None = None) -> None:
        self.table = table or price_table()
        self._prices: dict[str, ModelPrice | None] = {}

    def __call__(self, model: str, i: int, o: int, cc: int | None, cr: int | None) -> float | None:
        try:
            price = self._prices[model]
        except KeyError:
            price = self._prices[model] = self.table.lookup(model)
        if price is None:
            return None
        cc, cr = cc or 0, cr or 0
        r = price.rates_for(i + cc + cr)
        return (i * r.input + o * r.output + cc * r.cache_write + cr * r.cache_read) / 1e6 * self.table.batch_discount


def parse_line(local_id: int, line: bytes, cost: Coster) -> tuple[tuple | None, str | None]:
    """One results line -> (row for the results table or None, problem or None). Never raises."""
    row, problem, _ = _parse(local_id, line, cost)
    return row, problem


def parse_line_words(local_id: int, line: bytes, cost: Coster) -> tuple[tuple | None, str | None, str | None]:
    """`parse_line` and the words `/` searches in the answer (`search.answer_words`), from the one parse."""
    row, problem, obj = _parse(local_id, line, cost)
    if row is None:
        return None, problem, None
    return row, problem, answer_words(obj, row[2], row[3], row[4])


def _parse(local_id: int, line: bytes, cost: Coster) -> tuple[tuple | None, str | None, Any]:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            obj = orjson.loads(line.decode("utf-8", "replace"))
        except orjson.JSONDecodeError:
            return None, "not valid JSON", None
        row, problem = _careful_row(local_id, line, obj, cost)
        return row, "invalid UTF-8" + (f"; {problem}" if problem else ""), obj
    try:
        row = _fast_row(local_id, line, obj, cost)
    except (KeyError, TypeError, AttributeError, IndexError):
        row = None
    if row is not None:
        return row, None, obj
    return (*_careful_row(local_id, line, obj, cost), obj)
