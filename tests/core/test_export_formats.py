"""Export from crafted journal rows: every CSV column, JSONL raw and joined, the final merge, refusals."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import orjson
import pytest

from export_helpers import add_batch, add_job, errored_line, plain_line, succeeded_line
from tui.core.actions.export import CSV_COLUMNS, ExportError, ExportOptions, export_results

NASTY = 'Hello, "world",\nsecond line; tab\there — emoji 🎉🧪, commas,,, and a quote " at the end'


async def _one_batch(journal):
    job = await add_job(journal, "known.jsonl")
    lines = [
        succeeded_line("a-ok", NASTY, tokens=(11, 22, 3, 4), stop="end_turn"),
        succeeded_line("b-max", "cut short", tokens=(5, 50, 0, 0), stop="max_tokens"),
        errored_line("c-bad", "invalid_request_error", "max_tokens: too big, really"),
        errored_line("d-api", "api_error", "Internal server error"),
        plain_line("e-exp", "expired"),
        plain_line("f-can", "canceled"),
    ]
    await add_batch(journal, "msgbatch_known01", job_id=job, created_at=100.0, lines=lines, cost=0.0125)
    return lines


def _read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


async def test_csv_every_column_on_a_known_batch(journal, tmp_path):
    await _one_batch(journal)
    out = await export_results(journal, "msgbatch_known01", tmp_path / "out.csv", ExportOptions(fmt="csv"))
    assert out.rows == 6 and out.path == tmp_path / "out.csv"
    assert stat.S_IMODE(os.stat(out.path).st_mode) == 0o600
    assert out.path.read_bytes().startswith(b"custom_id,result_type,")  # plain UTF-8, no BOM by default
    rows = _read_csv(out.path)
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    by_id = {r["custom_id"]: r for r in rows}
    assert [r["custom_id"] for r in rows] == sorted(by_id)
    assert by_id["a-ok"] == {
        "custom_id": "a-ok", "result_type": "succeeded", "error_type": "", "error_message": "",
        "stop_reason": "end_turn", "response_text": NASTY, "input_tokens": "11", "output_tokens": "22",
        "cache_creation_input_tokens": "3", "cache_read_input_tokens": "4", "cost_usd": "0.0125",
        "batch_id": "msgbatch_known01"}
    assert by_id["b-max"]["stop_reason"] == "max_tokens" and by_id["b-max"]["response_text"] == "cut short"
    assert by_id["c-bad"] == {
        "custom_id": "c-bad", "result_type": "errored", "error_type": "invalid_request_error",
        "error_message": "max_tokens: too big, really", "stop_reason": "", "response_text": "",
        "input_tokens": "", "output_tokens": "", "cache_creation_input_tokens": "",
        "cache_read_input_tokens": "", "cost_usd": "0.0", "batch_id": "msgbatch_known01"}
    assert by_id["d-api"]["error_type"] == "api_error"
    assert by_id["e-exp"]["result_type"] == "expired" and by_id["f-can"]["result_type"] == "canceled"


async def test_csv_for_excel_starts_with_a_bom(journal, tmp_path):
    await _one_batch(journal)
    out = await export_results(journal, "msgbatch_known01", tmp_path / "excel.csv", ExportOptions(bom=True))
    assert out.path.read_bytes().startswith(b"\xef\xbb\xbfcustom_id,")
    assert [r["custom_id"] for r in _read_csv(out.path, "utf-8-sig")][:1] == ["a-ok"]


async def test_csv_only_filters_and_joined_params(journal, tmp_path):
    await _one_batch(journal)
    ok = await export_results(journal, "msgbatch_known01", tmp_path / "ok.csv", ExportOptions(only="succeeded"))
    assert [r["custom_id"] for r in _read_csv(ok.path)] == ["a-ok", "b-max"]
    bad = await export_results(journal, "msgbatch_known01", tmp_path / "bad.csv",
                               ExportOptions(only="failed", joined=True))
    rows = _read_csv(bad.path)
    assert [r["custom_id"] for r in rows] == ["c-bad", "d-api", "e-exp", "f-can"]
    assert orjson.loads(rows[0]["params"])["messages"][0]["content"] == "say c-bad"


async def test_jsonl_raw_lines_as_received_and_joined(journal, tmp_path):
    lines = await _one_batch(journal)
    raw = await export_results(journal, "known01", tmp_path / "raw.jsonl", ExportOptions(fmt="jsonl"))
    got = raw.path.read_bytes().splitlines()
    assert sorted(got) == sorted(orjson.dumps(l) for l in lines)
    joined = await export_results(journal, "known01", tmp_path / "joined.jsonl",
                                  ExportOptions(fmt="jsonl", joined=True))
    objs = [orjson.loads(l) for l in joined.path.read_bytes().splitlines()]
    first = objs[0]
    assert set(first) == {"custom_id", "batch_id", "params", "result"}
    assert first["custom_id"] == "a-ok" and first["batch_id"] == "msgbatch_known01"
    assert first["params"]["messages"][0]["content"] == "say a-ok"
    assert first["result"]["message"]["content"][0]["text"] == NASTY


async def test_final_merges_a_job_newest_success_wins(journal, tmp_path):
    job = await add_job(journal, "merged.jsonl")
    await add_batch(journal, "msgbatch_first", job_id=job, created_at=10.0, lines=[
        succeeded_line("x", "first x"), errored_line("y", "api_error", "boom"), plain_line("z", "expired"),
        errored_line("w", "overloaded_error", "busy")])
    await add_batch(journal, "msgbatch_retry1", job_id=None, parent_id="msgbatch_first", created_at=20.0, lines=[
        errored_line("y", "api_error", "boom again"), succeeded_line("z", "z at last"),
        errored_line("w", "api_error", "still")])
    await add_batch(journal, "msgbatch_retry2", job_id=None, parent_id="msgbatch_retry1", created_at=30.0, lines=[
        succeeded_line("y", "y at last"), errored_line("w", "api_error", "newest failure")])
    for key, opts in (("msgbatch_retry2", ExportOptions(final=True)), ("job:%d" % job, ExportOptions()),
                      ("merged.jsonl", ExportOptions())):
        out = await export_results(journal, key, tmp_path / f"final{len(key)}.csv", opts, chunk=2)
        rows = {r["custom_id"]: r for r in _read_csv(out.path)}
        assert out.rows == 4 and sorted(rows) == ["w", "x", "y", "z"]
        assert (rows["x"]["response_text"], rows["x"]["batch_id"]) == ("first x", "msgbatch_first")
        assert (rows["y"]["response_text"], rows["y"]["batch_id"]) == ("y at last", "msgbatch_retry2")
        assert (rows["z"]["response_text"], rows["z"]["batch_id"]) == ("z at last", "msgbatch_retry1")
        assert (rows["w"]["error_message"], rows["w"]["batch_id"]) == ("newest failure", "msgbatch_retry2")
    # without --final a batch exports only itself
    one = await export_results(journal, "msgbatch_retry1", tmp_path / "one.csv")
    assert [r["custom_id"] for r in _read_csv(one.path)] == ["w", "y", "z"]


async def test_csv_round_trip_of_hostile_texts(journal, tmp_path):
    texts = [NASTY, "=SUM(A1:A2)", "line\r\nwith crlf", '""', "", "ünïcödé 中文 🎉" * 50, "a,b\n,c"]
    job = await add_job(journal)
    await add_batch(journal, "msgbatch_hostile", job_id=job, created_at=1.0,
                    lines=[succeeded_line(f"t{i}", t) for i, t in enumerate(texts)])
    out = await export_results(journal, "msgbatch_hostile", tmp_path / "h.csv")
    rows = _read_csv(out.path)
    # the formula gets a leading quote for spreadsheets (tests/core/test_export_formulas.py); nothing else changes
    assert [r["response_text"] for r in rows] == ["'" + t if t.startswith("=") else t for t in texts]
    raw = await export_results(journal, "msgbatch_hostile", tmp_path / "raw.csv", ExportOptions(raw_cells=True))
    assert [r["response_text"] for r in _read_csv(raw.path)] == texts


async def test_refusals_are_clear_and_leave_nothing_behind(journal, tmp_path):
    await _one_batch(journal)
    existing = tmp_path / "exists.csv"
    existing.write_text("keep me")
    with pytest.raises(ExportError, match="already exists; .*--force"):
        await export_results(journal, "msgbatch_known01", existing)
    assert existing.read_text() == "keep me"
    replaced = await export_results(journal, "msgbatch_known01", existing, ExportOptions(force=True))
    assert replaced.rows == 6 and existing.read_text(encoding="utf-8").startswith("custom_id,")
    with pytest.raises(ExportError, match="no batch or job matches 'msgbatch_nope'"):
        await export_results(journal, "msgbatch_nope", tmp_path / "x.csv")
    with pytest.raises(ExportError, match="does not exist"):
        await export_results(journal, "msgbatch_known01", tmp_path / "no" / "x.csv")
    with pytest.raises(ExportError, match="is a folder"):
        await export_results(journal, "msgbatch_known01", tmp_path)
    readonly = _read_only_folder(tmp_path)
    with pytest.raises(ExportError, match="cannot write in"):
        await export_results(journal, "msgbatch_known01", readonly / "x.csv")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in. root ignores mode bits, so then /sys (read-only to all)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return Path("/sys") if os.geteuid() == 0 else folder


async def test_final_merge_matches_a_brute_force_answer(journal):
    """Random retry families, tiny pages: the k-way merge equals the obvious in-memory answer."""
    import random

    from tui.core.journal.lineage import family_ids, iter_final_results
    from tui.core.journal.batches import get_batch

    rng = random.Random(7)
    job = await add_job(journal, "random")
    kinds = ("succeeded", "errored", "expired", "canceled")
    truth: dict[str, tuple[int, str, str]] = {}  # custom_id -> (preference, batch, result type)
    parent = None
    for generation in range(5):
        ids = sorted(rng.sample([f"id-{i:03d}" for i in range(120)], rng.randint(10, 90)))
        lines = []
        for cid in ids:
            kind = rng.choice(kinds)
            lines.append(succeeded_line(cid, f"{cid} g{generation}") if kind == "succeeded"
                         else errored_line(cid, "api_error", f"g{generation}") if kind == "errored"
                         else plain_line(cid, kind))
            pref = (kind == "succeeded", generation)
            if cid not in truth or pref > truth[cid][0]:
                truth[cid] = (pref, f"msgbatch_g{generation}", kind)
        await add_batch(journal, f"msgbatch_g{generation}", job_id=job if parent is None else None,
                        parent_id=parent, created_at=10.0 + generation, lines=lines)
        parent = f"msgbatch_g{generation}"
    family = await family_ids(journal, await get_batch(journal, "msgbatch_g2"))
    assert len(family) == 5
    for chunk in (1, 3, 17, 5000):
        got = [row async for rows in iter_final_results(journal, family, chunk=chunk) for row in rows]
        assert [r["custom_id"] for r in got] == sorted(truth)
        assert {r["custom_id"]: (r["batch_id"], r["result_type"]) for r in got} == \
               {c: (b, k) for c, (_, b, k) in truth.items()}
