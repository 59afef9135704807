"""Property test of the submit checker (`tui.core.submit.check.plan`) over generated hostile JSONL.

Each generated file mixes good requests with bad lines of every kind (bad UTF-8, raw NUL bytes, BOMs off
the first line, nesting past the parser's limit, truncated JSON, wrong types, duplicate ids, extra keys),
with huge and deeply nested but valid lines, CRLF endings and blank lines. Whatever comes in: the checker
never raises, every bad line is reported with its number (`FILE:LINE: what`), good lines never are, and a
plan with any problem refuses to hand out a single request.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import line, params, request
from tui.core.submit.check import MAX_SHOWN_ERRORS, PlanError, plan

IDS = st.sampled_from(["a", "b", "c", "d-1", "E_2", "x" * 64])   # few ids, so duplicates are common
TEXT = st.text(max_size=40)   # any code point, lone surrogates excluded by orjson's encoder below


@dataclass(frozen=True)
class Line:
    raw: bytes          # without its line ending; never contains b"\n"
    bad: bool           # the checker must report this line (duplicate ids are decided later)
    cid: str | None     # a well-formed custom_id the checker registers (for the duplicate rule)
    fine_first: bool = False   # a BOM line: fine as the file's very first bytes, bad anywhere else


def _content(text: str, depth: int = 0, size: int = 0) -> object:
    content: object = text + "y" * size
    for _ in range(depth):
        content = [{"type": "text", "text": "n", "more": content}]
    return content


@st.composite
def good_line(draw) -> Line:
    cid = draw(IDS)
    text = draw(TEXT.filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)))
    depth = draw(st.sampled_from([0, 0, 0, 5, 60]))   # up to ~125 levels: fine
    size = draw(st.sampled_from([0, 0, 0, 0, 100_000, 2_000_000]))   # a few huge (2 MB) lines
    return Line(line(request(cid, _content(text, depth, size))), False, cid)   # orjson: no raw newline in it


def _bad_params(cid: str) -> list[bytes]:
    base = params("hi")
    variants = [
        {**base, "model": 5}, {**base, "model": ""}, {**base, "max_tokens": "16"}, {**base, "max_tokens": 0},
        {**base, "max_tokens": True}, {**base, "max_tokens": 1.5}, {**base, "messages": {}},
        {**base, "messages": []}, {**base, "messages": "hi"}, {**base, "stream": True},
        {k: v for k, v in base.items() if k != "model"}, {k: v for k, v in base.items() if k != "messages"},
        {k: v for k, v in base.items() if k != "max_tokens"},
    ]
    return [line({"custom_id": cid, "params": p}) for p in variants]


@st.composite
def bad_line(draw) -> Line:
    """A line the checker must report whatever else is in the file."""
    cid = draw(IDS)
    good = line(request(cid, "hello"))
    cut = draw(st.integers(1, len(good) - 1))
    kind = draw(st.sampled_from(["params", "utf8", "nul", "bom", "deep", "too_deep", "truncated", "garbage",
                                 "toplevel", "cid", "extra", "no_params", "params_type"]))
    if kind == "params":
        return Line(draw(st.sampled_from(_bad_params(cid))), True, cid)
    if kind == "utf8":
        junk = draw(st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"]))
        at = good.index(b"hello")
        return Line(good[:at] + junk + good[at:], True, None)
    if kind == "nul":
        return Line(good[:cut] + b"\x00" + good[cut:], True, None)
    if kind == "bom":   # a BOM is only forgiven at the very start of the file
        return Line(b"\xef\xbb\xbf" + good, True, cid, fine_first=True)
    if kind == "deep":   # past orjson's nesting limit (1024)
        depth = draw(st.integers(1100, 5000))
        return Line(b'{"custom_id":"' + cid.encode() + b'","params":' + b"[" * depth + b"]" * depth + b"}",
                    True, None)
    if kind == "too_deep":   # parses, but past what can be re-encoded for the create body (254 levels)
        depth = draw(st.integers(260, 1000))
        return Line(b'{"custom_id":"' + cid.encode() + b'","params":{"model":"claude-haiku-4-5","max_tokens":16,'
                    b'"messages":[{"role":"user","content":' + b"[" * depth + b"]" * depth + b"}]}}", True, cid)
    if kind == "truncated":
        return Line(good[:cut], True, None)
    if kind == "garbage":   # '@' starts no JSON value
        return Line(b"@" + draw(st.binary(max_size=200).filter(lambda b: b"\n" not in b)), True, None)
    if kind == "toplevel":
        return Line(draw(st.sampled_from([b"[]", b"[1,2]", b"3", b'"s"', b"null", b"true", b"{}"])), True, None)
    if kind == "cid":
        wrong = draw(st.sampled_from([7, None, "", "has space", "x" * 65, "ü", "a\u0000", ["a"], {"a": 1}]))
        return Line(line(request(wrong, "hi")), True, None)
    if kind == "extra":
        return Line(line({**request(cid, "hi"), "metadata": {}}), True, cid)
    if kind == "no_params":
        return Line(line({"custom_id": cid}), True, cid)
    return Line(line({"custom_id": cid, "params": draw(st.sampled_from([[], "p", 1, None]))}), True, cid)


BLANKS = st.sampled_from([b"", b"   ", b"\t", b"\r"])


@st.composite
def hostile_file(draw) -> tuple[bytes, list[Line | None]]:
    """The file's bytes and, per line number - 1, its Line (None for a blank line)."""
    items = draw(st.lists(st.one_of(good_line(), good_line(), bad_line(), BLANKS), max_size=25))
    lines: list[Line | None] = [item if isinstance(item, Line) else None for item in items]
    raws = [item.raw if isinstance(item, Line) else item for item in items]
    if raws and draw(st.booleans()):
        raws[0] = b"\xef\xbb\xbf" + raws[0]   # a BOM at the start of the file is fine (a second one is not)
    elif lines and lines[0] is not None and lines[0].fine_first:
        lines[0] = Line(lines[0].raw, False, lines[0].cid)
    endings = [draw(st.sampled_from([b"\n", b"\r\n"])) for _ in raws]
    if endings and draw(st.booleans()):
        endings[-1] = b""   # no newline after the last line
    return b"".join(r + e for r, e in zip(raws, endings)), lines


def _expected_bad(lines: list[Line | None]) -> set[int]:
    """Line numbers the checker must report: the bad ones, and every repeat of a registered custom_id."""
    bad, seen = set(), set()
    for number, line in enumerate(lines, 1):
        if line is None:
            continue
        if line.bad:
            bad.add(number)
        if line.cid is not None and not line.fine_first:
            if line.cid in seen:
                bad.add(number)
            seen.add(line.cid)
    return bad


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(hostile_file())
def test_checker_reports_every_bad_line_and_never_crashes(tmp_path_factory, case):
    data, lines = case
    path = tmp_path_factory.mktemp("hostile") / "in.jsonl"
    path.write_bytes(data)

    p = plan(path, max_per_batch=3)   # small chunks, so splitting runs too

    expected = _expected_bad(lines)
    reported = {issue.line for issue in p.errors}
    for issue in p.errors:
        text = str(issue)
        assert text.startswith(f"{path}:{issue.line}: ") if issue.line else text.startswith(f"{path}: ")
        assert "\n" not in text
    goods = [n for n, line in enumerate(lines, 1) if line is not None and n not in expected]
    if expected:
        assert not p.ok
        assert p.error_count >= len(expected)
        if p.error_count <= MAX_SHOWN_ERRORS:
            assert reported == expected
        else:
            assert reported <= expected and len(p.errors) == MAX_SHOWN_ERRORS
            assert p.error_lines()[-1].startswith("... and ")
        with pytest.raises(PlanError):
            next(p.iter_requests())
    elif goods:
        assert p.ok, p.error_lines()
        assert p.request_count == len(goods)
        assert sum(c.request_count for c in p.chunks) == len(goods)
        assert all(c.request_count <= 3 for c in p.chunks)
        sent = [cid for _, cid, _ in p.iter_requests()]
        assert sent == [lines[n - 1].cid for n in goods]
    else:   # nothing but blank lines: one problem without a line number, nothing to send
        assert not p.ok and reported == {None}
