"""The checker and splitter: every bad line kind reported with its line, chunks within limits."""

from __future__ import annotations

import hashlib

import orjson
import pytest

from tests.builders import items, line, request, requests, write_jsonl
from tui.core.submit.check import (BODY_OVERHEAD, MAX_SHOWN_ERRORS, PlanError, plan, plan_from_requests)


# (a request or a raw line, the words its error must contain); the line number is its position in BAD_LINES + 1
BAD_LINES: list[tuple[dict | bytes, str]] = [
    (b'{"custom_id": "a", "params": ', "not valid JSON"),
    (b'[1, 2]', "must be a JSON object, got array"),
    (b'{"params": {"model": "claude-m", "max_tokens": 1, "messages": [{"role": "user", "content": "x"}]}}', "custom_id is missing"),
    (request("has space"), "custom_id 'has space' must match"),
    (request("x" * 65), "must match"),
    (b'{"custom_id": 7, "params": {"model": "claude-m", "max_tokens": 1, "messages": [{"role": "user", "content": "x"}]}}', "custom_id 7 must match"),
    (request("ok1"), ""),
    (request("ok1"), "custom_id 'ok1' is a duplicate (first on line 7)"),
    (b'{"custom_id": "np"}', "params is missing"),
    (b'{"custom_id": "pa", "params": [1]}', "params must be an object, got array"),
    ({"custom_id": "nm", "params": {"max_tokens": 1, "messages": [{"role": "user", "content": "x"}]}}, "params.model is missing"),
    (request("em", model=""), "params.model must be a non-empty string"),
    ({"custom_id": "nt", "params": {"model": "claude-m", "messages": [{"role": "user", "content": "x"}]}}, "params.max_tokens is missing"),
    (request("z0", max_tokens=0), "params.max_tokens must be at least 1, got 0"),
    (request("zs", max_tokens="5"), "params.max_tokens must be an integer"),
    (request("zb", max_tokens=True), "params.max_tokens must be an integer"),
    ({"custom_id": "nmsg", "params": {"model": "claude-m", "max_tokens": 1}}, "params.messages is missing"),
    (request("emsg", messages=[]), "params.messages is empty"),
    (request("smsg", messages="hi"), "params.messages must be an array, got string"),
    (request("st", stream=True), "params.stream: true is not allowed"),
    (request("mo", messages=["hi"]), "params.messages[0] must be an object with role and content, got string"),
    (request("mr", messages=[{"role": 1, "content": "x"}]), 'params.messages[0].role must be "user" or "assistant"'),
    (request("sy", system=3), "params.system must be a string or an array of content blocks, got number"),
    (request("te", temperature="0.2"), "params.temperature must be a number, got string"),
    (request("to", tools="none"), "params.tools must be an array, got string"),
    (request("hu", max_tokens=2 ** 63), "params.max_tokens must be at most 64,000 for 'claude-haiku-4-5' (its output limit)"),
    (request("hn", model="claude-m", max_tokens=2 ** 63), "params.max_tokens must be at most 128,000 (the most output any model"),
    (b'{"custom_id": "ex", "params": {"model": "claude-m", "max_tokens": 1, "messages": [{"role": "user", "content": "x"}]}, "extra": 1}',
     "unexpected key 'extra'"),
    (b'{"custom_id": "bad\xff\xfe", "params": {}}', "not valid UTF-8"),
    (b'{"custom_id": "nul\x00", "params": {}}', "NUL byte at column"),
    (b"\xef\xbb\xbf" + line(request("bom_not_first")), "not valid JSON"),
    (request("gp", model="gpt-4o"), "params.model 'gpt-4o' is not a Claude model"),
    (request("ss", messages=[{"role": "system", "content": "x"}]),
     "params.messages[0].role 'system' is not allowed; put it in params.system"),
]


def test_every_bad_line_kind_is_reported_with_its_line(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [raw for raw, _ in BAD_LINES])
    p = plan(path)
    assert not p.ok
    by_line: dict[int, list[str]] = {}
    for issue in p.errors:
        by_line.setdefault(issue.line, []).append(str(issue))
    for n, (_, words) in enumerate(BAD_LINES, 1):
        if not words:
            assert n not in by_line
            continue
        assert any(words in text for text in by_line[n]), (n, words, by_line.get(n))
        assert all(text.startswith(f"{path}:{n}: ") for text in by_line[n])
    assert p.error_count == len(p.errors) == sum(1 for _, w in BAD_LINES if w)
    with pytest.raises(PlanError):
        next(p.iter_requests())


def test_bom_crlf_and_blank_trailing_lines_are_fine(tmp_path):
    path = tmp_path / "win.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line(request("a")) + b"\r\n" + line(request("b")) + b"\r\n\r\n  \r\n\n")
    p = plan(path)
    assert p.ok, p.error_lines()
    assert p.request_count == 2
    assert p.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [(c, cid) for c, cid, _ in p.iter_requests()] == [(0, "a"), (0, "b")]


def test_errors_are_capped_with_a_count(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [b"nope"] * (MAX_SHOWN_ERRORS + 7))
    p = plan(path)
    assert p.error_count == MAX_SHOWN_ERRORS + 7
    lines = p.error_lines()
    assert len(lines) == MAX_SHOWN_ERRORS + 1
    assert lines[-1] == "... and 7 more problems"


def test_empty_and_missing_files_are_problems_not_crashes(tmp_path):
    empty = write_jsonl(tmp_path / "empty.jsonl", [])
    assert plan(empty).error_lines() == [f"{empty}: no requests (the file holds no lines)"]
    missing = plan(tmp_path / "missing.jsonl")
    assert not missing.ok and "cannot read the file" in missing.error_lines()[0]


def test_split_by_count_and_exact_body_bytes(tmp_path):
    lines = requests(25)
    p = plan(write_jsonl(tmp_path / "in.jsonl", lines), max_per_batch=10)
    assert [c.request_count for c in p.chunks] == [10, 10, 5]
    assert [(c.first_line, c.last_line) for c in p.chunks] == [(1, 10), (11, 20), (21, 25)]
    by_chunk: dict[int, list[bytes]] = {}
    for chunk, cid, params in p.iter_requests():
        by_chunk.setdefault(chunk, []).append(orjson.dumps({"custom_id": cid, "params": orjson.loads(params)}))
    for chunk in p.chunks:
        body = b'{"requests":[' + b",".join(by_chunk[chunk.index]) + b"]}"
        assert len(body) == chunk.bytes
    assert p.total_bytes == sum(c.bytes for c in p.chunks)
    tally = p.models["claude-haiku-4-5"]
    assert (tally.requests, tally.max_tokens) == (25, 25 * 16)
    assert tally.input_chars == sum(len(f"hello r{i}") for i in range(25))


def test_split_by_bytes(tmp_path):
    lines = requests(20)
    one = plan(write_jsonl(tmp_path / "in.jsonl", lines[:1])).chunks[0].bytes - BODY_OVERHEAD
    p = plan(write_jsonl(tmp_path / "b.jsonl", lines), max_bytes=BODY_OVERHEAD + 3 * one + 10)
    assert [c.request_count for c in p.chunks] == [3] * 6 + [2]
    assert all(c.bytes <= BODY_OVERHEAD + 3 * one + 10 for c in p.chunks)


def test_a_request_larger_than_a_batch_is_a_problem(tmp_path):
    p = plan(write_jsonl(tmp_path / "in.jsonl", [request("big", system="x" * 500)]), max_bytes=300)
    assert p.error_count == 1 and "a batch body holds at most 300" in p.error_lines()[0]


def test_file_changed_after_check_is_refused(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), request("b")])
    p = plan(path)
    write_jsonl(path, [request("a"), request("c")])
    with pytest.raises(PlanError, match="changed since it was checked"):
        list(p.iter_requests())


def test_plan_from_requests_checks_and_keeps_them():
    good = items(requests(5, ids="g{i}", text="x", model="claude-m", max_tokens=5))
    p = plan_from_requests(good, max_per_batch=2)
    assert p.ok and [c.request_count for c in p.chunks] == [2, 2, 1]
    assert [(c, cid) for c, cid, _ in p.iter_requests()] == [(0, "g0"), (0, "g1"), (1, "g2"), (1, "g3"), (2, "g4")]
    assert plan_from_requests(good).sha256 == p.sha256
    bad = plan_from_requests([("b1", b"{"), ("b2", orjson.dumps({"model": "claude-m"}))])
    assert not bad.ok
    assert [e.line for e in bad.errors] == [1, 2, 2]


def test_sha256_is_of_the_file_as_checked(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [request("a")])
    p = plan(path)
    assert p.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    late = plan(path)
    write_jsonl(path, [request("b"), request("c")])
    with pytest.raises(PlanError, match="changed since it was checked"):
        late.sha256
