"""Ingest checks the results stream against what was sent (the emulator's foreign/missing/duplicate knobs, the
real SDK, a real journal): a line for a custom_id never sent is set aside, not counted; a request with no line
stays missing (and retry resends it); a repeated line is named (the first kept); a batch adopted from the
account, with no stored requests, is not compared and says so."""

from __future__ import annotations

from tui.core.words import result_anomalies

import dataclasses

import anthropic
import orjson

from action_helpers import refresh
from tests.builders import items, requests
from tests.core.poll_helpers import create_recorded
from tui.core.actions.export import ExportOptions, export_results
from tui.core.actions.retry import MISSING, select_retry, send_retry
from tui.core.journal.batches import get_batch
from tui.core.poll.ingest import READ_WHOLE, ingest
from tui.core.submit.check import plan_from_requests
from tui.core.submit.send import submit

IDS = "q-{i:03d}"


async def _sent_and_ended(journal, client, emu, n: int = 120) -> int:
    sent = plan_from_requests(items(requests(n, ids=IDS)), source="check.jsonl")
    [row] = await submit(journal, client, sent, label="check")
    await emu.wait_until_ended(row.id)
    await refresh(journal, client, row.local_id)
    return row.local_id


async def _results(journal, local_id: int) -> dict[str, bytes]:
    async with journal.db.execute("SELECT custom_id, raw FROM results WHERE batch_local_id = ?", (local_id,)) as cur:
        return {cid: bytes(raw) for cid, raw in await cur.fetchall()}


async def _anomalies(journal, local_id: int) -> list[tuple]:
    async with journal.db.execute("SELECT kind, custom_id, occurrence, raw FROM result_anomalies "
                                  "WHERE batch_local_id = ? ORDER BY kind, custom_id, occurrence", (local_id,)) as cur:
        return [tuple(r) for r in await cur.fetchall()]


async def test_foreign_missing_and_duplicate_lines_are_named_and_not_counted(journal, emulator_factory):
    async with emulator_factory(foreign_results=0.05, missing_results=0.05, duplicate_results=0.05, seed=4) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id = await _sent_and_ended(journal, client, emu)
            batch_id = (await get_batch(journal, local_id)).id
            truth = emu.results_for(batch_id)
            wrong = emu.results_injected(batch_id)
            assert wrong["foreign"] and wrong["missing"] and wrong["duplicate"]

            report = await ingest(journal, client, local_id)
            assert report.stream_complete and report.state == "partial"
            assert (report.missing, report.unknown, report.duplicates) == (
                len(wrong["missing"]), len(wrong["foreign"]), len(wrong["duplicate"]))
            assert report.mismatch

            # only lines for what was sent are results, the first of each, byte for byte
            got = await _results(journal, local_id)
            assert got == {cid: orjson.dumps(line) for cid, line in truth.items() if cid not in wrong["missing"]}
            kept_aside = await _anomalies(journal, local_id)
            assert sorted(c for k, c, _, _ in kept_aside if k == "unknown_id") == sorted(wrong["foreign"])
            assert sorted(c for k, c, _, _ in kept_aside if k == "duplicate") == sorted(wrong["duplicate"])
            assert all(raw == got[c] for k, c, _, raw in kept_aside if k == "duplicate")

            row = await get_batch(journal, local_id)
            assert row.results_compared is True
            assert (row.results_missing, row.results_unknown, row.results_duplicate) == (
                report.missing, report.unknown, report.duplicates)
            assert result_anomalies(row) == (f"{report.missing} results missing, {report.unknown} unknown ids, "
                                            f"{report.duplicates} duplicate lines")
            assert row.results_ingested == len(truth) - len(wrong["missing"])
            assert row.ingest_error.startswith(READ_WHOLE) and result_anomalies(row) in row.ingest_error

            again = await ingest(journal, client, local_id)   # the same stream again: the same findings, once
            assert (again.missing, again.unknown, again.duplicates, again.state) == (
                report.missing, report.unknown, report.duplicates, "partial")
            assert await _anomalies(journal, local_id) == kept_aside

            # missing = failed for retry: they are resent, with their params
            sel = await select_retry(journal, local_id)
            missing_items = [(c, p) for c, p in sel.items if c in wrong["missing"]]
            assert sorted(c for c, _ in missing_items) == sorted(wrong["missing"])
            assert sel.kinds[MISSING] == len(wrong["missing"])
            params = dict(items(requests(120, ids=IDS)))
            assert all(p == params[c] for c, p in missing_items)
            emu.config = dataclasses.replace(emu.config, foreign_results=0.0, missing_results=0.0,
                                             duplicate_results=0.0)
            [retry] = await send_retry(journal, client, sel)
            assert retry.parent_id == batch_id


async def test_lines_for_ids_never_sent_do_not_count_toward_complete_nor_reach_the_export(
        journal, emulator_factory, tmp_path):
    async with emulator_factory(foreign_results=0.2, seed=1) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id = await _sent_and_ended(journal, client, emu, 40)
            batch_id = (await get_batch(journal, local_id)).id
            foreign = emu.results_injected(batch_id)["foreign"]
            assert foreign
            report = await ingest(journal, client, local_id)
            assert report.complete and report.unknown == len(foreign) and report.missing == 0
            assert set(await _results(journal, local_id)) == set(emu.results_for(batch_id))
            row = await get_batch(journal, local_id)
            assert row.results_ingested == 40 and result_anomalies(row) == f"{len(foreign)} unknown ids"
            assert row.results_mismatch
            out = tmp_path / "out.jsonl"
            await export_results(journal, local_id, out, ExportOptions(fmt="jsonl", joined=True))
            exported = out.read_text()
            assert not any(cid in exported for cid in foreign)


async def test_a_clean_stream_is_compared_and_says_nothing(journal, emulator):
    async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url) as client:
        local_id = await _sent_and_ended(journal, client, emulator, 30)
        report = await ingest(journal, client, local_id)
        assert report.complete and not report.anomalies and not report.mismatch
        row = await get_batch(journal, local_id)
        assert row.results_compared is True and result_anomalies(row) == "" and row.ingest_error is None
        assert await _anomalies(journal, local_id) == []


async def test_an_adopted_batch_has_nothing_to_compare_against(journal, emulator_factory):
    """No stored requests: foreign lines cannot be told apart and no result can be called missing; repeats can."""
    async with emulator_factory(foreign_results=0.1, duplicate_results=0.1, seed=2) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id, batch_id = await create_recorded(journal, client, 50)
            await emu.wait_until_ended(batch_id)
            await refresh(journal, client, local_id)
            wrong = emu.results_injected(batch_id)
            report = await ingest(journal, client, local_id)
            assert report.compared is False and report.missing == 0 and report.unknown == 0
            assert report.duplicates == len(wrong["duplicate"]) > 0
            row = await get_batch(journal, local_id)
            assert row.results_compared is False
            assert result_anomalies(row) == f"{len(wrong['duplicate'])} duplicate lines"
