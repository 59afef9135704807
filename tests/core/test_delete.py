"""Delete against the emulator: only ended batches, local results kept unless forgotten."""

from __future__ import annotations

import pytest

from action_helpers import create_tracked, events, refresh
from export_helpers import succeeded_line

from tests.builders import requests
from tui.core.actions.delete import delete_batches
from tui.core.actions.export import export_results
from tui.core.journal.batches import get_batch


async def _add_result(journal, local_id: int, cid: str) -> None:
    import orjson

    async with journal.transaction():
        await journal.db.execute(
            "INSERT INTO results(batch_local_id, custom_id, result_type, raw) VALUES (?,?,?,?)",
            (local_id, cid, "succeeded", orjson.dumps(succeeded_line(cid, f"kept {cid}"))))
        await journal.db.execute("UPDATE batches SET results_ingested = 1, ingest_state = 'complete' "
                                 "WHERE local_id = ?", (local_id,))


async def test_delete_running_is_refused_then_ended_is_deleted_and_kept(journal, emulator_factory, tmp_path):
    import anthropic

    async with emulator_factory(request_ms=500) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id = await create_tracked(journal, client, requests(2, ids="d-{i}"))
            row = await get_batch(journal, local_id)
            [refused] = await delete_batches(journal, client, [row.id])
            assert not refused.ok and "has not ended (in_progress)" in refused.message
            assert emu.get_batch(row.id)["id"] == row.id
            emu.advance(60)
            await emu.wait_until_ended(row.id)
            await refresh(journal, client, local_id)
            await _add_result(journal, local_id, "d-0")
            [done] = await delete_batches(journal, client, [row.id], actor="tui")
            assert done.ok and "1 local results kept" in done.message
            with pytest.raises(KeyError):
                emu.get_batch(row.id)
            after = await get_batch(journal, local_id)
            assert after.deleted_at is not None and after.results_ingested == 1
            assert [(lid, d["by"]) for lid, d in await events(journal, "deleted")] == [(local_id, "tui")]
            out = await export_results(journal, row.id, tmp_path / "after-delete.csv")
            assert out.rows == 1  # export works from the journal alone


async def test_forget_removes_the_local_rows_too(journal, emulator_factory):
    import anthropic

    async with emulator_factory(request_ms=1) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            local_id = await create_tracked(journal, client, requests(2, ids="f-{i}"))
            row = await get_batch(journal, local_id)
            await emu.wait_until_ended(row.id)
            await refresh(journal, client, local_id)
            await _add_result(journal, local_id, "f-0")
            [done] = await delete_batches(journal, client, [local_id], forget=True)
            assert done.ok and "forgotten" in done.message and done.batch is None
            assert await get_batch(journal, local_id) is None
            for table in ("results", "requests"):
                async with journal.db.execute(f"SELECT COUNT(*) FROM {table}") as cur:
                    assert (await cur.fetchone())[0] == 0
            [(lid, detail)] = await events(journal, "deleted")
            assert lid is None and detail["batch_id"] == row.id and detail["forget"] is True


async def test_delete_failure_is_reported_and_row_unchanged(journal, emulator_factory):
    import anthropic

    async with emulator_factory(request_ms=1) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url, max_retries=0) as client:
            local_id = await create_tracked(journal, client, requests(1, ids="g-{i}"))
            row = await get_batch(journal, local_id)
            await emu.wait_until_ended(row.id)
            await refresh(journal, client, local_id)
            before = await get_batch(journal, local_id)
            emu.fail_next(529)
            [failed] = await delete_batches(journal, client, [row.id])
            assert not failed.ok and "HTTP 529 overloaded_error" in failed.message
            assert await get_batch(journal, local_id) == before
