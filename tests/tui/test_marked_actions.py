"""r and e on marked batches (issue 11, point 1): they act on the marks, never on the batch under the cursor.

Three batches are marked with `space` (which moves the cursor down, so it ends on a fourth, unmarked batch);
the dialogs name exactly the marked ones, and confirming makes one retry batch / writes one file for each of
them, against the emulator and a real journal."""

from __future__ import annotations

import csv

import anthropic

from tests.builders import batch_items
from tests.core.action_helpers import finish, submit_items
from tests.tui.harness import cursor_to, press, record_notifications, running_app, settle, widget_text
from tui.core.journal.connection import Journal
from tui.core.words import batch_name
from tui.screens.confirm import ConfirmScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.export_dialog import ExportDialog
from tui.screens.retry_dialog import RetryDialog


async def _four_ended(journal_path, client, emu):
    """Four ended batches, each with retryable failures; returned in the dashboard's order, top first."""
    rows = []
    for prefix in ("aa", "bb", "cc", "dd"):
        row = await submit_items(journal_path, client, batch_items(prefix, 10), f"batch {prefix}")
        await finish(journal_path, client, emu, row)
        truth = emu.results_for(row.id)
        assert any(l["result"]["type"] == "errored" for l in truth.values()), prefix
        rows.append(row)
    return rows


async def _mark_three(app, pilot, rows):
    """Mark the first three shown with space from the top; the cursor ends on the fourth, unmarked."""
    dash = app.screen
    assert isinstance(dash, DashboardScreen)
    order = [i for i in dash.table.shown_ids() if i in {r.local_id for r in rows}]
    by_id = {r.local_id: r for r in rows}
    shown = [by_id[i] for i in order]
    cursor_to(app, shown[0].local_id)
    await press(pilot, "space", "space", "space")
    marked, under = shown[:3], shown[3]
    assert dash.marked == {r.local_id for r in marked}
    assert dash.current_batch().local_id == under.local_id
    return dash, marked, under


async def _parents(journal_path) -> dict[str, int]:
    journal = await Journal.open(journal_path)
    try:
        async with journal.db.execute("SELECT parent_id, COUNT(*) FROM batches WHERE parent_id IS NOT NULL "
                                      "GROUP BY parent_id") as cur:
            return {r[0]: r[1] for r in await cur.fetchall()}
    finally:
        await journal.close()


async def test_r_retries_each_marked_batch_not_the_one_under_the_cursor(journal_path, emulator_factory):
    async with emulator_factory(fail_requests=0.5, seed=5) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            rows = await _four_ended(journal_path, client, emu)
            async with running_app(journal_path, emu) as (app, pilot):
                dash, marked, under = await _mark_three(app, pilot, rows)
                assert dash.check_action("retry_failures", ()) is True
                await press(pilot, "r")
                dialog = app.screen
                assert isinstance(dialog, RetryDialog)
                text = widget_text(app)
                assert "Retry the failures of 3 batches: one new batch for each" in text
                for row in marked:
                    assert row.id in text and batch_name(row) in text
                assert under.id not in text and batch_name(under) not in text
                assert {s.source.local_id for s in dialog.retry_selections} == {r.local_id for r in marked}
                await press(pilot, "y")
                assert app.screen is dash
                parents = await _parents(journal_path)
                assert parents == {r.id: 1 for r in marked}
                assert dash.marked == set()
                for row in marked:
                    [retry] = [r for r in dash.all_rows.values() if r.parent_id == row.id]
                    truth = emu.results_for(row.id)
                    want = {c for c, l in truth.items() if l["result"]["type"] == "errored"}
                    await finish(journal_path, client, emu, retry)
                    assert set(emu.results_for(retry.id)) == want


async def test_e_exports_one_file_per_marked_batch_into_a_folder(journal_path, emulator_factory, tmp_path):
    async with emulator_factory(fail_requests=0.5, seed=5) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            rows = await _four_ended(journal_path, client, emu)
            async with running_app(journal_path, emu) as (app, pilot):
                dash, marked, under = await _mark_three(app, pilot, rows)
                assert dash.check_action("export_results", ()) is True
                await press(pilot, "e")
                dialog = app.screen
                assert isinstance(dialog, ExportDialog)
                text = widget_text(app)
                assert "Export the results of 3 batches: one file for each" in text
                for row in marked:
                    assert row.id[-8:] in text and batch_name(row) in text
                assert under.id[-8:] not in text and batch_name(under) not in text
                folder = tmp_path / "out"
                folder.mkdir()
                dialog.query_one("#path").value = str(folder)
                await press(pilot, "enter")
                assert app.screen is dash
                written = sorted(folder.iterdir())
                assert len(written) == 3
                for row in marked:
                    [path] = [p for p in written if row.id[-8:] in p.name]
                    with open(path, encoding="utf-8", newline="") as f:
                        got = list(csv.DictReader(f))
                    assert {r["batch_id"] for r in got} == {row.id}
                    assert sorted(r["custom_id"] for r in got) == sorted(emu.results_for(row.id))



async def test_marked_batches_that_cannot_take_r_or_e_are_named_and_left_out(journal_path, emulator_factory,
                                                                             tmp_path):
    async with emulator_factory(fail_requests=0.5, seed=5) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            ended = []
            for prefix in ("aa", "bb"):
                row = await submit_items(journal_path, client, batch_items(prefix, 10), f"batch {prefix}")
                await finish(journal_path, client, emu, row)
                ended.append(row)
            running = await submit_items(journal_path, client, batch_items("cc", 4), "batch cc")  # not polled
            async with running_app(journal_path, emu, size=(80, 24)) as (app, pilot):
                dash = app.screen
                notes = record_notifications(app, show=False)
                # only the running batch marked: r and e cannot apply, and say so instead of picking another
                cursor_to(app, running.local_id)
                await press(pilot, "space")
                assert dash.marked == {running.local_id}
                assert dash.check_action("retry_failures", ()) is False
                assert dash.check_action("export_results", ()) is False
                await press(pilot, "r")
                await press(pilot, "e")
                assert app.screen is dash and await _parents(journal_path) == {}   # the keys are off
                dash.action_retry_failures()        # reached another way (the command palette): says why
                dash.action_export_results()
                assert [n.message for n in notes] == [
                    f"Cannot retry: {running.id} has not ended yet; retry its failures once it has",
                    "Nothing to export: no results in the journal yet"]
                assert all(n.markup is False for n in notes)

                for row in ended:
                    dash.marked.add(row.local_id)
                dash.apply()
                await settle(pilot)
                assert dash.check_action("retry_failures", ()) is True
                await press(pilot, "r")
                assert isinstance(app.screen, RetryDialog)
                text = widget_text(app)
                assert "Retry the failures of 2 batches: one new batch for each" in text
                assert f"not retried: batch cc  ({running.id}): {running.id} has not ended yet" in text
                await press(pilot, "y")
                assert await _parents(journal_path) == {r.id: 1 for r in ended}
                assert dash.marked == set()

                for row in (*ended, running):
                    dash.marked.add(row.local_id)
                dash.apply()
                await settle(pilot)
                await press(pilot, "e")
                assert isinstance(app.screen, ExportDialog)
                text = widget_text(app)
                assert "Export the results of 2 batches: one file for each" in text
                assert f"left out: batch cc  ({running.id[-8:]}): no results in the journal yet" in text
                app.screen.query_one("#jsonl").value = True
                app.screen.query_one("#path").value = str(tmp_path)
                await press(pilot, "enter")
                written = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".jsonl")
                assert written == sorted(f"batch-{r.id[-8:]}.jsonl" for r in ended)

                # into the same folder again: asked first, "n" keeps the files as they are
                before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.suffix == ".jsonl"}
                for row in ended:
                    dash.marked.add(row.local_id)
                dash.apply()
                await settle(pilot)
                await press(pilot, "e")
                app.screen.query_one("#jsonl").value = True
                app.screen.query_one("#path").value = str(tmp_path)
                await press(pilot, "enter")
                assert isinstance(app.screen, ConfirmScreen) and "Replace 2 existing files?" in widget_text(app)
                await press(pilot, "n")
                assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.suffix == ".jsonl"} == before


async def test_e_on_one_exportable_batch_among_the_marked_asks_for_a_folder_and_names_the_other(
        journal_path, emulator_factory, tmp_path):
    """Two marked, one with results: the dialog is still the one for marked batches (a folder, the one left out
    named), not the one-batch dialog whose file name would then be taken for a folder."""
    async with emulator_factory(seed=5) as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            ended = await submit_items(journal_path, client, batch_items("aa", 6), "batch aa")
            await finish(journal_path, client, emu, ended)
            running = await submit_items(journal_path, client, batch_items("cc", 4), "batch cc")  # not polled
            async with running_app(journal_path, emu, size=(80, 24)) as (app, pilot):
                dash = app.screen
                dash.marked.update({ended.local_id, running.local_id})
                dash.apply()
                await settle(pilot)
                await press(pilot, "e")
                assert isinstance(app.screen, ExportDialog)
                text = widget_text(app)
                assert "Export the results of 1 batch: one file for each" in text
                assert f"left out: batch cc  ({running.id[-8:]}): no results in the journal yet" in text
                app.screen.query_one("#path").value = str(tmp_path)
                await press(pilot, "enter")
                assert sorted(p.name for p in tmp_path.glob("*.csv")) == [f"batch-{ended.id[-8:]}.csv"]
