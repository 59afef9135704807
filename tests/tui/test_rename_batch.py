"""`L` on the dashboard renames a batch (issue 11, point 10): an adopted "batch 1 (adopted)" found on the account
by the app's own poller gets a name, shown in the table and kept in the journal across a restart; bad names are
refused inside the dialog; several marked batches are not renamed at once (said, not guessed)."""

from __future__ import annotations

import anthropic

from tests.builders import requests
from tests.tui.harness import (cursor_to, press, record_notifications, running_app, screen_text, type_text,
                               wait_until, widget_text)
from tui.screens.dashboard import DashboardScreen
from tui.screens.rename_dialog import RenameDialog


def _names(app) -> dict[int, str]:
    from tui.core.words import batch_name

    screen = app.screen_stack[0]
    assert isinstance(screen, DashboardScreen)
    return {i: batch_name(screen.table.row_data(i)) for i in screen.table.shown_ids()}


async def test_l_renames_an_adopted_batch_and_the_name_survives_a_restart(journal_path, emulator):
    async with anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_url) as client:
        made_elsewhere = await client.messages.batches.create(requests=requests(3, ids="x-{i}"))
    async with running_app(journal_path, emulator, poll=True) as (app, pilot):
        await wait_until(pilot, lambda: "batch 1 (adopted)" in _names(app).values(), "the batch to be adopted")
        cursor_to(app, 1)
        await wait_until(pilot, lambda: "Rename" in screen_text(app).splitlines()[-1], "Rename in the footer")
        await pilot.press("L")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameDialog), "the rename dialog")
        assert "Rename batch 1 (adopted)" in widget_text(app) and made_elsewhere.id in widget_text(app)
        await pilot.press(*"nightly", "space", *"eval", "enter")
        await wait_until(pilot, lambda: _names(app).get(1) == "nightly eval", "the new name in the table")
        assert isinstance(app.screen, DashboardScreen)
        await wait_until(pilot, lambda: "nightly eval" in screen_text(app), "the new name on screen")
    async with running_app(journal_path) as (app, pilot):                # restarted, offline
        assert _names(app) == {1: "nightly eval"} and "nightly eval" in screen_text(app)
        assert "batch 1 (adopted)" not in screen_text(app)
        await press(pilot, "L")
        assert isinstance(app.screen, RenameDialog)
        await press(pilot, "ctrl+u", "enter")                       # emptied: back to the default name
        assert _names(app) == {1: "batch 1 (adopted)"}


async def test_a_bad_name_is_refused_in_the_dialog_and_nothing_changes(journal_path):
    from tests.drilldown_journal import add_batch, new_journal

    await new_journal(journal_path)
    add_batch(journal_path, 1, 5, with_requests=False, adopted=True)
    async with running_app(journal_path) as (app, pilot):
        await press(pilot, "L")
        await type_text(pilot, "x" * 101)
        await press(pilot, "enter")
        assert isinstance(app.screen, RenameDialog)
        assert "The label is 101 characters long; at most 100." in widget_text(app)
        await press(pilot, "escape")
        assert _names(app) == {1: "batch 1 (adopted)"}


async def test_several_marked_batches_are_not_renamed_at_once(journal_path):
    from tests.drilldown_journal import add_batch, new_journal

    await new_journal(journal_path)
    for local_id in (1, 2, 3):
        add_batch(journal_path, local_id, 5, with_requests=False, adopted=True)
    async with running_app(journal_path) as (app, pilot):
        notes = record_notifications(app)
        dash = app.screen
        top, second, third = dash.table.shown_ids()
        await press(pilot, "space", "space", "L")                   # two marked, the cursor on the third
        assert isinstance(app.screen, DashboardScreen)              # no dialog: it would name only one of them
        assert any("Rename names one batch at a time, and 2 batches are marked" in n.message and
                   n.severity == "warning" and n.markup is False for n in notes), notes
        await press(pilot, "k", "space")                            # the second unmarked; the cursor on the third
        assert dash.marked == {top} and dash.current_batch().local_id == third
        await press(pilot, "L")                                     # the one marked batch, not the cursor's
        assert isinstance(app.screen, RenameDialog) and app.screen.row.local_id == top
