"""Retry against the emulator: exactly the right custom_ids go out with their original params, through
core.submit with the parent recorded; a retry of a retry; the merged final export of the job."""

from __future__ import annotations

import csv

import orjson
import pytest

from action_helpers import refresh

from tests.builders import items, requests
from tui.core.actions.export import ExportOptions, export_results
from tui.core.poll.ingest import ingest
from tui.core.submit.check import plan_from_requests
from tui.core.actions.retry import RetryError, select_retry, send_retry
from tui.core.journal.batches import get_batch
from tui.core.submit.send import submit
from tui.emulator.responses import _reply_text, summarize


def _requests(n_good: int, n_invalid: int) -> list[tuple[str, bytes]]:
    """`ok-00`... (each with its own system prompt), then `bad-0`... the server refuses, as items."""
    return items(requests(n_good, ids="ok-{i:02d}", text='Tell me, in a word, about topic {i}, "quoted" 🎉',
                          max_tokens=200, system=lambda i: f"be brief #{i}", invalid=n_invalid, invalid_ids="bad-{i}"))


async def _run_to_end(journal, client, emu, local_id: int) -> None:
    row = await get_batch(journal, local_id)
    await emu.wait_until_ended(row.id)
    await refresh(journal, client, local_id)
    report = await ingest(journal, client, local_id)
    assert report.complete, report


async def test_retry_resends_exactly_the_retryable_failures_with_their_params(journal, emulator_factory, tmp_path):
    import anthropic

    async with emulator_factory(fail_requests=0.4, seed=3) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            reqs = _requests(30, 3)
            params = dict(reqs)
            [first] = await submit(journal, client, plan_from_requests(reqs, source="mixed.jsonl"),
                                   label="mixed")
            await _run_to_end(journal, client, emu, first.local_id)
            truth = emu.results_for(first.id)
            failed = {c for c, l in truth.items() if l["result"]["type"] == "errored"
                      and l["result"]["error"]["error"]["type"] != "invalid_request_error"}
            assert 3 < len(failed) < 30

            sel = await select_retry(journal, first.id)
            assert {c for c, _ in sel.items} == failed
            assert dict(sel.held_back) == {"invalid_request_error": 3}
            assert sel.held_back_ids == ["bad-0", "bad-1", "bad-2"]
            assert sum(sel.kinds.values()) == len(failed)
            assert set(sel.kinds) <= {"errored (api_error)", "errored (overloaded_error)"}
            text = "\n".join(sel.summary_lines())
            assert "held back: 3 invalid_request_error" in text and "--all-errors" in text

            [retry] = await send_retry(journal, client, sel, actor="cli")
            assert retry.parent_id == first.id and retry.id != first.id
            await _run_to_end(journal, client, emu, retry.local_id)
            resent = emu.results_for(retry.id)
            assert set(resent) == failed  # exactly these went out, once each
            for cid, line in resent.items():
                if line["result"]["type"] == "succeeded":
                    message = line["result"]["message"]
                    expected = summarize(cid, orjson.loads(params[cid]))  # what the original params produce
                    assert message["content"][0]["text"] == _reply_text(expected)
                    assert message["usage"]["input_tokens"] == expected.input_tokens
                    assert message["model"] == "claude-haiku-4-5"
            async with journal.db.execute("SELECT custom_id, params FROM requests WHERE batch_local_id = ?",
                                          (retry.local_id,)) as cur:
                stored = {c: orjson.loads(p) for c, p in await cur.fetchall()}
            assert stored == {c: orjson.loads(params[c]) for c in failed}

            # retry of the retry, until nothing retryable is left (the emulator's faults are seeded)
            current, generations = retry, 1
            while (await get_batch(journal, current.local_id)).counts.failed:
                sel = await select_retry(journal, current.id)
                assert not sel.held_back
                [current] = await send_retry(journal, client, sel)
                assert current.parent_id is not None
                await _run_to_end(journal, client, emu, current.local_id)
                generations += 1
                assert generations < 10
            with pytest.raises(RetryError, match="no failed requests"):
                await select_retry(journal, current.id)
            assert generations >= 2  # seeded: some retries fail again, so a retry of a retry happened
            assert (await get_batch(journal, current.local_id)).label == f"retry #{generations} of mixed"
            assert (await get_batch(journal, retry.local_id)).label == "retry of mixed"

            out = await export_results(journal, current.id, tmp_path / "final.csv", ExportOptions(final=True))
            with open(out.path, encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            assert [r["custom_id"] for r in rows] == sorted(params)  # one final row per custom_id
            for r in rows:
                if r["custom_id"].startswith("bad-"):
                    assert (r["result_type"], r["error_type"]) == ("errored", "invalid_request_error")
                else:
                    assert r["result_type"] == "succeeded", r
                    expected = summarize(r["custom_id"], orjson.loads(params[r["custom_id"]]))
                    assert r["response_text"] == _reply_text(expected)

            # --all-errors sends the held-back ones too; the selection knows the batch was retried before
            sel_all = await select_retry(journal, first.id, all_errors=True)
            assert sel_all.retried_by == [retry.id]
            assert f"already retried by {retry.id}" in "\n".join(sel_all.summary_lines())
            assert {c for c, _ in sel_all.items} == failed | {"bad-0", "bad-1", "bad-2"}
            assert sel_all.kinds["errored (invalid_request_error)"] == 3


async def test_include_canceled_and_expired(journal, emulator_factory):
    import anthropic

    async with emulator_factory(request_ms=5 * 3600 * 1000) as emu:  # 5 emulated hours per request
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            [canceled] = await submit(journal, client, plan_from_requests(_requests(6, 0), source="c"), again=True)
            await client.messages.batches.cancel(canceled.id)
            [expiring] = await submit(journal, client, plan_from_requests(_requests(6, 0), source="e"), again=True)
            emu.advance(100_000)  # past expires_at: the unfinished requests expire
            for row in (canceled, expiring):
                await _run_to_end(journal, client, emu, row.local_id)
            sel = await select_retry(journal, canceled.id)
            n_canceled = (await get_batch(journal, canceled.local_id)).counts.canceled
            assert n_canceled and not sel.items and dict(sel.not_included) == {"canceled": n_canceled}
            assert "--include canceled" in "\n".join(sel.summary_lines())
            sel = await select_retry(journal, canceled.id, include=["canceled"])
            assert dict(sel.kinds) == {"canceled": n_canceled}
            sel = await select_retry(journal, expiring.id)
            n_expired = (await get_batch(journal, expiring.local_id)).counts.expired
            assert n_expired and dict(sel.kinds) == {"expired": n_expired}
            with pytest.raises(RetryError, match="--include takes canceled, expired; not bogus"):
                await select_retry(journal, expiring.id, include=["bogus"])


async def test_refusals(journal, emulator_factory):
    import anthropic

    async with emulator_factory(request_ms=1000) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            [running] = await submit(journal, client, plan_from_requests(_requests(2, 0), source="r"))
            with pytest.raises(RetryError, match="has not ended yet"):
                await select_retry(journal, running.id)
            with pytest.raises(RetryError, match="no batch matches 'msgbatch_zzz'"):
                await select_retry(journal, "msgbatch_zzz")
