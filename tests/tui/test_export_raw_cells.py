"""The export dialog's "raw cells" box, driven by Pilot on the real app against the emulator: off by default
(formula-like CSV cells get a leading quote), on when clicked, and what it says reaches `ExportOptions`
(the file written and the journal's `exported` event). It fits the 80×24 terminal the app is made for."""

from __future__ import annotations

import csv

import anthropic
import orjson

from tests.builders import batch_items
from tests.core.action_helpers import finish, submit_items
from tests.tui.harness import cursor_to, press, running_app, settle
from tui.core.journal.connection import Journal
from tui.screens.export_dialog import ExportDialog


def _custom_ids(path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return [r["custom_id"] for r in csv.DictReader(f)]


async def _exported_details(journal_path) -> list[dict]:
    journal = await Journal.open(journal_path)
    try:
        async with journal.db.execute("SELECT detail FROM events WHERE kind = 'exported' ORDER BY id") as cur:
            return [orjson.loads(r[0]) for r in await cur.fetchall()]
    finally:
        await journal.close()


async def test_the_raw_cells_box_reaches_the_export(journal_path, emulator_factory, tmp_path):
    async with emulator_factory() as emu:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=emu.base_url) as client:
            row = await submit_items(journal_path, client, batch_items("-minus", 3), "formula ids")
            await finish(journal_path, client, emu, row)
        async with running_app(journal_path, emu, size=(80, 24)) as (app, pilot):
            dash = app.screen
            cursor_to(app, row.local_id)

            await press(pilot, "e")
            dialog = app.screen
            assert isinstance(dialog, ExportDialog)
            box = dialog.query_one("#raw_cells")
            assert box.value is False and "raw cells (for programs, not spreadsheets)" in str(box.label)
            for widget in (box, dialog.query_one("#go")):     # on screen at 80×24, not scrolled away
                region = widget.region
                assert region.height and region.bottom <= 24 and region.right <= 80, (widget.id, region)
            safe = tmp_path / "safe.csv"
            dialog.query_one("#path").value = str(safe)
            await press(pilot, "enter")
            assert app.screen is dash
            assert _custom_ids(safe) == ["'-minus-00", "'-minus-01", "'-minus-02"]

            await press(pilot, "e")
            dialog = app.screen
            assert dialog.query_one("#raw_cells").value is False      # each export starts from the safe default
            await pilot.click("#raw_cells")
            await settle(pilot)
            assert dialog.query_one("#raw_cells").value is True
            raw = tmp_path / "raw.csv"
            dialog.query_one("#path").value = str(raw)
            dialog.query_one("#path").focus()
            await press(pilot, "enter")
            assert app.screen is dash
            assert _custom_ids(raw) == ["-minus-00", "-minus-01", "-minus-02"]

    details = await _exported_details(journal_path)
    assert [(d["by"], d["path"], d["raw_cells"]) for d in details] == [
        ("tui", str(safe), False), ("tui", str(raw), True)]
