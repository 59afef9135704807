"""c / r / e / D from the keyboard, through the confirmation modals, against the emulator and a real journal."""

from __future__ import annotations

import csv
import os

import anthropic
import orjson

from tests.builders import batch_items
from tests.core.action_helpers import finish, submit_items
from tests.tui.harness import cursor_to, press, record_notifications, running_app, settle, widget_text
from tui.core.journal.batches import get_batch
from tui.core.journal.connection import Journal
from tui.screens.confirm import ConfirmScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.export_dialog import ExportDialog
from tui.screens.retry_dialog import RetryDialog
from tui.widgets.batch_facts import BatchFacts, fact_pairs


async def _row(journal_path, key):
    journal = await Journal.open(journal_path)
    try:
        return await get_batch(journal, key)
    finally:
        await journal.close()


async def test_cancel_one_and_several_with_the_modal(journal_path, emulator_factory):
    async with emulator_factory(request_ms=600_000) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            a = await submit_items(journal_path, client, batch_items("a", 3), "alpha [/end] \x1b]0;pwned\x07")
            b = await submit_items(journal_path, client, batch_items("b", 4), "bravo")
            c = await submit_items(journal_path, client, batch_items("c", 2), "charlie")
        async with running_app(journal_path, emu) as (app, pilot):
            dash = app.screen
            assert isinstance(dash, DashboardScreen) and set(dash.all_rows) == {a.local_id, b.local_id, c.local_id}
            cursor_to(app, a.local_id)
            assert dash.check_action("delete_batches", ()) is False  # running: no delete
            assert dash.check_action("retry_failures", ()) is False  # nothing failed yet
            await press(pilot, "c")
            assert isinstance(app.screen, ConfirmScreen)
            text = widget_text(app)
            assert "Cancel alpha [/end] ␛]0;pwned␇?" in text  # outside text shown literally, escapes visible
            assert a.id in text and "3 requests still processing" in text
            assert "\x1b" not in app.export_screenshot()
            await press(pilot, "escape")  # escape says no
            assert app.screen is dash and (await _row(journal_path, a.local_id)).processing_status == "in_progress"

            await press(pilot, "c", "y")
            assert app.screen is dash
            assert (await _row(journal_path, a.local_id)).processing_status == "canceling"
            assert emu.get_batch(a.id)["processing_status"] == "canceling"
            assert dash.all_rows[a.local_id].processing_status == "canceling"  # the row shows it at once
            assert dash.check_action("cancel_batches", ()) is False  # nothing left to cancel on this row

            cursor_to(app, b.local_id)
            await press(pilot, "space")  # marks b, moves on
            cursor_to(app, c.local_id)
            await press(pilot, "space")
            assert dash.marked == {b.local_id, c.local_id}
            await press(pilot, "c")
            text = widget_text(app)
            assert "Cancel 2 batches?" in text and b.id in text and c.id in text
            await press(pilot, "y")
            for row in (b, c):
                assert (await _row(journal_path, row.local_id)).processing_status == "canceling"
            assert dash.marked == set()
            journal = await Journal.open(journal_path)
            async with journal.db.execute("SELECT batch_local_id, detail FROM events WHERE kind='canceled'") as cur:
                trail = [(r[0], orjson.loads(r[1])["by"]) for r in await cur.fetchall()]
            await journal.close()
            assert sorted(trail) == sorted([(a.local_id, "tui"), (b.local_id, "tui"), (c.local_id, "tui")])


async def test_a_failed_cancel_says_why_and_leaves_the_row(journal_path, emulator_factory):
    async with emulator_factory(request_ms=600_000) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            a = await submit_items(journal_path, client, batch_items("f", 2), "fails")
        async with running_app(journal_path, emu) as (app, pilot):
            cursor_to(app, a.local_id)
            emu.fail_next(500, 500, 500)  # the SDK's two retries fail too
            notes = record_notifications(app, show=False)
            await press(pilot, "c", "y")
            assert (await _row(journal_path, a.local_id)).processing_status == "in_progress"
            assert app.screen.all_rows[a.local_id].processing_status == "in_progress"
            [note] = [n for n in notes if n.severity == "error"]
            assert note.message.startswith(f"could not cancel {a.id}: HTTP 500 api_error") and note.markup is False


async def test_retry_then_export_the_job_then_delete(journal_path, emulator_factory, tmp_path):
    async with emulator_factory(fail_requests=0.35, seed=11) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            first = await submit_items(journal_path, client, batch_items("m", 16, invalid=2), "mixed")
            await finish(journal_path, client, emu, first)
            truth = emu.results_for(first.id)
            retryable = {c for c, l in truth.items() if l["result"]["type"] == "errored"
                         and l["result"]["error"]["error"]["type"] != "invalid_request_error"}
            assert retryable
            async with running_app(journal_path, emu) as (app, pilot):
                dash = app.screen
                cursor_to(app, first.local_id)
                assert dash.check_action("cancel_batches", ()) is False  # ended: no cancel
                assert dash.check_action("retry_failures", ()) is True
                await press(pilot, "r")
                assert isinstance(app.screen, RetryDialog)
                text = widget_text(app)
                assert "unless the params change: m-bad0, m-bad1" in text
                assert "also resend 2 invalid_request_error" in text
                assert app.screen.selection.count == len(retryable)
                await press(pilot, "y")
                assert app.screen is dash
                [retry] = [r for r in dash.all_rows.values() if r.parent_id == first.id]
                await finish(journal_path, client, emu, retry)
                assert set(emu.results_for(retry.id)) == retryable

                # export the job from the retry's row: the dialog proposes the whole job (2 batches)
                dash.reload()
                await settle(pilot)
                cursor_to(app, retry.local_id)
                await press(pilot, "e")
                dialog = app.screen
                assert isinstance(dialog, ExportDialog) and dialog.family_size == 2
                target = tmp_path / "job.csv"
                box = dialog.query_one("#path")
                box.value = str(target)
                await press(pilot, "enter")
                assert app.screen is dash and target.exists()
                with open(target, encoding="utf-8", newline="") as f:
                    rows = list(csv.DictReader(f))
                assert [r["custom_id"] for r in rows] == sorted(c for c, _ in batch_items("m", 16, invalid=2))
                final = {r["custom_id"]: r for r in rows}
                retry_truth = emu.results_for(retry.id)
                for cid in retryable:
                    want = retry_truth[cid]["result"]["type"]
                    assert final[cid]["result_type"] == want
                    assert final[cid]["batch_id"] == retry.id  # the newest answer, success or not

                # again to the same file: asked first; "n" keeps the file
                before = target.read_bytes()
                await press(pilot, "e")
                app.screen.query_one("#path").value = str(target)
                await press(pilot, "enter")
                assert isinstance(app.screen, ConfirmScreen) and "Replace" in widget_text(app)
                await press(pilot, "n")
                assert target.read_bytes() == before

                # delete the first batch, keeping the local results
                cursor_to(app, first.local_id)
                await press(pilot, "D")
                assert isinstance(app.screen, ConfirmScreen) and first.id in widget_text(app)
                await press(pilot, "y")
                row = await _row(journal_path, first.local_id)
                assert row.deleted_at is not None and row.results_ingested == 18
                assert first.id not in emu.batch_ids()


async def test_keys_in_the_batch_screen(journal_path, emulator_factory, tmp_path):
    async with emulator_factory(fail_requests=0.5, seed=2) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            first = await submit_items(journal_path, client, batch_items("s", 8), "single")
            await finish(journal_path, client, emu, first)
            async with running_app(journal_path, emu) as (app, pilot):
                cursor_to(app, first.local_id)
                await press(pilot, "enter")
                screen = app.screen
                assert type(screen).__name__ == "BatchScreen" and screen.row.local_id == first.local_id
                assert screen.check_action("cancel_batches", ()) is False
                await press(pilot, "e")
                assert isinstance(app.screen, ExportDialog) and app.screen.family_size == 1
                app.screen.query_one("#path").value = "  "
                await press(pilot, "enter")                  # no file name: said in the dialog, which stays
                problem = app.screen.query_one("#problem")
                assert isinstance(app.screen, ExportDialog) and problem.display
                assert "Give a file name" in str(problem.render())
                app.screen.query_one("#path").value = str(tmp_path / "one.jsonl")
                app.screen.query_one("#jsonl").value = True
                await press(pilot, "enter")
                assert len((tmp_path / "one.jsonl").read_bytes().splitlines()) == 8
                notes = record_notifications(app, show=False)
                folder = "/sys" if os.geteuid() == 0 else _read_only(tmp_path)
                await press(pilot, "e")
                app.screen.query_one("#path").value = f"{folder}/x.csv"
                await press(pilot, "enter")
                [note] = [n for n in notes if n.severity == "error"]
                assert note.message.startswith(f"Export failed: cannot write in {folder}")
                del app.notify                                    # shown again from here
                await press(pilot, "r")
                assert isinstance(app.screen, RetryDialog)
                await press(pilot, "y")
                journal = await Journal.open(journal_path)
                async with journal.db.execute("SELECT COUNT(*) FROM batches WHERE parent_id = ?", (first.id,)) as cur:
                    assert (await cur.fetchone())[0] == 1
                await journal.close()


async def test_batch_view_shows_the_jobs_final_status(journal_path, emulator_factory):
    async with emulator_factory(fail_requests=0.5, seed=4) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            first = await submit_items(journal_path, client, batch_items("j", 10, invalid=1), "jobview")
            await finish(journal_path, client, emu, first)
            async with running_app(journal_path, emu) as (app, pilot):
                cursor_to(app, first.local_id)
                await press(pilot, "r", "y")
                dash = app.screen
                [retry] = [r for r in dash.all_rows.values() if r.parent_id == first.id]
                await finish(journal_path, client, emu, retry)
                succeeded_first = sum(1 for l in emu.results_for(first.id).values()
                                      if l["result"]["type"] == "succeeded")
                succeeded_retry = sum(1 for l in emu.results_for(retry.id).values()
                                      if l["result"]["type"] == "succeeded")
                dash.reload()
                await settle(pilot)
                cursor_to(app, first.local_id)
                await press(pilot, "enter")
                facts = app.screen.query_one(BatchFacts).facts
                pairs = {k: v.plain for k, v in fact_pairs(facts, 0.0, True)}
                assert pairs["Job final"] == f"{succeeded_first + succeeded_retry}/11 succeeded  over 2 batches"


def _read_only(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


async def test_cancel_from_the_batch_screen(journal_path, emulator_factory):
    async with emulator_factory(request_ms=600_000) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            row = await submit_items(journal_path, client, batch_items("s", 4), "slow")
        async with running_app(journal_path, emu, size=(80, 24)) as (app, pilot):
            cursor_to(app, row.local_id)
            await press(pilot, "enter")
            screen = app.screen
            assert screen.check_action("cancel_batches", ()) is True
            assert screen.check_action("retry_failures", ()) is False
            await press(pilot, "c")
            assert isinstance(app.screen, ConfirmScreen) and "4 requests still processing" in widget_text(app)
            await press(pilot, "y")
            assert app.screen is screen
            assert (await _row(journal_path, row.local_id)).processing_status == "canceling"
            await settle(pilot)
            assert screen.row.processing_status == "canceling"  # the facts re-read the journal
