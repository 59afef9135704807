"""Home/End and g/G on every table (issue 11, point 10): the first and the last row of the dashboard's batch table,
and the first and the last request of a batch in the request table, which pages (End reaches the last request
of the batch, not of the window held); listed in the help with the other keys."""

from __future__ import annotations

from tests.drilldown_journal import add_batch, custom_id, new_journal
from tests.tui.harness import open_screen, press, running_app, screen_text
from tui.screens.batch import BatchScreen
from tui.screens.dashboard import DashboardScreen
from tui.widgets.request_table import WINDOW


def help_lines(app) -> list[str]:
    """The help's lines as shown, its frame and spaces squeezed: "home / g First"."""
    return [" ".join(line.replace("│", " ").split()) for line in screen_text(app).splitlines()]


async def test_g_and_end_reach_the_last_batch_and_home_and_g_the_first(journal_path):
    await new_journal(journal_path)
    for local_id in range(1, 41):    # more rows than the screen shows
        add_batch(journal_path, local_id, 3, with_requests=False, label=f"batch number {local_id:02d}")
    async with running_app(journal_path, size=(100, 24)) as (app, pilot):
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        shown = dash.table.shown_ids()
        assert len(shown) == 40 and dash.current_batch().local_id == shown[0]
        for last, first in (("G", "g"), ("end", "home")):
            await press(pilot, last)
            assert dash.current_batch().local_id == shown[-1], last
            assert dash.table.row_data(shown[-1]).label in screen_text(app)     # scrolled to it
            await press(pilot, first)
            assert dash.current_batch().local_id == shown[0], first
            assert dash.table.row_data(shown[0]).label in screen_text(app)
        await press(pilot, "question_mark")
        shown = help_lines(app)
        for row in ("home / g First", "end / G Last"):
            assert any(line.endswith(row) or f"{row} " in line for line in shown), (row, shown)


async def test_g_reaches_the_last_request_of_a_paged_batch_and_g_the_first(journal_path):
    n = 3 * WINDOW + 17
    await new_journal(journal_path)
    add_batch(journal_path, 1, n, label="paged")
    async with running_app(journal_path, size=(100, 30)) as (app, pilot):
        screen = await open_screen(pilot, BatchScreen(1))
        table = screen.table
        assert not table.at_end and table.row_count == WINDOW
        await press(pilot, "G")
        assert table.at_end and table.cursor_key() == custom_id(n - 1) and table.cursor_position() == n - 1
        assert f"row {n:,}" in screen_text(app)
        await press(pilot, "g")
        assert table.at_start and table.cursor_key() == custom_id(0) and table.cursor_position() == 0
        await press(pilot, "end")
        assert table.cursor_key() == custom_id(n - 1)
        await press(pilot, "home")
        assert table.cursor_key() == custom_id(0)
        await press(pilot, "question_mark")
        shown = help_lines(app)
        for row in ("home / g First", "end / G Last"):
            assert any(line.endswith(row) or f"{row} " in line for line in shown), (row, shown)
