"""Estimate bounds on a known file: text length -> input tokens, max_tokens -> the output ceiling."""

from __future__ import annotations

import json

import pytest

from tests.builders import request, requests, write_jsonl
from tui.core.money.estimate import estimate_plan, format_estimate
from tui.core.submit.check import plan


def test_bounds_on_a_known_file(tmp_path) -> None:
    text = "x" * 4000                                 # 1000 tokens at 4 chars a token
    lines = requests(10, text=text, max_tokens=1000, system="s" * 400)
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    p = plan(path)
    assert p.ok
    est = estimate_plan(p)
    assert (est.requests, est.batches, est.unknown_models) == (10, 1, [])
    # low: 4400 chars * 0.8 / 4 = 880 input tokens and 16 output tokens per request
    assert est.input_tokens[0] == 8800
    assert est.output_tokens == (160, 10_000)
    assert est.low_usd == pytest.approx((8800 * 1.0 + 160 * 5.0) / 1e6 / 2)
    # high: the whole params JSON * 1.25 / 4 per request, and every max_tokens
    params_bytes = sum(len(json.dumps(line["params"], separators=(",", ":"))) for line in lines)
    assert est.input_tokens[1] == pytest.approx(params_bytes * 1.25 / 4, abs=10)
    assert est.high_usd == pytest.approx((est.input_tokens[1] * 1.0 + 10_000 * 5.0) / 1e6 / 2)
    assert est.low_usd < est.high_usd
    assert est.saving == (pytest.approx(est.low_usd), pytest.approx(est.high_usd))
    line = format_estimate(est)
    assert line.startswith("Estimated cost: $0.0")
    assert "batch prices" in line and "against standard prices" in line


def test_several_chunks_and_models_with_an_unknown_one(tmp_path) -> None:
    lines = requests(5, ids="a{i}", text="hi" * 200, model="claude-sonnet-4-5-20250929", max_tokens=100)
    lines += requests(3, ids="b{i}", text="hello", model="claude-my\x1b[2Jmodel", max_tokens=8)
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    est = estimate_plan(plan(path, max_per_batch=3))
    assert (est.requests, est.batches) == (8, 3)
    assert est.unknown_models == ["claude-my\x1b[2Jmodel"] and est.unknown_requests == 3
    assert est.output_tokens[0] == 5 * 16 + 3 * 8          # the floor never exceeds max_tokens
    assert est.low_usd == pytest.approx((5 * 80 * 3 + 5 * 16 * 15) / 1e6 / 2)
    line = format_estimate(est)
    assert "3 requests for claude-my" in line and "unknown price" in line and "\x1b" not in line


def test_all_unknown_is_unknown_never_zero(tmp_path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [request("a", "hi", model="claude-future-9", max_tokens=8)])
    est = estimate_plan(plan(path))
    assert est.low_usd is None and est.high_usd is None and est.saving is None
    assert format_estimate(est).startswith("Estimated cost: unknown price; 1 request for claude-future-9")
