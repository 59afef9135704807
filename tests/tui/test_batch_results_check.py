"""The batch view says when a batch's results do not match what was sent: a batch submitted and ingested for
real (core submit and ingest, the emulator leaving lines out, adding lines for ids never sent, repeating lines),
then the real app opened on that journal."""

from __future__ import annotations

import anthropic
import orjson

from tests.tui.harness import open_screen, record_notifications, running_app, screen_text, wait_until
from tui.core.journal.batches import get_batch
from tui.core.journal.connection import Journal
from tui.core.poll.ingest import ingest
from tui.core.submit.check import plan_from_requests
from tui.core.submit.send import submit
from tui.screens.batch import BatchScreen
from tui.widgets.batch_table import BatchTable


async def _ingested(journal_path, emu, n: int) -> int:
    items = [(f"t-{i:03d}", orjson.dumps({"model": "claude-haiku-4-5", "max_tokens": 20,
                                          "messages": [{"role": "user", "content": f"q {i}"}]})) for i in range(n)]
    journal = await Journal.open(journal_path)
    try:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            [row] = await submit(journal, client, plan_from_requests(items, source="t.jsonl"), label="checked")
            ended = await emu.wait_until_ended(row.id)
            async with journal.transaction():
                from tui.core.journal.batches import apply_server_state

                await apply_server_state(journal, row.local_id, ended)
            await ingest(journal, client, row.local_id)
        return row.local_id
    finally:
        await journal.close()


async def test_the_batch_view_names_missing_unknown_and_duplicate_results(journal_path, emulator_factory):
    async with emulator_factory(foreign_results=0.05, missing_results=0.05, duplicate_results=0.05, seed=6) as emu:
        local_id = await _ingested(journal_path, emu, 80)
        wrong = emu.results_injected(emu.batch_ids()[0])
    words = (f"{len(wrong['missing'])} results missing, {len(wrong['foreign'])} unknown ids, "
             f"{len(wrong['duplicate'])} duplicate lines")
    async with running_app(journal_path, size=(200, 40)) as (app, pilot):
        await open_screen(pilot, BatchScreen(local_id))
        shown = " ".join(screen_text(app).split())
        assert f"Check {words}" in shown, screen_text(app)
        assert "r Retry" in shown   # missing results are retryable
        table = app.screen.table
        assert wrong["missing"] and set(wrong["missing"]) <= {row.custom_id for row in table.window}
        for custom_id in wrong["missing"]:   # read to the end and not there: missing, not "pending"
            assert table.get_cell(custom_id, "result").plain == "missing"


async def test_a_clean_batch_view_has_no_check_line(journal_path, emulator):
    local_id = await _ingested(journal_path, emulator, 10)
    async with running_app(journal_path, size=(160, 40)) as (app, pilot):
        await open_screen(pilot, BatchScreen(local_id))
        assert "Check" not in screen_text(app)
    journal = await Journal.open(journal_path)
    try:
        assert (await get_batch(journal, local_id)).results_compared is True
    finally:
        await journal.close()


async def test_the_app_that_ingests_a_mismatched_batch_says_so_on_the_dashboard(journal_path, emulator_factory):
    """The app's own poll loop ingests a batch whose stream leaves results out: a notification, and the dashboard's
    status word (the same `list` prints) is `mismatch`, not `done`."""
    async with emulator_factory(missing_results=0.1, seed=3) as emu:
        items = [(f"m-{i:03d}", orjson.dumps({"model": "claude-haiku-4-5", "max_tokens": 20,
                                              "messages": [{"role": "user", "content": f"q {i}"}]}))
                 for i in range(40)]
        journal = await Journal.open(journal_path)
        try:
            async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
                [row] = await submit(journal, client, plan_from_requests(items, source="m.jsonl"), label="checked")
        finally:
            await journal.close()
        await emu.wait_until_ended(row.id)
        missing = len(emu.results_injected(row.id)["missing"])
        assert missing > 0
        async with running_app(journal_path, emu, poll=True, size=(120, 30)) as (app, pilot):
            notes = record_notifications(app, show=False)
            await wait_until(pilot, lambda: any("do not match" in note.message for note in notes),
                             "the mismatch notification", timeout=60)
            table = app.screen.query_one(BatchTable)
            await wait_until(pilot, lambda: table.get_cell(str(row.local_id), "status").plain.endswith("mismatch"),
                             "the dashboard's status word", timeout=30)
        [note] = [n for n in notes if "do not match" in n.message]
        assert f"{missing} result{'s' if missing != 1 else ''} missing" in note.message
