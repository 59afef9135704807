"""Parsing of single results lines: the well-formed kinds, and every odd kind recorded or skipped, never a crash."""

from __future__ import annotations

import orjson
import pytest

from tui.core.poll.result_lines import PREVIEW_CHARS, Coster, parse_line

COST = Coster()


def _succeeded(cid: str = "a", **usage) -> dict:
    return {"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "Hello "}, {"type": "tool_use", "id": "t", "name": "x", "input": {}},
                    {"type": "text", "text": "world" * 100}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 20, "cache_creation_input_tokens": 3,
                  "cache_read_input_tokens": 4, **usage}}}}


def _row(obj) -> tuple:
    line = obj if isinstance(obj, bytes) else orjson.dumps(obj)
    return parse_line(7, line, COST)


def test_succeeded_line_gives_every_column() -> None:
    line = orjson.dumps(_succeeded())
    row, problem = parse_line(7, line, COST)
    assert problem is None
    (local_id, cid, rtype, etype, emsg, stop, model, i, o, cc, cr, cost, preview, raw) = row
    assert (local_id, cid, rtype, etype, emsg, stop) == (7, "a", "succeeded", None, None, "end_turn")
    assert (model, i, o, cc, cr) == ("claude-sonnet-4-5-20250929", 10, 20, 3, 4)
    assert cost == pytest.approx(COST.table.cost(model, 10, 20, 3, 4))
    assert preview.startswith("Hello worldworld") and len(preview) == PREVIEW_CHARS
    assert raw == line


def test_errored_canceled_expired() -> None:
    errored = {"custom_id": "b", "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: must be >= 1"},
        "request_id": None}}}
    row, problem = _row(errored)
    assert problem is None
    assert row[2:5] == ("errored", "invalid_request_error", "max_tokens: must be >= 1")
    assert row[11] == 0.0 and row[12] == "max_tokens: must be >= 1"
    for kind in ("canceled", "expired"):
        row, problem = _row({"custom_id": "c", "result": {"type": kind}})
        assert problem is None and row[2] == kind and row[7] is None and row[11] == 0.0


def test_unknown_model_costs_none_and_missing_cache_counts_are_null() -> None:
    obj = _succeeded()
    obj["result"]["message"]["model"] = "some-other-model"
    del obj["result"]["message"]["usage"]["cache_read_input_tokens"]
    row, problem = _row(obj)
    assert problem is None and row[11] is None and row[10] is None


@pytest.mark.parametrize("line, recorded, what", [
    (b"{not json", False, "not valid JSON"),
    (b"[1, 2]", False, "not a JSON object"),
    (b'{"result": {"type": "canceled"}}', False, "custom_id missing"),
    (b'{"custom_id": 5, "result": {"type": "canceled"}}', False, "custom_id missing"),
    (b'{"custom_id": "x"}', True, "result missing"),
    (b'{"custom_id": "x", "result": {"type": "exploded"}}', True, "unknown result type"),
    (b'{"custom_id": "x", "result": {"type": "errored", "error": "boom"}}', True, "result.error.error missing"),
    (b'{"custom_id": "x\xff", "result": {"type": "expired"}}', True, "invalid UTF-8"),
])
def test_odd_lines_never_raise(line: bytes, recorded: bool, what: str) -> None:
    row, problem = parse_line(1, line, COST)
    assert problem is not None and what in problem
    assert (row is not None) == recorded
    if row is not None:
        assert row[13] == line


def test_wrong_types_are_nulled_and_named() -> None:
    obj = _succeeded(input_tokens="10", output_tokens=True)
    row, problem = _row(obj)
    assert row is not None and row[7] is None and row[8] is None and row[11] is None
    assert "usage.input_tokens has the wrong type" in problem
    assert "usage.output_tokens has the wrong type" in problem
